//! The Flask-HMAC compatible scheme: configuration, signing and checking.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName};
use keyauth_core::{Base64, ct_eq};

use crate::digest::latin1_bytes;
use crate::{Digest, Error, Key};

/// Upstream's default header name.
pub const DEFAULT_HEADER: &str = "signature";

/// Upstream's default error status (`HMAC_ERROR_CODE`, `403 Forbidden`).
pub const DEFAULT_ERROR_CODE: u16 = 403;

/// A Flask-HMAC configuration: the global key (`HMAC_KEY`), per-service keys (`HMAC_KEYS`),
/// the header name, the digest and the disarm switch (`HMAC_DISARM`).
///
/// Cheap to clone (the keys sit behind an `Arc`). Built with [`Hmac::new`] (one key) or
/// [`Hmac::builder`].
///
/// ```
/// use hmac_auth::{Hmac, Key};
/// let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
/// assert_eq!(hmac.make_hmac(b"")?, "LSXp2AnBSNGHEcjN2CIBCD0n+HMR4DPunreKdyp6u8w=");
/// # Ok::<(), hmac_auth::Error>(())
/// ```
#[derive(Clone)]
pub struct Hmac {
    inner: Arc<Inner>,
}

struct Inner {
    key: Option<Key>,
    keys: Option<BTreeMap<String, Key>>,
    header: HeaderName,
    strong_header: HeaderName,
    digest: Digest,
    disarm: bool,
}

