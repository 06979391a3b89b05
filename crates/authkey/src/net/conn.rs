//! One framed connection: transport detection (server) or choice (client), obfuscation,
//! WebSocket, read timeouts, size limits.

use std::time::Duration;

use tokio::net::TcpStream;

use super::Transport;
use super::ws::{self, Io, WsError};
use crate::handshake::transport::obfuscated2::{Obfuscation, header_ok};
use crate::handshake::transport::{Codec, Detected, Mode, detect};
use crate::handshake::{Entropy, HandshakeError, OsEntropy, Purpose};

/// Why a connection ended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnError {
    /// The socket failed or closed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A read took longer than the timeout.
    #[error("read timed out")]
    Timeout,
    /// The handshake or a transport check refused.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// An encrypted message failed (key, msg_key, layout).
    #[error(transparent)]
    Crypto(#[from] crate::Error),
    /// Something the peer sent makes no sense here.
    #[error("protocol: {0}")]
    Protocol(&'static str),
    /// The WebSocket layer refused (upgrade, text or oversized messages, framing).
    #[error(transparent)]
    WebSocket(#[from] WsError),
}

impl ConnError {
    /// A stable code: the handshake's, the key crate's, or `io`, `timeout`, `protocol`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io(_) => "io",
            Self::Timeout => "timeout",
            Self::Handshake(e) => e.code(),
            Self::Crypto(e) => e.code(),
            Self::Protocol(_) => "protocol",
            Self::WebSocket(e) => e.code(),
        }
    }
}

/// A framed, possibly obfuscated connection.
pub struct Conn {
    io: Io,
    codec: Codec,
    obfuscation: Option<Obfuscation>,
    buf: Vec<u8>,
    timeout: Duration,
}

