//! Live: a real Telethon 1.45.0 client (PyPI, in the private virtualenv `.ci/run` creates
//! and names in `KEYAUTH_MTPROTO_PYTHON`) creates a key against our tokio server over each
//! TCP transport it speaks and gets a pong to an encrypted ping; the key id Telethon computes
//! equals the one our server stored.
#![cfg(feature = "net")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use authkey::MemoryAuthKeyManager;
use authkey::handshake::{RsaPrivateKey, ServerConfig};
use authkey::net::{Server, ServerOptions};
use keyauth_core::encoding::{hex_decode, hex_encode};
use serde_json::Value;

fn python() -> Option<String> {
    match std::env::var("KEYAUTH_MTPROTO_PYTHON") {
        Ok(p) if !p.is_empty() && std::path::Path::new(&p).exists() => Some(p),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but KEYAUTH_MTPROTO_PYTHON is not: .ci/run must create the venv"
            );
            eprintln!(
                "skipped: KEYAUTH_MTPROTO_PYTHON (a python with telethon==1.45.0) is not set (bash .ci/run sets it)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telethon_creates_a_key_over_every_tcp_transport_and_gets_a_pong() {
    let Some(python) = python() else { return };
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
    let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d"), None).unwrap();
    let (n, e) = (
        hex_encode(&key.public().n_bytes()),
        hex_encode(&key.public().e_bytes()),
    );
    let store = Arc::new(MemoryAuthKeyManager::new());
    let server = Server::bind(
        "127.0.0.1:0",
        Arc::new(ServerConfig::new(vec![key])),
        store.clone(),
        ServerOptions::default(),
    )
    .await
    .unwrap();
    let port = server.local_addr().unwrap().port();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/telethon_client.py");
    let transports = ["full", "abridged", "intermediate", "obfuscated_abridged"];
    let out = tokio::time::timeout(
        Duration::from_secs(240),
        tokio::process::Command::new(&python)
            .arg(script)
            .args(["127.0.0.1", &port.to_string(), &n, &e])
            .args(transports)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("telethon finished in time")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "telethon failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), transports.len(), "{stdout}");
    for (line, t) in lines.iter().zip(transports) {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[0], t);
        assert_eq!(parts[2..], ["pong", &0x1234_5678i64.to_string()], "{line}");
        let wire: [u8; 8] = hex_decode(parts[1]).unwrap().try_into().unwrap();
        let stored = store
            .get(u64::from_be_bytes(wire))
            .expect("the server stored Telethon's key");
        assert_eq!(hex_encode(&stored.key_id_bytes()), parts[1]);
    }
    stop.send(()).unwrap();
}
