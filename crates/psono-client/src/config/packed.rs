//! psonoci's packed config: one string that holds a whole config, for a single CI variable
//! (`psonoci config pack`, read back by `--config-packed` / `PSONO_CI_CONFIG_PACKED`).
//!
//! The string is base58 (Bitcoin alphabet) of MessagePack, exactly as psonoci 0.6.0 writes it
//! with `rmp-serde`'s default (compact) configuration: structs are arrays, the config's
//! `version` tag is the first element, the UUID is 16 raw bytes, every integer and string
//! takes its shortest encoding.
//!
//! ```text
//! [ "1",                                                  version tag
//!   [ bin(16) api_key_id, str api_secret_key_hex, str server_url ],
//!   [ uint timeout_secs, uint max_redirects, bool use_native_tls,
//!     bool danger_disable_tls_verification, nil|str der_root_certificate_path,
//!     nil|str pem_root_certificate_path ] ]
//! ```
//!
//! [`Settings::to_packed`] gives the same bytes as psonoci for the same settings (the server
//! URL normalized as psonoci's `url` crate does, the key as lowercase hex, as the web client
//! shows it). [`Settings::from_packed`] also reads the map form (field names as keys) that
//! `rmp-serde` writes with its struct-map option. The session-login keys
//! (`api_private_key_hex`, `server_signature_hex`) have no place in psonoci's format: give them
//! beside the packed config (`PSONO_CI_API_PRIVATE_KEY_HEX`, ...).
//!
//! keyauth never follows redirects and never disables certificate verification: a packed
//! config asking for either is read, and those two values are ignored (the request fails
//! closed instead of being redirected or trusting any certificate).

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{DEFAULT_TIMEOUT, Settings};
use crate::Error;
use crate::crypto::SecretKey;

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// The longest packed string accepted (a config is about 150 characters).
const MAX_PACKED: usize = 16 * 1024;

fn bad(what: &str) -> Error {
    Error::Config(format!("the packed config {what}"))
}

/// Base58 (Bitcoin alphabet), as the `bs58` crate psonoci uses encodes.
fn base58_encode(bytes: &[u8]) -> Zeroizing<String> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    // Little-endian base-58 digits of the number.
    let mut digits: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(bytes.len() * 2));
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = Zeroizing::new(String::with_capacity(zeros + digits.len()));
    out.extend(std::iter::repeat_n('1', zeros));
    out.extend(
        digits
            .iter()
            .rev()
            .map(|d| char::from(ALPHABET[usize::from(*d)])),
    );
    out
}

fn base58_decode(text: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let zeros = text.bytes().take_while(|c| *c == b'1').count();
    // Little-endian bytes of the number.
    let mut bytes: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(text.len()));
    for c in text.bytes().skip(zeros) {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or_else(|| bad("is not base58"))?;
        let mut carry = value as u32;
        for b in bytes.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = Zeroizing::new(vec![0u8; zeros]);
    out.extend(bytes.iter().rev());
    Ok(out)
}

/// The MessagePack writer: only what the config needs, each value in its shortest form.
struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    fn array(&mut self, len: u8) {
        // Every array here has fewer than 16 elements: fixarray.
        self.0.push(0x90 | (len & 0x0f));
    }

    fn uint(&mut self, n: u64) {
        let v = &mut self.0;
        if n < 0x80 {
            v.push(n as u8);
        } else if n <= 0xff {
            v.extend([0xcc, n as u8]);
        } else if n <= 0xffff {
            v.push(0xcd);
            v.extend((n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            v.push(0xce);
            v.extend((n as u32).to_be_bytes());
        } else {
            v.push(0xcf);
            v.extend(n.to_be_bytes());
        }
    }

    fn str(&mut self, s: &str) {
        let n = s.len();
        let v = &mut self.0;
        if n < 32 {
            v.push(0xa0 | n as u8);
        } else if n <= 0xff {
            v.extend([0xd9, n as u8]);
        } else if n <= 0xffff {
            v.push(0xda);
            v.extend((n as u16).to_be_bytes());
        } else {
            v.push(0xdb);
            v.extend((n as u32).to_be_bytes());
        }
        v.extend_from_slice(s.as_bytes());
    }

    fn bin16(&mut self, b: &[u8; 16]) {
        self.0.extend([0xc4, 16]);
        self.0.extend_from_slice(b);
    }

    fn bool(&mut self, b: bool) {
        self.0.push(if b { 0xc3 } else { 0xc2 });
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.0.push(0xc0),
        }
    }
}

