//! The signer: covered components, parameters, the base, the signature, and the fields to
//! add (RFC 9421 §3.1, §4). Sans-IO: time and nonce can be passed in.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue};
use keyauth_core::{Clock, SystemClock};

use crate::message::{Message, RequestView, ResponseView};
use crate::params::{ParamsSpec, signature_input_member, signature_member};
use crate::{
    ComponentId, DigestAlgorithm, Error, FieldTypes, SignatureParams, SigningKey, content_digest,
    signature_base,
};

/// The default label of a signature.
pub const DEFAULT_LABEL: &str = "sig1";

/// A fresh nonce: 16 bytes from the OS generator, URL-safe base64 without padding.
///
/// # Errors
/// [`Error::Random`] when the OS generator fails.
pub fn new_nonce() -> Result<String, Error> {
    let bytes: [u8; 16] = keyauth_core::random::array().map_err(|_| Error::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn id(name: &str) -> ComponentId {
    // Literal names of RFC 9421: always valid.
    ComponentId::parse(name).unwrap_or_else(|_| unreachable!("valid component {name}"))
}

/// The profile's components for `msg`: for a request `@method`, `@target-uri`,
/// `@authority`, plus `content-digest` and `content-type` when present; for a response
/// `@status`, `content-digest` / `content-type` when present, and with the request known,
/// `"@method";req`, `"@target-uri";req` and the request's `content-digest;req` when present.
#[must_use]
pub fn default_components(msg: &Message<'_>) -> Vec<ComponentId> {
    let headers = msg.headers();
    let mut out = Vec::new();
    match msg {
        Message::Request(_) => {
            out.extend(["@method", "@target-uri", "@authority"].map(id));
        }
        Message::Response(_, req) => {
            out.push(id("@status"));
            if let Some(r) = req {
                out.extend(["@method;req", "@target-uri;req"].map(id));
                if r.headers().contains_key("content-digest") {
                    out.push(id("content-digest;req"));
                }
            }
        }
    }
    for f in ["content-digest", "content-type"] {
        if headers.contains_key(f) {
            out.push(id(f));
        }
    }
    out
}

/// One produced signature: what to add to the message, and the base it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct Signed {
    /// The label.
    pub label: String,
    /// The covered components and parameters.
    pub params: SignatureParams,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The signature base that was signed.
    pub base: Vec<u8>,
}

impl Signed {
    /// The `Signature-Input` member: `label=(...);created=...`.
    ///
    /// # Errors
    /// [`Error::MalformedSignatureInput`] when the label is not an sf-key.
    pub fn signature_input(&self) -> Result<String, Error> {
        signature_input_member(&self.label, &self.params)
    }

    /// The `Signature` member: `label=:...:`.
    ///
    /// # Errors
    /// [`Error::MalformedSignatureInput`] when the label is not an sf-key.
    pub fn signature(&self) -> Result<String, Error> {
        signature_member(&self.label, &self.signature)
    }

    /// Appends the two members to `headers` (as new field lines, so signatures already
    /// there stay).
    ///
    /// # Errors
    /// [`Error::MalformedSignatureInput`] when the label is not an sf-key.
    pub fn apply_to(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let input = HeaderValue::try_from(self.signature_input()?)
            .map_err(|_| Error::MalformedSignatureInput)?;
        let mut sig =
            HeaderValue::try_from(self.signature()?).map_err(|_| Error::MalformedSignatureInput)?;
        sig.set_sensitive(true);
        headers.append("signature-input", input);
        headers.append("signature", sig);
        Ok(())
    }
}

/// Signs requests and responses with one key.
///
/// ```
/// use keyauth_httpsig::{Signer, SigningKey};
/// let signer = Signer::new(SigningKey::hmac_sha256(b"a shared secret")).keyid("k1");
/// let mut req = http::Request::post("https://api.example/items")
///     .header("content-type", "application/json")
///     .body(br#"{"a":1}"#.to_vec())
///     .unwrap();
/// signer.sign_request(&mut req)?;
/// assert!(req.headers()["signature-input"].to_str().unwrap().starts_with(
///     r#"sig1=("@method" "@target-uri" "@authority" "content-digest" "content-type");created="#
/// ));
/// assert!(req.headers().contains_key("content-digest"));
/// # Ok::<(), keyauth_httpsig::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer {
    key: SigningKey,
    keyid: Option<String>,
    label: String,
    components: Option<Vec<ComponentId>>,
    created: bool,
    expires_in: Option<u64>,
    nonce: bool,
    tag: Option<String>,
    include_alg: bool,
    digest: Option<DigestAlgorithm>,
    clock: Arc<dyn Clock>,
    types: FieldTypes,
}

