//! Configuration: typed [`Settings`] (every value optional) layered from psonoci's
//! `PSONO_CI_*` environment variables, psonoci's TOML config file and the caller's own
//! values, then checked into a [`Config`].
//!
//! | setting | environment | TOML (`[psono_settings]` / `[http_options]`) |
//! |---|---|---|
//! | server URL | `PSONO_CI_SERVER_URL` | `server_url` |
//! | API key id | `PSONO_CI_API_KEY_ID` | `api_key_id` |
//! | API secret key (64 hex) | `PSONO_CI_API_SECRET_KEY_HEX` | `api_secret_key_hex` |
//! | API private key (64 hex, session login only) | `PSONO_CI_API_PRIVATE_KEY_HEX` | `api_private_key_hex` |
//! | server signature (64 hex, session login only) | `PSONO_CI_SERVER_SIGNATURE_HEX` | `server_signature_hex` |
//! | server public key (64 hex, unused by login) | `PSONO_CI_SERVER_PUBLIC_KEY_HEX` | `server_public_key_hex` |
//! | timeout (`30`, `30s`, `2m`; default 60 s) | `PSONO_CI_TIMEOUT` | `timeout` (seconds) |
//! | extra root certificate, PEM | `PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH` | `pem_root_certificate_path` |
//! | extra root certificate, DER | `PSONO_CI_ADD_DER_ROOT_CERTIFICATE_PATH` | `der_root_certificate_path` |
//! | config file | `PSONO_CI_CONFIG_PATH` | |
//! | packed config ([`packed`]) | `PSONO_CI_CONFIG_PACKED` | |
//!
//! TLS certificate verification is always on: the platform's roots through
//! rustls-platform-verifier (ring as the crypto provider), plus the extra root certificates.
//! The certificate store is only loaded for `https://` URLs. Plain `http://` URLs are
//! accepted, as psonoci accepts them: every payload is still encrypted and authenticated.

use core::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keyauth_core::{Clock, SystemClock};
use serde::Deserialize;

use crate::Error;
use crate::crypto::{PublicKey, SecretKey, SigningSeed, VerifyKey};

pub mod packed;

/// psonoci's default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest config file [`Settings::from_file`] reads (psonoci writes well under 1 KiB).
pub const MAX_CONFIG_FILE_BYTES: u64 = 1 << 20;

/// A duration such as `90`, `90s`, `15m`, `1h`, `1h30m`, `2d` or `1w` (a bare number is
/// seconds); `None` for anything else.
#[must_use]
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        any = true;
    }
    if !digits.is_empty() {
        if any {
            return None;
        }
        total = digits.parse().ok()?;
        any = true;
    }
    any.then_some(Duration::from_secs(total))
}

/// Settings, each one optional, to be layered ([`Settings::or`]) and checked
/// ([`Settings::build`]). Key material is held in its typed, zeroizing form only.
#[derive(Clone, Default)]
pub struct Settings {
    server_url: Option<String>,
    api_key_id: Option<String>,
    api_secret_key: Option<SecretKey>,
    api_private_key: Option<SigningSeed>,
    server_signature: Option<VerifyKey>,
    server_public_key: Option<PublicKey>,
    timeout: Option<Duration>,
    device_description: Option<String>,
    session_duration: Option<i64>,
    root_certificates: Vec<PathBuf>,
    pem_root_certificate: Option<PathBuf>,
    der_root_certificate: Option<PathBuf>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("server_url", &self.server_url)
            .field("api_key_id", &self.api_key_id)
            .field("api_secret_key", &self.api_secret_key.is_some())
            .field("api_private_key", &self.api_private_key.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn key<T>(
    text: Option<&str>,
    parse: fn(&str) -> Result<T, Error>,
    name: &str,
) -> Result<Option<T>, Error> {
    text.map(|t| {
        parse(t.trim()).map_err(|_| Error::Config(format!("{name} must be 64 hex characters")))
    })
    .transpose()
}

#[derive(Deserialize)]
struct FileV1 {
    version: Option<String>,
    psono_settings: FileSettings,
    #[serde(default)]
    http_options: FileHttp,
}

/// Hex text read from a file, wiped on drop.
struct HexText(zeroize::Zeroizing<String>);

impl<'de> Deserialize<'de> for HexText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self(zeroize::Zeroizing::new(s)))
    }
}

