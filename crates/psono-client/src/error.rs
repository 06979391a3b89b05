//! The one error type of this crate.

use keyauth_core::{ErrorKind, TerminalSafe};

/// Everything that can go wrong, from a bad hex digit to a server that does not answer.
///
/// Display texts never contain key material, tokens, plaintexts or secret values: JSON errors
/// carry a position, never the offending text, and server messages are the server's own
/// (short, public) error codes.
///
/// Every text that can come from outside (a server's message, a field or share name from a
/// decrypted document, a path, an id) is written through keyauth-core's
/// [`TerminalSafe`]: control characters (ESC, BEL, NUL, C1), bidirectional overrides and
/// isolates appear as `\u{..}` and line breaks as spaces, so a hostile server cannot reach a
/// terminal raw through an error message. The fields themselves keep the raw text.
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
    #[error("missing field {}", TerminalSafe(.field))]
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
    /// The server refused the API key's login signature (`Signature invalid.`): the API
    /// private key does not belong to this API key.
    #[error(
        "the server refused the login signature: the api private key does not match the api key"
    )]
    LoginRefused,
    /// The session token is no longer accepted (expired, logged out, or deleted on the
    /// server) and a fresh login did not help.
    #[error("the server no longer accepts the session (expired or logged out)")]
    SessionRejected,
    /// The API key may not do this (`403`: a read-only key writing, a key without read
    /// rights reading).
    #[error("the api key has no permission for this ({action})")]
    NoPermission {
        /// What was refused (`read`, `write`, the endpoint).
        action: &'static str,
    },
    /// The server knows no such object, or the key's user may not see it
    /// (`NO_PERMISSION_OR_NOT_EXIST`, 404).
    #[error("{} not found, or the api key's user has no access to it", TerminalSafe(.what))]
    NotFound {
        /// What was asked for (`secret <id>`, `share <id>`, ...).
        what: String,
    },
    /// `/api-key-access/` refused the secret: it is not attached to this API key, or the key
    /// lacks the read (write) permission, or is inactive.
    #[error(
        "secret {} is not attached to this api key, or the key may not {action} it (attach it to the key in the psono web client)",
        TerminalSafe(.secret_id)
    )]
    NotAttached {
        /// The secret id asked for.
        secret_id: String,
        /// `read` or `write`.
        action: &'static str,
    },
    /// The server answered with an error status not covered above; `message` is the
    /// server's own short text (an HTML page is reduced to its title), at most 200
    /// characters.
    #[error("http status {status}: {}", TerminalSafe(.message))]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server could not be reached or the connection broke.
    #[error("network error: {}", TerminalSafe(.0))]
    Network(String),
    /// The server did not answer in time.
    #[error("request timed out")]
    Timeout,
    /// A session response arrived unencrypted (psono-client's `UNENCRYPTED_RESPONSE_RECEIVED`).
    #[error("unencrypted response in an encrypted session")]
    UnencryptedResponse,
    /// No secret with this id is reachable (not in the datastore, its shares, or the server).
    #[error("unknown secret {}", TerminalSafe(.secret_id))]
    UnknownSecret {
        /// The secret id asked for.
        secret_id: String,
    },
    /// The secret has no field of this name.
    #[error("unknown field {}", TerminalSafe(.field))]
    UnknownField {
        /// The field asked for.
        field: String,
    },
    /// The secret has this field, but its value is null or absent: "not set".
    #[error("the {} field of this {secret_type} secret is not set", TerminalSafe(.field))]
    FieldNotSet {
        /// The field asked for (psonoci's name).
        field: String,
        /// The secret's type (`website_password`, ...).
        secret_type: &'static str,
    },
    /// The secret is of another type than the operation needs.
    #[error("this is a {actual} secret, not {expected}")]
    WrongSecretType {
        /// The type needed.
        expected: &'static str,
        /// The secret's type.
        actual: &'static str,
    },
    /// No type can be decided: neither the datastore entry nor any non-empty field names one.
    #[error("the secret's type cannot be decided (no non-empty field of a known type)")]
    UnknownSecretType,
    /// A TOTP secret's parameters are unusable (bad base32 code, algorithm, digits, period).
    #[error("invalid totp parameters: {0}")]
    InvalidTotp(&'static str),
    /// A setting is missing; `name` is psonoci's variable (`PSONO_CI_SERVER_URL`, ...).
    #[error("{name} is not set")]
    MissingSetting {
        /// The variable's name.
        name: &'static str,
    },
    /// A share linked from the datastore could not be found.
    #[error("unknown share {}", TerminalSafe(.share_id))]
    UnknownShare {
        /// The share id.
        share_id: String,
    },
    /// The configuration is incomplete or invalid.
    #[error("configuration: {}", TerminalSafe(.0))]
    Config(String),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

impl Error {
    /// The common kind of this error (see the table at [`Error::code`]).
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidHex { .. } => ErrorKind::Malformed,
            Self::InvalidLength { .. } => ErrorKind::Malformed,
            Self::BadSignature => ErrorKind::BadSignature,
            Self::DecryptFailed => ErrorKind::DecryptFailed,
            Self::InvalidJson { .. } => ErrorKind::Malformed,
            Self::MissingField { .. } => ErrorKind::Malformed,
            Self::RestrictedApiKey => ErrorKind::NotPermitted,
            Self::InvalidTimestamp { .. } => ErrorKind::Malformed,
            Self::SessionExpired => ErrorKind::Expired,
            Self::ValidatorMissing => ErrorKind::Malformed,
            Self::FingerprintMissing => ErrorKind::Malformed,
            Self::FingerprintMismatch => ErrorKind::BadSignature,
            Self::RequestTimeMissing => ErrorKind::Malformed,
            Self::ReplayTimeDifference => ErrorKind::Replayed,
            Self::UnknownApiKey => ErrorKind::UnknownKey,
            Self::LoginRefused => ErrorKind::BadSignature,
            Self::SessionRejected => ErrorKind::Expired,
            Self::NoPermission { .. } => ErrorKind::NotPermitted,
            Self::NotFound { .. } => ErrorKind::UnknownKey,
            Self::NotAttached { .. } => ErrorKind::NotPermitted,
            Self::Http { .. } => ErrorKind::Unavailable,
            Self::Network(_) => ErrorKind::Unavailable,
            Self::Timeout => ErrorKind::Unavailable,
            Self::UnencryptedResponse => ErrorKind::DecryptFailed,
            Self::UnknownSecret { .. } => ErrorKind::UnknownKey,
            Self::UnknownField { .. } => ErrorKind::InvalidKey,
            Self::FieldNotSet { .. } => ErrorKind::UnknownKey,
            Self::WrongSecretType { .. } => ErrorKind::InvalidKey,
            Self::UnknownSecretType => ErrorKind::Malformed,
            Self::InvalidTotp(_) => ErrorKind::Malformed,
            Self::UnknownShare { .. } => ErrorKind::UnknownKey,
            Self::MissingSetting { .. } => ErrorKind::InvalidKey,
            Self::Config(_) => ErrorKind::InvalidKey,
            Self::Random => ErrorKind::Random,
        }
    }

    /// The stable snake_case code of this failure, one per variant: the vocabulary of
    /// `vectors/psono-client.json` (`{"error": "<code>"}`), also used by the conformance
    /// runner and by `keyauth --json`.
    ///
    /// | code | variant | [`ErrorKind`] | meaning |
    /// |---|---|---|---|
    /// | `invalid_hex` | [`Error::InvalidHex`] | `Malformed` | a field is not hex |
    /// | `invalid_length` | [`Error::InvalidLength`] | `Malformed` | a key, nonce, signature or ciphertext has the wrong size |
    /// | `bad_signature` | [`Error::BadSignature`] | `BadSignature` | an Ed25519 signature does not verify |
    /// | `decrypt_failed` | [`Error::DecryptFailed`] | `DecryptFailed` | a box or secretbox did not authenticate |
    /// | `invalid_json` | [`Error::InvalidJson`] | `Malformed` | not JSON, or JSON of the wrong shape |
    /// | `missing_field` | [`Error::MissingField`] | `Malformed` | a required JSON field is absent |
    /// | `restricted_api_key` | [`Error::RestrictedApiKey`] | `NotPermitted` | the key is restricted to secrets (no user keys) |
    /// | `invalid_timestamp` | [`Error::InvalidTimestamp`] | `Malformed` | a timestamp is not ISO 8601 |
    /// | `expired` | [`Error::SessionExpired`] | `Expired` | the session's `valid_till` lies in the past |
    /// | `validator_missing` | [`Error::ValidatorMissing`] | `Malformed` | Authorization-Validator missing or malformed |
    /// | `fingerprint_missing` | [`Error::FingerprintMissing`] | `Malformed` | the validator has no device fingerprint |
    /// | `fingerprint_mismatch` | [`Error::FingerprintMismatch`] | `BadSignature` | the validator's fingerprint is not the session's |
    /// | `request_time_missing` | [`Error::RequestTimeMissing`] | `Malformed` | the validator has no request time |
    /// | `replay_time_difference` | [`Error::ReplayTimeDifference`] | `Replayed` | the validator's time is off by more than 20 s |
    /// | `unknown_api_key` | [`Error::UnknownApiKey`] | `UnknownKey` | no such (active) API key |
    /// | `login_refused` | [`Error::LoginRefused`] | `BadSignature` | the server refused the login signature |
    /// | `session_rejected` | [`Error::SessionRejected`] | `Expired` | the server no longer accepts the session token |
    /// | `no_permission` | [`Error::NoPermission`] | `NotPermitted` | 403: the key may not read/write |
    /// | `not_found` | [`Error::NotFound`] | `UnknownKey` | `NO_PERMISSION_OR_NOT_EXIST`, 404 |
    /// | `not_attached` | [`Error::NotAttached`] | `NotPermitted` | `/api-key-access/` refused: secret not attached |
    /// | `http_status` | [`Error::Http`] | `Unavailable` | any other error status |
    /// | `network` | [`Error::Network`] | `Unavailable` | unreachable, connection broken, answer too large |
    /// | `timeout` | [`Error::Timeout`] | `Unavailable` | no answer in time |
    /// | `unencrypted_response` | [`Error::UnencryptedResponse`] | `DecryptFailed` | a plaintext answer inside a session |
    /// | `unknown_secret` | [`Error::UnknownSecret`] | `UnknownKey` | no item of the datastore tree links the secret |
    /// | `unknown_field` | [`Error::UnknownField`] | `InvalidKey` | the secret's type has no field of this name |
    /// | `field_not_set` | [`Error::FieldNotSet`] | `UnknownKey` | the field is null or absent |
    /// | `wrong_secret_type` | [`Error::WrongSecretType`] | `InvalidKey` | the secret is of another type |
    /// | `unknown_secret_type` | [`Error::UnknownSecretType`] | `Malformed` | no type can be decided |
    /// | `invalid_totp` | [`Error::InvalidTotp`] | `Malformed` | unusable TOTP parameters |
    /// | `unknown_share` | [`Error::UnknownShare`] | `UnknownKey` | a linked share could not be found |
    /// | `missing_setting` | [`Error::MissingSetting`] | `InvalidKey` | a required setting is missing |
    /// | `config` | [`Error::Config`] | `InvalidKey` | a setting is invalid |
    /// | `random` | [`Error::Random`] | `Random` | the OS random number generator failed |
    #[must_use]
    pub const fn code(&self) -> &'static str {
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
            Self::LoginRefused => "login_refused",
            Self::SessionRejected => "session_rejected",
            Self::NoPermission { .. } => "no_permission",
            Self::NotFound { .. } => "not_found",
            Self::NotAttached { .. } => "not_attached",
            Self::Http { .. } => "http_status",
            Self::Network(_) => "network",
            Self::Timeout => "timeout",
            Self::UnencryptedResponse => "unencrypted_response",
            Self::UnknownSecret { .. } => "unknown_secret",
            Self::UnknownField { .. } => "unknown_field",
            Self::FieldNotSet { .. } => "field_not_set",
            Self::WrongSecretType { .. } => "wrong_secret_type",
            Self::UnknownSecretType => "unknown_secret_type",
            Self::InvalidTotp(_) => "invalid_totp",
            Self::UnknownShare { .. } => "unknown_share",
            Self::MissingSetting { .. } => "missing_setting",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, so that a new one must be added here (and to the table).
    fn all() -> Vec<Error> {
        vec![
            Error::InvalidHex { field: "f" },
            Error::InvalidLength {
                field: "f",
                expected: 32,
                actual: 1,
            },
            Error::BadSignature,
            Error::DecryptFailed,
            Error::InvalidJson {
                what: "w",
                line: 1,
                column: 2,
            },
            Error::MissingField { field: "f".into() },
            Error::RestrictedApiKey,
            Error::InvalidTimestamp { field: "f" },
            Error::SessionExpired,
            Error::ValidatorMissing,
            Error::FingerprintMissing,
            Error::FingerprintMismatch,
            Error::RequestTimeMissing,
            Error::ReplayTimeDifference,
            Error::UnknownApiKey,
            Error::LoginRefused,
            Error::SessionRejected,
            Error::NoPermission { action: "write" },
            Error::NotFound {
                what: "secret x".into(),
            },
            Error::NotAttached {
                secret_id: "x".into(),
                action: "read",
            },
            Error::Http {
                status: 500,
                message: "m".into(),
            },
            Error::Network("n".into()),
            Error::Timeout,
            Error::UnencryptedResponse,
            Error::UnknownSecret {
                secret_id: "x".into(),
            },
            Error::UnknownField { field: "f".into() },
            Error::FieldNotSet {
                field: "f".into(),
                secret_type: "note",
            },
            Error::WrongSecretType {
                expected: "totp",
                actual: "note",
            },
            Error::UnknownSecretType,
            Error::InvalidTotp("digits"),
            Error::UnknownShare {
                share_id: "x".into(),
            },
            Error::MissingSetting {
                name: "PSONO_CI_SERVER_URL",
            },
            Error::Config("c".into()),
            Error::Random,
        ]
    }

    #[test]
    fn every_code_is_pinned() {
        let pinned: Vec<&str> = all().iter().map(Error::code).collect();
        assert_eq!(
            pinned,
            [
                "invalid_hex",
                "invalid_length",
                "bad_signature",
                "decrypt_failed",
                "invalid_json",
                "missing_field",
                "restricted_api_key",
                "invalid_timestamp",
                "expired",
                "validator_missing",
                "fingerprint_missing",
                "fingerprint_mismatch",
                "request_time_missing",
                "replay_time_difference",
                "unknown_api_key",
                "login_refused",
                "session_rejected",
                "no_permission",
                "not_found",
                "not_attached",
                "http_status",
                "network",
                "timeout",
                "unencrypted_response",
                "unknown_secret",
                "unknown_field",
                "field_not_set",
                "wrong_secret_type",
                "unknown_secret_type",
                "invalid_totp",
                "unknown_share",
                "missing_setting",
                "config",
                "random",
            ]
        );
        // A pinning test that forgets a variant does not compile: this match is exhaustive
        // within the crate.
        for e in all() {
            match e {
                Error::InvalidHex { .. } => {}
                Error::InvalidLength { .. } => {}
                Error::BadSignature => {}
                Error::DecryptFailed => {}
                Error::InvalidJson { .. } => {}
                Error::MissingField { .. } => {}
                Error::RestrictedApiKey => {}
                Error::InvalidTimestamp { .. } => {}
                Error::SessionExpired => {}
                Error::ValidatorMissing => {}
                Error::FingerprintMissing => {}
                Error::FingerprintMismatch => {}
                Error::RequestTimeMissing => {}
                Error::ReplayTimeDifference => {}
                Error::UnknownApiKey => {}
                Error::LoginRefused => {}
                Error::SessionRejected => {}
                Error::NoPermission { .. } => {}
                Error::NotFound { .. } => {}
                Error::NotAttached { .. } => {}
                Error::Http { .. } => {}
                Error::Network(_) => {}
                Error::Timeout => {}
                Error::UnencryptedResponse => {}
                Error::UnknownSecret { .. } => {}
                Error::UnknownField { .. } => {}
                Error::FieldNotSet { .. } => {}
                Error::WrongSecretType { .. } => {}
                Error::UnknownSecretType => {}
                Error::InvalidTotp(_) => {}
                Error::UnknownShare { .. } => {}
                Error::MissingSetting { .. } => {}
                Error::Config(_) => {}
                Error::Random => {}
            }
        }
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut codes: Vec<&str> = all().iter().map(Error::code).collect();
        for c in &codes {
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
        }
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }

    #[test]
    fn display_texts_are_actionable() {
        assert_eq!(
            Error::NotAttached {
                secret_id: "x".into(),
                action: "read"
            }
            .to_string(),
            "secret x is not attached to this api key, or the key may not read it (attach it to the key in the psono web client)"
        );
        assert_eq!(
            Error::FieldNotSet {
                field: "password".into(),
                secret_type: "application_password"
            }
            .to_string(),
            "the password field of this application_password secret is not set"
        );
        assert_eq!(Error::SessionExpired.kind(), ErrorKind::Expired);
    }

    #[test]
    fn outside_text_never_reaches_a_terminal_raw() {
        let evil = "x\u{1b}]0;pwned\u{7}\u{0}\u{9b}2J\u{202e}\u{2066}\u{200f}\r\ny";
        let t = || evil.to_owned();
        let cases = [
            Error::MissingField { field: t() },
            Error::NotFound { what: t() },
            Error::NotAttached {
                secret_id: t(),
                action: "read",
            },
            Error::Http {
                status: 502,
                message: t(),
            },
            Error::Network(t()),
            Error::UnknownSecret { secret_id: t() },
            Error::UnknownField { field: t() },
            Error::FieldNotSet {
                field: t(),
                secret_type: "note",
            },
            Error::UnknownShare { share_id: t() },
            Error::Config(t()),
        ];
        for e in cases {
            let shown = e.to_string();
            assert!(
                !shown
                    .chars()
                    .any(keyauth_core::text::is_unsafe_for_terminal),
                "{}: {shown:?}",
                e.code()
            );
            assert!(
                shown.contains(
                    "x\\u{001b}]0;pwned\\u{0007}\\u{0000}\\u{009b}2J\\u{202e}\\u{2066}\\u{200f}  y"
                ),
                "{}: {shown:?}",
                e.code()
            );
        }
        // Every variant, with the harmless texts of all(): nothing unsafe either.
        for e in all() {
            assert!(
                !e.to_string()
                    .chars()
                    .any(keyauth_core::text::is_unsafe_for_terminal)
            );
        }
    }
}
