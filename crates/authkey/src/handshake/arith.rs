//! 2048-bit arithmetic on `crypto-bigint` 0.5 (docs/ARCHITECTURE.md, "Dependencies: big
//! integers and RSA"). Exponentiations with secret exponents are constant time
//! ([`pow_secret`]); the variable-time helpers only ever see public values.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, Limb, NonZero, U2048};
use sha2::{Digest, Sha256};

/// Montgomery parameters of an odd 2048-bit modulus.
pub(crate) type Params = DynResidueParams<{ U2048::LIMBS }>;

/// A big-endian number of at most 256 bytes (leading zeros allowed), or `None`.
pub(crate) fn from_be(bytes: &[u8]) -> Option<U2048> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    if bytes.len() > 256 {
        return None;
    }
    let mut buf = [0u8; 256];
    buf[256 - bytes.len()..].copy_from_slice(bytes);
    Some(U2048::from_be_bytes(buf))
}

/// 256 big-endian bytes.
pub(crate) fn to_be(x: &U2048) -> [u8; 256] {
    x.to_be_bytes()
}

/// The big-endian bytes without leading zeros (empty for 0).
pub(crate) fn minimal(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Parameters for an odd modulus.
#[allow(deprecated, reason = "crypto-bigint 0.5's non-panicking constructor")]
pub(crate) fn params(modulus: &U2048) -> Option<Params> {
    Option::from(DynResidueParams::new_checked(modulus))
}

/// `base^exp mod m` in time independent of `exp`'s value (all 2048 bits are processed).
pub(crate) fn pow_secret(base: &U2048, exp: &U2048, params: &Params) -> U2048 {
    DynResidue::new(base, *params).pow(exp).retrieve()
}

/// `base^exp mod m` for a public exponent (only its bit length is processed).
pub(crate) fn pow_public(base: &U2048, exp: &U2048, params: &Params) -> U2048 {
    DynResidue::new(base, *params)
        .pow_bounded_exp(exp, exp.bits_vartime())
        .retrieve()
}

/// `x mod small` (public values).
pub(crate) fn rem_small(x: &U2048, small: u64) -> u64 {
    let d = NonZero::new(Limb::from(small)).expect("nonzero divisor");
    x.div_rem_limb(d).1.0
}

const SMALL_PRIMES: [u64; 53] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251,
];

/// Miller-Rabin with `rounds` bases derived from SHA-256 of `n` (so a prime cannot be
/// crafted against a fixed base set), after trial division. For public values only.
pub(crate) fn is_probable_prime(n: &U2048, rounds: u32) -> bool {
    if n.bits_vartime() <= 8 {
        let v = n.as_words()[0];
        return v == 2 || SMALL_PRIMES.contains(&v);
    }
    if n.as_words()[0] & 1 == 0 {
        return false;
    }
    for p in SMALL_PRIMES {
        if rem_small(n, p) == 0 {
            return false;
        }
    }
    let Some(params) = params(n) else {
        return false;
    };
    let one = U2048::ONE;
    let n_minus_1 = n.wrapping_sub(&one);
    let s = n_minus_1.trailing_zeros();
    let d = n_minus_1.shr_vartime(s);
    let n_minus_3 = n.wrapping_sub(&U2048::from_u8(3));
    let modulus = NonZero::new(n_minus_3).expect("n > 3");
    let n_bytes = to_be(n);
    'bases: for i in 0..rounds {
        let mut seed = [0u8; 256];
        for (j, chunk) in seed.chunks_mut(32).enumerate() {
            chunk.copy_from_slice(
                &Sha256::new()
                    .chain_update(n_bytes)
                    .chain_update(i.to_le_bytes())
                    .chain_update([j as u8])
                    .finalize(),
            );
        }
        // a in [2, n-2]
        let a = U2048::from_be_bytes(seed)
            .rem(&modulus)
            .wrapping_add(&U2048::from_u8(2));
        let mut x = pow_public(&a, &d, &params);
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            let r = DynResidue::new(&x, params);
            x = r.square().retrieve();
            if x == n_minus_1 {
                continue 'bases;
            }
            if x == one {
                return false;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primality_of_small_and_known_values() {
        assert!(is_probable_prime(&U2048::from_u64(1_000_000_007), 8));
        assert!(!is_probable_prime(&U2048::from_u64(1_000_000_007 * 3), 8));
        // Carmichael number 561 and a strong pseudoprime to base 2 (2047).
        assert!(!is_probable_prime(&U2048::from_u64(561), 8));
        assert!(!is_probable_prime(&U2048::from_u64(2047), 8));
        assert!(is_probable_prime(&U2048::from_u64(251), 8));
        assert!(!is_probable_prime(&U2048::ONE, 8));
    }

    #[test]
    fn byte_helpers() {
        assert_eq!(minimal(&[0, 0, 1, 2]), &[1, 2]);
        assert!(from_be(&[1u8; 257]).is_none());
        assert!(from_be(&[0u8; 300]).is_some());
        assert_eq!(to_be(&from_be(&[1, 2]).unwrap())[254..], [1, 2]);
    }
}
