//! Why a Redis-backed store refused or could not answer: [`RedisFailure`].
//!
//! Defined whether or not the `redis` feature is on, so [`ReplayError`](super::ReplayError)
//! has the same variants in every build.

/// A typed reason from a Redis-backed store (the replay guard, the auth-key store).
///
/// Every variant is one failure with one stable code ([`RedisFailure::code`]). None carries a
/// key, a token id or a secret: Redis never echoes keys or values in its errors, and the
/// texts kept here are setting names and Redis's own error codes.
///
/// | variant | code | meaning |
/// |---|---|---|
/// | [`BadConfig`](Self::BadConfig) | `redis_bad_config` | the URL or options do not describe a Redis deployment (bad input, not an outage) |
/// | [`Connection`](Self::Connection) | `redis_connection_failed` | no connection: refused, dropped, DNS, TLS handshake |
/// | [`Timeout`](Self::Timeout) | `redis_timeout` | connect or response timeout |
/// | [`Auth`](Self::Auth) | `redis_auth_failed` | `WRONGPASS`, `NOAUTH`, `NOPERM` |
/// | [`OutOfMemory`](Self::OutOfMemory) | `redis_out_of_memory` | `OOM`: `maxmemory` reached under `noeviction` |
/// | [`ReadOnly`](Self::ReadOnly) | `redis_read_only` | `READONLY`: the node is a replica (failover in progress) |
/// | [`ClusterDown`](Self::ClusterDown) | `redis_cluster_down` | `CLUSTERDOWN`, no connection to the slot's node |
/// | [`Redirected`](Self::Redirected) | `redis_redirects_exhausted` | `MOVED` / `ASK` / `TRYAGAIN` still after the client's retries |
/// | [`NoMaster`](Self::NoMaster) | `redis_no_master` | `MASTERDOWN`, or the Sentinels name no master |
/// | [`Loading`](Self::Loading) | `redis_loading` | `LOADING`: the server is reading its data set after a restart |
/// | [`NotDurable`](Self::NotDurable) | `redis_not_durable` | the server does not persist writes (`appendonly no`) |
/// | [`Evicting`](Self::Evicting) | `redis_evicting` | the server may evict keys (`maxmemory-policy` other than `noeviction`) |
/// | [`ReplicationTimeout`](Self::ReplicationTimeout) | `redis_replication_timeout` | `WAIT` returned before enough replicas acknowledged the write |
/// | [`Other`](Self::Other) | `redis_error` | any other error answer |
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisFailure {
    /// The URL or options do not describe a Redis deployment: bad input, not an outage.
    #[error("bad Redis configuration: {reason}")]
    BadConfig {
        /// What is wrong (never contains a password).
        reason: String,
    },
    /// No connection could be made or kept.
    #[error("Redis connection failed: {reason}")]
    Connection {
        /// `connection refused`, `connection lost`, ...
        reason: String,
    },
    /// Connecting or waiting for an answer took longer than the configured timeout.
    #[error("Redis timed out")]
    Timeout,
    /// The server refused the credentials or the user's permissions.
    #[error("Redis authentication failed")]
    Auth,
    /// `OOM`: the server is at `maxmemory` and evicts nothing (`noeviction`).
    #[error("Redis is out of memory (OOM)")]
    OutOfMemory,
    /// `READONLY`: the node answering is a replica.
    #[error("Redis node is a read-only replica")]
    ReadOnly,
    /// `CLUSTERDOWN`, or no node serves the key's slot.
    #[error("Redis Cluster is down")]
    ClusterDown,
    /// `MOVED`, `ASK` or `TRYAGAIN` still came back after the client's retries.
    #[error("Redis Cluster redirects exhausted")]
    Redirected,
    /// `MASTERDOWN`, or the Sentinels know no master of that name.
    #[error("no Redis master available")]
    NoMaster,
    /// `LOADING`: the server is loading its data set.
    #[error("Redis is loading its data set")]
    Loading,
    /// The server does not persist writes, so a restart forgets them.
    #[error("Redis is not durable ({setting})")]
    NotDurable {
        /// The setting as the server reported it, e.g. `appendonly no`.
        setting: String,
    },
    /// The server may evict keys under memory pressure.
    #[error("Redis may evict keys (maxmemory-policy {policy})")]
    Evicting {
        /// The server's `maxmemory-policy`.
        policy: String,
    },
    /// `WAIT` returned before the configured number of replicas acknowledged the write.
    #[error("Redis replication timed out ({acked} of {wanted} replicas acknowledged)")]
    ReplicationTimeout {
        /// Replicas that acknowledged.
        acked: u32,
        /// Replicas required.
        wanted: u32,
    },
    /// Any other error answer.
    #[error("Redis error: {reason}")]
    Other {
        /// Redis's error code or the client's error category, never key material.
        reason: String,
    },
}

