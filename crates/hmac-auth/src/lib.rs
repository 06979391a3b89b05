#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

/// The core crate whose types this API exposes (clock, replay guards, secrets), re-exported
/// so one dependency is enough.
pub use keyauth_core;
pub use keyauth_core::{
    Clock, ErrorKind, FixedClock, MemoryReplayGuard, ReplayError, ReplayGuard, Secret, SystemClock,
    UnixTime,
};
#[cfg(feature = "redis")]
pub use keyauth_core::{RedisOptions, RedisReplayGuard};

mod client;
mod compat;
#[cfg(feature = "conformance")]
pub mod conformance;
mod digest;
mod error;
#[cfg(feature = "tower")]
mod layer;
mod werkzeug;
mod wire;

#[cfg(feature = "reqwest")]
pub use client::RequestBuilderExt;
pub use client::{Credential, Signer};
pub use compat::{Authenticated, DEFAULT_ERROR_CODE, Hmac, HmacBuilder, Only};
pub use digest::{Digest, Key};
pub use error::Error;
#[cfg(feature = "tower")]
#[cfg(feature = "httpsig")]
pub use layer::Formats;
pub use layer::{DEFAULT_BODY_LIMIT, HmacAuth, HmacAuthLayer, OptionsRequests, Rejection};
pub use werkzeug::{signed_message, werkzeug_abort_status};
pub use wire::DEFAULT_HEADER;

/// Parses a signature header value as a Flask-HMAC service token and returns the service name
/// it claims, as upstream's `validate_signature` does before any MAC check (lenient URL-safe
/// base64, UTF-8, exactly one `:`). `Ok(None)`: not a service token.
///
/// ```
/// assert_eq!(
///     hmac_auth::parse_service_token(b"YXNlcnZpY2U6UVM5YXVCbUp3aVFKWExrYU5UcDNJbWJ0eVdWZDloTEt6c2NyRHUyenVlcz0=")?,
///     Some("aservice".to_owned())
/// );
/// assert_eq!(hmac_auth::parse_service_token(b"abc"), Err(hmac_auth::Error::InvalidSignature));
/// # Ok::<(), hmac_auth::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidSignature`] when the base64 padding is wrong (upstream's `binascii.Error`).
pub fn parse_service_token(value: &[u8]) -> Result<Option<String>, Error> {
    compat::token::client(value)
}
