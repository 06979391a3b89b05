//! The one error type of this crate.

use keyauth_core::ErrorKind;

/// Everything that can go wrong, from a bad hex digit to a server that does not answer.
///
/// Display texts never contain key material, tokens, plaintexts or secret values: JSON errors
/// carry a position, never the offending text, and server messages are the server's own
/// (short, public) error codes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field that must be hex is not (a non-hex character or an odd length).
    #[error("{field} is not valid hex")]
    InvalidHex {
        /// Which field.
        field: &'static str,
    },
    /// A key, nonce, signature or ciphertext has the wrong size.
    #[error("{field} has length {actual}, expected {expected}")]
    InvalidLength {
        /// Which field.
        field: &'static str,
        /// The size required (for ciphertexts: the minimum).
        expected: usize,
        /// The size found.
        actual: usize,
    },
    /// An Ed25519 signature does not verify (login request, login info, `/info/`).
    #[error("signature verification failed")]
    BadSignature,
    /// A NaCl box or secretbox did not authenticate: wrong key, wrong nonce or tampered data.
    #[error("decryption failed")]
    DecryptFailed,
    /// Text that is not JSON, or JSON of the wrong shape (the position only, never the text).
    #[error("invalid json in {what} at line {line} column {column}")]
    InvalidJson {
        /// Which document.
        what: &'static str,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
    },
    /// A required JSON field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// The field's name.
        field: String,
    },
    /// The API key is restricted to single secrets: its login withholds the user's keys, so
    /// datastores and shares cannot be decrypted.
    #[error("the api key is restricted to secrets; the user's keys are not available")]
    RestrictedApiKey,
    /// A timestamp is not ISO 8601.
    #[error("invalid timestamp in {field}")]
    InvalidTimestamp {
        /// Which field.
        field: &'static str,
    },
    /// The session's `valid_till` lies in the past.
    #[error("the session has expired")]
    SessionExpired,
    /// The Authorization-Validator header is required but missing or not `{"text","nonce"}`.
    #[error("authorization validator missing or malformed")]
    ValidatorMissing,
    /// The validator carries no device fingerprint.
    #[error("device fingerprint missing")]
    FingerprintMissing,
    /// The validator's device fingerprint is not the session's.
    #[error("device fingerprint mismatch")]
    FingerprintMismatch,
    /// The validator carries no request time.
    #[error("request time missing")]
    RequestTimeMissing,
    /// The validator's request time is more than 20 s off the session's clock offset.
    #[error("request time differs too much from the session clock")]
    ReplayTimeDifference,
    /// No API key with this id (server side).
    #[error("unknown api key")]
    UnknownApiKey,
    /// The server answered with an error status; `message` is the server's own text
    /// (e.g. `NO_PERMISSION_OR_NOT_EXIST`), cut to 200 characters.
    #[error("http status {status}: {message}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server could not be reached or the connection broke.
    #[error("network error: {0}")]
    Network(String),
    /// The server did not answer in time.
    #[error("request timed out")]
    Timeout,
    /// A session response arrived unencrypted (psono-client's `UNENCRYPTED_RESPONSE_RECEIVED`).
    #[error("unencrypted response in an encrypted session")]
    UnencryptedResponse,
    /// No secret with this id is reachable (not in the datastore, its shares, or the server).
    #[error("unknown secret {secret_id}")]
    UnknownSecret {
        /// The secret id asked for.
        secret_id: String,
    },
    /// The secret has no field of this name.
    #[error("unknown field {field}")]
    UnknownField {
        /// The field asked for.
        field: String,
    },
    /// A share linked from the datastore could not be found.
    #[error("unknown share {share_id}")]
    UnknownShare {
        /// The share id.
        share_id: String,
    },
    /// The configuration is incomplete or invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

impl Error {
    /// The common kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidHex { .. }
            | Self::InvalidLength { .. }
            | Self::InvalidJson { .. }
            | Self::MissingField { .. }
            | Self::InvalidTimestamp { .. }
            | Self::ValidatorMissing
            | Self::FingerprintMissing
            | Self::RequestTimeMissing
            | Self::Config(_) => ErrorKind::Malformed,
            Self::BadSignature | Self::FingerprintMismatch => ErrorKind::BadSignature,
            Self::DecryptFailed | Self::UnencryptedResponse => ErrorKind::DecryptFailed,
            Self::RestrictedApiKey | Self::Http { .. } => ErrorKind::NotPermitted,
            Self::SessionExpired => ErrorKind::Expired,
            Self::ReplayTimeDifference => ErrorKind::Replayed,
            Self::UnknownApiKey
            | Self::UnknownSecret { .. }
            | Self::UnknownField { .. }
            | Self::UnknownShare { .. } => ErrorKind::UnknownKey,
            Self::Network(_) | Self::Timeout => ErrorKind::Unavailable,
            Self::Random => ErrorKind::Random,
        }
    }

    /// A stable snake_case name of the failure, one per variant (the vector files' error
    /// kinds: `invalid_hex`, `bad_signature`, `decrypt_failed`, `restricted_api_key`, ...).
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidHex { .. } => "invalid_hex",
            Self::InvalidLength { .. } => "invalid_length",
            Self::BadSignature => "bad_signature",
            Self::DecryptFailed => "decrypt_failed",
            Self::InvalidJson { .. } => "invalid_json",
            Self::MissingField { .. } => "missing_field",
            Self::RestrictedApiKey => "restricted_api_key",
            Self::InvalidTimestamp { .. } => "invalid_timestamp",
            Self::SessionExpired => "expired",
            Self::ValidatorMissing => "validator_missing",
            Self::FingerprintMissing => "fingerprint_missing",
            Self::FingerprintMismatch => "fingerprint_mismatch",
            Self::RequestTimeMissing => "request_time_missing",
            Self::ReplayTimeDifference => "replay_time_difference",
            Self::UnknownApiKey => "unknown_api_key",
            Self::Http { .. } => "http_status",
            Self::Network(_) => "network",
            Self::Timeout => "timeout",
            Self::UnencryptedResponse => "unencrypted_response",
            Self::UnknownSecret { .. } => "unknown_secret",
            Self::UnknownField { .. } => "unknown_field",
            Self::UnknownShare { .. } => "unknown_share",
            Self::Config(_) => "config",
            Self::Random => "random",
        }
    }

    /// Mirrors a `serde_json` error without its message (which may quote secret text).
    pub(crate) fn json(what: &'static str, e: &serde_json::Error) -> Self {
        if e.is_data() {
            // "missing field `name`" quotes a schema name, never data.
            let msg = e.to_string();
            if let Some(rest) = msg.strip_prefix("missing field `")
                && let Some(end) = rest.find('`')
            {
                return Self::MissingField {
                    field: rest[..end].to_owned(),
                };
            }
        }
        Self::InvalidJson {
            what,
            line: e.line(),
            column: e.column(),
        }
    }

    /// A JSON document of the wrong shape (no position).
    pub(crate) const fn shape(what: &'static str) -> Self {
        Self::InvalidJson {
            what,
            line: 0,
            column: 0,
        }
    }

    pub(crate) fn missing(field: &str) -> Self {
        Self::MissingField {
            field: field.to_owned(),
        }
    }
}
