//! The Flask-HMAC configuration (`init_app`'s four settings, plus header and digest), the
//! identity a check proves ([`Authenticated`]) and the `only` allow-list.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::header::HeaderName;

use crate::wire::DEFAULT_HEADER;
use crate::{Digest, Error, Key};

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
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) key: Option<Key>,
    pub(super) keys: Option<BTreeMap<String, Key>>,
    pub(super) header: HeaderName,
    pub(super) digest: Digest,
    pub(super) disarm: bool,
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
    digest: Digest,
    disarm: bool,
}

impl Default for HmacBuilder {
    fn default() -> Self {
        Self {
            key: None,
            keys: None,
            header: HeaderName::from_static(DEFAULT_HEADER),
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
}
