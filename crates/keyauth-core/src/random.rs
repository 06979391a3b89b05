//! Randomness: the operating system's CSPRNG, and a per-thread CSPRNG seeded from it.
//!
//! Schemes draw nonces, IVs and padding here and keep a second entry point that takes the
//! random bytes explicitly, so vectors generated with pinned randomness can be reproduced.
//!
//! [`fill`] / [`array()`] make one OS call each (about 0.45 µs on an idle machine, 1 µs under
//! load, most of it the system call). [`fill_fast`] / [`array_fast`] draw from rand's
//! `ThreadRng` instead (ChaCha12, seeded once per thread from the OS, reseeded every 64 KiB
//! and after `fork`; 25-50 ns for 6-32 bytes): for per-message values (nonces, IVs, padding).
//! Keys keep the OS call. After a `fork`, rand reseeds "soon", not at once: up to 60 bytes
//! already generated in the parent may also come out in the child, so a process that forks
//! and seals in both parent and child at once may repeat one IV or nonce; see
//! docs/PERFORMANCE.md.

use crate::error::Error;

/// Fills `buf` from the OS CSPRNG.
///
/// # Errors
/// [`Error::Random`] when the operating system has no randomness to give.
///
/// ```
/// let mut iv = [0u8; 16];
/// keyauth_core::random::fill(&mut iv)?;
/// # Ok::<(), keyauth_core::Error>(())
/// ```
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::getrandom(buf).map_err(|_| Error::Random)
}

/// Returns `N` random bytes from the OS CSPRNG.
///
/// # Errors
/// [`Error::Random`] when the operating system has no randomness to give.
pub fn array<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// Fills `buf` from the per-thread CSPRNG (rand's `ThreadRng`), for per-message values.
///
/// # Errors
/// [`Error::Random`] when the generator cannot be seeded from the operating system.
///
/// ```
/// let mut iv = [0u8; 16];
/// keyauth_core::random::fill_fast(&mut iv)?;
/// # Ok::<(), keyauth_core::Error>(())
/// ```
pub fn fill_fast(buf: &mut [u8]) -> Result<(), Error> {
    use rand::RngCore as _;
    rand::thread_rng()
        .try_fill_bytes(buf)
        .map_err(|_| Error::Random)
}

/// Returns `N` random bytes from the per-thread CSPRNG (see [`fill_fast`]).
///
/// # Errors
/// As [`fill_fast`].
pub fn array_fast<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    fill_fast(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_and_os_draws_differ_between_calls() {
        let a: [u8; 16] = array_fast().unwrap();
        let b: [u8; 16] = array_fast().unwrap();
        assert_ne!(a, b);
        assert_ne!(array::<16>().unwrap(), array::<16>().unwrap());
        // Each thread has its own generator, seeded apart.
        let other = std::thread::spawn(|| array_fast::<16>().unwrap())
            .join()
            .unwrap();
        assert_ne!(a, other);
        let mut empty = [0u8; 0];
        fill_fast(&mut empty).unwrap();
    }
}
