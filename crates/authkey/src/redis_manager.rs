//! [`RedisAuthKeyManager`] (feature `redis`): auth keys shared through Redis by every server
//! process that points at it.
//!
//! One Redis string per key: `<prefix><id as 16 lowercase hex digits>` → the 256 key bytes,
//! one slot per key, so it works unchanged on a Redis Cluster. The connection is
//! keyauth-core's lazily connecting, self-healing [`RedisConnection`] (one node, Cluster or
//! Sentinel, from [`RedisOptions`]): a manager can be built while Redis is down, answers
//! [`Error::Redis`] with a typed reason while it stays down (never "absent"), and works again
//! once Redis is back.
//!
//! The server's settings are read on (re)connect; the default [`DurabilityPolicy`] here is
//! [`DurabilityPolicy::Warn`]: a key lost to a restart of a non-durable server or to eviction
//! costs its client a new key exchange, not a security property (set
//! [`RedisOptions::durability`] to refuse instead). With [`RedisOptions::wait_for_replicas`],
//! `set_key` and `del_key` wait for replicas and fail with `redis_replication_timeout` when
//! they do not acknowledge.

use async_trait::async_trait;
use keyauth_core::{DurabilityPolicy, RedisConnection, RedisFailure, RedisOptions};
use zeroize::Zeroizing;

use crate::manager::{AuthKeyManager, KeyRef};
use crate::{AuthKey, Error};

/// The key prefix used unless another is set: `keyauth:authkey:`.
pub const DEFAULT_PREFIX: &str = "keyauth:authkey:";

/// An [`AuthKeyManager`] on Redis.
///
/// ```no_run
/// use authkey::{AuthKey, AuthKeyManager, RedisAuthKeyManager};
/// use authkey::RedisOptions;
/// # async fn demo() -> Result<(), authkey::Error> {
/// let manager = RedisAuthKeyManager::new(&RedisOptions::new("redis://127.0.0.1/"))?
///     .with_prefix("myserver:authkey:");
/// let key = AuthKey::from_bytes(&[7; 256]);
/// manager.set_key(key.clone()).await?;
/// assert_eq!(manager.get_key(key.id()).await?, key);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisAuthKeyManager {
    conn: RedisConnection,
    prefix: String,
}

impl std::fmt::Debug for RedisAuthKeyManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAuthKeyManager")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn failed(f: RedisFailure) -> Error {
    Error::Redis(f)
}

impl RedisAuthKeyManager {
    /// A manager on the Redis the options name (URL, timeouts, retries), with the key prefix
    /// [`DEFAULT_PREFIX`] (the options' own prefix belongs to the replay guard). It connects on
    /// first use.
    ///
    /// Call it inside a tokio runtime (the connection manager spawns its reconnection task
    /// there).
    ///
    /// # Errors
    /// [`Error::Redis`] with [`RedisFailure::BadConfig`] (code `redis_bad_config`) when the
    /// URL does not parse; [`Error::Unavailable`] when called outside a tokio runtime (where
    /// the `redis` crate would panic).
    pub fn new(options: &RedisOptions) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Unavailable {
                reason: "no tokio runtime (create the manager inside one)".to_owned(),
            });
        }
        let conn = RedisConnection::new(options, DurabilityPolicy::Warn).map_err(failed)?;
        Ok(Self::from_connection(conn, DEFAULT_PREFIX))
    }

    /// A manager over an existing connection (shared with other stores).
    #[must_use]
    pub fn from_connection(conn: RedisConnection, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }

    /// The same manager with another key prefix, so several servers or tests can share one
    /// Redis without seeing each other's keys.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn redis_key(&self, id: u64) -> String {
        format!("{}{id:016x}", self.prefix)
    }

    /// Every stored id under this prefix, sorted (a `SCAN`; for tests and tooling).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when Redis does not answer.
    pub async fn ids(&self) -> Result<Vec<u64>, Error> {
        let pattern = format!("{}*", escape_glob(&self.prefix));
        let keys = self.conn.scan_match(&pattern).await.map_err(failed)?;
        let mut ids: Vec<u64> = keys
            .iter()
            .filter_map(|k| std::str::from_utf8(k).ok())
            .filter_map(|k| k.strip_prefix(self.prefix.as_str()))
            .filter(|hex| hex.len() == 16)
            .filter_map(|hex| u64::from_str_radix(hex, 16).ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl AuthKeyManager for RedisAuthKeyManager {
    async fn set_key(&self, key: AuthKey) -> Result<(), Error> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.redis_key(key.id()))
            .arg(&key.expose_secret()[..]);
        let ((), acked) = self.conn.write(&cmd).await.map_err(failed)?;
        self.conn.require_replicas(acked).map_err(failed)
    }

    async fn set_temp_key(&self, key: AuthKey, ttl: std::time::Duration) -> Result<(), Error> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.redis_key(key.id()))
            .arg(&key.expose_secret()[..])
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let ((), acked) = self.conn.write(&cmd).await.map_err(failed)?;
        self.conn.require_replicas(acked).map_err(failed)
    }

    async fn has_key(&self, key: KeyRef<'_>) -> Result<bool, Error> {
        let n: u64 = self
            .conn
            .query(redis::cmd("EXISTS").arg(self.redis_key(key.id())))
            .await
            .map_err(failed)?;
        Ok(n > 0)
    }

    async fn get_key(&self, id: u64) -> Result<AuthKey, Error> {
        let value: Option<Vec<u8>> = self
            .conn
            .query(redis::cmd("GET").arg(self.redis_key(id)))
            .await
            .map_err(failed)?;
        let bytes = Zeroizing::new(value.ok_or(Error::AuthKeyDoesNotExist { id })?);
        let key = AuthKey::from_slice(&bytes).map_err(|_| Error::CorruptEntry { id })?;
        if key.id() != id {
            return Err(Error::CorruptEntry { id });
        }
        Ok(key)
    }

    async fn del_key(&self, key: KeyRef<'_>) -> Result<(), Error> {
        let id = key.id();
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.redis_key(id));
        let (n, acked): (u64, _) = self.conn.write(&cmd).await.map_err(failed)?;
        if n == 0 {
            return Err(Error::AuthKeyDoesNotExist { id });
        }
        self.conn.require_replicas(acked).map_err(failed)
    }
}
