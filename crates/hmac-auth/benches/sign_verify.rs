//! Signing and checking beside a bare HMAC-SHA256 over the same bytes.
//!
//! `bare_hmac` is the floor: HMAC-SHA256 of the body, nothing else. `make_hmac` adds the
//! base64 encoding; `validate_*` recompute and compare (constant time) the token upstream
//! would.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::Mac as _;
use hmac_auth::{Hmac, Key};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let hmac = Hmac::builder()
        .key(Key::latin1("s3cr3tk3y").unwrap())
        .service("aservice", Key::latin1("akey").unwrap())
        .build();
    let global_only = Hmac::new(Key::latin1("s3cr3tk3y").unwrap());
    let mut group = c.benchmark_group("hmac-auth");
    for size in [64usize, 1024, 16 * 1024] {
        let body = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(
            BenchmarkId::new("bare_hmac_sha256", size),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cr3tk3y").unwrap();
                    m.update(black_box(body));
                    m.finalize().into_bytes()
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("make_hmac", size), &body, |b, body| {
            b.iter(|| hmac.make_hmac(black_box(body)).unwrap());
        });

        let mut headers = http::HeaderMap::new();
        headers.insert("signature", hmac.make_hmac(&body).unwrap().parse().unwrap());
        group.bench_with_input(
            BenchmarkId::new("validate_global_key", size),
            &body,
            |b, body| {
                b.iter(|| {
                    global_only
                        .validate_headers(black_box(&headers), black_box(body), None)
                        .unwrap()
                });
            },
        );
        let mut svc = http::HeaderMap::new();
        svc.insert(
            "signature",
            hmac.make_hmac_for("aservice", &body)
                .unwrap()
                .parse()
                .unwrap(),
        );
        group.bench_with_input(
            BenchmarkId::new("validate_service_token", size),
            &body,
            |b, body| {
                b.iter(|| {
                    hmac.validate_headers(black_box(&svc), black_box(body), None)
                        .unwrap()
                });
            },
        );
    }
    group.finish();
}

criterion_group!(sign_verify, benches);
criterion_main!(sign_verify);
