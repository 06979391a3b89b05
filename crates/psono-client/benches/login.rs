//! A login round trip against the test server over 127.0.0.1, beside the same crypto without
//! HTTP (request signing, server verification and sealing, signature check and box open).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/server/mod.rs"]
mod server;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use psono_client::server::{python_json, seal_login_response, verify_login_request};
use psono_client::{BoxSecretKey, Client, LoginRequest, SigningSeed};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let srv = rt.block_on(server::TestServer::start());
    let client = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let mut g = c.benchmark_group("login");
    g.bench_function("crypto_only", |b| {
        let api_key = SigningSeed::from_bytes([5; 32]);
        let server_key = SigningSeed::from_bytes([6; 32]);
        let verify = api_key.verify_key();
        let server_verify = server_key.verify_key();
        let plaintext = python_json(&json!({"token": "ab".repeat(64), "session_valid_till": "2026-01-01T00:10:00+00:00",
            "session_secret_key": "cd".repeat(32), "api_key_restrict_to_secrets": false,
            "api_key_allow_insecure_access": false, "api_key_read": true, "api_key_write": false,
            "user": {"username": "alice", "public_key": "ef".repeat(32), "private_key": "01".repeat(80),
                     "private_key_nonce": "02".repeat(24), "secret_key": "03".repeat(80), "secret_key_nonce": "04".repeat(24)}}));
        b.iter(|| {
            let req = LoginRequest::builder("6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b")
                .device_description("bench")
                .build(&api_key, BoxSecretKey::generate().unwrap());
            let v = verify_login_request(req.info(), req.signature(), |_| Some(verify)).unwrap();
            let resp = seal_login_response(&plaintext, &server_key, &BoxSecretKey::generate().unwrap(), &v.session_public_key, &[0; 24]);
            black_box(req.open_response(&resp, &server_verify).unwrap())
        });
    });
    g.bench_function("round_trip_http", |b| {
        b.iter(|| black_box(rt.block_on(client.login()).unwrap()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
