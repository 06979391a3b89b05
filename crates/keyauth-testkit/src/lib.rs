//! Test support shared by the keyauth crates (not published).
//!
//! - [`redis_url`]: the Redis that `.ci/run` started (`KEYAUTH_REDIS_URL`), or `None` with a
//!   printed reason outside CI. Under CI (`CI` set) a missing Redis is a test failure.
//! - [`RedisServer`]: a private `redis-server` on 127.0.0.1 and a free port, in its own
//!   temporary directory (append-only file on), that a test can stop and start again to see
//!   how a store behaves while Redis is down and after it comes back.
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
}

impl RedisServer {
    /// Starts a server on a free port with its own directory and `appendonly yes`.
    ///
    /// # Errors
    /// When the binary cannot be started or does not accept connections within 10 s.
    pub fn start() -> io::Result<Self> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!(
            "keyauth-redis-{}-{port}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&dir)?;
        let mut server = Self {
            child: None,
            port,
            dir,
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

    /// Kills the server (as a crash would; the append-only file keeps what was written).
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
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ])
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

/// A port that was free on 127.0.0.1 a moment ago.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
