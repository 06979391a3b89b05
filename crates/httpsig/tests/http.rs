//! The tower layer over real HTTP on 127.0.0.1 with the reqwest signer: accepted requests
//! reach the handler with `Verified`, refusals get their status and code, responses are
//! signed bound to their request and verify on the client, a replay guard outage refuses.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use keyauth_core::{ReplayError, ReplayGuard, UnixTime};
use keyauth_httpsig::{
    HttpSigLayer, Message, Policy, RequestView, ResponseView, Signer, SigningKey, StaticKeys,
    Verified, Verifier,
};

const SECRET: &[u8] = b"layer test secret";

#[derive(Debug)]
struct DownGuard;

#[async_trait]
impl ReplayGuard for DownGuard {
    async fn check_and_mark(&self, _: &[u8], _: UnixTime) -> Result<(), ReplayError> {
        Err(ReplayError::Unavailable {
            reason: "down".into(),
        })
    }
}

async fn serve(layer: HttpSigLayer) -> String {
    let app = Router::new()
        .fallback(|req: axum::extract::Request| async move {
            let v = req.extensions().get::<Verified>().cloned();
            format!("hello {}", v.and_then(|v| v.keyid).unwrap_or_default())
        })
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(60), axum::serve(listener, app)).await;
    });
    format!("http://127.0.0.1:{port}")
}

fn verifier() -> keyauth_httpsig::VerifierBuilder {
    Verifier::builder(StaticKeys::new().with("c", SigningKey::hmac_sha256(SECRET).verifying_key()))
        .scheme("http")
}

fn client() -> reqwest::Client {
    keyauth_testkit::reqwest_ready();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn verifies_refuses_and_signs_responses() {
    let server_key = SigningKey::from_key_file(
        keyauth_httpsig::Algorithm::Ed25519,
        b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let server_pub = server_key.verifying_key();
    let base = serve(
        HttpSigLayer::new(verifier().body_limit(64).build())
            .sign_responses(Signer::new(server_key).keyid("server")),
    )
    .await;
    let client = client();
    let signer = Signer::new(SigningKey::hmac_sha256(SECRET)).keyid("c");

    let mut req = client
        .post(format!("{base}/a?b=c"))
        .header("content-type", "text/plain")
        .body("hi")
        .build()
        .unwrap();
    signer.sign_reqwest(&mut req).unwrap();
    let (method, uri, headers) = (
        req.method().clone(),
        req.url().as_str().parse::<http::Uri>().unwrap(),
        req.headers().clone(),
    );
    let res = client.execute(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let status = res.status();
    let rheaders = res.headers().clone();
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[..], b"hello c");
    // The response signature covers the request it answers and verifies on the client.
    let input = rheaders["signature-input"].to_str().unwrap();
    assert!(
        input.contains(r#""@method";req "@target-uri";req "content-digest";req"#),
        "{input}"
    );
    let client_verifier = Verifier::builder(StaticKeys::new().with("server", server_pub))
        .policy(Policy::for_responses())
        .build();
    let msg = Message::Response(
        ResponseView::new(status, &rheaders),
        Some(RequestView::new(&method, &uri, &headers)),
    );
    let ok = client_verifier.verify(&msg, &body).await.unwrap();
    assert_eq!(ok.keyid.as_deref(), Some("server"));
    // Bound to *this* request: against another request it fails.
    let other: http::Uri = format!("{base}/a?b=d").parse().unwrap();
    let msg = Message::Response(
        ResponseView::new(status, &rheaders),
        Some(RequestView::new(&method, &other, &headers)),
    );
    assert_eq!(
        client_verifier.verify(&msg, &body).await.map(|_| ()),
        Err(keyauth_httpsig::Error::BadSignature)
    );

    // Unsigned: 401, the code, and an Accept-Signature naming the policy's components.
    let res = client.get(format!("{base}/a")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let accept = res.headers()["accept-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        accept,
        r#"sig1=("@method" "@target-uri" "@authority");created;nonce"#
    );
    assert_eq!(res.text().await.unwrap().trim(), "missing_signature");

    // Over the body limit: 413 before any verification.
    let mut big = client
        .post(format!("{base}/a"))
        .body(vec![b'x'; 65])
        .build()
        .unwrap();
    signer.sign_reqwest(&mut big).unwrap();
    assert_eq!(client.execute(big).await.unwrap().status(), 413);
}

#[tokio::test]
async fn replay_guard_outage_refuses_with_503() {
    let base = serve(HttpSigLayer::new(
        verifier().replay_guard(Arc::new(DownGuard)).build(),
    ))
    .await;
    let client = client();
    let mut req = client.get(format!("{base}/x")).build().unwrap();
    Signer::new(SigningKey::hmac_sha256(SECRET))
        .keyid("c")
        .sign_reqwest(&mut req)
        .unwrap();
    let res = client.execute(req).await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap().trim(), "replay_guard_unavailable");
    // A bad signature is refused before the guard is asked: 401, not 503.
    let mut bad = client.get(format!("{base}/x")).build().unwrap();
    Signer::new(SigningKey::hmac_sha256(b"wrong"))
        .keyid("c")
        .sign_reqwest(&mut bad)
        .unwrap();
    assert_eq!(client.execute(bad).await.unwrap().status(), 401);
}
