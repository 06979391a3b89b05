//! An axum server protected by Flask-HMAC compatible auth on one route and strong mode on
//! another, plus a client signing requests to both.
//!
//! ```text
//! cargo run -p hmac-auth --example axum_server --features reqwest
//! ```
//!
//! It binds 127.0.0.1 on an ephemeral port, sends a few signed and unsigned requests, prints
//! the answers and exits.

use axum::Router;
use axum::extract::Extension;
use axum::routing::post;
use hmac_auth::{Authenticated, Credential, Hmac, HmacAuthLayer, Key, Only, Signer, StrongMode};

async fn handler(Extension(who): Extension<Authenticated>, body: String) -> String {
    format!(
        "hello {:?}, you sent {} bytes\n",
        who.service().unwrap_or("(global key)"),
        body.len()
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // app.config['HMAC_KEY'] / ['HMAC_KEYS'] of the Flask app.
    let hmac = Hmac::builder()
        .key(Key::latin1("s3cr3tk3y")?)
        .service("billing", Key::latin1("billing-key")?)
        .service("reports", Key::latin1("reports-key")?)
        .build();

    let app = Router::new()
        // @hmac.auth(only=["billing"])
        .route(
            "/compat",
            post(handler).layer(HmacAuthLayer::new(hmac.clone()).only(Only::names(["billing"]))),
        )
        // Strong mode: method, path, query, timestamp and nonce are signed; replays refused.
        .route(
            "/strong",
            post(handler).layer(
                HmacAuthLayer::new(hmac.clone())
                    .body_limit(64 * 1024)
                    .strong(StrongMode::new().max_skew(std::time::Duration::from_secs(120))),
            ),
        );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("listening on http://{addr}");

    // Only needed when reqwest is built with `rustls-no-provider` (it is when psono-client is
    // in the same build): give rustls a process-wide crypto provider before building clients.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let send = |req: reqwest::Request| {
        let client = client.clone();
        async move {
            let res = client.execute(req).await?;
            Ok::<_, reqwest::Error>(format!("{} {}", res.status(), res.text().await?))
        }
    };

    let billing = Signer::new(hmac.clone(), Credential::Service("billing".into()));
    let mut req = client
        .post(format!("http://{addr}/compat"))
        .body("{\"amount\": 10}")
        .build()?;
    billing.sign_reqwest(&mut req)?;
    println!("compat, billing:   {}", send(req).await?.trim_end());

    let reports = Signer::new(hmac.clone(), Credential::Service("reports".into()));
    let mut req = client
        .post(format!("http://{addr}/compat"))
        .body("{}")
        .build()?;
    reports.sign_reqwest(&mut req)?;
    println!("compat, reports:   {}", send(req).await?.trim_end());

    let strong = Signer::new(hmac, Credential::Strong(Some("reports".into())));
    let mut req = client
        .post(format!("http://{addr}/strong?day=1"))
        .body("{}")
        .build()?;
    strong.sign_reqwest(&mut req)?;
    let replay = req.try_clone().ok_or("body not clonable")?;
    println!("strong, first:     {}", send(req).await?.trim_end());
    println!("strong, replayed:  {}", send(replay).await?.trim_end());
    Ok(())
}
