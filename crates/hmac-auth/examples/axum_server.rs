//! An axum server protected by Flask-HMAC compatible auth on one route and by Flask-HMAC or
//! RFC 9421 HTTP Message Signatures on another (a migration in progress), plus clients
//! signing requests to both.
//!
//! ```text
//! cargo run -p hmac-auth --example axum_server --features reqwest,httpsig
//! ```
//!
//! It binds 127.0.0.1 on an ephemeral port, sends a few signed and unsigned requests, prints
//! the answers and exits.

use axum::Router;
use axum::extract::Extension;
use axum::routing::post;
use hmac_auth::{Authenticated, Credential, Formats, Hmac, HmacAuthLayer, Key, Only, Signer};
use keyauth_httpsig::{SigningKey, StaticKeys, Verifier};

async fn handler(
    who: Option<Extension<Authenticated>>,
    rfc: Option<Extension<keyauth_httpsig::Verified>>,
    body: String,
) -> String {
    let who = match (who, rfc) {
        (Some(Extension(who)), _) => who.service().unwrap_or("(global key)").to_owned(),
        (None, Some(Extension(v))) => format!("RFC 9421 key {}", v.keyid.unwrap_or_default()),
        (None, None) => "nobody".to_owned(),
    };
    format!("hello {who:?}, you sent {} bytes\n", body.len())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // app.config['HMAC_KEY'] / ['HMAC_KEYS'] of the Flask app.
    let hmac = Hmac::builder()
        .key(Key::latin1("s3cr3tk3y")?)
        .service("billing", Key::latin1("billing-key")?)
        .service("reports", Key::latin1("reports-key")?)
        .build();

    let rfc_key = SigningKey::hmac_sha256(b"reports-key");
    let verifier = Verifier::builder(StaticKeys::new().with("reports", rfc_key.verifying_key()))
        .scheme("http")
        .build();

    let app = Router::new()
        // @hmac.auth(only=["billing"])
        .route(
            "/compat",
            post(handler).layer(HmacAuthLayer::new(hmac.clone()).only(Only::names(["billing"]))),
        )
        // Migrating: Flask-HMAC or RFC 9421 (method, target URI, authority, body digest,
        // time and nonce signed; replays refused).
        .route(
            "/both",
            post(handler).layer(
                HmacAuthLayer::new(hmac.clone())
                    .body_limit(64 * 1024)
                    .httpsig(verifier, Formats::Both),
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

    let rfc = keyauth_httpsig::Signer::new(rfc_key).keyid("reports");
    let mut req = client
        .post(format!("http://{addr}/both?day=1"))
        .body("{}")
        .build()?;
    rfc.sign_reqwest(&mut req)?;
    let replay = req.try_clone().ok_or("body not clonable")?;
    println!("RFC 9421, first:   {}", send(req).await?.trim_end());
    println!("RFC 9421, replay:  {}", send(replay).await?.trim_end());
    let mut req = client
        .post(format!("http://{addr}/both"))
        .body("{}")
        .build()?;
    billing.sign_reqwest(&mut req)?;
    println!("both, Flask-HMAC:  {}", send(req).await?.trim_end());
    Ok(())
}
