//! The async client: the HTTP exchange, API-key login, the sessionless `/api-key-access/`
//! endpoints, and the read and write paths that choose between them and a session.

use core::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Error;
use crate::config::Config;
use crate::crypto::{BoxSecretKey, SecretKey};
use crate::json::parse_object;
use crate::login::{LoginInfo, LoginRequest, LoginResponse, UserKeys};
use crate::secret::Secret;
use crate::session::Session;
use crate::tree::{ApiKeyAccessSecret, SecretData};

/// One entry of `GET /datastore/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatastoreSummary {
    /// The datastore id.
    pub id: String,
    /// `password`, `user`, `settings`, `gpg-user`, ...
    pub kind: String,
    /// The description.
    pub description: String,
    /// Whether it is the default datastore of its type.
    pub is_default: bool,
}

/// `POST /api-key-access/inspect/`: what the API key may do and which secrets are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// `allow_insecure_access`.
    pub allow_insecure_access: bool,
    /// `restrict_to_secrets`.
    pub restrict_to_secrets: bool,
    /// `read`.
    pub read: bool,
    /// `write`.
    pub write: bool,
    /// The attached secrets: `(secret_id, write_date)`, in the server's order.
    pub secrets: Vec<(String, String)>,
}

/// How a secret is read (and written back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Via {
    /// The sessionless `/api-key-access/secret/` first (one request, what psonoci does);
    /// when it refuses and the key is not restricted to secrets, a session.
    #[default]
    Auto,
    /// Only `/api-key-access/secret/` (secrets attached to the key).
    Access,
    /// Only a session (the secret found in the datastore and its shares).
    Session,
}

/// Where a secret came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// `/api-key-access/secret/`.
    ApiKeyAccess,
    /// A session (datastore, shares, `/secret/{id}/`).
    Session,
}

impl Source {
    /// `api_key_access` or `session`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ApiKeyAccess => "api_key_access",
            Self::Session => "session",
        }
    }
}

/// What the client asked for, so that a refusal can say what was refused.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ask<'a> {
    Login,
    Access {
        secret_id: &'a str,
        action: &'static str,
    },
    Session {
        what: &'a str,
        write: bool,
    },
    Other,
}

/// A Psono client for one API key. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<Config>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn map_reqwest(e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout
    } else if e.is_connect() {
        Error::Network("connection failed".to_owned())
    } else if e.is_body() || e.is_decode() {
        Error::Network("response body broken off".to_owned())
    } else if e.is_redirect() {
        Error::Network("redirect refused".to_owned())
    } else {
        Error::Network("request failed".to_owned())
    }
}

