//! MTProto 2.0 message encryption with an [`AuthKey`], as the spec (core.telegram.org
//! `/mtproto/description`) and Telethon, Pyrogram and grammers do it.
//!
//! `packet = auth_key_id(8) ‖ msg_key(16) ‖ AES-256-IGE(plaintext ‖ padding)`, with
//! `msg_key = SHA-256(key[88+x..120+x] ‖ plaintext ‖ padding)[8..24]` and `x = 0` for
//! client→server, `x = 8` for server→client (mtpylon 0.0.3 uses `x = 0` for both when it
//! computes msg_key; this module follows the spec, see [`crate::mtpylon`]).

use std::fmt;

use aes::Aes256;
use cipher::block_padding::NoPadding;
use cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{AuthKey, Error};

/// The smallest padding MTProto 2.0 allows.
pub const MIN_PADDING: usize = 12;
/// The largest padding MTProto 2.0 allows.
pub const MAX_PADDING: usize = 1024;
/// `auth_key_id(8) ‖ msg_key(16)`.
pub const HEADER_LEN: usize = 24;

/// Which way a packet travels; it selects the key windows (`x` in the spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(
    clippy::exhaustive_enums,
    reason = "MTProto has exactly two directions"
)]
pub enum Direction {
    /// From the client to the server (`x = 0`).
    ClientToServer,
    /// From the server to the client (`x = 8`).
    ServerToClient,
}

impl Direction {
    /// The spec's `x`: 0 or 8.
    #[must_use]
    pub const fn x(self) -> usize {
        match self {
            Self::ClientToServer => 0,
            Self::ServerToClient => 8,
        }
    }
}

/// An AES-256 key and the 32-byte IGE IV (first half: "previous ciphertext" block, second
/// half: "previous plaintext" block, the OpenSSL/TgCrypto convention). Both are zeroized on
/// drop and redacted in `Debug`.
#[derive(Clone)]
pub struct AesKeyIv {
    key: Zeroizing<[u8; 32]>,
    iv: Zeroizing<[u8; 32]>,
}

impl AesKeyIv {
    /// A key and IV from their bytes.
    #[must_use]
    pub fn new(key: [u8; 32], iv: [u8; 32]) -> Self {
        Self {
            key: Zeroizing::new(key),
            iv: Zeroizing::new(iv),
        }
    }

    /// The AES-256 key.
    #[must_use]
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The 32-byte IGE IV.
    #[must_use]
    pub fn iv(&self) -> &[u8; 32] {
        &self.iv
    }

    /// AES-256-IGE encryption in place. `buf.len()` must be a non-zero multiple of 16.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] otherwise.
    pub fn encrypt_in_place(&self, buf: &mut [u8]) -> Result<(), Error> {
        check_blocks(buf.len())?;
        let len = buf.len();
        ige::Encryptor::<Aes256>::new(self.key.as_ref().into(), self.iv.as_ref().into())
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .map(|_| ())
            .map_err(|_| Error::InvalidLength)
    }

    /// AES-256-IGE decryption in place. `buf.len()` must be a non-zero multiple of 16.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] otherwise.
    pub fn decrypt_in_place(&self, buf: &mut [u8]) -> Result<(), Error> {
        check_blocks(buf.len())?;
        ige::Decryptor::<Aes256>::new(self.key.as_ref().into(), self.iv.as_ref().into())
            .decrypt_padded_mut::<NoPadding>(buf)
            .map(|_| ())
            .map_err(|_| Error::InvalidLength)
    }
}

impl fmt::Debug for AesKeyIv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKeyIv([redacted])")
    }
}

fn check_blocks(len: usize) -> Result<(), Error> {
    if len == 0 || !len.is_multiple_of(16) {
        return Err(Error::InvalidLength);
    }
    Ok(())
}

fn window(key: &AuthKey, start: usize, len: usize) -> &[u8] {
    &key.expose_secret()[start..start + len]
}

/// `msg_key = SHA-256(key[88+x..120+x] ‖ data)[8..24]`, where `data` is the plaintext with its
/// padding.
#[must_use]
pub fn msg_key(key: &AuthKey, data: &[u8], direction: Direction) -> [u8; 16] {
    let x = direction.x();
    let digest = Sha256::new()
        .chain_update(window(key, 88 + x, 32))
        .chain_update(data)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[8..24]);
    out
}