/// A decoded MessagePack value, borrowing its strings from the (wiped) decoded buffer.
#[derive(Debug)]
enum Value<'a> {
    Nil,
    /// A boolean (its value is never needed: keyauth ignores both of psonoci's TLS flags).
    Bool,
    Uint(u64),
    /// A negative integer (never valid in a config).
    Int,
    Str(&'a str),
    Bin(&'a [u8]),
    Array(Vec<Value<'a>>),
    Map(Vec<(Value<'a>, Value<'a>)>),
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| bad("is truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> Result<u64, Error> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn len(&mut self, n: usize) -> Result<usize, Error> {
        let len = usize::try_from(self.be(n)?).map_err(|_| bad("is truncated"))?;
        // Every element takes at least one byte: a length past the end is a lie.
        if len > self.buf.len() - self.pos {
            return Err(bad("is truncated"));
        }
        Ok(len)
    }

    fn value(&mut self, depth: u8) -> Result<Value<'a>, Error> {
        if depth > 8 {
            return Err(bad("is nested too deeply"));
        }
        let tag = self.take(1)?[0];
        Ok(match tag {
            0x00..=0x7f => Value::Uint(u64::from(tag)),
            0x80..=0x8f => self.map(usize::from(tag & 0x0f), depth)?,
            0x90..=0x9f => self.array(usize::from(tag & 0x0f), depth)?,
            0xa0..=0xbf => self.str(usize::from(tag & 0x1f))?,
            0xc0 => Value::Nil,
            0xc2 | 0xc3 => Value::Bool,
            0xc4 => {
                let n = self.len(1)?;
                Value::Bin(self.take(n)?)
            }
            0xc5 => {
                let n = self.len(2)?;
                Value::Bin(self.take(n)?)
            }
            0xc6 => {
                let n = self.len(4)?;
                Value::Bin(self.take(n)?)
            }
            0xcc => Value::Uint(self.be(1)?),
            0xcd => Value::Uint(self.be(2)?),
            0xce => Value::Uint(self.be(4)?),
            0xcf => Value::Uint(self.be(8)?),
            0xd0 => self.int(1)?,
            0xd1 => self.int(2)?,
            0xd2 => self.int(4)?,
            0xd3 => self.int(8)?,
            0xd9 => {
                let n = self.len(1)?;
                self.str(n)?
            }
            0xda => {
                let n = self.len(2)?;
                self.str(n)?
            }
            0xdb => {
                let n = self.len(4)?;
                self.str(n)?
            }
            0xdc => {
                let n = self.len(2)?;
                self.array(n, depth)?
            }
            0xdd => {
                let n = self.len(4)?;
                self.array(n, depth)?
            }
            0xde => {
                let n = self.len(2)?;
                self.map(n, depth)?
            }
            0xdf => {
                let n = self.len(4)?;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::Int,
            // Floats, extension types, the unused 0xc1: nothing a config holds.
            _ => return Err(bad("holds a value of an unexpected type")),
        })
    }

    /// A signed integer: only its sign matters (a non-negative one is a count).
    fn int(&mut self, n: usize) -> Result<Value<'a>, Error> {
        let v = self.be(n)?;
        let negative = v >> (8 * n - 1) & 1 == 1;
        Ok(if negative { Value::Int } else { Value::Uint(v) })
    }

    fn str(&mut self, n: usize) -> Result<Value<'a>, Error> {
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .map(Value::Str)
            .map_err(|_| bad("holds text that is not UTF-8"))
    }

    fn array(&mut self, n: usize, depth: u8) -> Result<Value<'a>, Error> {
        let mut items = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: u8) -> Result<Value<'a>, Error> {
        let mut items = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            items.push((k, v));
        }
        Ok(Value::Map(items))
    }
}

