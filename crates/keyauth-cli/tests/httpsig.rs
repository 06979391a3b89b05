//! `keyauth httpsig` end to end: sign then verify with the built binary, refusals with their
//! codes and exit 1, unusable input with exit 2, an RFC 9421 example, and `curl` against a
//! real axum server with the httpsig layer on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::Router;
use keyauth_httpsig::{HttpSigLayer, StaticKeys, Verifier, VerifyingKey};

const BIN: &str = env!("CARGO_BIN_EXE_keyauth");
const ED_PRIV: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n";
const ED_PUB: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n";
const REQUEST: &str = "POST /foo?param=Value&Pet=dog HTTP/1.1\nHost: example.com\nContent-Type: application/json\n\n{\"hello\": \"world\"}";

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("keyauth-httpsig-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file(name: &str, text: &str) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn sign_then_verify_and_refusals() {
    let (key, public, req) = (
        file("ed.pem", ED_PRIV),
        file("ed.pub", ED_PUB),
        file("req.http", REQUEST),
    );
    let (code, signed, err) = run(&[
        "httpsig",
        "sign",
        "--request",
        p(&req),
        "--key-id",
        "k1",
        "--key-file",
        p(&key),
        "--alg",
        "ed25519",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        signed.contains("Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
    );
    assert!(signed.contains(r#"Signature-Input: sig1=("@method" "@target-uri" "@authority" "content-digest" "content-type");created="#));
    let signed_path = file("signed.http", &signed);
    let verify = |path: &Path, extra: &[&str]| {
        let mut a = vec![
            "httpsig",
            "verify",
            "--request",
            p(path),
            "--key-id",
            "k1",
            "--key-file",
            p(&public),
            "--alg",
            "ed25519",
        ];
        a.extend_from_slice(extra);
        run(&a)
    };
    let (code, out, err) = verify(&signed_path, &[]);
    assert_eq!((code, out.trim()), (0, "ok: sig1 by k1 (ed25519)"), "{err}");

    let tampered = file("t.http", &signed.replace("world", "WORLD"));
    let (code, _, err) = verify(&tampered, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("content_digest_mismatch"), "{err}");
    let (code, _, err) = verify(&signed_path, &["--require", "date"]);
    assert_eq!(code, 1);
    assert!(err.contains("missing_required_component"), "{err}");
    let (code, _, err) = verify(&req, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("missing_signature"), "{err}");
    // Another key's name: refused.
    let (code, _, err) = run(&[
        "httpsig",
        "verify",
        "--request",
        p(&signed_path),
        "--key-id",
        "k2",
        "--key-file",
        p(&public),
        "--alg",
        "ed25519",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown_key"), "{err}");
    // alg in the signature vs a key of another algorithm.
    let hmac = file("hmac.key", "secret");
    let (code, _, err) = run(&[
        "httpsig",
        "verify",
        "--request",
        p(&signed_path),
        "--key-id",
        "k1",
        "--key-file",
        p(&hmac),
        "--alg",
        "hmac-sha256",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("alg_mismatch"), "{err}");

    // Unusable input: exit 2.
    assert_eq!(verify(&dir().join("absent"), &[]).0, 2);
    assert_eq!(verify(&file("junk.http", "not http"), &[]).0, 2);
    let (code, _, err) = run(&[
        "httpsig",
        "sign",
        "--request",
        p(&req),
        "--key-id",
        "k1",
        "--key-file",
        p(&public),
        "--alg",
        "ed25519",
    ]);
    assert_eq!(code, 2, "a public key cannot sign: {err}");
    let (code, _, _) = run(&[
        "httpsig",
        "sign",
        "--request",
        p(&req),
        "--key-id",
        "k1",
        "--key-file",
        p(&key),
        "--alg",
        "hs2019",
    ]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&[
        "httpsig",
        "sign",
        "--request",
        p(&req),
        "--key-id",
        "k1",
        "--key-file",
        p(&key),
        "--alg",
        "ed25519",
        "--component",
        "Bad Name",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn rfc9421_b26_reproduced() {
    let (key, public) = (file("b26.pem", ED_PRIV), file("b26.pub", ED_PUB));
    let req = file(
        "b26.http",
        "POST /foo?param=Value&Pet=dog HTTP/1.1\nHost: example.com\nDate: Tue, 20 Apr 2021 02:07:55 GMT\nContent-Type: application/json\nContent-Length: 18\n\n{\"hello\": \"world\"}",
    );
    let mut args = vec![
        "httpsig",
        "sign",
        "--request",
        p(&req),
        "--key-id",
        "test-key-ed25519",
        "--key-file",
        p(&key),
        "--alg",
        "ed25519",
        "--label",
        "sig-b26",
        "--created",
        "1618884473",
        "--no-nonce",
        "--json",
    ];
    for c in [
        "date",
        "@method",
        "@path",
        "@authority",
        "content-type",
        "content-length",
    ] {
        args.extend(["--component", c]);
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Same base and parameters as B.2.6, plus alg (deterministic Ed25519: own value).
    assert_eq!(
        doc["signature_input"],
        r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;alg="ed25519";keyid="test-key-ed25519""#
    );
    // The RFC's own signature verifies (no nonce there, so the default policy refuses it...)
    let signed = file(
        "b26s.http",
        "POST /foo?param=Value&Pet=dog HTTP/1.1\nHost: example.com\nDate: Tue, 20 Apr 2021 02:07:55 GMT\nContent-Type: application/json\nContent-Length: 18\nSignature-Input: sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"\nSignature: sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:\n\n{\"hello\": \"world\"}",
    );
    let (code, _, err) = run(&[
        "httpsig",
        "verify",
        "--request",
        p(&signed),
        "--key-id",
        "test-key-ed25519",
        "--key-file",
        p(&public),
        "--alg",
        "ed25519",
        "--max-age",
        "999999999",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("missing_required_component"),
        "B.2.6 covers neither @target-uri nor content-digest: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_against_the_layer() {
    let key = file("curl.key", "curl shared secret");
    let verifier = Verifier::builder(
        StaticKeys::new().with("c1", VerifyingKey::hmac_sha256(b"curl shared secret")),
    )
    .scheme("http")
    .build();
    let app = Router::new()
        .fallback(|| async { "accepted" })
        .layer(HttpSigLayer::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(60), axum::serve(listener, app)).await;
    });
    let url = format!("http://127.0.0.1:{port}/items?x=1");
    let k = key.to_str().unwrap().to_owned();
    let go = move |id: &'static str, data: &'static str| {
        let (url, k) = (url.clone(), k.clone());
        tokio::task::spawn_blocking(move || {
            run(&[
                "httpsig",
                "curl",
                "POST",
                &url,
                "--key-id",
                id,
                "--key-file",
                &k,
                "--alg",
                "hmac-sha256",
                "-H",
                "Content-Type: application/json",
                "--data",
                data,
            ])
        })
    };
    let (code, out, err) = go("c1", "{}").await.unwrap();
    assert_eq!((code, out.as_str()), (0, "accepted"), "{err}");
    let (code, out, _) = go("other", "{}").await.unwrap();
    assert_eq!((code, out.trim()), (1, "unknown_key"));
    let (code, _, err) = tokio::task::spawn_blocking(|| {
        run(&[
            "httpsig",
            "curl",
            "GET",
            "http://127.0.0.1:1/",
            "--key-id",
            "c1",
            "--key-file",
            "/dev/null",
            "--alg",
            "ed25519",
        ])
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "unusable key: {err}");
}