/// The MTProto 2.0 KDF: `a = SHA-256(msg_key ‖ key[x..x+36])`,
/// `b = SHA-256(key[40+x..76+x] ‖ msg_key)`, `aes_key = a[0..8] ‖ b[8..24] ‖ a[24..32]`,
/// `aes_iv = b[0..8] ‖ a[8..24] ‖ b[24..32]`.
#[must_use]
pub fn derive_aes_key_iv(key: &AuthKey, msg_key: &[u8; 16], direction: Direction) -> AesKeyIv {
    let x = direction.x();
    kdf(window(key, x, 36), window(key, 40 + x, 36), msg_key)
}

pub(crate) fn kdf(a_part: &[u8], b_part: &[u8], msg_key: &[u8; 16]) -> AesKeyIv {
    let a: Zeroizing<[u8; 32]> = Zeroizing::new(
        Sha256::new()
            .chain_update(msg_key)
            .chain_update(a_part)
            .finalize()
            .into(),
    );
    let b: Zeroizing<[u8; 32]> = Zeroizing::new(
        Sha256::new()
            .chain_update(b_part)
            .chain_update(msg_key)
            .finalize()
            .into(),
    );
    let mut out = AesKeyIv::new([0; 32], [0; 32]);
    out.key[0..8].copy_from_slice(&a[0..8]);
    out.key[8..24].copy_from_slice(&b[8..24]);
    out.key[24..32].copy_from_slice(&a[24..32]);
    out.iv[0..8].copy_from_slice(&b[0..8]);
    out.iv[8..24].copy_from_slice(&a[8..24]);
    out.iv[24..32].copy_from_slice(&b[24..32]);
    out
}

/// The `auth_key_id` of an incoming packet (its first 8 bytes, read big-endian as mtpylon
/// does): the id to look the key up with in an [`crate::AuthKeyManager`].
///
/// # Errors
/// [`Error::InvalidLength`] when the packet is shorter than 8 bytes.
pub fn packet_auth_key_id(packet: &[u8]) -> Result<u64, Error> {
    let id: [u8; 8] = packet
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(Error::InvalidLength)?;
    Ok(u64::from_be_bytes(id))
}

/// How much padding [`AuthKey::encrypt`] adds to `len` bytes: `12 + (16 − (len+12) % 16) % 16`,
/// i.e. 12..=27 bytes (Telethon's and mtpylon's choice).
#[must_use]
pub const fn padding_len(len: usize) -> usize {
    // `len % 16` first: no overflow for any `len`.
    MIN_PADDING + (16 - (len % 16 + MIN_PADDING) % 16) % 16
}

impl AuthKey {
    /// Encrypts `plaintext` (salt, session_id, msg_id, seq_no, length and body) into a packet
    /// for `direction`, with 12..=27 bytes of padding from the per-thread CSPRNG
    /// (`keyauth_core::random::fill_fast`, seeded from the OS).
    ///
    /// # Errors
    /// [`Error::Random`] when the CSPRNG cannot be seeded.
    pub fn encrypt(&self, direction: Direction, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let mut padding = Zeroizing::new([0u8; 32]);
        let n = padding_len(plaintext.len());
        keyauth_core::random::fill_fast(&mut padding[..n]).map_err(|_| Error::Random)?;
        self.encrypt_with_padding(direction, plaintext, &padding[..n])
    }

    /// Encrypts `plaintext ‖ padding` with padding the caller chose (for reproducible
    /// vectors; production code uses [`AuthKey::encrypt`]).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] when the padding is not 12..=1024 bytes or
    /// `plaintext.len() + padding.len()` is not a multiple of 16.
    pub fn encrypt_with_padding(
        &self,
        direction: Direction,
        plaintext: &[u8],
        padding: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let data_len = plaintext.len() + padding.len();
        if !(MIN_PADDING..=MAX_PADDING).contains(&padding.len()) || !data_len.is_multiple_of(16) {
            return Err(Error::InvalidLength);
        }
        let mut packet = Vec::with_capacity(HEADER_LEN + data_len);
        packet.extend_from_slice(&self.key_id_bytes());
        packet.extend_from_slice(&[0; 16]);
        packet.extend_from_slice(plaintext);
        packet.extend_from_slice(padding);
        let msg_key = msg_key(self, &packet[HEADER_LEN..], direction);
        packet[8..HEADER_LEN].copy_from_slice(&msg_key);
        derive_aes_key_iv(self, &msg_key, direction).encrypt_in_place(&mut packet[HEADER_LEN..])?;
        Ok(packet)
    }

