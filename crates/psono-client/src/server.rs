//! The server's side of the same protocol, as psono-server 7.2.3 does it: verifying a login
//! request, sealing the login answer, signing `/info/`, checking an Authorization-Validator,
//! hashing tokens. Used by this crate's test server and by the conformance vectors; a client
//! never needs it.

use serde_json::Value;
use sha2::{Digest, Sha512};

use crate::Error;
use crate::crypto::{
    BoxSecretKey, NONCE_SIZE, PublicKey, SecretKey, SigningSeed, VerifyKey, hex_array, hex_encode,
};
use crate::json::{Obj, push_python_value};
use crate::login::LoginResponse;
use crate::time::Timestamp;
use crate::transport::EncryptedBody;

/// `MIN_API_KEY_TOKEN_TIME_VALID`.
pub const MIN_SESSION_DURATION: i64 = 0;
/// `MAX_API_KEY_TOKEN_TIME_VALID`.
pub const MAX_SESSION_DURATION: i64 = 600;
/// The session duration asked for when the info has none (`DEFAULT_TOKEN_TIME_VALID`).
pub const DEFAULT_SESSION_DURATION: i64 = 86_400;
/// `REPLAY_PROTECTION_TIME_DFFERENCE`, seconds.
pub const REPLAY_TIME_DIFFERENCE: f64 = 20.0;

/// A login request the server accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLogin {
    /// `info.api_key_id`.
    pub api_key_id: String,
    /// `info.session_public_key`.
    pub session_public_key: PublicKey,
    /// The session duration, clamped to `[0, 600]`.
    pub session_duration: i64,
    /// `info.device_description` (`""` when absent).
    pub device_description: String,
    /// `info.device_fingerprint` (`""` when absent).
    pub device_fingerprint: String,
    /// `info.device_time`, as sent.
    pub device_time: Option<String>,
}

/// Verifies `POST /api-key/login/` in the server's order: info is JSON, `api_key_id` and
/// `session_public_key` present, `session_duration` clamped, the API key known (`lookup`),
/// the Ed25519 signature over the exact info bytes, then the session public key.
///
/// # Errors
/// [`Error::InvalidJson`], [`Error::MissingField`], [`Error::UnknownApiKey`],
/// [`Error::InvalidHex`]/[`Error::InvalidLength`] (signature, session key),
/// [`Error::BadSignature`].
pub fn verify_login_request(
    info: &str,
    signature: &str,
    lookup: impl FnOnce(&str) -> Option<VerifyKey>,
) -> Result<VerifiedLogin, Error> {
    let v: Value = serde_json::from_str(info).map_err(|e| Error::json("login info", &e))?;
    let o = Obj::of(&v, "login info")?;
    let api_key_id = o.str("api_key_id")?;
    let session_public_key = o.str("session_public_key")?;
    let session_duration = match o.get("session_duration") {
        None => DEFAULT_SESSION_DURATION,
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or(Error::shape("session_duration"))?,
        Some(_) => return Err(Error::shape("session_duration")),
    }
    .clamp(MIN_SESSION_DURATION, MAX_SESSION_DURATION);
    let verify_key = lookup(api_key_id).ok_or(Error::UnknownApiKey)?;
    verify_key.verify_hex(info.as_bytes(), signature)?;
    let session_public_key = PublicKey::from_hex(session_public_key)?;
    let text = |f: &str| -> Result<String, Error> { Ok(o.opt_str(f)?.unwrap_or("").to_owned()) };
    Ok(VerifiedLogin {
        api_key_id: api_key_id.to_owned(),
        session_public_key,
        session_duration,
        device_description: text("device_description")?,
        device_fingerprint: text("device_fingerprint")?,
        device_time: o.opt_str("device_time")?.map(str::to_owned),
    })
}

/// Python `json.dumps` of a JSON value (default separators, `ensure_ascii=True`, keys in the
/// map's order): the format of the login info plaintext.
#[must_use]
pub fn python_json(v: &Value) -> String {
    let mut out = String::new();
    push_python_value(&mut out, v);
    out
}

/// Seals the login answer: `Box(server_session_key, client_session_public_key)` over the
/// info text, and the server's signature over the resulting hex.
#[must_use]
pub fn seal_login_response(
    login_info_plaintext: &str,
    server_private_key: &SigningSeed,
    server_session_key: &BoxSecretKey,
    client_session_public_key: &PublicKey,
    nonce: &[u8; NONCE_SIZE],
) -> LoginResponse {
    let login_info = hex_encode(&server_session_key.seal(
        client_session_public_key,
        nonce,
        login_info_plaintext.as_bytes(),
    ));
    let login_info_signature = hex_encode(&server_private_key.sign(login_info.as_bytes()));
    LoginResponse {
        login_info,
        login_info_signature,
        login_info_nonce: hex_encode(nonce),
        server_session_public_key: server_session_key.public_key().to_hex(),
    }
}

