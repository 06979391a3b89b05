//! Verifying a typical request (5 covered components, 1 KiB body) beside the bare
//! HMAC-SHA256 over the same signature base.
//!
//! `bare_hmac_sha256_base` is the floor: the MAC of the already-built base. `signature_base`
//! builds the base from the request; `verify_signature` is the sans-IO check (policy, base,
//! MAC, time, Content-Digest of the body); `verifier_verify` adds parsing the two fields, the
//! key lookup and the memory replay guard (a fresh nonce each time); `sign_request` signs.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::Mac as _;
use keyauth_core::{FixedClock, MemoryReplayGuard, UnixTime};
use keyauth_httpsig::{
    Check, FieldTypes, Message, Policy, RequestView, SignOptions, Signer, SigningKey, StaticKeys,
    Verifier, parse_signature, parse_signature_input, signature_base, verify_signature,
};

const NOW: u64 = 1_700_000_000;

fn request(signer: &Signer, nonce: &str) -> (http::request::Parts, Vec<u8>) {
    let body = vec![b'x'; 1024];
    let req = http::Request::post("https://api.example/orders?id=7")
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (mut parts, ()) = req.into_parts();
    let opts = SignOptions {
        created: Some(NOW),
        expires: None,
        nonce: Some(nonce.to_owned()),
    };
    signer.sign_request_parts(&mut parts, &body, &opts).unwrap();
    (parts, body)
}

fn benches(c: &mut Criterion) {
    let secret = b"a benchmark secret of 32 bytes!!";
    let key = SigningKey::hmac_sha256(secret);
    let clock = Arc::new(FixedClock::new(UnixTime::new(NOW)));
    let signer = Signer::new(key.clone()).keyid("k").clock(clock.clone());
    let (parts, body) = request(&signer, "bench-nonce-0000");
    let view = RequestView::from_parts(&parts);
    let msg = Message::Request(view);
    let (_, params) = parse_signature_input(&parts.headers).unwrap().remove(0);
    let sig = parse_signature(&parts.headers).unwrap().remove(0).1;
    assert_eq!(params.covered().len(), 5);
    let types = FieldTypes::new();
    let base = signature_base(&msg, &params, &types).unwrap();
    let policy = Policy::default();
    let vk = key.verifying_key();
    let check = Check {
        policy: &policy,
        types: &types,
        now: UnixTime::new(NOW),
    };

    let mut g = c.benchmark_group("httpsig-5-components-1KiB");
    g.bench_function("bare_hmac_sha256_base", |b| {
        b.iter(|| {
            let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
            m.update(black_box(&base));
            black_box(m.finalize())
        });
    });
    // The digest `Content-Digest` carries: SHA-256 over the 1 KiB body.
    g.bench_function("bare_sha256_body", |b| {
        b.iter(|| black_box(<sha2::Sha256 as sha2::Digest>::digest(black_box(&body))));
    });
    g.bench_function("signature_base", |b| {
        b.iter(|| black_box(signature_base(black_box(&msg), &params, &types).unwrap()));
    });
    g.bench_function("verify_signature", |b| {
        b.iter(|| verify_signature(black_box(&msg), &body, &params, &sig, &vk, &check).unwrap());
    });
    // Each iteration a new nonce, so the replay guard takes it (capacity sized for the run).
    let verifier = Verifier::builder(StaticKeys::new().with("k", key.verifying_key()))
        .clock(clock.clone())
        .replay_guard(Arc::new(MemoryReplayGuard::with_clock(10_000_000, clock)))
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut n = 0u64;
    g.bench_function("verifier_verify", |b| {
        b.iter_batched(
            || {
                n += 1;
                request(&signer, &format!("nonce-{n:016}"))
            },
            |(parts, body)| rt.block_on(verifier.verify_request(&parts, &body)).unwrap(),
            criterion::BatchSize::SmallInput,
        );
    });
    g.bench_function("sign_request", |b| {
        b.iter(|| request(&signer, "bench-nonce-0001"));
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
