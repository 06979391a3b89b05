//! Replay-guard checks per second: the memory guard, and the Redis guard beside a raw
//! `SET key 1 NX EXAT t` loop on a plain redis-rs connection of the same kind (the primitive it
//! wraps), on one node and on a Redis Cluster, with and without `WAIT 1`.
//!
//! Redis: private servers from keyauth-testkit (a durable master with one replica; a 3+3
//! Cluster unless `KEYAUTH_REDIS_CLUSTER_URLS` names one); without `redis-server` the Redis
//! benches are skipped with a message.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyauth_core::{
    Clock, MemoryReplayGuard, RedisOptions, RedisReplayGuard, ReplayGuard, SystemClock,
};
use keyauth_testkit::{RedisCluster, RedisServer};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_id() -> [u8; 8] {
    COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes()
}

fn memory(c: &mut Criterion) {
    let mut g = c.benchmark_group("replay_memory");
    g.throughput(Throughput::Elements(1));
    let guard = MemoryReplayGuard::new(50_000_000);
    let until = SystemClock.now().saturating_add(3_600);
    g.bench_function("check_and_mark fresh", |b| {
        b.iter(|| guard.check_and_mark_now(black_box(&next_id()), until))
    });
    let seen = next_id();
    let _ = guard.check_and_mark_now(&seen, until);
    g.bench_function("check_and_mark replayed", |b| {
        b.iter(|| guard.check_and_mark_now(black_box(&seen), until))
    });
    g.finish();
}

enum Raw {
    Single(redis::aio::ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl Raw {
    async fn set_nx(&self, key: Vec<u8>, exat: u64) -> Option<String> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(1).arg("NX").arg("EXAT").arg(exat);
        match self {
            Self::Single(c) => cmd.query_async(&mut c.clone()).await.expect("SET"),
            Self::Cluster(c) => cmd.query_async(&mut c.clone()).await.expect("SET"),
        }
    }
}

fn group(
    c: &mut Criterion,
    name: &str,
    rt: &tokio::runtime::Runtime,
    opts: &RedisOptions,
    raw: &Raw,
) {
    let guard = RedisReplayGuard::new(&opts.clone().no_wait()).expect("guard");
    let waiting = RedisReplayGuard::new(
        &opts
            .clone()
            .wait_for_replicas(1, Duration::from_millis(500)),
    )
    .expect("guard");
    let until = SystemClock.now().saturating_add(59);
    let exat = until.as_secs() + 1;
    // Connect and read the settings before measuring.
    rt.block_on(guard.check_and_mark(&next_id(), until))
        .expect("Redis answers");
    // The replica may still be syncing: bounded tries until WAIT 1 is acknowledged.
    let synced = (0..100).any(|_| {
        let ok = rt
            .block_on(waiting.check_and_mark(&next_id(), until))
            .is_ok();
        if !ok {
            std::thread::sleep(Duration::from_millis(100));
        }
        ok
    });
    assert!(synced, "no replica acknowledged");

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(20);
    g.bench_function("raw SET NX EXAT", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let mut key = b"bench:raw:".to_vec();
                    key.extend_from_slice(&next_id());
                    black_box(raw.set_nx(key, exat).await);
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("guard check_and_mark", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    guard
                        .check_and_mark(black_box(&next_id()), until)
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("guard check_and_mark + WAIT 1", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    waiting
                        .check_and_mark(black_box(&next_id()), until)
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

fn redis(c: &mut Criterion) {
    if !keyauth_testkit::redis_server_available() {
        eprintln!("skipping Redis benches: no redis-server");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The connections spawn their reconnection tasks on the runtime.
    let _enter = rt.enter();

    let master = RedisServer::start().expect("redis-server");
    let _replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()])
            .expect("replica");
    let opts = RedisOptions::new(master.url()).prefix("bench:replay:");
    let raw = Raw::Single(
        rt.block_on(redis::aio::ConnectionManager::new(
            redis::Client::open(master.url()).unwrap(),
        ))
        .unwrap(),
    );
    group(c, "replay_redis_single", &rt, &opts, &raw);

    let mut _cluster = None;
    let seeds = match std::env::var("KEYAUTH_REDIS_CLUSTER_URLS") {
        Ok(s) if !s.is_empty() => s.split(',').map(str::to_owned).collect::<Vec<_>>(),
        _ => match RedisCluster::start() {
            Ok(cl) => {
                let urls = cl.urls();
                _cluster = Some(cl);
                urls
            }
            Err(e) => {
                eprintln!("skipping the Cluster benches: no cluster ({e})");
                return;
            }
        },
    };
    let opts = RedisOptions::cluster(seeds.clone()).prefix("bench:replay:");
    let client = redis::cluster::ClusterClient::new(seeds).unwrap();
    let raw = Raw::Cluster(rt.block_on(client.get_async_connection()).unwrap());
    group(c, "replay_redis_cluster", &rt, &opts, &raw);
}

criterion_group!(benches, memory, redis);
criterion_main!(benches);
