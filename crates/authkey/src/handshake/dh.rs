//! Diffie-Hellman parameter and value checks (spec §8) and the exponentiations.

use crypto_bigint::{Encoding, U2048};
use zeroize::{Zeroize, Zeroizing};

use super::HandshakeError;
use super::arith::{self, Params};
use super::entropy::{Entropy, Purpose};

/// Telegram's dh_prime (the page, the 2024 sample, mtpylon's `single_prime.DH_PRIME`): a
/// 2048-bit safe prime for which g = 3, 4 and 7 are valid.
pub const TELEGRAM_DH_PRIME: [u8; 256] = hex256(
    b"c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b",
);

const fn hex256(s: &[u8; 512]) -> [u8; 256] {
    const fn v(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not hex"),
        }
    }
    let mut out = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        out[i] = v(s[2 * i]) << 4 | v(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// Miller-Rabin rounds for p and (p-1)/2 (the spec asks for 15 or more).
pub const PRIMALITY_ROUNDS: u32 = 20;

/// A checked dh_prime and g (cheap to clone; check once, reuse for every exchange).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DhGroup {
    prime: U2048,
    params: Params,
    g: i32,
}

/// The quadratic-residue rule of spec §8 for g in 2..=7.
fn g_is_quadratic_residue(p: &U2048, g: i32) -> bool {
    match g {
        2 => arith::rem_small(p, 8) == 7,
        3 => arith::rem_small(p, 3) == 2,
        4 => true,
        5 => matches!(arith::rem_small(p, 5), 1 | 4),
        6 => matches!(arith::rem_small(p, 24), 19 | 23),
        7 => matches!(arith::rem_small(p, 7), 3 | 5 | 6),
        _ => false,
    }
}

impl DhGroup {
    /// Checks dh_prime and g as a client must: 2^2047 < p < 2^2048, p and (p-1)/2 prime
    /// (skipped for [`TELEGRAM_DH_PRIME`]), g in 2..=7, g a quadratic residue.
    ///
    /// # Errors
    /// `dh_prime_bad_size`, `dh_prime_not_prime`, `dh_prime_not_safe`, `dh_g_invalid`,
    /// `dh_g_not_quadratic_residue`.
    pub fn checked(dh_prime: &[u8], g: i32) -> Result<Self, HandshakeError> {
        let p = arith::from_be(dh_prime).ok_or(HandshakeError::DhPrimeBadSize)?;
        if p.bits_vartime() != 2048 {
            return Err(HandshakeError::DhPrimeBadSize);
        }
        if arith::to_be(&p) != TELEGRAM_DH_PRIME {
            if !arith::is_probable_prime(&p, PRIMALITY_ROUNDS) {
                return Err(HandshakeError::DhPrimeNotPrime);
            }
            let half = p.shr_vartime(1);
            if !arith::is_probable_prime(&half, PRIMALITY_ROUNDS) {
                return Err(HandshakeError::DhPrimeNotSafe);
            }
        }
        if !(2..=7).contains(&g) {
            return Err(HandshakeError::DhGInvalid);
        }
        if !g_is_quadratic_residue(&p, g) {
            return Err(HandshakeError::DhGNotQuadraticResidue);
        }
        let params = arith::params(&p).ok_or(HandshakeError::DhPrimeNotPrime)?;
        Ok(Self {
            prime: p,
            params,
            g,
        })
    }

    /// A group the caller vouches for (the server's own configuration): only size, oddness
    /// and the g rules are checked.
    ///
    /// # Errors
    /// As [`checked`](Self::checked), without the primality tests.
    pub fn trusted(dh_prime: &[u8], g: i32) -> Result<Self, HandshakeError> {
        let p = arith::from_be(dh_prime).ok_or(HandshakeError::DhPrimeBadSize)?;
        if p.bits_vartime() != 2048 {
            return Err(HandshakeError::DhPrimeBadSize);
        }
        if !(2..=7).contains(&g) {
            return Err(HandshakeError::DhGInvalid);
        }
        if !g_is_quadratic_residue(&p, g) {
            return Err(HandshakeError::DhGNotQuadraticResidue);
        }
        let params = arith::params(&p).ok_or(HandshakeError::DhPrimeNotPrime)?;
        Ok(Self {
            prime: p,
            params,
            g,
        })
    }

