#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod cipher;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod json;
mod json_ser;
mod key;
mod sign;
mod verify;

pub use error::Error;
pub use json::Json;
pub use key::{Expire, Format, MasterKey, Nonce};
pub use sign::{
    Attrs, Grant, Sealed, Signed, Signer, secure_metadata, secure_metadata_for_user,
    sign_create_session, sign_create_session_for_user, sign_join_channel,
    sign_join_channel_for_user,
};
pub use verify::{Action, Call, ParsedSignature, SecureMetadata, Verified, Verifier};
