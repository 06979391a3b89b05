//! The async client: API-key login, the encrypted session, datastores, shares and secrets,
//! and the sessionless `/api-key-access/secret/` path.

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
use crate::time::Timestamp;
use crate::transport::EncryptedBody;
use crate::tree::{
    ApiKeyAccessSecret, Datastore, EncryptedDatastore, EncryptedSecret, EncryptedShare, SecretData,
    Step, Tree, TreeWalker,
};

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

fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|_| Error::Config("no TLS certificate verifier available".to_owned()))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Config("TLS versions".to_owned()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The server's message from an error body: `detail`, `message`, `non_field_errors[0]`, the
/// first field's first error, or the text itself; at most 200 characters.
fn server_message(body: &[u8]) -> String {
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
    let text = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| pick(&v))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    text.chars().take(200).collect()
}

impl Client {
    /// Builds the client. Every request gets `config.timeout`; redirects are never followed
    /// (psono-server answers a missing slash with a 301 that must not re-send a POST); TLS
    /// certificates are verified against the platform's roots.
    ///
    /// # Errors
    /// [`Error::Config`] when the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls_config()?)
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

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.server_url, path)
    }

    async fn send(
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
            req = req.header(CONTENT_TYPE, "application/json").body(b);
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

    /// Logs in with the API key: a fresh session key pair, the signed info, the server's
    /// signature checked against the pinned `server_signature` *before* anything is
    /// decrypted, then the user's keys unlocked (unless the key is restricted).
    ///
    /// # Errors
    /// [`Error::Config`] without `api_key_private_key`/`server_signature`,
    /// [`Error::Http`] (e.g. 400 `Signature invalid.`), [`Error::BadSignature`],
    /// [`Error::DecryptFailed`], network errors, [`Error::Timeout`].
    pub async fn login(&self) -> Result<Session, Error> {
        let seed =
            self.config.api_key_private_key.as_ref().ok_or_else(|| {
                Error::Config("api_key_private_key is needed to log in".to_owned())
            })?;
        let server_key = self
            .config
            .server_signature
            .ok_or_else(|| Error::Config("server_signature is needed to log in".to_owned()))?;
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
            return Err(Error::Http {
                status: status.as_u16(),
                message: server_message(&body),
            });
        }
        let response = LoginResponse::from_slice(&body)?;
        let info = request.open_response(&response, &server_key)?;
        let user_keys = match info.user.unlock(&self.config.api_key_secret_key) {
            Ok(k) => Some(k),
            Err(Error::RestrictedApiKey) => None,
            Err(e) => return Err(e),
        };
        Ok(Session {
            client: self.clone(),
            info,
            user_keys,
        })
    }

    /// Reads a secret attached to the API key through the sessionless
    /// `POST /api-key-access/secret/` (the path restricted keys use), decrypting locally.
    ///
    /// # Errors
    /// [`Error::Http`] (400 when the secret is not attached to this key or the key is
    /// unknown), [`Error::DecryptFailed`], JSON errors, network errors.
    pub async fn api_key_access_secret(&self, secret_id: &str) -> Result<SecretData, Error> {
        let body =
            json!({"api_key_id": self.config.api_key_id, "secret_id": secret_id}).to_string();
        let (status, resp) = self
            .send(Method::POST, "/api-key-access/secret/", None, Some(body))
            .await?;
        if !status.is_success() {
            return Err(Error::Http {
                status: status.as_u16(),
                message: server_message(&resp),
            });
        }
        let v = parse_object(&resp, "api key access secret")?;
        let r = ApiKeyAccessSecret::from_json(&v)?;
        Ok(r.open(&self.config.api_key_secret_key)?.1)
    }

    /// `GET /info/`, its signature checked against the pinned server signature.
    ///
    /// # Errors
    /// [`Error::Config`] without a pinned signature, [`Error::BadSignature`], network and
    /// JSON errors.
    pub async fn server_info(&self) -> Result<Value, Error> {
        let pinned = self
            .config
            .server_signature
            .ok_or_else(|| Error::Config("server_signature is needed".to_owned()))?;
        let (status, body) = self.send(Method::GET, "/info/", None, None).await?;
        if !status.is_success() {
            return Err(Error::Http {
                status: status.as_u16(),
                message: server_message(&body),
            });
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
}

/// A logged-in session: requests carry `Authorization: Token ...` and every answer must be
/// encrypted with the session secret key.
pub struct Session {
    client: Client,
    info: LoginInfo,
    user_keys: Option<UserKeys>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The login info (flags, user, expiry).
    #[must_use]
    pub fn info(&self) -> &LoginInfo {
        &self.info
    }

    /// The user's keys; `None` for a key restricted to secrets.
    #[must_use]
    pub fn user_keys(&self) -> Option<&UserKeys> {
        self.user_keys.as_ref()
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_unix(self.client.config.clock.now())
    }

    /// An authenticated request; the decrypted JSON answer.
    ///
    /// # Errors
    /// [`Error::SessionExpired`] (checked locally first), [`Error::Http`] with the server's
    /// (decrypted) message, [`Error::UnencryptedResponse`], [`Error::DecryptFailed`], JSON,
    /// network and timeout errors.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        if self.info.is_expired(self.now()) {
            return Err(Error::SessionExpired);
        }
        let key = self.info.session_secret_key();
        let body = match body {
            Some(b) => {
                let plain = Zeroizing::new(b.to_string());
                Some(EncryptedBody::seal(key, plain.as_bytes())?.to_json_string())
            }
            None => None,
        };
        let (status, resp) = self
            .client
            .send(method, path, Some(self.info.token().expose_secret()), body)
            .await?;
        let encrypted = if resp.is_empty() {
            None
        } else {
            EncryptedBody::from_slice(&resp).unwrap_or(None)
        };
        if !status.is_success() {
            let message = match encrypted.as_ref().map(|e| e.open(key)) {
                Some(Ok(plain)) => server_message(&plain),
                _ => server_message(&resp),
            };
            return Err(Error::Http {
                status: status.as_u16(),
                message,
            });
        }
        let enc = encrypted.ok_or(Error::UnencryptedResponse)?;
        enc.open_json(key)
    }

    fn keys(&self) -> Result<&UserKeys, Error> {
        self.user_keys.as_ref().ok_or(Error::RestrictedApiKey)
    }

    /// `GET /datastore/`.
    ///
    /// # Errors
    /// As [`Session::request`], JSON shape errors.
    pub async fn datastores(&self) -> Result<Vec<DatastoreSummary>, Error> {
        let v = self.request(Method::GET, "/datastore/", None).await?;
        let list = v
            .get("datastores")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::missing("datastores"))?;
        list.iter()
            .map(|d| {
                let o = crate::json::Obj::of(d, "datastore list")?;
                Ok(DatastoreSummary {
                    id: o.str("id")?.to_owned(),
                    kind: o.opt_str("type")?.unwrap_or("").to_owned(),
                    description: o.opt_str("description")?.unwrap_or("").to_owned(),
                    is_default: o.bool_or("is_default", false)?,
                })
            })
            .collect()
    }

    /// `GET /datastore/{id}/`, decrypted with the user's secret key.
    ///
    /// # Errors
    /// [`Error::RestrictedApiKey`], as [`Session::request`], decryption errors.
    pub async fn datastore(&self, id: &str) -> Result<Datastore, Error> {
        let keys = self.keys()?;
        let v = self
            .request(Method::GET, &format!("/datastore/{id}/"), None)
            .await?;
        EncryptedDatastore::from_json(&v)?.open(&keys.secret_key)
    }

    /// The default `password` datastore, decrypted.
    ///
    /// # Errors
    /// [`Error::MissingField`] `datastores` when there is none; as [`Session::datastore`].
    pub async fn password_datastore(&self) -> Result<Datastore, Error> {
        let list = self.datastores().await?;
        let pick = list
            .iter()
            .find(|d| d.kind == "password" && d.is_default)
            .or_else(|| list.iter().find(|d| d.kind == "password"))
            .ok_or_else(|| Error::missing("datastores"))?;
        self.datastore(&pick.id).await
    }

    /// `GET /share/{id}/`, still encrypted (its key lives in the parent tree).
    ///
    /// # Errors
    /// As [`Session::request`].
    pub async fn share(&self, id: &str) -> Result<EncryptedShare, Error> {
        let v = self
            .request(Method::GET, &format!("/share/{id}/"), None)
            .await?;
        EncryptedShare::from_json(&v)
    }

    /// Walks a datastore and every share it links, recursively (cycles broken, repeated
    /// shares read once).
    ///
    /// # Errors
    /// As [`Session::share`], [`Error::DecryptFailed`] for a tampered share.
    pub async fn tree(&self, datastore: &Datastore) -> Result<Tree, Error> {
        let mut walker = TreeWalker::new(&datastore.content)?;
        loop {
            match walker.next_step()? {
                Step::NeedShare(req) => {
                    let share = self.share(&req.share_id).await?;
                    walker.provide_share(&share)?;
                }
                Step::Done => return Ok(walker.finish()),
            }
        }
    }

    /// `GET /secret/{id}/`, decrypted with the secret's key.
    ///
    /// # Errors
    /// As [`Session::request`], [`Error::DecryptFailed`].
    pub async fn secret_with_key(
        &self,
        secret_id: &str,
        secret_key: &SecretKey,
    ) -> Result<SecretData, Error> {
        let v = self
            .request(Method::GET, &format!("/secret/{secret_id}/"), None)
            .await?;
        EncryptedSecret::from_json(&v)?.open(secret_key)
    }

    /// A secret by id: found through the password datastore and its shares (the key chain),
    /// then read. This walks the tree on every call; to read several secrets, walk once with
    /// [`Session::tree`] and use [`Session::secret_in`].
    ///
    /// # Errors
    /// [`Error::UnknownSecret`] when no item links it; as [`Session::tree`] and
    /// [`Session::secret_with_key`].
    pub async fn secret(&self, secret_id: &str) -> Result<SecretData, Error> {
        let ds = self.password_datastore().await?;
        let tree = self.tree(&ds).await?;
        self.secret_in(&tree, secret_id).await
    }

    /// A secret by id, its key taken from an already walked tree.
    ///
    /// # Errors
    /// [`Error::UnknownSecret`] when no item of `tree` links it; as
    /// [`Session::secret_with_key`].
    pub async fn secret_in(&self, tree: &Tree, secret_id: &str) -> Result<SecretData, Error> {
        let key = tree
            .find_secret(secret_id)
            .and_then(|e| e.secret_key.clone())
            .ok_or_else(|| Error::UnknownSecret {
                secret_id: secret_id.to_owned(),
            })?;
        self.secret_with_key(secret_id, &key).await
    }

    /// Writes a secret's fields back: `POST /secret/` with the re-encrypted data (the API key
    /// needs write access; psono-server's verbs are POST = update, PUT = create).
    ///
    /// # Errors
    /// [`Error::Http`] 403 for a read-only key; as [`Session::request`].
    pub async fn update_secret(
        &self,
        secret_id: &str,
        secret_key: &SecretKey,
        data: &SecretData,
    ) -> Result<(), Error> {
        let (d, n) = data.seal(secret_key)?;
        let body = json!({"secret_id": secret_id, "data": d, "data_nonce": n});
        self.request(Method::POST, "/secret/", Some(&body))
            .await
            .map(|_| ())
    }

    /// `POST /authentication/logout/`: the token is deleted on the server.
    ///
    /// # Errors
    /// As [`Session::request`].
    pub async fn logout(self) -> Result<(), Error> {
        self.request(Method::POST, "/authentication/logout/", Some(&json!({})))
            .await
            .map(|_| ())
    }
}
