//! Test support shared by the keyauth crates (not published).
//!
//! - [`redis_url`]: the Redis that `.ci/run` started (`KEYAUTH_REDIS_URL`), or `None` with a
//!   printed reason outside CI. Under CI (`CI` set) a missing Redis is a test failure.
//! - [`RedisServer`]: a private `redis-server` on 127.0.0.1 and a free port, in its own
//!   temporary directory (durable: `appendonly yes`, `appendfsync always`, `noeviction`, unless
//!   [`RedisServer::start_with`] says otherwise), that a test can kill and start again to see
//!   how a store behaves while Redis is down and after it comes back.
//! - [`cluster_urls`] / [`RedisCluster`]: the Redis Cluster `.ci/run` started
//!   (`KEYAUTH_REDIS_CLUSTER_URLS`), or a private one (3 masters, 3 replicas) that a test can
//!   kill masters of.
//!
//! ```no_run
//! let mut redis = keyauth_testkit::RedisServer::start().expect("redis-server on PATH");
//! let url = redis.url();
//! redis.stop();
//! redis.restart().unwrap();
//! # drop(url);
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Makes `reqwest::Client::builder().build()` work in every feature combination.
///
/// psono-client builds reqwest with `rustls-no-provider` and hands it a ring-based TLS config
/// of its own. Cargo unifies features, so in a build that also contains psono-client (the
/// workspace with `--all-features`, or an application using both) any *other* reqwest client
/// would panic at `build()` for want of a process-wide rustls provider. Tests call this first;
/// applications in that situation install one the same way.
pub fn reqwest_ready() {
    // Err means a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The shared Redis URL from `KEYAUTH_REDIS_URL`.
///
/// Returns `None` (after printing why) when it is not set and `CI` is not set either, so a
/// developer without Redis can still run the other tests.
///
/// # Panics
/// When `CI` is set but `KEYAUTH_REDIS_URL` is not: CI must not skip Redis tests.
#[must_use]
pub fn redis_url() -> Option<String> {
    match std::env::var("KEYAUTH_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but KEYAUTH_REDIS_URL is not: .ci/run must start Redis"
            );
            eprintln!("skipped: KEYAUTH_REDIS_URL is not set (bash .ci/run sets it)");
            None
        }
    }
}

/// Whether a `redis-server` binary can be run (`KEYAUTH_REDIS_SERVER` or `redis-server` on
/// `PATH`). Tests that need a private server skip outside CI when it cannot.
///
/// # Panics
/// When `CI` is set and no server binary runs.
#[must_use]
pub fn redis_server_available() -> bool {
    let ok = Command::new(server_binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but redis-server cannot be run"
        );
        eprintln!("skipped: no redis-server binary (apt-get install redis-server)");
    }
    ok
}

fn server_binary() -> String {
    std::env::var("KEYAUTH_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
}

/// A private `redis-server` child process on 127.0.0.1.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
}

/// The settings every private server starts with: durable (`appendonly yes`, `appendfsync
/// always`, no RDB snapshots) and never evicting (`maxmemory-policy noeviction`).
pub const DURABLE_ARGS: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
    "--maxmemory-policy",
    "noeviction",
];

fn temp_dir(tag: &str, port: u16) -> io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "keyauth-{tag}-{}-{port}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

