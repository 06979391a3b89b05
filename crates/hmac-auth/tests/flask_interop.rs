//! Both directions against the real Flask-HMAC (flaskhmac 1.2.1 on Flask 3.1.3 / Werkzeug
//! 3.1.9): a Rust client signing for a Flask app, and flask_hmac signing for the Rust layer.
//!
//! Runs when `KEYAUTH_FLASK_INTEROP=1`, with `KEYAUTH_FLASK_PYTHON` (default `python3`)
//! able to import `flask` and `flask_hmac` (optionally from `KEYAUTH_FLASKHMAC_PATH`).
//! `.ci/run` makes a private venv with the pins of `tools/flask-requirements.txt` and sets
//! both. Otherwise the test prints `skipped: <why>` and returns; under `CI=true` a missing
//! setup fails the test instead.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
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

/// Skips (prints why) outside CI, fails under `CI=true`.
fn skip(why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        !ci,
        "CI is set but the Flask interop test cannot run: {why} (.ci/run's flaskhmac venv block sets it up)"
    );
    eprintln!("skipped: {why}");
}

/// The Python to run flask_hmac with, when the test is enabled and it can import it.
fn python() -> Option<String> {
    if std::env::var("KEYAUTH_FLASK_INTEROP").as_deref() != Ok("1") {
        skip(
            "KEYAUTH_FLASK_INTEROP is not 1 (set it and KEYAUTH_FLASK_PYTHON to a python with flaskhmac==1.2.1 and Flask, see tools/flask-requirements.txt)",
        );
        return None;
    }
    let python = std::env::var("KEYAUTH_FLASK_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args(["-c", "import flask, flask_hmac, werkzeug.serving"])
        .env(
            "PYTHONPATH",
            std::env::var("KEYAUTH_FLASKHMAC_PATH").unwrap_or_default(),
        )
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(python),
        Ok(out) => {
            skip(&format!(
                "{python} cannot import flask and flask_hmac: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            None
        }
        Err(e) => {
            skip(&format!("cannot run {python}: {e}"));
            None
        }
    }
}

/// Kills the Flask server when the test ends, also on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn interop_with_real_flask_hmac() {
    let Some(python) = python() else {
        return;
    };
    // Rust client -> Flask app.
    let mut flask = Server(
        Command::new(&python)
            .args([SCRIPT, "serve"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(flask.0.stdout.take().unwrap()).lines();
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
    // Flask answers OPTIONS itself, unsigned (automatic OPTIONS), as the layer does.
    assert_eq!(
        status(
            c.request(reqwest::Method::OPTIONS, format!("{url}/a"))
                .build()
                .unwrap()
        )
        .await,
        200
    );
    drop(flask);

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
        Command::new(&python)
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
                           "tampered": 403, "form_unsigned": 200, "missing": 403,
                           "options": 200})
    );
}