    /// Decrypts a packet that travelled in `direction` and returns the plaintext with its
    /// padding (parse it with [`InnerMessage::parse`]).
    ///
    /// Checks, in this order: the length (at least one 16-byte block after the 24-byte
    /// header, whole blocks only), the `auth_key_id`, then after decryption the msg_key
    /// recomputed over the whole decrypted data, compared in constant time.
    ///
    /// # Errors
    /// [`Error::InvalidLength`], [`Error::AuthKeyIdMismatch`] or [`Error::MsgKeyMismatch`].
    pub fn decrypt(
        &self,
        direction: Direction,
        packet: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut data = Zeroizing::new(Vec::new());
        self.decrypt_into(direction, packet, &mut data)?;
        Ok(data)
    }

    /// [`AuthKey::decrypt`] without a copy: decrypts the packet's encrypted part in place and
    /// returns it (plaintext with padding). On a msg_key mismatch the decrypted bytes are
    /// zeroed, so unauthenticated plaintext never stays in the buffer.
    ///
    /// # Errors
    /// As [`AuthKey::decrypt`].
    pub fn decrypt_in_place<'p>(
        &self,
        direction: Direction,
        packet: &'p mut [u8],
    ) -> Result<&'p mut [u8], Error> {
        let msg_key_in = self.check_header(packet)?;
        let data = &mut packet[HEADER_LEN..];
        self.open(direction, &msg_key_in, data)?;
        Ok(data)
    }

    /// Length, then auth_key_id; returns the packet's msg_key.
    fn check_header(&self, packet: &[u8]) -> Result<[u8; 16], Error> {
        if packet.len() <= HEADER_LEN || !(packet.len() - HEADER_LEN).is_multiple_of(16) {
            return Err(Error::InvalidLength);
        }
        if packet[0..8] != self.key_id_bytes() {
            return Err(Error::AuthKeyIdMismatch);
        }
        let mut msg_key_in = [0u8; 16];
        msg_key_in.copy_from_slice(&packet[8..HEADER_LEN]);
        Ok(msg_key_in)
    }

    /// [`AuthKey::decrypt`] into the caller's buffer: `out` is cleared and receives the
    /// plaintext with its padding, decrypted straight from the packet (no copy of the
    /// ciphertext, no allocation when `out` has the capacity). On a msg_key mismatch `out` is
    /// zeroed and cleared. Wiping `out` after use is the caller's (the `Zeroizing` that
    /// [`AuthKey::decrypt`] returns does it on drop, at the cost of a byte-wise pass).
    ///
    /// # Errors
    /// As [`AuthKey::decrypt`].
    pub fn decrypt_into(
        &self,
        direction: Direction,
        packet: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let msg_key_in = self.check_header(packet)?;
        let src = &packet[HEADER_LEN..];
        out.clear();
        out.resize(src.len(), 0);
        let result = self.open_with(direction, &msg_key_in, out, |dec, at, chunk| {
            let input = src.get(at..at + chunk.len()).ok_or(Error::InvalidLength)?;
            let buf =
                cipher::inout::InOutBuf::new(input, chunk).map_err(|_| Error::InvalidLength)?;
            decrypt_blocks(dec, buf)
        });
        if result.is_err() {
            out.clear();
        }
        result
    }

    /// Decrypts `data` in place and checks msg_key in constant time.
    fn open(
        &self,
        direction: Direction,
        msg_key_in: &[u8; 16],
        data: &mut [u8],
    ) -> Result<(), Error> {
        self.open_with(direction, msg_key_in, data, |dec, _, chunk| {
            decrypt_blocks(dec, cipher::inout::InOutBuf::from(chunk))
        })
    }

    /// One pass: decrypts `data` a chunk at a time (`decrypt_chunk(decryptor, offset, chunk)`
    /// fills `chunk`) and hashes each chunk for msg_key while it is still in cache; then
    /// compares msg_key in constant time, zeroing `data` on a mismatch.
    fn open_with(
        &self,
        direction: Direction,
        msg_key_in: &[u8; 16],
        data: &mut [u8],
        mut decrypt_chunk: impl FnMut(
            &mut ige::Decryptor<Aes256>,
            usize,
            &mut [u8],
        ) -> Result<(), Error>,
    ) -> Result<(), Error> {
        /// Small enough to stay in L1 between the cipher and the hash.
        const CHUNK: usize = 4096;
        check_blocks(data.len())?;
        let kiv = derive_aes_key_iv(self, msg_key_in, direction);
        let mut dec =
            ige::Decryptor::<Aes256>::new(kiv.key.as_ref().into(), kiv.iv.as_ref().into());
        let mut sha = Sha256::new();
        sha.update(window(self, 88 + direction.x(), 32));
        for (i, chunk) in data.chunks_mut(CHUNK).enumerate() {
            decrypt_chunk(&mut dec, i * CHUNK, chunk)?;
            sha.update(&*chunk);
        }
        let digest = sha.finalize();
        if !keyauth_core::ct_eq(&digest[8..24], msg_key_in) {
            zeroize::Zeroize::zeroize(data);
            return Err(Error::MsgKeyMismatch);
        }
        Ok(())
    }
}

