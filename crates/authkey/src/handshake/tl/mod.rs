//! TL codecs of every constructor of the exchange (spec §1, §2): `to_bytes` writes the
//! constructor id little-endian then the fields; `parse` reads one object from the start of a
//! buffer and returns it with the number of bytes it took (hashes are over exactly those).//!
//! The primitives (`Reader`, `Writer`) are in `codec`; this module holds the constructors.

mod codec;

use super::HandshakeError;

/// `req_pq_multi#be7e8ef1`.
pub const REQ_PQ_MULTI: u32 = 0xbe7e_8ef1;
/// `req_pq#60469778` (legacy).
pub const REQ_PQ: u32 = 0x6046_9778;
/// `resPQ#05162463`.
pub const RES_PQ: u32 = 0x0516_2463;
/// `p_q_inner_data#83c95aec` (legacy, Telethon).
pub const P_Q_INNER_DATA: u32 = 0x83c9_5aec;
/// `p_q_inner_data_dc#a9f55f95`.
pub const P_Q_INNER_DATA_DC: u32 = 0xa9f5_5f95;
/// `p_q_inner_data_temp#3c6a84d4` (no dc; parsed, never sent).
pub const P_Q_INNER_DATA_TEMP: u32 = 0x3c6a_84d4;
/// `p_q_inner_data_temp_dc#56fddf88`.
pub const P_Q_INNER_DATA_TEMP_DC: u32 = 0x56fd_df88;
/// `req_DH_params#d712e4be`.
pub const REQ_DH_PARAMS: u32 = 0xd712_e4be;
/// `server_DH_params_ok#d0e8075c`.
pub const SERVER_DH_PARAMS_OK: u32 = 0xd0e8_075c;
/// `server_DH_params_fail#79cb045d`.
pub const SERVER_DH_PARAMS_FAIL: u32 = 0x79cb_045d;
/// `server_DH_inner_data#b5890dba`.
pub const SERVER_DH_INNER_DATA: u32 = 0xb589_0dba;
/// `set_client_DH_params#f5045f1f`.
pub const SET_CLIENT_DH_PARAMS: u32 = 0xf504_5f1f;
/// `client_DH_inner_data#6643b654`.
pub const CLIENT_DH_INNER_DATA: u32 = 0x6643_b654;
/// `dh_gen_ok#3bcbf734`.
pub const DH_GEN_OK: u32 = 0x3bcb_f734;
/// `dh_gen_retry#46dc1fb9`.
pub const DH_GEN_RETRY: u32 = 0x46dc_1fb9;
/// `dh_gen_fail#a69dae02`.
pub const DH_GEN_FAIL: u32 = 0xa69d_ae02;
/// `ping#7abe77ec`.
pub const PING: u32 = 0x7abe_77ec;
/// `pong#347773c5`.
pub const PONG: u32 = 0x3477_73c5;
/// `bad_server_salt#edab447b`.
pub const BAD_SERVER_SALT: u32 = 0xedab_447b;
/// `Vector#1cb5c415`.
pub const VECTOR: u32 = 0x1cb5_c415;

pub use codec::{Reader, Writer};

/// `req_pq_multi` or the legacy `req_pq`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct ReqPq {
    pub nonce: [u8; 16],
    /// `true` for `req_pq_multi`.
    pub multi: bool,
}

impl ReqPq {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(if self.multi { REQ_PQ_MULTI } else { REQ_PQ });
        w.raw(&self.nonce);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        let multi = match r.u32()? {
            REQ_PQ_MULTI => true,
            REQ_PQ => false,
            _ => return Err(HandshakeError::TlUnknownConstructor),
        };
        let nonce = r.int128()?;
        Ok((Self { nonce, multi }, r.position()))
    }
}

/// `resPQ`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct ResPq {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    /// Big-endian, minimal.
    pub pq: Vec<u8>,
    pub server_public_key_fingerprints: Vec<i64>,
}

