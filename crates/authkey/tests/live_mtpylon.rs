//! Live: our client against mtpylon 0.0.3's own server (PyPI `mtpylon==0.0.3`, aiohttp,
//! WebSocket at `/ws` carrying obfuscated intermediate; in the private virtualenv `.ci/run`
//! creates and names in `KEYAUTH_MTPYLON_PYTHON`). The server script
//! (`tests/peers/mtpylon_server.py`) uses mtpylon's offline DH prime and prints the id of
//! every key its AuthKeyManager stores; the key we create must have that id. mtpylon's pq
//! is 65-66 bits (its primes have 33 bits), which our client factors on u128.
//!
//! mtpylon speaks only the legacy SHA-1 RSA padding, and never answers ping (its dispatcher
//! treats every service function as unknown, spec §11), so the key is proved by its id.
#![cfg(feature = "net")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use authkey::handshake::tl::InnerKind;
use authkey::handshake::{ClientConfig, Padding, RsaPublicKey, ServerKey};
use authkey::net::{Transport, create_key};
use keyauth_core::encoding::{hex_decode, hex_encode};
use tokio::io::{AsyncBufReadExt, BufReader};

fn python() -> Option<String> {
    match std::env::var("KEYAUTH_MTPYLON_PYTHON") {
        Ok(p) if !p.is_empty() && std::path::Path::new(&p).exists() => Some(p),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but KEYAUTH_MTPYLON_PYTHON is not: .ci/run must create the venv"
            );
            eprintln!(
                "skipped: KEYAUTH_MTPYLON_PYTHON (a python with mtpylon==0.0.3) is not set (bash .ci/run sets it)"
            );
            None
        }
    }
}

fn even_hex(s: &str) -> Vec<u8> {
    let s = if s.len() % 2 == 1 {
        format!("0{s}")
    } else {
        s.to_owned()
    };
    hex_decode(&s).unwrap()
}

async fn next(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(120), lines.next_line())
        .await
        .expect("mtpylon's server printed in time")
        .unwrap()
        .expect("mtpylon's server is running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_creates_a_key_on_mtpylons_server_over_websocket() {
    let Some(python) = python() else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/mtpylon_server.py");
    let mut child = tokio::process::Command::new(&python)
        .arg(script)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = next(&mut lines).await;
    let parts: Vec<&str> = first.split(' ').collect();
    assert_eq!(parts[0], "listening", "{first}");
    let port = parts[1];
    let key = RsaPublicKey::from_components(&even_hex(parts[2]), &even_hex(parts[3])).unwrap();
    let key: Arc<dyn ServerKey> = Arc::new(key);
    let t = Transport::from_name("websocket").unwrap();
    for (inner, n) in [(InnerKind::Legacy, 0), (InnerKind::Dc { dc: 2 }, 1)] {
        let config = Arc::new(
            ClientConfig::new(vec![Arc::clone(&key)])
                .padding(Padding::LegacySha1)
                .inner(inner),
        );
        let session = create_key(
            &format!("ws://127.0.0.1:{port}/ws"),
            t,
            config,
            Duration::from_secs(30),
        )
        .await
        .unwrap_or_else(|e| panic!("handshake {n} with mtpylon: {} {e}", e.code()));
        let ours = hex_encode(&session.created.auth_key.key_id_bytes());
        let stored = next(&mut lines).await;
        assert_eq!(stored, format!("key {ours}"), "handshake {n}");
    }
    child.kill().await.unwrap();
}
