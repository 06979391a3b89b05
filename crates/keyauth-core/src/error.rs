//! The common error vocabulary.
//!
//! Each scheme crate has its own `#[non_exhaustive]` error enum with two methods:
//!
//! - `code() -> &'static str`: a stable snake_case code, one per distinct failure, the vocabulary
//!   of that scheme's vector files (`{"error": "<code>"}`) and of the CLI's `--json` output. Codes
//!   never change once released; each crate's docs list its codes in a table.
//! - `kind() -> ErrorKind`: the class the code belongs to, so code that handles several schemes
//!   (a gateway, the CLI's exit codes) can branch without knowing each scheme.
//!
//! Verification failures stay opaque: an error says *that* a MAC did not match, never which byte.
//!
//! keyauth-core's own codes:
//!
//! | error | code | kind |
//! |---|---|---|
//! | [`DecodeError::InvalidByte`] | `invalid_byte` | malformed |
//! | [`DecodeError::InvalidLength`] | `invalid_length` | malformed |
//! | [`DecodeError::InvalidPadding`] | `invalid_padding` | malformed |
//! | [`DecodeError::InvalidLastSymbol`] | `invalid_last_symbol` | malformed |
//! | [`ExpiryError::Expired`] | `expired` | expired |
//! | [`ExpiryError::TooFar`] | `expire_too_far` | expire_too_far |
//! | [`ReplayError::Replayed`] | `replayed` | replayed |
//! | [`ReplayError::Full`] | `full` | unavailable |
//! | [`ReplayError::Unavailable`] | `unavailable` | unavailable |
//! | [`Error::Random`] | `random` | random |

use core::fmt;

use crate::clock::ExpiryError;
use crate::encoding::DecodeError;
use crate::replay::ReplayError;

/// What went wrong, in the words every scheme shares: a class of error codes, not a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input does not parse: wrong field count, bad encoding, wrong length, bad JSON.
    Malformed,
    /// A MAC or signature does not match.
    BadSignature,
    /// Decryption failed (authentication tag, padding or embedded digest).
    DecryptFailed,
    /// The value has expired.
    Expired,
    /// The expiry lies further ahead than the scheme allows.
    ExpireTooFar,
    /// The value was already used once.
    Replayed,
    /// No key is known under the given id.
    UnknownKey,
    /// A key is unusable (wrong length, not representable, out of range).
    InvalidKey,
    /// The value is valid but not for this request (wrong action, user, path, allow-list).
    NotPermitted,
    /// A backing service (Redis, a remote server) did not answer.
    Unavailable,
    /// The operating system's randomness failed.
    Random,
}

impl ErrorKind {
    /// The class's stable snake_case name (the CLI prints it beside the code).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::DecryptFailed => "decrypt_failed",
            Self::Expired => "expired",
            Self::ExpireTooFar => "expire_too_far",
            Self::Replayed => "replayed",
            Self::UnknownKey => "unknown_key",
            Self::InvalidKey => "invalid_key",
            Self::NotPermitted => "not_permitted",
            Self::Unavailable => "unavailable",
            Self::Random => "random",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The errors of keyauth-core itself.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Text that is not valid base64 or hex.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An expiry in the past or too far ahead.
    #[error(transparent)]
    Expiry(#[from] ExpiryError),
    /// A replay guard refused or could not answer.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The operating system's randomness failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

impl Error {
    /// The stable code of this error (see the table in the module docs).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::Expiry(e) => e.code(),
            Self::Replay(e) => e.code(),
            Self::Random => "random",
        }
    }

    /// The common kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Decode(_) => ErrorKind::Malformed,
            Self::Expiry(e) => e.kind(),
            Self::Replay(e) => e.kind(),
            Self::Random => ErrorKind::Random,
        }
    }
}

impl ExpiryError {
    /// The stable code: `expired` or `expire_too_far`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Expired { .. } => "expired",
            Self::TooFar { .. } => "expire_too_far",
        }
    }

    /// The common kind of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::Expired { .. } => ErrorKind::Expired,
            Self::TooFar { .. } => ErrorKind::ExpireTooFar,
        }
    }
}

