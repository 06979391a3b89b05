//! A logged-in session: encrypted requests, a fresh login when the server expires the
//! session mid-run, and a logout on every path (explicit, or a task spawned on drop).

use core::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Method;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Error;
use crate::client::{Ask, Client, DatastoreSummary, refusal};
use crate::crypto::SecretKey;
use crate::login::{LoginInfo, UserKeys};
use crate::secret::Secret;
use crate::time::Timestamp;
use crate::transport::EncryptedBody;
use crate::tree::{
    Datastore, EncryptedDatastore, EncryptedSecret, EncryptedShare, SecretData, Step, Tree,
    TreeWalker,
};

/// How many times one request logs in again after the server refused the token.
const RELOGINS_PER_REQUEST: usize = 1;

/// A logged-in session: requests carry `Authorization: Token ...` and every answer must be
/// encrypted with the session secret key.
///
/// When the server no longer accepts the token (401: it expired, psono-server's 600 s
/// default, or was deleted) or the local clock says it has expired, the session logs in
/// again once and repeats the request. It logs out on [`Session::logout`]; a session dropped
/// without it spawns its logout on the current tokio runtime (best effort: a runtime that
/// shuts down right after may not run it; [`Client::with_session`] awaits the logout).
pub struct Session {
    client: Client,
    info: Mutex<Arc<LoginInfo>>,
    user_keys: Option<UserKeys>,
    open: AtomicBool,
    logins: AtomicUsize,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.current())
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

async fn logout_request(client: &Client, info: &LoginInfo) -> Result<(), Error> {
    let key = info.session_secret_key();
    let body = EncryptedBody::seal(key, b"{}")?.to_json_string();
    let (status, resp) = client
        .send(
            Method::POST,
            "/authentication/logout/",
            Some(info.token().expose_secret()),
            Some(body),
        )
        .await?;
    // 401: the token is already gone, which is what a logout wants.
    if status.is_success() || status.as_u16() == 401 {
        Ok(())
    } else {
        Err(refusal(status, &resp, Ask::Other))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.open.swap(false, Ordering::SeqCst) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.client.clone();
        let info = self.current();
        handle.spawn(async move {
            let _ = logout_request(&client, &info).await;
        });
    }
}

impl Session {
    pub(crate) fn new(client: Client, info: LoginInfo, user_keys: Option<UserKeys>) -> Self {
        Self {
            client,
            info: Mutex::new(Arc::new(info)),
            user_keys,
            open: AtomicBool::new(true),
            logins: AtomicUsize::new(1),
        }
    }

    fn current(&self) -> Arc<LoginInfo> {
        self.info
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current login info (flags, user, expiry).
    #[must_use]
    pub fn info(&self) -> Arc<LoginInfo> {
        self.current()
    }

    /// How many logins this session took (1, plus one per re-login).
    #[must_use]
    pub fn logins(&self) -> usize {
        self.logins.load(Ordering::Relaxed)
    }

    /// The user's keys; `None` for a key restricted to secrets.
    #[must_use]
    pub fn user_keys(&self) -> Option<&UserKeys> {
        self.user_keys.as_ref()
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_unix(self.client.config().clock.now())
    }

    async fn relogin(&self, stale: &Arc<LoginInfo>) -> Result<Arc<LoginInfo>, Error> {
        let (info, _) = self.client.login_raw().await?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(info);
        *self.info.lock().unwrap_or_else(PoisonError::into_inner) = info.clone();
        // The old token is useless now; if the server still knows it, drop it.
        if !stale.is_expired(self.now()) {
            let _ = logout_request(&self.client, stale).await;
        }
        Ok(info)
    }

    /// An authenticated request; the decrypted JSON answer.
    ///
    /// # Errors
    /// [`Error::SessionRejected`] (the token refused even after a fresh login),
    /// [`Error::NoPermission`], [`Error::NotFound`], [`Error::Http`] with the server's
    /// (decrypted) message, [`Error::UnencryptedResponse`], [`Error::DecryptFailed`], JSON,
    /// network and timeout errors.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        self.request_for(method, path, body, path).await
    }

