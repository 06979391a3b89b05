//! HTTPS end to end: a private root CA (rcgen), a real TLS listener on 127.0.0.1 (rustls)
//! in front of the test server, and the client trusting that root through
//! `Config::with_root_certificates_pem` (psonoci's `--pem-root-certificate-path`).
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use std::sync::Arc;

use psono_client::{Client, Error, FieldName, Via};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use server::*;

struct Tls {
    url: String,
    ca_pem: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Tls {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A TLS terminator on 127.0.0.1 forwarding to `backend` (bounded: 64 connections).
async fn tls_front(backend: std::net::SocketAddr) -> Tls {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "keyauth test root");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    Tls {
        url: format!("https://{addr}"),
        ca_pem: ca.pem(),
        task,
    }
}

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
