//! Live interop over HTTP on 127.0.0.1 with an independent implementation, the PyPI
//! package `http-message-signatures` 3.x (`tools/interop_peer.py`), both ways, for
//! hmac-sha256 and ed25519; and two server processes sharing one Redis.
//!
//! The Python peer runs from the virtualenv `.ci/run` makes (`target/venv-httpsig`, or
//! `KEYAUTH_HTTPSIG_PYTHON`); without it the tests print "skipped: ..." (under `CI` they fail).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use keyauth_httpsig::{
    Algorithm, HttpSigLayer, Signer, SigningKey, StaticKeys, Verified, Verifier, VerifyingKey,
};

const ED_PRIV: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n";
const ED_PUB: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n";
const SECRET: &[u8] = b"interop shared secret, 32 bytes!";

fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("KEYAUTH_HTTPSIG_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv-httpsig/bin/python")
        });
    let ok = Command::new(&candidate)
        .args(["-c", "import http_message_signatures, requests"])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} cannot import http_message_signatures: .ci/run must make the venv",
        candidate.display()
    );
    eprintln!(
        "skipped: no python with http-message-signatures at {} (bash .ci/run makes it)",
        candidate.display()
    );
    None
}

fn peer_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/interop_peer.py")
}

fn key_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("httpsig-interop-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// (alg, key file for Python, our verifying key, our signing key)
fn keys(alg: Algorithm) -> (PathBuf, PathBuf, VerifyingKey, SigningKey) {
    match alg {
        Algorithm::HmacSha256 => {
            let f = key_file("hmac", SECRET);
            (
                f.clone(),
                f,
                VerifyingKey::hmac_sha256(SECRET),
                SigningKey::hmac_sha256(SECRET),
            )
        }
        _ => (
            key_file("ed-priv.pem", ED_PRIV.as_bytes()),
            key_file("ed-pub.pem", ED_PUB.as_bytes()),
            VerifyingKey::from_key_file(alg, ED_PUB.as_bytes()).unwrap(),
            SigningKey::from_key_file(alg, ED_PRIV.as_bytes()).unwrap(),
        ),
    }
}

async fn serve_ours(verifying: VerifyingKey) -> u16 {
    let verifier = Verifier::builder(StaticKeys::new().with("peer", verifying))
        .scheme("http")
        .build();
    let app = Router::new()
        .fallback(|req: axum::extract::Request| async move {
            let v = req.extensions().get::<Verified>().cloned();
            format!("ok {}", v.map(|v| v.label).unwrap_or_default())
        })
        .layer(HttpSigLayer::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(60), axum::serve(listener, app)).await;
    });
    port
}

