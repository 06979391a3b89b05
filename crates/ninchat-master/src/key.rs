//! Master keys, the two wire formats, expiry values and nonces.

use keyauth_core::{Base64, Expiry, ExpiryError, KeyId, KeyPair, Secret, UnixTime};

use crate::error::Error;

/// A Ninchat master key: the (key id, secret) pair the `create_master_key` API action returns.
///
/// The secret is kept decoded (the HMAC-SHA-512 key of signatures and the AES key of secure
/// metadata), zeroized on drop and redacted in `Debug`.
///
/// ```
/// use ninchat_master::MasterKey;
/// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
/// assert_eq!(key.id().as_str(), "22nlihvg");
/// assert!(!format!("{key:?}").contains("C58s"));
/// # Ok::<(), ninchat_master::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterKey(KeyPair);

impl MasterKey {
    /// A key from its id and its base64 secret, decoded as the Python library does
    /// (`base64.b64decode`, non-validating: characters outside the alphabet are skipped).
    ///
    /// # Errors
    /// [`Error::BadSecret`] when the secret does not decode; [`Error::BadKeyId`] when the id is
    /// empty or contains `-` or `.`.
    pub fn new(id: impl Into<KeyId>, secret_base64: &str) -> Result<Self, Error> {
        let secret =
            Secret::from_base64(secret_base64, Base64::Python).map_err(|_| Error::BadSecret)?;
        Self::from_key_pair(KeyPair::new(id, secret))
    }

    /// A key from an id and the already decoded secret bytes.
    ///
    /// # Errors
    /// [`Error::BadKeyId`] when the id is empty or contains `-` or `.`.
    pub fn from_key_pair(pair: KeyPair) -> Result<Self, Error> {
        let id = pair.id.as_str();
        if id.is_empty() || id.contains(['-', '.']) {
            return Err(Error::BadKeyId);
        }
        Ok(Self(pair))
    }

    /// The key id.
    #[must_use]
    pub fn id(&self) -> &KeyId {
        &self.0.id
    }

    /// The id and decoded secret.
    #[must_use]
    pub fn key_pair(&self) -> &KeyPair {
        &self.0
    }

    pub(crate) fn secret(&self) -> &[u8] {
        self.0.secret.expose_secret()
    }
}

/// How a signature or a secure-metadata value is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The released Python library: `-` separators, standard base64 with padding.
    #[default]
    Released,
    /// The URL-safe variant (Python `wip` branch, Node and PHP libraries): `.` separators,
    /// URL-safe base64 without padding, and a trailing flag field on signatures.
    UrlSafe,
}

/// An expiry time in Unix seconds, as the caller gives it: an integer or a float.
///
/// Signatures sign `int(expire)` (a float is truncated toward zero); secure metadata writes the
/// number as given (`1700003600.5` stays a float).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expire {
    /// Whole seconds.
    Int(i64),
    /// Seconds as a float.
    Float(f64),
}