impl ReplayError {
    /// The stable code: `replayed`, `full` or `unavailable`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Replayed => "replayed",
            Self::Full { .. } => "full",
            Self::Unavailable { .. } => "unavailable",
        }
    }

    /// The common kind of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::Replayed => ErrorKind::Replayed,
            Self::Full { .. } | Self::Unavailable { .. } => ErrorKind::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;
    use crate::encoding::Encoding;

    /// Every code, pinned: a new variant must be added here (the matches are exhaustive inside
    /// the crate), and a released code must never change.
    #[test]
    fn codes_are_pinned_and_distinct() {
        let t = UnixTime::new(1);
        let e = Encoding::Hex;
        let all: Vec<(Error, &str, ErrorKind)> = vec![
            (
                DecodeError::InvalidByte {
                    encoding: e,
                    offset: 0,
                }
                .into(),
                "invalid_byte",
                ErrorKind::Malformed,
            ),
            (
                DecodeError::InvalidLength {
                    encoding: e,
                    length: 1,
                }
                .into(),
                "invalid_length",
                ErrorKind::Malformed,
            ),
            (
                DecodeError::InvalidPadding {
                    encoding: e,
                    offset: 0,
                }
                .into(),
                "invalid_padding",
                ErrorKind::Malformed,
            ),
            (
                DecodeError::InvalidLastSymbol {
                    encoding: e,
                    offset: 0,
                }
                .into(),
                "invalid_last_symbol",
                ErrorKind::Malformed,
            ),
            (
                ExpiryError::Expired { expire: t, now: t }.into(),
                "expired",
                ErrorKind::Expired,
            ),
            (
                ExpiryError::TooFar {
                    expire: t,
                    limit: t,
                }
                .into(),
                "expire_too_far",
                ErrorKind::ExpireTooFar,
            ),
            (
                ReplayError::Replayed.into(),
                "replayed",
                ErrorKind::Replayed,
            ),
            (
                ReplayError::Full { capacity: 1 }.into(),
                "full",
                ErrorKind::Unavailable,
            ),
            (
                ReplayError::Unavailable {
                    reason: String::new(),
                }
                .into(),
                "unavailable",
                ErrorKind::Unavailable,
            ),
            (Error::Random, "random", ErrorKind::Random),
        ];
        for (err, code, kind) in &all {
            assert_eq!(err.code(), *code, "{err:?}");
            assert_eq!(err.kind(), *kind, "{err:?}");
            // Exhaustive on purpose: a new variant fails to compile until it is pinned above.
            match err {
                Error::Decode(
                    DecodeError::InvalidByte { .. }
                    | DecodeError::InvalidLength { .. }
                    | DecodeError::InvalidPadding { .. }
                    | DecodeError::InvalidLastSymbol { .. },
                )
                | Error::Expiry(ExpiryError::Expired { .. } | ExpiryError::TooFar { .. })
                | Error::Replay(
                    ReplayError::Replayed
                    | ReplayError::Full { .. }
                    | ReplayError::Unavailable { .. },
                )
                | Error::Random => {}
            }
        }
        let mut codes: Vec<_> = all.iter().map(|(_, c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "codes are distinct");
    }

    #[test]
    fn kinds_and_display_are_pinned() {
        let e = Error::from(ExpiryError::Expired {
            expire: UnixTime::new(1),
            now: UnixTime::new(2),
        });
        assert_eq!(e.kind(), ErrorKind::Expired);
        assert_eq!(e.kind().as_str(), "expired");
        assert_eq!(
            Error::from(ReplayError::Replayed).kind().to_string(),
            "replayed"
        );
        assert_eq!(Error::Random.kind(), ErrorKind::Random);
        assert_eq!(
            Error::from(ReplayError::Unavailable {
                reason: "connection refused".into()
            })
            .to_string(),
            "replay guard unavailable: connection refused"
        );
    }
}
