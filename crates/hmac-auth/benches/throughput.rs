//! Requests per second through the layer vs the same route without it, over loopback.
//!
//! One axum server (multi-threaded tokio runtime, 127.0.0.1, ephemeral port) serves `/bare`
//! and `/signed` (the same echo handler, the second behind `HmacAuthLayer`). Each iteration
//! sends a batch of 16 concurrent POSTs with a 64-byte (or 4 KiB) JSON body over a keep-alive
//! reqwest client; criterion reports batches as elements/s, i.e. requests/s. The load is
//! bounded by criterion's measurement time and by the batch size.

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac_auth::{Hmac, HmacAuthLayer, Key};

const BATCH: usize = 16;

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hmac = Hmac::new(Key::latin1("s3cr3tk3y").unwrap());
    let app = Router::new()
        .route("/bare", post(|b: Bytes| async move { b.len().to_string() }))
        .route(
            "/signed",
            post(|b: Bytes| async move { b.len().to_string() })
                .layer(HmacAuthLayer::new(hmac.clone())),
        );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    keyauth_testkit::reqwest_ready();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(BATCH)
        .build()
        .unwrap();

    let mut group = c.benchmark_group("layer");
    group.throughput(Throughput::Elements(BATCH as u64));
    for size in [64usize, 4096] {
        let body = Bytes::from(vec![b'x'; size]);
        let sig = hmac.make_hmac(&body).unwrap();
        for route in ["bare", "signed"] {
            let url = format!("http://{addr}/{route}");
            group.bench_function(BenchmarkId::new(route, size), |b| {
                b.iter(|| {
                    rt.block_on(async {
                        let mut set = tokio::task::JoinSet::new();
                        for _ in 0..BATCH {
                            let req = client
                                .post(&url)
                                .header("Signature", &sig)
                                .body(body.clone());
                            set.spawn(async move { req.send().await.map(|r| r.status().as_u16()) });
                        }
                        while let Some(r) = set.join_next().await {
                            assert_eq!(r.unwrap().unwrap(), 200);
                        }
                    });
                });
            });
        }
    }
    group.finish();
}

criterion_group!(throughput, benches);
criterion_main!(throughput);
