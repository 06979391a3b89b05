//! [`RedisOptions`]: where Redis is (one node, a Cluster, Sentinel masters), how long to wait
//! for it, what it must promise, and whether writes wait for replicas.

use std::time::Duration;

use crate::replay::RedisFailure;

/// The `WAIT` after writes on Cluster and Sentinel unless set otherwise: 1 replica, 500 ms.
pub const DEFAULT_WAIT: (u32, Duration) = (1, Duration::from_millis(500));

/// Which Redis deployment to talk to.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Topology {
    /// One node (`redis://`, `rediss://`, `unix://`), through a self-reconnecting
    /// connection manager.
    Single {
        /// The node's URL.
        url: String,
    },
    /// A Redis Cluster, found through any of its seed nodes (redis-rs's cluster client:
    /// slot map, `MOVED`/`ASK` handling, failover by topology refresh).
    Cluster {
        /// Seed node URLs; credentials and TLS are taken from the first.
        seeds: Vec<String>,
    },
    /// A master watched by Redis Sentinel (redis-rs's sentinel client), re-resolved after a
    /// connection error or a `READONLY` answer, so a failover is followed.
    Sentinel {
        /// Sentinel URLs (`redis://host:26379`).
        sentinels: Vec<String>,
        /// The monitored master's name.
        master: String,
    },
}

impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Single { url } => f.debug_struct("Single").field("url", &redact(url)).finish(),
            Self::Cluster { seeds } => f
                .debug_struct("Cluster")
                .field(
                    "seeds",
                    &seeds.iter().map(|s| redact(s)).collect::<Vec<_>>(),
                )
                .finish(),
            Self::Sentinel { sentinels, master } => f
                .debug_struct("Sentinel")
                .field(
                    "sentinels",
                    &sentinels.iter().map(|s| redact(s)).collect::<Vec<_>>(),
                )
                .field("master", master)
                .finish(),
        }
    }
}

/// What a store does when the server does not promise to keep what it is told
/// (`appendonly no`) or may evict keys (`maxmemory-policy` other than `noeviction`).
///
/// The settings are read with `CONFIG GET appendonly appendfsync maxmemory-policy` before the
/// first command and again after any connection or topology error (a reconnect may reach
/// another server). A server that refuses `CONFIG` (managed services rename or forbid it) is
/// used with a `tracing` warning under every policy: its settings cannot be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DurabilityPolicy {
    /// Refuse every command with [`RedisFailure::NotDurable`] / [`RedisFailure::Evicting`]
    /// while the server says so (re-read on each command, so fixing the setting with
    /// `CONFIG SET` is picked up). The replay guard's default.
    Refuse,
    /// Log a `tracing` warning once per (re)connection and carry on. The auth-key store's
    /// default (a lost key costs the client a new handshake, not a replay).
    Warn,
    /// Do not read the settings.
    Accept,
}

/// Where Redis is, how long to wait for it, what it must promise.
///
/// ```
/// use std::time::Duration;
/// use keyauth_core::{DurabilityPolicy, RedisOptions, Topology};
/// let opts = RedisOptions::new("redis://127.0.0.1:6379/").prefix("myapp:nonce:");
/// assert_eq!(opts.key_prefix(), "myapp:nonce:");
///
/// // The same forms as the CLI's --redis:
/// let cluster = RedisOptions::parse("redis+cluster://10.0.0.1:7000,10.0.0.2:7000").unwrap()
///     .wait_for_replicas(1, Duration::from_millis(100))
///     .durability(DurabilityPolicy::Refuse);
/// assert!(matches!(cluster.topology(), Topology::Cluster { seeds } if seeds.len() == 2));
/// assert!(RedisOptions::parse("http://example.com/").is_err());
/// ```
#[derive(Clone)]
pub struct RedisOptions {
    pub(crate) topology: Topology,
    pub(crate) prefix: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) retries: usize,
    pub(crate) durability: Option<DurabilityPolicy>,
    /// `None`: the topology's default ([`DEFAULT_WAIT`] for Cluster and Sentinel, none for a
    /// single node); `Some(None)`: off.
    pub(crate) wait: Option<Option<(u32, Duration)>>,
    pub(crate) node_username: Option<String>,
    pub(crate) node_password: Option<String>,
    pub(crate) node_tls: bool,
    pub(crate) node_db: i64,
}

impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("topology", &self.topology)
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("retries", &self.retries)
            .field("durability", &self.durability)
            .field("wait", &self.wait)
            .field("node_username", &self.node_username)
            .field(
                "node_password",
                &self.node_password.as_ref().map(|_| "<redacted>"),
            )
            .field("node_tls", &self.node_tls)
            .field("node_db", &self.node_db)
            .finish()
    }
}

