//! RedisReplayGuard against real Redis servers.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use keyauth_core::{
    Clock, RedisFailure, RedisOptions, RedisReplayGuard, ReplayError, ReplayGuard, SystemClock,
};
use keyauth_testkit::{RedisServer, redis_server_available, redis_url};

fn unique(tag: &str) -> Vec<u8> {
    format!(
        "{tag}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_redis_fresh_once_then_replayed_then_expires() {
    let Some(url) = redis_url() else { return };
    let guard = RedisReplayGuard::new(&RedisOptions::new(url).prefix("test:core:")).unwrap();
    let id = unique("expiring");
    let until = SystemClock.now().saturating_add(1);
    assert_eq!(guard.check_and_mark(&id, until).await, Ok(()));
    assert_eq!(
        guard.check_and_mark(&id, until).await,
        Err(ReplayError::Replayed)
    );
    // Gone once `until` has passed: EXAT is until+1, so wait past that second.
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    let later = SystemClock.now().saturating_add(60);
    assert_eq!(guard.check_and_mark(&id, later).await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connections_one_winner() {
    let Some(url) = redis_url() else { return };
    let a = Arc::new(RedisReplayGuard::new(&RedisOptions::new(url.clone())).unwrap());
    let b = Arc::new(RedisReplayGuard::new(&RedisOptions::new(url)).unwrap());
    let until = SystemClock.now().saturating_add(60);
    for round in 0..50 {
        let id = unique(&format!("race{round}"));
        let (ra, rb) = tokio::join!(
            {
                let (a, id) = (a.clone(), id.clone());
                async move { a.check_and_mark(&id, until).await }
            },
            {
                let (b, id) = (b.clone(), id.clone());
                async move { b.check_and_mark(&id, until).await }
            }
        );
        let fresh = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!(fresh, 1, "round {round}: {ra:?} {rb:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_is_an_error_never_fresh_and_recovers() {
    if !redis_server_available() {
        return;
    }
    let mut server = RedisServer::start().unwrap();
    let guard = RedisReplayGuard::new(
        &RedisOptions::new(server.url())
            // Generous: a stopped server refuses at once, so only a busy machine (CI compiling
            // beside the tests) ever waits this long, and then it must not fail the test.
            .connect_timeout(Duration::from_secs(3))
            .response_timeout(Duration::from_secs(3))
            .retries(1),
    )
    .unwrap();
    let until = SystemClock.now().saturating_add(600);
    assert_eq!(guard.check_and_mark(b"before", until).await, Ok(()));

    server.stop();
    for id in [&b"during-1"[..], b"during-2", b"before"] {
        match guard.check_and_mark(id, until).await {
            Err(ReplayError::Redis(f)) => {
                assert!(
                    matches!(f, RedisFailure::Connection { .. } | RedisFailure::Timeout),
                    "{f:?}"
                );
                assert_eq!(
                    ReplayError::Redis(f).kind(),
                    keyauth_core::ErrorKind::Unavailable
                );
            }
            other => panic!("Redis is down, got {other:?}"),
        }
    }

    server.restart().unwrap();
    // The manager reconnects on its own; give it a bounded number of tries.
    let mut answer = None;
    for _ in 0..50 {
        match guard.check_and_mark(b"after", until).await {
            Err(ReplayError::Redis(f)) if f.is_topology_change() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => {
                answer = Some(other);
                break;
            }
        }
    }
    assert_eq!(answer, Some(Ok(())), "guard did not recover");
    // Marked before the crash, kept by the append-only file.
    assert_eq!(
        guard.check_and_mark(b"before", until).await,
        Err(ReplayError::Replayed)
    );
}

#[tokio::test]
async fn unparsable_url_is_a_typed_error() {
    let err = RedisReplayGuard::new(&RedisOptions::new("not a url")).unwrap_err();
    assert!(
        matches!(err, ReplayError::Redis(RedisFailure::BadConfig { .. })),
        "{err:?}"
    );
    assert_eq!(err.code(), "redis_bad_config");
    assert_eq!(err.kind(), keyauth_core::ErrorKind::Malformed);
}

#[test]
fn outside_a_runtime_is_a_typed_error_not_a_panic() {
    let err = RedisReplayGuard::new(&RedisOptions::new("redis://127.0.0.1:1/")).unwrap_err();
    assert_eq!(
        err,
        ReplayError::Unavailable {
            reason: "must be called inside a tokio runtime".into()
        }
    );
}
