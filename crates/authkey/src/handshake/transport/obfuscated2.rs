//! Obfuscated2 (spec §10): a 64-byte header, then AES-256-CTR over the whole stream in both
//! directions (no MTProxy secret).

use aes::Aes256;
use cipher::{KeyIvInit, StreamCipher};
use zeroize::Zeroizing;

use super::Mode;
use crate::handshake::HandshakeError;

type Ctr = ctr::Ctr128BE<Aes256>;

/// The two keystreams of one connection.
pub struct Obfuscation {
    send: Ctr,
    recv: Ctr,
}

impl core::fmt::Debug for Obfuscation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Obfuscation").finish_non_exhaustive()
    }
}

fn ciphers(h: &[u8; 64]) -> (Ctr, Ctr) {
    let c2s = Ctr::new(h[8..40].into(), h[40..56].into());
    let mut rev = Zeroizing::new([0u8; 48]);
    for (i, b) in h[8..56].iter().rev().enumerate() {
        rev[i] = *b;
    }
    let s2c = Ctr::new(rev[..32].into(), rev[32..48].into());
    (c2s, s2c)
}

/// Whether 64 random bytes may serve as a client header (byte 0 ≠ 0xef, bytes 0..4 not
/// `PVrG`, `GET `, `POST`, `eeeeeeee`, `dddddddd`, bytes 4..8 not zero).
#[must_use]
pub fn header_ok(h: &[u8; 64]) -> bool {
    let first = &h[..4];
    h[0] != 0xef
        && first != b"PVrG"
        && first != b"GET "
        && first != b"POST"
        && first != b"HEAD"
        && first != [0xee; 4]
        && first != [0xdd; 4]
        && h[4..8] != [0; 4]
}

impl Obfuscation {
    /// The client side: from 64 random bytes (see [`header_ok`]) and the inner mode, the
    /// header to send and the ciphers.
    ///
    /// # Errors
    /// [`HandshakeError::TransportMalformed`] for a random header that is not allowed or the
    /// full mode (which obfuscated2 cannot carry).
    pub fn client(random: &[u8; 64], mode: Mode) -> Result<([u8; 64], Self), HandshakeError> {
        let tag = mode
            .obfuscated_tag()
            .ok_or(HandshakeError::TransportMalformed)?;
        if !header_ok(random) {
            return Err(HandshakeError::TransportMalformed);
        }
        let mut h = *random;
        h[56..60].copy_from_slice(&tag);
        let (mut send, recv) = ciphers(&h);
        let mut enc = h;
        send.apply_keystream(&mut enc);
        let mut out = h;
        out[56..64].copy_from_slice(&enc[56..64]);
        Ok((out, Self { send, recv }))
    }

    /// The server side: the client's 64-byte header gives the inner mode and the ciphers.
    ///
    /// # Errors
    /// [`HandshakeError::TransportMalformed`] for an unknown protocol tag.
    pub fn server(header: &[u8; 64]) -> Result<(Mode, Self), HandshakeError> {
        let (mut recv, send) = ciphers(header);
        let mut dec = *header;
        recv.apply_keystream(&mut dec);
        let mode = match dec[56..60] {
            [0xef, 0xef, 0xef, 0xef] => Mode::Abridged,
            [0xee, 0xee, 0xee, 0xee] => Mode::Intermediate,
            [0xdd, 0xdd, 0xdd, 0xdd] => Mode::PaddedIntermediate,
            _ => return Err(HandshakeError::TransportMalformed),
        };
        Ok((mode, Self { send, recv }))
    }

    /// Encrypts outgoing bytes in place.
    pub fn encrypt(&mut self, buf: &mut [u8]) {
        self.send.apply_keystream(buf);
    }

    /// Decrypts incoming bytes in place.
    pub fn decrypt(&mut self, buf: &mut [u8]) {
        self.recv.apply_keystream(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_agree() {
        let mut random = [0u8; 64];
        for (i, b) in random.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(1);
        }
        let (header, mut client) = Obfuscation::client(&random, Mode::Intermediate).unwrap();
        assert_eq!(header[..56], random[..56]);
        let (mode, mut server) = Obfuscation::server(&header).unwrap();
        assert_eq!(mode, Mode::Intermediate);
        let mut msg = *b"hello, server";
        client.encrypt(&mut msg);
        server.decrypt(&mut msg);
        assert_eq!(&msg, b"hello, server");
        let mut back = *b"pong";
        server.encrypt(&mut back);
        client.decrypt(&mut back);
        assert_eq!(&back, b"pong");
        let mut bad = random;
        bad[0] = 0xef;
        assert!(Obfuscation::client(&bad, Mode::Abridged).is_err());
        assert!(Obfuscation::client(&random, Mode::Full).is_err());
    }
}
