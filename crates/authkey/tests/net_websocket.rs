//! WebSocket carrying obfuscated2 (what mtpylon 0.0.3 serves at `/ws`): our client against
//! our server on 127.0.0.1 (key created, stored, proved by ping) on the same port as TCP, and
//! hostile WebSocket input refused with typed errors: wrong path, WebSocket disabled, text
//! messages, unmasked and reserved-bit frames, oversized messages, a plain transport inside.
#![cfg(feature = "net")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use authkey::handshake::tl::InnerKind;
use authkey::handshake::transport::Mode;
use authkey::handshake::transport::obfuscated2::{Obfuscation, header_ok};
use authkey::handshake::{ClientConfig, RsaPrivateKey, ServerConfig, ServerKey};
use authkey::net::{Conn, ConnError, Server, ServerOptions, Transport, create_key, ping};
use authkey::{AuthKeyManager, MemoryAuthKeyManager};
use keyauth_core::encoding::hex_decode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

const T: Duration = Duration::from_secs(20);

fn vector_key() -> RsaPrivateKey {
    let file: Value =
        serde_json::from_str(include_str!("../vectors/authkey-handshake.json")).unwrap();
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["op"] == "rsa_decrypt")
        .unwrap();
    let k = &case["input"]["key"];
    let h = |f: &str| hex_decode(k[f].as_str().unwrap()).unwrap();
    RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d"), None).unwrap()
}

fn client() -> Arc<ClientConfig> {
    let k: Arc<dyn ServerKey> = Arc::new(vector_key().public().clone());
    Arc::new(ClientConfig::new(vec![k]).inner(InnerKind::Dc { dc: 2 }))
}

async fn start<M: AuthKeyManager + 'static>(
    store: Arc<M>,
    options: ServerOptions,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let server = Server::bind(
        "127.0.0.1:0",
        Arc::new(ServerConfig::new(vec![vector_key()])),
        store,
        options,
    )
    .await
    .unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (addr, tx, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_creates_and_proves_a_key_on_the_tcp_port() {
    let store = Arc::new(MemoryAuthKeyManager::new());
    let (addr, stop, task) = start(store.clone(), ServerOptions::default()).await;
    let cases = [
        ("websocket", addr.clone()),
        ("websocket_abridged", format!("ws://{addr}/ws")),
        ("websocket_padded_intermediate", format!("{addr}/ws")),
        // TCP on the same port still works.
        ("obfuscated_intermediate", addr.clone()),
    ];
    for (name, target) in &cases {
        let t = Transport::from_name(name).unwrap();
        assert_eq!(t.websocket, name.starts_with("websocket"));
        let mut s = create_key(target, t, client(), T).await.unwrap();
        assert_eq!(s.conn.transport(), t, "{name}");
        let id = s.created.auth_key.id();
        assert_eq!(store.get(id).unwrap(), s.created.auth_key, "{name}");
        ping(&mut s.conn, &s.created.auth_key, 0, s.created.time_offset)
            .await
            .unwrap();
        ping(&mut s.conn, &s.created.auth_key, s.created.server_salt, 0)
            .await
            .unwrap();
    }
    assert_eq!(store.len(), cases.len());
    stop.send(()).unwrap();
    tokio::time::timeout(T, task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_path_and_switch_are_enforced() {
    let store = Arc::new(MemoryAuthKeyManager::new());
    let options = ServerOptions {
        websocket_path: Some("/mtproto".to_owned()),
        ..ServerOptions::default()
    };
    let (addr, stop, _task) = start(store.clone(), options).await;
    let t = Transport::from_name("websocket").unwrap();
    // Default path /ws is not served here: 404, a typed refusal on the client.
    let e = create_key(&addr, t, client(), T).await.unwrap_err();
    assert_eq!(e.code(), "ws_upgrade_refused", "{e}");
    assert!(e.to_string().contains("404"), "{e}");
    create_key(&format!("{addr}/mtproto"), t, client(), T)
        .await
        .unwrap();
    assert_eq!(store.len(), 1);
    stop.send(()).unwrap();

    let options = ServerOptions {
        websocket_path: None,
        ..ServerOptions::default()
    };
    let (addr, stop, _task) = start(store.clone(), options).await;
    let e = create_key(&addr, t, client(), T).await.unwrap_err();
    assert!(
        matches!(e, ConnError::Io(_) | ConnError::WebSocket(_)),
        "{e}"
    );
    assert_eq!(store.len(), 1);
    stop.send(()).unwrap();

    // A client refuses to speak WebSocket without obfuscation.
    let plain = Transport::from_name("intermediate").unwrap();
    let stream = TcpStream::connect(&addr).await;
    if let Ok(stream) = stream {
        let e = Conn::client_websocket(stream, &addr, "/ws", plain, T, 1 << 20)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "ws_not_obfuscated");
    }
    assert!(Transport::from_name("websocket_full").is_none());
}

// ---- hostile input, refused by Conn::server_with with a typed error ------------------------

/// Runs `Conn::server_with` (max payload 2048, path `/ws` unless `path` says otherwise) on one
/// connection, reads one payload, and returns the error it ended with.
async fn serve_one(path: Option<&'static str>) -> (String, tokio::task::JoinHandle<ConnError>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut conn = match Conn::server_with(stream, Duration::from_secs(5), 2048, path).await {
            Ok(c) => c,
            Err(e) => return e,
        };
        loop {
            if let Err(e) = conn.recv().await {
                return e;
            }
        }
    });
    (addr, task)
}

