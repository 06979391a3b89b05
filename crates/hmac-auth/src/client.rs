//! The client side: adds the signature header to outgoing requests.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use keyauth_core::{Clock, SystemClock};

use crate::strong::{new_nonce, signed_target};
use crate::werkzeug::signed_message;
use crate::{Error, Hmac};

/// How a [`Signer`] signs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// Flask-HMAC, global key: `Signature: make_hmac(body)`.
    GlobalKey,
    /// Flask-HMAC, as a named service: `Signature: make_hmac_for(name, body)`.
    Service(String),
    /// Strong mode with the global key (`None`) or a service key.
    Strong(Option<String>),
}

/// Signs outgoing requests: a plain [`http::Request`] with [`Signer::sign`], a `reqwest`
/// request with `Signer::sign_reqwest` (feature `reqwest`).
///
/// ```
/// use hmac_auth::{Credential, Hmac, Key, Signer};
/// let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
/// let signer = Signer::new(hmac.clone(), Credential::GlobalKey);
/// let mut req = http::Request::get("/a").body(Vec::new()).map_err(|_| hmac_auth::Error::BodyRead)?;
/// signer.sign(&mut req)?;
/// assert_eq!(req.headers()["signature"], "LSXp2AnBSNGHEcjN2CIBCD0n+HMR4DPunreKdyp6u8w=");
/// assert!(hmac.validate_signature(&req, None).is_ok());
/// # Ok::<(), hmac_auth::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer {
    hmac: Hmac,
    credential: Credential,
    clock: Arc<dyn Clock>,
}