impl RedisServer {
    /// Starts a durable server ([`DURABLE_ARGS`]) on a free port with its own directory.
    ///
    /// # Errors
    /// When the binary cannot be started or does not accept connections within 10 s.
    pub fn start() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// Starts a server with `extra` arguments after [`DURABLE_ARGS`] (later ones win), e.g.
    /// `["--appendonly", "no"]` or `["--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru"]`.
    ///
    /// # Errors
    /// As [`RedisServer::start`].
    pub fn start_with(extra: &[&str]) -> io::Result<Self> {
        let cluster = extra.contains(&"--cluster-enabled");
        let port = if cluster {
            free_cluster_port()?
        } else {
            free_port()?
        };
        let dir = temp_dir("redis", port)?;
        let mut server = Self {
            child: None,
            port,
            dir,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id while it runs.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server with SIGKILL (as a crash would; the append-only file keeps what was
    /// written).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until the port no longer answers, so "down" really is down.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && connectable(self.port) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again as a replica of the server on `port` (after a failover made
    /// that one the master).
    ///
    /// # Errors
    /// As [`RedisServer::restart`].
    pub fn restart_as_replica_of(&mut self, port: u16) -> io::Result<()> {
        if let Some(i) = self.extra.iter().position(|a| a == "--replicaof") {
            self.extra.drain(i..(i + 3).min(self.extra.len()));
        }
        self.extra.extend([
            "--replicaof".to_owned(),
            "127.0.0.1".to_owned(),
            port.to_string(),
        ]);
        self.restart()
    }

    /// Starts the server again on the same port and directory (stopping it first if running).
    ///
    /// # Errors
    /// When it cannot be started or does not accept connections within 10 s.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        let child = Command::new(server_binary())
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir)
            .args(DURABLE_ARGS)
            .args(["--protected-mode", "yes", "--daemonize", "no"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if connectable(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "redis-server did not start",
        ))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn connectable(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// A port that was free on 127.0.0.1 a moment ago, with its cluster bus port (+10000) free too.
///
/// # Errors
/// When none is found.
pub fn free_cluster_port() -> io::Result<u16> {
    for _ in 0..200 {
        let p = free_port()?;
        if p <= 55_535
            && let Some(bus) = p.checked_add(10_000)
            && TcpListener::bind((Ipv4Addr::LOCALHOST, bus)).is_ok()
        {
            return Ok(p);
        }
    }
    Err(io::Error::other("no free port pair for a cluster node"))
}

/// A port that was free on 127.0.0.1 a moment ago.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The seed URLs of the Redis Cluster `.ci/run` started (`KEYAUTH_REDIS_CLUSTER_URLS`,
/// comma-separated).
///
/// Returns `None` (after printing why) when it is not set and `CI` is not set either.
///
/// # Panics
/// When `CI` is set but `KEYAUTH_REDIS_CLUSTER_URLS` is not.
#[must_use]
pub fn cluster_urls() -> Option<Vec<String>> {
    match std::env::var("KEYAUTH_REDIS_CLUSTER_URLS") {
        Ok(urls) if !urls.trim().is_empty() => Some(
            urls.split(',')
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect(),
        ),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but KEYAUTH_REDIS_CLUSTER_URLS is not: .ci/run must start the cluster"
            );
            eprintln!("skipped: KEYAUTH_REDIS_CLUSTER_URLS is not set (bash .ci/run sets it)");
            None
        }
    }
}

/// Whether `redis-server` and `redis-cli` can be run, as [`RedisCluster::start`] needs.
///
/// # Panics
/// When `CI` is set and they cannot.
#[must_use]
pub fn redis_cluster_tools_available() -> bool {
    let cli = Command::new(cli_binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !cli {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but redis-cli cannot be run"
        );
        eprintln!("skipped: no redis-cli binary (apt-get install redis-tools)");
        return false;
    }
    redis_server_available()
}

fn cli_binary() -> String {
    std::env::var("KEYAUTH_REDIS_CLI").unwrap_or_else(|_| "redis-cli".into())
}

/// Runs `redis-cli -h 127.0.0.1 -p PORT args...` and returns its standard output.
///
/// # Errors
/// When redis-cli cannot be run or fails.
pub fn redis_cli(port: u16, args: &[&str]) -> io::Result<String> {
    let out = Command::new(cli_binary())
        .args(["-h", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .args(args)
        .stderr(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("redis-cli {args:?} failed")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A private Redis Cluster on 127.0.0.1: 3 masters and 3 replicas (one per master), each
/// durable ([`DURABLE_ARGS`]), `cluster-node-timeout` 1000 ms, created with
/// `redis-cli --cluster create`. Nodes can be killed (SIGKILL) and restarted; all are killed
/// when it is dropped.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

/// A node's role as `CLUSTER NODES` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNode {
    /// The node's port on 127.0.0.1.
    pub port: u16,
    /// Whether it is a master (else a replica).
    pub master: bool,
    /// Whether it is marked failed (`fail` / `fail?`) or disconnected.
    pub failed: bool,
}

impl RedisCluster {
    /// Starts 6 nodes and creates the cluster; waits until every node reports `cluster_state:ok`.
    ///
    /// # Errors
    /// When a node does not start or the cluster does not form within 30 s.
    pub fn start() -> io::Result<Self> {
        let mut nodes = Vec::new();
        for _ in 0..6 {
            nodes.push(RedisServer::start_with(&[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                "--cluster-replica-validity-factor",
                "0",
                "--appenddirname",
                "aof",
            ])?);
        }
        let cluster = Self { nodes };
        let addrs: Vec<String> = cluster
            .ports()
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let mut args: Vec<&str> = vec!["--cluster", "create"];
        args.extend(addrs.iter().map(String::as_str));
        args.extend(["--cluster-replicas", "1", "--cluster-yes"]);
        redis_cli(cluster.ports()[0], &args)?;
        cluster.wait_ok(Duration::from_secs(30))?;
        Ok(cluster)
    }

    /// Every node's port.
    #[must_use]
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }

    /// `redis://127.0.0.1:PORT/` for every node (seed nodes for a cluster client).
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes as a live node sees them (`CLUSTER NODES` on the first node that answers).
    ///
    /// # Errors
    /// When no node answers.
    pub fn nodes(&self) -> io::Result<Vec<ClusterNode>> {
        for n in &self.nodes {
            if n.child.is_none() {
                continue;
            }
            if let Ok(text) = redis_cli(n.port(), &["cluster", "nodes"]) {
                return Ok(parse_cluster_nodes(&text));
            }
        }
        Err(io::Error::other("no cluster node answers"))
    }

    /// The port of the master serving `slot` (`CLUSTER SLOTS` on a live node).
    ///
    /// # Errors
    /// When no node answers or the slot is not served.
    pub fn master_of_slot(&self, slot: u16) -> io::Result<u16> {
        for n in &self.nodes {
            if n.child.is_none() {
                continue;
            }
            let Ok(text) = redis_cli(n.port(), &["cluster", "slots"]) else {
                continue;
            };
            // redis-cli prints each range as: start, end, master ip, master port, id, ...
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            let mut i = 0;
            while i + 3 < lines.len() {
                if let (Ok(start), Ok(end)) = (lines[i].parse::<u32>(), lines[i + 1].parse::<u32>())
                    && lines[i + 2] == "127.0.0.1"
                    && let Ok(port) = lines[i + 3].parse::<u16>()
                {
                    if (start..=end).contains(&u32::from(slot)) {
                        return Ok(port);
                    }
                    i += 4;
                    continue;
                }
                i += 1;
            }
        }
        Err(io::Error::other("slot not served"))
    }

    /// Kills the node on `port` with SIGKILL.
    pub fn kill(&mut self, port: u16) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.port() == port) {
            n.stop();
        }
    }

    /// Starts the node on `port` again (it rejoins from its `nodes.conf`).
    ///
    /// # Errors
    /// When it does not start.
    pub fn restart(&mut self, port: u16) -> io::Result<()> {
        match self.nodes.iter_mut().find(|n| n.port() == port) {
            Some(n) => n.restart(),
            None => Err(io::Error::other("no such node")),
        }
    }

    /// Waits until every running node reports `cluster_state:ok`.
    ///
    /// # Errors
    /// When that does not happen within `limit`.
    pub fn wait_ok(&self, limit: Duration) -> io::Result<()> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let all_ok = self.nodes.iter().filter(|n| n.child.is_some()).all(|n| {
                redis_cli(n.port(), &["cluster", "info"])
                    .is_ok_and(|t| t.contains("cluster_state:ok"))
            });
            if all_ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "cluster did not reach cluster_state:ok",
        ))
    }
}

