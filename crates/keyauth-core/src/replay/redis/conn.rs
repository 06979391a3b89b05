//! [`RedisConnection`]: one handle over a single node, a Cluster or a Sentinel-watched master,
//! that reads the server's promises before use and maps every refusal to a [`RedisFailure`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{Cmd, FromRedisValue, Pipeline, Value};

use super::options::{DurabilityPolicy, RedisOptions, Topology, bad};
use crate::replay::RedisFailure;

/// What one server said about persistence and eviction (`CONFIG GET appendonly appendfsync
/// maxmemory-policy`); `None` where it did not say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerSettings {
    /// The node that answered (`host:port`), in a Cluster; `None` for a single connection.
    pub node: Option<String>,
    /// `appendonly`: `yes` or `no`.
    pub appendonly: Option<String>,
    /// `appendfsync`: `always`, `everysec` or `no`.
    pub appendfsync: Option<String>,
    /// `maxmemory-policy`: `noeviction`, `allkeys-lru`, ...
    pub maxmemory_policy: Option<String>,
}

impl ServerSettings {
    /// The failure these settings amount to: [`RedisFailure::NotDurable`] unless `appendonly
    /// yes`, [`RedisFailure::Evicting`] unless `maxmemory-policy noeviction`; `None` when both
    /// hold. A setting the server did not report is not a failure here (see
    /// [`ServerSettings::is_complete`]).
    #[must_use]
    pub fn problem(&self) -> Option<RedisFailure> {
        if let Some(a) = &self.appendonly
            && !a.eq_ignore_ascii_case("yes")
        {
            return Some(RedisFailure::NotDurable {
                setting: format!("appendonly {a}"),
            });
        }
        if let Some(p) = &self.maxmemory_policy
            && !p.eq_ignore_ascii_case("noeviction")
        {
            return Some(RedisFailure::Evicting { policy: p.clone() });
        }
        None
    }

    /// Whether the server reported both settings that decide durability.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.appendonly.is_some() && self.maxmemory_policy.is_some()
    }

    fn from_value(node: Option<String>, v: Value) -> Option<Self> {
        let map: std::collections::HashMap<String, String> =
            FromRedisValue::from_redis_value(v).ok()?;
        Some(Self {
            node,
            appendonly: map.get("appendonly").cloned(),
            appendfsync: map.get("appendfsync").cloned(),
            maxmemory_policy: map.get("maxmemory-policy").cloned(),
        })
    }
}

/// Maps a redis-rs error to a typed reason. Redis errors carry no keys or values, and only the
/// error code or category is kept.
#[must_use]
pub fn classify(e: &redis::RedisError) -> RedisFailure {
    use redis::{ErrorKind as K, ServerErrorKind as S};
    if e.is_timeout() {
        return RedisFailure::Timeout;
    }
    match e.kind() {
        K::AuthenticationFailed => return RedisFailure::Auth,
        K::InvalidClientConfig => {
            return RedisFailure::BadConfig {
                reason: e.category().to_owned(),
            };
        }
        K::Server(S::ReadOnly) => return RedisFailure::ReadOnly,
        K::Server(S::ClusterDown) => return RedisFailure::ClusterDown,
        K::Server(S::Moved | S::Ask | S::TryAgain) => return RedisFailure::Redirected,
        K::Server(S::MasterDown) => return RedisFailure::NoMaster,
        K::Server(S::BusyLoading) => return RedisFailure::Loading,
        K::Server(S::NoPerm) => return RedisFailure::Auth,
        K::ClusterConnectionNotFound => return RedisFailure::ClusterDown,
        K::MasterNameNotFoundBySentinel
        | K::NoValidReplicasFoundBySentinel
        | K::EmptySentinelList => return RedisFailure::NoMaster,
        _ => {}
    }
    match e.code() {
        Some("OOM") => return RedisFailure::OutOfMemory,
        Some("WRONGPASS" | "NOAUTH" | "NOPERM") => return RedisFailure::Auth,
        Some("READONLY") => return RedisFailure::ReadOnly,
        Some("CLUSTERDOWN") => return RedisFailure::ClusterDown,
        Some("MASTERDOWN") => return RedisFailure::NoMaster,
        Some("LOADING") => return RedisFailure::Loading,
        _ => {}
    }
    if e.is_connection_refusal() {
        RedisFailure::Connection {
            reason: "connection refused".into(),
        }
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
        RedisFailure::Connection {
            reason: "connection lost".into(),
        }
    } else {
        RedisFailure::Other {
            reason: e.code().unwrap_or_else(|| e.category()).to_owned(),
        }
    }
}

