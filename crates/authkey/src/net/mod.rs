//! tokio adapters of the sans-IO handshake (feature `net`): [`Server`] accepts TCP
//! connections, detects the transport (the four TCP framings, obfuscated2, or a WebSocket
//! upgrade carrying obfuscated2, see [`WsError`]), runs handshakes, stores each new key in any
//! [`AuthKeyManager`](crate::AuthKeyManager) and answers encrypted `ping` with `pong`;
//! [`create_key`] and [`ping`] are the client side.
//!
//! Every read has a timeout, unencrypted packets are limited to 2048 bytes and encrypted ones
//! to 1 MiB, handshakes are rate-limited per peer IP with a cap on concurrent ones, and
//! [`Server::run`] stops accepting on shutdown and waits (bounded) for open connections.

mod conn;
mod server;
mod ws;

pub use conn::{Conn, ConnError};
pub use server::{KeyEvent, Server, ServerOptions};
pub use ws::WsError;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::TcpStream;

use crate::handshake::plain::{self, MsgIds, Sender};
use crate::handshake::tl::{self, Ping, Pong};
use crate::handshake::transport::Mode;
use crate::handshake::{
    ClientConfig, ClientHandshake, ClientStep, CreatedKey, Entropy, HandshakeError, OsEntropy,
};
use crate::{AuthKey, Direction, InnerMessage};

/// Nanoseconds since the Unix epoch.
pub(crate) fn unix_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// How a client connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transport {
    /// The framing.
    pub mode: Mode,
    /// Wrap it in obfuscated2 (not for [`Mode::Full`]).
    pub obfuscated: bool,
    /// Carry the obfuscated stream in WebSocket binary messages (requires `obfuscated`).
    pub websocket: bool,
}

impl Transport {
    /// `abridged`, `intermediate`, `padded_intermediate`, `full`, or one of the first three
    /// prefixed `obfuscated_` (e.g. `obfuscated_abridged`; `obfuscated` alone is abridged),
    /// or prefixed `websocket_` (obfuscated2 over WebSocket; `websocket` alone is
    /// intermediate, the only framing mtpylon 0.0.3 knows).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let obfuscated = |mode: Mode, websocket: bool| {
            (mode != Mode::Full).then_some(Self {
                mode,
                obfuscated: true,
                websocket,
            })
        };
        match name {
            "obfuscated" | "obfuscated2" => return obfuscated(Mode::Abridged, false),
            "websocket" | "ws" => return obfuscated(Mode::Intermediate, true),
            _ => {}
        }
        if let Some(rest) = name.strip_prefix("obfuscated_") {
            return obfuscated(Mode::from_name(rest)?, false);
        }
        if let Some(rest) = name.strip_prefix("websocket_") {
            return obfuscated(Mode::from_name(rest)?, true);
        }
        Mode::from_name(name).map(|mode| Self {
            mode,
            obfuscated: false,
            websocket: false,
        })
    }
}

/// Splits `addr` into the TCP address and the WebSocket path: `ws://host:port/path`,
/// `host:port/path`, or `host:port` (path `/ws`, mtpylon's default).
fn split_ws_addr(addr: &str) -> (&str, &str) {
    let rest = addr.strip_prefix("ws://").unwrap_or(addr);
    match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/ws"),
    }
}

/// A key created over the network, with what is needed to use it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ClientSession {
    /// The key and its first salt.
    pub created: CreatedKey,
    /// The connection it was created on.
    pub conn: Conn,
}

