//! Reading a service token the way upstream does before any MAC check
//! (`_parse_multiple_signature`): lenient URL-safe base64, then UTF-8, then `split(':')`.
//!
//! The two upstream callers treat the failure classes differently (spec §3.6 step 5, §3.8):
//!
//! | class | upstream exception | 1.2.1 `validate_signature` | 1.1.x `validate_service_signature` |
//! |---|---|---|---|
//! | padding / length (`binascii.Error`) | caught, re-raised as `InvalidSignature` | `invalid_signature` at once | `invalid_signature` |
//! | alphabet (bytes outside it) | none: `a2b_base64` skips them | (decodes) | (decodes) |
//! | not UTF-8 | `UnicodeDecodeError` | no candidate | `malformed_service_signature` |
//! | not exactly one `:` | `ValueError` (unpacking) | no candidate | `malformed_service_signature` |

use keyauth_core::Base64;

use crate::Error;

/// What `_parse_multiple_signature` makes of a header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// The base64 does not end on a quad boundary (`binascii.Error`: incorrect padding, or one
    /// data character past a quad). Upstream raises `InvalidSignature` for it in both versions.
    BadPadding,
    /// The decoded bytes are not UTF-8 (`UnicodeDecodeError`).
    NotUtf8,
    /// The decoded text has no `:` or more than one (`ValueError` when unpacking).
    ColonCount,
    /// `name:signature`: the name the token claims (the signature part is never used).
    Client(String),
}

/// Parses a header value as upstream's `_parse_multiple_signature` does.
pub(crate) fn parse(signature: &[u8]) -> Parsed {
    // The header is latin-1 bytes and `a2b_base64` skips every byte outside the alphabet,
    // so dropping non-ASCII bytes first changes nothing (keyauth-core's Python decoder takes
    // ASCII text, as `b64decode` of a `str` does).
    let ascii: Vec<u8> = signature.iter().copied().filter(u8::is_ascii).collect();
    let Ok(plain) = Base64::PythonUrlSafe.decode(&ascii) else {
        return Parsed::BadPadding;
    };
    let Ok(text) = String::from_utf8(plain) else {
        return Parsed::NotUtf8;
    };
    let mut parts = text.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(client), Some(_), None) => Parsed::Client(client.to_owned()),
        _ => Parsed::ColonCount,
    }
}

/// The 1.2.1 reading: bad padding is [`Error::InvalidSignature`] at once; a token that is not
/// UTF-8 or has the wrong number of `:` gives no candidate (`Ok(None)`, upstream's
/// `except ValueError: pass`).
pub(crate) fn client(signature: &[u8]) -> Result<Option<String>, Error> {
    match parse(signature) {
        Parsed::BadPadding => Err(Error::InvalidSignature),
        Parsed::NotUtf8 | Parsed::ColonCount => Ok(None),
        Parsed::Client(name) => Ok(Some(name)),
    }
}

/// The 1.1.x reading, which swallows nothing: bad padding is [`Error::InvalidSignature`]
/// (`_parse_multiple_signature` catches `binascii.Error` and raises it), a token that is not
/// UTF-8 or has the wrong number of `:` is [`Error::MalformedServiceSignature`].
pub(crate) fn legacy_client(signature: &[u8]) -> Result<String, Error> {
    match parse(signature) {
        Parsed::BadPadding => Err(Error::InvalidSignature),
        Parsed::NotUtf8 | Parsed::ColonCount => Err(Error::MalformedServiceSignature),
        Parsed::Client(name) => Ok(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_of_malformed_token() {
        // padding / length
        for bad in [&b"abc"[..], b"YQ", b"YQ=", b"YTpiY", b"YTpi!YQ"] {
            assert_eq!(parse(bad), Parsed::BadPadding, "{bad:?}");
            assert_eq!(client(bad), Err(Error::InvalidSignature));
            assert_eq!(legacy_client(bad), Err(Error::InvalidSignature));
        }
        // alphabet: skipped bytes, URL-safe letters, data after a complete pad sequence
        assert_eq!(parse(b"Y\xffTpi"), Parsed::Client("a".into()));
        assert_eq!(parse(b"YT!pi"), Parsed::Client("a".into()));
        assert_eq!(parse(b"YWI-Omk"), parse(b"YWI+Omk"));
        assert_eq!(parse(b"YQ==YTpi"), Parsed::ColonCount); // decodes to "a" only
        // UTF-8
        assert_eq!(parse(b"6Tpi"), Parsed::NotUtf8); // latin-1 'é' as upstream signs it
        assert_eq!(client(b"6Tpi"), Ok(None));
        assert_eq!(
            legacy_client(b"6Tpi"),
            Err(Error::MalformedServiceSignature)
        );
        // colon count, including the empty value and a value of skipped bytes only
        for bad in [&b"YXNlcnZpY2U="[..], b"YTpiOmM=", b"", b"!!!!"] {
            assert_eq!(parse(bad), Parsed::ColonCount, "{bad:?}");
            assert_eq!(client(bad), Ok(None));
            assert_eq!(legacy_client(bad), Err(Error::MalformedServiceSignature));
        }
        assert_eq!(parse(b"YTpi"), Parsed::Client("a".into()));
        assert_eq!(legacy_client(b"Og=="), Ok(String::new())); // ":" names ""
    }
}