/// Explicit values for one signature, instead of the clock and a random nonce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignOptions {
    /// `created` to use (default: the clock, when the signer sets `created`).
    pub created: Option<u64>,
    /// `expires` to use (default: `created + expires_in`, when set).
    pub expires: Option<u64>,
    /// `nonce` to use (default: a fresh one, when the signer sets nonces).
    pub nonce: Option<String>,
}

impl Signer {
    /// A signer with the profile defaults: label `sig1`, `created` from the system clock, a
    /// fresh `nonce`, `alg` included, no `expires`, `Content-Digest: sha-256` for bodies.
    #[must_use]
    pub fn new(key: SigningKey) -> Self {
        Self {
            key,
            keyid: None,
            label: DEFAULT_LABEL.to_owned(),
            components: None,
            created: true,
            expires_in: None,
            nonce: true,
            tag: None,
            include_alg: true,
            digest: Some(DigestAlgorithm::Sha256),
            clock: Arc::new(SystemClock),
            types: FieldTypes::new(),
        }
    }

    /// The `keyid` parameter.
    #[must_use]
    pub fn keyid(mut self, keyid: impl Into<String>) -> Self {
        self.keyid = Some(keyid.into());
        self
    }

    /// The label (an sf-key, default `sig1`).
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Cover exactly these components instead of [`default_components`].
    #[must_use]
    pub fn components(mut self, components: Vec<ComponentId>) -> Self {
        self.components = Some(components);
        self
    }

    /// Whether to set `created` (default yes).
    #[must_use]
    pub fn created(mut self, yes: bool) -> Self {
        self.created = yes;
        self
    }

    /// Set `expires` this many seconds after `created`.
    #[must_use]
    pub fn expires_in(mut self, secs: u64) -> Self {
        self.expires_in = Some(secs);
        self
    }

    /// Whether to set a fresh `nonce` (default yes).
    #[must_use]
    pub fn nonce(mut self, yes: bool) -> Self {
        self.nonce = yes;
        self
    }

    /// The `tag` parameter (the application profile).
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// Whether to include `alg` (default yes).
    #[must_use]
    pub fn include_alg(mut self, yes: bool) -> Self {
        self.include_alg = yes;
        self
    }

    /// The `Content-Digest` algorithm added for bodies (`None`: never add one).
    #[must_use]
    pub fn content_digest(mut self, alg: Option<DigestAlgorithm>) -> Self {
        self.digest = alg;
        self
    }

    /// The clock that stamps `created`.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Structured types for components covered with `sf`.
    #[must_use]
    pub fn field_types(mut self, types: FieldTypes) -> Self {
        self.types = types;
        self
    }

    /// The signing key.
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The configured `keyid`.
    #[must_use]
    pub fn key_id(&self) -> Option<&str> {
        self.keyid.as_deref()
    }

    /// Adds `Content-Digest` for a non-empty `body` when the headers have none.
    pub fn add_content_digest(&self, headers: &mut HeaderMap, body: &[u8]) {
        if let Some(alg) = self.digest
            && !body.is_empty()
            && !headers.contains_key("content-digest")
            && let Ok(v) = HeaderValue::try_from(content_digest(alg, body))
        {
            headers.insert("content-digest", v);
        }
    }

    /// Signs `msg` as it is (sans-IO): the clock and a fresh nonce unless `opts` gives them.
    ///
    /// # Errors
    /// Component errors ([`Error::MissingComponent`]...), [`Error::Random`].
    pub fn sign_message(&self, msg: &Message<'_>, opts: &SignOptions) -> Result<Signed, Error> {
        let covered = self
            .components
            .clone()
            .unwrap_or_else(|| default_components(msg));
        let created = match opts.created {
            Some(c) => Some(c),
            None if self.created => Some(self.clock.now().as_secs()),
            None => None,
        };
        let expires = opts.expires.or_else(|| {
            self.expires_in.map(|e| {
                created
                    .unwrap_or_else(|| self.clock.now().as_secs())
                    .saturating_add(e)
            })
        });
        let nonce = match &opts.nonce {
            Some(n) => Some(n.clone()),
            None if self.nonce => Some(new_nonce()?),
            None => None,
        };
        let spec = ParamsSpec {
            created,
            expires,
            nonce,
            alg: self
                .include_alg
                .then(|| self.key.algorithm().name().to_owned()),
            keyid: self.keyid.clone(),
            tag: self.tag.clone(),
        };
        let params = SignatureParams::new(covered, &spec)?;
        crate::params::check_label(&self.label)?;
        let base = signature_base(msg, &params, &self.types)?;
        let signature = self.key.sign(&base)?;
        Ok(Signed {
            label: self.label.clone(),
            params,
            signature,
            base,
        })
    }

