//! The one error type of this crate.

use keyauth_core::ErrorKind;

/// Everything that can go wrong with auth keys, their stores and MTProto 2.0 packets.
///
/// Display texts never contain key material. A packet that fails to decrypt says only which
/// check failed (length, key id, msg_key), never which byte.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The integer given as a key value is negative (mtpylon: `OverflowError`, "can't convert
    /// negative int to unsigned").
    #[error("auth key value is negative")]
    NegativeValue,
    /// The integer given as a key value needs more than 2048 bits (mtpylon: `OverflowError`,
    /// "int too big to convert").
    #[error("auth key value does not fit in 2048 bits")]
    ValueTooLarge,
    /// The text is not a hexadecimal integer.
    #[error("auth key value is not a hexadecimal integer")]
    InvalidHex,
    /// Key bytes that are not exactly 256 bytes long.
    #[error("auth key must be 256 bytes, got {len}")]
    InvalidKeyLength {
        /// How many bytes were given.
        len: usize,
    },
    /// No auth key is stored under this id (mtpylon: `AuthKeyDoesNotExist`).
    #[error("auth key id {id} does not exist")]
    AuthKeyDoesNotExist {
        /// The id that was looked up (public: it travels in every packet).
        id: u64,
    },
    /// The key store (Redis) did not answer; nothing can be said about the key.
    #[error("auth key store unavailable: {reason}")]
    Unavailable {
        /// Why, without key material.
        reason: String,
    },
    /// The key store holds something under this id that is not the auth key of this id.
    #[error("auth key store entry for id {id} is corrupt")]
    CorruptEntry {
        /// The id whose entry is corrupt.
        id: u64,
    },
    /// A packet, or plaintext plus padding, whose length MTProto 2.0 does not allow: a packet
    /// shorter than 24 bytes, without encrypted data, or whose encrypted part is not a multiple
    /// of 16 bytes; padding outside 12..=1024 bytes, or plaintext plus padding that is not a
    /// multiple of 16 bytes.
    #[error("invalid length")]
    InvalidLength,
    /// The packet's `auth_key_id` is not the id of this key.
    #[error("auth key id mismatch")]
    AuthKeyIdMismatch,
    /// The msg_key recomputed over the decrypted data differs from the packet's msg_key: the
    /// packet was tampered with, or encrypted with another key or direction.
    #[error("msg_key mismatch")]
    MsgKeyMismatch,
    /// The decrypted data is too short for the inner message header, or its length field
    /// points past the end.
    #[error("malformed inner message")]
    MalformedMessage,
    /// The operating system's randomness failed (padding could not be drawn).
    #[error("the operating system's random number generator failed")]
    Random,
}

impl Error {
    /// The common kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NegativeValue | Self::ValueTooLarge | Self::InvalidKeyLength { .. } => {
                ErrorKind::InvalidKey
            }
            Self::InvalidHex | Self::InvalidLength | Self::MalformedMessage => ErrorKind::Malformed,
            Self::AuthKeyDoesNotExist { .. } => ErrorKind::UnknownKey,
            Self::Unavailable { .. } | Self::CorruptEntry { .. } => ErrorKind::Unavailable,
            Self::AuthKeyIdMismatch => ErrorKind::UnknownKey,
            Self::MsgKeyMismatch => ErrorKind::DecryptFailed,
            Self::Random => ErrorKind::Random,
        }
    }

    /// The stable error code, one per distinct failure: the vocabulary of the authkey vector
    /// files and of the CLI's `--json` output.
    ///
    /// | variant | code |
    /// |---|---|
    /// | [`NegativeValue`](Self::NegativeValue) | `negative_value` |
    /// | [`ValueTooLarge`](Self::ValueTooLarge) | `value_too_large` |
    /// | [`InvalidHex`](Self::InvalidHex) | `invalid_hex` |
    /// | [`InvalidKeyLength`](Self::InvalidKeyLength) | `invalid_key_length` |
    /// | [`AuthKeyDoesNotExist`](Self::AuthKeyDoesNotExist) | `auth_key_does_not_exist` |
    /// | [`Unavailable`](Self::Unavailable) | `unavailable` |
    /// | [`CorruptEntry`](Self::CorruptEntry) | `corrupt_entry` |
    /// | [`InvalidLength`](Self::InvalidLength) | `invalid_length` |
    /// | [`AuthKeyIdMismatch`](Self::AuthKeyIdMismatch) | `auth_key_id_mismatch` |
    /// | [`MsgKeyMismatch`](Self::MsgKeyMismatch) | `msg_key_mismatch` |
    /// | [`MalformedMessage`](Self::MalformedMessage) | `malformed_message` |
    /// | [`Random`](Self::Random) | `random` |
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NegativeValue => "negative_value",
            Self::ValueTooLarge => "value_too_large",
            Self::InvalidHex => "invalid_hex",
            Self::InvalidKeyLength { .. } => "invalid_key_length",
            Self::AuthKeyDoesNotExist { .. } => "auth_key_does_not_exist",
            Self::Unavailable { .. } => "unavailable",
            Self::CorruptEntry { .. } => "corrupt_entry",
            Self::InvalidLength => "invalid_length",
            Self::AuthKeyIdMismatch => "auth_key_id_mismatch",
            Self::MsgKeyMismatch => "msg_key_mismatch",
            Self::MalformedMessage => "malformed_message",
            Self::Random => "random",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_texts_are_pinned() {
        assert_eq!(
            Error::NegativeValue.to_string(),
            "auth key value is negative"
        );
        assert_eq!(
            Error::AuthKeyDoesNotExist { id: 7 }.to_string(),
            "auth key id 7 does not exist"
        );
        assert_eq!(Error::InvalidLength.to_string(), "invalid length");
        assert_eq!(Error::MsgKeyMismatch.to_string(), "msg_key mismatch");
        assert_eq!(Error::AuthKeyIdMismatch.to_string(), "auth key id mismatch");
        assert_eq!(
            Error::Unavailable {
                reason: "connection refused".into()
            }
            .to_string(),
            "auth key store unavailable: connection refused"
        );
    }

    #[test]
    fn kinds_are_distinct_per_failure() {
        let all = [
            Error::NegativeValue,
            Error::ValueTooLarge,
            Error::InvalidHex,
            Error::InvalidKeyLength { len: 1 },
            Error::AuthKeyDoesNotExist { id: 1 },
            Error::Unavailable {
                reason: String::new(),
            },
            Error::CorruptEntry { id: 1 },
            Error::InvalidLength,
            Error::AuthKeyIdMismatch,
            Error::MsgKeyMismatch,
            Error::MalformedMessage,
            Error::Random,
        ];
        let mut codes: Vec<_> = all.iter().map(Error::code).collect();
        assert_eq!(
            codes,
            [
                "negative_value",
                "value_too_large",
                "invalid_hex",
                "invalid_key_length",
                "auth_key_does_not_exist",
                "unavailable",
                "corrupt_entry",
                "invalid_length",
                "auth_key_id_mismatch",
                "msg_key_mismatch",
                "malformed_message",
                "random",
            ],
            "codes are pinned: a released code never changes"
        );
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert_eq!(Error::MsgKeyMismatch.kind(), ErrorKind::DecryptFailed);
        assert_eq!(
            Error::Unavailable {
                reason: String::new()
            }
            .kind(),
            ErrorKind::Unavailable
        );
    }
}
