//! The server side of the layer-overhead measurement (`tools/measure_layer.sh`): one axum
//! server on 127.0.0.1 (single-threaded runtime, so its CPU time is one process's), serving
//! the same handler bare (`POST /bare`) and behind `HttpSigLayer` (`POST /signed`, key id
//! `load`, hmac-sha256 secret `s3cr3tk3y`, scheme http).
//!
//! The load generator replays one signed request, so this verifier does not require a nonce
//! (every other check of the default policy runs: required components, Content-Digest of the
//! body, the HMAC, `created`); the replay guard's cost is measured by the criterion bench.
//!
//! ```text
//! cargo run --release -p keyauth-httpsig --features tower --example httpsig_load_server -- [MAX_SECONDS]
//! ```

use std::io::Write as _;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use keyauth_httpsig::{HttpSigLayer, StaticKeys, Verifier, VerifyingKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let max = std::env::args()
        .nth(1)
        .map_or(Ok(300), |s| s.parse::<u64>())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let verifier = Verifier::builder(
            StaticKeys::new().with("load", VerifyingKey::hmac_sha256(b"s3cr3tk3y")),
        )
        .require_nonce(false)
        .max_age(None)
        .scheme("http")
        .build();
        let handler = |b: Bytes| async move { b.len().to_string() };
        let app = Router::new()
            .route("/bare", post(handler))
            .route("/signed", post(handler).layer(HttpSigLayer::new(verifier)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("LISTEN {}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        let _ = tokio::time::timeout(Duration::from_secs(max), axum::serve(listener, app)).await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
