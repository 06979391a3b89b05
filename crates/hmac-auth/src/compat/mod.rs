//! The Flask-HMAC compatible scheme, by job:
//!
//! - [`config`]: the configuration ([`Hmac`], [`HmacBuilder`]), [`Authenticated`], [`Only`];
//! - [`sign`]: `make_hmac`, `make_hmac_for` (the client side);
//! - [`check`]: `validate_signature` (1.2.1) and `validate_service_signature` (1.1.x);
//! - [`token`]: reading a service token as upstream does, with its failure classes.
//!
//! What Werkzeug decides (form bodies, `abort` statuses) lives in `crate::werkzeug`, the
//! header's wire handling in `crate::wire`.

mod check;
mod config;
mod sign;
pub(crate) mod token;

pub use config::{Authenticated, DEFAULT_ERROR_CODE, Hmac, HmacBuilder, Only};
