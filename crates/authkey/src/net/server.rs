//! The tokio server: accept loop, one task per connection, handshakes, ping/pong.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tracing::{Instrument, debug, info, info_span, warn};

use super::{Conn, ConnError, unix_nanos};
use crate::handshake::limits::HandshakeLimiter;
use crate::handshake::plain::{self, MsgIds, Sender};
use crate::handshake::tl::{self, BadServerSalt, Pong};
use crate::handshake::{
    HandshakeError, KeyOutcome, NewKey, OsEntropy, ServerConfig, ServerHandshake, ServerStep,
};
use crate::{AuthKey, AuthKeyManager, Direction, InnerMessage, KeyRef};

/// `msg_container#73f1f8dc`.
const MSG_CONTAINER: u32 = 0x73f1_f8dc;

/// Limits and timeouts of a [`Server`] (build with `..ServerOptions::default()`).
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Timeout of every read (default 30 s).
    pub read_timeout: Duration,
    /// Longest a handshake may take from its first message (default 60 s).
    pub handshake_timeout: Duration,
    /// Open connections at most (default 1024).
    pub max_connections: usize,
    /// Handshakes in progress at most (default 64).
    pub max_handshakes: usize,
    /// Handshakes a peer IP may start at once (default 8) ...
    pub peer_burst: u32,
    /// ... and per second after that (default 2).
    pub peer_per_second: f64,
    /// Largest encrypted packet (default 1 MiB).
    pub max_packet: usize,
    /// How long shutdown waits for open connections (default 5 s).
    pub shutdown_grace: Duration,
    /// The path WebSocket upgrades are accepted on (default `/ws`, as mtpylon serves);
    /// `None` refuses WebSocket connections. The same port serves TCP and WebSocket: a
    /// connection starting with `GET ` is an upgrade.
    pub websocket_path: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            read_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_handshakes: 64,
            peer_burst: 8,
            peer_per_second: 2.0,
            max_packet: 1 << 20,
            shutdown_grace: Duration::from_secs(5),
            websocket_path: Some("/ws".to_owned()),
        }
    }
}

/// What the server reports when it stored a key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KeyEvent {
    /// The key id's 8 wire bytes as one big-endian number ([`AuthKey::id`]).
    pub key_id: u64,
    /// `Some(seconds)` for a temporary key.
    pub expires_in: Option<i32>,
    /// The peer.
    pub peer: SocketAddr,
}

type OnKey = Arc<dyn Fn(&KeyEvent) + Send + Sync>;

/// A listening auth-key server.
pub struct Server<M> {
    listener: TcpListener,
    config: Arc<ServerConfig>,
    store: Arc<M>,
    options: ServerOptions,
    on_key: Option<OnKey>,
}

impl<M> core::fmt::Debug for Server<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.listener.local_addr().ok())
            .finish_non_exhaustive()
    }
}

struct Shared<M> {
    config: Arc<ServerConfig>,
    store: Arc<M>,
    options: ServerOptions,
    limiter: HandshakeLimiter<IpAddr>,
    started: Instant,
    on_key: Option<OnKey>,
}

impl<M: AuthKeyManager + 'static> Server<M> {
    /// Binds `addr` (use 127.0.0.1 in tests).
    ///
    /// # Errors
    /// The bind error.
    pub async fn bind(
        addr: &str,
        config: Arc<ServerConfig>,
        store: Arc<M>,
        options: ServerOptions,
    ) -> std::io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(addr).await?,
            config,
            store,
            options,
            on_key: None,
        })
    }

    /// Calls `f` after each key is stored.
    #[must_use]
    pub fn on_key(mut self, f: impl Fn(&KeyEvent) + Send + Sync + 'static) -> Self {
        self.on_key = Some(Arc::new(f));
        self
    }

    /// The address it listens on.
    ///
    /// # Errors
    /// The socket's error.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting and waits up to
    /// `shutdown_grace` for open connections.
    ///
    /// # Errors
    /// A fatal accept error.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let shared = Arc::new(Shared {
            limiter: HandshakeLimiter::new(
                self.options.max_handshakes,
                self.options.peer_burst,
                self.options.peer_per_second,
            ),
            config: self.config,
            store: self.store,
            started: Instant::now(),
            on_key: self.on_key,
            options: self.options,
        });
        let slots = Arc::new(Semaphore::new(shared.options.max_connections));
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => { warn!(error = %e, "accept failed"); continue; }
                    };
                    let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                        debug!(%peer, "connection limit reached");
                        drop(stream);
                        continue;
                    };
                    let shared = Arc::clone(&shared);
                    let mut stop = stop_rx.clone();
                    tokio::spawn(async move {
                        let _permit = permit;
                        tokio::select! {
                            r = serve(stream, peer, &shared) => {
                                if let Err(e) = r { debug!(code = e.code(), "connection closed: {e}"); }
                            }
                            _ = stop.changed() => {}
                        }
                    }.instrument(info_span!("conn", %peer)));
                }
            }
        }
        let _ = stop_tx.send(true);
        let all = u32::try_from(shared.options.max_connections).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(shared.options.shutdown_grace, slots.acquire_many(all)).await;
        Ok(())
    }
}

async fn store_key<M: AuthKeyManager>(store: &M, k: &NewKey) -> Result<KeyOutcome, ConnError> {
    if store.has_key(KeyRef::Key(&k.auth_key)).await? {
        return Ok(KeyOutcome::AlreadyExists);
    }
    match k.expires_in {
        Some(secs) => {
            store
                .set_temp_key(
                    k.auth_key.clone(),
                    Duration::from_secs(u64::from(secs.unsigned_abs())),
                )
                .await?;
        }
        None => store.set_key(k.auth_key.clone()).await?,
    }
    Ok(KeyOutcome::Stored)
}