fn tls_config(config: &Config) -> Result<rustls::ClientConfig, Error> {
    use rustls::pki_types::CertificateDer;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra: Vec<CertificateDer<'static>> = config
        .root_certificates
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra,
        provider.clone(),
    )
    .map_err(|_| {
        Error::Config("no TLS certificate verifier available (bad root certificate?)".to_owned())
    })?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Config("TLS versions".to_owned()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The server's message from an error body: `detail`, `message`, `non_field_errors[0]`, the
/// first field's first error, or the text itself; an HTML page becomes its `<title>` (or
/// "an html page"); at most 200 characters.
pub(crate) fn server_message(body: &[u8]) -> String {
    let pick = |v: &Value| -> Option<String> {
        let o = v.as_object()?;
        for k in ["detail", "message", "error"] {
            if let Some(s) = o.get(k).and_then(Value::as_str) {
                return Some(s.to_owned());
            }
        }
        for (k, v) in o {
            let first = v.as_array().and_then(|a| a.first()).and_then(Value::as_str);
            if let Some(s) = first {
                return Some(format!("{k}: {s}"));
            }
        }
        None
    };
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let msg = if let Some(v) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| pick(&v))
    {
        v
    } else if trimmed.starts_with('<') || trimmed.to_ascii_lowercase().contains("<html") {
        let lower = trimmed.to_ascii_lowercase();
        match (lower.find("<title>"), lower.find("</title>")) {
            (Some(a), Some(b)) if b > a + 7 => {
                format!("{} (an html page)", trimmed[a + 7..b].trim())
            }
            _ => match (lower.find("<h1>"), lower.find("</h1>")) {
                (Some(a), Some(b)) if b > a + 4 => {
                    format!("{} (an html page)", trimmed[a + 4..b].trim())
                }
                _ => "an html page".to_owned(),
            },
        }
    } else {
        trimmed.to_owned()
    };
    msg.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The errors a refused answer (`status`, `body`) becomes for each kind of request: login,
/// access endpoint, session read and write, other. For the fuzz targets in `fuzz/`; not a
/// stable API.
#[doc(hidden)]
#[must_use]
pub fn refusals_for_fuzzing(status: u16, body: &[u8]) -> Vec<Error> {
    let Ok(status) = StatusCode::from_u16(status) else {
        return Vec::new();
    };
    [
        Ask::Login,
        Ask::Access {
            secret_id: "id",
            action: "read",
        },
        Ask::Session {
            what: "the secret",
            write: false,
        },
        Ask::Session {
            what: "the secret",
            write: true,
        },
        Ask::Other,
    ]
    .into_iter()
    .map(|ask| refusal(status, body, ask))
    .collect()
}

/// The typed error for a refusal.
pub(crate) fn refusal(status: StatusCode, body: &[u8], ask: Ask<'_>) -> Error {
    let message = server_message(body);
    let code = status.as_u16();
    let not_found = message.contains("NO_PERMISSION_OR_NOT_EXIST") || code == 404;
    match ask {
        Ask::Login if code == 400 && message.contains("Signature invalid") => Error::LoginRefused,
        Ask::Login if code == 400 && message.contains("NO_PERMISSION_OR_NOT_EXIST") => {
            Error::UnknownApiKey
        }
        Ask::Access { secret_id, action } if code == 400 || code == 403 => Error::NotAttached {
            secret_id: secret_id.to_owned(),
            action,
        },
        Ask::Session { .. } if code == 401 => Error::SessionRejected,
        Ask::Session { what, .. } if not_found && (code == 400 || code == 403 || code == 404) => {
            Error::NotFound {
                what: what.to_owned(),
            }
        }
        Ask::Session { write, .. } if code == 403 => Error::NoPermission {
            action: if write { "write" } else { "read" },
        },
        _ if code == 404 => Error::NotFound {
            what: "the endpoint (is the server URL the API root, e.g. https://host/server?)"
                .to_owned(),
        },
        _ => Error::Http {
            status: code,
            message,
        },
    }
}

impl Client {
    /// Builds the client. Every request gets the config's timeout; redirects are never
    /// followed (psono-server answers a missing slash with a 301 that must not re-send a
    /// POST); for `https://` URLs TLS certificates are verified against the platform's roots
    /// and the configured extra roots (the store is not loaded for `http://`).
    ///
    /// # Errors
    /// [`Error::Config`] when the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // reqwest needs a TLS backend even for http:// (built without a process-wide
            // provider); for http:// it gets one with no roots, so no certificate store is read.
            .tls_backend_preconfigured(if config.is_https() {
                tls_config(&config)?
            } else {
                rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|_| Error::Config("TLS versions".to_owned()))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
            });
        let http = builder
            .build()
            .map_err(|_| Error::Config("cannot build the HTTP client".to_owned()))?;
        Ok(Self {
            http,
            config: Arc::new(config),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.server_url, path)
    }

    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Result<(StatusCode, Zeroizing<Vec<u8>>), Error> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            let value = Zeroizing::new(format!("Token {t}"));
            let mut v = HeaderValue::from_str(&value)
                .map_err(|_| Error::Config("token is not a valid header value".to_owned()))?;
            v.set_sensitive(true);
            req = req.header(AUTHORIZATION, v);
        }
        if let Some(b) = body {
            let b = Zeroizing::new(b);
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.as_bytes().to_vec());
        }
        let mut resp = req.send().await.map_err(|e| map_reqwest(&e))?;
        let status = resp.status();
        let limit = self.config.max_response_bytes;
        if resp.content_length().is_some_and(|l| l > limit as u64) {
            return Err(Error::Network("response too large".to_owned()));
        }
        let mut buf = Zeroizing::new(Vec::new());
        while let Some(chunk) = resp.chunk().await.map_err(|e| map_reqwest(&e))? {
            if buf.len() + chunk.len() > limit {
                return Err(Error::Network("response too large".to_owned()));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok((status, buf))
    }

    /// The login exchange: the new session's info and the user's keys (`None` for a key
    /// restricted to secrets).
    pub(crate) async fn login_raw(&self) -> Result<(LoginInfo, Option<UserKeys>), Error> {
        let seed = self
            .config
            .api_key_private_key
            .as_ref()
            .ok_or(Error::MissingSetting {
                name: "PSONO_CI_API_PRIVATE_KEY_HEX",
            })?;
        let server_key = self.config.server_signature.ok_or(Error::MissingSetting {
            name: "PSONO_CI_SERVER_SIGNATURE_HEX",
        })?;
        let mut builder = LoginRequest::builder(self.config.api_key_id.clone())
            .device_description(self.config.device_description.clone());
        if let Some(d) = self.config.session_duration {
            builder = builder.session_duration(d);
        }
        let request = builder.build(seed, BoxSecretKey::generate()?);
        let (status, body) = self
            .send(Method::POST, "/api-key/login/", None, Some(request.body()))
            .await?;
        if !status.is_success() {
            return Err(refusal(status, &body, Ask::Login));
        }
        let response = LoginResponse::from_slice(&body)?;
        let info = request.open_response(&response, &server_key)?;
        let user_keys = match info.user.unlock(&self.config.api_key_secret_key) {
            Ok(k) => Some(k),
            Err(Error::RestrictedApiKey) => None,
            Err(e) => return Err(e),
        };
        Ok((info, user_keys))
    }

    /// Logs in with the API key: a fresh session key pair, the signed info, the server's
    /// signature checked against the pinned `server_signature` *before* anything is
    /// decrypted, then the user's keys unlocked (unless the key is restricted).
    ///
    /// The session logs out when [`Session::logout`] is called, and otherwise on drop (a
    /// task spawned on the current tokio runtime; see [`Client::with_session`] for a logout
    /// that is awaited on every path).
    ///
    /// # Errors
    /// [`Error::MissingSetting`] without the private key or server signature,
    /// [`Error::LoginRefused`], [`Error::UnknownApiKey`], [`Error::BadSignature`],
    /// [`Error::DecryptFailed`], network errors, [`Error::Timeout`].
    pub async fn login(&self) -> Result<Session, Error> {
        let (info, user_keys) = self.login_raw().await?;
        Ok(Session::new(self.clone(), info, user_keys))
    }

    /// Logs in, runs `work`, and logs out whatever `work` returned (the logout's own failure
    /// is ignored when `work` failed, and returned otherwise).
    ///
    /// # Errors
    /// As [`Client::login`], `work`'s error, the logout's error.
    pub async fn with_session<T, E: From<Error>>(
        &self,
        work: impl AsyncFnOnce(&Session) -> Result<T, E>,
    ) -> Result<T, E> {
        let session = self.login().await?;
        let result = work(&session).await;
        let closed = session.logout().await;
        let value = result?;
        closed?;
        Ok(value)
    }

    async fn access_post(&self, secret_id: &str) -> Result<(SecretKey, SecretData), Error> {
        let body =
            json!({"api_key_id": self.config.api_key_id, "secret_id": secret_id}).to_string();
        let (status, resp) = self
            .send(Method::POST, "/api-key-access/secret/", None, Some(body))
            .await?;
        if !status.is_success() {
            return Err(refusal(
                status,
                &resp,
                Ask::Access {
                    secret_id,
                    action: "read",
                },
            ));
        }
        let v = parse_object(&resp, "api key access secret")?;
        let r = ApiKeyAccessSecret::from_json(&v)?;
        r.open(&self.config.api_key_secret_key)
    }

    /// Reads a secret attached to the API key through the sessionless
    /// `POST /api-key-access/secret/` (the path restricted keys use), decrypting locally.
    ///
    /// # Errors
    /// [`Error::NotAttached`] (the secret is not attached to this key, or the key may not
    /// read), [`Error::DecryptFailed`], JSON errors, network errors.
    pub async fn api_key_access_secret(&self, secret_id: &str) -> Result<SecretData, Error> {
        Ok(self.access_post(secret_id).await?.1)
    }

    /// Writes a secret through `PUT /api-key-access/secret/` (psonoci's `secret set`: the
    /// secret attached to the key, the key with write permission), encrypted locally with the
    /// secret's own key.
    ///
    /// # Errors
    /// [`Error::NotAttached`] (`write`: not attached, or a read-only key), network errors.
    pub async fn api_key_access_write(
        &self,
        secret_id: &str,
        secret_key: &SecretKey,
        data: &SecretData,
    ) -> Result<(), Error> {
        let (d, n) = data.seal(secret_key)?;
        let body = json!({"api_key_id": self.config.api_key_id, "secret_id": secret_id,
                          "data": d, "data_nonce": n})
        .to_string();
        let (status, resp) = self
            .send(Method::PUT, "/api-key-access/secret/", None, Some(body))
            .await?;
        if !status.is_success() {
            return Err(refusal(
                status,
                &resp,
                Ask::Access {
                    secret_id,
                    action: "write",
                },
            ));
        }
        Ok(())
    }

    /// `POST /api-key-access/inspect/` (no session): the key's flags and attached secrets.
    ///
    /// # Errors
    /// [`Error::UnknownApiKey`] (400), JSON and network errors.
    pub async fn api_key_info(&self) -> Result<ApiKeyInfo, Error> {
        let body = json!({"api_key_id": self.config.api_key_id}).to_string();
        let (status, resp) = self
            .send(Method::POST, "/api-key-access/inspect/", None, Some(body))
            .await?;
        if status == StatusCode::BAD_REQUEST {
            return Err(Error::UnknownApiKey);
        }
        if !status.is_success() {
            return Err(refusal(status, &resp, Ask::Other));
        }
        let v = parse_object(&resp, "api key inspect")?;
        let o = crate::json::Obj::of(&v, "api key inspect")?;
        let list = match o.get("api_key_secrets") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| {
                    let so = crate::json::Obj::of(s, "api key secret")?;
                    Ok((
                        so.str("secret_id")?.to_owned(),
                        so.opt_str("write_date")?.unwrap_or("").to_owned(),
                    ))
                })
                .collect::<Result<_, Error>>()?,
            Some(_) => return Err(Error::shape("api_key_secrets")),
        };
        Ok(ApiKeyInfo {
            allow_insecure_access: o.bool_or("allow_insecure_access", false)?,
            restrict_to_secrets: o.bool_or("restrict_to_secrets", false)?,
            read: o.bool_or("read", false)?,
            write: o.bool_or("write", false)?,
            secrets: list,
        })
    }

    /// `GET /info/`, its signature checked against the pinned server signature.
    ///
    /// # Errors
    /// [`Error::MissingSetting`] without a pinned signature, [`Error::BadSignature`], network
    /// and JSON errors.
    pub async fn server_info(&self) -> Result<Value, Error> {
        let pinned = self.config.server_signature.ok_or(Error::MissingSetting {
            name: "PSONO_CI_SERVER_SIGNATURE_HEX",
        })?;
        let (status, body) = self.send(Method::GET, "/info/", None, None).await?;
        if !status.is_success() {
            return Err(refusal(status, &body, Ask::Other));
        }
        let v = parse_object(&body, "server info")?;
        let o = crate::json::Obj::of(&v, "server info")?;
        crate::server::verify_info(
            o.str("info")?,
            o.str("signature")?,
            o.opt_str("verify_key")?,
            &pinned,
        )
    }

    /// Whether the access endpoint's refusal should fall back to a session: `Auto`, session
    /// keys configured, and the key not restricted to secrets (asked with one sessionless
    /// `inspect`, cheaper than a login and logout that end in the same refusal).
    async fn session_fallback(&self, via: Via, refused: &Error) -> Result<bool, Error> {
        if via != Via::Auto
            || !self.config.has_session_keys()
            || !matches!(refused, Error::NotAttached { .. })
        {
            return Ok(false);
        }
        let info = self.api_key_info().await?;
        Ok(!info.restrict_to_secrets && info.read)
    }

    /// Reads a secret, typed. `Auto`: the access endpoint, then (refused, session keys set,
    /// key not restricted) a session; the session is closed before this returns.
    ///
    /// Requests: 1 for an attached secret; 2 for a refusal with a restricted key (no
    /// session is opened); for a session read: 1 + 1 + login, datastore list, datastore,
    /// each share once, the secret, logout.
    ///
    /// # Errors
    /// [`Error::NotAttached`], [`Error::UnknownSecret`] (not in the datastore tree),
    /// [`Error::UnknownSecretType`], and the errors of the paths.
    pub async fn read_secret(&self, secret_id: &str, via: Via) -> Result<(Secret, Source), Error> {
        if via != Via::Session {
            match self.access_post(secret_id).await {
                Ok((_, data)) => return Ok((Secret::new(data, None)?, Source::ApiKeyAccess)),
                Err(e) => {
                    if !self.session_fallback(via, &e).await? {
                        return Err(e);
                    }
                }
            }
        }
        let secret = self
            .with_session(async |s: &Session| {
                s.find_secret(secret_id).await.map(|(_, secret)| secret)
            })
            .await?;
        Ok((secret, Source::Session))
    }

    /// Reads a secret, lets `change` edit it, and writes it back through the same path when
    /// `change` returns `true`: `PUT /api-key-access/secret/` for a secret read from the
    /// access endpoint (psonoci's path, for restricted keys with write permission), or
    /// `POST /secret/` in the same session. Only the fields `change` touches differ from what
    /// was read (no null fields are added).
    ///
    /// # Errors
    /// As [`Client::read_secret`], `change`'s error, [`Error::NotAttached`] /
    /// [`Error::NoPermission`] for a key without write permission.
    pub async fn update_secret<T>(
        &self,
        secret_id: &str,
        via: Via,
        change: impl FnOnce(&mut Secret) -> Result<(T, bool), Error>,
    ) -> Result<(T, Source), Error> {
        if via != Via::Session {
            match self.access_post(secret_id).await {
                Ok((key, data)) => {
                    let mut secret = Secret::new(data, None)?;
                    let (out, changed) = change(&mut secret)?;
                    if changed {
                        self.api_key_access_write(secret_id, &key, secret.data())
                            .await?;
                    }
                    return Ok((out, Source::ApiKeyAccess));
                }
                Err(e) => {
                    if !self.session_fallback(via, &e).await? {
                        return Err(e);
                    }
                }
            }
        }
        let out = self
            .with_session(async |s: &Session| {
                let (key, mut secret) = s.find_secret(secret_id).await?;
                let (out, changed) = change(&mut secret)?;
                if changed {
                    s.update_secret(secret_id, &key, secret.data()).await?;
                }
                Ok::<_, Error>(out)
            })
            .await?;
        Ok((out, Source::Session))
    }

    /// Every secret attached to the API key (`inspect`, then one access read each), in the
    /// server's order.
    ///
    /// # Errors
    /// As [`Client::api_key_info`] and [`Client::api_key_access_secret`].
    pub async fn attached_secrets(&self) -> Result<Vec<(String, SecretData)>, Error> {
        let info = self.api_key_info().await?;
        let mut out = Vec::with_capacity(info.secrets.len());
        for (id, _) in info.secrets {
            let (_, data) = self.access_post(&id).await?;
            out.push((id, data));
        }
        Ok(out)
    }
}
