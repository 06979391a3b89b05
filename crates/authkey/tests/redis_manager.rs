//! RedisAuthKeyManager against real Redis servers: sharing between independent managers,
//! a Redis that goes down (typed errors, never "absent") and comes back (recovery, keys kept
//! by the append-only file), and a corrupt entry.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![cfg(feature = "redis")]

use std::time::Duration;

use authkey::{AuthKey, AuthKeyManager, Error, RedisAuthKeyManager};
use keyauth_core::{RedisFailure, RedisOptions};
use keyauth_testkit::{RedisServer, redis_server_available, redis_url};

fn key(seed: u8) -> AuthKey {
    let mut bytes = [seed; 256];
    bytes[0] = 0x80;
    bytes[255] = seed.wrapping_mul(31);
    AuthKey::from_bytes(&bytes)
}

fn unique_prefix(tag: &str) -> String {
    format!(
        "test:authkey:{tag}:{}:{:?}:",
        std::process::id(),
        std::time::SystemTime::now()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_independent_managers_see_each_others_keys() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("shared");
    // Two managers, two connection managers: as two server processes would have.
    let a = RedisAuthKeyManager::new(&RedisOptions::new(url.clone()))
        .unwrap()
        .with_prefix(prefix.clone());
    let b = RedisAuthKeyManager::new(&RedisOptions::new(url.clone()))
        .unwrap()
        .with_prefix(prefix.clone());
    let other_app = RedisAuthKeyManager::new(&RedisOptions::new(url))
        .unwrap()
        .with_prefix(unique_prefix("other"));

    let k1 = key(1);
    let k2 = key(2);
    a.set_key(k1.clone()).await.unwrap();
    assert!(b.has_key((&k1).into()).await.unwrap());
    assert_eq!(b.get_key(k1.id()).await.unwrap(), k1);
    // A different prefix is a different store.
    assert!(!other_app.has_key(k1.id().into()).await.unwrap());

    b.set_key(k2.clone()).await.unwrap();
    assert_eq!(a.get_key(k2.id()).await.unwrap(), k2);
    let mut both = vec![k1.id(), k2.id()];
    both.sort_unstable();
    assert_eq!(a.ids().await.unwrap(), both);

    b.del_key(k1.id().into()).await.unwrap();
    assert!(!a.has_key(k1.id().into()).await.unwrap());
    assert_eq!(
        a.del_key(k1.id().into()).await,
        Err(Error::AuthKeyDoesNotExist { id: k1.id() })
    );
    assert_eq!(
        a.get_key(k1.id()).await,
        Err(Error::AuthKeyDoesNotExist { id: k1.id() })
    );
    a.del_key((&k2).into()).await.unwrap();
    assert!(a.ids().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_tasks_on_one_manager() {
    let Some(url) = redis_url() else { return };
    let m = std::sync::Arc::new(
        RedisAuthKeyManager::new(&RedisOptions::new(url))
            .unwrap()
            .with_prefix(unique_prefix("concurrent")),
    );
    let tasks: Vec<_> = (0u8..100)
        .map(|i| {
            let m = m.clone();
            tokio::spawn(async move {
                let k = key(i);
                m.set_key(k.clone()).await.unwrap();
                assert_eq!(m.get_key(k.id()).await.unwrap(), k);
                k.id()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.sort_unstable();
    assert_eq!(m.ids().await.unwrap(), ids);
    for id in ids {
        m.del_key(id.into()).await.unwrap();
    }
    assert!(m.ids().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_entry_is_an_error_not_a_key() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("corrupt");
    let m = RedisAuthKeyManager::new(&RedisOptions::new(url.clone()))
        .unwrap()
        .with_prefix(prefix.clone());
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let k = key(3);
    // Wrong length under the id.
    let () = redis::cmd("SET")
        .arg(format!("{prefix}{:016x}", k.id()))
        .arg(&b"short"[..])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        m.get_key(k.id()).await,
        Err(Error::CorruptEntry { id: k.id() })
    );
    // Another key's bytes under this id.
    let () = redis::cmd("SET")
        .arg(format!("{prefix}{:016x}", k.id()))
        .arg(&key(4).expose_secret()[..])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        m.get_key(k.id()).await,
        Err(Error::CorruptEntry { id: k.id() })
    );
    m.del_key(k.id().into()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_a_typed_error_then_recovers_and_keys_survive() {
    if !redis_server_available() {
        return;
    }
    let mut server = RedisServer::start().unwrap();
    let options = RedisOptions::new(server.url())
        // Generous: a stopped server refuses at once, so only a busy machine (CI compiling
        // beside the tests) ever waits this long, and then it must not fail the test.
        .connect_timeout(Duration::from_secs(3))
        .response_timeout(Duration::from_secs(3))
        .retries(1);
    let m = RedisAuthKeyManager::new(&options).unwrap();
    let before = key(10);
    m.set_key(before.clone()).await.unwrap();
    assert!(m.has_key((&before).into()).await.unwrap());

    server.stop();
    let during = key(11);
    // Every call answers Unavailable: never "absent", never "does not exist".
    let checks = [
        m.has_key(before.id().into()).await.map(|_| ()),
        m.get_key(before.id()).await.map(|_| ()),
        m.del_key(before.id().into()).await,
        m.set_key(during.clone()).await,
        m.has_key(12345.into()).await.map(|_| ()),
        m.get_key(12345).await.map(|_| ()),
    ];
    for (i, r) in checks.into_iter().enumerate() {
        match r {
            Err(Error::Redis(f)) => {
                assert!(
                    matches!(f, RedisFailure::Connection { .. } | RedisFailure::Timeout),
                    "check {i}: {f:?}"
                );
                assert_eq!(Error::Redis(f).kind(), keyauth_core::ErrorKind::Unavailable);
            }
            other => panic!("check {i}: Redis is down, got {other:?}"),
        }
    }

    server.restart().unwrap();
    // The connection manager reconnects on its own; bounded tries.
    let mut recovered = None;
    for _ in 0..50 {
        match m.get_key(before.id()).await {
            Err(Error::Redis(f)) if f.is_topology_change() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => {
                recovered = Some(other);
                break;
            }
        }
    }
    // Stored before the crash, kept by the append-only file.
    assert_eq!(
        recovered,
        Some(Ok(before.clone())),
        "manager did not recover"
    );
    // The write attempted while down did not happen.
    assert!(!m.has_key((&during).into()).await.unwrap());
    m.set_key(during.clone()).await.unwrap();
    assert_eq!(m.get_key(during.id()).await.unwrap(), during);
    // A second, fresh manager (another process after the restart) sees both.
    let fresh = RedisAuthKeyManager::new(&options).unwrap();
    let mut ids = vec![before.id(), during.id()];
    ids.sort_unstable();
    assert_eq!(fresh.ids().await.unwrap(), ids);
}

#[test]
fn outside_a_runtime_is_a_typed_error_not_a_panic() {
    let err = RedisAuthKeyManager::new(&RedisOptions::new("redis://127.0.0.1:1/")).unwrap_err();
    assert_eq!(
        err,
        Error::Unavailable {
            reason: "no tokio runtime (create the manager inside one)".into()
        }
    );
}

#[tokio::test]
async fn unparsable_url_is_a_typed_error() {
    let err = RedisAuthKeyManager::new(&RedisOptions::new("not a url")).unwrap_err();
    assert!(
        matches!(err, Error::Redis(RedisFailure::BadConfig { .. })),
        "{err:?}"
    );
    assert_eq!(err.code(), "redis_bad_config");
    assert_eq!(err.kind(), keyauth_core::ErrorKind::Malformed);
}

#[tokio::test]
async fn debug_shows_prefix_only() {
    let m = RedisAuthKeyManager::new(&RedisOptions::new("redis://127.0.0.1:1/"))
        .unwrap()
        .with_prefix("p:");
    assert_eq!(m.prefix(), "p:");
    assert_eq!(
        format!("{m:?}"),
        "RedisAuthKeyManager { prefix: \"p:\", .. }"
    );
}