impl Signer {
    /// A signer for `credential` with the keys of `hmac`, on the system clock (strong mode).
    #[must_use]
    pub fn new(hmac: Hmac, credential: Credential) -> Self {
        Self {
            hmac,
            credential,
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock that stamps strong-mode requests.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The header name and value for a request with these headers and body.
    ///
    /// Compatible mode signs what a Flask-HMAC server will check: [`signed_message`], which
    /// is empty for form bodies (Werkzeug consumes them) and the body otherwise. Strong mode
    /// signs the body as sent.
    ///
    /// # Errors
    /// The signing errors of [`Hmac::make_hmac`], [`Hmac::make_hmac_for`] and
    /// [`Hmac::sign_strong`]; [`Error::Random`] when no nonce can be drawn.
    pub fn header_for(
        &self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(HeaderName, HeaderValue), Error> {
        let (name, value) = match &self.credential {
            Credential::GlobalKey => (
                self.hmac.header(),
                self.hmac.make_hmac(signed_message(headers, body))?,
            ),
            Credential::Service(service) => (
                self.hmac.header(),
                self.hmac
                    .make_hmac_for(service, signed_message(headers, body))?,
            ),
            Credential::Strong(key_id) => (
                self.hmac.strong_header(),
                self.hmac.sign_strong(
                    key_id.as_deref(),
                    method,
                    target,
                    body,
                    self.clock.now(),
                    &new_nonce()?,
                )?,
            ),
        };
        // Base64 and the strong-mode grammar are visible ASCII, so this cannot fail.
        let mut value = HeaderValue::from_str(&value).map_err(|_| Error::MalformedHeader)?;
        value.set_sensitive(true);
        Ok((name.clone(), value))
    }

    /// Adds (replaces) the signature header of `request`.
    ///
    /// # Errors
    /// As [`Signer::header_for`].
    pub fn sign<B: AsRef<[u8]>>(&self, request: &mut http::Request<B>) -> Result<(), Error> {
        let (name, value) = self.header_for(
            request.method(),
            signed_target(request.uri()),
            request.headers(),
            request.body().as_ref(),
        )?;
        request.headers_mut().insert(name, value);
        Ok(())
    }

    /// Adds (replaces) the signature header of a `reqwest` request. The body must be
    /// buffered (bytes, text, JSON or form), not a stream.
    ///
    /// # Errors
    /// [`Error::BodyNotBuffered`] for a streaming body; otherwise as [`Signer::header_for`].
    #[cfg(feature = "reqwest")]
    pub fn sign_reqwest(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let body: &[u8] = match request.body() {
            None => &[],
            Some(b) => b.as_bytes().ok_or(Error::BodyNotBuffered)?,
        };
        let url = request.url();
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let (name, value) = self.header_for(request.method(), &target, request.headers(), body)?;
        request.headers_mut().insert(name, value);
        Ok(())
    }
}

/// Signs a `reqwest` request builder in one call (feature `reqwest`).
#[cfg(feature = "reqwest")]
pub trait RequestBuilderExt {
    /// Builds the request and signs it with `signer`.
    ///
    /// # Errors
    /// [`Error::MalformedHeader`] when the builder holds an error (bad URL or header);
    /// otherwise as [`Signer::sign_reqwest`].
    fn build_signed(self, signer: &Signer) -> Result<reqwest::Request, Error>;
}

#[cfg(feature = "reqwest")]
impl RequestBuilderExt for reqwest::RequestBuilder {
    fn build_signed(self, signer: &Signer) -> Result<reqwest::Request, Error> {
        let mut request = self.build().map_err(|_| Error::MalformedHeader)?;
        signer.sign_reqwest(&mut request)?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;
    use keyauth_core::{FixedClock, UnixTime};

    #[test]
    fn service_and_strong_signers_produce_checkable_headers() {
        let hmac = Hmac::builder()
            .key(Key::latin1("g").unwrap())
            .service("svc", Key::latin1("k").unwrap())
            .build();
        let mut req = http::Request::post("/p?q=1")
            .body(b"data".to_vec())
            .unwrap();
        Signer::new(hmac.clone(), Credential::Service("svc".into()))
            .sign(&mut req)
            .unwrap();
        assert_eq!(
            hmac.validate_signature(&req, None),
            Ok(crate::Authenticated::Service("svc".into()))
        );
        assert!(req.headers()["signature"].is_sensitive());

        let clock = Arc::new(FixedClock::new(UnixTime::new(1_000)));
        let strong =
            Signer::new(hmac.clone(), Credential::Strong(Some("svc".into()))).with_clock(clock);
        strong.sign(&mut req).unwrap();
        let claims = hmac
            .check_strong(
                req.method(),
                "/p?q=1",
                req.headers(),
                req.body(),
                None,
                UnixTime::new(1_000),
                0,
            )
            .unwrap();
        assert_eq!(
            claims.authenticated,
            crate::Authenticated::Service("svc".into())
        );
        // Two signatures never share a nonce.
        let mut other = http::Request::post("/p?q=1")
            .body(b"data".to_vec())
            .unwrap();
        strong.sign(&mut other).unwrap();
        assert_ne!(req.headers()["hmac-strong"], other.headers()["hmac-strong"]);
    }

    #[test]
    fn form_bodies_are_signed_as_the_flask_server_reads_them() {
        let hmac = Hmac::builder()
            .key(Key::latin1("g").unwrap())
            .service("svc", Key::latin1("k").unwrap())
            .build();
        for credential in [Credential::GlobalKey, Credential::Service("svc".into())] {
            let mut req = http::Request::post("/form")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b"a=1&b=2".to_vec())
                .unwrap();
            Signer::new(hmac.clone(), credential.clone())
                .sign(&mut req)
                .unwrap();
            // Werkzeug consumes the form, so the server checks an empty message.
            assert!(
                hmac.validate_signature(&req, None).is_ok(),
                "{credential:?}"
            );
            let empty = match &credential {
                Credential::Service(s) => hmac.make_hmac_for(s, b"").unwrap(),
                _ => hmac.make_hmac(b"").unwrap(),
            };
            assert_eq!(req.headers()["signature"], empty.as_str());
        }
    }
}
