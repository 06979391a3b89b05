//! TOTP (RFC 6238) for Psono TOTP secrets, sans-IO: the time is passed in.
//!
//! Accepts what the Psono web client stores: a base32 code of any length (psonoci refuses keys
//! under 128 bits, e.g. the 80-bit keys many sites hand out), SHA1, SHA256 or SHA512, any
//! digit count from 1 to 10 and any period of at least one second. Defaults for absent
//! parameters are the web client's: SHA1, 6 digits, 30 s.

use core::fmt;

use hmac::{Mac, SimpleHmac};
use zeroize::Zeroizing;

use crate::Error;

/// The HMAC of a TOTP secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpAlgorithm {
    /// HMAC-SHA1 (the default).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl TotpAlgorithm {
    /// Parses `SHA1`, `SHA256`, `SHA512` (any case, `SHA-256` too).
    ///
    /// # Errors
    /// [`Error::InvalidTotp`].
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(Error::InvalidTotp(
                "the algorithm must be SHA1, SHA256 or SHA512",
            )),
        }
    }

    /// `SHA1`, `SHA256` or `SHA512`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

/// A TOTP generator. The key is zeroized on drop and never printed.
#[derive(Clone)]
pub struct Totp {
    key: Zeroizing<Vec<u8>>,
    algorithm: TotpAlgorithm,
    digits: u32,
    period: u64,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// Decodes RFC 4648 base32 (any case; spaces, `-` and `=` padding ignored).
///
/// # Errors
/// [`Error::InvalidTotp`] for other characters or an empty key.
pub fn base32_decode(text: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            b' ' | b'-' | b'=' | b'\t' | b'\n' | b'\r' => continue,
            _ => return Err(Error::InvalidTotp("the code is not base32")),
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if out.is_empty() {
        return Err(Error::InvalidTotp("the code is empty"));
    }
    Ok(out)
}

/// Encodes base32 without padding, uppercase (the otpauth URL form).
#[must_use]
pub fn base32_encode(bytes: &[u8]) -> Zeroizing<String> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Totp {
    /// A generator from a secret's fields (`None`: the web client's default).
    ///
    /// # Errors
    /// [`Error::InvalidTotp`] for a bad code, algorithm, digit count (1..=10) or period (0).
    pub fn new(
        code: &str,
        algorithm: Option<&str>,
        digits: Option<u64>,
        period: Option<u64>,
    ) -> Result<Self, Error> {
        let algorithm = algorithm.map_or(Ok(TotpAlgorithm::Sha1), TotpAlgorithm::parse)?;
        let digits = digits.unwrap_or(6);
        if !(1..=10).contains(&digits) {
            return Err(Error::InvalidTotp("digits must be between 1 and 10"));
        }
        let period = period.unwrap_or(30);
        if period == 0 {
            return Err(Error::InvalidTotp("the period must be at least 1 s"));
        }
        Ok(Self {
            key: base32_decode(code)?,
            algorithm,
            digits: u32::try_from(digits).unwrap_or(6),
            period,
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> TotpAlgorithm {
        self.algorithm
    }

    /// The number of digits.
    #[must_use]
    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// The period, seconds.
    #[must_use]
    pub fn period(&self) -> u64 {
        self.period
    }

    fn hotp(&self, counter: u64) -> Zeroizing<String> {
        let msg = counter.to_be_bytes();
        let mac: Zeroizing<Vec<u8>> = Zeroizing::new(match self.algorithm {
            TotpAlgorithm::Sha1 => mac::<sha1::Sha1>(&self.key, &msg),
            TotpAlgorithm::Sha256 => mac::<sha2::Sha256>(&self.key, &msg),
            TotpAlgorithm::Sha512 => mac::<sha2::Sha512>(&self.key, &msg),
        });
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        let bin = (u64::from(mac[offset] & 0x7f) << 24)
            | (u64::from(mac[offset + 1]) << 16)
            | (u64::from(mac[offset + 2]) << 8)
            | u64::from(mac[offset + 3]);
        let value = bin % 10u64.pow(self.digits);
        Zeroizing::new(format!("{value:0width$}", width = self.digits as usize))
    }

    /// The token at a Unix time (seconds).
    #[must_use]
    pub fn token_at(&self, unix_seconds: u64) -> Zeroizing<String> {
        self.hotp(unix_seconds / self.period)
    }

    /// Seconds until the token of `unix_seconds` changes.
    #[must_use]
    pub fn remaining_at(&self, unix_seconds: u64) -> u64 {
        self.period - unix_seconds % self.period
    }

    /// Whether `token` is valid at `unix_seconds`, accepting `skew` periods before and after
    /// (psonoci accepts 1). Compared in constant time.
    #[must_use]
    pub fn validate_at(&self, token: &str, unix_seconds: u64, skew: u64) -> bool {
        let step = unix_seconds / self.period;
        let mut ok = false;
        for s in step.saturating_sub(skew)..=step.saturating_add(skew) {
            ok |= keyauth_core::ct_eq(self.hotp(s).as_bytes(), token.trim().as_bytes());
        }
        ok
    }

    /// The `otpauth://totp/` URL (Key Uri Format) for authenticator apps: the label is
    /// `issuer:account` (or the account), `issuer`, `algorithm`, `digits` and `period` are
    /// always given.
    #[must_use]
    pub fn url(&self, issuer: Option<&str>, account_name: &str) -> Zeroizing<String> {
        let label = match issuer {
            Some(i) => format!("{}:{}", percent_encode(i), percent_encode(account_name)),
            None => percent_encode(account_name),
        };
        let mut url = Zeroizing::new(format!(
            "otpauth://totp/{label}?secret={}",
            base32_encode(&self.key).as_str()
        ));
        if let Some(i) = issuer {
            url.push_str("&issuer=");
            url.push_str(&percent_encode(i));
        }
        url.push_str(&format!(
            "&algorithm={}&digits={}&period={}",
            self.algorithm.as_str(),
            self.digits,
            self.period
        ));
        url
    }
}

fn mac<D>(key: &[u8], msg: &[u8]) -> Vec<u8>
where
    D: hmac::digest::Digest + hmac::digest::core_api::BlockSizeUser,
{
    let Ok(mut m) = <SimpleHmac<D> as Mac>::new_from_slice(key) else {
        // HMAC takes keys of any length.
        return Vec::new();
    };
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B: the ASCII key "12345678901234567890" (repeated for SHA256/512).
    #[test]
    fn rfc6238_vectors() {
        let key20 = base32_encode(b"12345678901234567890");
        let key32 = base32_encode(b"12345678901234567890123456789012");
        let key64 =
            base32_encode(b"1234567890123456789012345678901234567890123456789012345678901234");
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (t, s1, s256, s512) in cases {
            for (key, alg, want) in [
                (&key20, "SHA1", s1),
                (&key32, "SHA256", s256),
                (&key64, "SHA512", s512),
            ] {
                let totp = Totp::new(key, Some(alg), Some(8), Some(30)).unwrap();
                assert_eq!(totp.token_at(t).as_str(), want, "{alg} at {t}");
            }
        }
    }

    #[test]
    fn short_keys_and_defaults() {
        // 80-bit key (16 base32 characters), which psonoci refuses.
        let totp = Totp::new("JBSWY3DPEHPK3PXP", None, None, None).unwrap();
        assert_eq!(totp.digits(), 6);
        assert_eq!(totp.period(), 30);
        let token = totp.token_at(1_700_000_000);
        assert_eq!(token.len(), 6);
        assert!(totp.validate_at(&token, 1_700_000_000, 1));
        assert!(totp.validate_at(&token, 1_700_000_030, 1));
        assert!(!totp.validate_at(&token, 1_700_000_090, 1));
        assert!(!totp.validate_at("000000x", 1_700_000_000, 1));
        assert_eq!(
            totp.url(Some("ACME Co"), "alice@example.com").as_str(),
            "otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
        );
        assert!(!format!("{totp:?}").contains("JBSW"));
    }

    #[test]
    fn bad_parameters_are_typed() {
        for (code, alg, digits, period) in [
            ("0189", None, None, None),
            ("", None, None, None),
            ("JBSWY3DP", Some("MD5"), None, None),
            ("JBSWY3DP", None, Some(0), None),
            ("JBSWY3DP", None, Some(11), None),
            ("JBSWY3DP", None, None, Some(0)),
        ] {
            assert!(matches!(
                Totp::new(code, alg, digits, period),
                Err(Error::InvalidTotp(_))
            ));
        }
        assert_eq!(base32_decode("jbsw y3dp").unwrap().as_slice(), b"Hello");
    }
}