impl ResPq {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(RES_PQ);
        w.raw(&self.nonce).raw(&self.server_nonce).bytes(&self.pq);
        w.u32(VECTOR)
            .i32(self.server_public_key_fingerprints.len() as i32);
        for f in &self.server_public_key_fingerprints {
            w.i64(*f);
        }
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlBadVector`],
    /// [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(RES_PQ)?;
        let nonce = r.int128()?;
        let server_nonce = r.int128()?;
        let pq = r.bytes()?.to_vec();
        let server_public_key_fingerprints = r.vector_long()?;
        Ok((
            Self {
                nonce,
                server_nonce,
                pq,
                server_public_key_fingerprints,
            },
            r.position(),
        ))
    }
}

/// Which `P_Q_inner_data` constructor, with its extra fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums, reason = "the TL schema's four constructors")]
pub enum InnerKind {
    /// `p_q_inner_data` (legacy, permanent key, no dc).
    Legacy,
    /// `p_q_inner_data_dc` (permanent key).
    Dc {
        /// The DC id (+10000 for test DCs, negative for media DCs).
        dc: i32,
    },
    /// `p_q_inner_data_temp` (temporary key, no dc).
    Temp {
        /// Lifetime in seconds.
        expires_in: i32,
    },
    /// `p_q_inner_data_temp_dc` (temporary key).
    TempDc {
        /// The DC id.
        dc: i32,
        /// Lifetime in seconds.
        expires_in: i32,
    },
}

impl InnerKind {
    /// The lifetime of a temporary key, `None` for a permanent one.
    #[must_use]
    pub fn expires_in(&self) -> Option<i32> {
        match self {
            Self::Legacy | Self::Dc { .. } => None,
            Self::Temp { expires_in } | Self::TempDc { expires_in, .. } => Some(*expires_in),
        }
    }
    /// The DC id, when the constructor carries one.
    #[must_use]
    pub fn dc(&self) -> Option<i32> {
        match self {
            Self::Legacy | Self::Temp { .. } => None,
            Self::Dc { dc } | Self::TempDc { dc, .. } => Some(*dc),
        }
    }
}

/// `P_Q_inner_data` (any of its constructors).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct PqInnerData {
    pub pq: Vec<u8>,
    pub p: Vec<u8>,
    pub q: Vec<u8>,
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub new_nonce: [u8; 32],
    pub kind: InnerKind,
}

impl PqInnerData {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let id = match self.kind {
            InnerKind::Legacy => P_Q_INNER_DATA,
            InnerKind::Dc { .. } => P_Q_INNER_DATA_DC,
            InnerKind::Temp { .. } => P_Q_INNER_DATA_TEMP,
            InnerKind::TempDc { .. } => P_Q_INNER_DATA_TEMP_DC,
        };
        let mut w = Writer::new(id);
        w.bytes(&self.pq).bytes(&self.p).bytes(&self.q);
        w.raw(&self.nonce)
            .raw(&self.server_nonce)
            .raw(&self.new_nonce);
        match self.kind {
            InnerKind::Legacy => {}
            InnerKind::Dc { dc } => {
                w.i32(dc);
            }
            InnerKind::Temp { expires_in } => {
                w.i32(expires_in);
            }
            InnerKind::TempDc { dc, expires_in } => {
                w.i32(dc).i32(expires_in);
            }
        }
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        let id = r.u32()?;
        if ![
            P_Q_INNER_DATA,
            P_Q_INNER_DATA_DC,
            P_Q_INNER_DATA_TEMP,
            P_Q_INNER_DATA_TEMP_DC,
        ]
        .contains(&id)
        {
            return Err(HandshakeError::TlUnknownConstructor);
        }
        let pq = r.bytes()?.to_vec();
        let p = r.bytes()?.to_vec();
        let q = r.bytes()?.to_vec();
        let nonce = r.int128()?;
        let server_nonce = r.int128()?;
        let new_nonce = r.int256()?;
        let kind = match id {
            P_Q_INNER_DATA => InnerKind::Legacy,
            P_Q_INNER_DATA_DC => InnerKind::Dc { dc: r.i32()? },
            P_Q_INNER_DATA_TEMP => InnerKind::Temp {
                expires_in: r.i32()?,
            },
            _ => InnerKind::TempDc {
                dc: r.i32()?,
                expires_in: r.i32()?,
            },
        };
        Ok((
            Self {
                pq,
                p,
                q,
                nonce,
                server_nonce,
                new_nonce,
                kind,
            },
            r.position(),
        ))
    }
}

/// `req_DH_params`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct ReqDhParams {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub p: Vec<u8>,
    pub q: Vec<u8>,
    pub public_key_fingerprint: i64,
    pub encrypted_data: Vec<u8>,
}

impl ReqDhParams {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(REQ_DH_PARAMS);
        w.raw(&self.nonce).raw(&self.server_nonce);
        w.bytes(&self.p)
            .bytes(&self.q)
            .i64(self.public_key_fingerprint);
        w.bytes(&self.encrypted_data);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(REQ_DH_PARAMS)?;
        Ok((
            Self {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                p: r.bytes()?.to_vec(),
                q: r.bytes()?.to_vec(),
                public_key_fingerprint: r.i64()?,
                encrypted_data: r.bytes()?.to_vec(),
            },
            r.position(),
        ))
    }
}

/// `Server_DH_Params`: `server_DH_params_ok` or `server_DH_params_fail`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
#[allow(clippy::exhaustive_enums, reason = "the TL type has two constructors")]
pub enum ServerDhParams {
    Ok {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        encrypted_answer: Vec<u8>,
    },
    Fail {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce_hash: [u8; 16],
    },
}

impl ServerDhParams {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ok {
                nonce,
                server_nonce,
                encrypted_answer,
            } => {
                let mut w = Writer::new(SERVER_DH_PARAMS_OK);
                w.raw(nonce).raw(server_nonce).bytes(encrypted_answer);
                w.finish()
            }
            Self::Fail {
                nonce,
                server_nonce,
                new_nonce_hash,
            } => {
                let mut w = Writer::new(SERVER_DH_PARAMS_FAIL);
                w.raw(nonce).raw(server_nonce).raw(new_nonce_hash);
                w.finish()
            }
        }
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        let v = match r.u32()? {
            SERVER_DH_PARAMS_OK => Self::Ok {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                encrypted_answer: r.bytes()?.to_vec(),
            },
            SERVER_DH_PARAMS_FAIL => Self::Fail {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                new_nonce_hash: r.int128()?,
            },
            _ => return Err(HandshakeError::TlUnknownConstructor),
        };
        Ok((v, r.position()))
    }
}

/// `server_DH_inner_data`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct ServerDhInnerData {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub g: i32,
    pub dh_prime: Vec<u8>,
    pub g_a: Vec<u8>,
    pub server_time: i32,
}

impl ServerDhInnerData {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(SERVER_DH_INNER_DATA);
        w.raw(&self.nonce).raw(&self.server_nonce).i32(self.g);
        w.bytes(&self.dh_prime)
            .bytes(&self.g_a)
            .i32(self.server_time);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(SERVER_DH_INNER_DATA)?;
        Ok((
            Self {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                g: r.i32()?,
                dh_prime: r.bytes()?.to_vec(),
                g_a: r.bytes()?.to_vec(),
                server_time: r.i32()?,
            },
            r.position(),
        ))
    }
}

/// `set_client_DH_params`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct SetClientDhParams {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub encrypted_data: Vec<u8>,
}

impl SetClientDhParams {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(SET_CLIENT_DH_PARAMS);
        w.raw(&self.nonce)
            .raw(&self.server_nonce)
            .bytes(&self.encrypted_data);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(SET_CLIENT_DH_PARAMS)?;
        Ok((
            Self {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                encrypted_data: r.bytes()?.to_vec(),
            },
            r.position(),
        ))
    }
}

/// `client_DH_inner_data`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct ClientDhInnerData {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub retry_id: i64,
    pub g_b: Vec<u8>,
}

impl ClientDhInnerData {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(CLIENT_DH_INNER_DATA);
        w.raw(&self.nonce)
            .raw(&self.server_nonce)
            .i64(self.retry_id);
        w.bytes(&self.g_b);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(CLIENT_DH_INNER_DATA)?;
        Ok((
            Self {
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                retry_id: r.i64()?,
                g_b: r.bytes()?.to_vec(),
            },
            r.position(),
        ))
    }
}

/// Which `Set_client_DH_params_answer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_enums,
    reason = "the TL type has three constructors"
)]
pub enum DhGenKind {
    /// `dh_gen_ok` (hash number 1).
    Ok,
    /// `dh_gen_retry` (hash number 2).
    Retry,
    /// `dh_gen_fail` (hash number 3).
    Fail,
}

