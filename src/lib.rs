//! # keyauth
//!
//! One toolkit for token and key-auth schemes that today live in separate Python libraries,
//! byte-compatible with them. This facade re-exports each scheme crate behind a feature of the
//! same name; each crate can also be used on its own. The `keyauth` binary (crate
//! `keyauth-cli`) does the same from the shell, and `docs/` in the repository has a page per
//! scheme: what it is for, its wire format, its security properties and limits.
//!
//! | feature | crate | scheme |
//! |---|---|---|
//! | (always) | [`core`] (`keyauth-core`) | secrets, clocks, expiry, encodings, replay guards |
//! | `ninchat` | `ninchat` (`ninchat-master`) | Ninchat master-key signatures and secure metadata, with a verifier |
//! | `hmac` | `hmac_auth` (`hmac-auth`) | Flask-HMAC request signing (flaskhmac 1.2.1), tower layer (also accepting RFC 9421 with `httpsig`) |
//! | `authkey` | `authkey` (`authkey`) | MTProto auth keys (mtpylon), `AuthKeyManager` on memory/Redis, MTProto 2.0 message crypto |
//! | `psono` | `psono` (`psono-client`) | Psono API keys: signed login, NaCl sessions, datastores, shares, secrets |
//! | `redis` | | Redis replay guards and the Redis auth-key store in every enabled scheme |
//! | `full` | | every scheme |
//!
//! What every scheme shares, from [`core`]: secrets that are zeroized and never printed.
//!
//! ```
//! use keyauth::core::{Base64, Secret};
//! let secret = Secret::from_base64("c2VjcmV0", Base64::Standard)?;
//! assert_eq!(format!("{secret:?}"), "Secret([redacted])");
//! # Ok::<(), keyauth::core::DecodeError>(())
//! ```
//!
//! ## Ninchat master keys (`ninchat`)
//!
//! Sign a `join_channel` for one user, then check it as a server would: the same call passes
//! once, another user's call does not.
//!
//! ```
//! # #[cfg(feature = "ninchat")] {
//! use keyauth::core::{FixedClock, UnixTime};
//! use keyauth::ninchat::{Call, Error, Grant, MasterKey, Signer, Verifier};
//! let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
//! let now = UnixTime::new(1_700_000_000);
//! let clock = std::sync::Arc::new(FixedClock::new(now));
//! let grant = Grant::JoinChannelForUser { channel_id: "1bfbr0u", user_id: "u1", member_attrs: &[] };
//! let signature = Signer::new(&key).clock(clock.clone()).sign(&grant, 1_700_000_600)?;
//! let verifier = Verifier::new([key]);
//! assert!(verifier.check(&signature, &Call::join_channel("1bfbr0u").user_id("u1"), now).is_ok());
//! assert_eq!(
//!     verifier.check(&signature, &Call::join_channel("1bfbr0u").user_id("u2"), now),
//!     Err(Error::BadMac)
//! );
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Flask-HMAC (`hmac`)
//!
//! The `Signature` header Flask-HMAC's `make_hmac` gives, and its check.
//!
//! ```
//! # #[cfg(feature = "hmac")] {
//! use keyauth::hmac_auth::{Authenticated, Hmac, Key};
//! let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
//! let request = http::Request::post("/api")
//!     .header("Signature", hmac.make_hmac(b"{}")?)
//!     .body(b"{}".to_vec())?;
//! assert_eq!(hmac.validate_signature(&request, None)?, Authenticated::GlobalKey);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## MTProto auth keys (`authkey`)
//!
//! A key's ids, and one MTProto 2.0 packet each way.
//!
//! ```
//! # #[cfg(feature = "authkey")] {
//! use keyauth::authkey::{AuthKey, Direction, Error};
//! let bytes: [u8; 256] = core::array::from_fn(|i| (i * 7 + 3) as u8); // from the DH handshake
//! let key = AuthKey::from_bytes(&bytes);
//! assert_eq!(key.key_id_bytes(), key.id().to_be_bytes()); // the packet's first 8 bytes
//! assert_eq!(AuthKey::from_int_hex("32234234")?.to_int_hex().as_str(), "32234234"); // mtpylon's int
//! let message = [0u8; 48]; // salt, session_id, msg_id, seq_no, length, body
//! let packet = key.encrypt(Direction::ClientToServer, &message)?;
//! assert_eq!(&key.decrypt(Direction::ClientToServer, &packet)?[..48], &message[..]);
//! assert_eq!(key.decrypt(Direction::ServerToClient, &packet), Err(Error::MsgKeyMismatch));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Psono API keys (`psono`)
//!
//! A secret as Psono stores it: fields sealed with the secret's own key (NaCl secretbox). The
//! client (`keyauth::psono::Client`) logs in with an API key and fetches such secrets.
//!
//! ```
//! # #[cfg(feature = "psono")] {
//! use keyauth::psono::{SecretData, SecretKey};
//! let secret_key = SecretKey::generate()?;
//! let mut fields = serde_json::Map::new();
//! fields.insert("website_password_password".into(), "hunter2".into());
//! let (data, nonce) = SecretData::from_fields(fields).seal(&secret_key)?;
//! let opened = SecretData::open(&secret_key, &data, &nonce)?;
//! assert_eq!(opened.field_str("website_password_password")?, Some("hunter2"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub use keyauth_core as core;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "authkey")]
pub use authkey;
#[cfg(feature = "hmac")]
pub use hmac_auth;
#[cfg(feature = "httpsig")]
pub use keyauth_httpsig as httpsig;
#[cfg(feature = "ninchat")]
pub use ninchat_master as ninchat;
#[cfg(feature = "psono")]
#[cfg_attr(docsrs, doc(cfg(feature = "psono")))]
pub use psono_client as psono;
