//! The protocol-faithful test server as a process, for benchmarks and manual runs of
//! `keyauth psono` and psonoci: binds 127.0.0.1 (an OS-chosen port), prints one JSON line with
//! its URL, the server signature, the fixture's API keys and secret ids, then serves for
//! `SECONDS` (default 300, at most 3600) and exits.
//!
//! ```sh
//! cargo run --release -p psono-client --features reqwest --example test_server -- 600
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/server/mod.rs"]
mod server;

use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
        .min(3600);
    let srv = server::TestServer::start().await;
    let key = |k: &server::ApiKeyCreds| json!({"id": k.id, "private_key_hex": k.private_key_hex, "secret_key_hex": k.secret_key_hex});
    let f = &srv.fixture;
    println!(
        "{}",
        json!({
            "url": srv.url,
            "server_signature_hex": f.server_signature_hex,
            "keys": {"full": key(&f.full), "readonly": key(&f.readonly),
                     "restricted": key(&f.restricted), "restricted_write": key(&f.restricted_write)},
            "secrets": {"web": server::SECRET_WEB, "note": server::SECRET_NOTE, "env": server::SECRET_ENV,
                        "db": server::SECRET_DB, "totp": server::SECRET_TOTP},
        })
    );
    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    eprintln!(
        "served {} requests",
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst)
    );
}
