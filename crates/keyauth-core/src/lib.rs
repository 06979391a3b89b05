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
pub mod text;

pub use clock::{Clock, Expiry, ExpiryError, FixedClock, SystemClock, UnixTime};
pub use ct::ct_eq;
pub use encoding::{Base64, DecodeError, Encoding};
pub use error::{Error, ErrorKind};
pub use key::{KeyId, KeyPair};
#[cfg(feature = "redis")]
pub use replay::redis::{
    DEFAULT_WAIT, DurabilityPolicy, RedisConnection, RedisOptions, RedisReplayGuard,
    ServerSettings, Topology,
};
pub use replay::{MemoryReplayGuard, RedisFailure, ReplayError, ReplayGuard};
pub use secret::Secret;
pub use text::{TerminalSafe, terminal_safe};

/// `SecretBytes` is the name some schemes use for the same thing: a [`Secret`].
pub type SecretBytes = Secret;
