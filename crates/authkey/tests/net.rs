//! The tokio server and client on 127.0.0.1: a key created over every TCP transport and
//! proved with an encrypted ping, concurrent handshakes, temporary keys that expire, the
//! per-peer limit, refusals as transport errors, graceful shutdown; keys stored in Redis when
//! `KEYAUTH_REDIS_URL` is set.
#![cfg(feature = "net")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use authkey::handshake::tl::InnerKind;
use authkey::handshake::{ClientConfig, HandshakeError, RsaPrivateKey, ServerConfig, ServerKey};
use authkey::net::{ConnError, Server, ServerOptions, Transport, create_key, ping};
use authkey::{AuthKeyManager, MemoryAuthKeyManager};
use keyauth_core::encoding::hex_decode;
use serde_json::Value;
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

fn client(inner: InnerKind) -> Arc<ClientConfig> {
    let k: Arc<dyn ServerKey> = Arc::new(vector_key().public().clone());
    Arc::new(ClientConfig::new(vec![k]).inner(inner))
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
async fn every_transport_creates_and_proves_a_key() {
    let store = Arc::new(MemoryAuthKeyManager::new());
    let (addr, stop, task) = start(store.clone(), ServerOptions::default()).await;
    for name in [
        "abridged",
        "intermediate",
        "padded_intermediate",
        "full",
        "obfuscated_abridged",
        "obfuscated_intermediate",
        "obfuscated_padded_intermediate",
    ] {
        let t = Transport::from_name(name).unwrap();
        let mut s = create_key(&addr, t, client(InnerKind::Dc { dc: 2 }), T)
            .await
            .unwrap();
        let id = s.created.auth_key.id();
        assert_eq!(store.get(id).unwrap(), s.created.auth_key, "{name}");
        // Salt 0 first (as Telethon): the server answers bad_server_salt, then pong.
        ping(&mut s.conn, &s.created.auth_key, 0, s.created.time_offset)
            .await
            .unwrap();
        ping(&mut s.conn, &s.created.auth_key, s.created.server_salt, 0)
            .await
            .unwrap();
    }
    assert_eq!(store.len(), 7);
    stop.send(()).unwrap();
    tokio::time::timeout(T, task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_handshakes_and_temporary_keys() {
    let store = Arc::new(MemoryAuthKeyManager::new());
    let options = ServerOptions {
        peer_burst: 16,
        ..ServerOptions::default()
    };
    let (addr, stop, _task) = start(store.clone(), options).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let inner = if i % 2 == 0 {
                InnerKind::Dc { dc: 2 }
            } else {
                InnerKind::TempDc {
                    dc: 2,
                    expires_in: 1,
                }
            };
            let t = Transport::from_name("intermediate").unwrap();
            let s = create_key(&addr, t, client(inner), T).await.unwrap();
            (s.created.auth_key.id(), s.created.expires_in)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    assert_eq!(store.len(), 8);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for (id, temp) in ids {
        assert_eq!(
            store.contains(id),
            temp.is_none(),
            "temporary keys expire, others stay"
        );
    }
    stop.send(()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_refusals_are_transport_errors() {
    let store = Arc::new(MemoryAuthKeyManager::new());
    let options = ServerOptions {
        peer_burst: 1,
        peer_per_second: 0.001,
        ..ServerOptions::default()
    };
    let (addr, stop, _task) = start(store.clone(), options).await;
    let t = Transport::from_name("abridged").unwrap();
    create_key(&addr, t, client(InnerKind::Dc { dc: 2 }), T)
        .await
        .unwrap();
    let err = create_key(&addr, t, client(InnerKind::Dc { dc: 2 }), T)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConnError::Handshake(HandshakeError::TransportError { code: -429 })
        ),
        "{err:?}"
    );
    stop.send(()).unwrap();
    // An unknown key: -404.
    let (addr, stop, _task) = start(store.clone(), ServerOptions::default()).await;
    let mut s = create_key(&addr, t, client(InnerKind::Dc { dc: 2 }), T)
        .await
        .unwrap();
    let other = authkey::AuthKey::from_bytes(&[9; 256]);
    let err = ping(&mut s.conn, &other, 0, 0).await.unwrap_err();
    assert!(
        matches!(
            err,
            ConnError::Handshake(HandshakeError::TransportError { code: -404 })
        ),
        "{err:?}"
    );
    stop.send(()).unwrap();
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_stored_in_redis() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let store =
        Arc::new(authkey::RedisAuthKeyManager::new(&keyauth_core::RedisOptions::new(url)).unwrap());
    let (addr, stop, _task) = start(
        store.clone(),
        ServerOptions {
            peer_burst: 16,
            ..ServerOptions::default()
        },
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let inner = if i == 0 {
                InnerKind::TempDc {
                    dc: 2,
                    expires_in: 1,
                }
            } else {
                InnerKind::Dc { dc: 2 }
            };
            let mut s = create_key(
                &addr,
                Transport::from_name("full").unwrap(),
                client(inner),
                T,
            )
            .await
            .unwrap();
            ping(&mut s.conn, &s.created.auth_key, s.created.server_salt, 0)
                .await
                .unwrap();
            (s.created.auth_key, s.created.expires_in)
        }));
    }
    let mut keys = Vec::new();
    for t in tasks {
        keys.push(t.await.unwrap());
    }
    for (k, _) in &keys {
        assert_eq!(&store.get_key(k.id()).await.unwrap(), k);
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;
    for (k, temp) in &keys {
        assert_eq!(store.has_key(k.into()).await.unwrap(), temp.is_none());
        if temp.is_none() {
            store.del_key(k.into()).await.unwrap();
        }
    }
    stop.send(()).unwrap();
}
