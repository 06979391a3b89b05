//! HTTPS end to end: a private root CA (rcgen), a real TLS listener on 127.0.0.1 (rustls)
//! in front of the test server, and the client trusting that root through
//! `Config::with_root_certificates_pem` (psonoci's `--pem-root-certificate-path`).
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use psono_client::{Client, Error, FieldName, Via};
use server::tls::tls_front;
use server::*;

#[tokio::test]
async fn https_with_a_private_root() {
    let srv = TestServer::start().await;
    let tls = tls_front(srv.addr).await;
    let cfg = srv
        .config(&srv.fixture.full)
        .with_server_url(&tls.url)
        .with_root_certificates_pem(tls.ca_pem.as_bytes())
        .unwrap();
    let client = Client::new(cfg).unwrap();
    // The sessionless path and a full session read, both over TLS.
    let (secret, _) = client.read_secret(SECRET_WEB, Via::Access).await.unwrap();
    assert_eq!(
        secret.get(&FieldName::parse("username").unwrap()).unwrap(),
        "alice"
    );
    let (secret, _) = client.read_secret(SECRET_DB, Via::Session).await.unwrap();
    assert_eq!(
        secret.get(&FieldName::parse("username").unwrap()).unwrap(),
        "root"
    );
    assert_eq!(srv.tokens(), 0);
    // Without the private root the handshake fails: nothing is sent or read.
    let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    let cfg = srv.config(&srv.fixture.full).with_server_url(&tls.url);
    let err = Client::new(cfg)
        .unwrap()
        .api_key_access_secret(SECRET_WEB)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst),
        before
    );
    // A file that holds no certificate is refused when the config is built.
    let bad = srv
        .config(&srv.fixture.full)
        .with_root_certificates_pem(b"not pem");
    assert!(matches!(bad, Err(Error::Config(_))));
}
