//! Redis-backed shared state (feature `redis`): [`RedisOptions`] and [`RedisConnection`],
//! used by every Redis store in keyauth, and the [`RedisReplayGuard`].
//!
//! One `SET <prefix><id> 1 NX EXAT <until>` per check: Redis decides atomically whether the
//! id is new, and forgets it when it expires. Each key is one slot, so the guard works
//! unchanged on a Redis Cluster. The connection is created lazily: a guard can be built while
//! Redis is down, answers a typed [`RedisFailure`] while it stays down, and works again once
//! it is back.
//!
//! What the guard promises depends on the server; see `docs/DEPLOYING.md`, "Deploying the
//! shared stores". In short: `appendonly yes` and `maxmemory-policy noeviction` are required
//! (the default [`DurabilityPolicy::Refuse`] checks them), and with replicas (Cluster,
//! Sentinel) [`RedisOptions::wait_for_replicas`] keeps an acknowledged mark through a
//! failover.

use async_trait::async_trait;

mod conn;
mod options;

pub use conn::{RedisConnection, ServerSettings, classify};
pub use options::{DEFAULT_WAIT, DurabilityPolicy, RedisOptions, Topology};

use super::{RedisFailure, ReplayError, ReplayGuard};
use crate::clock::UnixTime;

impl RedisOptions {
    /// A connection for these options with the replay guard's default policy
    /// ([`DurabilityPolicy::Refuse`]); other stores pass their own default to
    /// [`RedisConnection::new`]. Share one connection between stores with
    /// `from_connection`.
    ///
    /// # Errors
    /// [`ReplayError::Redis`] with [`RedisFailure::BadConfig`] for a malformed URL;
    /// [`ReplayError::Unavailable`] outside a tokio runtime.
    pub fn connection(&self) -> Result<RedisConnection, ReplayError> {
        connect(self, DurabilityPolicy::Refuse)
    }
}

fn connect(
    options: &RedisOptions,
    policy: DurabilityPolicy,
) -> Result<RedisConnection, ReplayError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(ReplayError::Unavailable {
            reason: "must be called inside a tokio runtime".into(),
        });
    }
    RedisConnection::new(options, policy).map_err(ReplayError::Redis)
}

/// A [`ReplayGuard`] shared through Redis: one node, a Cluster, or a Sentinel-watched master.
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
    conn: RedisConnection,
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
    /// A guard on the Redis the options name, refusing a non-durable or evicting server
    /// unless the options relax [`DurabilityPolicy`]. It connects on first use.
    ///
    /// # Errors
    /// [`ReplayError::Redis`] with [`RedisFailure::BadConfig`] when the URL does not parse;
    /// [`ReplayError::Unavailable`] when called outside a tokio runtime.
    pub fn new(options: &RedisOptions) -> Result<Self, ReplayError> {
        Ok(Self {
            conn: options.connection()?,
            prefix: options.key_prefix().as_bytes().to_vec(),
        })
    }

    /// A guard over an existing connection (shared with other stores).
    #[must_use]
    pub fn from_connection(conn: RedisConnection, prefix: impl Into<Vec<u8>>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }

    /// The connection (to read [`RedisConnection::server_settings`], or share it).
    #[must_use]
    pub fn connection(&self) -> &RedisConnection {
        &self.conn
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
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(id)).arg(1).arg("NX").arg("EXAT").arg(exat);
        let (set, acked): (Option<String>, _) = self.conn.write(&cmd).await?;
        match set {
            Some(_) => {
                // Marked on the master; without enough replicas a failover could forget it,
                // so the token is refused (fail closed; a retry is then a replay).
                self.conn.require_replicas(acked)?;
                Ok(())
            }
            None => Err(ReplayError::Replayed),
        }
    }
}

impl From<RedisFailure> for crate::Error {
    fn from(f: RedisFailure) -> Self {
        Self::Replay(ReplayError::Redis(f))
    }
}
