//! The layer over real HTTP on 127.0.0.1: axum server, reqwest and raw-TCP clients.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Extension;
use bytes::Bytes;
use hmac_auth::{
    Authenticated, Credential, Hmac, HmacAuthLayer, Key, Only, OptionsRequests,
    RequestBuilderExt as _, Signer,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn hmac() -> Hmac {
    Hmac::builder()
        .key(Key::latin1("s3cr3tk3y").unwrap())
        .service("aservice", Key::latin1("akey").unwrap())
        .service("bservice", Key::latin1("bkey").unwrap())
        .build()
}

/// Echoes who signed and the body it received.
async fn echo(Extension(who): Extension<Authenticated>, body: Bytes) -> String {
    format!("{who:?}|{}", String::from_utf8_lossy(&body))
}

async fn serve(layer: HmacAuthLayer) -> SocketAddr {
    let app = Router::new().fallback(echo).layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn client() -> reqwest::Client {
    keyauth_testkit::reqwest_ready();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn post(
    addr: SocketAddr,
    path: &str,
    body: &'static [u8],
    signer: Option<&Signer>,
) -> (u16, String) {
    let builder = client().post(format!("http://{addr}{path}")).body(body);
    let req = match signer {
        Some(s) => builder.build_signed(s).unwrap(),
        None => builder.build().unwrap(),
    };
    let res = client().execute(req).await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn compatible_mode_over_http() {
    let addr = serve(HmacAuthLayer::new(hmac())).await;
    let global = Signer::new(hmac(), Credential::GlobalKey);
    let service = Signer::new(hmac(), Credential::Service("aservice".into()));

    // Valid: the body reaches the handler intact, with who signed.
    assert_eq!(
        post(addr, "/a", b"{\"foo\": \"boo\"}", Some(&global)).await,
        (200, "GlobalKey|{\"foo\": \"boo\"}".into())
    );
    assert_eq!(
        post(addr, "/a", b"payload", Some(&service)).await,
        (200, "Service(\"aservice\")|payload".into())
    );

    // Tampered body: sign one body, send another.
    let mut req = client()
        .post(format!("http://{addr}/a"))
        .body("amount=1")
        .build_signed(&global)
        .unwrap();
    *req.body_mut() = Some("amount=9".into());
    assert_eq!(client().execute(req).await.unwrap().status(), 403);

    // Wrong key, missing header, unknown service.
    let other_app = Signer::new(
        Hmac::new(Key::latin1("not-the-key").unwrap()),
        Credential::GlobalKey,
    );
    assert_eq!(post(addr, "/a", b"x", Some(&other_app)).await.0, 403);
    assert_eq!(post(addr, "/a", b"x", None).await.0, 403);
    let stranger = Hmac::builder()
        .service("zservice", Key::latin1("zkey").unwrap())
        .build();
    let stranger = Signer::new(stranger, Credential::Service("zservice".into()));
    assert_eq!(
        post(addr, "/a", b"x", Some(&stranger)).await.0,
        500,
        "upstream: uncaught UnknownKeyName"
    );
}

#[tokio::test]
async fn only_allow_list_over_http() {
    let addr = serve(HmacAuthLayer::new(hmac()).only(Only::names(["bservice"]))).await;
    let a = Signer::new(hmac(), Credential::Service("aservice".into()));
    let b = Signer::new(hmac(), Credential::Service("bservice".into()));
    let global = Signer::new(hmac(), Credential::GlobalKey);
    assert_eq!(post(addr, "/only", b"", Some(&a)).await.0, 403);
    assert_eq!(
        post(addr, "/only", b"", Some(&b)).await,
        (200, "Service(\"bservice\")|".into())
    );
    // As upstream, `only` does not restrict the global key.
    assert_eq!(post(addr, "/only", b"", Some(&global)).await.0, 200);
    // An unknown service outside `only` is a plain refusal, not a 500.
    let stranger = Hmac::builder()
        .service("zservice", Key::latin1("zkey").unwrap())
        .build();
    let stranger = Signer::new(stranger, Credential::Service("zservice".into()));
    assert_eq!(post(addr, "/only", b"", Some(&stranger)).await.0, 403);
}

/// Sends raw bytes and returns the status.
async fn raw(addr: SocketAddr, wire: &[u8]) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(wire).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let line = String::from_utf8_lossy(&buf);
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn body_limit_is_enforced_with_and_without_content_length() {
    let addr = serve(HmacAuthLayer::new(hmac()).body_limit(1024)).await;
    let global = Signer::new(hmac(), Credential::GlobalKey);
    static BIG: [u8; 1025] = [b'a'; 1025];
    static FITS: [u8; 1024] = [b'a'; 1024];
    assert_eq!(post(addr, "/a", &BIG, Some(&global)).await.0, 413);
    assert_eq!(post(addr, "/a", &FITS, Some(&global)).await.0, 200);

    // Chunked, no Content-Length: 600 + 600 bytes, signed correctly, still refused.
    let body = vec![b'b'; 1200];
    let sig = hmac().make_hmac(&body).unwrap();
    let mut wire = format!(
        "POST /a HTTP/1.1\r\nHost: 127.0.0.1\r\nSignature: {sig}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(600) {
        wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(raw(addr, &wire).await, 413);

    // The same within the limit passes.
    let body = vec![b'c'; 1000];
    let sig = hmac().make_hmac(&body).unwrap();
    let mut wire = format!(
        "POST /a HTTP/1.1\r\nHost: 127.0.0.1\r\nSignature: {sig}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3e8\r\n"
    )
    .into_bytes();
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(raw(addr, &wire).await, 200);
}

/// Sends raw bytes and returns the whole response head.
async fn raw_head(addr: SocketAddr, wire: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(wire).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase()
}

const PREFLIGHT: &[u8] = b"OPTIONS /a HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://app.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n";

/// Flask answers OPTIONS itself (automatic OPTIONS) without running the decorated view: a
/// CORS preflight gets 200. The layer does the same by default; the other policies pass the
/// request on unchecked or check it.
#[tokio::test]
async fn options_requests_follow_flask_by_default() {
    let addr = serve(HmacAuthLayer::new(hmac())).await;
    let head = raw_head(addr, PREFLIGHT).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-length: 0"), "{head}");
    // Every other method is still checked.
    let get = b"GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert_eq!(raw(addr, get).await, 403);

    // Checked like any method (a Flask route listing OPTIONS in `methods`).
    let checked = serve(HmacAuthLayer::new(hmac()).options(OptionsRequests::Check)).await;
    assert_eq!(raw(checked, PREFLIGHT).await, 403);

    // Passed on unchecked: the inner service answers (no Authenticated extension).
    let app = Router::new()
        .fallback(|req: http::Request<axum::body::Body>| async move {
            format!("inner saw {:?}", req.extensions().get::<Authenticated>())
        })
        .layer(HmacAuthLayer::new(hmac()).options(OptionsRequests::PassThrough));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pass = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let res = client()
        .request(http::Method::OPTIONS, format!("http://{pass}/a"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "inner saw None");
}

/// Flask sends no `WWW-Authenticate` with `HMAC_ERROR_CODE = 401`, and neither does the layer.
#[tokio::test]
async fn no_www_authenticate_in_compatible_mode() {
    let get = b"GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let compat = serve(HmacAuthLayer::new(hmac()).error_code(401)).await;
    let head = raw_head(compat, get).await;
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(!head.contains("www-authenticate"), "{head}");
}

#[tokio::test]
async fn error_code_and_error_hook() {
    let addr = serve(HmacAuthLayer::new(hmac()).error_code(401)).await;
    assert_eq!(post(addr, "/a", b"", None).await.0, 401);
    let addr = serve(HmacAuthLayer::new(hmac()).error_code(302)).await;
    assert_eq!(
        post(addr, "/a", b"", None).await.0,
        500,
        "Werkzeug has no exception for 302"
    );

    let layer = HmacAuthLayer::new(hmac()).on_error(|r| {
        let body = format!("{{\"error\": \"{}\"}}", r.error().kind());
        let mut res = http::Response::new(Bytes::from(body));
        *res.status_mut() = http::StatusCode::UNAUTHORIZED;
        res
    });
    let addr = serve(layer).await;
    assert_eq!(
        post(addr, "/a", b"", None).await,
        (401, "{\"error\": \"malformed\"}".into())
    );
    let wrong = Signer::new(
        Hmac::new(Key::latin1("nope").unwrap()),
        Credential::GlobalKey,
    );
    assert_eq!(
        post(addr, "/a", b"", Some(&wrong)).await,
        (401, "{\"error\": \"bad_signature\"}".into())
    );
}

/// The layer is not tied to axum's body type: any `Body + From<Bytes>` works (here
/// `http_body_util::Full`, as a hyper `service_fn` would use).
#[tokio::test]
async fn works_with_plain_tower_and_full_bodies() {
    use http_body_util::{BodyExt as _, Full};
    use tower::{Layer as _, ServiceExt as _};
    let inner = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
        let who = req.extensions().get::<Authenticated>().cloned();
        let body = req.into_body().collect().await.unwrap().to_bytes();
        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(format!(
            "{who:?}|{}",
            body.len()
        )))))
    });
    let svc = HmacAuthLayer::new(hmac()).layer(inner);
    let sig = hmac().make_hmac(b"hello").unwrap();
    let req = http::Request::post("/")
        .header("Signature", sig)
        .body(Full::new(Bytes::from_static(b"hello")))
        .unwrap();
    let res = svc.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "Some(GlobalKey)|5"
    );
    let req = http::Request::post("/")
        .body(Full::new(Bytes::from_static(b"hello")))
        .unwrap();
    assert_eq!(svc.oneshot(req).await.unwrap().status(), 403);
}
