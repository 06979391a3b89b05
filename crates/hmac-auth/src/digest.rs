//! Hash functions and keys.

use core::fmt;

use hmac::{Hmac, Mac};
use keyauth_core::Secret;

use crate::Error;

/// The hash under the HMAC (upstream `digestmod`, default `hashlib.sha256`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-1 (legacy; upstream allows any hashlib constructor).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256, upstream's default.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

macro_rules! with_hmac {
    ($digest:expr, $h:ident => $body:expr) => {
        match $digest {
            Digest::Sha1 => {
                type $h = Hmac<sha1::Sha1>;
                $body
            }
            Digest::Sha224 => {
                type $h = Hmac<sha2::Sha224>;
                $body
            }
            Digest::Sha256 => {
                type $h = Hmac<sha2::Sha256>;
                $body
            }
            Digest::Sha384 => {
                type $h = Hmac<sha2::Sha384>;
                $body
            }
            Digest::Sha512 => {
                type $h = Hmac<sha2::Sha512>;
                $body
            }
        }
    };
}

impl Digest {
    /// The digest named as in Python's `hashlib` (`"sha1"`, `"sha256"`...).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sha1" => Some(Self::Sha1),
            "sha224" => Some(Self::Sha224),
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The `hashlib` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The MAC length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// HMAC over the concatenation of `parts`.
    pub(crate) fn mac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        with_hmac!(self, H => {
            // HMAC takes keys of any length (longer ones are hashed first), so this never fails;
            // the fallback keeps the code free of panics all the same.
            match <H as Mac>::new_from_slice(key) {
                Ok(mut m) => {
                    for p in parts {
                        m.update(p);
                    }
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An HMAC key: zeroized on drop, redacted in `Debug`.
///
/// Flask-HMAC keys are text encoded **latin-1** (`six.b`), so `"clé"` is the three bytes
/// `63 6c e9`, not UTF-8. [`Key::latin1`] does that; [`Key::from_bytes`] takes raw bytes.
///
/// ```
/// use hmac_auth::{Error, Key};
/// assert_eq!(Key::latin1("clé")?.expose_secret(), b"cl\xe9");
/// assert_eq!(Key::latin1("k€y"), Err(Error::KeyNotLatin1));
/// assert_eq!(format!("{:?}", Key::latin1("s3cr3t")?), "Key(Secret([redacted]))");
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Secret);

impl Key {
    /// The latin-1 bytes of `text`, as upstream's `six.b(key)`.
    ///
    /// # Errors
    /// [`Error::KeyNotLatin1`] when `text` has a character above U+00FF.
    pub fn latin1(text: &str) -> Result<Self, Error> {
        latin1_bytes(text)
            .map(|b| Self(Secret::new(b)))
            .ok_or(Error::KeyNotLatin1)
    }

    /// A key of raw bytes.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Secret::from_bytes(bytes))
    }

    /// The key bytes.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Whether the key is empty (an empty *argument* or service key falls back to the global
    /// key, as upstream's truthiness test does; an empty global key is a real key).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Secret> for Key {
    fn from(secret: Secret) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Key").field(&self.0).finish()
    }
}

/// `text.encode('latin-1')`, or `None` when a character is above U+00FF.
pub(crate) fn latin1_bytes(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_one_byte_per_char_and_refuses_above_ff() {
        assert_eq!(latin1_bytes("aé\u{ff}"), Some(vec![b'a', 0xe9, 0xff]));
        assert_eq!(latin1_bytes("\u{100}"), None);
        assert_eq!(latin1_bytes(""), Some(vec![]));
    }

    #[test]
    fn names_round_trip_and_lengths_match() {
        for d in [
            Digest::Sha1,
            Digest::Sha224,
            Digest::Sha256,
            Digest::Sha384,
            Digest::Sha512,
        ] {
            assert_eq!(Digest::from_name(d.name()), Some(d));
            assert_eq!(d.mac(b"k", &[b"m"]).len(), d.output_len());
            let tag = d.mac(b"k", &[b"a", b"b"]);
            assert_eq!(tag, d.mac(b"k", &[b"ab"]));
        }
        assert_eq!(Digest::from_name("md5"), None);
    }

    #[test]
    fn rfc4231_case_2() {
        let mac = Digest::Sha256.mac(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(
            keyauth_core::encoding::hex_encode(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