/// Connects and performs the HTTP upgrade by hand; returns the stream and the status line.
async fn upgrade(addr: &str, path: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = Vec::new();
    let mut b = [0u8; 1];
    while !resp.ends_with(b"\r\n\r\n") && resp.len() < 4096 {
        match tokio::time::timeout(T, s.read(&mut b)).await.unwrap() {
            Ok(1) => resp.push(b[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text.lines().next().unwrap_or("").to_owned();
    (s, status)
}

/// One client frame: FIN + `opcode`, masked unless `masked` is false, `rsv` bits as given.
fn frame(opcode: u8, payload: &[u8], masked: bool, rsv: u8) -> Vec<u8> {
    let mut f = vec![0x80 | rsv | opcode];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => f.push(mask_bit | n as u8),
        n @ 126..=0xffff => {
            f.push(mask_bit | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(mask_bit | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    if masked {
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    } else {
        f.extend_from_slice(payload);
    }
    f
}

fn obfuscated_header() -> ([u8; 64], Obfuscation) {
    let mut seed = [0x5au8; 64];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    assert!(header_ok(&seed));
    Obfuscation::client(&seed, Mode::Intermediate).unwrap()
}

async fn refused_with(path: Option<&'static str>, url_path: &str, frames: &[Vec<u8>]) -> String {
    let (addr, task) = serve_one(path).await;
    let (mut s, status) = upgrade(&addr, url_path).await;
    if status.contains("101") {
        for f in frames {
            if s.write_all(f).await.is_err() {
                break;
            }
        }
    }
    let e = tokio::time::timeout(T, task).await.unwrap().unwrap();
    e.code().to_owned()
}

#[tokio::test]
async fn hostile_websocket_input_is_refused_with_typed_errors() {
    // Wrong path: 404 to the client, ws_upgrade_refused on the server.
    let (addr, task) = serve_one(Some("/ws")).await;
    let (_s, status) = upgrade(&addr, "/elsewhere").await;
    assert!(status.contains("404"), "{status}");
    let e = tokio::time::timeout(T, task).await.unwrap().unwrap();
    assert_eq!(e.code(), "ws_upgrade_refused");

    // WebSocket disabled.
    assert_eq!(refused_with(None, "/ws", &[]).await, "ws_disabled");

    // A text message first.
    let text = frame(0x1, b"hello mtproto", true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[text]).await,
        "ws_text_message"
    );

    // An unmasked client frame (RFC 6455 5.1: the server must close).
    let (header, _) = obfuscated_header();
    let unmasked = frame(0x2, &header, false, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[unmasked]).await,
        "ws_protocol"
    );

    // Reserved bit RSV1 without an extension.
    let rsv = frame(0x2, &header, true, 0x40);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[rsv]).await,
        "ws_protocol"
    );

    // A message over the limit (2048 + header allowance): refused from its length alone.
    let big = frame(0x2, &vec![0u8; 4096], true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[big]).await,
        "ws_message_too_large"
    );

    // A plain transport inside the WebSocket (abridged init byte 0xef, intermediate tag).
    let plain = frame(0x2, &[0xef; 64], true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[plain]).await,
        "ws_not_obfuscated"
    );
    let mut intermediate = vec![0xee; 4];
    intermediate.extend_from_slice(&[1u8; 60]);
    let plain = frame(0x2, &intermediate, true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[plain]).await,
        "ws_not_obfuscated"
    );

    // A valid obfuscated2 header, then a text message: refused at the next read.
    let header_frame = frame(0x2, &header, true, 0);
    let text = frame(0x1, b"now text", true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[header_frame.clone(), text]).await,
        "ws_text_message"
    );

    // A valid header, then an obfuscated intermediate frame declaring 1 MiB: the transport's
    // own limit (2048 here) refuses it.
    let (_, mut o) = obfuscated_header();
    let mut body = (1u32 << 20).to_le_bytes().to_vec();
    body.extend_from_slice(&[0u8; 16]);
    o.encrypt(&mut body);
    let oversized = frame(0x2, &body, true, 0);
    assert_eq!(
        refused_with(Some("/ws"), "/ws", &[header_frame, oversized]).await,
        "transport_oversized"
    );
}
