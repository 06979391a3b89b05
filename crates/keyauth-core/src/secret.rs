//! Secret bytes: zeroized on drop, redacted in `Debug`, compared in constant time.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::encoding::{Base64, DecodeError, hex_decode};

/// Key material or any other secret byte string.
///
/// It has no `Display`, its `Debug` prints `Secret([redacted])`, equality is constant-time,
/// and the bytes are overwritten with zeros when it is dropped. Reach the bytes with
/// [`Secret::expose_secret`], and only where they are needed.
///
/// ```
/// use keyauth_core::{Base64, Secret};
/// let secret = Secret::from_base64("c2VjcmV0", Base64::Standard)?;
/// assert_eq!(secret.expose_secret(), b"secret");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// assert_eq!(secret, Secret::from_hex("736563726574")?);
/// # Ok::<(), keyauth_core::DecodeError>(())
/// ```
///
/// There is deliberately no `Display`, so a secret cannot end up in a log line by accident:
///
/// ```compile_fail
/// let secret = keyauth_core::Secret::from_bytes(b"hunter2");
/// println!("{secret}");
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `bytes`.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes`.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// Decodes base64 text in the given flavour.
    ///
    /// # Errors
    /// The [`DecodeError`] of the flavour; it never contains the text.
    pub fn from_base64(text: impl AsRef<[u8]>, flavour: Base64) -> Result<Self, DecodeError> {
        flavour.decode(text).map(Self)
    }

    /// Decodes hex text.
    ///
    /// # Errors
    /// The [`DecodeError`] of the hex decoder; it never contains the text.
    pub fn from_hex(text: impl AsRef<[u8]>) -> Result<Self, DecodeError> {
        hex_decode(text).map(Self)
    }

    /// The secret bytes.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The number of bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_pinned_and_redacted() {
        let s = Secret::from_bytes(b"hunter2");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{s:#?}"), "Secret([redacted])");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
    }

    #[test]
    fn equality_is_by_content_and_length() {
        assert_eq!(Secret::from_bytes(b"abc"), Secret::from_bytes(b"abc"));
        assert_ne!(Secret::from_bytes(b"abc"), Secret::from_bytes(b"abd"));
        assert_ne!(Secret::from_bytes(b"abc"), Secret::from_bytes(b"ab"));
        assert_ne!(Secret::from_bytes(b""), Secret::from_bytes(b"\0"));
    }

    #[test]
    fn zeroize_clears_the_bytes() {
        let mut s = Secret::from_bytes(b"key material");
        s.zeroize();
        assert!(s.is_empty());
    }

    #[test]
    fn constructors_reject_bad_text() {
        assert!(Secret::from_hex("zz").is_err());
        assert!(Secret::from_base64("a", Base64::Standard).is_err());
    }
}
