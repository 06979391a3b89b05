//! The server side of Flask-HMAC: 1.2.1 `validate_signature(request, only)` and the 1.1.x
//! `validate_service_signature(request)`.

use http::header::HeaderMap;
use keyauth_core::ct_eq;

use super::token;
use crate::werkzeug::signed_message;
use crate::wire::header_bytes;
use crate::{Authenticated, Error, Hmac, Only};

impl Hmac {
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
            Some(_) => token::client(&signature)?,
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
    /// [`Error::MissingSignature`]; [`Error::InvalidSignature`] when the token's base64
    /// padding is wrong (upstream's `binascii.Error`, caught and re-raised) and on a mismatch;
    /// [`Error::MalformedServiceSignature`] when the decoded token is not UTF-8 or has no `:`
    /// or more than one; [`Error::NoKeysConfigured`], [`Error::UnknownKeyName`],
    /// [`Error::NoKey`], [`Error::NameNotLatin1`].
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
        // 1.1.x swallows nothing: bad padding is InvalidSignature (as in 1.2.1), a token that
        // is not UTF-8 `name:sig` with one `:` is malformed.
        let client = token::legacy_client(&signature)?;
        let token = self.make_hmac_for(&client, data)?;
        if ct_eq(token.as_bytes(), &signature) {
            Ok(client)
        } else {
            Err(Error::InvalidSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::Key;

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
}
