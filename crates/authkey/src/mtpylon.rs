//! mtpylon 0.0.3's own message-crypto helpers, reproduced to document where they depart from
//! MTProto 2.0. Use [`crate::mtproto`] for real traffic; these exist so that the difference can
//! be shown and tested (and so that a server migrating from mtpylon can recognise what it
//! produced).
//!
//! - `get_msg_key` always takes the key window `[88..120]` (the spec's `x = 0`), also for the
//!   server→client packets mtpylon sends, so spec clients reject them.
//! - Both helpers slice `dump_integer_big_endian(value)`: the minimal big-endian form of the
//!   key, whose length comes from the float expression `int(log(n, 256)) + 1`. For keys below
//!   2^2040 the dump is shorter than 256 bytes and every window shifts; for keys of at least
//!   2^2048 − 2^2004 the float rounds up and the dump has 257 bytes.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::mtproto::{AesKeyIv, kdf};
use crate::{AuthKey, Error};

/// mtpylon's `key_type` argument of `generate_key_iv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(
    clippy::exhaustive_enums,
    reason = "mtpylon 0.0.3's `Literal['client', 'server']`, frozen"
)]
pub enum KeyType {
    /// `'client'`: `x = 0`, used to decrypt client packets.
    Client,
    /// `'server'` (the default): `x = 8`.
    Server,
}

/// mtpylon's `bytes_needed(n)`: 1 for zero, else `int(math.log(n, 256)) + 1`, evaluated with
/// the same double-precision steps CPython takes (correctly rounded conversion of the integer
/// to a double, or `log(m) + log(2)·e` after `frexp` when it exceeds the double range).
#[must_use]
pub fn bytes_needed(key: &AuthKey) -> usize {
    let bytes = key.expose_secret();
    let Some(start) = bytes.iter().position(|&b| b != 0) else {
        return 1;
    };
    let sig = &bytes[start..];
    let num = python_log(sig);
    let den = 256.0f64.ln();
    let q = num / den;
    // Python's int() truncates toward zero; q is positive and below 2^10.
    let mut n = 0usize;
    while (n as f64) + 1.0 <= q {
        n += 1;
    }
    n + 1
}

/// The natural log of the positive big-endian integer `sig` (no leading zero byte) as CPython's
/// `math.log` computes it.
fn python_log(sig: &[u8]) -> f64 {
    let bit_len = sig.len() * 8 - sig[0].leading_zeros() as usize;
    let bit = |p: usize| -> bool {
        // p = 0 is the least significant bit.
        let byte = sig[sig.len() - 1 - p / 8];
        (byte >> (p % 8)) & 1 == 1
    };
    if bit_len <= 53 {
        let mut v = 0u64;
        for p in (0..bit_len).rev() {
            v = (v << 1) | u64::from(bit(p));
        }
        return (v as f64).ln();
    }
    // Round to 53 significant bits, half to even (CPython's _PyLong_Frexp).
    let mut m = 0u64;
    for p in (bit_len - 53..bit_len).rev() {
        m = (m << 1) | u64::from(bit(p));
    }
    let round = bit(bit_len - 54);
    let sticky = (0..bit_len - 54).any(bit);
    let mut e = bit_len;
    if round && (sticky || m & 1 == 1) {
        m += 1;
        if m == 1 << 53 {
            m = 1 << 52;
            e += 1;
        }
    }
    if e <= 1024 {
        // Fits a double: value = m · 2^(e−53), exact.
        let scale = f64::from_bits(((e - 53 + 1023) as u64) << 52);
        (m as f64 * scale).ln()
    } else {
        let x = m as f64 / (1u64 << 53) as f64;
        x.ln() + 2.0f64.ln() * e as f64
    }
}

