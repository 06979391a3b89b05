//! Replay-guard checks per second: the memory guard, and the Redis guard beside a raw
//! `SET key 1 NX EXAT t` loop over the same kind of connection (the baseline it wraps).
//!
//! Redis: `KEYAUTH_REDIS_URL`, else a private `redis-server` is spawned; without either the
//! Redis benches are skipped with a message.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyauth_core::{
    Clock, MemoryReplayGuard, RedisOptions, RedisReplayGuard, ReplayGuard, SystemClock,
};

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

fn redis(c: &mut Criterion) {
    let mut _server = None;
    let url = match std::env::var("KEYAUTH_REDIS_URL") {
        Ok(url) => url,
        Err(_) => match keyauth_testkit::RedisServer::start() {
            Ok(s) => {
                let url = s.url();
                _server = Some(s);
                url
            }
            Err(e) => {
                eprintln!("skipping Redis benches: no KEYAUTH_REDIS_URL and no redis-server ({e})");
                return;
            }
        },
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = RedisOptions::new(url).prefix("bench:replay:");
    // Both connection managers spawn their reconnect task on the runtime.
    let _enter = rt.enter();
    let guard = RedisReplayGuard::new(&opts).expect("guard");
    let raw = opts.connection().expect("connection");
    let exat = SystemClock.now().as_secs() + 60;
    let until = SystemClock.now().saturating_add(59);

    let mut g = c.benchmark_group("replay_redis");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw SET NX EXAT", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut key = b"bench:raw:".to_vec();
                key.extend_from_slice(&next_id());
                let r: Option<String> = raw
                    .query(
                        redis::cmd("SET")
                            .arg(key)
                            .arg(1)
                            .arg("NX")
                            .arg("EXAT")
                            .arg(exat),
                    )
                    .await
                    .expect("SET");
                black_box(r)
            })
        })
    });
    g.bench_function("RedisReplayGuard check_and_mark", |b| {
        b.iter(|| rt.block_on(async { black_box(guard.check_and_mark(&next_id(), until).await) }))
    });
    g.finish();
}

criterion_group!(benches, memory, redis);
criterion_main!(benches);