impl DhGenKind {
    /// The `N` of `new_nonce_hashN`.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::Ok => 1,
            Self::Retry => 2,
            Self::Fail => 3,
        }
    }
}

/// `dh_gen_ok` / `dh_gen_retry` / `dh_gen_fail`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct DhGen {
    pub kind: DhGenKind,
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    /// `new_nonce_hash1`, `2` or `3` after the kind.
    pub new_nonce_hash: [u8; 16],
}

impl DhGen {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let id = match self.kind {
            DhGenKind::Ok => DH_GEN_OK,
            DhGenKind::Retry => DH_GEN_RETRY,
            DhGenKind::Fail => DH_GEN_FAIL,
        };
        let mut w = Writer::new(id);
        w.raw(&self.nonce)
            .raw(&self.server_nonce)
            .raw(&self.new_nonce_hash);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        let kind = match r.u32()? {
            DH_GEN_OK => DhGenKind::Ok,
            DH_GEN_RETRY => DhGenKind::Retry,
            DH_GEN_FAIL => DhGenKind::Fail,
            _ => return Err(HandshakeError::TlUnknownConstructor),
        };
        Ok((
            Self {
                kind,
                nonce: r.int128()?,
                server_nonce: r.int128()?,
                new_nonce_hash: r.int128()?,
            },
            r.position(),
        ))
    }
}

