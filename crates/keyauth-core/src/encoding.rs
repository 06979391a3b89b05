//! Base64 and hex, with the exact strictness each upstream library has.
//!
//! Strict engines ([`Base64::Standard`] and friends) reject anything non-canonical. The
//! `Python*` engines reproduce CPython's `base64.b64decode` / `urlsafe_b64decode` without
//! `validate=True`: bytes outside the alphabet are skipped, non-zero trailing bits are
//! accepted, and input stops at the first complete padding. Schemes whose Python origin
//! decodes that way must accept exactly what Python accepts, no more and no less.
//!
//! Errors say which encoding failed and where, never which byte was found there: the input
//! may be a secret.

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// A base64 flavour.
///
/// ```
/// use keyauth_core::Base64;
/// assert_eq!(Base64::Standard.encode(b"\xfb\xff"), "+/8=");
/// assert_eq!(Base64::UrlSafeNoPad.encode(b"\xfb\xff"), "-_8");
/// assert_eq!(Base64::Standard.decode("+/8=")?, b"\xfb\xff");
/// // Python's b64decode skips what is not base64 and accepts trailing bits:
/// assert_eq!(Base64::Python.decode("Y Q==\n")?, b"a");
/// assert!(Base64::Standard.decode("Y Q==").is_err());
/// # Ok::<(), keyauth_core::DecodeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Base64 {
    /// RFC 4648 alphabet `+/`, `=` padding required, canonical only.
    Standard,
    /// RFC 4648 alphabet `+/`, no padding allowed.
    StandardNoPad,
    /// URL-safe alphabet `-_`, `=` padding required.
    UrlSafe,
    /// URL-safe alphabet `-_`, no padding allowed.
    UrlSafeNoPad,
    /// CPython `base64.b64decode(s)` (non-validating); encodes as [`Base64::Standard`].
    Python,
    /// CPython `base64.urlsafe_b64decode(s)`; encodes as [`Base64::UrlSafe`].
    PythonUrlSafe,
}

impl Base64 {
    /// Encodes `bytes` in this flavour.
    #[must_use]
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Standard | Self::Python => STANDARD.encode(bytes),
            Self::StandardNoPad => STANDARD_NO_PAD.encode(bytes),
            Self::UrlSafe | Self::PythonUrlSafe => URL_SAFE.encode(bytes),
            Self::UrlSafeNoPad => URL_SAFE_NO_PAD.encode(bytes),
        }
    }

    /// Decodes `text` in this flavour.
    ///
    /// # Errors
    /// A [`DecodeError`] naming this encoding and the offset of the problem.
    pub fn decode(self, text: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        let text = text.as_ref();
        let engine = match self {
            Self::Standard => &STANDARD,
            Self::StandardNoPad => &STANDARD_NO_PAD,
            Self::UrlSafe => &URL_SAFE,
            Self::UrlSafeNoPad => &URL_SAFE_NO_PAD,
            Self::Python => return python_b64decode(text, false),
            Self::PythonUrlSafe => return python_b64decode(text, true),
        };
        let encoding = Encoding::Base64(self);
        engine.decode(text).map_err(|e| match e {
            base64::DecodeError::InvalidByte(offset, b'=') => {
                DecodeError::InvalidPadding { encoding, offset }
            }
            base64::DecodeError::InvalidByte(offset, _) => {
                DecodeError::InvalidByte { encoding, offset }
            }
            base64::DecodeError::InvalidLength(length) => {
                DecodeError::InvalidLength { encoding, length }
            }
            base64::DecodeError::InvalidLastSymbol(offset, _) => {
                DecodeError::InvalidLastSymbol { encoding, offset }
            }
            base64::DecodeError::InvalidPadding => DecodeError::InvalidPadding {
                encoding,
                offset: text.len(),
            },
        })
    }

    /// The name used in error messages and vector files (`standard`, `urlsafe_nopad`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::StandardNoPad => "standard_nopad",
            Self::UrlSafe => "urlsafe",
            Self::UrlSafeNoPad => "urlsafe_nopad",
            Self::Python => "python",
            Self::PythonUrlSafe => "python_urlsafe",
        }
    }

    /// Every flavour, for parsers of names and for tests.
    pub const ALL: [Self; 6] = [
        Self::Standard,
        Self::StandardNoPad,
        Self::UrlSafe,
        Self::UrlSafeNoPad,
        Self::Python,
        Self::PythonUrlSafe,
    ];

    /// The flavour named `name` (see [`Base64::as_str`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// Reproduces CPython 3.11 `binascii.a2b_base64(s, strict_mode=False)` behind
