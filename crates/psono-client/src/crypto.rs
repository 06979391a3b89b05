//! The primitives of the protocol over Psono's hex wire format: keys, NaCl secretbox and box
//! (`tag ‖ ciphertext`, nonce apart), Ed25519 with libsodium's acceptance rules.

use core::fmt;

use crypto_box::aead::AeadInPlace;
use crypto_secretbox::KeyInit;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;

/// Size of every key (secretbox, X25519, Ed25519 seed and verify key).
pub const KEY_SIZE: usize = 32;
/// Size of a secretbox/box nonce.
pub const NONCE_SIZE: usize = 24;
/// Size of the Poly1305 tag in front of every ciphertext.
pub const TAG_SIZE: usize = 16;
/// Size of an Ed25519 signature.
pub const SIGNATURE_SIZE: usize = 64;

// ---------------------------------------------------------------------------------------------
// Hex

const INVALID: u8 = 0xff;
const HEX_TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Decodes hex (either case, like Python's `binascii.unhexlify`) into `out`, which must be
/// exactly half as long as `text`.
fn hex_decode_into(text: &[u8], out: &mut [u8], field: &'static str) -> Result<(), Error> {
    if text.len() != out.len() * 2 {
        return Err(Error::InvalidHex { field });
    }
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let hi = HEX_TABLE[usize::from(pair[0])];
        let lo = HEX_TABLE[usize::from(pair[1])];
        bad |= (hi | lo) & 0xf0;
        *o = (hi << 4) | (lo & 0x0f);
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(Error::InvalidHex { field })
    }
}

/// Decodes hex text of any even length.
///
/// # Errors
/// [`Error::InvalidHex`] for an odd length or a non-hex character.
pub fn hex_decode(text: &str, field: &'static str) -> Result<Vec<u8>, Error> {
    if !text.len().is_multiple_of(2) {
        return Err(Error::InvalidHex { field });
    }
    let mut out = vec![0u8; text.len() / 2];
    hex_decode_into(text.as_bytes(), &mut out, field)?;
    Ok(out)
}

/// Decodes hex text into exactly `N` bytes.
///
/// # Errors
/// [`Error::InvalidHex`] for bad hex, [`Error::InvalidLength`] for another size.
pub fn hex_array<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], Error> {
    if !text.len().is_multiple_of(2) {
        return Err(Error::InvalidHex { field });
    }
    if text.len() != 2 * N {
        // Check the characters first: bad hex is reported as such whatever its length.
        let _ = hex_decode(text, field)?;
        return Err(Error::InvalidLength {
            field,
            expected: N,
            actual: text.len() / 2,
        });
    }
    let mut out = [0u8; N];
    hex_decode_into(text.as_bytes(), &mut out, field)?;
    Ok(out)
}

/// Lowercase hex, as `nacl.encoding.HexEncoder` writes it.
#[must_use]
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    keyauth_core::random::array::<N>().map_err(|_| Error::Random)
}

// ---------------------------------------------------------------------------------------------
// Keys

/// A 32-byte NaCl secretbox key: the API secret key, the user secret key, a datastore, share
/// or secret key, or the session secret key. Zeroized on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; KEY_SIZE]);

