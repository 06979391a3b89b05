//! Configuration from environment variables (psonoci's `PSONO_CI_*` names where they exist)
//! and from psonoci's TOML config file, extended with the two keys a session login needs.
//!
//! | setting | environment | TOML (`[psono_settings]` / `[http_options]`) |
//! |---|---|---|
//! | server URL | `PSONO_CI_SERVER_URL` | `server_url` |
//! | API key id | `PSONO_CI_API_KEY_ID` | `api_key_id` |
//! | API secret key (64 hex) | `PSONO_CI_API_SECRET_KEY_HEX` | `api_secret_key_hex` |
//! | API private key (64 hex, session login only) | `PSONO_CI_API_PRIVATE_KEY_HEX` | `api_private_key_hex` |
//! | server signature (64 hex, session login only) | `PSONO_CI_SERVER_SIGNATURE_HEX` | `server_signature_hex` |
//! | server public key (64 hex, unused by login) | `PSONO_CI_SERVER_PUBLIC_KEY_HEX` | `server_public_key_hex` |
//! | timeout, seconds (default 60) | `PSONO_CI_TIMEOUT` | `timeout` |
//! | config file | `PSONO_CI_CONFIG_PATH` | |
//!
//! TLS certificate verification is always on (the platform's roots through
//! rustls-platform-verifier, ring as the crypto provider). Plain `http://` URLs are accepted,
//! as psonoci accepts them: every payload is still encrypted and authenticated.

use core::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use keyauth_core::{Clock, SystemClock};
use serde::Deserialize;

use crate::Error;
use crate::crypto::{PublicKey, SecretKey, SigningSeed, VerifyKey};

/// psonoci's default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the client needs.
#[derive(Clone)]
pub struct Config {
    /// The server's API root, e.g. `https://psono.example.com/server` (no trailing slash
    /// needed).
    pub server_url: String,
    /// The API key's id (a UUID).
    pub api_key_id: String,
    /// The API key's secret key (opens the user's keys, or attached secrets' keys).
    pub api_key_secret_key: SecretKey,
    /// The API key's private key (Ed25519 seed that signs the login); session login only.
    pub api_key_private_key: Option<SigningSeed>,
    /// The server's signature (Ed25519 verify key) pinned for the login answer; session
    /// login only.
    pub server_signature: Option<VerifyKey>,
    /// The server's X25519 public key; kept for completeness, the login does not use it.
    pub server_public_key: Option<PublicKey>,
    /// Timeout of every request (connect and whole exchange).
    pub timeout: Duration,
    /// `device_description` of the login info.
    pub device_description: String,
    /// Session duration to ask for (the server clamps to 600 s by default).
    pub session_duration: Option<i64>,
    /// Largest response body accepted, bytes (default 16 MiB).
    pub max_response_bytes: usize,
    /// The clock used to notice an expired session before sending a request.
    pub clock: Arc<dyn Clock>,
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

#[derive(Deserialize)]
struct FileV1 {
    version: Option<String>,
    psono_settings: FileSettings,
    #[serde(default)]
    http_options: FileHttp,
}

#[derive(Deserialize)]
struct FileSettings {
    api_key_id: String,
    api_secret_key_hex: String,
    server_url: String,
    api_private_key_hex: Option<String>,
    server_signature_hex: Option<String>,
    server_public_key_hex: Option<String>,
    device_description: Option<String>,
    session_duration: Option<i64>,
}

#[derive(Default, Deserialize)]
struct FileHttp {
    timeout: Option<u64>,
}

fn cfg(what: &str) -> Error {
    Error::Config(what.to_owned())
}

fn key<T>(
    text: Option<&str>,
    parse: fn(&str) -> Result<T, Error>,
    name: &str,
) -> Result<Option<T>, Error> {
    text.map(|t| parse(t.trim()).map_err(|_| cfg(&format!("{name} must be 64 hex characters"))))
        .transpose()
}

impl Config {
    /// A configuration with the required values and defaults for the rest.
    ///
    /// # Errors
    /// [`Error::Config`] when the secret key is not 64 hex characters.
    pub fn new(
        server_url: &str,
        api_key_id: &str,
        api_key_secret_key_hex: &str,
    ) -> Result<Self, Error> {
        Ok(Self {
            server_url: server_url.trim_end_matches('/').to_owned(),
            api_key_id: api_key_id.to_owned(),
            api_key_secret_key: SecretKey::from_hex(api_key_secret_key_hex.trim())
                .map_err(|_| cfg("api secret key must be 64 hex characters"))?,
            api_key_private_key: None,
            server_signature: None,
            server_public_key: None,
            timeout: DEFAULT_TIMEOUT,
            device_description: "keyauth psono-client".to_owned(),
            session_duration: None,
            max_response_bytes: 16 << 20,
            clock: Arc::new(SystemClock),
        })
    }

