//! AES-CBC without padding, the key length picking AES-128, -192 or -256.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use crate::error::Error;

/// Encrypts `buf` (a whole number of blocks) in place.
pub(crate) fn encrypt(key: &[u8], iv: &[u8; 16], buf: &mut [u8]) -> Result<(), Error> {
    let len = buf.len();
    let bad = |_| Error::BadKeyLength { len: key.len() };
    let done = match key.len() {
        16 => cbc::Encryptor::<Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .is_ok(),
        24 => cbc::Encryptor::<Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .is_ok(),
        32 => cbc::Encryptor::<Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .is_ok(),
        len => return Err(Error::BadKeyLength { len }),
    };
    if done {
        Ok(())
    } else {
        Err(Error::NotBlockSized)
    }
}

/// Decrypts `buf` (a whole number of blocks) in place.
pub(crate) fn decrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), Error> {
    let bad = |_| Error::BadKeyLength { len: key.len() };
    let done = match key.len() {
        16 => cbc::Decryptor::<Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok(),
        24 => cbc::Decryptor::<Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok(),
        32 => cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok(),
        len => return Err(Error::BadKeyLength { len }),
    };
    if done {
        Ok(())
    } else {
        Err(Error::NotBlockSized)
    }
}