impl RedisOptions {
    /// Options for the single Redis node at `url` (`redis://[user:pass@]host:port/db`,
    /// `rediss://` for TLS with the `redis-tls` feature), prefix `keyauth:replay:`, 1 s to
    /// connect, 2 s per response, 2 reconnection attempts per failure, the store's default
    /// [`DurabilityPolicy`], no `WAIT`. A malformed URL is reported when a store is built,
    /// as [`RedisFailure::BadConfig`]; [`RedisOptions::parse`] checks at once.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_topology(Topology::Single { url: url.into() })
    }

    /// Options for a Redis Cluster reached through these seed node URLs.
    #[must_use]
    pub fn cluster<S: Into<String>>(seeds: impl IntoIterator<Item = S>) -> Self {
        Self::with_topology(Topology::Cluster {
            seeds: seeds.into_iter().map(Into::into).collect(),
        })
    }

    /// Options for the master `master` as these Sentinels (`redis://host:26379`) name it.
    /// Credentials, TLS and database of the data nodes: [`RedisOptions::node_auth`],
    /// [`RedisOptions::node_tls`], [`RedisOptions::node_db`].
    #[must_use]
    pub fn sentinel<S: Into<String>>(
        sentinels: impl IntoIterator<Item = S>,
        master: impl Into<String>,
    ) -> Self {
        Self::with_topology(Topology::Sentinel {
            sentinels: sentinels.into_iter().map(Into::into).collect(),
            master: master.into(),
        })
    }

    fn with_topology(topology: Topology) -> Self {
        Self {
            topology,
            prefix: "keyauth:replay:".into(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(2),
            retries: 2,
            durability: None,
            wait: None,
            node_username: None,
            node_password: None,
            node_tls: false,
            node_db: 0,
        }
    }

    /// Parses the one-string forms the CLI's `--redis` takes, checking them at once:
    ///
    /// - `redis://[user:pass@]host:port[/db]`, `rediss://...` (TLS), `unix:///path`: one node;
    /// - `redis+cluster://[user:pass@]host:port[,host:port...]` (or `rediss+cluster://`), or
    ///   several node URLs separated by commas: Cluster seed nodes;
    /// - `redis+sentinel://[user:pass@]host:port[,host:port...]/<master>[/<db>]` (or
    ///   `rediss+sentinel://`): Sentinels and the master's name; the credentials, TLS and
    ///   database are the data nodes'.
    ///
    /// # Errors
    /// [`RedisFailure::BadConfig`] when the text is none of these (the reason never repeats
    /// the text, which may hold a password).
    pub fn parse(spec: &str) -> Result<Self, RedisFailure> {
        let spec = spec.trim();
        let opts = if let Some((tls, rest)) = strip_scheme(spec, "cluster") {
            let (auth, hosts, _path) = split_authority(rest)?;
            let scheme = if tls { "rediss" } else { "redis" };
            let seeds = hosts
                .iter()
                .map(|h| format!("{scheme}://{auth}{h}/"))
                .collect::<Vec<_>>();
            Self::cluster(seeds)
        } else if let Some((tls, rest)) = strip_scheme(spec, "sentinel") {
            let (auth, hosts, path) = split_authority(rest)?;
            let mut parts = path.split('/').filter(|p| !p.is_empty());
            let master = parts
                .next()
                .ok_or_else(|| bad("a Sentinel URL needs the master's name: .../<master>"))?;
            let db = match parts.next() {
                None => 0,
                Some(db) => db
                    .parse()
                    .map_err(|_| bad("the database after the master's name is not a number"))?,
            };
            if parts.next().is_some() {
                return Err(bad("a Sentinel URL ends with /<master>[/<db>]"));
            }
            let scheme = if tls { "rediss" } else { "redis" };
            let sentinels = hosts.iter().map(|h| format!("{scheme}://{h}/"));
            let mut o = Self::sentinel(sentinels, master).node_tls(tls).node_db(db);
            if let Some(cred) = auth.strip_suffix('@') {
                let (user, pass) = match cred.split_once(':') {
                    Some((u, p)) => (u, p),
                    None => ("", cred),
                };
                let user = percent_decode(user)?;
                let pass = percent_decode(pass)?;
                o = o.node_auth((!user.is_empty()).then_some(user), pass);
            }
            o
        } else if spec.contains(',') {
            Self::cluster(spec.split(',').map(str::trim))
        } else {
            Self::new(spec)
        };
        opts.validate()?;
        Ok(opts)
    }

    /// Checks every URL of the topology (the check a store makes when built).
    ///
    /// # Errors
    /// [`RedisFailure::BadConfig`].
    pub fn validate(&self) -> Result<(), RedisFailure> {
        let urls: Vec<&String> = match &self.topology {
            Topology::Single { url } => vec![url],
            Topology::Cluster { seeds } => seeds.iter().collect(),
            Topology::Sentinel { sentinels, master } => {
                if master.is_empty() {
                    return Err(bad("empty Sentinel master name"));
                }
                sentinels.iter().collect()
            }
        };
        if urls.is_empty() {
            return Err(bad("no Redis node given"));
        }
        for url in urls {
            check_url(url)?;
        }
        if let Some(Some((n, _))) = self.wait
            && n == 0
        {
            return Err(bad(
                "WAIT for 0 replicas is no WAIT: use no wait_for_replicas",
            ));
        }
        Ok(())
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

    /// How long one command may wait for its answer (a `WAIT` adds its own timeout on top).
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How many times to retry connecting (or, in a Cluster, to retry a redirected or failed
    /// command) before reporting the failure.
    #[must_use]
    pub fn retries(mut self, retries: usize) -> Self {
        self.retries = retries;
        self
    }

    /// What to do with a server that is not durable or may evict keys (default: the store's,
    /// [`DurabilityPolicy::Refuse`] for the replay guard).
    #[must_use]
    pub fn durability(mut self, policy: DurabilityPolicy) -> Self {
        self.durability = Some(policy);
        self
    }

    /// After every write (the replay guard's mark, the key store's `SET` and `DEL`), send
    /// `WAIT replicas timeout` on the same node and refuse with
    /// [`RedisFailure::ReplicationTimeout`] when fewer replicas acknowledged in time: an
    /// acknowledged mark then survives the failover of its master to one of those replicas.
    ///
    /// Default: [`DEFAULT_WAIT`] (1 replica, 500 ms) for Cluster and Sentinel, where a
    /// failover without it accepted hundreds of replays per failover in our fault test, and
    /// none for a single node (which has no replica to wait for). See
    /// [`RedisOptions::no_wait`].
    #[must_use]
    pub fn wait_for_replicas(mut self, replicas: u32, timeout: Duration) -> Self {
        self.wait = Some(Some((replicas, timeout)));
        self
    }

    /// No `WAIT` after writes, whatever the topology: faster, but a failover can forget
    /// acknowledged marks (accepted replays) and keys.
    #[must_use]
    pub fn no_wait(mut self) -> Self {
        self.wait = Some(None);
        self
    }

    /// Credentials for the data nodes behind Sentinel (in the other topologies, they are part
    /// of the URLs).
    #[must_use]
    pub fn node_auth(mut self, username: Option<String>, password: impl Into<String>) -> Self {
        self.node_username = username;
        self.node_password = Some(password.into());
        self
    }

    /// TLS to the data nodes behind Sentinel (feature `redis-tls`).
    #[must_use]
    pub fn node_tls(mut self, tls: bool) -> Self {
        self.node_tls = tls;
        self
    }

    /// The database number on the data nodes behind Sentinel.
    #[must_use]
    pub fn node_db(mut self, db: i64) -> Self {
        self.node_db = db;
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The deployment these options name.
    #[must_use]
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The `WAIT` setting in force (replicas and timeout), the topology's default included.
    #[must_use]
    pub fn replicas_to_wait_for(&self) -> Option<(u32, Duration)> {
        match (self.wait, &self.topology) {
            (Some(w), _) => w,
            (None, Topology::Single { .. }) => None,
            (None, _) => Some(DEFAULT_WAIT),
        }
    }

    /// The durability policy set, if any (`None`: the store's default).
    #[must_use]
    pub fn durability_policy(&self) -> Option<DurabilityPolicy> {
        self.durability
    }
}

pub(crate) fn bad(reason: &str) -> RedisFailure {
    RedisFailure::BadConfig {
        reason: reason.to_owned(),
    }
}

/// `redis+<kind>://` or `rediss+<kind>://` → (tls, rest after `://`).
fn strip_scheme<'a>(spec: &'a str, kind: &str) -> Option<(bool, &'a str)> {
    let (scheme, rest) = spec.split_once("://")?;
    let (base, k) = scheme.split_once('+')?;
    if !k.eq_ignore_ascii_case(kind) {
        return None;
    }
    match base.to_ascii_lowercase().as_str() {
        "redis" | "valkey" => Some((false, rest)),
        "rediss" | "valkeys" => Some((true, rest)),
        _ => None,
    }
}

/// `[cred@]h1:p1,h2:p2[/path]` → (`cred@` or "", hosts, path).
fn split_authority(rest: &str) -> Result<(String, Vec<String>, String), RedisFailure> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (auth, hosts) = match authority.rfind('@') {
        Some(i) => (&authority[..=i], &authority[i + 1..]),
        None => ("", authority),
    };
    let hosts: Vec<String> = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    if hosts.is_empty() {
        return Err(bad("no host:port given"));
    }
    Ok((auth.to_owned(), hosts, path.to_owned()))
}

fn percent_decode(s: &str) -> Result<String, RedisFailure> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("bad percent-escape in the credentials"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("credentials are not UTF-8"))
}

