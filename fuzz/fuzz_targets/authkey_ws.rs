#![no_main]
//! The tokio server's front door over real TCP on 127.0.0.1: arbitrary bytes as a connection
//! (an HTTP upgrade or not, then WebSocket frames, or one well-formed masked binary frame
//! around arbitrary obfuscated2 bytes). The server answers or closes, never panics (a panic
//! in any of its tasks aborts the process) and never keeps the connection past its timeout.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authkey::handshake::{RsaPrivateKey, ServerConfig};
use authkey::net::{Server, ServerOptions};
use authkey::MemoryAuthKeyManager;
use keyauth_core::encoding::hex_decode;
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const UPGRADE: &[u8] = b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

fn server() -> &'static (tokio::runtime::Runtime, String) {
    static SERVER: OnceLock<(tokio::runtime::Runtime, String)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let file: serde_json::Value = serde_json::from_str(include_str!(
            "../../crates/authkey/vectors/authkey-handshake.json"
        ))
        .expect("vector file");
        let case = file["cases"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["op"] == "rsa_decrypt"))
            .expect("an rsa_decrypt case");
        let k = &case["input"]["key"];
        let h = |f: &str| hex_decode(k[f].as_str().expect("hex")).expect("hex");
        let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d"), None).expect("key");
        let options = ServerOptions {
            read_timeout: Duration::from_millis(500),
            handshake_timeout: Duration::from_secs(2),
            peer_burst: 1 << 20,
            peer_per_second: 1e9,
            ..ServerOptions::default()
        };
        let addr = rt.block_on(async {
            let server = Server::bind(
                "127.0.0.1:0",
                Arc::new(ServerConfig::new(vec![key])),
                Arc::new(MemoryAuthKeyManager::new()),
                options,
            )
            .await
            .expect("bind 127.0.0.1");
            let addr = server.local_addr().expect("addr").to_string();
            tokio::spawn(async move {
                let _ = server.run(std::future::pending::<()>()).await;
            });
            addr
        });
        (rt, addr)
    })
}

/// One masked binary frame around `payload` (mask key 0: the bytes travel as they are).
fn binary_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x82];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n <= 0xffff => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&[0; 4]);
    f.extend_from_slice(payload);
    f
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = match mode % 3 {
        0 => rest.to_vec(),
        1 => [UPGRADE, rest].concat(),
        _ => [UPGRADE, &binary_frame(rest)].concat(),
    };
    let (rt, addr) = server();
    rt.block_on(async {
        let Ok(mut stream) = TcpStream::connect(addr.as_str()).await else {
            return;
        };
        let _ = stream.write_all(&bytes).await;
        let _ = stream.shutdown().await;
        // The server must close within its timeouts; the answer itself is not judged here.
        let mut sink = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink));
        assert!(read.await.is_ok(), "the server kept the connection open past its timeouts");
    });
});
