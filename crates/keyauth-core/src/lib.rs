#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod ct;
pub mod encoding;
pub mod error;
pub mod key;
pub mod random;
pub mod replay;
pub mod secret;

pub use clock::{Clock, Expiry, ExpiryError, FixedClock, SystemClock, UnixTime};
pub use ct::ct_eq;
pub use encoding::{Base64, DecodeError, Encoding};
pub use error::{Error, ErrorKind};
pub use key::{KeyId, KeyPair};
#[cfg(feature = "redis")]
pub use replay::redis::{RedisOptions, RedisReplayGuard};
pub use replay::{MemoryReplayGuard, ReplayError, ReplayGuard};
pub use secret::Secret;

/// `SecretBytes` is the name some schemes use for the same thing: a [`Secret`].
pub type SecretBytes = Secret;