/// mtpylon's `dump_integer_big_endian(value)`: the key as a big-endian integer of
/// [`bytes_needed`] bytes.
///
/// # Errors
/// [`Error::ValueTooLarge`] where Python's `int.to_bytes` would raise `OverflowError` (the
/// float estimate is one byte short).
pub fn dump_integer_big_endian(key: &AuthKey) -> Result<Zeroizing<Vec<u8>>, Error> {
    let len = bytes_needed(key);
    let bytes = key.expose_secret();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let sig = &bytes[start..];
    if sig.len() > len {
        return Err(Error::ValueTooLarge);
    }
    let mut out = Zeroizing::new(vec![0u8; len]);
    out[len - sig.len()..].copy_from_slice(sig);
    Ok(out)
}

/// Python's `b[start:end]` (clamped, never an error).
fn py_slice(b: &[u8], start: usize, end: usize) -> &[u8] {
    let end = end.min(b.len());
    let start = start.min(end);
    &b[start..end]
}

/// mtpylon's `get_msg_key(auth_key, raw_data)`: `SHA-256(dump[88..120] ‖ data)[8..24]`, for
/// both directions.
///
/// # Errors
/// As [`dump_integer_big_endian`].
pub fn get_msg_key(key: &AuthKey, data: &[u8]) -> Result<[u8; 16], Error> {
    let dump = dump_integer_big_endian(key)?;
    let digest = Sha256::new()
        .chain_update(py_slice(&dump, 88, 120))
        .chain_update(data)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[8..24]);
    Ok(out)
}

/// mtpylon's `generate_key_iv(auth_key, msg_key, key_type)`: the spec's KDF, but over the
/// minimal dump of the key.
///
/// # Errors
/// As [`dump_integer_big_endian`].
pub fn generate_key_iv(
    key: &AuthKey,
    msg_key: &[u8; 16],
    key_type: KeyType,
) -> Result<AesKeyIv, Error> {
    let x = match key_type {
        KeyType::Client => 0,
        KeyType::Server => 8,
    };
    let dump = dump_integer_big_endian(key)?;
    Ok(kdf(
        py_slice(&dump, x, x + 36),
        py_slice(&dump, 40 + x, 76 + x),
        msg_key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_hex(hex: &str) -> AuthKey {
        AuthKey::from_int_hex(hex).unwrap()
    }

    #[test]
    fn bytes_needed_matches_python() {
        // Values checked against CPython 3.11 `int(math.log(n, 256)) + 1`.
        assert_eq!(bytes_needed(&key_hex("0")), 1);
        assert_eq!(bytes_needed(&key_hex("1")), 1);
        assert_eq!(bytes_needed(&key_hex("ff")), 1);
        assert_eq!(bytes_needed(&key_hex("100")), 2);
        assert_eq!(bytes_needed(&key_hex("ffff")), 2);
        assert_eq!(bytes_needed(&key_hex("10000")), 3);
        // 2^2048 - 1 rounds up to 2^2048 in the float: 257 bytes.
        assert_eq!(bytes_needed(&key_hex(&"f".repeat(512))), 257);
        let dump = dump_integer_big_endian(&key_hex(&"f".repeat(512))).unwrap();
        assert_eq!(dump.len(), 257);
        assert_eq!(dump[0], 0);
        // Top bit only: exactly 256.
        let top = format!("8{}", "0".repeat(511));
        assert_eq!(bytes_needed(&key_hex(&top)), 256);
        // Leading zero byte: 255.
        let short = format!("1{}", "0".repeat(508));
        assert_eq!(bytes_needed(&key_hex(&short)), 255);
    }

    #[test]
    fn msg_key_ignores_direction_unlike_the_spec() {
        let mut bytes = [0u8; 256];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap() | 0x80;
        }
        let key = AuthKey::from_bytes(&bytes);
        let data = [1u8; 32];
        let mtpylon = get_msg_key(&key, &data).unwrap();
        let spec_c2s = crate::mtproto::msg_key(&key, &data, crate::Direction::ClientToServer);
        let spec_s2c = crate::mtproto::msg_key(&key, &data, crate::Direction::ServerToClient);
        assert_eq!(mtpylon, spec_c2s);
        assert_ne!(mtpylon, spec_s2c);
    }
}
