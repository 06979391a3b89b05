//! What the server promises: a non-durable or evicting Redis is refused at connect by the
//! replay guard's default policy, with a typed error; relaxed to `Warn`, it is used and the
//! documented warning is logged through `tracing`; a server that refuses `CONFIG` is used with
//! a warning. Each case runs its own private redis-server on 127.0.0.1.
#![cfg(feature = "redis")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use keyauth_core::{
    Clock, DurabilityPolicy, RedisFailure, RedisOptions, RedisReplayGuard, ReplayError,
    ReplayGuard, SystemClock,
};
use keyauth_testkit::{RedisServer, redis_server_available};

/// Every `tracing` event's fields, as text, for the whole test binary.
fn logs() -> &'static Mutex<Vec<String>> {
    static LOGS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let sub = Capture;
        let _ = tracing::subscriber::set_global_default(sub);
        Mutex::new(Vec::new())
    })
}

struct Capture;

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut f = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut f);
        logs().lock().unwrap().push(f.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn opts(server: &RedisServer) -> RedisOptions {
    RedisOptions::new(server.url())
        .connect_timeout(Duration::from_secs(3))
        .response_timeout(Duration::from_secs(3))
}

fn warnings_with(code: &str) -> usize {
    logs()
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("WARN") && l.contains(&format!("code=\"{code}\"")))
        .count()
}

