//! pq: factorisation on the client (Pollard-Brent rho on `u128`, so mtpylon's 65-66-bit pq
//! works too) and the primality test the server's generation uses (spec §6).

use crypto_bigint::U128;
use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};

use super::HandshakeError;

type Params = DynResidueParams<{ U128::LIMBS }>;

fn mul_mod(a: u128, b: u128, m: u128) -> u128 {
    if m <= u128::from(u64::MAX) {
        return (a * b) % m;
    }
    // Double-and-add, never overflowing: every intermediate stays below m.
    let (mut a, mut b, mut r) = (a % m, b % m, 0u128);
    while b > 0 {
        if b & 1 == 1 {
            r = add_mod(r, a, m);
        }
        a = add_mod(a, a, m);
        b >>= 1;
    }
    r
}

fn add_mod(a: u128, b: u128, m: u128) -> u128 {
    let (s, overflow) = a.overflowing_add(b);
    if overflow || s >= m {
        s.wrapping_sub(m)
    } else {
        s
    }
}

fn pow_mod(mut b: u128, mut e: u128, m: u128) -> u128 {
    let mut r = 1u128 % m;
    b %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = mul_mod(r, b, m);
        }
        b = mul_mod(b, b, m);
        e >>= 1;
    }
    r
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Deterministic Miller-Rabin for `n < 2^128` with the first 20 prime bases (exact below
/// 3.3·10^24, overwhelmingly likely above; pq's factors are ~2^32).
#[must_use]
pub fn is_prime_u128(n: u128) -> bool {
    const BASES: [u128; 20] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
    ];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let d0 = n - 1;
    let s = d0.trailing_zeros();
    let d = d0 >> s;
    'outer: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// [`is_prime_u128`] for `u64`.
#[must_use]
pub fn is_prime_u64(n: u64) -> bool {
    is_prime_u128(u128::from(n))
}

/// The most steps of `f` all Brent runs of one [`factorize`] may take together: ample for the
/// pq a real server sends (Telegram's 31-bit primes need ~60 000, mtpylon's 33-bit ones
/// ~120 000, a 36-bit factor ~330 000), and a bound on what a hostile server's pq (a prime
/// product rho cannot split quickly, two 64-bit primes) can cost the client: about a second.
const STEP_BUDGET: u64 = 1 << 21;

type Residue = DynResidue<{ U128::LIMBS }>;

/// One Brent run with constant `c` and start `y0` on odd `n`, spending at most `budget` steps:
/// a non-trivial factor or `None`. The walk runs in Montgomery form (crypto-bigint's
/// `DynResidue`): `x ↦ x² + c` there is as good a pseudo-random map as any, and the gcds are
/// unchanged because R is a power of two and n is odd.
fn brent(params: Params, c: u128, y0: u128, budget: &mut u64) -> Option<u128> {
    let n = u128::from(*params.modulus());
    let c = Residue::new(&U128::from_u128(c), params);
    let f = |x: &Residue| x.square() + c;
    let diff = |a: &Residue, b: &Residue| {
        let (a, b) = (
            u128::from(*a.as_montgomery()),
            u128::from(*b.as_montgomery()),
        );
        a.abs_diff(b)
    };
    let gcd_n = |v: u128| gcd(v, n);
    let m = 128u64;
    let mut y = Residue::new(&U128::from_u128(y0), params);
    let (mut r, mut q, mut g) = (1u64, Residue::one(params), 1u128);
    let (mut x, mut ys) = (y, y);
    let mut spend = |steps: u64| -> Option<()> {
        *budget = budget.checked_sub(steps)?;
        Some(())
    };
    while g == 1 {
        x = y;
        spend(r)?;
        for _ in 0..r {
            y = f(&y);
        }
        let mut k = 0u64;
        while k < r && g == 1 {
            ys = y;
            let steps = m.min(r - k);
            spend(steps)?;
            for _ in 0..steps {
                y = f(&y);
                q *= Residue::from_montgomery(U128::from_u128(diff(&x, &y)), params);
            }
            g = gcd_n(u128::from(*q.as_montgomery()));
            k += m;
        }
        r *= 2;
    }
    if g == n {
        // Backtrack one step at a time from the last saved point (at most m steps, where
        // the batch's gcd turned n).
        loop {
            spend(1)?;
            ys = f(&ys);
            g = gcd_n(diff(&x, &ys));
            if g > 1 {
                break;
            }
        }
    }
    (g != n && g != 1).then_some(g)
}

/// Factorises `pq` (big-endian, at most 16 bytes) into `(p, q)` with `p < q`, both prime.
/// The result does not depend on any random start (deterministic constants are tried in
/// turn).
///
/// # Errors
/// [`HandshakeError::PqUnfactorable`] when pq is longer than 16 bytes, below 6, prime, a
/// square, not a product of two primes, or not split within 2^21 steps (its
/// smaller factor far beyond the ~2^33 any real server uses).
pub fn factorize(pq: &[u8]) -> Result<(u128, u128), HandshakeError> {
    let digits = super::arith::minimal(pq);
    if digits.len() > 16 {
        return Err(HandshakeError::PqUnfactorable);
    }
    let n = digits
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    if n < 6 || is_prime_u128(n) {
        return Err(HandshakeError::PqUnfactorable);
    }
    let mut budget = STEP_BUDGET;
    let p = if n % 2 == 0 {
        2
    } else {
        #[allow(deprecated, reason = "crypto-bigint 0.5's non-panicking constructor")]
        let params: Params = Option::from(DynResidueParams::new_checked(&U128::from_u128(n)))
            .ok_or(HandshakeError::PqUnfactorable)?;
        (1..64u128)
            .find_map(|c| brent(params, c, c + 1, &mut budget))
            .ok_or(HandshakeError::PqUnfactorable)?
    };
    let q = n / p;
    let (p, q) = (p.min(q), p.max(q));
    if p == q || !is_prime_u128(p) || !is_prime_u128(q) {
        return Err(HandshakeError::PqUnfactorable);
    }
    Ok((p, q))
}

/// `v` as minimal big-endian bytes.
#[must_use]
pub fn to_be_minimal(v: u128) -> Vec<u8> {
    let b = v.to_be_bytes();
    super::arith::minimal(&b).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factorises_telegram_and_mtpylon_sizes() {
        assert_eq!(
            factorize(&0x17ed_4894_1a08_f981u64.to_be_bytes()).unwrap(),
            (0x494c_553b, 0x5391_1073)
        );
        // 65-bit: 4567358479 * 7107501041.
        let n: u128 = 4_567_358_479 * 7_107_501_041;
        assert_eq!(
            factorize(&n.to_be_bytes()).unwrap(),
            (4_567_358_479, 7_107_501_041)
        );
        assert_eq!(factorize(&[0, 0, 0, 14]).unwrap(), (2, 7));
    }

    #[test]
    fn a_hostile_pq_costs_a_bounded_time() {
        // Two 62-bit primes: rho would need ~2^31 steps; the budget refuses it quickly.
        let n: u128 = 4_611_686_018_427_387_847 * 4_611_686_018_427_387_733;
        let started = std::time::Instant::now();
        assert_eq!(
            factorize(&n.to_be_bytes()),
            Err(HandshakeError::PqUnfactorable)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        // The fuzzer's input (a 48-byte TL body whose first 16 bytes became pq) as seen.
        let started = std::time::Instant::now();
        let _ = factorize(&[0x0a; 16]);
        let _ = factorize(&[0xff; 16]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(40),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn refuses_what_is_not_two_primes() {
        assert_eq!(factorize(&[0x7f]), Err(HandshakeError::PqUnfactorable)); // prime
        assert_eq!(factorize(&[1; 17]), Err(HandshakeError::PqUnfactorable));
        assert_eq!(factorize(&[49]), Err(HandshakeError::PqUnfactorable)); // square
        assert_eq!(factorize(&[0, 30]), Err(HandshakeError::PqUnfactorable)); // 2*3*5
        assert_eq!(factorize(&[]), Err(HandshakeError::PqUnfactorable));
    }

    #[test]
    fn primes() {
        assert!(is_prime_u64(2_147_483_647));
        assert!(!is_prime_u64(3_215_031_751)); // strong pseudoprime to 2,3,5,7
        assert!(is_prime_u128(u128::from(u64::MAX) - 58)); // 2^64 - 59
    }
}
