//! The client side of Flask-HMAC: `make_hmac`, `make_hmac(data, key)`, `make_hmac_for`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::digest::latin1_bytes;
use crate::{Error, Hmac, Key};

impl Hmac {
    pub(super) fn sig(&self, key: &Key, data: &[u8]) -> String {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
