//! `Content-Digest` (RFC 9530): a dictionary of digests of the message content.

use http::HeaderMap;
use sfv::{BareItem, Item, ListEntry};
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq as _;

use crate::Error;
use crate::sf::{self, DictError};

/// A digest algorithm of the Hash Algorithms for HTTP Digest Fields registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// `sha-256`.
    #[default]
    Sha256,
    /// `sha-512`.
    Sha512,
}

impl DigestAlgorithm {
    /// The registry key (`sha-256`, `sha-512`).
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Sha256 => "sha-256",
            Self::Sha512 => "sha-512",
        }
    }

    /// The algorithm a registry key denotes (`None`: not checked here, e.g. `md5`).
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "sha-256" => Some(Self::Sha256),
            "sha-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The digest of `body`.
    #[must_use]
    pub fn digest(self, body: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(body).to_vec(),
            Self::Sha512 => Sha512::digest(body).to_vec(),
        }
    }
}

/// The `Content-Digest` value for `body`: `sha-256=:<base64>:`.
///
/// ```
/// use keyauth_httpsig::{DigestAlgorithm, content_digest};
/// assert_eq!(
///     content_digest(DigestAlgorithm::Sha512, br#"{"hello": "world"}"#),
///     "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
/// );
/// ```
#[must_use]
pub fn content_digest(alg: DigestAlgorithm, body: &[u8]) -> String {
    let item = Item::new(BareItem::ByteSequence(alg.digest(body)));
    format!("{}={}", alg.key(), sfv::FieldType::serialize(&item))
}

/// Checks `Content-Digest` in `headers` against `body`: every member in an algorithm
/// checked here must match, and there must be at least one.
///
/// # Errors
/// [`Error::MissingComponent`] when the field is absent; [`Error::MalformedContentDigest`]
/// when it is not a dictionary of byte sequences (or repeats a key);
/// [`Error::UnsupportedDigest`] when no member is `sha-256` or `sha-512`;
/// [`Error::ContentDigestMismatch`] when a digest differs.
pub fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), Error> {
    let raw = sf::combined_cow(headers, "content-digest").ok_or(Error::MissingComponent)?;
    let text = core::str::from_utf8(&raw).map_err(|_| Error::MalformedContentDigest)?;
    let dict = sf::dictionary(text).map_err(|e| match e {
        DictError::Duplicate | DictError::Malformed => Error::MalformedContentDigest,
    })?;
    let mut checked = 0;
    for (k, v) in &dict {
        let ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(want),
            ..
        }) = v
        else {
            return Err(Error::MalformedContentDigest);
        };
        let Some(alg) = DigestAlgorithm::from_key(k.as_str()) else {
            continue;
        };
        let have = alg.digest(body);
        if !bool::from(have.ct_eq(want)) {
            return Err(Error::ContentDigestMismatch);
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(Error::UnsupportedDigest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "content-digest",
            v.parse().unwrap_or_else(|_| unreachable!()),
        );
        h
    }

    #[test]
    fn rfc9530_examples() {
        let body = br#"{"hello": "world"}"#;
        let v = content_digest(DigestAlgorithm::Sha256, body);
        assert_eq!(v, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
        assert_eq!(check_content_digest(&headers(&v), body), Ok(()));
        assert_eq!(
            check_content_digest(&headers(&v), b"{}"),
            Err(Error::ContentDigestMismatch)
        );
        assert_eq!(
            check_content_digest(&headers("md5=:AAAA:"), body),
            Err(Error::UnsupportedDigest)
        );
        assert_eq!(
            check_content_digest(&headers("sha-256=abc"), body),
            Err(Error::MalformedContentDigest)
        );
        assert_eq!(
            check_content_digest(&HeaderMap::new(), body),
            Err(Error::MissingComponent)
        );
    }
}