impl From<UnixTime> for Expire {
    fn from(t: UnixTime) -> Self {
        Self::Int(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Expire {
    fn from(t: i64) -> Self {
        Self::Int(t)
    }
}

impl From<u32> for Expire {
    fn from(t: u32) -> Self {
        Self::Int(t.into())
    }
}

impl From<i32> for Expire {
    fn from(t: i32) -> Self {
        Self::Int(t.into())
    }
}

impl From<u64> for Expire {
    /// Saturates at `i64::MAX` (far beyond any horizon).
    fn from(t: u64) -> Self {
        Self::Int(i64::try_from(t).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Expire {
    fn from(t: f64) -> Self {
        Self::Float(t)
    }
}

impl Expire {
    /// Python's `int(expire)`, for signatures.
    ///
    /// # Errors
    /// [`Error::BadExpire`] for NaN, infinities and floats beyond the `i64` range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn truncated(self) -> Result<i64, Error> {
        match self {
            Self::Int(i) => Ok(i),
            Self::Float(f) => {
                let t = f.trunc();
                if !t.is_finite() || t < i64::MIN as f64 || t >= i64::MAX as f64 {
                    return Err(Error::BadExpire);
                }
                Ok(t as i64)
            }
        }
    }

    /// Checks the expiry (as given, not truncated) against `now` with `rule`.
    ///
    /// # Errors
    /// [`Error::Expiry`] when it is in the past or beyond the rule's horizon;
    /// [`Error::BadExpire`] when it is not a finite number.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    pub fn check(self, rule: &Expiry, now: UnixTime) -> Result<(), Error> {
        let past = || {
            Error::Expiry(ExpiryError::Expired {
                expire: UnixTime::new(0),
                now,
            })
        };
        match self {
            Self::Int(i) => {
                let secs = u64::try_from(i).map_err(|_| past())?;
                rule.check(UnixTime::new(secs), now)?;
            }
            Self::Float(f) => {
                if !f.is_finite() {
                    return Err(Error::BadExpire);
                }
                if f < 0.0 {
                    return Err(past());
                }
                // now is whole: f < now iff floor(f) < now, f > limit iff ceil(f) > limit.
                let clamp = |x: f64| {
                    if x >= u64::MAX as f64 {
                        u64::MAX
                    } else {
                        x as u64
                    }
                };
                rule.check(UnixTime::new(clamp(f.floor())), now)?;
                rule.check(UnixTime::new(clamp(f.ceil())), now)?;
            }
        }
        Ok(())
    }

    pub(crate) fn write_json(self, out: &mut String) -> Result<(), Error> {
        use core::fmt::Write as _;
        match self {
            Self::Int(i) => {
                let _ = write!(out, "{i}");
                Ok(())
            }
            Self::Float(f) => crate::json::write_python_float(out, f).map_err(|_| Error::BadExpire),
        }
    }
}

/// The nonce of a signature: 48 random bits, written as 8 base64 characters.
///
/// ```
/// use ninchat_master::Nonce;
/// assert_eq!(Nonce::from_int(95188653654308).as_str(), "JEHj1ZJW");
/// assert_eq!(Nonce::from_int(0).as_str(), "AAAAAAAA");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nonce(String);

impl Nonce {
    /// The nonce the Python library makes from the integer `n` it draws from `[0, 2^48)`: the
    /// first 6 bytes of its little-endian `u64` packing, in standard base64. Higher bits are
    /// dropped, as Python's slicing does.
    #[must_use]
    pub fn from_int(n: u64) -> Self {
        let bytes = n.to_le_bytes();
        Self(Base64::Standard.encode(bytes.get(..6).unwrap_or_default()))
    }

    /// A nonce from the per-thread CSPRNG (`keyauth_core::random::array_fast`, seeded from
    /// the operating system's).
    ///
    /// # Errors
    /// [`Error::Random`] when the generator cannot be seeded.
    pub fn random() -> Result<Self, Error> {
        let bytes: [u8; 6] = keyauth_core::random::array_fast().map_err(|_| Error::Random)?;
        Ok(Self(Base64::Standard.encode(&bytes)))
    }

    /// The nonce text that is signed (standard base64 alphabet).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_with_separators_are_refused() {
        for id in ["", "a-b", "a.b"] {
            assert_eq!(
                MasterKey::new(id, "AAAA").unwrap_err(),
                Error::BadKeyId,
                "{id:?}"
            );
        }
        assert_eq!(
            MasterKey::new("k", "not base64!!").unwrap_err(),
            Error::BadSecret
        );
        // Python's lenient decoding: whitespace and '-' '_' are skipped.
        let a = MasterKey::new("k", "AAEC").unwrap();
        let b = MasterKey::new("k", " AA-E_C\n").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.secret(), [0, 1, 2]);
    }

    #[test]
    fn float_expiry_truncates_for_signatures_and_checks_exactly() {
        assert_eq!(
            Expire::Float(1_700_003_600.999).truncated(),
            Ok(1_700_003_600)
        );
        assert_eq!(Expire::Float(-0.5).truncated(), Ok(0));
        assert_eq!(Expire::Float(f64::NAN).truncated(), Err(Error::BadExpire));
        let rule = Expiry::within(10);
        let now = UnixTime::new(100);
        assert!(Expire::Float(100.0).check(&rule, now).is_ok());
        assert!(Expire::Float(110.0).check(&rule, now).is_ok());
        assert!(matches!(
            Expire::Float(110.5).check(&rule, now),
            Err(Error::Expiry(ExpiryError::TooFar { .. }))
        ));
        assert!(matches!(
            Expire::Float(99.5).check(&rule, now),
            Err(Error::Expiry(ExpiryError::Expired { .. }))
        ));
        assert!(matches!(
            Expire::Int(-1).check(&rule, now),
            Err(Error::Expiry(ExpiryError::Expired { .. }))
        ));
        assert_eq!(
            Expire::Float(f64::INFINITY).check(&rule, now),
            Err(Error::BadExpire)
        );
    }

    #[test]
    fn nonce_keeps_the_low_48_bits() {
        assert_eq!(Nonce::from_int((1 << 48) - 1).as_str(), "////////");
        assert_eq!(Nonce::from_int(1 << 48).as_str(), "AAAAAAAA");
        let r = Nonce::random().unwrap();
        assert_eq!(r.as_str().len(), 8);
    }
}
