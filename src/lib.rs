//! # keyauth
//!
//! One toolkit for token and key-auth schemes that today live in separate Python libraries,
//! byte-compatible with them. This facade re-exports each scheme crate behind a feature of the
//! same name; each crate can also be used on its own.
//!
//! | feature | crate | scheme |
//! |---|---|---|
//! | (always) | [`core`] (`keyauth-core`) | secrets, clocks, expiry, encodings, replay guards |
// @@ facade table rows @@
//! | `authkey` | [`authkey`] (`authkey`) | MTProto auth keys (mtpylon), `AuthKeyManager` on memory/Redis, MTProto 2.0 message crypto |
//! | `psono` | `psono` (`psono-client`) | Psono API keys: signed login, NaCl sessions, datastores, shares, secrets |
//! | `ninchat` | `ninchat` (`ninchat-master`) | Ninchat master-key signatures and secure metadata, with a verifier |
//! | `hmac` | `hmac_auth` (`hmac-auth`) | Flask-HMAC request signing (flaskhmac 1.2.1), tower layer, strong mode |
//!
//! ```
//! use keyauth::core::{Base64, Secret};
//! let secret = Secret::from_base64("c2VjcmV0", Base64::Standard)?;
//! assert_eq!(format!("{secret:?}"), "Secret([redacted])");
//! # Ok::<(), keyauth::core::DecodeError>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub use keyauth_core as core;
// @@ facade re-exports: one cfg'd `pub use` per scheme crate @@
#[cfg(feature = "authkey")]
pub use authkey;
#[cfg(feature = "hmac")]
pub use hmac_auth;
#[cfg(feature = "ninchat")]
pub use ninchat_master as ninchat;
#[cfg(feature = "psono")]
#[cfg_attr(docsrs, doc(cfg(feature = "psono")))]
pub use psono_client as psono;
