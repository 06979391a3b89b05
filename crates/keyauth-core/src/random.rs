//! Randomness from the operating system's CSPRNG.
//!
//! Schemes draw nonces, IVs and padding here and keep a second entry point that takes the
//! random bytes explicitly, so vectors generated with pinned randomness can be reproduced.

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
