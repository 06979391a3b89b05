//! The one error type of this crate, with a stable code per refusal.

use keyauth_core::ErrorKind;

/// Why building, signing or verifying a message signature failed.
///
/// Each variant has one stable [`code`](Error::code) (the vocabulary of
/// `vectors/rfc9421.json`). Messages never contain keys, signatures or which byte differed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message has no `Signature-Input` / `Signature`, or a label of one has no member
    /// in the other.
    #[error("signature missing")]
    MissingSignature,
    /// The policy names a label the message does not carry.
    #[error("no signature with the required label")]
    LabelNotFound,
    /// `Signature-Input` is not a dictionary of inner lists with well-typed parameters.
    #[error("malformed Signature-Input")]
    MalformedSignatureInput,
    /// `Signature` is not a dictionary of byte sequences.
    #[error("malformed Signature")]
    MalformedSignature,
    /// A label appears twice in `Signature-Input` or `Signature`.
    #[error("duplicate signature label")]
    DuplicateLabel,
    /// A component identifier is not usable (unknown or misplaced parameter, upper-case
    /// name, `@signature-params` covered, `sf` with `bs`, `req` on a request...).
    #[error("malformed component identifier")]
    MalformedComponent,
    /// The same component identifier is covered twice.
    #[error("component covered twice")]
    DuplicateComponent,
    /// A covered component is absent from the message.
    #[error("covered component missing from the message")]
    MissingComponent,
    /// A covered `@query-param` occurs more than once in the query.
    #[error("query parameter occurs more than once")]
    AmbiguousComponent,
    /// A field covered with `sf` or `key` does not parse as a structured field.
    #[error("covered field is not a valid structured field")]
    MalformedField,
    /// A field is covered with `sf` but its structured type is not known.
    #[error("structured type of the covered field is unknown")]
    UnknownStructuredField,
    /// The policy requires a component the signature does not cover.
    #[error("signature does not cover a required component")]
    MissingRequiredComponent,
    /// The policy requires `created` and the signature has none.
    #[error("signature has no created parameter")]
    MissingCreated,
    /// The policy requires `nonce` and the signature has none.
    #[error("signature has no nonce")]
    MissingNonce,
    /// The signature has no `keyid` and no key was given.
    #[error("signature has no keyid")]
    MissingKeyId,
    /// No key is known under the signature's `keyid`.
    #[error("unknown key")]
    UnknownKey,
    /// The key resolver failed.
    #[error("key lookup failed")]
    KeyLookupFailed,
    /// `alg` names an algorithm this crate does not know.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// `alg` names another algorithm than the key's (RFC 9421 §7.3.6).
    #[error("algorithm does not match the key")]
    AlgMismatch,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The signature's `expires` has passed.
    #[error("signature expired")]
    Expired,
    /// The signature's `created` lies further in the future than the allowed skew.
    #[error("signature created in the future")]
    CreatedInFuture,
    /// The signature's `created` is older than the policy's maximum age.
    #[error("signature too old")]
    TooOld,
    /// The signature's `tag` is absent or not the one the policy requires.
    #[error("signature tag mismatch")]
    TagMismatch,
    /// `Content-Digest` is not a dictionary of byte sequences.
    #[error("malformed Content-Digest")]
    MalformedContentDigest,
    /// `Content-Digest` has no member in an algorithm this crate checks (sha-256, sha-512).
    #[error("no supported Content-Digest algorithm")]
    UnsupportedDigest,
    /// `Content-Digest` does not match the body.
    #[error("Content-Digest does not match the body")]
    ContentDigestMismatch,
    /// The body is larger than the configured limit.
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading the body failed, or a body to sign is a stream.
    #[error("body could not be read")]
    BodyRead,
    /// The nonce was seen before and can still be valid.
    #[error("nonce already used")]
    Replayed,
    /// The replay guard could not answer (Redis down, memory guard full).
    #[error("replay guard unavailable")]
    ReplayGuardUnavailable,
    /// Key material is unusable (bad PEM, wrong key type for the algorithm).
    #[error("invalid key")]
    InvalidKey,
    /// The key cannot sign (RSA keys are verify-only here) or the operation is not offered.
    #[error("operation not supported with this key")]
    UnsupportedOperation,
    /// `Accept-Signature` is malformed.
    #[error("malformed Accept-Signature")]
    MalformedAcceptSignature,
    /// `Accept-Signature` asks for a key or algorithm the signer does not have.
    #[error("requested signature cannot be produced")]
    UnsatisfiableRequest,
    /// A raw HTTP/1.1 message does not parse.
    #[error("malformed HTTP message")]
    MalformedMessage,
    /// The operating system's random number generator failed (nonce).
    #[error("random number generator failed")]
    Random,
}