/// Decrypts whole blocks with a running IGE state.
fn decrypt_blocks(
    dec: &mut ige::Decryptor<Aes256>,
    buf: cipher::inout::InOutBuf<'_, '_, u8>,
) -> Result<(), Error> {
    let (blocks, tail) = buf.into_chunks();
    if !tail.is_empty() {
        return Err(Error::InvalidLength);
    }
    dec.decrypt_blocks_inout_mut(blocks);
    Ok(())
}

/// The inner layout of a decrypted MTProto 2.0 message:
/// `salt:i64 ‖ session_id:i64 ‖ msg_id:i64 ‖ seq_no:i32 ‖ length:i32 ‖ message_data ‖ padding`,
/// integers little-endian.
///
/// Parsing checks only the structure (a 32-byte header, a length that fits). The spec's further
/// checks (session_id, msg_id parity and time window, 12..=1024 bytes of padding) belong to
/// the session layer, which knows the session and the clock.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct InnerMessage<'a> {
    /// The server salt.
    pub salt: i64,
    /// The session id.
    pub session_id: i64,
    /// The message id.
    pub msg_id: i64,
    /// The sequence number.
    pub seq_no: i32,
    /// The message body (`message_data_length` bytes).
    pub message_data: &'a [u8],
    /// How many padding bytes follow the body.
    pub padding_len: usize,
}

impl<'a> InnerMessage<'a> {
    /// Splits decrypted data into header fields, body and padding.
    ///
    /// # Errors
    /// [`Error::MalformedMessage`] when the data is shorter than the 32-byte header or the
    /// length field is negative or points past the end.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (header, rest) = data.split_at_checked(32).ok_or(Error::MalformedMessage)?;
        let i64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&header[at..at + 8]);
            i64::from_le_bytes(b)
        };
        let i32_at = |at: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&header[at..at + 4]);
            i32::from_le_bytes(b)
        };
        let len = usize::try_from(i32_at(28)).map_err(|_| Error::MalformedMessage)?;
        let message_data = rest.get(..len).ok_or(Error::MalformedMessage)?;
        Ok(Self {
            salt: i64_at(0),
            session_id: i64_at(8),
            msg_id: i64_at(16),
            seq_no: i32_at(24),
            message_data,
            padding_len: rest.len() - len,
        })
    }
}

impl fmt::Debug for InnerMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InnerMessage")
            .field("session_id", &self.session_id)
            .field("msg_id", &self.msg_id)
            .field("seq_no", &self.seq_no)
            .field("message_data_len", &self.message_data.len())
            .field("padding_len", &self.padding_len)
            .finish_non_exhaustive()
    }
}
