//! One framed connection: transport detection (server) or choice (client), obfuscation,
//! read timeouts, size limits.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Transport;
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
        }
    }
}

/// A framed, possibly obfuscated connection.
pub struct Conn {
    stream: TcpStream,
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
            .finish_non_exhaustive()
    }
}

async fn read_some(stream: &mut TcpStream, timeout: Duration) -> Result<Vec<u8>, ConnError> {
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

impl Conn {
    /// The client side: sends the init bytes (or the obfuscated2 header).
    ///
    /// # Errors
    /// I/O, or randomness failing.
    pub async fn client(
        mut stream: TcpStream,
        t: Transport,
        timeout: Duration,
    ) -> Result<Self, ConnError> {
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
            stream.write_all(&header).await?;
            obfuscation = Some(o);
        } else {
            stream.write_all(t.mode.init()).await?;
        }
        Ok(Self {
            stream,
            codec: Codec::new(t.mode),
            obfuscation,
            buf: Vec::new(),
            timeout,
        })
    }

    /// The server side: reads until the transport is known.
    ///
    /// # Errors
    /// I/O, timeout, or a malformed obfuscation header.
    pub async fn server(
        mut stream: TcpStream,
        timeout: Duration,
        max_payload: usize,
    ) -> Result<Self, ConnError> {
        let mut buf = Vec::new();
        let detected = loop {
            if let Some(d) = detect(&buf) {
                break d;
            }
            buf.extend(read_some(&mut stream, timeout).await?);
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
                    buf.extend(read_some(&mut stream, timeout).await?);
                }
                let header: [u8; 64] = buf[..64].try_into().expect("64 bytes");
                let (mode, mut o) = Obfuscation::server(&header)?;
                buf.drain(..64);
                o.decrypt(&mut buf);
                (mode, Some(o))
            }
        };
        Ok(Self {
            stream,
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
        self.stream.write_all(&frame).await?;
        Ok(())
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
            let mut more = read_some(&mut self.stream, self.timeout).await?;
            if let Some(o) = &mut self.obfuscation {
                o.decrypt(&mut more);
            }
            self.buf.extend(more);
        }
    }

    /// Sends a transport error (`-404`, `-429`) and closes.
    pub async fn refuse(mut self, code: i32) {
        let _ = self.send(&code.to_le_bytes()).await;
        let _ = self.stream.shutdown().await;
    }
}
