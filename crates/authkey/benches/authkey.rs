//! Auth key ids, the memory manager and MTProto 2.0 crypto, each beside the raw primitive it
//! wraps: SHA-1 of 256 bytes, a locked `HashMap` lookup, and AES-256-IGE over the same bytes.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aes::Aes256;
use authkey::{AuthKey, AuthKeyManager, Direction, MemoryAuthKeyManager};
use cipher::block_padding::NoPadding;
use cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sha1::{Digest, Sha1};

fn key(seed: u32) -> AuthKey {
    let mut bytes = [0u8; 256];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (seed.wrapping_mul(2_654_435_761).rotate_left(i as u32 % 32) as u8) ^ (i as u8);
    }
    AuthKey::from_bytes(&bytes)
}

/// Polls a future that never waits (the memory manager's) to completion.
fn now<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn ids(c: &mut Criterion) {
    let mut g = c.benchmark_group("id");
    let bytes = *key(1).expose_secret();
    g.bench_function("raw_sha1_256_bytes", |b| {
        b.iter(|| black_box(Sha1::digest(black_box(&bytes))))
    });
    g.bench_function("AuthKey::from_bytes+id", |b| {
        b.iter(|| black_box(AuthKey::from_bytes(black_box(&bytes)).id()))
    });
    let k = key(1);
    g.bench_function("id()_of_built_key", |b| {
        b.iter(|| black_box(black_box(&k).id()))
    });
    g.finish();
}

const KEYS: u32 = 10_000;

fn memory_get(c: &mut Criterion) {
    let manager = Arc::new(MemoryAuthKeyManager::new());
    let raw: Arc<RwLock<HashMap<u64, AuthKey>>> = Arc::default();
    let mut ids = Vec::new();
    for i in 0..KEYS {
        let k = key(i);
        ids.push(k.id());
        raw.write().unwrap().insert(k.id(), k.clone());
        manager.insert(k);
    }
    let ids = Arc::new(ids);
    let mut g = c.benchmark_group("memory_get_key");
    g.throughput(Throughput::Elements(1));
    for threads in [1usize, 2] {
        g.bench_function(BenchmarkId::new("raw_rwlock_hashmap", threads), |b| {
            b.iter_custom(|iters| {
                run_threads(threads, iters, {
                    let (raw, ids) = (raw.clone(), ids.clone());
                    move |i| {
                        let k = raw.read().unwrap().get(&ids[i % ids.len()]).cloned();
                        black_box(k.is_some());
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("AuthKeyManager::get_key", threads), |b| {
            b.iter_custom(|iters| {
                run_threads(threads, iters, {
                    let (m, ids) = (manager.clone(), ids.clone());
                    move |i| {
                        let m: &dyn AuthKeyManager = &*m;
                        black_box(now(m.get_key(ids[i % ids.len()])).is_ok());
                    }
                })
            })
        });
    }
    g.finish();
}

/// Runs `iters` calls of `op` split over `threads` OS threads; the wall time they took.
fn run_threads(
    threads: usize,
    iters: u64,
    op: impl Fn(usize) + Send + Sync + Clone + 'static,
) -> Duration {
    let per = usize::try_from(iters).unwrap().div_ceil(threads);
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (op, barrier) = (op.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..per {
                    op(i.wrapping_mul(7919).wrapping_add(t * 104_729));
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

fn crypto(c: &mut Criterion) {
    let k = key(42);
    let kiv = authkey::mtproto::derive_aes_key_iv(&k, &[3; 16], Direction::ClientToServer);
    for (label, size) in [
        ("128B", 128usize),
        ("1KiB", 1024),
        ("64KiB", 64 * 1024),
        ("1MiB", 1024 * 1024),
    ] {
        let mut g = c.benchmark_group(format!("mtproto/{label}"));
        g.throughput(Throughput::Bytes(size as u64));
        if size > 64 * 1024 {
            g.sample_size(20);
        }
        // Plaintext that, with the 12..27 bytes of padding, fills whole blocks.
        let plain = vec![0x5au8; size - 16];
        let data = vec![0x5au8; size];
        g.bench_function("raw_aes256_ige_encrypt", |b| {
            let mut buf = data.clone();
            b.iter(|| {
                ige::Encryptor::<Aes256>::new(kiv.key().into(), kiv.iv().into())
                    .encrypt_padded_mut::<NoPadding>(&mut buf, size)
                    .unwrap();
                black_box(&buf);
            })
        });
        g.bench_function("raw_aes256_ige_decrypt", |b| {
            let mut buf = data.clone();
            b.iter(|| {
                ige::Decryptor::<Aes256>::new(kiv.key().into(), kiv.iv().into())
                    .decrypt_padded_mut::<NoPadding>(&mut buf)
                    .unwrap();
                black_box(&buf);
            })
        });
        let padding = [0x11u8; 16];
        g.bench_function("encrypt_with_padding", |b| {
            b.iter(|| {
                black_box(
                    k.encrypt_with_padding(Direction::ClientToServer, black_box(&plain), &padding)
                        .unwrap(),
                )
            })
        });
        g.bench_function("encrypt", |b| {
            b.iter(|| {
                black_box(
                    k.encrypt(Direction::ClientToServer, black_box(&plain))
                        .unwrap(),
                )
            })
        });
        let packet = k.encrypt(Direction::ClientToServer, &plain).unwrap();
        g.bench_function("decrypt", |b| {
            b.iter(|| {
                black_box(
                    k.decrypt(Direction::ClientToServer, black_box(&packet))
                        .unwrap(),
                )
            })
        });
        // Into a buffer the caller keeps (no allocation, no wipe on drop).
        g.bench_function("decrypt_into", |b| {
            let mut out = Vec::with_capacity(packet.len());
            b.iter(|| {
                k.decrypt_into(Direction::ClientToServer, black_box(&packet), &mut out)
                    .unwrap();
                black_box(&out);
            })
        });
        g.bench_function("decrypt_in_place", |b| {
            b.iter_batched_ref(
                || packet.clone(),
                |p| {
                    black_box(
                        k.decrypt_in_place(Direction::ClientToServer, black_box(p))
                            .unwrap()
                            .len(),
                    );
                },
                criterion::BatchSize::LargeInput,
            )
        });
        g.bench_function("raw_sha256_msg_key_only", |b| {
            b.iter(|| {
                black_box(authkey::mtproto::msg_key(
                    &k,
                    black_box(&data),
                    Direction::ClientToServer,
                ))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, ids, memory_get, crypto);
criterion_main!(benches);
