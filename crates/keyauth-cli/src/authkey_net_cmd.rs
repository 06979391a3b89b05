//! `keyauth authkey serve | create | rsa-fingerprint`: the MTProto auth-key exchange over
//! TCP and WebSocket. Flags, output and exit codes only; the protocol lives in `authkey::net` and
//! `authkey::handshake`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authkey::handshake::tl::InnerKind;
use authkey::handshake::{
    ClientConfig, HandshakeError, Padding, RsaPrivateKey, RsaPublicKey, ServerConfig, ServerKey,
};
use authkey::net::{ConnError, Server, ServerOptions, Transport, create_key, ping};
use authkey::{AuthKeyManager, MemoryAuthKeyManager};
use serde_json::json;

use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Output;

/// The auth-key exchange subcommands (flattened into `keyauth authkey`).
#[derive(Debug, clap::Subcommand)]
pub(crate) enum NetCommand {
    /// Run an auth-key server: accepts MTProto clients (TCP abridged, intermediate, padded
    /// intermediate, full, obfuscated2, and WebSocket carrying obfuscated2 on the same port),
    /// creates keys, answers encrypted ping with pong.
    #[command(after_help = "\
Examples:
  keyauth authkey serve --rsa-key server.pem --listen 127.0.0.1:8443
  keyauth authkey serve --rsa-key server.pem --listen 127.0.0.1:8443 --ws-path /mtproto

WebSocket clients connect to the same port (ws://ADDR/ws unless --ws-path says otherwise):
a connection starting with `GET ` is an upgrade, anything else one of the TCP transports.
  keyauth --json authkey serve --rsa-key server.pem --listen 127.0.0.1:0 --store redis://127.0.0.1/

Prints one line when it listens; with --json one line per key created:
  {\"event\":\"key_created\",\"key_id\":\"<16 hex digits, wire order>\",\"temporary\":false}
Stops on Ctrl-C (waits up to 5 s for open connections).")]
    Serve {
        /// The server's RSA private key: PEM, PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8.
        #[arg(long, value_name = "PEM")]
        rsa_key: PathBuf,
        /// Address to listen on (use 127.0.0.1; port 0 picks a free one).
        #[arg(long, value_name = "ADDR")]
        listen: String,
        /// Store keys in this Redis instead of memory.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// Refuse the legacy SHA-1 RSA padding (Telethon speaks only that one).
        #[arg(long)]
        no_legacy_padding: bool,
        /// The path WebSocket upgrades are accepted on (mtpylon serves `/ws`).
        #[arg(long, value_name = "PATH", default_value = "/ws")]
        ws_path: String,
        /// Refuse WebSocket connections (TCP transports only).
        #[arg(long, conflicts_with = "ws_path")]
        no_websocket: bool,
        /// Refuse a packet (one transport frame) larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
        max_packet_bytes: usize,
    },
    /// Create an auth key against a server and prove it with an encrypted ping.
    #[command(after_help = "\
Examples:
  keyauth authkey create --server 127.0.0.1:8443 --rsa-pub server.pub.pem --out auth_key.bin
  keyauth authkey create --server 127.0.0.1:8443 --rsa-pub server.pub.pem --transport obfuscated_intermediate
  keyauth authkey create --server ws://127.0.0.1:8443/ws --rsa-pub server.pub.pem --transport websocket

Prints the new key's id (16 hex digits, wire order, as `keyauth authkey inspect` shows it).
The key itself is written only to --out, a new file created with mode 0600.")]
    Create {
        /// host:port of the server (for a websocket transport also `ws://host:port/path` or
        /// `host:port/path`; the path defaults to `/ws`).
        #[arg(long, value_name = "HOST:PORT")]
        server: String,
        /// The server's RSA public key: PEM, PKCS#1 (`RSA PUBLIC KEY`) or SPKI (`PUBLIC KEY`).
        #[arg(long, value_name = "PEM")]
        rsa_pub: PathBuf,
        /// abridged, intermediate, padded_intermediate, full, obfuscated_abridged,
        /// obfuscated_intermediate, obfuscated_padded_intermediate, websocket (obfuscated
        /// intermediate over WebSocket, as mtpylon speaks), websocket_abridged,
        /// websocket_padded_intermediate.
        #[arg(long, default_value = "full")]
        transport: String,
        /// Write the 256 key bytes to this new file (mode 0600; refuses to overwrite).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Create a temporary key that expires after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        temp: Option<u32>,
        /// Use the legacy SHA-1 RSA padding instead of RSA_PAD.
        #[arg(long)]
        legacy_padding: bool,
        /// Timeout of each read, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Print the MTProto fingerprint of an RSA key (private or public PEM).
    RsaFingerprint {
        /// The key file.
        #[arg(value_name = "PEM")]
        pem: PathBuf,
    },
}

impl From<HandshakeError> for CliError {
    fn from(e: HandshakeError) -> Self {
        match e {
            HandshakeError::RsaKeyInvalid => CliError::input(e.code(), e.to_string()),
            HandshakeError::Random => CliError::network(e.code(), e.to_string()),
            _ => CliError::check(e.code(), e.to_string()),
        }
    }
}

impl From<ConnError> for CliError {
    fn from(e: ConnError) -> Self {
        match e {
            ConnError::Handshake(h) => h.into(),
            ConnError::Crypto(c) => c.into(),
            ConnError::WebSocket(w) => CliError::check(w.code(), w.to_string()),
            other => CliError::network(other.code(), other.to_string()),
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::network("runtime", e.to_string()))
}

fn public_key(path: &Path) -> Result<RsaPublicKey, CliError> {
    let text = input::read_text(path, "RSA key")?;
    RsaPublicKey::from_pem(&text)
        .or_else(|_| RsaPrivateKey::from_pem(&text).map(|k| k.public().clone()))
        .map_err(CliError::from)
}

pub(crate) fn run(cmd: NetCommand, out: &Output) -> Result<Exit, CliError> {
    match cmd {
        NetCommand::RsaFingerprint { pem } => {
            let key = public_key(&pem)?;
            let wire = hex::encode(key.fingerprint().to_le_bytes());
            out.emit(
                &json!({ "fingerprint": key.fingerprint().to_string(), "fingerprint_wire": wire }),
                &format!("{wire} ({})", key.fingerprint()),
            )?;
            Ok(Exit::Ok)
        }
        NetCommand::Serve {
            rsa_key,
            listen,
            store,
            no_legacy_padding,
            ws_path,
            no_websocket,
            max_packet_bytes,
        } => {
            if !no_websocket && !ws_path.starts_with('/') {
                return Err(CliError::input(
                    "bad_ws_path",
                    format!("--ws-path must start with '/': {ws_path:?}"),
                ));
            }
            let options = ServerOptions {
                websocket_path: (!no_websocket).then_some(ws_path),
                max_packet: max_packet_bytes,
                ..ServerOptions::default()
            };
            let text = input::read_text(&rsa_key, "RSA private key")?;
            let key = RsaPrivateKey::from_pem(&text)?;
            let config =
                Arc::new(ServerConfig::new(vec![key]).allow_legacy_padding(!no_legacy_padding));
            runtime()?.block_on(async move {
                match store {
                    Some(url) => {
                        let redis = keyauth_core::RedisOptions::new(url);
                        let store = Arc::new(authkey::RedisAuthKeyManager::new(&redis)?);
                        serve(&listen, config, store, options, *out).await
                    }
                    None => {
                        let store = Arc::new(MemoryAuthKeyManager::new());
                        serve(&listen, config, store, options, *out).await
                    }
                }
            })
        }
        NetCommand::Create {
            server,
            rsa_pub,
            transport,
            out: out_file,
            temp,
            legacy_padding,
            timeout,
        } => {
            let Some(t) = Transport::from_name(&transport) else {
                return Err(CliError::input(
                    "unknown_transport",
                    format!("unknown transport {transport:?}"),
                ));
            };
            if let Some(path) = &out_file
                && path.exists()
            {
                return Err(CliError::input(
                    "file_exists",
                    format!("{} exists", path.display()),
                ));
            }
            let key: Arc<dyn ServerKey> = Arc::new(public_key(&rsa_pub)?);
            let inner = match temp {
                Some(s) => InnerKind::TempDc {
                    dc: 2,
                    expires_in: i32::try_from(s).unwrap_or(i32::MAX),
                },
                None => InnerKind::Dc { dc: 2 },
            };
            let padding = if legacy_padding {
                Padding::LegacySha1
            } else {
                Padding::RsaPad
            };
            let config = Arc::new(ClientConfig::new(vec![key]).padding(padding).inner(inner));
            let timeout = Duration::from_secs(timeout.max(1));
            let created = runtime()?.block_on(async move {
                let mut s = create_key(&server, t, config, timeout).await?;
                ping(
                    &mut s.conn,
                    &s.created.auth_key,
                    s.created.server_salt,
                    s.created.time_offset,
                )
                .await?;
                Ok::<_, CliError>(s.created)
            })?;
            if let Some(path) = &out_file {
                write_new_0600(path, created.auth_key.expose_secret())?;
            }
            let id = hex::encode(created.auth_key.key_id_bytes());
            out.emit(
                &json!({
                    "key_id": id,
                    "temporary": created.expires_in.is_some(),
                    "server_salt": created.server_salt.to_string(),
                    "time_offset": created.time_offset,
                    "out": out_file.as_ref().map(|p| p.display().to_string()),
                }),
                &id,
            )?;
            Ok(Exit::Ok)
        }
    }
}

async fn serve<M: AuthKeyManager + 'static>(
    listen: &str,
    config: Arc<ServerConfig>,
    store: Arc<M>,
    options: ServerOptions,
    out: Output,
) -> Result<Exit, CliError> {
    let ws = options.websocket_path.clone();
    let server = Server::bind(listen, config, store, options)
        .await
        .map_err(|e| CliError::network("bind", e.to_string()))?
        .on_key(move |e| {
            let id = format!("{:016x}", e.key_id);
            out.emit(
                &json!({ "event": "key_created", "key_id": id, "temporary": e.expires_in.is_some() }),
                &format!("key created {id}"),
            )
            .ok();
            let _ = std::io::stdout().flush();
        });
    let addr = server
        .local_addr()
        .map_err(|e| CliError::network("bind", e.to_string()))?;
    let ws_url = ws.map(|p| format!("ws://{addr}{p}"));
    let human = match &ws_url {
        Some(u) => format!("listening on {addr} (websocket {u})"),
        None => format!("listening on {addr}"),
    };
    out.emit(
        &json!({ "event": "listening", "addr": addr.to_string(), "websocket": ws_url }),
        &human,
    )?;
    let _ = std::io::stdout().flush();
    server
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::network("accept", e.to_string()))?;
    Ok(Exit::Ok)
}

#[cfg(unix)]
fn write_new_0600(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| CliError::input("write_failed", format!("{}: {e}", path.display())))?;
    f.write_all(bytes)
        .map_err(|e| CliError::input("write_failed", format!("{}: {e}", path.display())))
}

#[cfg(not(unix))]
fn write_new_0600(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CliError::input("write_failed", format!("{}: {e}", path.display())))?;
    f.write_all(bytes)
        .map_err(|e| CliError::input("write_failed", format!("{}: {e}", path.display())))
}