#[derive(Deserialize)]
struct FileSettings {
    api_key_id: Option<String>,
    api_secret_key_hex: Option<HexText>,
    server_url: Option<String>,
    api_private_key_hex: Option<HexText>,
    server_signature_hex: Option<String>,
    server_public_key_hex: Option<String>,
    device_description: Option<String>,
    session_duration: Option<i64>,
}

#[derive(Default, Deserialize)]
struct FileHttp {
    timeout: Option<u64>,
    pem_root_certificate_path: Option<PathBuf>,
    der_root_certificate_path: Option<PathBuf>,
}

impl Settings {
    /// No settings.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's API root, e.g. `https://psono.example.com/server`.
    #[must_use]
    pub fn server_url(mut self, url: impl Into<String>) -> Self {
        self.server_url = Some(url.into());
        self
    }

    /// The API key's id (a UUID).
    #[must_use]
    pub fn api_key_id(mut self, id: impl Into<String>) -> Self {
        self.api_key_id = Some(id.into());
        self
    }

    /// The API key's secret key.
    #[must_use]
    pub fn api_secret_key(mut self, key: SecretKey) -> Self {
        self.api_secret_key = Some(key);
        self
    }

    /// The API key's private key (session login only).
    #[must_use]
    pub fn api_private_key(mut self, key: SigningSeed) -> Self {
        self.api_private_key = Some(key);
        self
    }

    /// The server's signature (session login only).
    #[must_use]
    pub fn server_signature(mut self, key: VerifyKey) -> Self {
        self.server_signature = Some(key);
        self
    }

    /// The server's public key (not used by the login).
    #[must_use]
    pub fn server_public_key(mut self, key: PublicKey) -> Self {
        self.server_public_key = Some(key);
        self
    }

    /// The timeout of every request.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The login's `device_description`.
    #[must_use]
    pub fn device_description(mut self, d: impl Into<String>) -> Self {
        self.device_description = Some(d.into());
        self
    }

    /// The session duration to ask for (the server clamps to 600 s by default).
    #[must_use]
    pub fn session_duration(mut self, secs: i64) -> Self {
        self.session_duration = Some(secs);
        self
    }