/// Parses `CLUSTER NODES` output into ports and roles.
#[must_use]
pub fn parse_cluster_nodes(text: &str) -> Vec<ClusterNode> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let _id = f.next()?;
            let addr = f.next()?;
            let flags = f.next()?;
            let port = addr.split('@').next()?.rsplit(':').next()?.parse().ok()?;
            let link = line.split_whitespace().nth(7).unwrap_or("connected");
            Some(ClusterNode {
                port,
                master: flags.split(',').any(|x| x == "master"),
                failed: flags.split(',').any(|x| x == "fail" || x == "fail?")
                    || link == "disconnected",
            })
        })
        .collect()
}

/// A private Redis Sentinel on 127.0.0.1 watching one master as `mymaster` (quorum 1,
/// `down-after-milliseconds` 1000, `failover-timeout` 3000), killed when dropped.
#[derive(Debug)]
pub struct RedisSentinel {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisSentinel {
    /// Starts a Sentinel (`redis-server <conf> --sentinel`) for the master on `master_port`.
    ///
    /// # Errors
    /// When it cannot be started or does not accept connections within 10 s.
    pub fn start(master_port: u16) -> io::Result<Self> {
        let port = free_port()?;
        let dir = temp_dir("sentinel", port)?;
        let conf = dir.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "bind 127.0.0.1\nport {port}\ndir {}\n\
                 sentinel monitor mymaster 127.0.0.1 {master_port} 1\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 3000\n\
                 sentinel parallel-syncs mymaster 1\n",
                dir.display()
            ),
        )?;
        let child = Command::new(server_binary())
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut s = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if connectable(port) {
                return Ok(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = s.child.kill();
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "redis sentinel did not start",
        ))
    }

    /// `redis://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Whether the Sentinel lists a replica on `port` (it learns of replicas from the master's
    /// `INFO`, every 10 s: a failover before that finds no replica to promote).
    #[must_use]
    pub fn knows_replica(&self, port: u16) -> bool {
        redis_cli(self.port, &["sentinel", "replicas", "mymaster"])
            .is_ok_and(|out| out.lines().any(|l| l.trim() == port.to_string()))
    }

    /// The port of the master the Sentinel currently names, if any.
    #[must_use]
    pub fn master_port(&self) -> Option<u16> {
        let out = redis_cli(
            self.port,
            &["sentinel", "get-master-addr-by-name", "mymaster"],
        )
        .ok()?;
        out.lines().nth(1)?.trim().parse().ok()
    }
}

impl Drop for RedisSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
