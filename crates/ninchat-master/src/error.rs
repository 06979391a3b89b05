//! The one error type of this crate.

use keyauth_core::{ErrorKind, ExpiryError, ReplayError};

/// Everything that can go wrong when signing, verifying, sealing or opening.
///
/// Texts are lower case and never contain secrets, MACs or plaintext. Verification failures
/// say *that* something did not match, never where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The master key's secret is not base64 (as Python's `b64decode` reads it).
    #[error("master key secret is not base64")]
    BadSecret,
    /// The master key's secret does not decode to 16, 24 or 32 bytes (AES needs one of them).
    #[error("master key secret is {len} bytes; AES needs 16, 24 or 32")]
    BadKeyLength {
        /// The decoded length.
        len: usize,
    },
    /// A key id is empty or contains `-` or `.` (the separators of both formats).
    #[error("key id is empty or contains '-' or '.'")]
    BadKeyId,
    /// An expiry in the past or too far ahead.
    #[error(transparent)]
    Expiry(#[from] ExpiryError),
    /// An expiry that is not a finite number.
    #[error("expire is not a finite number")]
    BadExpire,
    /// A value that is not representable as JSON (NaN, infinity, a map with non-string keys).
    #[error("value is not representable as JSON")]
    InvalidJson,
    /// Two attributes with the same name whose values Python could not order.
    #[error("attributes with the same name have values that cannot be ordered")]
    UnorderableAttrs,
    /// The operating system's randomness failed.
    #[error("the operating system's random number generator failed")]
    Random,

    /// A signature or secure-metadata value without the right number of fields.
    #[error("wrong number of fields")]
    FieldCount,
    /// A field that must not be empty is empty.
    #[error("empty field")]
    EmptyField,
    /// The expire field of a signature is not a decimal integer.
    #[error("expire field is not a decimal integer")]
    BadExpireField,
    /// A base64 field does not decode.
    #[error("bad base64")]
    BadBase64,
    /// The decoded digest of a signature is not 64 bytes.
    #[error("digest is not 64 bytes")]
    BadDigestLength,
    /// The flag after the digest is neither absent nor `1`.
    #[error("unknown flag after the digest")]
    BadFlag,
    /// The verifier holds no key under the value's key id.
    #[error("unknown key id")]
    UnknownKey,
    /// The MAC does not match the action, its parameters, the expiry and the nonce.
    #[error("signature does not match")]
    BadMac,

    /// The secure-metadata body is shorter than an IV and one block.
    #[error("ciphertext truncated")]
    Truncated,
    /// The ciphertext after the IV is not a multiple of the AES block size.
    #[error("ciphertext is not a whole number of blocks")]
    NotBlockSized,
    /// The plaintext (digest matched) ends in more zero bytes than a padding can hold.
    #[error("bad padding")]
    BadPadding,
    /// The SHA-512 digest inside the plaintext does not match the JSON after it (or the
    /// plaintext is too short to hold a digest).
    #[error("digest mismatch")]
    DigestMismatch,
    /// The plaintext (digest matched) is not JSON.
    #[error("plaintext is not JSON")]
    NotJson,
    /// The plaintext is JSON but not an object with `expire` and `metadata`.
    #[error("plaintext is not a secure-metadata object")]
    BadMessage,
    /// The value is bound to another user (or to a user when none was expected, or the reverse).
    #[error("user id does not match")]
    UserMismatch,

    /// The value was used before (single use), or the replay guard could not answer.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

impl Error {
    /// The stable error code: the vocabulary of the ninchat-master vector files and of the CLI's
    /// `--json` output. The spec counts every way a value fails to parse as one failure,
    /// `malformed`; the variants keep the detail for `Display`.
    ///
    /// | variant | code |
    /// |---|---|
    /// | [`BadSecret`](Self::BadSecret) | `bad_secret` |
    /// | [`BadKeyLength`](Self::BadKeyLength) | `bad_key_length` |
    /// | [`BadKeyId`](Self::BadKeyId) | `bad_key_id` |
    /// | [`Expiry`](Self::Expiry): expired | `expired` |
    /// | [`Expiry`](Self::Expiry): too far | `expire_too_far` |
    /// | [`UnorderableAttrs`](Self::UnorderableAttrs) | `unorderable_attrs` |
    /// | [`Random`](Self::Random) | `random` |
    /// | [`UnknownKey`](Self::UnknownKey) | `unknown_key` |
    /// | [`BadMac`](Self::BadMac) | `bad_mac` |
    /// | [`DigestMismatch`](Self::DigestMismatch) | `digest_mismatch` |
    /// | [`UserMismatch`](Self::UserMismatch) | `user_mismatch` |
    /// | [`Replay`](Self::Replay): replayed | `replayed` |
    /// | [`Replay`](Self::Replay): guard full or down | `unavailable` |
    /// | every parse failure: [`BadExpire`](Self::BadExpire), [`InvalidJson`](Self::InvalidJson), [`FieldCount`](Self::FieldCount), [`EmptyField`](Self::EmptyField), [`BadExpireField`](Self::BadExpireField), [`BadBase64`](Self::BadBase64), [`BadDigestLength`](Self::BadDigestLength), [`BadFlag`](Self::BadFlag), [`Truncated`](Self::Truncated), [`NotBlockSized`](Self::NotBlockSized), [`BadPadding`](Self::BadPadding), [`NotJson`](Self::NotJson), [`BadMessage`](Self::BadMessage) | `malformed` |
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadSecret => "bad_secret",
            Self::BadKeyLength { .. } => "bad_key_length",
            Self::BadKeyId => "bad_key_id",
            Self::Expiry(ExpiryError::TooFar { .. }) => "expire_too_far",
            Self::Expiry(_) => "expired",
            Self::UnorderableAttrs => "unorderable_attrs",
            Self::Random => "random",
            Self::UnknownKey => "unknown_key",
            Self::BadMac => "bad_mac",
            Self::DigestMismatch => "digest_mismatch",
            Self::UserMismatch => "user_mismatch",
            Self::Replay(ReplayError::Replayed) => "replayed",
            Self::Replay(_) => "unavailable",
            Self::BadExpire
            | Self::InvalidJson
            | Self::FieldCount
            | Self::EmptyField
            | Self::BadExpireField
            | Self::BadBase64
            | Self::BadDigestLength
            | Self::BadFlag
            | Self::Truncated
            | Self::NotBlockSized
            | Self::BadPadding
            | Self::NotJson
            | Self::BadMessage => "malformed",
        }
    }

    /// The common kind of this error (keyauth-core's vocabulary).
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadSecret | Self::BadKeyLength { .. } | Self::BadKeyId => ErrorKind::InvalidKey,
            Self::Expiry(e) => e.kind(),
            Self::Replay(e) => e.kind(),
            Self::Random => ErrorKind::Random,
            Self::UnknownKey => ErrorKind::UnknownKey,
            Self::BadMac => ErrorKind::BadSignature,
            Self::BadPadding | Self::DigestMismatch => ErrorKind::DecryptFailed,
            Self::UserMismatch => ErrorKind::NotPermitted,
            Self::BadExpire
            | Self::InvalidJson
            | Self::UnorderableAttrs
            | Self::FieldCount
            | Self::EmptyField
            | Self::BadExpireField
            | Self::BadBase64
            | Self::BadDigestLength
            | Self::BadFlag
            | Self::Truncated
            | Self::NotBlockSized
            | Self::NotJson
            | Self::BadMessage => ErrorKind::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyauth_core::UnixTime;

    /// Every code, pinned: a released code never changes.
    #[test]
    fn codes_are_pinned() {
        let t = UnixTime::new(1);
        let pinned: [(Error, &str); 27] = [
            (Error::BadSecret, "bad_secret"),
            (Error::BadKeyLength { len: 1 }, "bad_key_length"),
            (Error::BadKeyId, "bad_key_id"),
            (ExpiryError::Expired { expire: t, now: t }.into(), "expired"),
            (
                ExpiryError::TooFar {
                    expire: t,
                    limit: t,
                }
                .into(),
                "expire_too_far",
            ),
            (Error::UnorderableAttrs, "unorderable_attrs"),
            (Error::Random, "random"),
            (Error::UnknownKey, "unknown_key"),
            (Error::BadMac, "bad_mac"),
            (Error::DigestMismatch, "digest_mismatch"),
            (Error::UserMismatch, "user_mismatch"),
            (ReplayError::Replayed.into(), "replayed"),
            (ReplayError::Full { capacity: 1 }.into(), "unavailable"),
            (
                ReplayError::Unavailable {
                    reason: String::new(),
                }
                .into(),
                "unavailable",
            ),
            (Error::BadExpire, "malformed"),
            (Error::InvalidJson, "malformed"),
            (Error::FieldCount, "malformed"),
            (Error::EmptyField, "malformed"),
            (Error::BadExpireField, "malformed"),
            (Error::BadBase64, "malformed"),
            (Error::BadDigestLength, "malformed"),
            (Error::BadFlag, "malformed"),
            (Error::Truncated, "malformed"),
            (Error::NotBlockSized, "malformed"),
            (Error::BadPadding, "malformed"),
            (Error::NotJson, "malformed"),
            (Error::BadMessage, "malformed"),
        ];
        for (e, code) in &pinned {
            assert_eq!(e.code(), *code, "{e:?}");
        }
    }

    #[test]
    fn display_and_kinds_are_pinned() {
        assert_eq!(Error::BadMac.to_string(), "signature does not match");
        assert_eq!(Error::BadMac.kind(), ErrorKind::BadSignature);
        assert_eq!(
            Error::BadKeyLength { len: 20 }.to_string(),
            "master key secret is 20 bytes; AES needs 16, 24 or 32"
        );
        assert_eq!(Error::DigestMismatch.kind(), ErrorKind::DecryptFailed);
        assert_eq!(Error::NotJson.kind(), ErrorKind::Malformed);
        assert_eq!(Error::UserMismatch.kind(), ErrorKind::NotPermitted);
        let e = Error::from(ExpiryError::TooFar {
            expire: UnixTime::new(9),
            limit: UnixTime::new(8),
        });
        assert_eq!(e.kind(), ErrorKind::ExpireTooFar);
        assert_eq!(
            Error::from(ReplayError::Replayed).kind(),
            ErrorKind::Replayed
        );
    }
}
