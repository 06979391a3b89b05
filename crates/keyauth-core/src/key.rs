//! Key ids and (id, secret) pairs.

use core::fmt;

use crate::secret::Secret;

/// The public name of a key: Ninchat's master key id, a Flask-HMAC service name, a Psono API
/// key id. Not secret: it is shown in `Debug` and `Display`.
///
/// ```
/// use keyauth_core::KeyId;
/// let id = KeyId::new("22nlihvg");
/// assert_eq!(id.as_str(), "22nlihvg");
/// assert_eq!(id.to_string(), "22nlihvg");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// Wraps `id`.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for KeyId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for KeyId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl AsRef<str> for KeyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::borrow::Borrow<str> for KeyId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A key id with its secret, as an issuer hands it out (Ninchat's `create_master_key`).
///
/// ```
/// use keyauth_core::{KeyPair, Secret};
/// let key = KeyPair::new("22nlihvg", Secret::from_bytes(b"k"));
/// assert_eq!(key.id.as_str(), "22nlihvg");
/// assert_eq!(format!("{key:?}"), r#"KeyPair { id: KeyId("22nlihvg"), secret: Secret([redacted]) }"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// The public id.
    pub id: KeyId,
    /// The secret.
    pub secret: Secret,
}

impl KeyPair {
    /// Pairs `id` with `secret`.
    #[must_use]
    pub fn new(id: impl Into<KeyId>, secret: Secret) -> Self {
        Self {
            id: id.into(),
            secret,
        }
    }
}