impl Error {
    /// The stable snake_case code of this error (the vectors' `{"error": code}`).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MissingSignature => "missing_signature",
            Self::LabelNotFound => "label_not_found",
            Self::MalformedSignatureInput => "malformed_signature_input",
            Self::MalformedSignature => "malformed_signature",
            Self::DuplicateLabel => "duplicate_label",
            Self::MalformedComponent => "malformed_component",
            Self::DuplicateComponent => "duplicate_component",
            Self::MissingComponent => "missing_component",
            Self::AmbiguousComponent => "ambiguous_component",
            Self::MalformedField => "malformed_field",
            Self::UnknownStructuredField => "unknown_structured_field",
            Self::MissingRequiredComponent => "missing_required_component",
            Self::MissingCreated => "missing_created",
            Self::MissingNonce => "missing_nonce",
            Self::MissingKeyId => "missing_keyid",
            Self::UnknownKey => "unknown_key",
            Self::KeyLookupFailed => "key_lookup_failed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::AlgMismatch => "alg_mismatch",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::CreatedInFuture => "created_in_future",
            Self::TooOld => "too_old",
            Self::TagMismatch => "tag_mismatch",
            Self::MalformedContentDigest => "malformed_content_digest",
            Self::UnsupportedDigest => "unsupported_digest",
            Self::ContentDigestMismatch => "content_digest_mismatch",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyRead => "body_read",
            Self::Replayed => "replayed",
            Self::ReplayGuardUnavailable => "replay_guard_unavailable",
            Self::InvalidKey => "invalid_key",
            Self::UnsupportedOperation => "unsupported_operation",
            Self::MalformedAcceptSignature => "malformed_accept_signature",
            Self::UnsatisfiableRequest => "unsatisfiable_request",
            Self::MalformedMessage => "malformed_message",
            Self::Random => "random",
        }
    }

    /// The common kind of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::BadSignature | Self::ContentDigestMismatch => ErrorKind::BadSignature,
            Self::Expired | Self::TooOld | Self::CreatedInFuture => ErrorKind::Expired,
            Self::Replayed => ErrorKind::Replayed,
            Self::UnknownKey => ErrorKind::UnknownKey,
            Self::InvalidKey | Self::UnsupportedOperation => ErrorKind::InvalidKey,
            Self::ReplayGuardUnavailable | Self::KeyLookupFailed => ErrorKind::Unavailable,
            Self::Random => ErrorKind::Random,
            Self::MissingRequiredComponent
            | Self::MissingCreated
            | Self::MissingNonce
            | Self::TagMismatch
            | Self::AlgMismatch
            | Self::UnsupportedAlgorithm
            | Self::UnsupportedDigest
            | Self::LabelNotFound
            | Self::UnsatisfiableRequest => ErrorKind::NotPermitted,
            Self::MissingSignature
            | Self::MalformedSignatureInput
            | Self::MalformedSignature
            | Self::DuplicateLabel
            | Self::MalformedComponent
            | Self::DuplicateComponent
            | Self::MissingComponent
            | Self::AmbiguousComponent
            | Self::MalformedField
            | Self::UnknownStructuredField
            | Self::MissingKeyId
            | Self::MalformedContentDigest
            | Self::BodyTooLarge { .. }
            | Self::BodyRead
            | Self::MalformedAcceptSignature
            | Self::MalformedMessage => ErrorKind::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, so a new one must be added here (and to the docs' table).
    fn all() -> Vec<Error> {
        vec![
            Error::MissingSignature,
            Error::LabelNotFound,
            Error::MalformedSignatureInput,
            Error::MalformedSignature,
            Error::DuplicateLabel,
            Error::MalformedComponent,
            Error::DuplicateComponent,
            Error::MissingComponent,
            Error::AmbiguousComponent,
            Error::MalformedField,
            Error::UnknownStructuredField,
            Error::MissingRequiredComponent,
            Error::MissingCreated,
            Error::MissingNonce,
            Error::MissingKeyId,
            Error::UnknownKey,
            Error::KeyLookupFailed,
            Error::UnsupportedAlgorithm,
            Error::AlgMismatch,
            Error::BadSignature,
            Error::Expired,
            Error::CreatedInFuture,
            Error::TooOld,
            Error::TagMismatch,
            Error::MalformedContentDigest,
            Error::UnsupportedDigest,
            Error::ContentDigestMismatch,
            Error::BodyTooLarge { limit: 1 },
            Error::BodyRead,
            Error::Replayed,
            Error::ReplayGuardUnavailable,
            Error::InvalidKey,
            Error::UnsupportedOperation,
            Error::MalformedAcceptSignature,
            Error::UnsatisfiableRequest,
            Error::MalformedMessage,
            Error::Random,
        ]
    }

    #[test]
    fn codes_are_pinned_and_distinct() {
        let pinned = [
            "missing_signature",
            "label_not_found",
            "malformed_signature_input",
            "malformed_signature",
            "duplicate_label",
            "malformed_component",
            "duplicate_component",
            "missing_component",
            "ambiguous_component",
            "malformed_field",
            "unknown_structured_field",
            "missing_required_component",
            "missing_created",
            "missing_nonce",
            "missing_keyid",
            "unknown_key",
            "key_lookup_failed",
            "unsupported_algorithm",
            "alg_mismatch",
            "bad_signature",
            "expired",
            "created_in_future",
            "too_old",
            "tag_mismatch",
            "malformed_content_digest",
            "unsupported_digest",
            "content_digest_mismatch",
            "body_too_large",
            "body_read",
            "replayed",
            "replay_guard_unavailable",
            "invalid_key",
            "unsupported_operation",
            "malformed_accept_signature",
            "unsatisfiable_request",
            "malformed_message",
            "random",
        ];
        let codes: Vec<&str> = all().iter().map(Error::code).collect();
        assert_eq!(codes, pinned);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "codes are distinct");
        for e in all() {
            // Exhaustive on purpose: a new variant breaks this match until it is listed above.
            match e {
                Error::MissingSignature
                | Error::LabelNotFound
                | Error::MalformedSignatureInput
                | Error::MalformedSignature
                | Error::DuplicateLabel
                | Error::MalformedComponent
                | Error::DuplicateComponent
                | Error::MissingComponent
                | Error::AmbiguousComponent
                | Error::MalformedField
                | Error::UnknownStructuredField
                | Error::MissingRequiredComponent
                | Error::MissingCreated
                | Error::MissingNonce
                | Error::MissingKeyId
                | Error::UnknownKey
                | Error::KeyLookupFailed
                | Error::UnsupportedAlgorithm
                | Error::AlgMismatch
                | Error::BadSignature
                | Error::Expired
                | Error::CreatedInFuture
                | Error::TooOld
                | Error::TagMismatch
                | Error::MalformedContentDigest
                | Error::UnsupportedDigest
                | Error::ContentDigestMismatch
                | Error::BodyTooLarge { .. }
                | Error::BodyRead
                | Error::Replayed
                | Error::ReplayGuardUnavailable
                | Error::InvalidKey
                | Error::UnsupportedOperation
                | Error::MalformedAcceptSignature
                | Error::UnsatisfiableRequest
                | Error::MalformedMessage
                | Error::Random => {}
            }
            let text = e.to_string();
            assert!(!text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn display_is_pinned() {
        assert_eq!(Error::BadSignature.to_string(), "bad signature");
        assert_eq!(
            Error::BodyTooLarge { limit: 10 }.to_string(),
            "body larger than 10 bytes"
        );
        assert_eq!(Error::Replayed.kind(), ErrorKind::Replayed);
        assert_eq!(Error::Expired.kind(), ErrorKind::Expired);
    }
}
