//! Both directions against the real Flask-HMAC (flaskhmac 1.2.1 on Flask), when available:
//! a Rust client signing for a Flask app, and flask_hmac signing for the Rust layer.
//!
//! Runs only when `KEYAUTH_FLASK_INTEROP=1` (and python3 can import `flask` and `flask_hmac`,
//! optionally from `KEYAUTH_FLASKHMAC_PATH`); otherwise it prints why and passes.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use hmac_auth::{Credential, Hmac, HmacAuthLayer, Key, Only, RequestBuilderExt as _, Signer};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/flask_interop.py");

fn hmac() -> Hmac {
    Hmac::builder()
        .key(Key::latin1("s3cr3tk3y").unwrap())
        .service("aservice", Key::latin1("akey").unwrap())
        .service("bservice", Key::latin1("bkey").unwrap())
        .build()
}

#[tokio::test]
async fn interop_with_real_flask_hmac() {
    if std::env::var("KEYAUTH_FLASK_INTEROP").as_deref() != Ok("1") {
        eprintln!(
            "skipping: set KEYAUTH_FLASK_INTEROP=1 (needs python3 with flask and flask_hmac)"
        );
        return;
    }
    // Rust client -> Flask app.
    let mut flask = Command::new("python3")
        .args([SCRIPT, "serve"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(flask.stdout.take().unwrap()).lines();
    let url = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("URL ")
        .unwrap()
        .to_owned();
    keyauth_testkit::reqwest_ready();
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let global = Signer::new(hmac(), Credential::GlobalKey);
    let a = Signer::new(hmac(), Credential::Service("aservice".into()));
    let b = Signer::new(hmac(), Credential::Service("bservice".into()));
    let status = |req: reqwest::Request| {
        let c = c.clone();
        async move { c.execute(req).await.unwrap().status().as_u16() }
    };
    let body = "{\"foo\": \"boo\"}";
    assert_eq!(
        status(
            c.post(format!("{url}/a"))
                .body(body)
                .build_signed(&global)
                .unwrap()
        )
        .await,
        200
    );
    assert_eq!(
        status(
            c.post(format!("{url}/a"))
                .body(body)
                .build_signed(&a)
                .unwrap()
        )
        .await,
        200
    );
    assert_eq!(
        status(c.get(format!("{url}/only")).build_signed(&a).unwrap()).await,
        403
    );
    assert_eq!(
        status(c.get(format!("{url}/only")).build_signed(&b).unwrap()).await,
        200
    );
    assert_eq!(
        status(c.get(format!("{url}/only")).build_signed(&global).unwrap()).await,
        200
    );
    let mut tampered = c
        .post(format!("{url}/a"))
        .body(body)
        .build_signed(&global)
        .unwrap();
    *tampered.body_mut() = Some("{}".into());
    assert_eq!(status(tampered).await, 403);
    assert_eq!(
        status(c.get(format!("{url}/a")).build().unwrap()).await,
        403
    );
    let _ = flask.kill();
    let _ = flask.wait();

    // flask_hmac client -> Rust layer.
    let app = Router::new()
        .route(
            "/a",
            any(|| async { "ok" }).layer(HmacAuthLayer::new(hmac())),
        )
        .route(
            "/only",
            any(|| async { "ok" })
                .layer(HmacAuthLayer::new(hmac()).only(Only::names(["bservice"]))),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([SCRIPT, "client", &port.to_string()])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got,
        serde_json::json!({"global": 200, "service_a": 200, "only_a": 403, "only_b": 200,
                           "tampered": 403, "form_unsigned": 200, "missing": 403})
    );
}