/// `base64.b64decode` / `urlsafe_b64decode`.
fn python_b64decode(text: &[u8], urlsafe: bool) -> Result<Vec<u8>, DecodeError> {
    let encoding = Encoding::Base64(if urlsafe {
        Base64::PythonUrlSafe
    } else {
        Base64::Python
    });
    // `_bytes_from_decode_data`: a str must be ASCII.
    if let Some(offset) = text.iter().position(|b| !b.is_ascii()) {
        return Err(DecodeError::InvalidByte { encoding, offset });
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut quad_pos, mut left, mut pads, mut data_chars) = (0u8, 0u8, 0usize, 0usize);
    for &c in text {
        if c == b'=' {
            pads = pads.saturating_add(1);
            // A complete pad sequence ends the input; whatever follows is ignored.
            if quad_pos >= 2 && usize::from(quad_pos).saturating_add(pads) >= 4 {
                return Ok(out);
            }
            continue;
        }
        // urlsafe_b64decode translates `-_` to `+/` first, so both alphabets decode there.
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'-' if urlsafe => 62,
            b'_' if urlsafe => 63,
            _ => continue,
        };
        pads = 0;
        data_chars += 1;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(DecodeError::InvalidLength {
            encoding,
            length: data_chars,
        }),
        _ => Err(DecodeError::InvalidPadding {
            encoding,
            offset: text.len(),
        }),
    }
}

/// Lowercase hex encoding.
///
/// ```
/// assert_eq!(keyauth_core::encoding::hex_encode(b"\x00\xff"), "00ff");
/// ```
#[must_use]
pub fn hex_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Decodes hex (either case, as Python's `bytes.fromhex` without spaces).
///
/// # Errors
/// [`DecodeError::InvalidLength`] for an odd length, [`DecodeError::InvalidByte`] with the
/// offset of the first non-hex character.
///
/// ```
/// assert_eq!(keyauth_core::encoding::hex_decode("00fF")?, b"\x00\xff");
/// assert!(keyauth_core::encoding::hex_decode("0").is_err());
/// # Ok::<(), keyauth_core::DecodeError>(())
/// ```
pub fn hex_decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    let text = text.as_ref();
    hex::decode(text).map_err(|e| match e {
        hex::FromHexError::InvalidHexCharacter { index, .. } => DecodeError::InvalidByte {
            encoding: Encoding::Hex,
            offset: index,
        },
        _ => DecodeError::InvalidLength {
            encoding: Encoding::Hex,
            length: text.len(),
        },
    })
}

/// Decodes hex into exactly `N` bytes.
///
/// # Errors
/// As [`hex_decode`], and [`DecodeError::InvalidLength`] when the decoded length is not `N`.
pub fn hex_decode_array<const N: usize>(text: impl AsRef<[u8]>) -> Result<[u8; N], DecodeError> {
    let text = text.as_ref();
    let bytes = hex_decode(text)?;
    bytes.try_into().map_err(|_| DecodeError::InvalidLength {
        encoding: Encoding::Hex,
        length: text.len(),
    })
}

/// Which encoding an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// Base64 in the given flavour.
    Base64(Base64),
    /// Hexadecimal.
    Hex,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Base64(b) => write!(f, "base64 ({})", b.as_str()),
            Self::Hex => f.write_str("hex"),
        }
    }
}

