//! Strong mode: a replay-proof scheme of our own (not wire-compatible with Flask-HMAC).
//!
//! One header (default `Hmac-Strong`) carries
//! `v1:<key id>:<timestamp>:<nonce>:<mac>`, where the MAC (configured digest, standard base64
//! with padding) covers
//!
//! ```text
//! hmac-auth-strong/v1 LF <key id> LF <timestamp> LF <nonce> LF <METHOD> LF <path?query> LF <hex sha256(body)>
//! ```
//!
//! The server checks the MAC in constant time first, then that the timestamp is within the
//! allowed skew of its clock, then that the nonce is fresh through a
//! [`ReplayGuard`] (memory or Redis). See `docs/hmac-auth.md`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{HeaderMap, Method};
use keyauth_core::{ReplayError, ReplayGuard, UnixTime};
use sha2::{Digest as _, Sha256};

use crate::wire::header_bytes;
use crate::{Authenticated, Error, Hmac, Key, Only};

pub use crate::wire::DEFAULT_STRONG_HEADER;

/// The version tag that starts every strong-mode header value.
pub const STRONG_VERSION: &str = "v1";

/// The domain-separation line that starts every signed string.
pub const STRONG_CONTEXT: &str = "hmac-auth-strong/v1";

/// The default allowed clock skew in seconds (either direction).
pub const DEFAULT_SKEW: u64 = 300;

const MAX_KEY_ID: usize = 64;
const MIN_NONCE: usize = 16;
const MAX_NONCE: usize = 64;
const MAX_TS_DIGITS: usize = 19;

/// A parsed strong-mode header value.
#[derive(Clone, PartialEq, Eq)]
pub struct StrongSignature {
    key_id: String,
    timestamp: String,
    nonce: String,
    mac: Vec<u8>,
}

impl core::fmt::Debug for StrongSignature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StrongSignature")
            .field("key_id", &self.key_id)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

fn key_id_ok(id: &str) -> bool {
    id.len() <= MAX_KEY_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
}

