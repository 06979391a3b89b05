//! The one error type of this crate.

use keyauth_core::ErrorKind;

/// Why signing or checking failed.
///
/// The names follow Flask-HMAC's exceptions where there is one (`SecretKeyIsNotSet` is
/// [`Error::MissingSignature`]: upstream raises it when the *header* is missing). Messages never
/// contain keys, signatures or which byte differed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request carries no signature header (upstream `SecretKeyIsNotSet`).
    #[error("signature header missing")]
    MissingSignature,
    /// The signature does not match any accepted signer (upstream `InvalidSignature`); also a
    /// service outside the `only` list, and a service token that is not base64.
    #[error("invalid signature")]
    InvalidSignature,
    /// A service token names a service that has no key (upstream `UnknownKeyName`).
    #[error("unknown key name")]
    UnknownKeyName,
    /// Neither a non-empty key argument nor the global key (`HMAC_KEY`) is there.
    #[error("no key configured")]
    NoKey,
    /// No per-service keys (`HMAC_KEYS`) are configured.
    #[error("no service keys configured")]
    NoKeysConfigured,
    /// A key given as text has a character above U+00FF (keys are encoded latin-1).
    #[error("key is not latin-1 text")]
    KeyNotLatin1,
    /// A service name has a character above U+00FF (names are encoded latin-1).
    #[error("service name is not latin-1 text")]
    NameNotLatin1,
    /// Legacy `validate_service_signature`: the token is not base64 of `name:signature`.
    #[error("malformed service signature")]
    MalformedServiceSignature,
    /// Strong mode: the signature header does not follow the format.
    #[error("malformed strong-mode signature header")]
    MalformedHeader,
    /// Strong mode: the timestamp lies outside the allowed clock skew.
    #[error("timestamp outside the allowed skew")]
    StaleTimestamp,
    /// Strong mode: the nonce was seen before.
    #[error("nonce already used")]
    Replayed,
    /// Strong mode: the replay guard could not answer (Redis down, memory guard full).
    #[error("replay guard unavailable")]
    ReplayGuardUnavailable,
    /// The body is larger than the configured limit.
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading the request body failed.
    #[error("request body could not be read")]
    BodyRead,
    /// A client request body is a stream, so it cannot be signed.
    #[error("request body is not buffered")]
    BodyNotBuffered,
    /// A strong-mode key id has characters outside `A-Z a-z 0-9 . _ ~ -` or is too long.
    #[error("key id not usable in strong mode")]
    InvalidKeyId,
    /// The operating system's random number generator failed (strong-mode nonce).
    #[error("random number generator failed")]
    Random,
}

impl Error {
    /// The common kind of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidSignature => ErrorKind::BadSignature,
            Self::UnknownKeyName => ErrorKind::UnknownKey,
            Self::NoKey | Self::NoKeysConfigured | Self::KeyNotLatin1 => ErrorKind::InvalidKey,
            Self::MissingSignature
            | Self::NameNotLatin1
            | Self::MalformedServiceSignature
            | Self::MalformedHeader
            | Self::BodyTooLarge { .. }
            | Self::BodyRead
            | Self::BodyNotBuffered
            | Self::InvalidKeyId => ErrorKind::Malformed,
            Self::StaleTimestamp => ErrorKind::Expired,
            Self::Replayed => ErrorKind::Replayed,
            Self::ReplayGuardUnavailable => ErrorKind::Unavailable,
            Self::Random => ErrorKind::Random,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_pinned_and_lower_case() {
        let all = [
            (Error::MissingSignature, "signature header missing"),
            (Error::InvalidSignature, "invalid signature"),
            (Error::UnknownKeyName, "unknown key name"),
            (
                Error::BodyTooLarge { limit: 10 },
                "body larger than 10 bytes",
            ),
            (Error::Replayed, "nonce already used"),
        ];
        for (e, text) in all {
            assert_eq!(e.to_string(), text);
        }
        assert_eq!(Error::InvalidSignature.kind(), ErrorKind::BadSignature);
        assert_eq!(Error::StaleTimestamp.kind(), ErrorKind::Expired);
        assert_eq!(Error::Replayed.kind(), ErrorKind::Replayed);
        assert_eq!(Error::UnknownKeyName.kind(), ErrorKind::UnknownKey);
    }
}