/// The signature of `/info/`: Ed25519 over the info JSON text, hex.
#[must_use]
pub fn sign_info(info: &str, server_private_key: &SigningSeed) -> String {
    hex_encode(&server_private_key.sign(info.as_bytes()))
}

/// Verifies the `/info/` answer against the pinned server verify key and parses `info`.
///
/// # Errors
/// [`Error::BadSignature`] (also when `verify_key` is not the pinned one), hex/length
/// errors, [`Error::InvalidJson`].
pub fn verify_info(
    info: &str,
    signature: &str,
    verify_key: Option<&str>,
    pinned: &VerifyKey,
) -> Result<Value, Error> {
    if let Some(vk) = verify_key
        && VerifyKey::from_hex(vk)? != *pinned
    {
        return Err(Error::BadSignature);
    }
    pinned.verify_hex(info.as_bytes(), signature)?;
    crate::json::parse_object(info.as_bytes(), "server info")
}

/// `sha512(token).hexdigest()`: what the server stores instead of the token.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex_encode(&Sha512::digest(token.as_bytes()))
}

/// What the server knows about a session for the Authorization-Validator check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDevice {
    /// `token.device_fingerprint` (`""` when the login sent none).
    pub device_fingerprint: String,
    /// `token.client_date` (the login's `device_time`).
    pub client_date: Option<Timestamp>,
    /// `token.create_date`.
    pub create_date: Timestamp,
}

/// The outcome of a validator check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValidatorOutcome {
    /// Whether the session needs a validator at all.
    pub required: bool,
    /// `|(client_date − create_date) − (request_time − now)|` in seconds, when checked.
    pub time_difference: Option<f64>,
}

/// The server's Authorization-Validator check (device protection and replay protection on,
/// as by default).
///
/// # Errors
/// [`Error::ValidatorMissing`] (absent, not JSON, no `text`/`nonce`), decryption errors,
/// [`Error::InvalidJson`], [`Error::FingerprintMissing`], [`Error::FingerprintMismatch`],
/// [`Error::RequestTimeMissing`], [`Error::InvalidTimestamp`], [`Error::ReplayTimeDifference`].
pub fn check_validator(
    session: &SessionDevice,
    session_secret_key: &SecretKey,
    header: Option<&str>,
    now: Timestamp,
) -> Result<ValidatorOutcome, Error> {
    if session.device_fingerprint.is_empty() && session.client_date.is_none() {
        return Ok(ValidatorOutcome {
            required: false,
            time_difference: None,
        });
    }
    let header = header.ok_or(Error::ValidatorMissing)?;
    let v: Value = serde_json::from_str(header).map_err(|_| Error::ValidatorMissing)?;
    let body = EncryptedBody::from_json(&v).map_err(|_| Error::ValidatorMissing)?;
    let plain = body.open(session_secret_key)?;
    let validator = crate::json::parse_object(&plain, "authorization validator")?;
    let truthy = |f: &str| -> Option<&Value> {
        validator.get(f).filter(|x| match x {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
            Value::Bool(true) => true,
        })
    };
    let fingerprint = truthy("request_device_fingerprint").ok_or(Error::FingerprintMissing)?;
    let fingerprint = match fingerprint {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if !keyauth_core::ct_eq(
        fingerprint.as_bytes(),
        session.device_fingerprint.as_bytes(),
    ) {
        return Err(Error::FingerprintMismatch);
    }
    let request_time = truthy("request_time").ok_or(Error::RequestTimeMissing)?;
    let request_time = Timestamp::parse(
        request_time.as_str().ok_or(Error::InvalidTimestamp {
            field: "request_time",
        })?,
        "request_time",
    )?;
    let client_date = session.client_date.unwrap_or(session.create_date);
    let client_offset = client_date.seconds_since(session.create_date);
    let request_offset = request_time.seconds_since(now);
    let diff = (client_offset - request_offset).abs();
    if diff > REPLAY_TIME_DIFFERENCE {
        return Err(Error::ReplayTimeDifference);
    }
    Ok(ValidatorOutcome {
        required: true,
        time_difference: Some(diff),
    })
}

/// Parses a hex nonce (for callers that hold nonces as text).
///
/// # Errors
/// [`Error::InvalidHex`] or [`Error::InvalidLength`].
pub fn nonce_from_hex(text: &str) -> Result<[u8; NONCE_SIZE], Error> {
    hex_array(text, "nonce")
}
