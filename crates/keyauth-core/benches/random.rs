//! One OS random call (getrandom, what `keyauth_core::random` does) beside a per-thread
//! CSPRNG seeded once from the OS (rand 0.8's `ThreadRng`: ChaCha12, reseeded every 64 KiB and
//! after fork), for the sizes the schemes draw: a 6-byte nonce, a 16-byte IV, 32 bytes of
//! MTProto padding.
#![allow(clippy::unwrap_used, missing_docs)] // benchmark harness

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::RngCore as _;

fn bench(c: &mut Criterion) {
    for n in [6usize, 16, 32] {
        let mut g = c.benchmark_group(format!("random/{n}B"));
        g.bench_function("op_keyauth_random_fill", |b| {
            let mut buf = [0u8; 32];
            b.iter(|| {
                keyauth_core::random::fill(black_box(&mut buf[..n])).unwrap();
                black_box(&buf);
            });
        });
        g.bench_function("op_keyauth_random_fill_fast", |b| {
            let mut buf = [0u8; 32];
            b.iter(|| {
                keyauth_core::random::fill_fast(black_box(&mut buf[..n])).unwrap();
                black_box(&buf);
            });
        });
        g.bench_function("raw_getrandom", |b| {
            let mut buf = [0u8; 32];
            b.iter(|| {
                getrandom::getrandom(black_box(&mut buf[..n])).unwrap();
                black_box(&buf);
            });
        });
        g.bench_function("raw_thread_rng", |b| {
            let mut buf = [0u8; 32];
            b.iter(|| {
                rand::thread_rng().fill_bytes(black_box(&mut buf[..n]));
                black_box(&buf);
            });
        });
        g.finish();
    }
    // What a fork check per call would cost (getpid is a system call in glibc >= 2.25).
    c.bench_function("random/getpid", |b| {
        b.iter(|| black_box(std::process::id()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
