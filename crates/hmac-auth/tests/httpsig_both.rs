//! One layer, per route: Flask-HMAC only, RFC 9421 only, or both during a migration (feature
//! `httpsig`), over HTTP on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::Router;
use axum::routing::post;
use hmac_auth::{Credential, Formats, Hmac, HmacAuthLayer, Key, RequestBuilderExt as _, Signer};
use keyauth_httpsig::{SigningKey, StaticKeys, Verifier};

#[tokio::test]
async fn routes_accept_their_formats() {
    let hmac = Hmac::new(Key::latin1("s3cr3tk3y").unwrap());
    let rfc_key = SigningKey::hmac_sha256(b"s3cr3tk3y");
    let verifier = Verifier::builder(StaticKeys::new().with("svc", rfc_key.verifying_key()))
        .scheme("http")
        .build();
    let layer = |f| HmacAuthLayer::new(hmac.clone()).httpsig(verifier.clone(), f);
    let app = Router::new()
        .route(
            "/old",
            post(|| async { "old" }).layer(layer(Formats::Compat)),
        )
        .route(
            "/new",
            post(|| async { "new" }).layer(layer(Formats::HttpSig)),
        )
        .route(
            "/both",
            post(|| async { "both" }).layer(layer(Formats::Both)),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(60), axum::serve(listener, app)).await;
    });
    keyauth_testkit::reqwest_ready();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let flask = Signer::new(hmac.clone(), Credential::GlobalKey);
    let rfc = keyauth_httpsig::Signer::new(rfc_key).keyid("svc");

    let compat = |path: &str| {
        client
            .post(format!("{base}{path}"))
            .body("{}")
            .build_signed(&flask)
            .unwrap()
    };
    let httpsig = |path: &str| {
        let mut r = client
            .post(format!("{base}{path}"))
            .body("{}")
            .build()
            .unwrap();
        rfc.sign_reqwest(&mut r).unwrap();
        r
    };
    let status = |r| {
        let c = client.clone();
        async move { c.execute(r).await.unwrap().status().as_u16() }
    };
    assert_eq!(status(compat("/old")).await, 200);
    assert_eq!(
        status(httpsig("/old")).await,
        403,
        "compat only: no Flask-HMAC signature"
    );
    assert_eq!(status(httpsig("/new")).await, 200);
    assert_eq!(status(compat("/new")).await, 401, "RFC 9421 only");
    assert_eq!(status(compat("/both")).await, 200);
    assert_eq!(status(httpsig("/both")).await, 200);
    // A replayed RFC 9421 request is refused on the mixed route too.
    let r = httpsig("/both");
    let again = r.try_clone().unwrap();
    assert_eq!(status(r).await, 200);
    assert_eq!(status(again).await, 401);
}
