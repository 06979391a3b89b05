//! The server side of the layer-overhead measurement (`tools/measure_layer.sh`): one axum
//! server on 127.0.0.1 (ephemeral port, single-threaded tokio runtime, so its CPU time is
//! one process's), serving the same handler bare (`POST /bare`) and behind
//! `HmacAuthLayer` in compatible mode with the global key `s3cr3tk3y` (`POST /signed`).
//!
//! ```text
//! cargo run --release -p hmac-auth --example load_server -- [MAX_SECONDS]
//! ```
//!
//! Prints `LISTEN <port>` and serves until MAX_SECONDS (default 300) have passed, so a
//! forgotten server cannot outlive the measurement. The load generator (`wrk`) runs in
//! another process; the script reads this process's CPU time from `/proc/<pid>/stat`.

use std::io::Write as _;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use hmac_auth::{Hmac, HmacAuthLayer, Key};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let max = std::env::args()
        .nth(1)
        .map_or(Ok(300), |s| s.parse::<u64>())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let hmac = Hmac::new(Key::latin1("s3cr3tk3y")?);
        let handler = |b: Bytes| async move { b.len().to_string() };
        let app = Router::new()
            .route("/bare", post(handler))
            .route("/signed", post(handler).layer(HmacAuthLayer::new(hmac)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("LISTEN {}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        let serve = axum::serve(listener, app);
        // Bounded in time: the server stops by itself.
        let _ = tokio::time::timeout(Duration::from_secs(max), serve).await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