fn check_url(url: &str) -> Result<(), RedisFailure> {
    use redis::IntoConnectionInfo;
    if redis::parse_redis_url(url).is_none() && !url.starts_with('/') {
        return Err(bad(
            "not a Redis URL (redis://host:port/db, rediss://..., unix:///path)",
        ));
    }
    let lower = url.to_ascii_lowercase();
    if (lower.starts_with("rediss://") || lower.starts_with("valkeys://"))
        && !cfg!(feature = "redis-tls")
    {
        return Err(bad(
            "rediss:// needs keyauth-core's `redis-tls` feature (TLS on rustls)",
        ));
    }
    url.into_connection_info()
        .map(|_| ())
        .map_err(|e| bad(&format!("Redis URL rejected ({})", e.category())))
}

/// A URL with its password replaced by `<redacted>`, for Debug and logs.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => {
            let cred = &rest[..at];
            let user = cred.split_once(':').map_or("", |(u, _)| u);
            format!("{scheme}://{user}:<redacted>@{}", &rest[at + 1..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let o = RedisOptions::parse("redis://127.0.0.1:6379/2").unwrap();
        assert!(
            matches!(o.topology(), Topology::Single { url } if url == "redis://127.0.0.1:6379/2")
        );
        let o = RedisOptions::parse("redis+cluster://u:p@a:1,b:2").unwrap();
        assert_eq!(
            o.topology(),
            &Topology::Cluster {
                seeds: vec!["redis://u:p@a:1/".into(), "redis://u:p@b:2/".into()]
            }
        );
        let o = RedisOptions::parse("redis://a:1/, redis://b:2/").unwrap();
        assert!(matches!(o.topology(), Topology::Cluster { seeds } if seeds.len() == 2));
        let o =
            RedisOptions::parse("redis+sentinel://:s%40cret@s1:26379,s2:26379/mymaster/3").unwrap();
        assert_eq!(
            o.topology(),
            &Topology::Sentinel {
                sentinels: vec!["redis://s1:26379/".into(), "redis://s2:26379/".into()],
                master: "mymaster".into()
            }
        );
        assert_eq!(o.node_password.as_deref(), Some("s@cret"));
        assert_eq!(o.node_username, None);
        assert_eq!(o.node_db, 3);
        assert_eq!(o.replicas_to_wait_for(), Some(DEFAULT_WAIT));
        assert_eq!(o.no_wait().replicas_to_wait_for(), None);
        let single = RedisOptions::new("redis://h/");
        assert_eq!(single.replicas_to_wait_for(), None);
        assert_eq!(
            single
                .wait_for_replicas(2, Duration::from_secs(1))
                .replicas_to_wait_for(),
            Some((2, Duration::from_secs(1)))
        );
    }

    #[test]
    fn malformed_is_bad_config_without_the_text() {
        for spec in [
            "",
            "not a url",
            "http://h:1/",
            "redis+cluster://",
            "redis+sentinel://u:hunter2@h:1",
            "redis+sentinel://h:1/m/notanumber",
            "redis+cluster://u:hunter2@h:notaport",
            "redis://u:hunter2@h:1/, http://x/",
        ] {
            let e = RedisOptions::parse(spec).unwrap_err();
            assert_eq!(e.code(), "redis_bad_config", "{spec}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
        assert_eq!(
            RedisOptions::new("nope").validate().unwrap_err().code(),
            "redis_bad_config"
        );
        assert!(
            RedisOptions::new("redis://h/")
                .wait_for_replicas(0, Duration::ZERO)
                .validate()
                .is_err()
        );
    }

    #[cfg(not(feature = "redis-tls"))]
    #[test]
    fn tls_without_the_feature_is_bad_config() {
        assert_eq!(
            RedisOptions::parse("rediss://h:1/").unwrap_err().code(),
            "redis_bad_config"
        );
    }

    #[cfg(feature = "redis-tls")]
    #[test]
    fn tls_with_the_feature() {
        RedisOptions::parse("rediss://u:p@h:6380/").unwrap();
        RedisOptions::parse("rediss+cluster://h:1,h:2").unwrap();
    }

    #[test]
    fn debug_redacts_passwords() {
        let o = RedisOptions::parse("redis+cluster://user:hunter2@a:1").unwrap();
        let d = format!("{o:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("user:<redacted>@a:1"), "{d}");
        let o = RedisOptions::sentinel(["redis://s:1"], "m").node_auth(None, "hunter2");
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}
