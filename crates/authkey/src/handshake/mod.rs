//! MTProto auth-key creation (core.telegram.org `/mtproto/auth_key`): the DH exchange as
//! sans-IO state machines for both roles ([`ClientHandshake`], [`ServerHandshake`]), the TL
//! codecs of its constructors ([`tl`]), MTProto's two RSA paddings ([`rsa`]), pq
//! factorisation ([`pq`]), the DH checks ([`dh`]), unencrypted framing ([`plain`]), the TCP
//! transports ([`transport`]) and per-peer limits ([`limits`]).
//!
//! Nonces are given as their wire bytes (int128 and int256 travel little-endian); every hash
//! is over wire bytes. Every random value comes from an [`Entropy`] with a named
//! [`Purpose`], so recorded exchanges replay byte for byte.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::AuthKey;
use crate::mtproto::AesKeyIv;

pub(crate) mod arith;
pub mod client;
pub mod dh;
mod entropy;
mod error;
pub mod limits;
pub mod plain;
pub mod pq;
pub mod rsa;
pub mod server;
pub mod tl;
pub mod transport;

pub use client::{ClientConfig, ClientHandshake, ClientStep, CreatedKey, ServerKey};
pub use dh::DhGroup;
pub use entropy::{Entropy, OsEntropy, Purpose};
pub use error::HandshakeError;
pub use rsa::{Padding, RsaPrivateKey, RsaPublicKey};
pub use server::{KeyOutcome, NewKey, ServerConfig, ServerHandshake, ServerStep};

/// `SHA1(data) ‖ data ‖ padding` (0..15 bytes drawn for `purpose`, to a multiple of 16),
/// AES-256-IGE encrypted: how both `*_DH_inner_data` travel.
///
/// # Errors
/// [`HandshakeError::Random`].
pub fn seal(
    data: &[u8],
    key_iv: &AesKeyIv,
    rng: &mut dyn Entropy,
    purpose: Purpose,
) -> Result<Vec<u8>, HandshakeError> {
    let pad = (16 - (20 + data.len()) % 16) % 16;
    let mut buf = Vec::with_capacity(20 + data.len() + pad);
    buf.extend_from_slice(&Sha1::digest(data));
    buf.extend_from_slice(data);
    buf.resize(20 + data.len() + pad, 0);
    rng.fill(purpose, &mut buf[20 + data.len()..])?;
    key_iv
        .encrypt_in_place(&mut buf)
        .map_err(|_| HandshakeError::EncryptedAnswerBadLength)?;
    Ok(buf)
}

/// The inverse of [`seal`]: length check, decrypt, parse at offset 20, SHA-1 of exactly the
/// parsed bytes, at most 15 padding bytes. Returns the object and the padding.
///
/// # Errors
/// `encrypted_answer_bad_length`, the parser's TL errors, `hash_error` (the caller's code
/// for a SHA-1 mismatch), `answer_padding_invalid`.
pub fn open_sealed<T>(
    encrypted: &[u8],
    key_iv: &AesKeyIv,
    parse: impl Fn(&[u8]) -> Result<(T, usize), HandshakeError>,
    hash_error: HandshakeError,
) -> Result<(T, Vec<u8>), HandshakeError> {
    if encrypted.is_empty() || !encrypted.len().is_multiple_of(16) || encrypted.len() < 32 {
        return Err(HandshakeError::EncryptedAnswerBadLength);
    }
    let mut buf = Zeroizing::new(encrypted.to_vec());
    key_iv
        .decrypt_in_place(&mut buf)
        .map_err(|_| HandshakeError::EncryptedAnswerBadLength)?;
    let (value, used) = parse(&buf[20..])?;
    let digest = Sha1::digest(&buf[20..20 + used]);
    if !bool::from(digest.as_slice().ct_eq(&buf[..20])) {
        return Err(hash_error);
    }
    let padding = &buf[20 + used..];
    if padding.len() > 15 {
        return Err(HandshakeError::AnswerPaddingInvalid);
    }
    Ok((value, padding.to_vec()))
}

impl AuthKey {
    /// `new_nonce_hash{number} = SHA-1(new_nonce ‖ number ‖ auth_key_aux_hash)[4..20]`, the
    /// value in `dh_gen_ok` (1), `dh_gen_retry` (2) and `dh_gen_fail` (3).
    #[must_use]
    pub fn new_nonce_hash(&self, new_nonce: &[u8; 32], number: u8) -> [u8; 16] {
        let digest = Sha1::new()
            .chain_update(new_nonce)
            .chain_update([number])
            .chain_update(self.aux_hash_bytes())
            .finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[4..20]);
        out
    }
}

/// The first server salt: `new_nonce[0..8] XOR server_nonce[0..8]` (wire order). Read it
/// as a signed little-endian int64 (`i64::from_le_bytes`), as clients put it in messages;
/// mtpylon 0.0.3 stores it unsigned, so its lookups miss whenever bit 63 is set.
#[must_use]
pub fn server_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> [u8; 8] {
    let mut salt = [0u8; 8];
    for (i, s) in salt.iter_mut().enumerate() {
        *s = new_nonce[i] ^ server_nonce[i];
    }
    salt
}

/// The temporary AES key and IV that protect `server_DH_inner_data` and
/// `client_DH_inner_data`: `key = SHA1(nn‖sn) ‖ SHA1(sn‖nn)[0..12]`,
/// `iv = SHA1(sn‖nn)[12..20] ‖ SHA1(nn‖nn) ‖ nn[0..4]` (`nn` = new_nonce, `sn` = server_nonce).
#[must_use]
pub fn tmp_aes_key_iv(server_nonce: &[u8; 16], new_nonce: &[u8; 32]) -> AesKeyIv {
    let nn_sn = sha1_pair(new_nonce, server_nonce);
    let sn_nn = sha1_pair(server_nonce, new_nonce);
    let nn_nn = sha1_pair(new_nonce, new_nonce);
    let mut key = Zeroizing::new([0u8; 32]);
    key[0..20].copy_from_slice(&nn_sn[..]);
    key[20..32].copy_from_slice(&sn_nn[0..12]);
    let mut iv = Zeroizing::new([0u8; 32]);
    iv[0..8].copy_from_slice(&sn_nn[12..20]);
    iv[8..28].copy_from_slice(&nn_nn[..]);
    iv[28..32].copy_from_slice(&new_nonce[0..4]);
    AesKeyIv::new(*key, *iv)
}

fn sha1_pair(a: &[u8], b: &[u8]) -> Zeroizing<[u8; 20]> {
    Zeroizing::new(
        Sha1::new()
            .chain_update(a)
            .chain_update(b)
            .finalize()
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_is_xor_of_wire_bytes() {
        let mut nn = [0u8; 32];
        nn[7] = 0x80;
        let mut sn = [0u8; 16];
        sn[0] = 1;
        let salt = server_salt(&nn, &sn);
        assert_eq!(salt, [1, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(i64::from_le_bytes(salt), i64::MIN + 1);
    }

    #[test]
    fn new_nonce_hash_depends_on_number_and_key() {
        let key = AuthKey::from_bytes(&[1; 256]);
        let other = AuthKey::from_bytes(&[2; 256]);
        let nn = [9u8; 32];
        assert_ne!(key.new_nonce_hash(&nn, 1), key.new_nonce_hash(&nn, 2));
        assert_ne!(key.new_nonce_hash(&nn, 1), other.new_nonce_hash(&nn, 1));
    }
}