/// `ping`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct Ping {
    pub ping_id: i64,
}

impl Ping {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(PING);
        w.i64(self.ping_id);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(PING)?;
        Ok((Self { ping_id: r.i64()? }, r.position()))
    }
}

/// `pong`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct Pong {
    pub msg_id: i64,
    pub ping_id: i64,
}

impl Pong {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(PONG);
        w.i64(self.msg_id).i64(self.ping_id);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(PONG)?;
        Ok((
            Self {
                msg_id: r.i64()?,
                ping_id: r.i64()?,
            },
            r.position(),
        ))
    }
}

/// `bad_server_salt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs, reason = "fields named as in the TL schema")]
pub struct BadServerSalt {
    pub bad_msg_id: i64,
    pub bad_msg_seqno: i32,
    pub error_code: i32,
    pub new_server_salt: i64,
}

impl BadServerSalt {
    /// TL bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(BAD_SERVER_SALT);
        w.i64(self.bad_msg_id)
            .i32(self.bad_msg_seqno)
            .i32(self.error_code);
        w.i64(self.new_server_salt);
        w.finish()
    }
    /// Reads one from the start of `buf`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let mut r = Reader::new(buf);
        r.expect(BAD_SERVER_SALT)?;
        Ok((
            Self {
                bad_msg_id: r.i64()?,
                bad_msg_seqno: r.i32()?,
                error_code: r.i32()?,
                new_server_salt: r.i64()?,
            },
            r.position(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_lengths_follow_the_spec() {
        for (len, total) in [
            (0, 4),
            (1, 4),
            (3, 4),
            (4, 8),
            (253, 256),
            (254, 260),
            (256, 260),
            (592, 596),
        ] {
            let mut w = Writer::default();
            w.bytes(&vec![7u8; len]);
            let b = w.finish();
            assert_eq!(b.len(), total, "len {len}");
            let mut r = Reader::new(&b);
            assert_eq!(r.bytes().unwrap().len(), len);
            assert_eq!(r.position(), total);
        }
    }

    #[test]
    fn truncation_is_an_error_not_a_panic() {
        let full = ResPq {
            nonce: [1; 16],
            server_nonce: [2; 16],
            pq: vec![0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81],
            server_public_key_fingerprints: vec![1, -2],
        }
        .to_bytes();
        assert_eq!(ResPq::parse(&full).unwrap().1, full.len());
        for cut in 0..full.len() {
            assert!(ResPq::parse(&full[..cut]).is_err(), "cut {cut}");
        }
        // A string whose length runs past the buffer.
        let mut r = Reader::new(&[0xfe, 0xff, 0xff, 0xff, 0]);
        assert_eq!(r.bytes(), Err(HandshakeError::TlTruncated));
        // A vector count that cannot fit.
        let mut b = Writer::new(VECTOR);
        b.i32(i32::MAX);
        assert_eq!(
            Reader::new(&b.finish()).vector_long(),
            Err(HandshakeError::TlTruncated)
        );
    }
}
