#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod cipher;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod json;
mod key;
mod sign;
mod verify;

pub use error::Error;
pub use json::Json;
pub use key::{Expire, Format, MasterKey, Nonce};
/// The shared foundation this crate's API is built on, so one dependency is enough.
pub use keyauth_core;
pub use keyauth_core::{
    Clock, ErrorKind, Expiry, ExpiryError, FixedClock, MemoryReplayGuard, ReplayError, ReplayGuard,
    SystemClock, UnixTime,
};
#[cfg(feature = "redis")]
pub use keyauth_core::{RedisOptions, RedisReplayGuard};
pub use sign::{
    Attrs, Grant, Sealed, Signed, Signer, secure_metadata, secure_metadata_for_user,
    sign_create_session, sign_create_session_for_user, sign_join_channel,
    sign_join_channel_for_user,
};
pub use verify::{Action, Call, ParsedSignature, SecureMetadata, Verified, Verifier};
