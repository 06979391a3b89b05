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

// What the retired strong mode guaranteed, now through `HmacAuthLayer::httpsig`: replays,
// stale and retargeted requests refused with 401 (and `Accept-Signature`), a replay guard
// shared by two servers through Redis, and a guard outage failing closed (503).

fn rfc_layer(
    guard: std::sync::Arc<dyn keyauth_httpsig::ReplayGuard>,
    clock: std::sync::Arc<dyn keyauth_httpsig::Clock>,
) -> HmacAuthLayer {
    let key = SigningKey::hmac_sha256(b"s3cr3tk3y");
    let verifier = Verifier::builder(StaticKeys::new().with("svc", key.verifying_key()))
        .scheme("http")
        .replay_guard(guard)
        .max_skew(Duration::from_secs(60))
        .clock(clock)
        .build();
    HmacAuthLayer::new(Hmac::new(Key::latin1("s3cr3tk3y").unwrap()))
        .httpsig(verifier, Formats::HttpSig)
}

async fn serve_rfc(layer: HmacAuthLayer) -> String {
    let app = Router::new().fallback(|| async { "ok" }).layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(60), axum::serve(listener, app)).await;
    });
    base
}

fn client() -> reqwest::Client {
    keyauth_testkit::reqwest_ready();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn rfc_signer(clock: std::sync::Arc<dyn keyauth_httpsig::Clock>) -> keyauth_httpsig::Signer {
    keyauth_httpsig::Signer::new(SigningKey::hmac_sha256(b"s3cr3tk3y"))
        .keyid("svc")
        .clock(clock)
}

fn signed(signer: &keyauth_httpsig::Signer, url: &str) -> reqwest::Request {
    let mut r = client().post(url).body("{}").build().unwrap();
    signer.sign_reqwest(&mut r).unwrap();
    r
}

#[tokio::test]
async fn replayed_stale_and_retargeted_requests_are_refused() {
    use keyauth_httpsig::{FixedClock, UnixTime};
    use std::sync::Arc;
    let now = UnixTime::new(1_700_000_000);
    let clock = Arc::new(FixedClock::new(now));
    let guard = Arc::new(keyauth_core::MemoryReplayGuard::with_clock(
        10_000,
        clock.clone(),
    ));
    let base = serve_rfc(rfc_layer(guard, clock.clone())).await;
    let signer = rfc_signer(clock.clone());

    let req = signed(&signer, &format!("{base}/pay?to=alice"));
    let replay = req.try_clone().unwrap();
    let res = client().execute(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client().execute(replay).await.unwrap();
    assert_eq!(res.status(), 401, "replayed nonce");
    assert_eq!(res.text().await.unwrap(), "replayed\n");

    // Same signature, other query: refused.
    let mut moved = signed(&signer, &format!("{base}/pay?to=alice"));
    *moved.url_mut() = format!("{base}/pay?to=mallory").parse().unwrap();
    let res = client().execute(moved).await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers().contains_key("accept-signature"),
        "a 401 names what the policy requires"
    );

    // Stale: created more than max_age (300 s) + skew (60 s) before the server's clock.
    let old = rfc_signer(Arc::new(FixedClock::new(now.saturating_sub(361))));
    let res = client()
        .execute(signed(&old, &format!("{base}/a")))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.text().await.unwrap(), "too_old\n");
    // ... and created beyond the skew in the future.
    let ahead = rfc_signer(Arc::new(FixedClock::new(UnixTime::new(now.as_secs() + 61))));
    let res = client()
        .execute(signed(&ahead, &format!("{base}/a")))
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "created_in_future\n");

    // A Flask-HMAC signature is not accepted on an RFC 9421-only route.
    let flask = Signer::new(
        Hmac::new(Key::latin1("s3cr3tk3y").unwrap()),
        Credential::GlobalKey,
    );
    let req = client()
        .post(format!("{base}/a"))
        .body("{}")
        .build_signed(&flask)
        .unwrap();
    assert_eq!(client().execute(req).await.unwrap().status(), 401);
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_redis() {
    use std::sync::Arc;
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    // Two independently built servers, each with its own Redis connection manager.
    let prefix = format!("hmac-auth-test:{}:", std::process::id());
    let options = keyauth_core::RedisOptions::new(url).prefix(prefix);
    let guard_a = Arc::new(keyauth_core::RedisReplayGuard::new(&options).unwrap());
    let guard_b = Arc::new(keyauth_core::RedisReplayGuard::new(&options).unwrap());
    let clock = Arc::new(keyauth_httpsig::SystemClock);
    let a = serve_rfc(rfc_layer(guard_a, clock.clone())).await;
    let b = serve_rfc(rfc_layer(guard_b, clock.clone())).await;
    let signer = rfc_signer(clock);
    // Signed for B; the copy goes to A with B's Host, so A sees the same @authority.
    let to_b = signed(&signer, &format!("{b}/x"));
    let mut to_a = to_b.try_clone().unwrap();
    *to_a.url_mut() = format!("{a}/x").parse().unwrap();
    let host_b = b.trim_start_matches("http://").to_owned();
    to_a.headers_mut()
        .insert("host", http::HeaderValue::from_str(&host_b).unwrap());
    assert_eq!(client().execute(to_b).await.unwrap().status(), 200);
    let res = client().execute(to_a).await.unwrap();
    assert_eq!(res.status(), 401, "A saw B's nonce in Redis");
    assert_eq!(res.text().await.unwrap(), "replayed\n");

    // Without B's Host, A refuses a B-signed request for its authority (the retired format
    // left the host unsigned), and records nothing: B still accepts it.
    let for_b = signed(&signer, &format!("{b}/x"));
    let mut moved = for_b.try_clone().unwrap();
    *moved.url_mut() = format!("{a}/x").parse().unwrap();
    let res = client().execute(moved).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_ne!(res.text().await.unwrap(), "replayed\n");
    assert_eq!(client().execute(for_b).await.unwrap().status(), 200);

    // A fresh request to A passes: A is not refusing everything.
    let fresh = signed(&signer, &format!("{a}/x"));
    assert_eq!(client().execute(fresh).await.unwrap().status(), 200);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn fails_closed_when_redis_is_down() {
    use std::sync::Arc;
    // Nothing listens on this port: the guard cannot answer, the layer answers 503.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let options = keyauth_core::RedisOptions::new(format!("redis://127.0.0.1:{port}/"))
        .connect_timeout(Duration::from_millis(200))
        .retries(0);
    let guard = Arc::new(keyauth_core::RedisReplayGuard::new(&options).unwrap());
    let clock = Arc::new(keyauth_httpsig::SystemClock);
    let base = serve_rfc(rfc_layer(guard, clock.clone())).await;
    let res = client()
        .execute(signed(&rfc_signer(clock), &format!("{base}/a")))
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "replay_guard_unavailable\n");
}