/// A self-healing connection to the deployment [`RedisOptions`] names, shared (cheaply
/// cloned) by the Redis stores.
///
/// - Single node: redis-rs's [`ConnectionManager`], reconnecting in the background.
/// - Cluster: redis-rs's cluster client (slot map, redirects, topology refresh on failover).
/// - Sentinel: the master the Sentinels name, asked again after a connection error or
///   `READONLY` (the old master was demoted).
///
/// Before the first command and after every connection or topology error it reads the
/// server's settings and applies the [`DurabilityPolicy`]. After a write, it sends `WAIT` when
/// [`RedisOptions::wait_for_replicas`] is set. Errors are [`RedisFailure`]s.
#[derive(Clone)]
pub struct RedisConnection {
    inner: Inner,
    shared: Arc<Shared>,
}

#[derive(Clone)]
enum Inner {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(Arc<SentinelConn>),
}

struct Shared {
    policy: DurabilityPolicy,
    check_needed: AtomicBool,
    wait: Option<(u32, Duration)>,
    topology: &'static str,
}

struct SentinelConn {
    client: tokio::sync::Mutex<SentinelClient>,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    config: redis::AsyncConnectionConfig,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnection")
            .field("topology", &self.shared.topology)
            .field("policy", &self.shared.policy)
            .field("wait", &self.shared.wait)
            .finish_non_exhaustive()
    }
}

macro_rules! on_conn {
    ($self:ident, $c:ident => $body:expr) => {
        match &$self.inner {
            Inner::Single(c) => {
                let mut $c = c.clone();
                $body
            }
            Inner::Cluster(c) => {
                let mut $c = c.clone();
                $body
            }
            Inner::Sentinel(s) => match s.get().await {
                Err(e) => Err(e),
                Ok(c) => {
                    let mut $c = c;
                    let r = $body;
                    if let Err(e) = &r {
                        if classify(e).is_topology_change() {
                            // Ask the Sentinels again next time: the master may have moved.
                            *s.conn.lock().await = None;
                        }
                    }
                    r
                }
            },
        }
    };
}

impl SentinelConn {
    async fn get(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self
            .client
            .lock()
            .await
            .get_async_connection_with_config(&self.config)
            .await?;
        *slot = Some(c.clone());
        Ok(c)
    }
}