fn nonce_ok(nonce: &str) -> bool {
    (MIN_NONCE..=MAX_NONCE).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

impl StrongSignature {
    /// Parses `v1:<key id>:<timestamp>:<nonce>:<mac>`.
    ///
    /// # Errors
    /// [`Error::MalformedHeader`] when any field breaks the format.
    pub fn parse(value: &[u8]) -> Result<Self, Error> {
        let text = core::str::from_utf8(value).map_err(|_| Error::MalformedHeader)?;
        let mut it = text.split(':');
        let (Some(version), Some(key_id), Some(ts), Some(nonce), Some(mac), None) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        ) else {
            return Err(Error::MalformedHeader);
        };
        if version != STRONG_VERSION
            || !key_id_ok(key_id)
            || ts.is_empty()
            || ts.len() > MAX_TS_DIGITS
            || !ts.bytes().all(|b| b.is_ascii_digit())
            || !nonce_ok(nonce)
        {
            return Err(Error::MalformedHeader);
        }
        let mac = STANDARD.decode(mac).map_err(|_| Error::MalformedHeader)?;
        Ok(Self {
            key_id: key_id.to_owned(),
            timestamp: ts.to_owned(),
            nonce: nonce.to_owned(),
            mac,
        })
    }

    /// The key id (empty: the global key).
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The timestamp, Unix seconds.
    #[must_use]
    pub fn timestamp(&self) -> UnixTime {
        // Up to 19 digits always fits a u64.
        UnixTime::new(self.timestamp.parse().unwrap_or(u64::MAX))
    }

    /// The nonce.
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

/// A fresh nonce: 16 bytes from the OS CSPRNG, URL-safe base64 without padding (22 chars).
///
/// # Errors
/// [`Error::Random`] when the OS generator fails.
pub fn new_nonce() -> Result<String, Error> {
    let bytes: [u8; 16] = keyauth_core::random::array().map_err(|_| Error::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The path and query of `uri` as signed (`/` when the URI has none).
#[must_use]
pub fn signed_target(uri: &http::Uri) -> &str {
    uri.path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str)
}

fn body_hash(body: &[u8]) -> String {
    keyauth_core::encoding::hex_encode(&Sha256::digest(body))
}

/// What a strong-mode request proved before the replay check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrongClaims {
    /// Who signed.
    pub authenticated: Authenticated,
    /// The parsed header.
    pub signature: StrongSignature,
    /// Until when the nonce must be remembered (timestamp + skew).
    pub remember_until: UnixTime,
}

impl StrongClaims {
    /// The id the replay guard marks: see [`replay_id`].
    #[must_use]
    pub fn replay_id(&self) -> Vec<u8> {
        replay_id(&self.signature.key_id, &self.signature.nonce)
    }
}

/// The id a replay guard marks for a nonce: `hmac-auth-strong/v1:<key id>:<nonce>` (neither
/// part can contain `:`). A nonce is fresh per key id.
#[must_use]
pub fn replay_id(key_id: &str, nonce: &str) -> Vec<u8> {
    format!("{STRONG_CONTEXT}:{key_id}:{nonce}").into_bytes()
}

impl Hmac {
    /// The key a strong-mode key id names. Every "no such key" is [`Error::UnknownKeyName`]
    /// (strong mode has no 500 for attacker-chosen names).
    fn strong_key(&self, key_id: &str) -> Result<&Key, Error> {
        let key = if key_id.is_empty() {
            self.effective_key(None)
        } else {
            self.service_key(key_id)
        };
        key.map_err(|e| match e {
            Error::NoKey | Error::NoKeysConfigured => Error::UnknownKeyName,
            other => other,
        })
    }

    fn strong_mac_parts<'a>(
        key_id: &'a str,
        ts: &'a str,
        nonce: &'a str,
        method: &'a Method,
        target: &'a str,
        body_hash: &'a str,
    ) -> [&'a [u8]; 13] {
        [
            STRONG_CONTEXT.as_bytes(),
            b"\n",
            key_id.as_bytes(),
            b"\n",
            ts.as_bytes(),
            b"\n",
            nonce.as_bytes(),
            b"\n",
            method.as_str().as_bytes(),
            b"\n",
            target.as_bytes(),
            b"\n",
            body_hash.as_bytes(),
        ]
    }

    /// The strong-mode header value for a request: signs method, `target` (path and query),
    /// `now`, `nonce` and the body with the global key (`key_id` `None`) or a service key.
    ///
    /// ```
    /// use hmac_auth::{Hmac, Key};
    /// use keyauth_core::UnixTime;
    /// let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
    /// let value = hmac.sign_strong(None, &http::Method::POST, "/a?b=1", b"{}",
    ///     UnixTime::new(1_700_000_000), "AAAAAAAAAAAAAAAAAAAAAA")?;
    /// assert!(value.starts_with("v1::1700000000:AAAAAAAAAAAAAAAAAAAAAA:"));
    /// # Ok::<(), hmac_auth::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidKeyId`] / [`Error::MalformedHeader`] when the key id or nonce break the
    /// format; the key lookup errors of [`Hmac::make_hmac_for`].
    pub fn sign_strong(
        &self,
        key_id: Option<&str>,
        method: &Method,
        target: &str,
        body: &[u8],
        now: UnixTime,
        nonce: &str,
    ) -> Result<String, Error> {
        let key_id = key_id.unwrap_or("");
        if !key_id_ok(key_id) {
            return Err(Error::InvalidKeyId);
        }
        if !nonce_ok(nonce) {
            return Err(Error::MalformedHeader);
        }
        let key = self.strong_key(key_id)?;
        let ts = now.as_secs().to_string();
        let hash = body_hash(body);
        let parts = Self::strong_mac_parts(key_id, &ts, nonce, method, target, &hash);
        let mac = self.digest().mac(key.expose_secret(), &parts);
        Ok(format!(
            "{STRONG_VERSION}:{key_id}:{ts}:{nonce}:{}",
            STANDARD.encode(mac)
        ))
    }

    /// The synchronous part of strong-mode checking: header, key, `only`, MAC (constant time),
    /// then the timestamp against `now` ± `skew`. The caller then marks
    /// [`StrongClaims::replay_id`] in a replay guard ([`Hmac::verify_strong`] does both).
    ///
    /// # Errors
    /// [`Error::MissingSignature`]; [`Error::MalformedHeader`] (also for a duplicated
    /// header); [`Error::UnknownKeyName`]; [`Error::InvalidSignature`] (also: a service outside
    /// `only`); [`Error::StaleTimestamp`].
    #[allow(clippy::too_many_arguments)]
    pub fn check_strong(
        &self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
        only: Option<&Only>,
        now: UnixTime,
        skew: u64,
    ) -> Result<StrongClaims, Error> {
        let name = self.strong_header();
        let mut values = headers.get_all(name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(if header_bytes(headers, name).is_some() {
                Error::MalformedHeader
            } else {
                Error::MissingSignature
            });
        };
        let sig = StrongSignature::parse(value.as_bytes())?;
        let key = self.strong_key(&sig.key_id)?;
        if !sig.key_id.is_empty() && only.is_some_and(|o| !o.admits(&sig.key_id)) {
            return Err(Error::InvalidSignature);
        }
        let hash = body_hash(body);
        let parts = Self::strong_mac_parts(
            &sig.key_id,
            &sig.timestamp,
            &sig.nonce,
            method,
            target,
            &hash,
        );
        if !self.digest().verify(key.expose_secret(), &parts, &sig.mac) {
            return Err(Error::InvalidSignature);
        }
        let ts = sig.timestamp();
        if ts.abs_diff(now) > skew {
            return Err(Error::StaleTimestamp);
        }
        let authenticated = if sig.key_id.is_empty() {
            Authenticated::GlobalKey
        } else {
            Authenticated::Service(sig.key_id.clone())
        };
        Ok(StrongClaims {
            authenticated,
            remember_until: ts.saturating_add(skew),
            signature: sig,
        })
    }

    /// [`Hmac::check_strong`], then the nonce through `guard` (fails closed).
    ///
    /// # Errors
    /// As [`Hmac::check_strong`], plus [`Error::Replayed`] and
    /// [`Error::ReplayGuardUnavailable`].
    #[allow(clippy::too_many_arguments)]
    pub async fn verify_strong(
        &self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
        only: Option<&Only>,
        now: UnixTime,
        skew: u64,
        guard: &dyn ReplayGuard,
    ) -> Result<Authenticated, Error> {
        let claims = self.check_strong(method, target, headers, body, only, now, skew)?;
        match guard
            .check_and_mark(&claims.replay_id(), claims.remember_until)
            .await
        {
            Ok(()) => Ok(claims.authenticated),
            Err(ReplayError::Replayed) => Err(Error::Replayed),
            Err(_) => Err(Error::ReplayGuardUnavailable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyauth_core::MemoryReplayGuard;

    const NONCE: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    fn hmac() -> Hmac {
        Hmac::builder()
            .key(Key::latin1("s3cr3tk3y").unwrap())
            .service("aservice", Key::latin1("akey").unwrap())
            .build()
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(DEFAULT_STRONG_HEADER, value.parse().unwrap());
        h
    }

    #[test]
    fn round_trip_and_every_field_is_covered() {
        let h = hmac();
        let now = UnixTime::new(1_700_000_000);
        let v = h
            .sign_strong(
                Some("aservice"),
                &Method::POST,
                "/a?x=1",
                b"body",
                now,
                NONCE,
            )
            .unwrap();
        let ok = h
            .check_strong(
                &Method::POST,
                "/a?x=1",
                &headers(&v),
                b"body",
                None,
                now,
                300,
            )
            .unwrap();
        assert_eq!(ok.authenticated, Authenticated::Service("aservice".into()));
        assert_eq!(ok.remember_until, UnixTime::new(1_700_000_300));
        let bad =
            |m: &Method, t: &str, b: &[u8]| h.check_strong(m, t, &headers(&v), b, None, now, 300);
        assert_eq!(
            bad(&Method::PUT, "/a?x=1", b"body"),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            bad(&Method::POST, "/a?x=2", b"body"),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            bad(&Method::POST, "/b?x=1", b"body"),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            bad(&Method::POST, "/a?x=1", b"bodY"),
            Err(Error::InvalidSignature)
        );
        // Swapping the key id or the timestamp in the header breaks the MAC.
        let swapped = v.replacen(":aservice:", "::", 1);
        assert_eq!(
            h.check_strong(
                &Method::POST,
                "/a?x=1",
                &headers(&swapped),
                b"body",
                None,
                now,
                300
            ),
            Err(Error::InvalidSignature)
        );
        let later = v.replacen(":1700000000:", ":1700000001:", 1);
        assert_eq!(
            h.check_strong(
                &Method::POST,
                "/a?x=1",
                &headers(&later),
                b"body",
                None,
                now,
                300
            ),
            Err(Error::InvalidSignature)
        );
    }

    #[test]
    fn skew_is_inclusive_both_ways() {
        let h = hmac();
        let ts = UnixTime::new(1_000_000);
        let v = h
            .sign_strong(None, &Method::GET, "/", b"", ts, NONCE)
            .unwrap();
        let at = |now: u64| {
            h.check_strong(
                &Method::GET,
                "/",
                &headers(&v),
                b"",
                None,
                UnixTime::new(now),
                30,
            )
        };
        assert!(at(1_000_030).is_ok());
        assert!(at(999_970).is_ok());
        assert_eq!(at(1_000_031), Err(Error::StaleTimestamp));
        assert_eq!(at(999_969), Err(Error::StaleTimestamp));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for v in [
            "",
            "v1",
            "v2::1:AAAAAAAAAAAAAAAAAAAAAA:AA==",
            "v1::x:AAAAAAAAAAAAAAAAAAAAAA:AA==",
            "v1::12345678901234567890:AAAAAAAAAAAAAAAAAAAAAA:AA==",
            "v1::1:short:AA==",
            "v1::1:AAAAAAAAAAAAAAAAAAAAAA:not base64",
            "v1:a b:1:AAAAAAAAAAAAAAAAAAAAAA:AA==",
            "v1::1:AAAAAAAAAAAAAAAAAAAAAA:AA==:extra",
        ] {
            assert_eq!(
                StrongSignature::parse(v.as_bytes()),
                Err(Error::MalformedHeader),
                "{v:?}"
            );
        }
        assert!(StrongSignature::parse(b"v1::1:AAAAAAAAAAAAAAAAAAAAAA:AA==").is_ok());
    }

    #[test]
    fn unknown_key_only_and_missing() {
        let h = hmac();
        let now = UnixTime::new(5);
        let v = h
            .sign_strong(Some("aservice"), &Method::GET, "/", b"", now, NONCE)
            .unwrap();
        let only_b = Only::names(["bservice"]);
        assert_eq!(
            h.check_strong(&Method::GET, "/", &headers(&v), b"", Some(&only_b), now, 1),
            Err(Error::InvalidSignature)
        );
        let unknown = v.replacen("aservice", "zservice", 1);
        assert_eq!(
            h.check_strong(&Method::GET, "/", &headers(&unknown), b"", None, now, 1),
            Err(Error::UnknownKeyName)
        );
        assert_eq!(
            h.check_strong(&Method::GET, "/", &HeaderMap::new(), b"", None, now, 1),
            Err(Error::MissingSignature)
        );
        let mut dup = headers(&v);
        dup.append(DEFAULT_STRONG_HEADER, v.parse().unwrap());
        assert_eq!(
            h.check_strong(&Method::GET, "/", &dup, b"", None, now, 1),
            Err(Error::MalformedHeader)
        );
        assert_eq!(
            h.sign_strong(Some("a:b"), &Method::GET, "/", b"", now, NONCE),
            Err(Error::InvalidKeyId)
        );
    }

    #[tokio::test]
    async fn nonce_is_accepted_once() {
        let h = hmac();
        let now = UnixTime::new(1_000);
        let guard = MemoryReplayGuard::with_clock(
            100,
            std::sync::Arc::new(keyauth_core::FixedClock::new(now)),
        );
        let v = h
            .sign_strong(None, &Method::GET, "/", b"", now, NONCE)
            .unwrap();
        let hs = headers(&v);
        let run = || h.verify_strong(&Method::GET, "/", &hs, b"", None, now, 60, &guard);
        assert_eq!(run().await, Ok(Authenticated::GlobalKey));
        assert_eq!(run().await, Err(Error::Replayed));
    }
}
