//! Where the handshake's random values come from: every draw names its purpose, so a
//! recorded transcript can be replayed exactly ([`Entropy`]) and production uses the OS
//! CSPRNG ([`OsEntropy`]).

use super::HandshakeError;
use super::pq;

/// What a random draw is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// The client's `nonce` (16 bytes).
    Nonce,
    /// The client's `new_nonce` (32 bytes).
    NewNonce,
    /// Random bytes after the data in an RSA block (RSA_PAD: 192 - len; legacy: 255 - 20 - len).
    RsaPadding,
    /// RSA_PAD's `temp_key`, one draw per attempt (32 bytes).
    RsaTempKey,
    /// The client's secret exponent `b` (256 bytes); redrawn when g_b is unsafe.
    ClientExponent,
    /// Padding after `SHA1(data) ‖ client_DH_inner_data` (0..15 bytes).
    ClientDhPadding,
    /// The server's `server_nonce` (16 bytes).
    ServerNonce,
    /// The server's secret exponent `a` (256 bytes); redrawn when g_a is unsafe.
    ServerExponent,
    /// Padding after `SHA1(answer) ‖ server_DH_inner_data` (0..15 bytes).
    AnswerPadding,
    /// Candidates for the server's pq primes (8 bytes each).
    PqPrime,
}

/// A source of the handshake's randomness.
pub trait Entropy {
    /// Fills `buf` with random bytes for `purpose`.
    ///
    /// # Errors
    /// [`HandshakeError::Random`] when no randomness is available.
    fn fill(&mut self, purpose: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError>;

    /// The server's two pq primes `p < q`. The default draws two distinct primes in
    /// `(2^30, 2^31)`, so `pq < 2^62` as Telegram's (spec §6); a replay overrides it.
    ///
    /// # Errors
    /// [`HandshakeError::Random`].
    fn pq_primes(&mut self) -> Result<(u64, u64), HandshakeError> {
        let draw = |this: &mut Self| -> Result<u64, HandshakeError> {
            let mut b = [0u8; 8];
            this.fill(Purpose::PqPrime, &mut b)?;
            let start = (1u64 << 30) | (u64::from_le_bytes(b) & ((1 << 30) - 1)) | 1;
            let mut n = start;
            while !pq::is_prime_u64(n) {
                n += 2;
                if n >= 1 << 31 {
                    n = (1 << 30) + 1;
                }
            }
            Ok(n)
        };
        loop {
            let a = draw(self)?;
            let b = draw(self)?;
            if a != b {
                return Ok((a.min(b), a.max(b)));
            }
        }
    }
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, purpose: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError> {
        (**self).fill(purpose, buf)
    }
    fn pq_primes(&mut self) -> Result<(u64, u64), HandshakeError> {
        (**self).pq_primes()
    }
}

/// The operating system's CSPRNG (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, _purpose: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError> {
        getrandom::getrandom(buf).map_err(|_| HandshakeError::Random)
    }
}
