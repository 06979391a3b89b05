#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod accept;
mod alg;
mod base;
mod component;
mod digest;
mod error;
pub mod http1;
mod message;
mod params;
pub mod sf;
mod sign;
mod verify;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "tower")]
mod layer;

pub use keyauth_core;
pub use keyauth_core::{Clock, FixedClock, ReplayGuard, Secret, SystemClock, UnixTime};

pub use accept::AcceptSignature;
pub use alg::{Algorithm, SigningKey, VerifyingKey};
pub use base::{FieldTypes, component_value, signature_base};
pub use component::ComponentId;
pub use digest::{DigestAlgorithm, check_content_digest, content_digest};
pub use error::Error;
#[cfg(feature = "tower")]
pub use layer::{HttpSigLayer, HttpSigService, Rejection};
pub use message::{DEFAULT_SCHEME, Message, RequestView, ResponseView};
pub use params::{
    ParamsSpec, SignatureParams, parse_signature, parse_signature_input, signature_input_member,
    signature_member,
};
pub use sf::SfType;
pub use sign::{DEFAULT_LABEL, SignOptions, Signed, Signer, default_components, new_nonce};
pub use verify::{
    Check, DEFAULT_BODY_LIMIT, DEFAULT_GUARD_CAPACITY, DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW,
    KeyLookupError, KeyResolver, Policy, StaticKeys, Verified, Verifier, VerifierBuilder,
    remember_until, replay_id, verify_signature,
};