async fn check(guard: &RedisReplayGuard, id: &[u8]) -> Result<(), ReplayError> {
    guard
        .check_and_mark(id, SystemClock.now().saturating_add(60))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_durable_server_refused_by_default_warned_when_relaxed() {
    let _ = logs();
    if !redis_server_available() {
        return;
    }
    let server = RedisServer::start_with(&["--appendonly", "no"]).unwrap();
    let guard = RedisReplayGuard::new(&opts(&server)).unwrap();
    let err = check(&guard, b"a").await.unwrap_err();
    assert_eq!(
        err,
        ReplayError::Redis(RedisFailure::NotDurable {
            setting: "appendonly no".into()
        })
    );
    assert_eq!(err.code(), "redis_not_durable");
    assert_eq!(err.kind(), keyauth_core::ErrorKind::Unavailable);
    // Refused every time, not only once.
    assert_eq!(check(&guard, b"a").await, Err(err.clone()));

    let before = warnings_with("redis_not_durable");
    let relaxed = RedisReplayGuard::new(&opts(&server).durability(DurabilityPolicy::Warn)).unwrap();
    assert_eq!(check(&relaxed, b"a").await, Ok(()));
    assert_eq!(check(&relaxed, b"a").await, Err(ReplayError::Replayed));
    assert_eq!(
        warnings_with("redis_not_durable"),
        before + 1,
        "one warning per connection"
    );

    let accepting =
        RedisReplayGuard::new(&opts(&server).durability(DurabilityPolicy::Accept)).unwrap();
    assert_eq!(check(&accepting, b"b").await, Ok(()));
    assert_eq!(
        warnings_with("redis_not_durable"),
        before + 1,
        "Accept does not look"
    );

    // Fixing the setting at runtime is picked up by the refusing guard.
    let mut c = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("appendonly")
        .arg("yes")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(check(&guard, b"c").await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evicting_server_refused_by_default_warned_when_relaxed() {
    let _ = logs();
    if !redis_server_available() {
        return;
    }
    for policy in ["allkeys-lru", "volatile-ttl"] {
        let server =
            RedisServer::start_with(&["--maxmemory", "64mb", "--maxmemory-policy", policy])
                .unwrap();
        let guard = RedisReplayGuard::new(&opts(&server)).unwrap();
        let err = check(&guard, b"a").await.unwrap_err();
        assert_eq!(
            err,
            ReplayError::Redis(RedisFailure::Evicting {
                policy: policy.into()
            })
        );
        assert_eq!(err.code(), "redis_evicting");
        let before = warnings_with("redis_evicting");
        let relaxed =
            RedisReplayGuard::new(&opts(&server).durability(DurabilityPolicy::Warn)).unwrap();
        assert_eq!(check(&relaxed, b"a").await, Ok(()));
        assert_eq!(warnings_with("redis_evicting"), before + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_server_passes_and_its_settings_are_read() {
    if !redis_server_available() {
        return;
    }
    let server = RedisServer::start().unwrap();
    let guard = RedisReplayGuard::new(&opts(&server)).unwrap();
    assert_eq!(check(&guard, b"a").await, Ok(()));
    let settings = guard.connection().server_settings().await.unwrap();
    assert_eq!(settings.len(), 1);
    assert_eq!(settings[0].appendonly.as_deref(), Some("yes"));
    assert_eq!(settings[0].appendfsync.as_deref(), Some("always"));
    assert_eq!(settings[0].maxmemory_policy.as_deref(), Some("noeviction"));
    assert_eq!(settings[0].problem(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_refusing_config_is_used_with_a_warning() {
    let _ = logs();
    if !redis_server_available() {
        return;
    }
    // As managed services do: CONFIG renamed away.
    let server =
        RedisServer::start_with(&["--appendonly", "no", "--rename-command", "CONFIG", ""]).unwrap();
    let before = logs().lock().unwrap().len();
    let guard = RedisReplayGuard::new(&opts(&server)).unwrap();
    assert_eq!(check(&guard, b"a").await, Ok(()));
    assert_eq!(check(&guard, b"a").await, Err(ReplayError::Replayed));
    let logged = logs().lock().unwrap()[before..].join("\n");
    assert!(logged.contains("refused CONFIG GET"), "{logged}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_memory_is_typed() {
    if !redis_server_available() {
        return;
    }
    // noeviction (durable) and a tiny maxmemory: writes are refused with OOM.
    let server = RedisServer::start_with(&["--maxmemory", "1mb"]).unwrap();
    let guard = RedisReplayGuard::new(&opts(&server)).unwrap();
    let until = SystemClock.now().saturating_add(600);
    let mut oom = None;
    for i in 0..200_000u32 {
        match guard
            .check_and_mark(format!("fill-{i:0>200}").as_bytes(), until)
            .await
        {
            Ok(()) => {}
            Err(e) => {
                oom = Some(e);
                break;
            }
        }
    }
    let err = oom.expect("maxmemory reached");
    assert_eq!(err, ReplayError::Redis(RedisFailure::OutOfMemory));
    assert_eq!(err.code(), "redis_out_of_memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_typed_auth() {
    if !redis_server_available() {
        return;
    }
    let server = RedisServer::start_with(&["--requirepass", "right"]).unwrap();
    let url = format!("redis://:wrong@127.0.0.1:{}/", server.port());
    let guard = RedisReplayGuard::new(
        &RedisOptions::new(url)
            .connect_timeout(Duration::from_secs(3))
            .retries(0),
    )
    .unwrap();
    let err = check(&guard, b"a").await.unwrap_err();
    assert_eq!(err, ReplayError::Redis(RedisFailure::Auth), "{err:?}");
    assert_eq!(err.code(), "redis_auth_failed");
    // The right password works, through the URL.
    let ok = RedisReplayGuard::new(&RedisOptions::new(format!(
        "redis://:right@127.0.0.1:{}/",
        server.port()
    )))
    .unwrap();
    assert_eq!(check(&ok, b"a").await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_replica_is_typed() {
    if !redis_server_available() {
        return;
    }
    let master = RedisServer::start().unwrap();
    let replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()]).unwrap();
    let guard = RedisReplayGuard::new(&opts(&replica)).unwrap();
    let err = check(&guard, b"a").await.unwrap_err();
    assert_eq!(err, ReplayError::Redis(RedisFailure::ReadOnly), "{err:?}");
    assert_eq!(err.code(), "redis_read_only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_without_replicas_refuses_and_with_a_replica_passes() {
    if !redis_server_available() {
        return;
    }
    let master = RedisServer::start().unwrap();
    let waiting = opts(&master).wait_for_replicas(1, Duration::from_millis(100));
    let guard = RedisReplayGuard::new(&waiting).unwrap();
    let err = check(&guard, b"a").await.unwrap_err();
    assert_eq!(
        err,
        ReplayError::Redis(RedisFailure::ReplicationTimeout {
            acked: 0,
            wanted: 1
        })
    );
    assert_eq!(err.code(), "redis_replication_timeout");
    // The mark was written on the master: a retry is a replay (fail closed).
    assert_eq!(check(&guard, b"a").await, Err(ReplayError::Replayed));

    let _replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()]).unwrap();
    let mut passed = false;
    for i in 0..100 {
        match check(&guard, format!("b{i}").as_bytes()).await {
            Ok(()) => {
                passed = true;
                break;
            }
            Err(ReplayError::Redis(RedisFailure::ReplicationTimeout { .. })) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(passed, "the replica never acknowledged");
}