async fn serve<M: AuthKeyManager>(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: &Shared<M>,
) -> Result<(), ConnError> {
    let opts = &shared.options;
    let mut conn = Conn::server_with(
        stream,
        opts.read_timeout,
        opts.max_packet,
        opts.websocket_path.as_deref(),
    )
    .await?;
    debug!(transport = ?conn.transport(), "transport detected");
    let mut hs = ServerHandshake::new(Arc::clone(&shared.config));
    let mut rng = OsEntropy::default();
    let mut ids = MsgIds::new(Sender::Server);
    let mut salts: HashMap<u64, i64> = HashMap::new();
    let mut permit = None;
    let mut hs_started = None::<Instant>;
    loop {
        let payload = conn.recv().await?;
        if payload.len() >= 8 && payload[..8] == [0; 8] {
            let result = async {
                if payload.len() > plain::MAX_PLAIN_PACKET {
                    return Err(HandshakeError::TransportOversized.into());
                }
                if permit.is_none() {
                    let now = shared.started.elapsed().as_secs_f64();
                    permit = Some(shared.limiter.try_acquire(&peer.ip(), now)?);
                    hs_started = Some(Instant::now());
                }
                if hs_started.is_some_and(|t| t.elapsed() > opts.handshake_timeout) {
                    return Err(HandshakeError::Expired.into());
                }
                let (_, body) = plain::parse(&payload, Sender::Client)?;
                let now = (unix_nanos() / 1_000_000_000) as i64;
                let reply = match hs.handle(body, &mut rng, now)? {
                    ServerStep::Reply(r) => r,
                    ServerStep::NewKey(k) => {
                        let outcome = store_key(&*shared.store, &k).await?;
                        let reply = hs.key_stored(outcome)?;
                        if outcome == KeyOutcome::Stored {
                            salts.insert(k.auth_key.id(), k.server_salt);
                            info!(key_id = %format_args!("{:016x}", k.auth_key.id()), temporary = k.expires_in.is_some(), "auth key created");
                            if let Some(f) = &shared.on_key {
                                f(&KeyEvent { key_id: k.auth_key.id(), expires_in: k.expires_in, peer });
                            }
                        }
                        reply
                    }
                };
                Ok::<_, ConnError>(reply)
            }
            .await;
            match result {
                Ok(reply) => {
                    conn.send(&plain::wrap(ids.next(unix_nanos()), &reply))
                        .await?;
                    if hs.is_done() {
                        permit = None;
                        hs_started = None;
                    }
                }
                Err(e) => {
                    let code = match &e {
                        ConnError::Handshake(h) => h.transport_code(),
                        _ => -404,
                    };
                    debug!(code = e.code(), "handshake refused");
                    conn.refuse(code).await;
                    return Err(e);
                }
            }
            continue;
        }
        // An encrypted message.
        let id = crate::packet_auth_key_id(&payload)?;
        let key = match shared.store.get_key(id).await {
            Ok(k) => k,
            Err(e) => {
                conn.refuse(-404).await;
                return Err(e.into());
            }
        };
        let data = key.decrypt(Direction::ClientToServer, &payload)?;
        let inner = InnerMessage::parse(&data)?;
        let salt = salts.get(&id).copied();
        let mut out = Vec::new();
        if salt.is_some_and(|s| s != inner.salt) {
            out.push(
                BadServerSalt {
                    bad_msg_id: inner.msg_id,
                    bad_msg_seqno: inner.seq_no,
                    error_code: 48,
                    new_server_salt: salt.unwrap_or_default(),
                }
                .to_bytes(),
            );
        } else {
            for (msg_id, body) in messages(inner.msg_id, inner.message_data) {
                if tl::Reader::new(body).u32().ok() == Some(tl::PING) {
                    let (p, _) = tl::Ping::parse(body)?;
                    out.push(
                        Pong {
                            msg_id,
                            ping_id: p.ping_id,
                        }
                        .to_bytes(),
                    );
                }
            }
        }
        for body in out {
            let reply = encrypt_reply(
                &key,
                inner.salt,
                inner.session_id,
                ids.next(unix_nanos()),
                &body,
            )?;
            conn.send(&reply).await?;
        }
    }
}

/// The messages of a body: itself, or the contents of a `msg_container`.
fn messages(msg_id: i64, body: &[u8]) -> Vec<(i64, &[u8])> {
    let mut r = tl::Reader::new(body);
    if r.u32().ok() != Some(MSG_CONTAINER) {
        return vec![(msg_id, body)];
    }
    let mut out = Vec::new();
    let Ok(count) = r.i32() else { return out };
    for _ in 0..count.clamp(0, 1024) {
        let (Ok(id), Ok(_seq), Ok(len)) = (r.i64(), r.i32(), r.i32()) else {
            break;
        };
        let Ok(b) = r.take(usize::try_from(len).unwrap_or(usize::MAX)) else {
            break;
        };
        out.push((id, b));
    }
    out
}

fn encrypt_reply(
    key: &AuthKey,
    salt: i64,
    session_id: i64,
    msg_id: i64,
    body: &[u8],
) -> Result<Vec<u8>, ConnError> {
    let mut plaintext = Vec::with_capacity(32 + body.len());
    plaintext.extend_from_slice(&salt.to_le_bytes());
    plaintext.extend_from_slice(&session_id.to_le_bytes());
    plaintext.extend_from_slice(&msg_id.to_le_bytes());
    plaintext.extend_from_slice(&1i32.to_le_bytes());
    plaintext.extend_from_slice(&(body.len() as u32).to_le_bytes());
    plaintext.extend_from_slice(body);
    Ok(key.encrypt(Direction::ServerToClient, &plaintext)?)
}