/// Connects to `addr` and creates an auth key (timeout per read: `timeout`). For a
/// WebSocket transport `addr` may carry the path (`ws://127.0.0.1:8080/ws`,
/// `127.0.0.1:8080/ws`; without one the path is `/ws`).
///
/// # Errors
/// [`ConnError`]: I/O, timeouts, or the handshake's refusal (a server's transport error is
/// [`HandshakeError::TransportError`]).
pub async fn create_key(
    addr: &str,
    transport: Transport,
    config: std::sync::Arc<ClientConfig>,
    timeout: Duration,
) -> Result<ClientSession, ConnError> {
    let (tcp_addr, path) = if transport.websocket {
        split_ws_addr(addr)
    } else {
        (addr, "")
    };
    let stream = tokio::time::timeout(timeout, TcpStream::connect(tcp_addr))
        .await
        .map_err(|_| ConnError::Timeout)??;
    let mut conn = if transport.websocket {
        Conn::client_websocket(stream, tcp_addr, path, transport, timeout, 1 << 20).await?
    } else {
        Conn::client(stream, transport, timeout).await?
    };
    let mut rng = OsEntropy::default();
    let mut ids = MsgIds::new(Sender::Client);
    let mut hs = ClientHandshake::new(config);
    let mut body = hs.start(&mut rng)?;
    loop {
        conn.send(&plain::wrap(ids.next(unix_nanos()), &body))
            .await?;
        let payload = conn.recv().await?;
        if let Some(code) = crate::handshake::transport::transport_error(&payload) {
            return Err(HandshakeError::TransportError { code }.into());
        }
        let (_, reply) = plain::parse(&payload, Sender::Server)?;
        let now = (unix_nanos() / 1_000_000_000) as i64;
        match hs.handle(reply, &mut rng, now)? {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(created) => return Ok(ClientSession { created, conn }),
        }
    }
}

/// Sends an encrypted `ping` with `key` and waits for the matching `pong` (following one
/// `bad_server_salt`). Returns the ping_id echoed.
///
/// # Errors
/// [`ConnError`] on I/O, timeouts, decryption failures or an unexpected answer.
pub async fn ping(
    conn: &mut Conn,
    key: &AuthKey,
    salt: i64,
    time_offset: i64,
) -> Result<i64, ConnError> {
    let mut rng = OsEntropy::default();
    let mut b = [0u8; 16];
    rng.fill(crate::handshake::Purpose::Nonce, &mut b)?;
    let session_id = i64::from_le_bytes(b[..8].try_into().expect("8"));
    let ping_id = i64::from_le_bytes(b[8..].try_into().expect("8"));
    let mut ids = MsgIds::new(Sender::Client);
    let mut salt = salt;
    for _ in 0..2 {
        let msg_id = ids.next(unix_nanos() + i128::from(time_offset) * 1_000_000_000);
        let body = Ping { ping_id }.to_bytes();
        let mut plaintext = Vec::with_capacity(32 + body.len());
        plaintext.extend_from_slice(&salt.to_le_bytes());
        plaintext.extend_from_slice(&session_id.to_le_bytes());
        plaintext.extend_from_slice(&msg_id.to_le_bytes());
        plaintext.extend_from_slice(&1i32.to_le_bytes());
        plaintext.extend_from_slice(&(body.len() as u32).to_le_bytes());
        plaintext.extend_from_slice(&body);
        conn.send(&key.encrypt(Direction::ClientToServer, &plaintext)?)
            .await?;
        let packet = conn.recv().await?;
        if let Some(code) = crate::handshake::transport::transport_error(&packet) {
            return Err(HandshakeError::TransportError { code }.into());
        }
        let data = key.decrypt(Direction::ServerToClient, &packet)?;
        let inner = InnerMessage::parse(&data)?;
        if inner.session_id != session_id {
            return Err(ConnError::Protocol("pong for another session"));
        }
        let id = tl::Reader::new(inner.message_data).u32()?;
        if id == tl::BAD_SERVER_SALT {
            let (bad, _) = tl::BadServerSalt::parse(inner.message_data)?;
            salt = bad.new_server_salt;
            continue;
        }
        let (pong, _) = Pong::parse(inner.message_data)?;
        if pong.msg_id != msg_id || pong.ping_id != ping_id {
            return Err(ConnError::Protocol("pong does not answer the ping"));
        }
        return Ok(pong.ping_id);
    }
    Err(ConnError::Protocol("salt refused twice"))
}
