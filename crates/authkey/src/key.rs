//! [`AuthKey`]: the 2048-bit MTProto authorization key and the names it goes by.

use std::fmt;
use std::sync::Arc;

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// The length of an auth key in bytes (2048 bits).
pub const AUTH_KEY_LEN: usize = 256;

/// An MTProto authorization key: 256 bytes, the big-endian form of the integer `g^ab mod p`
/// that the DH handshake produced, left-padded with zero bytes.
///
/// Built from the bytes, or from the integer (hexadecimal text or big-endian bytes of any
/// length) with the two errors mtpylon raises: [`Error::NegativeValue`] and
/// [`Error::ValueTooLarge`]. Validation happens here, at construction, so every `AuthKey` has
/// a hash, an id and an aux_hash.
///
/// The key bytes live once on the heap behind an [`Arc`], so cloning is cheap and shares them;
/// they are zeroized when the last clone is dropped. `Debug` shows only the (public) id.
/// Equality compares the key bytes in constant time.
///
/// ```
/// use authkey::AuthKey;
/// let key = AuthKey::from_int_hex("32234234")?;
/// assert_eq!(key.id(), 0x9517da8771b13859);
/// assert_eq!(key.aux_hash(), 0xae8439f478ad0ea0);
/// assert_eq!(key.key_id_bytes(), 0x9517da8771b13859u64.to_be_bytes());
/// assert_eq!(key.telethon_key_id(), key.id().swap_bytes());
/// assert_eq!(format!("{key:?}"), "AuthKey { id: \"9517da8771b13859\", .. }");
/// # Ok::<(), authkey::Error>(())
/// ```
#[derive(Clone)]
pub struct AuthKey {
    inner: Arc<Inner>,
}

struct Inner {
    key: [u8; AUTH_KEY_LEN],
    hash: [u8; 20],
    id: u64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.key.zeroize();
        self.hash.zeroize();
    }
}

