//! The client side: adds the signature header to outgoing requests.

use http::{HeaderMap, HeaderName, HeaderValue};

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
}

impl Signer {
    /// A signer for `credential` with the keys of `hmac`.
    #[must_use]
    pub fn new(hmac: Hmac, credential: Credential) -> Self {
        Self { hmac, credential }
    }

    /// The header name and value for a request with these headers and body.
    ///
    /// It signs what a Flask-HMAC server will check: [`signed_message`], which is empty for
    /// form bodies (Werkzeug consumes them) and the body otherwise. (Method, path and query
    /// are not signed in this scheme; for that use RFC 9421, `keyauth_httpsig::Signer`.)
    ///
    /// # Errors
    /// The signing errors of [`Hmac::make_hmac`] and [`Hmac::make_hmac_for`].
    pub fn header_for(
        &self,
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
        };
        // Base64 is visible ASCII, so this cannot fail.
        let mut value = HeaderValue::from_str(&value).map_err(|_| Error::MalformedHeader)?;
        value.set_sensitive(true);
        Ok((name.clone(), value))
    }

    /// Adds (replaces) the signature header of `request`.
    ///
    /// # Errors
    /// As [`Signer::header_for`].
    pub fn sign<B: AsRef<[u8]>>(&self, request: &mut http::Request<B>) -> Result<(), Error> {
        let (name, value) = self.header_for(request.headers(), request.body().as_ref())?;
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
        let (name, value) = self.header_for(request.headers(), body)?;
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

    #[test]
    fn service_signer_produces_checkable_sensitive_header() {
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
        // Another body: the same header no longer validates.
        *req.body_mut() = b"date".to_vec();
        assert_eq!(
            hmac.validate_signature(&req, None),
            Err(Error::InvalidSignature)
        );
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
