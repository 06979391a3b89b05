#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod crypto;
mod error;
mod json;
pub mod login;
pub mod server;
pub mod time;
pub mod transport;
pub mod tree;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod client;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod config;

#[cfg(feature = "reqwest")]
pub use client::{Client, DatastoreSummary, Session};
#[cfg(feature = "reqwest")]
pub use config::Config;
pub use crypto::{BoxSecretKey, PublicKey, SecretKey, SigningSeed, VerifyKey};
pub use error::Error;
pub use login::{LoginInfo, LoginRequest, LoginResponse, LoginUser, Token, UserKeys};
pub use time::Timestamp;
pub use transport::EncryptedBody;
pub use tree::{
    ApiKeyAccessSecret, Datastore, EncryptedDatastore, EncryptedSecret, EncryptedShare, Entry,
    Folder, SecretData, Step, Tree, TreeWalker,
};
