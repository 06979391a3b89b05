//! The common error vocabulary.
//!
//! Each scheme crate has its own `#[non_exhaustive]` error enum; every variant maps to one
//! [`ErrorKind`] through its `kind()` method, so code that handles several schemes (a gateway,
//! the CLI) can branch on the kind without knowing each scheme. Verification failures stay
//! opaque: an error says *that* a MAC did not match, never which byte.

use core::fmt;

use crate::clock::ExpiryError;
use crate::encoding::DecodeError;
use crate::replay::ReplayError;

/// What went wrong, in the words every scheme shares.
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
    /// A stable snake_case name.
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
    /// The stable code: `replayed`, `full`, `unavailable`, or the Redis failure's own code
    /// (`redis_timeout`, `redis_not_durable`, ...; see [`RedisFailure`](crate::RedisFailure)).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Replayed => "replayed",
            Self::Full { .. } => "full",
            Self::Unavailable { .. } => "unavailable",
            Self::Redis(f) => f.code(),
        }
    }

    /// The common kind of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::Replayed => ErrorKind::Replayed,
            Self::Full { .. } | Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Redis(f) => f.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

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
