//! pq: factorisation on the client (Pollard-Brent rho on `u128`, so mtpylon's 65-66-bit pq
//! works too) and the primality test the server's generation uses (spec §6).

use super::HandshakeError;

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

/// One Brent run with constant `c` and start `y`: a non-trivial factor or `None`.
fn brent(n: u128, c: u128, y0: u128) -> Option<u128> {
    let f = |x: u128| add_mod(mul_mod(x, x, n), c, n);
    let m = 128u32;
    let (mut y, mut r, mut q, mut g) = (y0, 1u64, 1u128, 1u128);
    let (mut x, mut ys) = (0u128, 0u128);
    // Bounded: far beyond what a 64-bit factor needs (~2^32 steps would be 2^64-bit pq).
    let max_r = 1u64 << 26;
    while g == 1 {
        x = y;
        for _ in 0..r {
            y = f(y);
        }
        let mut k = 0u64;
        while k < r && g == 1 {
            ys = y;
            for _ in 0..u64::from(m).min(r - k) {
                y = f(y);
                q = mul_mod(q, x.abs_diff(y), n);
            }
            g = gcd(q, n);
            k += u64::from(m);
        }
        r *= 2;
        if r > max_r {
            return None;
        }
    }
    if g == n {
        loop {
            ys = f(ys);
            g = gcd(x.abs_diff(ys), n);
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
/// square, or not a product of two primes.
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
    let p = if n % 2 == 0 {
        2
    } else {
        (1..64u128)
            .find_map(|c| brent(n, c, c + 1))
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