impl SecretKey {
    /// Wraps raw key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_SIZE]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] or [`Error::InvalidLength`].
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        hex_array(text, "secret key").map(Self)
    }

    /// Parses a key that was itself encrypted: the plaintext is the 64-character hex text.
    fn from_hex_plaintext(plain: &[u8], field: &'static str) -> Result<Self, Error> {
        let text = core::str::from_utf8(plain).map_err(|_| Error::InvalidHex { field })?;
        hex_array(text, field).map(Self)
    }

    /// A fresh random key from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn generate() -> Result<Self, Error> {
        random().map(Self)
    }

    /// The raw key.
    #[must_use]
    pub const fn expose_secret(&self) -> &[u8; KEY_SIZE] {
        &self.0
    }

    /// The lowercase hex text of the key (what Psono encrypts when it wraps a key).
    #[must_use]
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex_encode(&self.0))
    }

    fn cipher(&self) -> crypto_secretbox::XSalsa20Poly1305 {
        crypto_secretbox::XSalsa20Poly1305::new(&self.0.into())
    }

    /// Seals `plaintext` under `nonce`: returns `tag ‖ ciphertext`.
    #[must_use]
    pub fn seal(&self, nonce: &[u8; NONCE_SIZE], plaintext: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; TAG_SIZE + plaintext.len()];
        buf[TAG_SIZE..].copy_from_slice(plaintext);
        let (head, body) = buf.split_at_mut(TAG_SIZE);
        // XSalsa20Poly1305 fails only beyond 2^38 bytes, which a Vec cannot hold here.
        if let Ok(tag) = self
            .cipher()
            .encrypt_in_place_detached(nonce.into(), b"", body)
        {
            head.copy_from_slice(&tag);
        }
        buf
    }

    /// Opens `tag ‖ ciphertext`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] below 16 bytes, [`Error::DecryptFailed`] when the tag does
    /// not authenticate.
    pub fn open(
        &self,
        nonce: &[u8; NONCE_SIZE],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Some((tag, ct)) = sealed.split_at_checked(TAG_SIZE) else {
            return Err(short(sealed.len()));
        };
        let mut buf = Zeroizing::new(ct.to_vec());
        self.cipher()
            .decrypt_in_place_detached(nonce.into(), b"", &mut buf, tag.into())
            .map_err(|_| Error::DecryptFailed)?;
        Ok(buf)
    }

    /// Opens a hex `text` with a hex `nonce`, as they travel in Psono's JSON.
    ///
    /// # Errors
    /// [`Error::InvalidHex`], [`Error::InvalidLength`], [`Error::DecryptFailed`].
    pub fn open_hex(&self, text: &str, nonce: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let text = text.as_bytes();
        if !text.len().is_multiple_of(2) {
            return Err(Error::InvalidHex { field: "text" });
        }
        let nonce = hex_array::<NONCE_SIZE>(nonce, "nonce")?;
        if text.len() < 2 * TAG_SIZE {
            let mut scratch = [0u8; TAG_SIZE];
            hex_decode_into(text, &mut scratch[..text.len() / 2], "text")?;
            return Err(short(text.len() / 2));
        }
        let (tag_hex, ct_hex) = text.split_at(2 * TAG_SIZE);
        let mut tag = [0u8; TAG_SIZE];
        hex_decode_into(tag_hex, &mut tag, "text")?;
        let mut buf = Zeroizing::new(vec![0u8; ct_hex.len() / 2]);
        hex_decode_into(ct_hex, &mut buf, "text")?;
        self.cipher()
            .decrypt_in_place_detached((&nonce).into(), b"", &mut buf, (&tag).into())
            .map_err(|_| Error::DecryptFailed)?;
        Ok(buf)
    }

    /// Opens a wrapped key: a ciphertext whose plaintext is another key's hex text.
    ///
    /// # Errors
    /// As [`SecretKey::open_hex`], and [`Error::InvalidHex`]/[`Error::InvalidLength`] when the
    /// plaintext is not 64 hex characters.
    pub fn open_key(&self, text: &str, nonce: &str, field: &'static str) -> Result<Self, Error> {
        let plain = self.open_hex(text, nonce)?;
        Self::from_hex_plaintext(&plain, field)
    }

    /// Seals with a fresh random nonce; returns `(text, nonce)` as hex.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn seal_hex(&self, plaintext: &[u8]) -> Result<(String, String), Error> {
        let nonce = random::<NONCE_SIZE>()?;
        Ok((
            hex_encode(&self.seal(&nonce, plaintext)),
            hex_encode(&nonce),
        ))
    }

    /// Wraps `key` (its hex text) under this key with a fresh nonce; returns hex `(text, nonce)`.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn wrap_key(&self, key: &Self) -> Result<(String, String), Error> {
        self.seal_hex(key.to_hex().as_bytes())
    }
}

fn short(actual: usize) -> Error {
    Error::InvalidLength {
        field: "ciphertext",
        expected: TAG_SIZE,
        actual,
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecretKey {}

/// An X25519 private key (a session key, the user's private key). Zeroized on drop.
#[derive(Clone)]
pub struct BoxSecretKey(crypto_box::SecretKey);

impl BoxSecretKey {
    /// Wraps raw key bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; KEY_SIZE]) -> Self {
        Self(crypto_box::SecretKey::from_bytes(bytes))
    }

    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] or [`Error::InvalidLength`].
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let mut bytes = hex_array::<KEY_SIZE>(text, "private key")?;
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// A fresh key pair's secret half from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = random::<KEY_SIZE>()?;
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.public_key().to_bytes())
    }

    /// The raw key.
    #[must_use]
    pub fn to_bytes(&self) -> Zeroizing<[u8; KEY_SIZE]> {
        Zeroizing::new(self.0.to_bytes())
    }

    fn salsa_box(&self, peer: &PublicKey) -> crypto_box::SalsaBox {
        crypto_box::SalsaBox::new(&crypto_box::PublicKey::from_bytes(peer.0), &self.0)
    }

    /// NaCl `crypto_box` towards `peer`: returns `tag ‖ ciphertext`.
    #[must_use]
    pub fn seal(&self, peer: &PublicKey, nonce: &[u8; NONCE_SIZE], plaintext: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; TAG_SIZE + plaintext.len()];
        buf[TAG_SIZE..].copy_from_slice(plaintext);
        let (head, body) = buf.split_at_mut(TAG_SIZE);
        if let Ok(tag) = self
            .salsa_box(peer)
            .encrypt_in_place_detached(nonce.into(), b"", body)
        {
            head.copy_from_slice(&tag);
        }
        buf
    }

    /// Opens a NaCl box from `peer`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] below 16 bytes, [`Error::DecryptFailed`].
    pub fn open(
        &self,
        peer: &PublicKey,
        nonce: &[u8; NONCE_SIZE],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Some((tag, ct)) = sealed.split_at_checked(TAG_SIZE) else {
            return Err(short(sealed.len()));
        };
        let mut buf = Zeroizing::new(ct.to_vec());
        self.salsa_box(peer)
            .decrypt_in_place_detached(nonce.into(), b"", &mut buf, tag.into())
            .map_err(|_| Error::DecryptFailed)?;
        Ok(buf)
    }
}

