//! The byte pipe under a [`Conn`](super::Conn): plain TCP, or a WebSocket whose binary
//! messages carry the obfuscated2 stream (what mtpylon 0.0.3 serves at `/ws` and Telegram's
//! web clients speak).
//!
//! The server learns that a connection is a WebSocket from its first four bytes, `GET `
//! (which no other transport can start with: the obfuscated2 header excludes it on purpose),
//! answers the HTTP upgrade on the configured path only, then reads binary messages as one
//! byte stream: the first 64 bytes are the obfuscated2 header, the rest are frames of the
//! transport the header names. Text messages, a plain (not obfuscated) transport, messages
//! or frames over the size limit, and protocol violations (unmasked client frames, reserved
//! bits, bad opcodes) are refused with a [`WsError`]. The client sends the header as one
//! binary message and every frame as one more, which is what mtpylon requires.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message, http};

use super::ConnError;

/// Why a WebSocket connection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsError {
    /// The server does not accept WebSocket connections.
    #[error("websocket connections are not accepted here")]
    Disabled,
    /// The HTTP upgrade failed: wrong path, not an upgrade request, or the server's refusal
    /// (its status code when there is one).
    #[error("websocket upgrade refused (status {status})")]
    UpgradeRefused {
        /// The HTTP status (0 when the request itself was malformed).
        status: u16,
    },
    /// A text message: MTProto over WebSocket is binary only.
    #[error("websocket text message (MTProto over WebSocket is binary only)")]
    TextMessage,
    /// A message or frame over the size limit.
    #[error("websocket message over the size limit")]
    MessageTooLarge,
    /// The stream inside the WebSocket is a plain transport: obfuscated2 is required.
    #[error("websocket stream is not obfuscated2")]
    NotObfuscated,
    /// A WebSocket protocol violation (masking, reserved bits, opcode, close handshake).
    #[error("websocket protocol violation")]
    Protocol,
}

impl WsError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "ws_disabled",
            Self::UpgradeRefused { .. } => "ws_upgrade_refused",
            Self::TextMessage => "ws_text_message",
            Self::MessageTooLarge => "ws_message_too_large",
            Self::NotObfuscated => "ws_not_obfuscated",
            Self::Protocol => "ws_protocol",
        }
    }

    /// The error's kind: a peer sending something malformed is bad input.
    #[must_use]
    pub fn kind(&self) -> keyauth_core::ErrorKind {
        keyauth_core::ErrorKind::Malformed
    }
}

fn map_ws_error(e: tungstenite::Error) -> ConnError {
    use tungstenite::Error as E;
    match e {
        E::Io(io) => ConnError::Io(io),
        E::ConnectionClosed | E::AlreadyClosed => {
            ConnError::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
        }
        E::Capacity(_) | E::WriteBufferFull(_) => WsError::MessageTooLarge.into(),
        E::Http(resp) => WsError::UpgradeRefused {
            status: resp.status().as_u16(),
        }
        .into(),
        E::HttpFormat(_) | E::Url(_) => WsError::UpgradeRefused { status: 0 }.into(),
        E::Utf8(_) => WsError::TextMessage.into(),
        _ => WsError::Protocol.into(),
    }
}

/// A TCP stream that first replays bytes already read from it (the server reads the first
/// bytes to detect the transport before handing the stream to the WebSocket handshake).
#[derive(Debug)]
pub(crate) struct Prefixed {
    prefix: Vec<u8>,
    pos: usize,
    inner: TcpStream,
}