impl core::fmt::Debug for Conn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Conn")
            .field("mode", &self.codec.mode())
            .field("obfuscated", &self.obfuscation.is_some())
            .field("websocket", &self.io.is_websocket())
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// The client side: sends the init bytes (or the obfuscated2 header).
    ///
    /// # Errors
    /// I/O, or randomness failing.
    pub async fn client(
        stream: TcpStream,
        t: Transport,
        timeout: Duration,
    ) -> Result<Self, ConnError> {
        Self::client_io(Io::Tcp(stream), t, timeout).await
    }

    /// The client side over a WebSocket: upgrades `stream` to `ws://{host}{path}`, then sends
    /// the obfuscated2 header as one binary message (the transport must be obfuscated;
    /// `max_payload` bounds the messages accepted).
    ///
    /// # Errors
    /// I/O, timeout, the upgrade's refusal, or [`WsError::NotObfuscated`].
    pub async fn client_websocket(
        stream: TcpStream,
        host: &str,
        path: &str,
        t: Transport,
        timeout: Duration,
        max_payload: usize,
    ) -> Result<Self, ConnError> {
        if !t.obfuscated {
            return Err(WsError::NotObfuscated.into());
        }
        let io = ws::connect(stream, host, path, timeout, max_payload).await?;
        let mut conn = Self::client_io(io, t, timeout).await?;
        conn.codec = Codec::new(t.mode).max_payload(max_payload);
        Ok(conn)
    }

    async fn client_io(mut io: Io, t: Transport, timeout: Duration) -> Result<Self, ConnError> {
        let mut obfuscation = None;
        if t.obfuscated {
            let mut rng = OsEntropy::default();
            let (header, o) = loop {
                let mut h = [0u8; 64];
                rng.fill(Purpose::Nonce, &mut h)?;
                if header_ok(&h) {
                    break Obfuscation::client(&h, t.mode)?;
                }
            };
            io.write(header.to_vec()).await?;
            obfuscation = Some(o);
        } else {
            io.write(t.mode.init().to_vec()).await?;
        }
        Ok(Self {
            io,
            codec: Codec::new(t.mode),
            obfuscation,
            buf: Vec::new(),
            timeout,
        })
    }

    /// The server side: reads until the transport is known (TCP only; see
    /// [`server_with`](Self::server_with) for WebSocket).
    ///
    /// # Errors
    /// I/O, timeout, or a malformed obfuscation header.
    pub async fn server(
        stream: TcpStream,
        timeout: Duration,
        max_payload: usize,
    ) -> Result<Self, ConnError> {
        Self::server_with(stream, timeout, max_payload, None).await
    }

    /// The server side: reads until the transport is known. A connection starting with
    /// `GET ` is a WebSocket upgrade, accepted on `ws_path` only (refused with
    /// [`WsError::Disabled`] when `ws_path` is `None`); inside it the stream must be
    /// obfuscated2.
    ///
    /// # Errors
    /// I/O, timeout, a malformed obfuscation header, or a [`WsError`].
    pub async fn server_with(
        stream: TcpStream,
        timeout: Duration,
        max_payload: usize,
        ws_path: Option<&str>,
    ) -> Result<Self, ConnError> {
        let mut io = Io::Tcp(stream);
        let mut buf = Vec::new();
        let detected = loop {
            if buf.len() >= 4 && buf[..4] == *b"GET " {
                let Some(path) = ws_path else {
                    return Err(WsError::Disabled.into());
                };
                let Io::Tcp(stream) = io else {
                    return Err(WsError::Protocol.into());
                };
                io = ws::accept(
                    core::mem::take(&mut buf),
                    stream,
                    path,
                    timeout,
                    max_payload,
                )
                .await?;
                while buf.len() < 64 {
                    buf.extend(io.read_some(timeout).await?);
                    if matches!(detect(&buf), Some(Detected::Plain(_))) {
                        return Err(WsError::NotObfuscated.into());
                    }
                }
                break Detected::Obfuscated2;
            }
            if (buf.len() >= 4 || buf.first() == Some(&0xef))
                && let Some(d) = detect(&buf)
            {
                break d;
            }
            buf.extend(io.read_some(timeout).await?);
        };
        let (mode, obfuscation) = match detected {
            Detected::Plain(mode) => {
                if mode != Mode::Full {
                    buf.drain(..mode.init().len());
                }
                (mode, None)
            }
            Detected::Obfuscated2 => {
                while buf.len() < 64 {
                    buf.extend(io.read_some(timeout).await?);
                }
                let header: [u8; 64] = buf[..64].try_into().expect("64 bytes");
                let (mode, mut o) = Obfuscation::server(&header)?;
                buf.drain(..64);
                o.decrypt(&mut buf);
                (mode, Some(o))
            }
        };
        Ok(Self {
            io,
            codec: Codec::new(mode).max_payload(max_payload),
            obfuscation,
            buf,
            timeout,
        })
    }

    /// The transport in use.
    #[must_use]
    pub fn transport(&self) -> Transport {
        Transport {
            mode: self.codec.mode(),
            obfuscated: self.obfuscation.is_some(),
            websocket: self.io.is_websocket(),
        }
    }

    /// Sends one payload.
    ///
    /// # Errors
    /// I/O or framing errors.
    pub async fn send(&mut self, payload: &[u8]) -> Result<(), ConnError> {
        let mut pad = [0u8; 4];
        OsEntropy::default().fill(Purpose::AnswerPadding, &mut pad)?;
        let n = usize::from(pad[3] % 4);
        let mut frame = self.codec.encode(payload, &pad[..n])?;
        if let Some(o) = &mut self.obfuscation {
            o.encrypt(&mut frame);
        }
        self.io.write(frame).await
    }

    /// Receives one payload (each read bounded by the timeout).
    ///
    /// # Errors
    /// I/O, timeout, framing errors.
    pub async fn recv(&mut self) -> Result<Vec<u8>, ConnError> {
        loop {
            if let Some(p) = self.codec.decode(&mut self.buf)? {
                return Ok(p);
            }
            let mut more = self.io.read_some(self.timeout).await?;
            if let Some(o) = &mut self.obfuscation {
                o.decrypt(&mut more);
            }
            self.buf.extend(more);
        }
    }

    /// Sends a transport error (`-404`, `-429`) and closes.
    pub async fn refuse(mut self, code: i32) {
        let _ = self.send(&code.to_le_bytes()).await;
        self.io.shutdown().await;
    }
}