impl RedisFailure {
    /// The stable code (see the table on the type).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadConfig { .. } => "redis_bad_config",
            Self::Connection { .. } => "redis_connection_failed",
            Self::Timeout => "redis_timeout",
            Self::Auth => "redis_auth_failed",
            Self::OutOfMemory => "redis_out_of_memory",
            Self::ReadOnly => "redis_read_only",
            Self::ClusterDown => "redis_cluster_down",
            Self::Redirected => "redis_redirects_exhausted",
            Self::NoMaster => "redis_no_master",
            Self::Loading => "redis_loading",
            Self::NotDurable { .. } => "redis_not_durable",
            Self::Evicting { .. } => "redis_evicting",
            Self::ReplicationTimeout { .. } => "redis_replication_timeout",
            Self::Other { .. } => "redis_error",
        }
    }

    /// The common kind: [`Malformed`](crate::ErrorKind::Malformed) for a bad configuration
    /// (bad input), [`Unavailable`](crate::ErrorKind::Unavailable) for everything else.
    #[must_use]
    pub const fn kind(&self) -> crate::ErrorKind {
        match self {
            Self::BadConfig { .. } => crate::ErrorKind::Malformed,
            _ => crate::ErrorKind::Unavailable,
        }
    }

    /// Whether this failure suggests the connection or topology changed (the store then
    /// re-reads the server's settings before the next command).
    #[must_use]
    pub const fn is_topology_change(&self) -> bool {
        matches!(
            self,
            Self::Connection { .. }
                | Self::Timeout
                | Self::ReadOnly
                | Self::ClusterDown
                | Self::Redirected
                | Self::NoMaster
                | Self::Loading
        )
    }

    /// Every variant once, for tests that pin the codes.
    #[doc(hidden)]
    #[must_use]
    pub fn all_for_tests() -> Vec<Self> {
        let s = String::new;
        vec![
            Self::BadConfig { reason: s() },
            Self::Connection { reason: s() },
            Self::Timeout,
            Self::Auth,
            Self::OutOfMemory,
            Self::ReadOnly,
            Self::ClusterDown,
            Self::Redirected,
            Self::NoMaster,
            Self::Loading,
            Self::NotDurable { setting: s() },
            Self::Evicting { policy: s() },
            Self::ReplicationTimeout {
                acked: 0,
                wanted: 1,
            },
            Self::Other { reason: s() },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_pinned_and_distinct() {
        let pinned = [
            "redis_bad_config",
            "redis_connection_failed",
            "redis_timeout",
            "redis_auth_failed",
            "redis_out_of_memory",
            "redis_read_only",
            "redis_cluster_down",
            "redis_redirects_exhausted",
            "redis_no_master",
            "redis_loading",
            "redis_not_durable",
            "redis_evicting",
            "redis_replication_timeout",
            "redis_error",
        ];
        let all = RedisFailure::all_for_tests();
        assert_eq!(all.len(), pinned.len());
        for (f, code) in all.iter().zip(pinned) {
            assert_eq!(f.code(), code);
            // Exhaustive on purpose: a new variant fails to compile until it is pinned above.
            match f {
                RedisFailure::BadConfig { .. } => assert_eq!(f.kind(), crate::ErrorKind::Malformed),
                RedisFailure::Connection { .. }
                | RedisFailure::Timeout
                | RedisFailure::Auth
                | RedisFailure::OutOfMemory
                | RedisFailure::ReadOnly
                | RedisFailure::ClusterDown
                | RedisFailure::Redirected
                | RedisFailure::NoMaster
                | RedisFailure::Loading
                | RedisFailure::NotDurable { .. }
                | RedisFailure::Evicting { .. }
                | RedisFailure::ReplicationTimeout { .. }
                | RedisFailure::Other { .. } => {
                    assert_eq!(f.kind(), crate::ErrorKind::Unavailable);
                }
            }
        }
        let mut codes = pinned.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), pinned.len());
    }
}