impl RedisConnection {
    /// A connection for these options, applying `default_policy` unless the options set one.
    /// It connects on first use (a store can be built while Redis is down).
    ///
    /// # Errors
    /// [`RedisFailure::BadConfig`] for a malformed URL or options; [`RedisFailure::Other`]
    /// outside a tokio runtime (the connection spawns its reconnection task on it).
    pub fn new(
        options: &RedisOptions,
        default_policy: DurabilityPolicy,
    ) -> Result<Self, RedisFailure> {
        options.validate()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisFailure::Other {
                reason: "must be called inside a tokio runtime".into(),
            });
        }
        #[cfg(feature = "redis-tls")]
        {
            // redis-rs builds its rustls config on the process-wide provider; the workspace's
            // is ring. Err: one is installed already, which is all that is needed.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let map = |e: redis::RedisError| classify(&e);
        let (inner, topology) = match &options.topology {
            Topology::Single { url } => {
                let client = redis::Client::open(url.as_str()).map_err(map)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(options.connect_timeout))
                    .set_response_timeout(Some(options.response_timeout))
                    .set_number_of_retries(options.retries)
                    .set_min_delay(Duration::from_millis(50))
                    .set_max_delay(Duration::from_millis(500));
                let cm = ConnectionManager::new_lazy_with_config(client, config).map_err(map)?;
                (Inner::Single(cm), "single")
            }
            Topology::Cluster { seeds } => {
                let client =
                    redis::cluster::ClusterClientBuilder::new(seeds.iter().map(String::as_str))
                        .connection_timeout(options.connect_timeout)
                        .response_timeout(options.response_timeout)
                        .retries(u32::try_from(options.retries.max(1) * 3).unwrap_or(u32::MAX))
                        .min_retry_wait(50)
                        .max_retry_wait(500)
                        .build()
                        .map_err(map)?;
                let config = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(options.connect_timeout)
                    .set_response_timeout(options.response_timeout);
                let conn = client.get_pending_async_connection_with_config(config);
                (Inner::Cluster(conn), "cluster")
            }
            Topology::Sentinel { sentinels, master } => {
                let mut info = redis::RedisConnectionInfo::default().set_db(options.node_db);
                if let Some(u) = &options.node_username {
                    info = info.set_username(u);
                }
                if let Some(p) = &options.node_password {
                    info = info.set_password(p);
                }
                let mut node =
                    SentinelNodeConnectionInfo::default().set_redis_connection_info(info);
                if options.node_tls {
                    node = node.set_tls_mode(redis::TlsMode::Secure);
                }
                let client = SentinelClient::build(
                    sentinels.clone(),
                    master.clone(),
                    Some(node),
                    SentinelServerType::Master,
                )
                .map_err(map)?;
                let config = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(options.connect_timeout))
                    .set_response_timeout(Some(options.response_timeout));
                let s = SentinelConn {
                    client: tokio::sync::Mutex::new(client),
                    conn: tokio::sync::Mutex::new(None),
                    config,
                };
                (Inner::Sentinel(Arc::new(s)), "sentinel")
            }
            #[allow(unreachable_patterns)]
            _ => return Err(bad("unsupported topology")),
        };
        Ok(Self {
            inner,
            shared: Arc::new(Shared {
                policy: options.durability.unwrap_or(default_policy),
                check_needed: AtomicBool::new(true),
                wait: options.replicas_to_wait_for(),
                topology,
            }),
        })
    }

    /// The policy in force.
    #[must_use]
    pub fn policy(&self) -> DurabilityPolicy {
        self.shared.policy
    }

    /// The `WAIT` setting in force (replicas, timeout).
    #[must_use]
    pub fn wait(&self) -> Option<(u32, Duration)> {
        self.shared.wait
    }

    /// Reads every reachable server's settings now (every node in a Cluster).
    ///
    /// # Errors
    /// A [`RedisFailure`] when the servers do not answer or refuse `CONFIG`.
    pub async fn server_settings(&self) -> Result<Vec<ServerSettings>, RedisFailure> {
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("GET")
            .arg("appendonly")
            .arg("appendfsync")
            .arg("maxmemory-policy");
        let parsed = match &self.inner {
            Inner::Cluster(c) => {
                // Node by node: a node that is down serves nothing and is skipped; a node
                // that refuses CONFIG makes the settings unknown.
                let mut found = Vec::new();
                let mut last = None;
                for (host, port, _) in self.cluster_nodes(c).await? {
                    let r = c
                        .clone()
                        .route_command(
                            cmd.clone(),
                            RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                                host: host.clone(),
                                port,
                            }),
                        )
                        .await;
                    match r {
                        Ok(v) => found.extend(ServerSettings::from_value(
                            Some(format!("{host}:{port}")),
                            v,
                        )),
                        Err(e) => {
                            let f = classify(&e);
                            if !f.is_topology_change() {
                                return Err(f);
                            }
                            last = Some(f);
                        }
                    }
                }
                if found.is_empty() {
                    return Err(last.unwrap_or(RedisFailure::ClusterDown));
                }
                found
            }
            _ => {
                let v: Value =
                    on_conn!(self, c => cmd.query_async(&mut c).await).map_err(|e| classify(&e))?;
                ServerSettings::from_value(None, v)
                    .into_iter()
                    .collect::<Vec<_>>()
            }
        };
        Ok(parsed)
    }

    /// Applies the policy when a (re)connection may have happened since the last check.
    async fn ensure_checked(&self) -> Result<(), RedisFailure> {
        let shared = &self.shared;
        if shared.policy == DurabilityPolicy::Accept || !shared.check_needed.load(Ordering::Acquire)
        {
            return Ok(());
        }
        match self.server_settings().await {
            Err(e) if e.is_topology_change() => Err(e),
            Err(e) => {
                tracing::warn!(
                    target: "keyauth_core::redis",
                    code = e.code(),
                    "Redis refused CONFIG GET ({e}): its persistence and eviction settings are \
                     unknown; single use and stored keys are only as durable as the server is"
                );
                shared.check_needed.store(false, Ordering::Release);
                Ok(())
            }
            Ok(list) => {
                if list.is_empty() || list.iter().any(|s| !s.is_complete()) {
                    tracing::warn!(
                        target: "keyauth_core::redis",
                        "Redis did not report appendonly / maxmemory-policy: its durability is unknown"
                    );
                }
                let problems: Vec<(Option<String>, RedisFailure)> = list
                    .iter()
                    .filter_map(|s| s.problem().map(|p| (s.node.clone(), p)))
                    .collect();
                match (shared.policy, problems.first()) {
                    (DurabilityPolicy::Refuse, Some((_, p))) => return Err(p.clone()),
                    (_, _) => {
                        for (node, p) in &problems {
                            tracing::warn!(
                                target: "keyauth_core::redis",
                                code = p.code(),
                                node = node.as_deref().unwrap_or("-"),
                                "{p}: a restart or memory pressure can forget used tokens \
                                 (accepted replays) and stored keys"
                            );
                        }
                        for s in &list {
                            if s.appendfsync.as_deref().is_some_and(|f| f != "always") {
                                tracing::info!(
                                    target: "keyauth_core::redis",
                                    node = s.node.as_deref().unwrap_or("-"),
                                    "appendfsync {}: a machine crash can lose the last second of writes",
                                    s.appendfsync.as_deref().unwrap_or("")
                                );
                            }
                        }
                    }
                }
                shared.check_needed.store(false, Ordering::Release);
                Ok(())
            }
        }
    }

    fn note<T>(&self, r: Result<T, redis::RedisError>) -> Result<T, RedisFailure> {
        r.map_err(|e| {
            let f = classify(&e);
            if f.is_topology_change() {
                self.shared.check_needed.store(true, Ordering::Release);
            }
            f
        })
    }

    /// Runs one command (after the settings check when one is due).
    ///
    /// # Errors
    /// A [`RedisFailure`].
    pub async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, RedisFailure> {
        self.ensure_checked().await?;
        let r = on_conn!(self, c => cmd.query_async::<T>(&mut c).await);
        self.note(r)
    }

    /// Runs one write and, when `WAIT` is configured, `WAIT replicas timeout` on the same node
    /// in the same round trip. Returns the write's answer and how many replicas acknowledged
    /// (`None` without `WAIT`); the caller decides whether a short count matters (a `SET NX`
    /// that wrote nothing does not need replicas).
    ///
    /// # Errors
    /// A [`RedisFailure`].
    pub async fn write<T: FromRedisValue>(
        &self,
        cmd: &Cmd,
    ) -> Result<(T, Option<u32>), RedisFailure> {
        let Some((n, timeout)) = self.shared.wait else {
            return self.query(cmd).await.map(|v| (v, None));
        };
        self.ensure_checked().await?;
        let mut pipe = Pipeline::new();
        pipe.add_command(cmd.clone()).cmd("WAIT").arg(n).arg(
            u64::try_from(timeout.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        let r = on_conn!(self, c => pipe.query_async::<(T, i64)>(&mut c).await);
        let (v, acked) = self.note(r)?;
        Ok((v, Some(u32::try_from(acked.max(0)).unwrap_or(u32::MAX))))
    }

    /// Fails with [`RedisFailure::ReplicationTimeout`] when `WAIT` is configured and `acked`
    /// is short of it.
    ///
    /// # Errors
    /// As described.
    pub fn require_replicas(&self, acked: Option<u32>) -> Result<(), RedisFailure> {
        match (self.shared.wait, acked) {
            (Some((wanted, _)), Some(acked)) if acked < wanted => {
                Err(RedisFailure::ReplicationTimeout { acked, wanted })
            }
            _ => Ok(()),
        }
    }

    /// The nodes serving slots, from `CLUSTER SLOTS`: (host, port, is master).
    async fn cluster_nodes(
        &self,
        c: &ClusterConnection,
    ) -> Result<Vec<(String, u16, bool)>, RedisFailure> {
        let slots: Value = self.note(
            c.clone()
                .route_command(
                    redis::cmd("CLUSTER").arg("SLOTS").clone(),
                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
                )
                .await,
        )?;
        let mut nodes: Vec<(String, u16, bool)> = Vec::new();
        let Value::Array(ranges) = slots else {
            return Ok(nodes);
        };
        for r in ranges {
            let Value::Array(parts) = r else { continue };
            for (i, node) in parts.into_iter().skip(2).enumerate() {
                let Value::Array(node) = node else { continue };
                let host: Option<String> = node
                    .first()
                    .and_then(|h| FromRedisValue::from_redis_value(h.clone()).ok());
                let port: Option<u16> = node
                    .get(1)
                    .and_then(|p| FromRedisValue::from_redis_value(p.clone()).ok());
                if let (Some(h), Some(p)) = (host, port)
                    && !nodes.iter().any(|n| n.0 == h && n.1 == p)
                {
                    nodes.push((h, p, i == 0));
                }
            }
        }
        Ok(nodes)
    }

    /// Every key matching `pattern` (a `SCAN` on each master in a Cluster), bounded.
    ///
    /// # Errors
    /// A [`RedisFailure`].
    pub async fn scan_match(&self, pattern: &str) -> Result<Vec<Vec<u8>>, RedisFailure> {
        self.ensure_checked().await?;
        let mut out = Vec::new();
        let nodes: Vec<Option<(String, u16)>> = match &self.inner {
            Inner::Cluster(c) => self
                .cluster_nodes(c)
                .await?
                .into_iter()
                .filter(|n| n.2)
                .map(|(h, p, _)| Some((h, p)))
                .collect(),
            _ => vec![None],
        };
        for node in nodes {
            let mut cursor: u64 = 0;
            // Bounded: SCAN terminates, but never loop forever on a misbehaving server.
            for _ in 0..1_000_000 {
                let mut cmd = redis::cmd("SCAN");
                cmd.arg(cursor)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(1000);
                let (next, keys): (u64, Vec<Vec<u8>>) = match (&self.inner, &node) {
                    (Inner::Cluster(c), Some((host, port))) => {
                        let v = self.note(
                            c.clone()
                                .route_command(
                                    cmd,
                                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                                        host: host.clone(),
                                        port: *port,
                                    }),
                                )
                                .await,
                        )?;
                        FromRedisValue::from_redis_value(v).map_err(|e| classify(&e.into()))?
                    }
                    _ => {
                        let r = on_conn!(self, c => cmd.query_async(&mut c).await);
                        self.note(r)?
                    }
                };
                out.extend(keys);
                cursor = next;
                if cursor == 0 {
                    break;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}
