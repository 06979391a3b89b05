//! The registry of conformance runners: one line per scheme crate (feature `conformance`).
//!
//! `cargo xtask vectors` and `keyauth vectors` both run vector files through [`schemes`];
//! [`vectors`] are the files each scheme crate ships inside its own package.
//!
//! ```
//! use keyauth::conformance::{schemes, vectors};
//! let runners = schemes();
//! let runners: Vec<_> = runners.iter().map(AsRef::as_ref).collect();
//! let reports = keyauth_vectors::run_embedded(&runners, &vectors(), Some("core"))?;
//! assert_eq!(keyauth_vectors::Summary::of(&reports).failed, 0);
//! # Ok::<(), keyauth_vectors::LoadError>(())
//! ```

pub use keyauth_vectors::{Embedded, Scheme};

/// Every runner compiled in: keyauth-core's and one per enabled scheme.
#[must_use]
pub fn schemes() -> Vec<Box<dyn Scheme>> {
    let mut v: Vec<Box<dyn Scheme>> = vec![Box::new(keyauth_core::conformance::Conformance)];
    #[cfg(feature = "authkey")]
    v.push(Box::new(authkey::conformance::Conformance::default()));
    #[cfg(feature = "authkey")]
    v.push(Box::new(authkey::conformance::HandshakeConformance));
    #[cfg(feature = "hmac")]
    v.push(Box::new(hmac_auth::conformance::Conformance));
    #[cfg(feature = "httpsig")]
    v.push(Box::new(keyauth_httpsig::conformance::Conformance));
    #[cfg(feature = "ninchat")]
    v.push(Box::new(ninchat_master::conformance::Conformance));
    #[cfg(feature = "psono")]
    v.push(Box::new(psono_client::conformance::Conformance));
    v
}

/// Every vector file compiled into the enabled scheme crates.
#[must_use]
pub fn vectors() -> Vec<Embedded> {
    let mut v = keyauth_core::conformance::VECTORS.to_vec();
    #[cfg(feature = "authkey")]
    v.extend_from_slice(authkey::conformance::VECTORS);
    #[cfg(feature = "hmac")]
    v.extend_from_slice(hmac_auth::conformance::VECTORS);
    #[cfg(feature = "httpsig")]
    v.extend_from_slice(keyauth_httpsig::conformance::VECTORS);
    #[cfg(feature = "ninchat")]
    v.extend_from_slice(ninchat_master::conformance::VECTORS);
    #[cfg(feature = "psono")]
    v.extend_from_slice(psono_client::conformance::VECTORS);
    v
}