/// A struct's fields by position (array form) or by name (map form), as serde reads them.
struct Fields<'v, 'a> {
    value: &'v Value<'a>,
    names: &'static [&'static str],
}

impl<'v, 'a> Fields<'v, 'a> {
    fn new(
        value: &'v Value<'a>,
        names: &'static [&'static str],
        what: &str,
    ) -> Result<Self, Error> {
        match value {
            Value::Array(_) | Value::Map(_) => Ok(Self { value, names }),
            _ => Err(bad(&format!("has no {what}"))),
        }
    }

    fn get(&self, name: &str) -> Option<&'v Value<'a>> {
        match self.value {
            Value::Array(items) => {
                let i = self.names.iter().position(|n| *n == name)?;
                items.get(i)
            }
            Value::Map(items) => items
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if *s == name))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn required(&self, name: &str) -> Result<&'v Value<'a>, Error> {
        self.get(name).ok_or_else(|| bad(&format!("has no {name}")))
    }
}

const CONFIG_FIELDS: &[&str] = &["version", "psono_settings", "http_options"];
const PSONO_FIELDS: &[&str] = &["api_key_id", "api_secret_key_hex", "server_url"];
const HTTP_FIELDS: &[&str] = &[
    "timeout",
    "max_redirects",
    "use_native_tls",
    "danger_disable_tls_verification",
    "der_root_certificate_path",
    "pem_root_certificate_path",
];

fn text<'a>(v: &Value<'a>, name: &str) -> Result<&'a str, Error> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(bad(&format!("holds no text for {name}"))),
    }
}

fn opt_path(v: Option<&Value<'_>>, name: &str) -> Result<Option<PathBuf>, Error> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => Ok(Some(PathBuf::from(text(v, name)?))),
    }
}

/// The 16 bytes of a UUID in the text forms psonoci's `uuid` crate parses (hyphenated,
/// simple, braced, `urn:uuid:`).
fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
    let s = s.trim();
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(s);
    let hex: String = match s.len() {
        32 => s.to_owned(),
        36 => {
            let dashes = s
                .char_indices()
                .all(|(i, c)| [8, 13, 18, 23].contains(&i) == (c == '-'));
            if !dashes {
                return None;
            }
            s.chars().filter(|c| *c != '-').collect()
        }
        _ => return None,
    };
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    hex.bytes().all(|b| b.is_ascii_hexdigit()).then_some(out)
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h = crate::crypto::hex_encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The server URL as psonoci's `url::Url` serializes it (host lower-cased, default port
/// dropped, `/` for an empty path), refusing what psonoci refuses.
fn normalized_url(url: &str) -> Result<String, Error> {
    let u = reqwest::Url::parse(url.trim())
        .map_err(|_| Error::Config("the server URL is not a valid URL".into()))?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        return Err(Error::Config(
            "the server URL must start with https:// or http:// and name a host".into(),
        ));
    }
    Ok(u.as_str().to_owned())
}

fn path_text<'p>(p: &'p std::path::Path, name: &str) -> Result<&'p str, Error> {
    p.to_str()
        .ok_or_else(|| Error::Config(format!("the {name} is not UTF-8 (psonoci needs UTF-8)")))
}