impl core::fmt::Debug for Hmac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Hmac")
            .field("key", &i.key.as_ref().map(|_| "[redacted]"))
            .field(
                "services",
                &i.keys.as_ref().map(|k| k.keys().collect::<Vec<_>>()),
            )
            .field("header", &i.header)
            .field("digest", &i.digest)
            .field("disarm", &i.disarm)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Hmac`]. Every setting has upstream's default.
#[derive(Debug)]
pub struct HmacBuilder {
    key: Option<Key>,
    keys: Option<BTreeMap<String, Key>>,
    header: HeaderName,
    strong_header: HeaderName,
    digest: Digest,
    disarm: bool,
}

impl Default for HmacBuilder {
    fn default() -> Self {
        Self {
            key: None,
            keys: None,
            header: HeaderName::from_static(DEFAULT_HEADER),
            strong_header: HeaderName::from_static(crate::strong::DEFAULT_STRONG_HEADER),
            digest: Digest::Sha256,
            disarm: false,
        }
    }
}

impl HmacBuilder {
    /// The global key (`HMAC_KEY`). An empty key is a real (empty) HMAC key, as upstream.
    #[must_use]
    pub fn key(mut self, key: Key) -> Self {
        self.key = Some(key);
        self
    }

    /// Adds a per-service key (`HMAC_KEYS[name] = key`). An empty key means "use the global
    /// key" (upstream's truthiness fallback).
    #[must_use]
    pub fn service(mut self, name: impl Into<String>, key: Key) -> Self {
        self.keys
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), key);
        self
    }

    /// Sets `HMAC_KEYS` to exactly these services. An empty iterator still counts as
    /// "configured" (upstream `HMAC_KEYS = {}`: every service token is an unknown name).
    #[must_use]
    pub fn services<N: Into<String>>(
        mut self,
        services: impl IntoIterator<Item = (N, Key)>,
    ) -> Self {
        self.keys = Some(services.into_iter().map(|(n, k)| (n.into(), k)).collect());
        self
    }

    /// The header carrying the signature (default `Signature`; looked up case-insensitively).
    #[must_use]
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }

    /// The header carrying a strong-mode signature (default `Hmac-Strong`).
    #[must_use]
    pub fn strong_header(mut self, name: HeaderName) -> Self {
        self.strong_header = name;
        self
    }

    /// The hash (default SHA-256).
    #[must_use]
    pub fn digest(mut self, digest: Digest) -> Self {
        self.digest = digest;
        self
    }

    /// `HMAC_DISARM`: when set, every request passes, even without a header.
    #[must_use]
    pub fn disarm(mut self, disarm: bool) -> Self {
        self.disarm = disarm;
        self
    }

    /// The configuration.
    #[must_use]
    pub fn build(self) -> Hmac {
        Hmac {
            inner: Arc::new(Inner {
                key: self.key,
                keys: self.keys,
                header: self.header,
                strong_header: self.strong_header,
                digest: self.digest,
                disarm: self.disarm,
            }),
        }
    }
}

/// Who signed a request that passed, put into the request's extensions by the layer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Authenticated {
    /// `HMAC_DISARM` is on: nothing was checked.
    Disarmed,
    /// Signed with the global key (`HMAC_KEY`).
    GlobalKey,
    /// Signed as this service (`HMAC_KEYS`).
    Service(String),
}

impl Authenticated {
    /// The service name, when a service signed.
    #[must_use]
    pub fn service(&self) -> Option<&str> {
        match self {
            Self::Service(name) => Some(name),
            _ => None,
        }
    }
}

/// Which services a route admits (`@hmac.auth(only=...)`). Signatures made with the global key
/// pass regardless, as upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Only {
    /// Exact names (upstream: a list).
    Names(Vec<String>),
    /// Upstream given a `str`: Python's `client in only` is then a *substring* test, so
    /// `"xxbserviceyy"` admits `"bservice"` (and `""`). Kept for compatibility only.
    Substring(String),
}

impl Only {
    /// An allow-list of exact names.
    #[must_use]
    pub fn names<N: Into<String>>(names: impl IntoIterator<Item = N>) -> Self {
        Self::Names(names.into_iter().map(Into::into).collect())
    }

    /// Whether `service` is admitted.
    #[must_use]
    pub fn admits(&self, service: &str) -> bool {
        match self {
            Self::Names(names) => names.iter().any(|n| n == service),
            Self::Substring(s) => s.contains(service),
        }
    }
}

impl Hmac {
    /// A configuration with only the global key (`HMAC_KEY`).
    #[must_use]
    pub fn new(key: Key) -> Self {
        Self::builder().key(key).build()
    }

    /// A builder with upstream's defaults (no keys, header `Signature`, SHA-256, armed).
    #[must_use]
    pub fn builder() -> HmacBuilder {
        HmacBuilder::default()
    }

    /// The signature header name.
    #[must_use]
    pub fn header(&self) -> &HeaderName {
        &self.inner.header
    }

    /// The strong-mode header name.
    #[must_use]
    pub fn strong_header(&self) -> &HeaderName {
        &self.inner.strong_header
    }

    /// The digest.
    #[must_use]
    pub fn digest(&self) -> Digest {
        self.inner.digest
    }

    /// Whether checking is switched off (`HMAC_DISARM`).
    #[must_use]
    pub fn is_disarmed(&self) -> bool {
        self.inner.disarm
    }

    /// The key used when `key` is absent or empty: the global key (upstream
    /// `key if key else self.hmac_key`).
    pub(crate) fn effective_key<'a>(&'a self, key: Option<&'a Key>) -> Result<&'a Key, Error> {
        match key {
            Some(k) if !k.is_empty() => Ok(k),
            _ => self.inner.key.as_ref().ok_or(Error::NoKey),
        }
    }

    /// The key of `service`, with the empty-key fallback applied.
    pub(crate) fn service_key(&self, service: &str) -> Result<&Key, Error> {
        let keys = self.inner.keys.as_ref().ok_or(Error::NoKeysConfigured)?;
        let key = keys.get(service).ok_or(Error::UnknownKeyName)?;
        self.effective_key(Some(key))
    }

    fn sig(&self, key: &Key, data: &[u8]) -> String {
        STANDARD.encode(self.inner.digest.mac(key.expose_secret(), &[data]))
    }

    /// The signature of `data` with the global key: standard base64 (with padding) of
    /// HMAC(key, data), as upstream `make_hmac(data)`. Text data is its UTF-8 bytes.
    ///
    /// # Errors
    /// [`Error::NoKey`] when there is no global key.
    pub fn make_hmac(&self, data: &[u8]) -> Result<String, Error> {
        let key = self.effective_key(None)?;
        Ok(self.sig(key, data))
    }

    /// Upstream `make_hmac(data, key)`: signs with another application's key. An empty `key`
    /// falls back to the global key, as upstream's truthiness test does.
    ///
    /// # Errors
    /// [`Error::NoKey`] when `key` is empty and there is no global key.
    pub fn make_hmac_with_key(&self, data: &[u8], key: &Key) -> Result<String, Error> {
        let key = self.effective_key(Some(key))?;
        Ok(self.sig(key, data))
    }

    /// The service token of upstream `make_hmac_for(name, data)`:
    /// `base64(latin1(name) ":" make_hmac(data, HMAC_KEYS[name]))`.
    ///
    /// # Errors
    /// [`Error::NoKeysConfigured`], [`Error::UnknownKeyName`], [`Error::NoKey`] (the service
    /// key is empty and there is no global key), [`Error::NameNotLatin1`].
    pub fn make_hmac_for(&self, service: &str, data: &[u8]) -> Result<String, Error> {
        Ok(STANDARD.encode(self.service_plain(service, data)?))
    }

    /// `latin1(name) ":" signature`, the plain text inside a service token.
    pub(crate) fn service_plain(&self, service: &str, data: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.service_key(service)?;
        let inner = self.sig(key, data);
        let mut plain = latin1_bytes(service).ok_or(Error::NameNotLatin1)?;
        plain.push(b':');
        plain.extend_from_slice(inner.as_bytes());
        Ok(plain)
    }

    /// Checks a request as upstream 1.2.1 `validate_signature(request, only)` does, and says
    /// who signed it.
    ///
    /// The message is the body, except for `application/x-www-form-urlencoded` and
    /// `multipart/form-data` bodies, which upstream reads as empty (Werkzeug consumes them).
    /// Method, path, query and other headers are not signed. Signatures are compared in
    /// constant time.
    ///
    /// ```
    /// use hmac_auth::{Authenticated, Error, Hmac, Key};
    /// let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
    /// let req = http::Request::post("/x")
    ///     .header("Signature", hmac.make_hmac(b"{}")?)
    ///     .body(b"{}".to_vec())
    ///     .map_err(|_| Error::MalformedHeader)?;
    /// assert_eq!(hmac.validate_signature(&req, None)?, Authenticated::GlobalKey);
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingSignature`], [`Error::InvalidSignature`] (also: a service outside
    /// `only`, a token that is not base64 while service keys are configured, no keys at all);
    /// [`Error::UnknownKeyName`] for a well-formed token naming an unknown admitted service
    /// (upstream answers 500 there); [`Error::NoKey`] when the named service's key is empty
    /// and there is no global key.
    pub fn validate_signature<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
        only: Option<&Only>,
    ) -> Result<Authenticated, Error> {
        self.validate_headers(request.headers(), request.body().as_ref(), only)
    }

    /// [`Hmac::validate_signature`] on request parts and the buffered body.
    ///
    /// # Errors
    /// As [`Hmac::validate_signature`].
    pub fn validate_parts(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        only: Option<&Only>,
    ) -> Result<Authenticated, Error> {
        self.validate_headers(&parts.headers, body, only)
    }

    /// [`Hmac::validate_signature`] on the headers and the buffered body.
    ///
    /// # Errors
    /// As [`Hmac::validate_signature`].
    pub fn validate_headers(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        only: Option<&Only>,
    ) -> Result<Authenticated, Error> {
        if self.inner.disarm {
            return Ok(Authenticated::Disarmed);
        }
        let signature = header_bytes(headers, &self.inner.header).ok_or(Error::MissingSignature)?;
        let data = signed_message(headers, body);

        // Upstream builds the global candidate first, then the service one, and raises any
        // error of the service path before comparing. The global key cannot fail here (keys
        // are checked when configured), so it is computed only when needed: a service token
        // costs one HMAC, not two. Comparisons are constant time.
        //
        // The service path runs only with HMAC_KEYS configured; `?` on the parse is
        // upstream's bad-padding InvalidSignature, raised even if the global key would match.
        let client = match self.inner.keys {
            Some(_) => token_client(&signature)?,
            None => None,
        };
        if let Some(client) = client.filter(|c| only.is_none_or(|o| o.admits(c))) {
            match self.make_hmac_for(&client, data) {
                Ok(token) if ct_eq(token.as_bytes(), &signature) => {
                    return Ok(Authenticated::Service(client));
                }
                Ok(_) => {}
                // Upstream's `except ValueError: pass` also swallows the UnicodeEncodeError of
                // a name that is not latin-1: no candidate. Every other error escapes.
                Err(Error::NameNotLatin1) => {}
                Err(e) => return Err(e),
            }
        }
        match &self.inner.key {
            Some(key) if ct_eq(self.sig(key, data).as_bytes(), &signature) => {
                Ok(Authenticated::GlobalKey)
            }
            _ => Err(Error::InvalidSignature),
        }
    }

    /// The 1.1.x `validate_service_signature(request)` (removed upstream in 1.2): the header
    /// must be a service token; the global key is never consulted. Returns the service name.
    ///
    /// # Errors
    /// [`Error::MissingSignature`]; [`Error::MalformedServiceSignature`] when the token is
    /// not base64 of UTF-8 `name:signature` with exactly one `:`; [`Error::NoKeysConfigured`],
    /// [`Error::UnknownKeyName`], [`Error::NoKey`], [`Error::NameNotLatin1`];
    /// [`Error::InvalidSignature`] on a mismatch.
    pub fn validate_service_signature<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<String, Error> {
        self.validate_service_headers(request.headers(), request.body().as_ref())
    }

    /// [`Hmac::validate_service_signature`] on the headers and the buffered body.
    ///
    /// # Errors
    /// As [`Hmac::validate_service_signature`].
    pub fn validate_service_headers(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<String, Error> {
        if self.inner.disarm {
            return Ok(String::new());
        }
        let signature = header_bytes(headers, &self.inner.header).ok_or(Error::MissingSignature)?;
        let data = signed_message(headers, body);
        let client = token_client(&signature)
            .map_err(|_| Error::MalformedServiceSignature)?
            .ok_or(Error::MalformedServiceSignature)?;
        let token = self.make_hmac_for(&client, data)?;
        if ct_eq(token.as_bytes(), &signature) {
            Ok(client)
        } else {
            Err(Error::InvalidSignature)
        }
    }
}

/// The header's bytes as Werkzeug's dev server presents them: absent, the one value, or several
/// values joined with `,` (which never validates, as upstream).
pub(crate) fn header_bytes<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<Cow<'h, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    match values.next() {
        None => Some(Cow::Borrowed(first.as_bytes())),
        Some(second) => {
            let mut joined = first.as_bytes().to_vec();
            for v in core::iter::once(second).chain(values) {
                joined.push(b',');
                joined.extend_from_slice(v.as_bytes());
            }
            Some(Cow::Owned(joined))
        }
    }
}

/// `request.data`: the body, or nothing when Werkzeug's form parser consumes it first.
///
/// That happens for `application/x-www-form-urlencoded`, and for `multipart/form-data` with a
/// non-empty ASCII `boundary` parameter (without one Werkzeug gives up and the body stays).
/// The media type is compared case-insensitively; parameters are read as Werkzeug's
/// `parse_options_header` does. With several `Content-Type` headers the last one counts
/// (as in Werkzeug's and gunicorn's WSGI environ).
#[must_use]
pub fn signed_message<'b>(headers: &HeaderMap, body: &'b [u8]) -> &'b [u8] {
    match headers.get_all(CONTENT_TYPE).iter().next_back() {
        Some(ct) if form_consumes_body(ct.as_bytes()) => &[],
        _ => body,
    }
}

/// Python's `str.isspace` over latin-1 text (what `str.strip()` removes).
fn py_space(b: u8) -> bool {
    matches!(
        b,
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' | 0x85 | 0xa0
    )
}

fn strip(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !py_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !py_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Werkzeug's token characters (`[\w!#$%&'*+\-.^`|~]` with `re.ASCII`).
fn token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_!#$%&'*+-.^`|~".contains(&b)
}

