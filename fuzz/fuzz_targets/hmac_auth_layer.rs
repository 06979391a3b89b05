#![no_main]
//! The tower layer as a whole, structure-aware: arbitrary methods, paths, headers and bodies
//! (sometimes signed correctly, so the check passes and the body reaches the service) through
//! `HmacAuthLayer` in front of an echo service. Every request gets a response, never a panic;
//! a request the layer lets through carries a signature that verifies.

use arbitrary::Arbitrary;
use bytes::Bytes;
use hmac_auth::{Hmac, HmacAuthLayer, Key};
use http::{Request, Response};
use http_body_util::Full;
use libfuzzer_sys::fuzz_target;
use tower::{Layer, Service, ServiceExt};

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    sign: bool,
}

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

fuzz_target!(|input: Input| {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
    }
    let hmac = Hmac::builder()
        .key(Key::from_bytes(b"s3cr3tk3y"))
        .service("aservice", Key::from_bytes(b"akey"))
        .build();
    let mut builder = Request::builder()
        .method(METHODS[usize::from(input.method) % METHODS.len()])
        .uri(format!("/{}", input.path.trim_start_matches('/')));
    for (name, value) in &input.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(n, v);
        }
    }
    if input.sign
        && let Ok(sig) = hmac.make_hmac(&input.body)
    {
        builder = builder.header("signature", sig);
    }
    let Ok(request) = builder.body(Full::new(Bytes::from(input.body.clone()))) else {
        return;
    };
    let checker = hmac.clone();
    let echo = tower::service_fn(move |req: Request<Full<Bytes>>| {
        let checker = checker.clone();
        async move {
            // What reaches the service was let through: OPTIONS (Flask answers those itself)
            // or a request whose signature verifies.
            let (parts, body) = req.into_parts();
            let body = http_body_util::BodyExt::collect(body).await.map(|b| b.to_bytes());
            let body = body.unwrap_or_default();
            if parts.method != http::Method::OPTIONS {
                assert!(checker.validate_headers(&parts.headers, &body, None).is_ok());
            }
            Ok::<_, std::convert::Infallible>(Response::new(Full::new(body)))
        }
    });
    let mut service = HmacAuthLayer::new(hmac).layer(echo);
    RT.with(|rt| {
        rt.block_on(async {
            let ready = service.ready().await.expect("ready");
            let _response = ready.call(request).await;
        });
    });
});
