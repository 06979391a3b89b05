//! [`RedisAuthKeyManager`] (feature `redis`): auth keys shared through Redis by every server
//! process that points at it.
//!
//! One Redis string per key: `<prefix><id as 16 lowercase hex digits>` → the 256 key bytes.
//! The connection is keyauth-core's lazily connecting, self-reconnecting tokio
//! [`ConnectionManager`] ([`RedisOptions::connection_manager`]): a manager can be built while
//! Redis is down, answers [`Error::Unavailable`] while it stays down (never "absent"), and works
//! again once Redis is back.

use async_trait::async_trait;
use keyauth_core::RedisOptions;
use redis::aio::ConnectionManager;
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
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisAuthKeyManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAuthKeyManager")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Mirrors a Redis error as text without key material (Redis errors never echo values).
fn unavailable(e: &redis::RedisError) -> Error {
    let reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connection_refusal() {
        "connection refused".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
        "connection lost".to_owned()
    } else {
        format!("{:?}", e.kind())
    };
    Error::Unavailable { reason }
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
    /// [`Error::Unavailable`] when the URL does not parse, or when called outside a tokio
    /// runtime (where the `redis` crate would panic).
    pub fn new(options: &RedisOptions) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Unavailable {
                reason: "no tokio runtime (create the manager inside one)".to_owned(),
            });
        }
        let conn = options
            .connection_manager()
            .map_err(|e| Error::Unavailable {
                reason: e.to_string(),
            })?;
        Ok(Self::from_connection(conn, DEFAULT_PREFIX))
    }

    /// A manager over an existing connection manager (shared with other stores).
    #[must_use]
    pub fn from_connection(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
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
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", escape_glob(&self.prefix));
        let mut cursor: u64 = 0;
        let mut ids = Vec::new();
        // Bounded: SCAN terminates, but never loop forever on a misbehaving server.
        for _ in 0..1_000_000 {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(|e| unavailable(&e))?;
            ids.extend(
                keys.iter()
                    .filter_map(|k| k.strip_prefix(self.prefix.as_str()))
                    .filter(|hex| hex.len() == 16)
                    .filter_map(|hex| u64::from_str_radix(hex, 16).ok()),
            );
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
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
        let mut conn = self.conn.clone();
        let () = redis::cmd("SET")
            .arg(self.redis_key(key.id()))
            .arg(&key.expose_secret()[..])
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(())
    }

    async fn set_temp_key(&self, key: AuthKey, ttl: std::time::Duration) -> Result<(), Error> {
        let mut conn = self.conn.clone();
        let () = redis::cmd("SET")
            .arg(self.redis_key(key.id()))
            .arg(&key.expose_secret()[..])
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(())
    }

    async fn has_key(&self, key: KeyRef<'_>) -> Result<bool, Error> {
        let mut conn = self.conn.clone();
        let n: u64 = redis::cmd("EXISTS")
            .arg(self.redis_key(key.id()))
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(n > 0)
    }

    async fn get_key(&self, id: u64) -> Result<AuthKey, Error> {
        let mut conn = self.conn.clone();
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.redis_key(id))
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        let bytes = Zeroizing::new(value.ok_or(Error::AuthKeyDoesNotExist { id })?);
        let key = AuthKey::from_slice(&bytes).map_err(|_| Error::CorruptEntry { id })?;
        if key.id() != id {
            return Err(Error::CorruptEntry { id });
        }
        Ok(key)
    }

    async fn del_key(&self, key: KeyRef<'_>) -> Result<(), Error> {
        let id = key.id();
        let mut conn = self.conn.clone();
        let n: u64 = redis::cmd("DEL")
            .arg(self.redis_key(id))
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        if n == 0 {
            return Err(Error::AuthKeyDoesNotExist { id });
        }
        Ok(())
    }
}
