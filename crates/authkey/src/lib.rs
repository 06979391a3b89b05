#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
pub mod handshake;
mod key;
pub mod manager;
pub mod mtproto;
pub mod mtpylon;
#[cfg(feature = "net")]
pub mod net;
#[cfg(feature = "redis")]
mod redis_manager;

pub use error::Error;
pub use handshake::{HandshakeError, server_salt, tmp_aes_key_iv};
pub use key::{AUTH_KEY_LEN, AuthKey};
/// The shared foundation this crate's API is built on, so one dependency is enough.
pub use keyauth_core;
pub use keyauth_core::ErrorKind;
#[cfg(feature = "redis")]
pub use keyauth_core::RedisOptions;
pub use manager::{AuthKeyManager, KeyRef, MemoryAuthKeyManager};
pub use mtproto::{AesKeyIv, Direction, InnerMessage, packet_auth_key_id};
#[cfg(feature = "redis")]
pub use redis_manager::{DEFAULT_PREFIX, RedisAuthKeyManager};
