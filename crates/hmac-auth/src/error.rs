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
    /// A request could not be built with the signature header: the `reqwest` builder held
    /// an error (bad URL or header), or the header value is not a valid header.
    #[error("malformed request or header")]
    MalformedHeader,
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
}

impl Error {
    /// The stable code of this error: the `{"error": "<code>"}` vocabulary of
    /// `vectors/hmac-auth.json`, one code per variant
    /// (table in the crate docs, "Error codes"). Use it for logs, metrics and JSON output;
    /// it never changes for a variant.
    ///
    /// ```
    /// assert_eq!(hmac_auth::Error::InvalidSignature.code(), "invalid_signature");
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MissingSignature => "missing_signature",
            Self::InvalidSignature => "invalid_signature",
            Self::UnknownKeyName => "unknown_key_name",
            Self::NoKey => "no_key",
            Self::NoKeysConfigured => "no_keys_configured",
            Self::KeyNotLatin1 => "key_not_latin1",
            Self::NameNotLatin1 => "name_not_latin1",
            Self::MalformedServiceSignature => "malformed_service_signature",
            Self::MalformedHeader => "malformed_header",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyRead => "body_read",
            Self::BodyNotBuffered => "body_not_buffered",
        }
    }

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
            | Self::BodyNotBuffered => ErrorKind::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins every code. The `match` has no wildcard, so a new variant does not compile until
    /// it gets a code here (and in the docs table).
    #[test]
    fn every_code_is_pinned() {
        fn pinned(e: &Error) -> &'static str {
            match e {
                Error::MissingSignature => "missing_signature",
                Error::InvalidSignature => "invalid_signature",
                Error::UnknownKeyName => "unknown_key_name",
                Error::NoKey => "no_key",
                Error::NoKeysConfigured => "no_keys_configured",
                Error::KeyNotLatin1 => "key_not_latin1",
                Error::NameNotLatin1 => "name_not_latin1",
                Error::MalformedServiceSignature => "malformed_service_signature",
                Error::MalformedHeader => "malformed_header",
                Error::BodyTooLarge { .. } => "body_too_large",
                Error::BodyRead => "body_read",
                Error::BodyNotBuffered => "body_not_buffered",
            }
        }
        let all = [
            Error::MissingSignature,
            Error::InvalidSignature,
            Error::UnknownKeyName,
            Error::NoKey,
            Error::NoKeysConfigured,
            Error::KeyNotLatin1,
            Error::NameNotLatin1,
            Error::MalformedServiceSignature,
            Error::MalformedHeader,
            Error::BodyTooLarge { limit: 1 },
            Error::BodyRead,
            Error::BodyNotBuffered,
        ];
        let mut seen = std::collections::BTreeSet::new();
        for e in &all {
            let code = e.code();
            assert_eq!(code, pinned(e), "{e:?}");
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code} is not snake_case"
            );
            assert!(seen.insert(code), "{code} used twice");
        }
        // The vocabulary of the vector files is a subset of the codes.
        for file in [
            include_str!("../vectors/hmac-auth.json"),
            include_str!("../vectors/hmac-auth_service_tokens.json"),
        ] {
            for part in file.split("\"error\": \"").skip(1) {
                let code = part.split('"').next().unwrap_or_default();
                assert!(seen.contains(code), "vector code {code} has no variant");
            }
        }
        // Every variant that a docs table row names.
        let docs = include_str!("../README.md");
        for code in &seen {
            assert!(
                docs.contains(&format!("| `{code}` |")),
                "{code} missing in README table"
            );
        }
    }

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
            (Error::MalformedHeader, "malformed request or header"),
        ];
        for (e, text) in all {
            assert_eq!(e.to_string(), text);
        }
        assert_eq!(Error::InvalidSignature.kind(), ErrorKind::BadSignature);
        assert_eq!(Error::MalformedHeader.kind(), ErrorKind::Malformed);
        assert_eq!(Error::UnknownKeyName.kind(), ErrorKind::UnknownKey);
    }
}