impl AuthKey {
    /// The key with these 256 bytes (big-endian, as the DH handshake and every client store
    /// them).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; AUTH_KEY_LEN]) -> Self {
        let mut inner = Arc::new(Inner {
            key: [0; AUTH_KEY_LEN],
            hash: [0; 20],
            id: 0,
        });
        // Fill in place: the key bytes are never copied through a temporary.
        if let Some(slot) = Arc::get_mut(&mut inner) {
            slot.key.copy_from_slice(bytes);
            slot.hash = Sha1::digest(slot.key).into();
            let mut id = [0u8; 8];
            id.copy_from_slice(&slot.hash[12..20]);
            slot.id = u64::from_be_bytes(id);
        }
        Self { inner }
    }

    /// The key with these bytes, which must be exactly 256.
    ///
    /// # Errors
    /// [`Error::InvalidKeyLength`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let array: &[u8; AUTH_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| Error::InvalidKeyLength { len: bytes.len() })?;
        Ok(Self::from_bytes(array))
    }

    /// The key whose value is the unsigned big-endian integer `bytes` (any length: leading
    /// zero bytes are ignored, a short integer is left-padded to 256 bytes).
    ///
    /// # Errors
    /// [`Error::ValueTooLarge`] when the integer needs more than 256 bytes.
    pub fn from_be_int(bytes: &[u8]) -> Result<Self, Error> {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let significant = &bytes[start..];
        if significant.len() > AUTH_KEY_LEN {
            return Err(Error::ValueTooLarge);
        }
        let mut key = Zeroizing::new([0u8; AUTH_KEY_LEN]);
        key[AUTH_KEY_LEN - significant.len()..].copy_from_slice(significant);
        Ok(Self::from_bytes(&key))
    }

    /// The key whose value is the integer written in hexadecimal (`"32234234"`, upper or lower
    /// case, no `0x`, leading zeros allowed, an optional `-` sign), as mtpylon's
    /// `AuthKey(value)` takes a Python int.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] for text that is not a hexadecimal integer;
    /// [`Error::NegativeValue`] for a negative value; [`Error::ValueTooLarge`] for a value of
    /// 2^2048 or more (mtpylon checks the sign first, and so does this).
    pub fn from_int_hex(text: &str) -> Result<Self, Error> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidHex);
        }
        let significant = digits.trim_start_matches('0').as_bytes();
        if significant.is_empty() {
            return Ok(Self::from_bytes(&[0; AUTH_KEY_LEN]));
        }
        if negative {
            return Err(Error::NegativeValue);
        }
        if significant.len() > 2 * AUTH_KEY_LEN {
            return Err(Error::ValueTooLarge);
        }
        let mut key = Zeroizing::new([0u8; AUTH_KEY_LEN]);
        // Fill nibbles from the right.
        for (i, &c) in significant.iter().rev().enumerate() {
            let nibble = hex_value(c);
            let byte = AUTH_KEY_LEN - 1 - i / 2;
            if i % 2 == 0 {
                key[byte] |= nibble;
            } else {
                key[byte] |= nibble << 4;
            }
        }
        Ok(Self::from_bytes(&key))
    }

    /// The 256 key bytes. Handle with care: this is the secret.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; AUTH_KEY_LEN] {
        &self.inner.key
    }

    /// The key value as mtpylon prints it: lowercase hexadecimal without leading zeros (`"0"`
    /// for zero). Secret, and zeroized on drop.
    #[must_use]
    pub fn to_int_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = Zeroizing::new(String::with_capacity(2 * AUTH_KEY_LEN));
        for &b in &self.inner.key {
            for nibble in [b >> 4, b & 0x0f] {
                if out.is_empty() && nibble == 0 {
                    continue;
                }
                out.push(char::from(DIGITS[usize::from(nibble)]));
            }
        }
        if out.is_empty() {
            out.push('0');
        }
        out
    }

    /// SHA-1 of the 256 key bytes, in digest order (mtpylon's `hash` is this read as a
    /// big-endian integer).
    #[must_use]
    pub fn hash(&self) -> [u8; 20] {
        self.inner.hash
    }

    /// mtpylon's `id`: `hash[12..20]` read big-endian. The store key of [`crate::AuthKeyManager`].
    #[must_use]
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// mtpylon's `aux_hash`: `hash[0..8]` read big-endian.
    #[must_use]
    pub fn aux_hash(&self) -> u64 {
        u64::from_be_bytes(self.aux_hash_bytes())
    }

    /// The `auth_key_id` as it travels in the first 8 bytes of every encrypted packet:
    /// `hash[12..20]` (grammers' and Pyrogram's `key_id`).
    #[must_use]
    pub fn key_id_bytes(&self) -> [u8; 8] {
        self.inner.id.to_be_bytes()
    }

    /// The `auth_key_aux_hash` bytes `hash[0..8]`, as they enter `new_nonce_hash`.
    #[must_use]
    pub fn aux_hash_bytes(&self) -> [u8; 8] {
        let mut aux = [0u8; 8];
        aux.copy_from_slice(&self.inner.hash[0..8]);
        aux
    }

    /// Telethon's `key_id`: the wire bytes read little-endian, unsigned (`id().swap_bytes()`).
    #[must_use]
    pub fn telethon_key_id(&self) -> u64 {
        self.inner.id.swap_bytes()
    }

    /// Telethon's `aux_hash`: `hash[0..8]` read little-endian, unsigned.
    #[must_use]
    pub fn telethon_aux_hash(&self) -> u64 {
        u64::from_le_bytes(self.aux_hash_bytes())
    }

    /// tdlib's `auth_key_id`: the wire bytes read little-endian as a signed `int64`.
    #[must_use]
    pub fn tdlib_key_id(&self) -> i64 {
        i64::from_le_bytes(self.key_id_bytes())
    }
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

impl PartialEq for AuthKey {
    fn eq(&self, other: &Self) -> bool {
        keyauth_core::ct_eq(&self.inner.key, &other.inner.key)
    }
}

