//! Constant-time comparison.
//!
//! Every MAC, digest or token comparison in keyauth goes through here (or through
//! `hmac::Mac::verify_slice`), never through `==` on bytes.

use subtle::ConstantTimeEq;

/// Compares two byte strings in time that depends only on their lengths.
///
/// Strings of different lengths are unequal; their length is not a secret.
///
/// ```
/// use keyauth_core::ct_eq;
/// assert!(ct_eq(b"abc", b"abc"));
/// assert!(!ct_eq(b"abc", b"abd"));
/// assert!(!ct_eq(b"abc", b"abcd"));
/// ```
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
