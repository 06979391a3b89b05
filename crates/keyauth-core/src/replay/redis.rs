//! A replay guard shared through Redis (feature `redis`).
//!
//! One `SET <prefix><id> 1 NX EXAT <until>` per check: Redis decides atomically whether the
//! id is new, and forgets it when it expires. The connection is the `redis` crate's tokio
//! [`ConnectionManager`], created lazily: a guard can be built while Redis is down, answers
//! [`ReplayError::Unavailable`] while it stays down, and works again once it is back.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{ReplayError, ReplayGuard};
use crate::clock::UnixTime;

/// Where Redis is and how long to wait for it.
///
/// ```
/// use keyauth_core::RedisOptions;
/// let opts = RedisOptions::new("redis://127.0.0.1:6379/").prefix("myapp:nonce:");
/// assert_eq!(opts.key_prefix(), "myapp:nonce:");
/// ```
#[derive(Clone, Debug)]
pub struct RedisOptions {
    url: String,
    prefix: String,
    connect_timeout: Duration,
    response_timeout: Duration,
    retries: usize,
}

impl RedisOptions {
    /// Options for the Redis at `url` (`redis://host:port/db`), prefix `keyauth:replay:`,
    /// 1 s to connect, 2 s per response, 2 reconnection attempts per failure.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "keyauth:replay:".into(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(2),
            retries: 2,
        }
    }

    /// The prefix put before every key, so several applications can share one Redis.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one connection attempt may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one command may wait for its answer.
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How many times to retry connecting after a failure before reporting it.
    #[must_use]
    pub fn retries(mut self, retries: usize) -> Self {
        self.retries = retries;
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// A lazily connecting, self-reconnecting tokio connection manager for these options.
    /// Other Redis-backed stores in keyauth (the MTProto auth-key manager) use it too.
    ///
    /// # Errors
    /// [`ReplayError::Unavailable`] when the URL does not parse or when called outside a tokio
    /// runtime (the manager spawns its reconnection task on it).
    pub fn connection_manager(&self) -> Result<ConnectionManager, ReplayError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ReplayError::Unavailable {
                reason: "must be called inside a tokio runtime".into(),
            });
        }
        let client = redis::Client::open(self.url.as_str()).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.response_timeout))
            .set_number_of_retries(self.retries)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)
    }
}

/// Mirrors a Redis error as text; Redis errors carry no token ids (keys are never echoed).
pub(crate) fn unavailable(e: redis::RedisError) -> ReplayError {
    let reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connection_refusal() {
        "connection refused".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "connection lost".to_owned()
    } else {
        format!("{:?}", e.kind())
    };
    ReplayError::Unavailable { reason }
}

/// A [`ReplayGuard`] shared through Redis.
///
/// ```no_run
/// use keyauth_core::{RedisOptions, RedisReplayGuard, ReplayGuard, UnixTime};
/// # async fn demo() -> Result<(), keyauth_core::ReplayError> {
/// let guard = RedisReplayGuard::new(&RedisOptions::new("redis://127.0.0.1/"))?;
/// guard.check_and_mark(b"nonce", UnixTime::new(2_000_000_000)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisReplayGuard {
    conn: ConnectionManager,
    prefix: Vec<u8>,
}

impl std::fmt::Debug for RedisReplayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisReplayGuard")
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .finish_non_exhaustive()
    }
}

impl RedisReplayGuard {
    /// A guard on the Redis the options name. It connects on first use.
    ///
    /// # Errors
    /// [`ReplayError::Unavailable`] when the URL does not parse or when called outside a tokio
    /// runtime.
    pub fn new(options: &RedisOptions) -> Result<Self, ReplayError> {
        Ok(Self {
            conn: options.connection_manager()?,
            prefix: options.key_prefix().as_bytes().to_vec(),
        })
    }

    /// A guard over an existing connection manager (shared with other stores).
    #[must_use]
    pub fn from_connection(conn: ConnectionManager, prefix: impl Into<Vec<u8>>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }

    fn key(&self, id: &[u8]) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.prefix.len() + id.len());
        key.extend_from_slice(&self.prefix);
        key.extend_from_slice(id);
        key
    }
}

#[async_trait]
impl ReplayGuard for RedisReplayGuard {
    async fn check_and_mark(&self, id: &[u8], until: UnixTime) -> Result<(), ReplayError> {
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        if until < now {
            // Same contract as the memory guard: nothing to remember for a dead token.
            return Ok(());
        }
        // EXAT is exclusive of the second itself; +1 keeps the id through `until`.
        let exat = until.as_secs().saturating_add(1);
        let mut conn = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(id))
            .arg(1)
            .arg("NX")
            .arg("EXAT")
            .arg(exat)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        match set {
            Some(_) => Ok(()),
            None => Err(ReplayError::Replayed),
        }
    }
}