fn token_len(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| token_char(b)).count()
}

/// Whether Werkzeug 3's form parser reads the body of a request with this `Content-Type`.
fn form_consumes_body(ct: &[u8]) -> bool {
    let (value, rest) = match ct.iter().position(|&b| b == b';') {
        Some(i) => (&ct[..i], &ct[i + 1..]),
        None => (ct, &[][..]),
    };
    let mime = strip(value);
    if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        return true;
    }
    if !mime.eq_ignore_ascii_case(b"multipart/form-data") {
        return false;
    }
    // `options.get("boundary", "").encode("ascii")`, then `if not boundary: raise ValueError`
    // (swallowed: the body stays unread).
    options(strip(rest))
        .into_iter()
        .rev()
        .find(|(k, _)| k == b"boundary")
        .is_some_and(|(_, v)| !v.is_empty() && v.is_ascii())
}

/// The parameters of `parse_options_header` as `(lower-case key, value)` in order (a later
/// key overrides an earlier one; continuations are already joined).
fn options(mut rest: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut parts: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if rest.is_empty() {
        return parts;
    }
    loop {
        let k = token_len(rest);
        if k > 0 && rest.get(k) == Some(&b'=') {
            let key = rest[..k].to_ascii_lowercase();
            rest = &rest[k + 1..];
            let v = token_len(rest);
            if v > 0 {
                parts.push((key, rest[..v].to_vec()));
            } else if rest.first() == Some(&b'"') {
                let mut pos = 1;
                while pos < rest.len() {
                    if rest[pos..].starts_with(b"\\\\") || rest[pos..].starts_with(b"\\\"") {
                        pos += 2;
                    } else if rest[pos] == b'"' {
                        parts.push((key, rest[..=pos].to_vec()));
                        rest = &rest[pos + 1..];
                        break;
                    } else {
                        pos += 1;
                    }
                }
            }
        }
        match rest.iter().position(|&b| b == b';') {
            None => break,
            Some(end) => {
                rest = &rest[end + 1..];
                while let [first, tail @ ..] = rest {
                    if !py_space(*first) {
                        break;
                    }
                    rest = tail;
                }
            }
        }
    }

    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut continued: Option<Vec<u8>> = None;
    for (mut key, mut value) in parts {
        if key.last() == Some(&b'*') {
            key.pop();
            let mut encoding: Option<Vec<u8>> = None;
            if let Some((charset, v)) = charset_value(&value) {
                encoding = Some(charset.to_ascii_lowercase());
                value = v.to_vec();
            }
            if encoding.as_ref().is_none_or(Vec::is_empty) {
                encoding.clone_from(&continued);
            }
            if let Some(enc) = encoding.filter(|e| {
                [&b"ascii"[..], b"us-ascii", b"utf-8", b"iso-8859-1"].contains(&e.as_slice())
            }) {
                continued = Some(enc);
                // Percent-decoding; a decoded byte >= 0x80 stays non-ASCII in every accepted
                // charset (or becomes U+FFFD), which is all the boundary test needs.
                value = percent_decode(&value);
            }
        }
        if value.first() == Some(&b'"') && value.last() == Some(&b'"') {
            let inner = if value.len() >= 2 {
                &value[1..value.len() - 1]
            } else {
                &[][..]
            };
            value = unescape(inner);
        }
        // `key*N` continuations append to `key`.
        let digits = key.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && key.len() > digits && key[key.len() - digits - 1] == b'*' {
            key.truncate(key.len() - digits - 1);
            match out.iter_mut().rev().find(|(k, _)| *k == key) {
                Some((_, v)) => v.extend_from_slice(&value),
                None => out.push((key, value)),
            }
        } else {
            out.retain(|(k, _)| *k != key);
            out.push((key, value));
        }
    }
    out
}