impl fmt::Debug for BoxSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoxSecretKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// An X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; KEY_SIZE]);

impl PublicKey {
    /// Wraps raw key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_SIZE]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] or [`Error::InvalidLength`].
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        hex_array(text, "public key").map(Self)
    }

    /// The raw key.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_SIZE] {
        &self.0
    }

    /// Lowercase hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex_encode(&self.0)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// An Ed25519 signing key given as its 32-byte seed (the API key's private key, the server's
/// `PRIVATE_KEY`). Zeroized on drop.
#[derive(Clone)]
pub struct SigningSeed(SigningKey);

impl SigningSeed {
    /// Wraps a seed.
    #[must_use]
    pub fn from_bytes(seed: [u8; KEY_SIZE]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] or [`Error::InvalidLength`].
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let mut seed = hex_array::<KEY_SIZE>(text, "private key")?;
        let key = Self::from_bytes(seed);
        seed.zeroize();
        Ok(key)
    }

    /// A fresh random seed.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn generate() -> Result<Self, Error> {
        let mut seed = random::<KEY_SIZE>()?;
        let key = Self::from_bytes(seed);
        seed.zeroize();
        Ok(key)
    }

    /// The Ed25519 verify key (what Psono stores as `verify_key` / `server_signature`).
    #[must_use]
    pub fn verify_key(&self) -> VerifyKey {
        VerifyKey(self.0.verifying_key().to_bytes())
    }

    /// The same 32 bytes used as an X25519 private key (Psono's server uses its `PRIVATE_KEY`
    /// both ways).
    #[must_use]
    pub fn to_box_secret_key(&self) -> BoxSecretKey {
        BoxSecretKey::from_bytes(self.0.to_bytes())
    }

    /// A detached Ed25519 signature over `message`.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_SIZE] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningSeed")
            .field("verify_key", &self.verify_key())
            .finish_non_exhaustive()
    }
}

/// An Ed25519 verify key (the pinned `server_signature`, an API key's `verify_key`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyKey([u8; KEY_SIZE]);

impl VerifyKey {
    /// Wraps raw key bytes (any 32 bytes; unusable keys fail verification, as in libsodium).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_SIZE]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`Error::InvalidHex`] or [`Error::InvalidLength`].
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        hex_array(text, "verify key").map(Self)
    }

    /// The raw key.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_SIZE] {
        &self.0
    }

    /// Lowercase hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex_encode(&self.0)
    }

    /// Verifies a detached signature with libsodium's (and so PyNaCl's) rules: the key must
    /// be a canonical encoding of a point that is not of small order, `R` must not be of
    /// small order, `S` must be reduced, and the check is the cofactorless equation compared
    /// on the encoding of `R` (ed25519-dalek's `verify_strict` plus the canonical-key check).
    ///
    /// # Errors
    /// [`Error::BadSignature`].
    pub fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_SIZE]) -> Result<(), Error> {
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| Error::BadSignature)?;
        if key.to_edwards().compress().as_bytes() != &self.0 {
            return Err(Error::BadSignature);
        }
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        key.verify_strict(message, &sig)
            .map_err(|_| Error::BadSignature)
    }

    /// Verifies a hex signature (128 characters).
    ///
    /// # Errors
    /// [`Error::InvalidHex`], [`Error::InvalidLength`] or [`Error::BadSignature`].
    pub fn verify_hex(&self, message: &[u8], signature: &str) -> Result<(), Error> {
        let sig = hex_array::<SIGNATURE_SIZE>(signature, "signature")?;
        self.verify(message, &sig)
    }
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyKey({})", self.to_hex())
    }
}

/// A fresh random nonce.
///
/// # Errors
/// [`Error::Random`].
pub fn random_nonce() -> Result<[u8; NONCE_SIZE], Error> {
    random()
}
