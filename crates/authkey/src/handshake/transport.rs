//! The TCP transports Telethon speaks (spec §10) as sans-IO codecs: [`Codec::encode`] turns a
//! payload into frame bytes, [`Codec::decode`] takes bytes off the front of a receive buffer
//! and returns one payload when a whole frame is there (`Ok(None)`: read more).
//!
//! | mode | client init | frame |
//! | --- | --- | --- |
//! | abridged | `ef` | len/4 in 1 byte (< 0x7f) or `7f` + 3 bytes LE; payload |
//! | intermediate | `eeeeeeee` | int32 LE len; payload |
//! | padded intermediate | `dddddddd` | int32 LE len(payload + pad); payload; 0-3 random bytes |
//! | full | none | int32 LE len+12; int32 LE seq; payload; CRC32 (IEEE) |
//!
//! Obfuscated2 (AES-256-CTR over one of the first three) is [`obfuscated2`].

use super::HandshakeError;

pub mod obfuscated2;

/// The largest payload a codec accepts by default (1 MiB; spec §12).
pub const MAX_PAYLOAD: usize = 1 << 20;

/// A transport mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums, reason = "the four TCP framings of the spec")]
pub enum Mode {
    /// TCP abridged.
    Abridged,
    /// TCP intermediate.
    Intermediate,
    /// Padded intermediate.
    PaddedIntermediate,
    /// TCP full (seq + CRC32).
    Full,
}

impl Mode {
    /// The bytes a client sends once before its first frame (none for full).
    #[must_use]
    pub fn init(self) -> &'static [u8] {
        match self {
            Self::Abridged => &[0xef],
            Self::Intermediate => &[0xee; 4],
            Self::PaddedIntermediate => &[0xdd; 4],
            Self::Full => &[],
        }
    }

    /// The obfuscated2 protocol tag (`None` for full, which obfuscated2 cannot carry).
    #[must_use]
    pub fn obfuscated_tag(self) -> Option<[u8; 4]> {
        match self {
            Self::Abridged => Some([0xef; 4]),
            Self::Intermediate => Some([0xee; 4]),
            Self::PaddedIntermediate => Some([0xdd; 4]),
            Self::Full => None,
        }
    }

    /// The mode named `abridged`, `intermediate`, `padded_intermediate` (or `padded`) or
    /// `full`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "abridged" => Some(Self::Abridged),
            "intermediate" => Some(Self::Intermediate),
            "padded_intermediate" | "padded" => Some(Self::PaddedIntermediate),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

/// What a server sees in the first bytes of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums, reason = "plain mode or obfuscated")]
pub enum Detected {
    /// A plain mode; skip `init().len()` bytes.
    Plain(Mode),
    /// A 64-byte obfuscated2 header follows.
    Obfuscated2,
}

/// Detects the transport from the first bytes (`None`: need more; at most 8 bytes needed).
#[must_use]
pub fn detect(first: &[u8]) -> Option<Detected> {
    match first {
        [] => None,
        [0xef, ..] => Some(Detected::Plain(Mode::Abridged)),
        _ if first.len() < 8 => {
            // Could still be intermediate/padded/full/obfuscated.
            if first.len() >= 4 && first[..4] == [0xee; 4] {
                Some(Detected::Plain(Mode::Intermediate))
            } else if first.len() >= 4 && first[..4] == [0xdd; 4] {
                Some(Detected::Plain(Mode::PaddedIntermediate))
            } else {
                None
            }
        }
        _ if first[..4] == [0xee; 4] => Some(Detected::Plain(Mode::Intermediate)),
        _ if first[..4] == [0xdd; 4] => Some(Detected::Plain(Mode::PaddedIntermediate)),
        _ if first[4..8] == [0; 4] => Some(Detected::Plain(Mode::Full)),
        _ => Some(Detected::Obfuscated2),
    }
}

/// One direction-pair of framing state for a connection.
#[derive(Clone, Debug)]
pub struct Codec {
    mode: Mode,
    max_payload: usize,
    send_seq: i32,
    recv_seq: i32,
}