impl Prefixed {
    pub(crate) fn new(prefix: Vec<u8>, inner: TcpStream) -> Self {
        Self {
            prefix,
            pos: 0,
            inner,
        }
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.pos < self.prefix.len() {
            let n = (self.prefix.len() - self.pos).min(buf.remaining());
            let start = self.pos;
            buf.put_slice(&self.prefix[start..start + n]);
            self.pos += n;
            if self.pos == self.prefix.len() {
                self.prefix = Vec::new();
                self.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The WebSocket limits for a connection whose largest payload is `max_payload`: one frame
/// of the transport plus its header (and, for a lenient peer, the 64-byte obfuscation
/// header in the same message).
fn ws_config(max_payload: usize) -> WebSocketConfig {
    let max = max_payload.saturating_add(64 + 16);
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// The byte pipe of a connection.
pub(crate) enum Io {
    Tcp(TcpStream),
    Ws(Box<WebSocketStream<Prefixed>>),
}

impl Io {
    pub(crate) fn is_websocket(&self) -> bool {
        matches!(self, Self::Ws(_))
    }

    /// Some bytes (one TCP read, or one binary WebSocket message), within `timeout`.
    pub(crate) async fn read_some(&mut self, timeout: Duration) -> Result<Vec<u8>, ConnError> {
        match self {
            Self::Tcp(stream) => {
                use tokio::io::AsyncReadExt;
                let mut chunk = vec![0u8; 16 * 1024];
                let n = tokio::time::timeout(timeout, stream.read(&mut chunk))
                    .await
                    .map_err(|_| ConnError::Timeout)??;
                if n == 0 {
                    return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
                }
                chunk.truncate(n);
                Ok(chunk)
            }
            Self::Ws(ws) => loop {
                let msg = tokio::time::timeout(timeout, ws.next())
                    .await
                    .map_err(|_| ConnError::Timeout)?;
                match msg {
                    None => {
                        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
                    }
                    Some(Err(e)) => return Err(map_ws_error(e)),
                    Some(Ok(Message::Binary(b))) if !b.is_empty() => return Ok(b.to_vec()),
                    Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Text(_))) => return Err(WsError::TextMessage.into()),
                    Some(Ok(Message::Close(_))) => {
                        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
                    }
                    Some(Ok(Message::Frame(_))) => return Err(WsError::Protocol.into()),
                }
            },
        }
    }

    /// Writes `bytes` (one binary message on a WebSocket).
    pub(crate) async fn write(&mut self, bytes: Vec<u8>) -> Result<(), ConnError> {
        match self {
            Self::Tcp(stream) => Ok(stream.write_all(&bytes).await?),
            Self::Ws(ws) => ws.send(Message::binary(bytes)).await.map_err(map_ws_error),
        }
    }

    /// Closes the connection (a close frame on a WebSocket).
    pub(crate) async fn shutdown(&mut self) {
        match self {
            Self::Tcp(stream) => {
                let _ = stream.shutdown().await;
            }
            Self::Ws(ws) => {
                let _ = (**ws).close(None).await;
            }
        }
    }
}

/// The server side of the upgrade: `prefix` are the bytes already read. Only `path` is
/// served (others get 404); a client asking for the `binary` subprotocol gets it.
pub(crate) async fn accept(
    prefix: Vec<u8>,
    stream: TcpStream,
    path: &str,
    timeout: Duration,
    max_payload: usize,
) -> Result<Io, ConnError> {
    let path = path.to_owned();
    #[allow(
        clippy::result_large_err,
        reason = "the signature is tungstenite's Callback trait's"
    )]
    let callback = move |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        if req.uri().path() != path {
            let mut refusal = ErrorResponse::new(Some("not found".to_owned()));
            *refusal.status_mut() = http::StatusCode::NOT_FOUND;
            return Err(refusal);
        }
        let wants_binary = req
            .headers()
            .get_all(http::header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim() == "binary");
        if wants_binary {
            resp.headers_mut().insert(
                http::header::SEC_WEBSOCKET_PROTOCOL,
                http::HeaderValue::from_static("binary"),
            );
        }
        Ok(resp)
    };
    let ws = tokio::time::timeout(
        timeout,
        tokio_tungstenite::accept_hdr_async_with_config(
            Prefixed::new(prefix, stream),
            callback,
            Some(ws_config(max_payload)),
        ),
    )
    .await
    .map_err(|_| ConnError::Timeout)?
    .map_err(|e| match map_ws_error(e) {
        // A refused or malformed upgrade request surfaces as a protocol error here.
        ConnError::WebSocket(WsError::Protocol) => WsError::UpgradeRefused { status: 400 }.into(),
        other => other,
    })?;
    Ok(Io::Ws(Box::new(ws)))
}

/// The client side of the upgrade to `ws://{host}{path}` over `stream`.
pub(crate) async fn connect(
    stream: TcpStream,
    host: &str,
    path: &str,
    timeout: Duration,
    max_payload: usize,
) -> Result<Io, ConnError> {
    let url = format!("ws://{host}{path}");
    let (ws, _) = tokio::time::timeout(
        timeout,
        tokio_tungstenite::client_async_with_config(
            url.as_str(),
            Prefixed::new(Vec::new(), stream),
            Some(ws_config(max_payload)),
        ),
    )
    .await
    .map_err(|_| ConnError::Timeout)?
    .map_err(map_ws_error)?;
    Ok(Io::Ws(Box::new(ws)))
}