/// Text that is not valid in the expected encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A character outside the alphabet.
    #[error("invalid {encoding} character at offset {offset}")]
    InvalidByte {
        /// The encoding expected.
        encoding: Encoding,
        /// Where the character is.
        offset: usize,
    },
    /// A length the encoding cannot produce (or, for fixed-size values, not the size wanted).
    #[error("invalid {encoding} length {length}")]
    InvalidLength {
        /// The encoding expected.
        encoding: Encoding,
        /// The length of the text (base64: of its data characters).
        length: usize,
    },
    /// Padding missing, misplaced or not allowed.
    #[error("invalid {encoding} padding at offset {offset}")]
    InvalidPadding {
        /// The encoding expected.
        encoding: Encoding,
        /// Where the padding problem is.
        offset: usize,
    },
    /// The last character carries non-zero bits that a canonical encoder never writes.
    #[error("non-canonical final {encoding} character at offset {offset}")]
    InvalidLastSymbol {
        /// The encoding expected.
        encoding: Encoding,
        /// Where the character is.
        offset: usize,
    },
}

impl DecodeError {
    /// The encoding that failed.
    #[must_use]
    pub const fn encoding(&self) -> Encoding {
        match *self {
            Self::InvalidByte { encoding, .. }
            | Self::InvalidLength { encoding, .. }
            | Self::InvalidPadding { encoding, .. }
            | Self::InvalidLastSymbol { encoding, .. } => encoding,
        }
    }

    /// The stable error code (the vector files' vocabulary): `invalid_byte`, `invalid_length`,
    /// `invalid_padding` or `invalid_last_symbol`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidByte { .. } => "invalid_byte",
            Self::InvalidLength { .. } => "invalid_length",
            Self::InvalidPadding { .. } => "invalid_padding",
            Self::InvalidLastSymbol { .. } => "invalid_last_symbol",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values checked with CPython 3.11 `base64.b64decode` (see STYLE.md, trap 9).
    #[test]
    fn python_leniency_matches_cpython() {
        assert_eq!(Base64::Python.decode("YR==").unwrap(), b"a");
        assert_eq!(Base64::Python.decode("Y Q==").unwrap(), b"a");
        assert_eq!(Base64::Python.decode("YQ==\n").unwrap(), b"a");
        assert_eq!(Base64::Python.decode("YQ==garbage").unwrap(), b"a");
        assert_eq!(Base64::Python.decode("").unwrap(), b"");
        assert!(matches!(
            Base64::Python.decode("YQ"),
            Err(DecodeError::InvalidPadding { .. })
        ));
        assert!(matches!(
            Base64::Python.decode("YWJjZ"),
            Err(DecodeError::InvalidLength { length: 5, .. })
        ));
        assert!(matches!(
            Base64::Python.decode("YQ=é="),
            Err(DecodeError::InvalidByte { offset: 3, .. })
        ));
        assert_eq!(Base64::PythonUrlSafe.decode("-_8=").unwrap(), b"\xfb\xff");
        // Found by the fuzzer: a long run of '=' once overflowed the pad counter.
        let pads = "=".repeat(300);
        assert_eq!(Base64::Python.decode(&pads).unwrap(), b"");
        assert!(Base64::Python.decode(format!("Y{pads}")).is_err());
        assert_eq!(Base64::PythonUrlSafe.decode("+/8=").unwrap(), b"\xfb\xff");
        assert_eq!(
            Base64::Python.decode("-_8=").unwrap_err().code(),
            "invalid_length"
        );
    }

    #[test]
    fn strict_engines_reject_what_python_forgives() {
        for text in ["YR==", "Y Q==", "YQ==\n", "YQ"] {
            assert!(Base64::Standard.decode(text).is_err(), "{text:?}");
        }
        assert_eq!(
            Base64::Standard.decode("YR==").unwrap_err().code(),
            "invalid_last_symbol"
        );
        assert_eq!(
            Base64::StandardNoPad.decode("YQ==").unwrap_err().code(),
            "invalid_padding"
        );
    }

    #[test]
    fn errors_name_encoding_and_place_not_content() {
        let err = Base64::UrlSafe.decode("ab+d").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid base64 (urlsafe) character at offset 2"
        );
        let err = hex_decode("0g").unwrap_err();
        assert_eq!(err.to_string(), "invalid hex character at offset 1");
        assert_eq!(hex_decode("abc").unwrap_err().code(), "invalid_length");
        assert!(hex_decode_array::<2>("aabbcc").is_err());
    }
}