impl Settings {
    /// psonoci's packed config string for these settings (`psonoci config pack`): the
    /// server URL, API key id and secret key, timeout and root certificate paths. It holds
    /// the secret key: keep it in a CI secret variable.
    ///
    /// # Errors
    /// [`Error::MissingSetting`] when the URL, id or secret key is missing;
    /// [`Error::Config`] when the id is not a UUID, the URL is not `http(s)://`, or a
    /// certificate path is not UTF-8.
    pub fn to_packed(&self) -> Result<Zeroizing<String>, Error> {
        let url = self.server_url.as_deref().ok_or(Error::MissingSetting {
            name: "PSONO_CI_SERVER_URL",
        })?;
        let id = self.api_key_id.as_deref().ok_or(Error::MissingSetting {
            name: "PSONO_CI_API_KEY_ID",
        })?;
        let key = self.api_secret_key.as_ref().ok_or(Error::MissingSetting {
            name: "PSONO_CI_API_SECRET_KEY_HEX",
        })?;
        let id =
            uuid_bytes(id).ok_or_else(|| Error::Config("the API key id must be a UUID".into()))?;
        let url = normalized_url(url)?;
        let der = self
            .der_root_certificate
            .as_deref()
            .map(|p| path_text(p, "DER root certificate path"))
            .transpose()?;
        let pem = self
            .pem_root_certificate
            .as_ref()
            .or(self.root_certificates.first())
            .map(|p| path_text(p, "PEM root certificate path"))
            .transpose()?;
        let secs = self.timeout.unwrap_or(DEFAULT_TIMEOUT).as_secs().max(1);

        let mut w = Writer(Zeroizing::new(Vec::with_capacity(160)));
        w.array(3);
        w.str("1");
        w.array(3);
        w.bin16(&id);
        w.str(&key.to_hex());
        w.str(&url);
        w.array(6);
        w.uint(secs);
        w.uint(0); // max_redirects: keyauth follows none.
        w.bool(false); // use_native_tls
        w.bool(false); // danger_disable_tls_verification: never.
        w.opt_str(der);
        w.opt_str(pem);
        Ok(base58_encode(&w.0))
    }

