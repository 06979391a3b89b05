//! Two server *processes* sharing one Redis: a strong-mode request one accepted is refused
//! by the other. The test binary re-runs itself as the servers (`child_server`, which only
//! serves when `HMAC_AUTH_CHILD_REDIS` is set), each with its own Redis connection.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hmac_auth::{Credential, Hmac, HmacAuthLayer, Key, RequestBuilderExt as _, Signer, StrongMode};

fn hmac() -> Hmac {
    Hmac::builder()
        .service("worker", Key::latin1("worker-key").unwrap())
        .build()
}

/// The server half: serves for at most 30 s, then exits (bounded even if the parent dies).
#[test]
fn child_server() {
    let Ok(url) = std::env::var("HMAC_AUTH_CHILD_REDIS") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let options = keyauth_core::RedisOptions::new(url)
            .prefix(std::env::var("HMAC_AUTH_CHILD_PREFIX").unwrap());
        let guard = Arc::new(keyauth_core::RedisReplayGuard::new(&options).unwrap());
        let app = Router::new().fallback(|| async { "ok" }).layer(
            HmacAuthLayer::new(hmac()).strong(
                StrongMode::new()
                    .replay_guard(guard)
                    .max_skew(std::time::Duration::from_secs(60)),
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        let _ = tokio::time::timeout(Duration::from_secs(30), axum::serve(listener, app)).await;
    });
}

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(url: &str, prefix: &str) -> Server {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env("HMAC_AUTH_CHILD_REDIS", url)
        .env("HMAC_AUTH_CHILD_PREFIX", prefix)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        // libtest prints "test child_server ... " on the same line first.
        .find_map(|l| l.split("PORT ").nth(1).map(|p| p.trim().parse().unwrap()))
        .expect("child server printed its port");
    // Keep draining the pipe so the child never blocks on stdout.
    std::thread::spawn(move || lines.for_each(drop));
    Server(child, port)
}

#[tokio::test]
async fn two_server_processes_share_nonces_through_redis() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let prefix = format!("hmac-auth-procs:{}:", std::process::id());
    let (a, b) = (spawn(&url, &prefix), spawn(&url, &prefix));
    assert_ne!(a.0.id(), b.0.id());

    keyauth_testkit::reqwest_ready();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let signer = Signer::new(hmac(), Credential::Strong(Some("worker".into())));
    let req = client
        .post(format!("http://127.0.0.1:{}/job?id=7", a.1))
        .body("run")
        .build_signed(&signer)
        .unwrap();
    let mut replay = req.try_clone().unwrap();
    *replay.url_mut() = format!("http://127.0.0.1:{}/job?id=7", b.1)
        .parse()
        .unwrap();

    assert_eq!(
        client.execute(req).await.unwrap().status(),
        200,
        "process A accepts"
    );
    assert_eq!(
        client.execute(replay).await.unwrap().status(),
        401,
        "process B refuses A's nonce"
    );
    // B itself works: a fresh request passes there, and its replay is refused by A.
    let fresh = client
        .post(format!("http://127.0.0.1:{}/job?id=8", b.1))
        .body("run")
        .build_signed(&signer)
        .unwrap();
    let mut back = fresh.try_clone().unwrap();
    *back.url_mut() = format!("http://127.0.0.1:{}/job?id=8", a.1)
        .parse()
        .unwrap();
    assert_eq!(client.execute(fresh).await.unwrap().status(), 200);
    assert_eq!(client.execute(back).await.unwrap().status(), 401);
}
