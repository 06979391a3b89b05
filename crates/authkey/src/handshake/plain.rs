//! Unencrypted messages (spec §3): `auth_key_id = 0 ‖ msg_id ‖ length ‖ body`, and msg_id
//! generation for both roles.

use super::HandshakeError;

/// The largest unencrypted packet a server accepts by default (the largest legal one, a
/// `set_client_DH_params` with a 256-byte g_b, is 396 bytes).
pub const MAX_PLAIN_PACKET: usize = 2048;

/// Who sent a packet (decides the msg_id rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums, reason = "two roles")]
pub enum Sender {
    /// The client: msg_id divisible by 4.
    Client,
    /// The server: msg_id odd (not checked: mtpylon's are plain unix seconds).
    Server,
}

/// Wraps a body.
#[must_use]
pub fn wrap(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&msg_id.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Splits a packet into `(msg_id, body)`. Checks, in order: at least 20 bytes, auth_key_id
/// 0, the length field equals the rest, msg_id non-zero (and divisible by 4 from a client).
///
/// # Errors
/// `plain_truncated`, `not_plain`, `plain_length_mismatch`, `plain_bad_msg_id`.
pub fn parse(packet: &[u8], sender: Sender) -> Result<(i64, &[u8]), HandshakeError> {
    if packet.len() < 20 {
        return Err(HandshakeError::PlainTruncated);
    }
    if packet[..8] != [0u8; 8] {
        return Err(HandshakeError::NotPlain);
    }
    let msg_id = i64::from_le_bytes(packet[8..16].try_into().expect("8 bytes"));
    let len = u32::from_le_bytes(packet[16..20].try_into().expect("4 bytes"));
    let body = &packet[20..];
    if usize::try_from(len).ok() != Some(body.len()) {
        return Err(HandshakeError::PlainLengthMismatch);
    }
    if msg_id == 0 || (sender == Sender::Client && msg_id % 4 != 0) {
        return Err(HandshakeError::PlainBadMsgId);
    }
    Ok((msg_id, body))
}

/// Increasing msg_ids `≈ unixtime · 2^32` for one role: client ids divisible by 4, server
/// response ids `≡ 1 (mod 4)`.
#[derive(Clone, Debug)]
pub struct MsgIds {
    sender: Sender,
    last: i64,
}

impl MsgIds {
    /// A generator for `sender`.
    #[must_use]
    pub fn new(sender: Sender) -> Self {
        Self { sender, last: 0 }
    }

    /// The next id for a message sent at `unix_nanos` (nanoseconds since the epoch, with any
    /// clock offset already applied).
    pub fn next(&mut self, unix_nanos: i128) -> i64 {
        let secs = (unix_nanos / 1_000_000_000) as i64;
        let nanos = (unix_nanos % 1_000_000_000) as i64;
        let mut id = (secs << 32) | ((nanos << 2) & 0xffff_fffc);
        if self.sender == Sender::Server {
            id |= 1;
        }
        if id <= self.last {
            id = self.last + 4;
        }
        self.last = id;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checks() {
        let p = wrap(1 << 32, &[1, 2, 3, 4]);
        assert_eq!(
            parse(&p, Sender::Client).unwrap(),
            (1 << 32, &[1u8, 2, 3, 4][..])
        );
        assert_eq!(
            parse(&p[..19], Sender::Client),
            Err(HandshakeError::PlainTruncated)
        );
        assert_eq!(
            parse(&p[..23], Sender::Client),
            Err(HandshakeError::PlainLengthMismatch)
        );
        let mut q = p.clone();
        q[0] = 1;
        assert_eq!(parse(&q, Sender::Client), Err(HandshakeError::NotPlain));
        let odd = wrap(5, &[0; 4]);
        assert_eq!(
            parse(&odd, Sender::Client),
            Err(HandshakeError::PlainBadMsgId)
        );
        assert!(parse(&odd, Sender::Server).is_ok());
        assert_eq!(
            parse(&wrap(0, &[]), Sender::Server),
            Err(HandshakeError::PlainBadMsgId)
        );
    }

    #[test]
    fn ids_increase_and_have_the_role_bits() {
        let mut c = MsgIds::new(Sender::Client);
        let a = c.next(1_767_225_600_000_000_000);
        let b = c.next(1_767_225_600_000_000_000);
        assert!(b > a && a % 4 == 0 && b % 4 == 0);
        let mut s = MsgIds::new(Sender::Server);
        let x = s.next(1_767_225_600_250_000_000);
        assert_eq!(x % 4, 1);
        assert_eq!(x >> 32, 1_767_225_600);
    }
}