    /// Reads psonoci's packed config string (`--config-packed`, `PSONO_CI_CONFIG_PACKED`).
    /// Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`Error::Config`] for text that is not base58, not psonoci's MessagePack layout, of
    /// another version than `1`, or with an invalid id, key or URL. The message never
    /// repeats the text.
    pub fn from_packed(packed: &str) -> Result<Self, Error> {
        let packed = packed.trim();
        if packed.is_empty() {
            return Err(bad("is empty"));
        }
        if packed.len() > MAX_PACKED {
            return Err(bad("is too long"));
        }
        let raw = base58_decode(packed)?;
        let mut r = Reader { buf: &raw, pos: 0 };
        let top = r.value(0)?;
        if r.pos != raw.len() {
            return Err(bad("has bytes after its end"));
        }
        let top = Fields::new(&top, CONFIG_FIELDS, "config")?;
        if text(top.required("version")?, "version")? != "1" {
            return Err(bad("has an unsupported version (psonoci writes version 1)"));
        }
        let p = Fields::new(
            top.required("psono_settings")?,
            PSONO_FIELDS,
            "psono_settings",
        )?;
        let id = match p.required("api_key_id")? {
            Value::Bin(b) => <[u8; 16]>::try_from(*b).ok(),
            Value::Str(s) => uuid_bytes(s),
            _ => None,
        }
        .ok_or_else(|| bad("holds an api_key_id that is not a UUID"))?;
        let key_hex = text(p.required("api_secret_key_hex")?, "api_secret_key_hex")?;
        if key_hex.len() != 64 {
            return Err(bad(
                "holds an api_secret_key_hex that is not 64 hex characters",
            ));
        }
        let key = SecretKey::from_hex(key_hex)
            .map_err(|_| bad("holds an api_secret_key_hex that is not 64 hex characters"))?;
        let url = normalized_url(text(p.required("server_url")?, "server_url")?)?;

        let mut s = Self::new()
            .server_url(url)
            .api_key_id(uuid_text(&id))
            .api_secret_key(key);
        if let Some(h) = top.get("http_options") {
            let h = Fields::new(h, HTTP_FIELDS, "http_options")?;
            match h.get("timeout") {
                None => {}
                Some(Value::Uint(t)) => s.timeout = Some(Duration::from_secs((*t).max(1))),
                Some(_) => return Err(bad("holds a timeout that is not a number of seconds")),
            }
            for flag in ["use_native_tls", "danger_disable_tls_verification"] {
                if !matches!(h.get(flag), None | Some(Value::Bool)) {
                    return Err(bad(&format!("holds a {flag} that is not a boolean")));
                }
            }
            s.der_root_certificate = opt_path(
                h.get("der_root_certificate_path"),
                "der_root_certificate_path",
            )?;
            s.pem_root_certificate = opt_path(
                h.get("pem_root_certificate_path"),
                "pem_root_certificate_path",
            )?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// psonoci 0.6.0's own test vector (`src/config.rs`,
    /// `parse_config_v1_with_config_loader_from_base58_message_pack__success`).
    const PSONOCI_VECTOR: &str = "XLZ6owS4rtdgFxsBmWbpxeNhScHsMHJZAaXDrrcTxQK7f1vyomg4jiRW6yoAt1qUzE1qdNzGtMw64hi2kG6qXc4aTHrpikZkYiJLAGe5L1HWfo8deWx761CZapVpkqRT5tZM2jAJjLpbdD74A5XaJoNQq4dGX5LhBpUB8Pi7";
    const KEY: &str = "acf25040d90e3c73abf1c395e7262bc3b5f9b1e35b96c74dcf72faba4663e98b";

    fn vector_settings() -> Settings {
        Settings::new()
            .server_url("https://www.psono.pw/server")
            .api_key_id("0e1ed23d-cac8-4a04-868b-275bf43b81cd")
            .api_secret_key(SecretKey::from_hex(KEY).unwrap())
    }

    #[test]
    fn reads_psonocis_vector() {
        let s = Settings::from_packed(PSONOCI_VECTOR).unwrap();
        assert_eq!(s.server_url.as_deref(), Some("https://www.psono.pw/server"));
        assert_eq!(
            s.api_key_id.as_deref(),
            Some("0e1ed23d-cac8-4a04-868b-275bf43b81cd")
        );
        assert_eq!(s.api_secret_key.as_ref().unwrap().to_hex().as_str(), KEY);
        assert_eq!(s.timeout, Some(Duration::from_secs(60)));
        assert_eq!(s.pem_root_certificate, None);
        let c = s.build().unwrap();
        assert_eq!(c.server_url(), "https://www.psono.pw/server");
    }

    #[test]
    fn packs_psonocis_vector_byte_for_byte() {
        assert_eq!(
            vector_settings().to_packed().unwrap().as_str(),
            PSONOCI_VECTOR
        );
    }

    #[test]
    fn round_trip_with_every_option() {
        let s = vector_settings()
            .server_url("HTTP://Example.COM:80")
            .timeout(Duration::from_secs(300))
            .pem_root_certificate_file("/etc/ssl/ca with space.pem")
            .der_root_certificate_file("/etc/ssl/ca.der");
        let packed = s.to_packed().unwrap();
        let back = Settings::from_packed(&format!("  {}\n", packed.as_str())).unwrap();
        // Normalized as psonoci's url crate does.
        assert_eq!(back.server_url.as_deref(), Some("http://example.com/"));
        assert_eq!(back.timeout, Some(Duration::from_secs(300)));
        assert_eq!(
            back.pem_root_certificate.as_deref(),
            Some(std::path::Path::new("/etc/ssl/ca with space.pem"))
        );
        assert_eq!(
            back.der_root_certificate.as_deref(),
            Some(std::path::Path::new("/etc/ssl/ca.der"))
        );
        assert_eq!(back.to_packed().unwrap(), packed);
    }

    #[test]
    fn reads_the_struct_map_form() {
        // rmp-serde's `with_struct_map()`: {"version":"1","psono_settings":{...}} and no
        // http_options (serde's default).
        let mut w = Writer(Zeroizing::new(Vec::new()));
        w.0.push(0x82);
        w.str("psono_settings");
        w.0.push(0x83);
        w.str("server_url");
        w.str("http://127.0.0.1:8000/server");
        w.str("api_key_id");
        w.str("0e1ed23d-cac8-4a04-868b-275bf43b81cd");
        w.str("api_secret_key_hex");
        w.str(KEY);
        w.str("version");
        w.str("1");
        let s = Settings::from_packed(&base58_encode(&w.0)).unwrap();
        assert_eq!(
            s.server_url.as_deref(),
            Some("http://127.0.0.1:8000/server")
        );
        assert_eq!(s.timeout, None);
    }

    #[test]
    fn refuses_bad_strings_without_repeating_them() {
        // psonoci's own negative cases: `I` is not base58; random bytes are not a config.
        let cases = [
            (format!("I{PSONOCI_VECTOR}"), "is not base58"),
            (
                "2HUhVoziURdMHEhHpwF5DAx7mdToMn5V2a8DzCNKmCAjVTEAxTzfHKJwPz2RCzEqEUfYR".to_owned(),
                "",
            ),
            (String::new(), "is empty"),
            (format!("{PSONOCI_VECTOR}1"), ""),
        ];
        for (text, want) in cases {
            let e = Settings::from_packed(&text).unwrap_err();
            let msg = e.to_string();
            assert_eq!(e.code(), "config", "{msg}");
            assert!(msg.contains(want), "{msg}");
            assert!(
                !msg.contains(KEY) && (text.is_empty() || !msg.contains(&text)),
                "{msg}"
            );
        }
        // Version 2, a short key, a truncated buffer.
        let mut raw = base58_decode(PSONOCI_VECTOR).unwrap();
        raw[2] = b'2';
        let e = Settings::from_packed(&base58_encode(&raw)).unwrap_err();
        assert!(e.to_string().contains("unsupported version"), "{e}");
        let raw = base58_decode(PSONOCI_VECTOR).unwrap();
        let e = Settings::from_packed(&base58_encode(&raw[..raw.len() - 3])).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn packing_needs_a_uuid_and_the_three_settings() {
        let e = vector_settings()
            .api_key_id("not-a-uuid")
            .to_packed()
            .unwrap_err();
        assert!(e.to_string().contains("UUID"), "{e}");
        let e = Settings::new()
            .server_url("http://x")
            .to_packed()
            .unwrap_err();
        assert_eq!(
            e,
            Error::MissingSetting {
                name: "PSONO_CI_API_KEY_ID"
            }
        );
        let e = vector_settings()
            .server_url("ftp://x/")
            .to_packed()
            .unwrap_err();
        assert_eq!(e.code(), "config");
        // The other UUID forms psonoci's uuid crate parses.
        for id in [
            "0e1ed23dcac84a04868b275bf43b81cd",
            "{0e1ed23d-cac8-4a04-868b-275bf43b81cd}",
            "urn:uuid:0e1ed23d-cac8-4a04-868b-275bf43b81cd",
        ] {
            assert_eq!(
                vector_settings()
                    .api_key_id(id)
                    .to_packed()
                    .unwrap()
                    .as_str(),
                PSONOCI_VECTOR
            );
        }
    }

    #[test]
    fn base58_edges() {
        for bytes in [&[][..], &[0], &[0, 0, 1], &[255; 40], &[0, 255, 0]] {
            let e = base58_encode(bytes);
            assert_eq!(base58_decode(&e).unwrap().as_slice(), bytes);
        }
        assert_eq!(base58_encode(b"hello world").as_str(), "StV1DL6CwTryKyV");
        assert_eq!(
            base58_encode(&[0, 0, 0x28, 0x7f, 0xb4, 0xcd]).as_str(),
            "11233QC4"
        );
    }

    #[test]
    fn hostile_messagepack_is_refused() {
        // A length far past the end, deep nesting, a float: errors, never panics.
        for raw in [
            vec![0xdd, 0xff, 0xff, 0xff, 0xff],
            vec![0x91; 40],
            vec![0xca, 0, 0, 0, 0],
            vec![0xdb, 0, 0, 0, 9, b'a'],
            vec![0x93, 0xa1, b'1', 0xc0, 0xc0],
        ] {
            assert_eq!(
                Settings::from_packed(&base58_encode(&raw))
                    .unwrap_err()
                    .code(),
                "config"
            );
        }
    }
}