    /// Telegram's group with g = 3.
    #[must_use]
    pub fn telegram() -> Self {
        Self::trusted(&TELEGRAM_DH_PRIME, 3).expect("telegram's prime is valid with g = 3")
    }

    /// g.
    #[must_use]
    pub fn g(&self) -> i32 {
        self.g
    }

    /// dh_prime as 256 big-endian bytes.
    #[must_use]
    pub fn prime_bytes(&self) -> [u8; 256] {
        arith::to_be(&self.prime)
    }

    /// Checks a received g_a or g_b: `1 < v < p-1` and `2^1984 <= v <= p - 2^1984`.
    ///
    /// # Errors
    /// `out_of_range` / `unsafe` of the caller's choice (g_a or g_b codes).
    pub fn check_value(
        &self,
        value: &[u8],
        out_of_range: HandshakeError,
        unsafe_value: HandshakeError,
    ) -> Result<U2048, HandshakeError> {
        let v = arith::from_be(value).ok_or(out_of_range.clone())?;
        let p_minus_1 = self.prime.wrapping_sub(&U2048::ONE);
        if v <= U2048::ONE || v >= p_minus_1 {
            return Err(out_of_range);
        }
        let bound = U2048::ONE.shl_vartime(1984);
        if v < bound || v > self.prime.wrapping_sub(&bound) {
            return Err(unsafe_value);
        }
        Ok(v)
    }

    /// Draws a secret exponent (256 bytes from `purpose`) until `g^x` passes the safety
    /// range; returns `(x, g^x)`.
    ///
    /// # Errors
    /// [`HandshakeError::Random`]; after 32 unsafe draws, the unsafe error of `purpose`.
    pub fn keypair(
        &self,
        rng: &mut dyn Entropy,
        purpose: Purpose,
    ) -> Result<(Exponent, [u8; 256]), HandshakeError> {
        let g = U2048::from_u32(self.g.unsigned_abs());
        for _ in 0..32 {
            let mut x = Zeroizing::new([0u8; 256]);
            rng.fill(purpose, &mut x[..])?;
            let exp = Exponent(U2048::from_be_bytes(*x));
            let gx = arith::to_be(&arith::pow_secret(&g, &exp.0, &self.params));
            let (oor, uns) = match purpose {
                Purpose::ServerExponent => {
                    (HandshakeError::DhGAOutOfRange, HandshakeError::DhGAUnsafe)
                }
                _ => (HandshakeError::DhGBOutOfRange, HandshakeError::DhGBUnsafe),
            };
            if self.check_value(&gx, oor, uns).is_ok() {
                return Ok((exp, gx));
            }
        }
        Err(match purpose {
            Purpose::ServerExponent => HandshakeError::DhGAUnsafe,
            _ => HandshakeError::DhGBUnsafe,
        })
    }

    /// `other^x mod p` as 256 bytes (the auth key), constant time in `x`.
    #[must_use]
    pub fn shared(&self, other: &U2048, x: &Exponent) -> Zeroizing<[u8; 256]> {
        let mut k = arith::pow_secret(other, &x.0, &self.params);
        let out = Zeroizing::new(arith::to_be(&k));
        k.zeroize();
        out
    }
}

/// A secret DH exponent (wiped on drop; Debug redacted).
pub struct Exponent(U2048);

impl Exponent {
    /// From 256 big-endian bytes (for replaying recorded exchanges).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; 256]) -> Self {
        Self(U2048::from_be_bytes(*bytes))
    }
}

impl Drop for Exponent {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Exponent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Exponent([redacted])")
    }
}
