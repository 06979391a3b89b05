//! RedisAuthKeyManager `get_key` and `set_key` beside raw `GET` / `SET` loops on a plain
//! redis-rs connection of the same kind, on one node and on a Redis Cluster, `set_key` with
//! and without `WAIT 1`. Private servers from keyauth-testkit (a durable master with one
//! replica; a 3+3 Cluster unless `KEYAUTH_REDIS_CLUSTER_URLS` names one); skipped with a
//! message without `redis-server`.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use authkey::{AuthKey, AuthKeyManager, RedisAuthKeyManager};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyauth_core::RedisOptions;
use keyauth_testkit::{RedisCluster, RedisServer};

enum Raw {
    Single(redis::aio::ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl Raw {
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        match self {
            Self::Single(c) => cmd.query_async(&mut c.clone()).await.unwrap(),
            Self::Cluster(c) => cmd.query_async(&mut c.clone()).await.unwrap(),
        }
    }
}

fn timed<F: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    mut f: impl FnMut(u64) -> F,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for i in 0..iters {
            f(i).await;
        }
        start.elapsed()
    })
}

fn group(
    c: &mut Criterion,
    name: &str,
    rt: &tokio::runtime::Runtime,
    opts: &RedisOptions,
    raw: &Raw,
) {
    let prefix = format!("bench:authkey:{}:", std::process::id());
    let manager = RedisAuthKeyManager::new(opts)
        .unwrap()
        .with_prefix(prefix.clone());
    let waiting = RedisAuthKeyManager::new(
        &opts
            .clone()
            .wait_for_replicas(1, Duration::from_millis(500)),
    )
    .unwrap()
    .with_prefix(prefix.clone());
    let key = AuthKey::from_bytes(&[0x77; 256]);
    let id = key.id();
    rt.block_on(manager.set_key(key.clone())).unwrap();
    // The replica may still be syncing: bounded tries until WAIT 1 is acknowledged.
    let mut synced = false;
    for _ in 0..100 {
        if rt.block_on(waiting.set_key(key.clone())).is_ok() {
            synced = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(synced, "no replica acknowledged");
    let raw_key = format!("{prefix}{id:016x}");
    let bytes = key.expose_secret().to_vec();

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(20);
    g.bench_function("raw GET", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, |_| async {
                let v: Option<Vec<u8>> = raw.run(redis::cmd("GET").arg(&raw_key)).await;
                black_box(v);
            })
        })
    });
    g.bench_function("get_key", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, |_| async {
                black_box(manager.get_key(id).await.unwrap());
            })
        })
    });
    g.bench_function("raw SET", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, |_| async {
                let () = raw.run(redis::cmd("SET").arg(&raw_key).arg(&bytes)).await;
            })
        })
    });
    g.bench_function("set_key", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, |_| async {
                manager.set_key(key.clone()).await.unwrap();
            })
        })
    });
    g.bench_function("set_key + WAIT 1", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, |_| async {
                waiting.set_key(key.clone()).await.unwrap();
            })
        })
    });
    g.finish();
    rt.block_on(manager.del_key(id.into())).unwrap();
}

fn redis_bench(c: &mut Criterion) {
    if !keyauth_testkit::redis_server_available() {
        eprintln!("skipping the Redis benches: no redis-server");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The connections spawn their reconnection tasks on the current runtime.
    let _guard = rt.enter();
    let master = RedisServer::start().unwrap();
    let _replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()]).unwrap();
    let raw = Raw::Single(
        rt.block_on(redis::aio::ConnectionManager::new(
            redis::Client::open(master.url()).unwrap(),
        ))
        .unwrap(),
    );
    group(
        c,
        "authkey_redis_single",
        &rt,
        &RedisOptions::new(master.url()),
        &raw,
    );

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
    let client = redis::cluster::ClusterClient::new(seeds.clone()).unwrap();
    let raw = Raw::Cluster(rt.block_on(client.get_async_connection()).unwrap());
    group(
        c,
        "authkey_redis_cluster",
        &rt,
        &RedisOptions::cluster(seeds),
        &raw,
    );
}

criterion_group!(benches, redis_bench);
criterion_main!(benches);