impl Eq for AuthKey {}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthKey")
            .field("id", &format_args!("\"{:016x}\"", self.inner.id))
            .finish_non_exhaustive()
    }
}

impl TryFrom<&[u8]> for AuthKey {
    type Error = Error;

    fn try_from(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grammers_key() -> AuthKey {
        let mut bytes = [0u8; 256];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap();
        }
        AuthKey::from_bytes(&bytes)
    }

    #[test]
    fn grammers_key_has_every_documented_form() {
        let key = grammers_key();
        assert_eq!(
            key.hash(),
            *b"\x49\x16\xd6\xbd\xb7\xf7\x8e\x68\x03\x69\x8c\xab\x32\xd1\x58\x6e\xa4\x57\xdf\xc8"
        );
        assert_eq!(key.id(), 3_661_805_204_255_793_096);
        assert_eq!(key.telethon_key_id(), 14_474_384_091_129_631_026);
        assert_eq!(key.tdlib_key_id(), -3_972_359_982_579_920_590);
        assert_eq!(key.key_id_bytes(), [50, 209, 88, 110, 164, 87, 223, 200]);
        assert_eq!(key.aux_hash_bytes(), [73, 22, 214, 189, 183, 247, 142, 104]);
        // The integer form drops the leading zero byte and comes back to the same key.
        let hex = key.to_int_hex();
        assert!(hex.starts_with("102030405"));
        assert_eq!(AuthKey::from_int_hex(&hex).unwrap(), key);
        assert_eq!(
            AuthKey::from_be_int(&key.expose_secret()[1..]).unwrap(),
            key
        );
    }

    #[test]
    fn integer_forms_are_checked() {
        assert_eq!(AuthKey::from_int_hex("-1"), Err(Error::NegativeValue));
        // Sign is checked before size, as Python's int.to_bytes does.
        let huge = format!("-1{}", "0".repeat(600));
        assert_eq!(AuthKey::from_int_hex(&huge), Err(Error::NegativeValue));
        let two_pow_2048 = format!("1{}", "0".repeat(512));
        assert_eq!(
            AuthKey::from_int_hex(&two_pow_2048),
            Err(Error::ValueTooLarge)
        );
        let max = "f".repeat(512);
        assert_eq!(
            AuthKey::from_int_hex(&max).unwrap().expose_secret(),
            &[0xff; 256]
        );
        // Leading zeros do not count.
        let padded = format!("0000{max}");
        assert!(AuthKey::from_int_hex(&padded).is_ok());
        assert_eq!(
            AuthKey::from_int_hex("-0").unwrap().to_int_hex().as_str(),
            "0"
        );
        assert_eq!(
            AuthKey::from_int_hex("0").unwrap().to_int_hex().as_str(),
            "0"
        );
        assert_eq!(
            AuthKey::from_int_hex("ABCdef")
                .unwrap()
                .to_int_hex()
                .as_str(),
            "abcdef"
        );
        for bad in ["", "-", "0x12", "12 ", "g", "+1"] {
            assert_eq!(
                AuthKey::from_int_hex(bad),
                Err(Error::InvalidHex),
                "{bad:?}"
            );
        }
        assert_eq!(AuthKey::from_be_int(&[1u8; 257]), Err(Error::ValueTooLarge));
        let mut padded = vec![0u8; 300];
        padded[299] = 1;
        assert_eq!(
            AuthKey::from_be_int(&padded).unwrap().to_int_hex().as_str(),
            "1"
        );
        assert_eq!(
            AuthKey::from_slice(&[0u8; 255]),
            Err(Error::InvalidKeyLength { len: 255 })
        );
    }

    #[test]
    fn debug_shows_only_the_id_and_equality_is_by_bytes() {
        let key = grammers_key();
        let debug = format!("{key:?}");
        assert_eq!(debug, "AuthKey { id: \"32d1586ea457dfc8\", .. }");
        let other = AuthKey::from_bytes(&[7u8; 256]);
        assert_ne!(key, other);
        assert_eq!(key.clone(), key);
    }
}