impl Codec {
    /// A codec for `mode` with the default size limit.
    #[must_use]
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            max_payload: MAX_PAYLOAD,
            send_seq: 0,
            recv_seq: 0,
        }
    }

    /// Payloads longer than `max` are `transport_oversized`.
    #[must_use]
    pub fn max_payload(mut self, max: usize) -> Self {
        self.max_payload = max;
        self
    }

    /// The mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Frames `payload`. `pad` supplies the padded mode's 0-3 random bytes (ignored by the
    /// other modes).
    ///
    /// # Errors
    /// [`HandshakeError::TransportMalformed`] for an abridged payload whose length is not a
    /// multiple of 4; [`HandshakeError::TransportOversized`].
    pub fn encode(&mut self, payload: &[u8], pad: &[u8]) -> Result<Vec<u8>, HandshakeError> {
        if payload.len() > self.max_payload {
            return Err(HandshakeError::TransportOversized);
        }
        let mut out = Vec::with_capacity(payload.len() + 16);
        match self.mode {
            Mode::Abridged => {
                if !payload.len().is_multiple_of(4) {
                    return Err(HandshakeError::TransportMalformed);
                }
                let words = payload.len() / 4;
                if words < 0x7f {
                    out.push(words as u8);
                } else {
                    out.push(0x7f);
                    out.extend_from_slice(&(words as u32).to_le_bytes()[..3]);
                }
                out.extend_from_slice(payload);
            }
            Mode::Intermediate => {
                out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
                out.extend_from_slice(payload);
            }
            Mode::PaddedIntermediate => {
                let pad = &pad[..pad.len().min(3)];
                out.extend_from_slice(&((payload.len() + pad.len()) as u32).to_le_bytes());
                out.extend_from_slice(payload);
                out.extend_from_slice(pad);
            }
            Mode::Full => {
                out.extend_from_slice(&((payload.len() + 12) as u32).to_le_bytes());
                out.extend_from_slice(&self.send_seq.to_le_bytes());
                out.extend_from_slice(payload);
                let crc = crc32fast::hash(&out);
                out.extend_from_slice(&crc.to_le_bytes());
                self.send_seq = self.send_seq.wrapping_add(1);
            }
        }
        Ok(out)
    }

    /// Takes one frame off the front of `buf` and returns its payload; `Ok(None)` when the
    /// frame is not complete yet (nothing is consumed then).
    ///
    /// # Errors
    /// `transport_oversized` (checked on the length field, before the payload arrives),
    /// `transport_bad_crc`, `transport_bad_seq`, `transport_malformed`.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, HandshakeError> {
        let (header, len) = match self.mode {
            Mode::Abridged => {
                let Some(&first) = buf.first() else {
                    return Ok(None);
                };
                let first = first & 0x7f;
                if first < 0x7f {
                    (1, usize::from(first) * 4)
                } else {
                    if buf.len() < 4 {
                        return Ok(None);
                    }
                    let w =
                        usize::from(buf[1]) | usize::from(buf[2]) << 8 | usize::from(buf[3]) << 16;
                    (4, w * 4)
                }
            }
            Mode::Intermediate | Mode::PaddedIntermediate | Mode::Full => {
                if buf.len() < 4 {
                    return Ok(None);
                }
                let l = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
                (4, l)
            }
        };
        let limit = self.max_payload + if self.mode == Mode::Full { 12 } else { 3 };
        if len > limit {
            return Err(HandshakeError::TransportOversized);
        }
        if self.mode == Mode::Full && len < 12 {
            return Err(HandshakeError::TransportMalformed);
        }
        let total = if self.mode == Mode::Full {
            len
        } else {
            header + len
        };
        if buf.len() < total {
            return Ok(None);
        }
        let frame: Vec<u8> = buf.drain(..total).collect();
        let payload = match self.mode {
            Mode::Abridged | Mode::Intermediate => frame[header..].to_vec(),
            Mode::PaddedIntermediate => frame[4..4 + len - len % 4].to_vec(),
            Mode::Full => {
                let crc = u32::from_le_bytes(frame[len - 4..].try_into().expect("4 bytes"));
                if crc32fast::hash(&frame[..len - 4]) != crc {
                    return Err(HandshakeError::TransportBadCrc);
                }
                let seq = i32::from_le_bytes(frame[4..8].try_into().expect("4 bytes"));
                if seq != self.recv_seq {
                    return Err(HandshakeError::TransportBadSeq);
                }
                self.recv_seq = self.recv_seq.wrapping_add(1);
                frame[8..len - 4].to_vec()
            }
        };
        Ok(Some(payload))
    }
}

/// A 4-byte transport error payload (`-404`, `-429`, `-444`), or `None`.
#[must_use]
pub fn transport_error(payload: &[u8]) -> Option<i32> {
    let b: [u8; 4] = payload.try_into().ok()?;
    let code = i32::from_le_bytes(b);
    (code < 0).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_round_trips_byte_by_byte() {
        for mode in [
            Mode::Abridged,
            Mode::Intermediate,
            Mode::PaddedIntermediate,
            Mode::Full,
        ] {
            let mut tx = Codec::new(mode);
            let mut rx = Codec::new(mode);
            let payloads = [vec![1u8; 8], vec![2u8; 0x7f * 4], vec![3u8; 4000]];
            let mut stream = Vec::new();
            for p in &payloads {
                stream.extend(tx.encode(p, &[9, 9]).unwrap());
            }
            let mut buf = Vec::new();
            let mut got = Vec::new();
            for b in stream {
                buf.push(b);
                if let Some(p) = rx.decode(&mut buf).unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got, payloads, "{mode:?}");
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn full_checks_crc_and_seq_and_limits_apply() {
        let mut tx = Codec::new(Mode::Full);
        let f0 = tx.encode(&[1; 8], &[]).unwrap();
        let f1 = tx.encode(&[2; 8], &[]).unwrap();
        let mut rx = Codec::new(Mode::Full);
        let mut bad = f0.clone();
        bad[10] ^= 1;
        assert_eq!(rx.decode(&mut bad), Err(HandshakeError::TransportBadCrc));
        let mut rx = Codec::new(Mode::Full);
        assert_eq!(
            rx.decode(&mut f1.clone()),
            Err(HandshakeError::TransportBadSeq)
        );
        let mut rx = Codec::new(Mode::Intermediate).max_payload(16);
        let mut big = (100u32).to_le_bytes().to_vec();
        assert_eq!(rx.decode(&mut big), Err(HandshakeError::TransportOversized));
        assert_eq!(
            Codec::new(Mode::Abridged).encode(&[1, 2, 3], &[]),
            Err(HandshakeError::TransportMalformed)
        );
        assert_eq!(transport_error(&(-404i32).to_le_bytes()), Some(-404));
        assert_eq!(detect(&[0xef]), Some(Detected::Plain(Mode::Abridged)));
        assert_eq!(detect(&f0[..8]), Some(Detected::Plain(Mode::Full)));
        assert_eq!(
            detect(&[1, 2, 3, 4, 5, 6, 7, 8]),
            Some(Detected::Obfuscated2)
        );
    }
}
