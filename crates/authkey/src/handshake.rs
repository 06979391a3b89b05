//! The values of the DH handshake (core.telegram.org `/mtproto/auth_key`) that are derived
//! from the nonces or from the new auth key. Nonces are given as their wire bytes (int128 and
//! int256 travel little-endian); every hash is over wire bytes.

use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::AuthKey;
use crate::mtproto::AesKeyIv;

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