/// `charset'language'value` (Werkzeug's `_charset_value_re`, anchored at the start).
fn charset_value(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let no_quote = |b: &u8| token_char(*b) && *b != b'\'';
    let c = v.iter().take_while(|b| no_quote(b)).count();
    let rest = v.get(c..)?.strip_prefix(b"'")?;
    let l = rest.iter().take_while(|b| no_quote(b)).count();
    let rest = rest.get(l..)?.strip_prefix(b"'")?;
    let n = token_len(rest);
    (n > 0).then(|| (&v[..c], &rest[..n]))
}

fn percent_decode(v: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let hi = v.get(i + 1).and_then(|&b| hex(b));
        let lo = v.get(i + 2).and_then(|&b| hex(b));
        if let (b'%', Some(h), Some(l)) = (v[i], hi, lo) {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

/// `.replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')`, in that order.
fn unescape(v: &[u8]) -> Vec<u8> {
    fn replace(v: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len());
        let mut i = 0;
        while i < v.len() {
            if v[i..].starts_with(from) {
                out.extend_from_slice(to);
                i += from.len();
            } else {
                out.push(v[i]);
                i += 1;
            }
        }
        out
    }
    let v = replace(v, b"\\\\", b"\\");
    let v = replace(&v, b"\\\"", b"\"");
    replace(&v, b"%22", b"\"")
}

/// Upstream step 5: lenient URL-safe base64 decode of the header (bad padding is
/// `InvalidSignature` at once), UTF-8, exactly one `:`. `Ok(None)` = no candidate.
pub(crate) fn token_client(signature: &[u8]) -> Result<Option<String>, Error> {
    // The header is latin-1 bytes; a2b_base64 skips every byte outside the alphabet, so
    // dropping non-ASCII bytes first changes nothing.
    let ascii: Vec<u8> = signature.iter().copied().filter(u8::is_ascii).collect();
    let plain = Base64::PythonUrlSafe
        .decode(&ascii)
        .map_err(|_| Error::InvalidSignature)?;
    let Ok(text) = String::from_utf8(plain) else {
        return Ok(None);
    };
    let mut parts = text.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(client), Some(_), None) => Ok(Some(client.to_owned())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)], body: &[u8]) -> http::Request<Vec<u8>> {
        let mut b = http::Request::post("/");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(body.to_vec()).unwrap()
    }

    fn services() -> Hmac {
        Hmac::builder()
            .key(Key::latin1("s3cr3tk3y").unwrap())
            .service("aservice", Key::latin1("akey").unwrap())
            .service("bservice", Key::latin1("bkey").unwrap())
            .build()
    }

    #[test]
    fn spec_examples() {
        let h = services();
        assert_eq!(
            h.make_hmac(b"").unwrap(),
            "LSXp2AnBSNGHEcjN2CIBCD0n+HMR4DPunreKdyp6u8w="
        );
        assert_eq!(
            h.make_hmac_for("aservice", b"").unwrap(),
            "YXNlcnZpY2U6UVM5YXVCbUp3aVFKWExrYU5UcDNJbWJ0eVdWZDloTEt6c2NyRHUyenVlcz0="
        );
        let clé = Hmac::new(Key::latin1("clé").unwrap());
        assert_eq!(
            clé.make_hmac(b"payload").unwrap(),
            "cRKrf3OUtW0WXJjqarXYLE6eFtcxz/4HjTESbFHNIoE="
        );
    }

    #[test]
    fn global_and_service_signatures_pass_and_say_who() {
        let h = services();
        let body = b"{\"a\":1}";
        let r = req(&[("signature", &h.make_hmac(body).unwrap())], body);
        assert_eq!(h.validate_signature(&r, None), Ok(Authenticated::GlobalKey));
        let tok = h.make_hmac_for("bservice", body).unwrap();
        let r = req(&[("SIGNATURE", &tok)], body);
        assert_eq!(
            h.validate_signature(&r, None),
            Ok(Authenticated::Service("bservice".into()))
        );
        assert_eq!(
            h.validate_signature(&r, Some(&Only::names(["aservice"]))),
            Err(Error::InvalidSignature)
        );
        assert_eq!(h.validate_service_signature(&r), Ok("bservice".into()));
        // Tampered body.
        let r = req(&[("Signature", &tok)], b"{\"a\":2}");
        assert_eq!(h.validate_signature(&r, None), Err(Error::InvalidSignature));
    }

    #[test]
    fn duplicates_missing_and_form_bodies() {
        let h = services();
        let sig = h.make_hmac(b"").unwrap();
        let r = req(&[("Signature", &sig), ("Signature", &sig)], b"");
        assert_eq!(h.validate_signature(&r, None), Err(Error::InvalidSignature));
        assert_eq!(
            h.validate_signature(&req(&[], b""), None),
            Err(Error::MissingSignature)
        );
        let form = req(
            &[
                ("Signature", &sig),
                (
                    "Content-Type",
                    " Application/X-WWW-Form-Urlencoded; charset=utf-8",
                ),
            ],
            b"amount=999",
        );
        assert_eq!(
            h.validate_signature(&form, None),
            Ok(Authenticated::GlobalKey)
        );
        let multipart = req(
            &[
                ("Signature", &sig),
                ("Content-Type", "multipart/form-data; boundary=x"),
            ],
            b"--x--",
        );
        assert_eq!(
            h.validate_signature(&multipart, None),
            Ok(Authenticated::GlobalKey)
        );
        let json = req(
            &[("Signature", &sig), ("Content-Type", "application/json")],
            b"{}",
        );
        assert_eq!(
            h.validate_signature(&json, None),
            Err(Error::InvalidSignature)
        );
    }

    #[test]
    fn service_names_above_latin1_give_no_candidate() {
        // The token's name decodes as UTF-8 "€", which is configured, but cannot be encoded
        // latin-1 to rebuild the token: upstream swallows that (ValueError) -> invalid.
        let h = Hmac::builder()
            .key(Key::latin1("g").unwrap())
            .service("€", Key::latin1("k").unwrap())
            .build();
        let token = STANDARD.encode("€:AAAA");
        let r = req(&[("Signature", &token)], b"");
        assert_eq!(h.validate_signature(&r, None), Err(Error::InvalidSignature));
        assert_eq!(h.make_hmac_for("€", b""), Err(Error::NameNotLatin1));
        // The global key still validates on the same configuration.
        let r = req(&[("Signature", &h.make_hmac(b"").unwrap())], b"");
        assert_eq!(h.validate_signature(&r, None), Ok(Authenticated::GlobalKey));
    }

    #[test]
    fn debug_never_shows_keys() {
        let h = services();
        let text = format!("{h:?}");
        assert!(
            !text.contains("s3cr3tk3y") && !text.contains("akey"),
            "{text}"
        );
        assert!(
            text.contains("[redacted]") && text.contains("aservice"),
            "{text}"
        );
        assert_eq!(
            format!("{:?}", Key::latin1("akey").unwrap()),
            "Key(Secret([redacted]))"
        );
    }

    #[test]
    fn only_as_python_string_is_a_substring_test() {
        let only = Only::Substring("xxbserviceyy".into());
        assert!(only.admits("bservice"));
        assert!(only.admits(""));
        assert!(!only.admits("aservice"));
        assert!(!Only::names(["bservice"]).admits("bserv"));
    }

    #[test]
    fn empty_service_key_falls_back_to_global_key() {
        let h = Hmac::builder()
            .key(Key::latin1("g").unwrap())
            .service("s", Key::latin1("").unwrap())
            .build();
        let via_global = Hmac::builder()
            .key(Key::latin1("g").unwrap())
            .service("s", Key::latin1("g").unwrap())
            .build();
        assert_eq!(
            h.make_hmac_for("s", b"x"),
            via_global.make_hmac_for("s", b"x")
        );
        let no_global = Hmac::builder()
            .service("s", Key::latin1("").unwrap())
            .build();
        assert_eq!(no_global.make_hmac_for("s", b"x"), Err(Error::NoKey));
        assert_eq!(no_global.make_hmac(b"x"), Err(Error::NoKey));
        assert_eq!(
            Hmac::builder().build().make_hmac_for("s", b""),
            Err(Error::NoKeysConfigured)
        );
    }

    #[test]
    fn token_client_reproduces_upstream_parsing() {
        assert_eq!(token_client(b"abc"), Err(Error::InvalidSignature));
        assert_eq!(token_client(b"YXNlcnZpY2U="), Ok(None)); // no ':'
        assert_eq!(token_client(b"YTpiOmM="), Ok(None)); // two ':'
        assert_eq!(token_client(b"YTpi"), Ok(Some("a".into())));
        assert_eq!(token_client(b"6Tpi"), Ok(None)); // latin-1 'é' is not UTF-8
        assert_eq!(token_client(b"Y\xffTpi"), Ok(Some("a".into())));
    }
}

#[cfg(test)]
mod werkzeug_content_types {
    /// A sample of a differential run against Werkzeug 3.1.8 (13245 content types, all equal).
    #[test]
    fn form_parsing_matches_werkzeug() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/werkzeug_content_types.json"))
                .unwrap();
        let cases = file["cases"].as_array().unwrap();
        assert!(cases.len() > 100);
        for case in cases {
            let ct = case["content_type"].as_str().unwrap();
            let bytes: Vec<u8> = ct
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap())
                .collect();
            assert_eq!(
                super::form_consumes_body(&bytes),
                case["consumed"].as_bool().unwrap(),
                "{ct:?}"
            );
        }
    }
}