    async fn request_for(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, Error> {
        let write = method != Method::GET;
        let mut info = self.current();
        let mut relogins = 0;
        loop {
            if info.is_expired(self.now()) {
                if relogins == RELOGINS_PER_REQUEST {
                    return Err(Error::SessionExpired);
                }
                relogins += 1;
                info = self.relogin(&info).await?;
                continue;
            }
            let key = info.session_secret_key();
            let sealed = match body {
                Some(b) => {
                    let plain = Zeroizing::new(b.to_string());
                    Some(EncryptedBody::seal(key, plain.as_bytes())?.to_json_string())
                }
                None => None,
            };
            let (status, resp) = self
                .client
                .send(
                    method.clone(),
                    path,
                    Some(info.token().expose_secret()),
                    sealed,
                )
                .await?;
            if status.as_u16() == 401 && relogins < RELOGINS_PER_REQUEST {
                relogins += 1;
                info = self.relogin(&info).await?;
                continue;
            }
            let encrypted = if resp.is_empty() {
                None
            } else {
                EncryptedBody::from_slice(&resp).unwrap_or(None)
            };
            if !status.is_success() {
                let plain = match encrypted.as_ref().map(|e| e.open(key)) {
                    Some(Ok(plain)) => plain,
                    _ => Zeroizing::new(resp.to_vec()),
                };
                return Err(refusal(status, &plain, Ask::Session { what, write }));
            }
            let enc = encrypted.ok_or(Error::UnencryptedResponse)?;
            return enc.open_json(key);
        }
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
            .request_for(
                Method::GET,
                &format!("/datastore/{id}/"),
                None,
                &format!("datastore {id}"),
            )
            .await?;
        EncryptedDatastore::from_json(&v)?.open(&keys.secret_key)
    }

    /// The default `password` datastore, decrypted.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none; as [`Session::datastore`].
    pub async fn password_datastore(&self) -> Result<Datastore, Error> {
        self.keys()?;
        let list = self.datastores().await?;
        let pick = list
            .iter()
            .find(|d| d.kind == "password" && d.is_default)
            .or_else(|| list.iter().find(|d| d.kind == "password"))
            .ok_or_else(|| Error::NotFound {
                what: "password datastore".to_owned(),
            })?;
        self.datastore(&pick.id).await
    }

    /// `GET /share/{id}/`, still encrypted (its key lives in the parent tree).
    ///
    /// # Errors
    /// As [`Session::request`].
    pub async fn share(&self, id: &str) -> Result<EncryptedShare, Error> {
        let v = self
            .request_for(
                Method::GET,
                &format!("/share/{id}/"),
                None,
                &format!("share {id}"),
            )
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
            .request_for(
                Method::GET,
                &format!("/secret/{secret_id}/"),
                None,
                &format!("secret {secret_id}"),
            )
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

    /// A secret by id, typed by its datastore entry, with its key (to write it back).
    ///
    /// # Errors
    /// As [`Session::secret`], [`Error::UnknownSecretType`].
    pub async fn find_secret(&self, secret_id: &str) -> Result<(SecretKey, Secret), Error> {
        let ds = self.password_datastore().await?;
        let tree = self.tree(&ds).await?;
        let entry = tree
            .find_secret(secret_id)
            .ok_or_else(|| Error::UnknownSecret {
                secret_id: secret_id.to_owned(),
            })?;
        let key = entry
            .secret_key
            .clone()
            .ok_or_else(|| Error::UnknownSecret {
                secret_id: secret_id.to_owned(),
            })?;
        let data = self.secret_with_key(secret_id, &key).await?;
        let kind = (!entry.kind.is_empty()).then_some(entry.kind.as_str());
        Ok((key, Secret::new(data, kind)?))
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
    /// [`Error::NoPermission`] for a read-only key; as [`Session::request`].
    pub async fn update_secret(
        &self,
        secret_id: &str,
        secret_key: &SecretKey,
        data: &SecretData,
    ) -> Result<(), Error> {
        let (d, n) = data.seal(secret_key)?;
        let body = json!({"secret_id": secret_id, "data": d, "data_nonce": n});
        self.request_for(
            Method::POST,
            "/secret/",
            Some(&body),
            &format!("secret {secret_id}"),
        )
        .await
        .map(|_| ())
    }

    /// `POST /authentication/logout/`: the token is deleted on the server.
    ///
    /// # Errors
    /// Network errors, [`Error::Http`].
    pub async fn logout(self) -> Result<(), Error> {
        if !self.open.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let info = self.current();
        logout_request(&self.client, &info).await
    }
}