    /// Signs request parts with body `body`: adds `Content-Digest`, then `Signature-Input`
    /// and `Signature`.
    ///
    /// # Errors
    /// As [`Signer::sign_message`].
    pub fn sign_request_parts(
        &self,
        parts: &mut http::request::Parts,
        body: &[u8],
        opts: &SignOptions,
    ) -> Result<Signed, Error> {
        self.add_content_digest(&mut parts.headers, body);
        let signed = self.sign_message(&Message::Request(RequestView::from_parts(parts)), opts)?;
        signed.apply_to(&mut parts.headers)?;
        Ok(signed)
    }

    /// Signs a buffered `http::Request` in place (its URI should be absolute, as a
    /// client's is).
    ///
    /// # Errors
    /// As [`Signer::sign_message`].
    pub fn sign_request<B: AsRef<[u8]>>(
        &self,
        req: &mut http::Request<B>,
    ) -> Result<Signed, Error> {
        let mut tmp = http::Request::new(());
        core::mem::swap(tmp.method_mut(), req.method_mut());
        core::mem::swap(tmp.uri_mut(), req.uri_mut());
        core::mem::swap(tmp.headers_mut(), req.headers_mut());
        let (mut parts, ()) = tmp.into_parts();
        let result =
            self.sign_request_parts(&mut parts, req.body().as_ref(), &SignOptions::default());
        *req.method_mut() = parts.method;
        *req.uri_mut() = parts.uri;
        *req.headers_mut() = parts.headers;
        result
    }

    /// Signs response parts, bound to `request` (for `req` components) when given.
    ///
    /// # Errors
    /// As [`Signer::sign_message`].
    pub fn sign_response_parts(
        &self,
        parts: &mut http::response::Parts,
        body: &[u8],
        request: Option<RequestView<'_>>,
        opts: &SignOptions,
    ) -> Result<Signed, Error> {
        self.add_content_digest(&mut parts.headers, body);
        let msg = Message::Response(ResponseView::from_parts(parts), request);
        let signed = self.sign_message(&msg, opts)?;
        signed.apply_to(&mut parts.headers)?;
        Ok(signed)
    }

    /// Signs an outgoing `reqwest` request in place (its body must be buffered).
    ///
    /// # Errors
    /// [`Error::BodyRead`] for a streaming body; otherwise as [`Signer::sign_message`].
    #[cfg(feature = "reqwest")]
    pub fn sign_reqwest(&self, req: &mut reqwest::Request) -> Result<Signed, Error> {
        let body: Vec<u8> = match req.body() {
            None => Vec::new(),
            Some(b) => b.as_bytes().ok_or(Error::BodyRead)?.to_vec(),
        };
        let uri: http::Uri = req
            .url()
            .as_str()
            .parse()
            .map_err(|_| Error::MissingComponent)?;
        let mut headers = core::mem::take(req.headers_mut());
        self.add_content_digest(&mut headers, &body);
        let method = req.method().clone();
        let result = self
            .sign_message(
                &Message::Request(RequestView::new(&method, &uri, &headers)),
                &SignOptions::default(),
            )
            .and_then(|s| s.apply_to(&mut headers).map(|()| s));
        *req.headers_mut() = headers;
        result
    }

    /// A signer for what an `Accept-Signature` member asks (its label, components, `tag`,
    /// and `created`/`expires`/`nonce` when asked for).
    ///
    /// # Errors
    /// [`Error::UnsatisfiableRequest`] when it names another `keyid` or `alg` than this
    /// signer's.
    pub fn for_accept(&self, want: &crate::AcceptSignature) -> Result<Self, Error> {
        if want
            .keyid()
            .is_some_and(|k| Some(k) != self.keyid.as_deref())
            || want.alg().is_some_and(|a| a != self.key.algorithm().name())
        {
            return Err(Error::UnsatisfiableRequest);
        }
        let mut s = self
            .clone()
            .label(want.label())
            .components(want.covered().to_vec());
        if let Some(t) = want.tag() {
            s = s.tag(t);
        }
        s.created = self.created || want.wants_created();
        s.nonce = self.nonce || want.wants_nonce();
        if want.wants_expires() && s.expires_in.is_none() {
            s.expires_in = Some(300);
        }
        Ok(s)
    }
}
