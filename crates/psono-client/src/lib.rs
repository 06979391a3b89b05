#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod crypto;
mod error;
mod json;
pub mod login;
pub mod secret;
pub mod server;
pub mod time;
pub mod totp;
pub mod transport;
pub mod tree;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod client;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod config;
#[cfg(feature = "reqwest")]
mod session;

#[cfg(feature = "reqwest")]
pub use client::{ApiKeyInfo, Client, DatastoreSummary, Source, Via};
#[cfg(feature = "reqwest")]
pub use config::{Config, Settings};
pub use crypto::{BoxSecretKey, PublicKey, SecretKey, SigningSeed, VerifyKey};
pub use error::Error;
pub use keyauth_core;
pub use keyauth_core::{Clock, SystemClock, UnixTime};
pub use login::{LoginInfo, LoginRequest, LoginResponse, LoginUser, Token, UserKeys};
pub use secret::{EnvVar, FieldName, Secret, SecretType};
#[cfg(feature = "reqwest")]
pub use session::Session;
pub use time::Timestamp;
pub use totp::{Totp, TotpAlgorithm};
pub use transport::EncryptedBody;
pub use tree::{
    ApiKeyAccessSecret, Datastore, EncryptedDatastore, EncryptedSecret, EncryptedShare, Entry,
    Folder, SecretData, Step, Tree, TreeWalker,
};