    /// Adds the two values a session login needs.
    ///
    /// # Errors
    /// [`Error::Config`] for bad hex.
    pub fn with_session_keys(
        mut self,
        api_key_private_key_hex: &str,
        server_signature_hex: &str,
    ) -> Result<Self, Error> {
        self.api_key_private_key = key(
            Some(api_key_private_key_hex),
            SigningSeed::from_hex,
            "api private key",
        )?;
        self.server_signature = key(
            Some(server_signature_hex),
            VerifyKey::from_hex,
            "server signature",
        )?;
        Ok(self)
    }

    /// Reads `PSONO_CI_*` variables through `var` (see the module table). When
    /// `PSONO_CI_CONFIG_PATH` is set, the file is read first and the variables override it.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid setting.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut base = match var("PSONO_CI_CONFIG_PATH") {
            Some(path) => Some(Self::from_file(Path::new(&path))?),
            None => None,
        };
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let mut c = match base.take() {
            Some(mut c) => {
                if let Some(u) = get("PSONO_CI_SERVER_URL") {
                    c.server_url = u.trim_end_matches('/').to_owned();
                }
                if let Some(id) = get("PSONO_CI_API_KEY_ID") {
                    c.api_key_id = id;
                }
                if let Some(k) = key(
                    get("PSONO_CI_API_SECRET_KEY_HEX").as_deref(),
                    SecretKey::from_hex,
                    "PSONO_CI_API_SECRET_KEY_HEX",
                )? {
                    c.api_key_secret_key = k;
                }
                c
            }
            None => Self::new(
                &get("PSONO_CI_SERVER_URL").ok_or_else(|| cfg("PSONO_CI_SERVER_URL is not set"))?,
                &get("PSONO_CI_API_KEY_ID").ok_or_else(|| cfg("PSONO_CI_API_KEY_ID is not set"))?,
                &get("PSONO_CI_API_SECRET_KEY_HEX")
                    .ok_or_else(|| cfg("PSONO_CI_API_SECRET_KEY_HEX is not set"))?,
            )
            .map_err(|_| cfg("PSONO_CI_API_SECRET_KEY_HEX must be 64 hex characters"))?,
        };
        if let Some(k) = key(
            get("PSONO_CI_API_PRIVATE_KEY_HEX").as_deref(),
            SigningSeed::from_hex,
            "PSONO_CI_API_PRIVATE_KEY_HEX",
        )? {
            c.api_key_private_key = Some(k);
        }
        if let Some(k) = key(
            get("PSONO_CI_SERVER_SIGNATURE_HEX").as_deref(),
            VerifyKey::from_hex,
            "PSONO_CI_SERVER_SIGNATURE_HEX",
        )? {
            c.server_signature = Some(k);
        }
        if let Some(k) = key(
            get("PSONO_CI_SERVER_PUBLIC_KEY_HEX").as_deref(),
            PublicKey::from_hex,
            "PSONO_CI_SERVER_PUBLIC_KEY_HEX",
        )? {
            c.server_public_key = Some(k);
        }
        if let Some(t) = get("PSONO_CI_TIMEOUT") {
            let secs: u64 = t
                .trim()
                .parse()
                .map_err(|_| cfg("PSONO_CI_TIMEOUT must be whole seconds"))?;
            c.timeout = Duration::from_secs(secs.max(1));
        }
        Ok(c)
    }

    /// [`Config::from_vars`] over the process environment.
    ///
    /// # Errors
    /// [`Error::Config`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Parses psonoci's TOML config (`version = "1"`, `[psono_settings]`, `[http_options]`).
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
            return Err(cfg("unsupported config file version"));
        }
        let s = f.psono_settings;
        let mut c = Self::new(&s.server_url, &s.api_key_id, &s.api_secret_key_hex)?;
        c.api_key_private_key = key(
            s.api_private_key_hex.as_deref(),
            SigningSeed::from_hex,
            "api_private_key_hex",
        )?;
        c.server_signature = key(
            s.server_signature_hex.as_deref(),
            VerifyKey::from_hex,
            "server_signature_hex",
        )?;
        c.server_public_key = key(
            s.server_public_key_hex.as_deref(),
            PublicKey::from_hex,
            "server_public_key_hex",
        )?;
        if let Some(d) = s.device_description {
            c.device_description = d;
        }
        c.session_duration = s.session_duration;
        if let Some(t) = f.http_options.timeout {
            c.timeout = Duration::from_secs(t.max(1));
        }
        Ok(c)
    }

    /// Reads a TOML config file.
    ///
    /// # Errors
    /// [`Error::Config`] when it cannot be read or parsed.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {}", path.display(), e.kind())))?;
        Self::from_toml(&text)
    }
}