    /// An extra root certificate file (PEM, or DER when not PEM), added to the platform's.
    #[must_use]
    pub fn root_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_certificates.push(path.into());
        self
    }

    /// psonoci's PEM root certificate file (`--pem-root-certificate-path`,
    /// `PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH`), added to the platform's roots.
    #[must_use]
    pub fn pem_root_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.pem_root_certificate = Some(path.into());
        self
    }

    /// psonoci's DER root certificate file (`--der-root-certificate-path`,
    /// `PSONO_CI_ADD_DER_ROOT_CERTIFICATE_PATH`), added to the platform's roots.
    #[must_use]
    pub fn der_root_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.der_root_certificate = Some(path.into());
        self
    }

    /// The clock used to notice an expired session before sending a request.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// These settings, the gaps filled from `lower` (a flag over a variable over a file).
    #[must_use]
    pub fn or(self, lower: Self) -> Self {
        let mut roots = self.root_certificates;
        if roots.is_empty() {
            roots = lower.root_certificates;
        }
        Self {
            server_url: self.server_url.or(lower.server_url),
            api_key_id: self.api_key_id.or(lower.api_key_id),
            api_secret_key: self.api_secret_key.or(lower.api_secret_key),
            api_private_key: self.api_private_key.or(lower.api_private_key),
            server_signature: self.server_signature.or(lower.server_signature),
            server_public_key: self.server_public_key.or(lower.server_public_key),
            timeout: self.timeout.or(lower.timeout),
            device_description: self.device_description.or(lower.device_description),
            session_duration: self.session_duration.or(lower.session_duration),
            root_certificates: roots,
            pem_root_certificate: self.pem_root_certificate.or(lower.pem_root_certificate),
            der_root_certificate: self.der_root_certificate.or(lower.der_root_certificate),
            clock: self.clock.or(lower.clock),
        }
    }

    /// psonoci's `PSONO_CI_*` variables through `var` (see the module table; empty values
    /// count as unset). `PSONO_CI_CONFIG_PATH` is not read here: see
    /// [`Settings::from_env_and_file`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable whose value is invalid (never the value).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| {
            var(name)
                .filter(|v| !v.is_empty())
                .map(zeroize::Zeroizing::new)
        };
        let mut s = Self::new();
        s.server_url = get("PSONO_CI_SERVER_URL").map(|v| v.to_string());
        s.api_key_id = get("PSONO_CI_API_KEY_ID").map(|v| v.trim().to_owned());
        s.api_secret_key = key(
            get("PSONO_CI_API_SECRET_KEY_HEX")
                .as_deref()
                .map(String::as_str),
            SecretKey::from_hex,
            "PSONO_CI_API_SECRET_KEY_HEX",
        )?;
        s.api_private_key = key(
            get("PSONO_CI_API_PRIVATE_KEY_HEX")
                .as_deref()
                .map(String::as_str),
            SigningSeed::from_hex,
            "PSONO_CI_API_PRIVATE_KEY_HEX",
        )?;
        s.server_signature = key(
            get("PSONO_CI_SERVER_SIGNATURE_HEX")
                .as_deref()
                .map(String::as_str),
            VerifyKey::from_hex,
            "PSONO_CI_SERVER_SIGNATURE_HEX",
        )?;
        s.server_public_key = key(
            get("PSONO_CI_SERVER_PUBLIC_KEY_HEX")
                .as_deref()
                .map(String::as_str),
            PublicKey::from_hex,
            "PSONO_CI_SERVER_PUBLIC_KEY_HEX",
        )?;
        if let Some(t) = get("PSONO_CI_TIMEOUT") {
            s.timeout = Some(parse_duration(&t).filter(|d| !d.is_zero()).ok_or_else(|| {
                Error::Config("PSONO_CI_TIMEOUT must be a duration such as 30, 30s or 2m".into())
            })?);
        }
        s.pem_root_certificate =
            get("PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH").map(|p| PathBuf::from(p.as_str()));
        s.der_root_certificate =
            get("PSONO_CI_ADD_DER_ROOT_CERTIFICATE_PATH").map(|p| PathBuf::from(p.as_str()));
        Ok(s)
    }

    /// The variables over the packed config in `PSONO_CI_CONFIG_PACKED` or, when that is
    /// unset, the config file named by `PSONO_CI_CONFIG_PATH` (psonoci also prefers the
    /// packed config to the file).
    ///
    /// # Errors
    /// As [`Settings::from_vars`], [`Settings::from_packed`] and [`Settings::from_file`].
    pub fn from_env_and_file(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let packed = var("PSONO_CI_CONFIG_PACKED")
            .filter(|p| !p.is_empty())
            .map(zeroize::Zeroizing::new);
        let file = match (
            packed,
            var("PSONO_CI_CONFIG_PATH").filter(|p| !p.is_empty()),
        ) {
            (Some(text), _) => Self::from_packed(&text)?,
            (None, Some(path)) => Self::from_file(Path::new(&path))?,
            (None, None) => Self::new(),
        };
        Ok(Self::from_vars(var)?.or(file))
    }

    /// Parses psonoci's TOML config (`version = "1"`, `[psono_settings]`, `[http_options]`),
    /// plus this crate's keys (`api_private_key_hex`, `server_signature_hex`, ...).
    ///
    /// # Errors
    /// [`Error::Config`] (the TOML parser's message is not repeated: it may quote a key).
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        let f: FileV1 = toml::from_str(text).map_err(|e| {
            Error::Config(match e.span() {
                Some(s) => format!("invalid config file at byte {}", s.start),
                None => "invalid config file".to_owned(),
            })
        })?;
        if f.version.as_deref().is_some_and(|v| v != "1") {
            return Err(Error::Config("unsupported config file version".into()));
        }
        let p = f.psono_settings;
        let mut s = Self::new();
        s.server_url = p.server_url;
        s.api_key_id = p.api_key_id;
        s.api_secret_key = key(
            p.api_secret_key_hex.as_ref().map(|h| h.0.as_str()),
            SecretKey::from_hex,
            "api_secret_key_hex",
        )?;
        s.api_private_key = key(
            p.api_private_key_hex.as_ref().map(|h| h.0.as_str()),
            SigningSeed::from_hex,
            "api_private_key_hex",
        )?;
        s.server_signature = key(
            p.server_signature_hex.as_deref(),
            VerifyKey::from_hex,
            "server_signature_hex",
        )?;
        s.server_public_key = key(
            p.server_public_key_hex.as_deref(),
            PublicKey::from_hex,
            "server_public_key_hex",
        )?;
        s.device_description = p.device_description;
        s.session_duration = p.session_duration;
        s.timeout = f
            .http_options
            .timeout
            .map(|t| Duration::from_secs(t.max(1)));
        s.pem_root_certificate = f.http_options.pem_root_certificate_path;
        s.der_root_certificate = f.http_options.der_root_certificate_path;
        Ok(s)
    }

    /// Reads a TOML config file of at most [`MAX_CONFIG_FILE_BYTES`].
    ///
    /// # Errors
    /// [`Error::Config`] when it cannot be read, is larger, or cannot be parsed.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        use std::io::Read as _;
        let cannot = |e: std::io::Error| {
            Error::Config(format!("cannot read {}: {}", path.display(), e.kind()))
        };
        // It holds the secret key: wiped after parsing. One byte past the limit tells an
        // oversized file (or `/dev/zero`) apart without reading all of it.
        let mut text = zeroize::Zeroizing::new(String::new());
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CONFIG_FILE_BYTES + 1).read_to_string(&mut text))
            .map_err(cannot)?;
        if text.len() as u64 > MAX_CONFIG_FILE_BYTES {
            return Err(Error::Config(format!(
                "{} is larger than {MAX_CONFIG_FILE_BYTES} bytes",
                path.display()
            )));
        }
        Self::from_toml(&text)
    }

    /// psonoci's TOML config file for these settings (what `config save` writes and
    /// `config show` prints; psonoci reads it, ignoring the session keys it does not know).
    /// Holds the secret key: write it to a file only the user can read.
    #[must_use]
    pub fn to_toml(&self) -> zeroize::Zeroizing<String> {
        let q = |s: &str| toml_string(s);
        let mut t = zeroize::Zeroizing::new(String::from("version = \"1\"\n\n[psono_settings]\n"));
        if let Some(v) = &self.api_key_id {
            t.push_str(&format!("api_key_id = {}\n", q(v)));
        }
        if let Some(k) = &self.api_secret_key {
            t.push_str(&format!(
                "api_secret_key_hex = \"{}\"\n",
                k.to_hex().as_str()
            ));
        }
        if let Some(v) = &self.server_url {
            t.push_str(&format!("server_url = {}\n", q(v)));
        }
        if let Some(k) = &self.api_private_key {
            t.push_str(&format!(
                "api_private_key_hex = \"{}\"\n",
                crate::crypto::hex_encode(&*k.to_box_secret_key().to_bytes())
            ));
        }
        if let Some(k) = &self.server_signature {
            t.push_str(&format!("server_signature_hex = \"{}\"\n", k.to_hex()));
        }
        if let Some(k) = &self.server_public_key {
            t.push_str(&format!("server_public_key_hex = \"{}\"\n", k.to_hex()));
        }
        let secs = self.timeout.unwrap_or(DEFAULT_TIMEOUT).as_secs().max(1);
        t.push_str(&format!(
            "\n[http_options]\ntimeout = {secs}\nmax_redirects = 0\nuse_native_tls = false\ndanger_disable_tls_verification = false\n"
        ));
        if let Some(p) = self.der_root_certificate.as_ref() {
            t.push_str(&format!(
                "der_root_certificate_path = {}\n",
                q(&p.to_string_lossy())
            ));
        }
        if let Some(p) = self
            .pem_root_certificate
            .as_ref()
            .or(self.root_certificates.first())
        {
            t.push_str(&format!(
                "pem_root_certificate_path = {}\n",
                q(&p.to_string_lossy())
            ));
        }
        t
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::MissingSetting`] naming psonoci's variable, [`Error::Config`] for a URL that
    /// is not `http(s)://` or an unreadable root certificate.
    pub fn build(self) -> Result<Config, Error> {
        let server_url = self.server_url.ok_or(Error::MissingSetting {
            name: "PSONO_CI_SERVER_URL",
        })?;
        let api_key_id = self.api_key_id.ok_or(Error::MissingSetting {
            name: "PSONO_CI_API_KEY_ID",
        })?;
        let api_key_secret_key = self.api_secret_key.ok_or(Error::MissingSetting {
            name: "PSONO_CI_API_SECRET_KEY_HEX",
        })?;
        let mut c = Config::new(&server_url, &api_key_id, api_key_secret_key)?;
        c.api_key_private_key = self.api_private_key;
        c.server_signature = self.server_signature;
        c.server_public_key = self.server_public_key;
        if let Some(t) = self.timeout {
            c.timeout = t;
        }
        if let Some(d) = self.device_description {
            c.device_description = d;
        }
        c.session_duration = self.session_duration;
        if let Some(clock) = self.clock {
            c.clock = clock;
        }
        for p in self
            .root_certificates
            .iter()
            .chain(&self.pem_root_certificate)
            .chain(&self.der_root_certificate)
        {
            c.add_root_certificate_file(p)?;
        }
        Ok(c)
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Everything the client needs, checked. Build it with [`Config::new`] and the builder
/// methods, or from layered [`Settings`].
#[derive(Clone)]
pub struct Config {
    pub(crate) server_url: String,
    pub(crate) api_key_id: String,
    pub(crate) api_key_secret_key: SecretKey,
    pub(crate) api_key_private_key: Option<SigningSeed>,
    pub(crate) server_signature: Option<VerifyKey>,
    pub(crate) server_public_key: Option<PublicKey>,
    pub(crate) timeout: Duration,
    pub(crate) device_description: String,
    pub(crate) session_duration: Option<i64>,
    pub(crate) max_response_bytes: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) root_certificates: Vec<Vec<u8>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("server_url", &self.server_url)
            .field("api_key_id", &self.api_key_id)
            .field("server_signature", &self.server_signature)
            .field("timeout", &self.timeout)
            .field("device_description", &self.device_description)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A configuration with the required values and defaults for the rest.
    ///
    /// # Errors
    /// [`Error::Config`] when the URL is not `http://` or `https://`.
    pub fn new(
        server_url: &str,
        api_key_id: &str,
        api_key_secret_key: SecretKey,
    ) -> Result<Self, Error> {
        let server_url = server_url.trim().trim_end_matches('/').to_owned();
        if !(server_url.starts_with("https://") || server_url.starts_with("http://")) {
            return Err(Error::Config(
                "the server URL must start with https:// or http://".into(),
            ));
        }
        Ok(Self {
            server_url,
            api_key_id: api_key_id.trim().to_owned(),
            api_key_secret_key,
            api_key_private_key: None,
            server_signature: None,
            server_public_key: None,
            timeout: DEFAULT_TIMEOUT,
            device_description: "keyauth psono-client".to_owned(),
            session_duration: None,
            max_response_bytes: 16 << 20,
            clock: Arc::new(SystemClock),
            root_certificates: Vec::new(),
        })
    }

    /// Adds the two values a session login needs.
    #[must_use]
    pub fn session_keys(
        mut self,
        api_key_private_key: SigningSeed,
        server_signature: VerifyKey,
    ) -> Self {
        self.api_key_private_key = Some(api_key_private_key);
        self.server_signature = Some(server_signature);
        self
    }

    /// [`Config::session_keys`] from hex.
    ///
    /// # Errors
    /// [`Error::Config`] for bad hex.
    pub fn with_session_keys(
        self,
        api_key_private_key_hex: &str,
        server_signature_hex: &str,
    ) -> Result<Self, Error> {
        let seed = key(
            Some(api_key_private_key_hex),
            SigningSeed::from_hex,
            "api private key",
        )?;
        let vk = key(
            Some(server_signature_hex),
            VerifyKey::from_hex,
            "server signature",
        )?;
        match (seed, vk) {
            (Some(s), Some(v)) => Ok(self.session_keys(s, v)),
            _ => Err(Error::Config("session keys".into())),
        }
    }

    /// The clock used to notice an expired session before sending a request.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The timeout of every request (connect and whole exchange).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted, bytes (default 16 MiB).
    #[must_use]
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The server URL (another one for the same key, e.g. behind a proxy).
    #[must_use]
    pub fn with_server_url(mut self, url: &str) -> Self {
        url.trim()
            .trim_end_matches('/')
            .clone_into(&mut self.server_url);
        self
    }

    /// Adds trusted root certificates from PEM text (every `CERTIFICATE` block).
    ///
    /// # Errors
    /// [`Error::Config`] when the text holds no certificate.
    pub fn with_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.add_pem(pem, "root certificate")?;
        Ok(self)
    }

    fn add_pem(&mut self, pem: &[u8], what: &str) -> Result<(), Error> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| Error::Config(format!("{what} is not valid PEM")))?;
            self.root_certificates.push(cert.to_vec());
            n += 1;
        }
        if n == 0 {
            return Err(Error::Config(format!("{what} holds no certificate")));
        }
        Ok(())
    }

    fn add_root_certificate_file(&mut self, path: &Path) -> Result<(), Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Config(format!(
                "cannot read root certificate {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
        if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            self.add_pem(&bytes, &format!("root certificate {}", path.display()))
        } else {
            // DER: one certificate (SEQUENCE).
            if bytes.first() != Some(&0x30) {
                return Err(Error::Config(format!(
                    "root certificate {} is neither PEM nor DER",
                    path.display()
                )));
            }
            self.root_certificates.push(bytes);
            Ok(())
        }
    }

    /// The server URL (no trailing slash).
    #[must_use]
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The API key id.
    #[must_use]
    pub fn api_key_id(&self) -> &str {
        &self.api_key_id
    }

    /// The timeout of every request.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether a session login is possible (private key and server signature set).
    #[must_use]
    pub fn has_session_keys(&self) -> bool {
        self.api_key_private_key.is_some() && self.server_signature.is_some()
    }

    /// Whether the URL is `https://` (the certificate store is loaded only then).
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.server_url.starts_with("https://")
    }

    /// [`Settings::from_env_and_file`] over the process environment, built.
    ///
    /// # Errors
    /// As [`Settings::from_env_and_file`] and [`Settings::build`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Settings::from_env_and_file`] over `var`, built.
    ///
    /// # Errors
    /// As [`Settings::from_env_and_file`] and [`Settings::build`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Settings::from_env_and_file(var)?.build()
    }

    /// psonoci's TOML config, built.
    ///
    /// # Errors
    /// As [`Settings::from_toml`] and [`Settings::build`].
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        Settings::from_toml(text)?.build()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        for bad in ["", "h", "1x", "1h30", "-1", "1.5s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn layering_and_missing_settings() {
        let vars = |n: &str| match n {
            "PSONO_CI_SERVER_URL" => Some("http://env".to_owned()),
            "PSONO_CI_TIMEOUT" => Some("30s".to_owned()),
            "PSONO_CI_API_KEY_ID" => Some("id".to_owned()),
            _ => None,
        };
        let env = Settings::from_vars(vars).unwrap();
        let flags = Settings::new().server_url("http://flag");
        let c = flags
            .or(env)
            .api_secret_key(SecretKey::from_bytes([1; 32]))
            .build()
            .unwrap();
        assert_eq!(c.server_url(), "http://flag");
        assert_eq!(c.timeout(), Duration::from_secs(30));
        let e = Settings::new().server_url("http://x").build().unwrap_err();
        assert_eq!(
            e,
            Error::MissingSetting {
                name: "PSONO_CI_API_KEY_ID"
            }
        );
        let e =
            Settings::from_vars(|n| (n == "PSONO_CI_TIMEOUT").then(|| "soon".into())).unwrap_err();
        assert!(e.to_string().contains("PSONO_CI_TIMEOUT"), "{e}");
        let e = Settings::from_vars(|n| (n == "PSONO_CI_API_SECRET_KEY_HEX").then(|| "zz".into()))
            .unwrap_err();
        assert!(!e.to_string().contains("zz"), "{e}");
    }

    #[test]
    fn toml_round_trip() {
        let s = Settings::new()
            .server_url("https://psono.example.com/server")
            .api_key_id("6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b")
            .api_secret_key(SecretKey::from_bytes([7; 32]))
            .timeout(Duration::from_secs(9));
        let text = s.to_toml();
        let back = Settings::from_toml(&text).unwrap().build().unwrap();
        assert_eq!(back.timeout(), Duration::from_secs(9));
        assert_eq!(back.api_key_secret_key, SecretKey::from_bytes([7; 32]));
        assert!(back.is_https());
        assert!(!format!("{s:?}").contains("0707"));
    }

    #[test]
    fn config_files_are_bounded() {
        // An endless file is refused after the limit, not read until memory runs out.
        let e = Settings::from_file(Path::new("/dev/zero")).unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.contains("larger than")),
            "{e}"
        );
        let e = Settings::from_file(Path::new("/nonexistent/psonoci.toml")).unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.contains("cannot read")),
            "{e}"
        );
    }
}
