//! RedisAuthKeyManager::get_key beside a raw `GET` loop on the same connection setup
//! (keyauth-core's `RedisOptions::connection_manager()`). Uses `KEYAUTH_REDIS_URL`, else a
//! private `redis-server`; skipped with a message when neither is available.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;
use std::time::Instant;

use authkey::{AuthKey, AuthKeyManager, RedisAuthKeyManager};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyauth_core::RedisOptions;
use keyauth_testkit::RedisServer;

fn redis_bench(c: &mut Criterion) {
    let mut _server = None;
    let url = match std::env::var("KEYAUTH_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => match RedisServer::start() {
            Ok(s) => {
                let url = s.url();
                _server = Some(s);
                url
            }
            Err(e) => {
                eprintln!(
                    "skipping the Redis bench: no KEYAUTH_REDIS_URL and no redis-server ({e})"
                );
                return;
            }
        },
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The connection managers spawn their reconnection tasks on the current runtime.
    let _guard = rt.enter();
    let options = RedisOptions::new(url);
    let prefix = format!("bench:authkey:{}:", std::process::id());
    let manager = RedisAuthKeyManager::new(&options)
        .unwrap()
        .with_prefix(prefix.clone());
    let key = AuthKey::from_bytes(&[0x77; 256]);
    let id = key.id();
    if let Err(e) = rt.block_on(manager.set_key(key)) {
        eprintln!("skipping the Redis bench: Redis does not answer ({e})");
        return;
    }
    let raw = options.connection().unwrap();
    let raw_key = format!("{prefix}{id:016x}");

    let mut g = c.benchmark_group("redis_get_key");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw_GET", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let v: Option<Vec<u8>> =
                        raw.query(redis::cmd("GET").arg(&raw_key)).await.unwrap();
                    black_box(v);
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("RedisAuthKeyManager::get_key", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(manager.get_key(id).await.unwrap());
                }
                start.elapsed()
            })
        })
    });
    g.finish();
    rt.block_on(manager.del_key(id.into())).unwrap();
}

criterion_group!(benches, redis_bench);
criterion_main!(benches);