async fn python_signs_we_verify(alg: Algorithm) {
    let Some(py) = python() else { return };
    let (py_key, _, verifying, _) = keys(alg);
    let port = serve_ours(verifying).await;
    let out = tokio::process::Command::new(py)
        .arg(peer_script())
        .args([
            "client",
            &format!("http://127.0.0.1:{port}/items?x=1"),
            alg.name(),
        ])
        .arg(&py_key)
        .arg("peer")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let get = |case: &str| {
        let l = lines.iter().find(|l| l["case"] == case).unwrap();
        (
            l["status"].as_u64().unwrap(),
            l["body"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(get("good"), (200, "ok py".to_owned()), "{alg}");
    assert_eq!(get("replayed"), (401, "replayed".to_owned()), "{alg}");
    assert_eq!(
        get("tampered_body"),
        (401, "content_digest_mismatch".to_owned()),
        "{alg}"
    );
    assert_eq!(
        get("tampered_header"),
        (401, "bad_signature".to_owned()),
        "{alg}"
    );
    assert_eq!(
        get("unsigned"),
        (401, "missing_signature".to_owned()),
        "{alg}"
    );
}

struct Peer(Child, u16);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read_port(child: &mut Child) -> u16 {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        .find_map(|l| l.split("PORT ").nth(1).map(|p| p.trim().parse().unwrap()))
        .expect("server printed its port");
    std::thread::spawn(move || lines.for_each(drop));
    port
}

async fn we_sign_python_verifies(alg: Algorithm) {
    let Some(py) = python() else { return };
    let (_, py_key, _, signing) = keys(alg);
    let mut child = Command::new(py)
        .arg(peer_script())
        .args(["server", alg.name()])
        .arg(&py_key)
        .arg("ours")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let port = read_port(&mut child);
    let _peer = Peer(child, port);
    keyauth_testkit::reqwest_ready();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let signer = Signer::new(signing).keyid("ours").label("rs");
    let url = format!("http://127.0.0.1:{port}/orders?id=7");

    let mut good = client
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"n":1}"#)
        .build()
        .unwrap();
    signer.sign_reqwest(&mut good).unwrap();
    let r = client.execute(good).await.unwrap();
    let status = r.status();
    assert_eq!(
        (status.as_u16(), r.text().await.unwrap()),
        (200, "ok rs".into()),
        "{alg}"
    );

    let mut tampered = client.post(&url).body(r#"{"n":1}"#).build().unwrap();
    signer.sign_reqwest(&mut tampered).unwrap();
    *tampered.body_mut() = Some(r#"{"n":9}"#.into());
    let r = client.execute(tampered).await.unwrap();
    assert_eq!(r.status(), 401, "{alg}: tampered body refused by the peer");

    let mut moved = client.get(&url).build().unwrap();
    signer.sign_reqwest(&mut moved).unwrap();
    *moved.url_mut() = format!("http://127.0.0.1:{port}/orders?id=8")
        .parse()
        .unwrap();
    let r = client.execute(moved).await.unwrap();
    assert_eq!(r.status(), 401, "{alg}: changed target refused by the peer");
}

#[tokio::test]
async fn python_signs_hmac_we_verify() {
    python_signs_we_verify(Algorithm::HmacSha256).await;
}

#[tokio::test]
async fn python_signs_ed25519_we_verify() {
    python_signs_we_verify(Algorithm::Ed25519).await;
}

#[tokio::test]
async fn we_sign_hmac_python_verifies() {
    we_sign_python_verifies(Algorithm::HmacSha256).await;
}

#[tokio::test]
async fn we_sign_ed25519_python_verifies() {
    we_sign_python_verifies(Algorithm::Ed25519).await;
}

/// The server half of the two-process test: serves for at most 30 s (bounded even if the
/// parent dies), only when `HTTPSIG_CHILD_REDIS` is set.
#[test]
fn child_server() {
    let Ok(url) = std::env::var("HTTPSIG_CHILD_REDIS") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let options = keyauth_core::RedisOptions::new(url)
            .prefix(std::env::var("HTTPSIG_CHILD_PREFIX").unwrap());
        let guard = Arc::new(keyauth_core::RedisReplayGuard::new(&options).unwrap());
        let verifier =
            Verifier::builder(StaticKeys::new().with("w", VerifyingKey::hmac_sha256(SECRET)))
                .replay_guard(guard)
                .scheme("http")
                .build();
        let app = Router::new()
            .fallback(|| async { "ok" })
            .layer(HttpSigLayer::new(verifier));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        let _ = tokio::time::timeout(Duration::from_secs(30), axum::serve(listener, app)).await;
    });
}

fn spawn_server(url: &str, prefix: &str) -> Peer {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env("HTTPSIG_CHILD_REDIS", url)
        .env("HTTPSIG_CHILD_PREFIX", prefix)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let port = read_port(&mut child);
    Peer(child, port)
}

/// A request signed for the public name `api.example` (what a load balancer in front of both
/// processes would forward), sent to `port` with that `Host`.
fn to_reqwest(signed: &http::Request<Vec<u8>>, port: u16) -> reqwest::Request {
    let path = signed.uri().path_and_query().unwrap().as_str();
    let mut r = reqwest::Request::new(
        signed.method().clone(),
        format!("http://127.0.0.1:{port}{path}").parse().unwrap(),
    );
    *r.headers_mut() = signed.headers().clone();
    r.headers_mut()
        .insert("host", "api.example".parse().unwrap());
    *r.body_mut() = Some(signed.body().clone().into());
    r
}

#[tokio::test]
async fn two_server_processes_share_nonces_through_redis() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let prefix = format!("httpsig-procs:{}:", std::process::id());
    let (a, b) = (spawn_server(&url, &prefix), spawn_server(&url, &prefix));
    assert_ne!(a.0.id(), b.0.id());
    keyauth_testkit::reqwest_ready();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let signer = Signer::new(SigningKey::hmac_sha256(SECRET)).keyid("w");
    for (first, second) in [(&a, &b), (&b, &a)] {
        let mut req = http::Request::post("http://api.example/job?id=7")
            .body(b"run".to_vec())
            .unwrap();
        signer.sign_request(&mut req).unwrap();
        let one = client.execute(to_reqwest(&req, first.1)).await.unwrap();
        assert_eq!(one.status(), 200, "the first process accepts");
        let two = client.execute(to_reqwest(&req, second.1)).await.unwrap();
        assert_eq!(two.status(), 401, "the other process refuses the replay");
        assert_eq!(two.text().await.unwrap().trim(), "replayed");
    }
}
