//! The read and write paths against the test server: the access endpoint, the session
//! fallback, restricted write keys, secrets as psonoci leaves them, logout on every path.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use std::sync::atomic::Ordering;

use psono_client::{Client, Error, FieldName, SecretType, Source, Via};
use serde_json::json;
use server::*;

fn requests(srv: &TestServer) -> usize {
    srv.state.requests.load(Ordering::SeqCst)
}

#[tokio::test]
async fn psonoci_rewritten_secret_keeps_its_type_and_value() {
    let srv = TestServer::start().await;
    srv.psonoci_rewrite(SECRET_DB);
    let fields = srv.secret_fields(SECRET_DB);
    assert_eq!(fields.as_object().unwrap().len(), PSONOCI_FIELDS.len());
    assert!(fields["website_password_title"].is_null());
    let client = Client::new(srv.config(&srv.fixture.restricted_write)).unwrap();
    let (secret, source) = client.read_secret(SECRET_DB, Via::Auto).await.unwrap();
    assert_eq!(source, Source::ApiKeyAccess);
    assert_eq!(secret.kind(), SecretType::ApplicationPassword);
    assert_eq!(
        secret.get(&FieldName::parse("username").unwrap()).unwrap(),
        "root"
    );
    assert_eq!(
        secret
            .get(&FieldName::parse("url").unwrap())
            .unwrap_err()
            .code(),
        "unknown_field"
    );
    // Through a session the entry's type decides.
    let full = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let (secret, source) = full.read_secret(SECRET_DB, Via::Session).await.unwrap();
    assert_eq!(
        (secret.kind(), source),
        (SecretType::ApplicationPassword, Source::Session)
    );
    assert_eq!(srv.tokens(), 0);
}

#[tokio::test]
async fn restricted_write_key_writes_through_the_access_endpoint() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.restricted_write)).unwrap();
    let before = requests(&srv);
    let (field, source) = client
        .update_secret(SECRET_DB, Via::Auto, |s| {
            Ok((
                s.set(&FieldName::parse("password").unwrap(), "hunter2")?,
                true,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        (field.as_str(), source),
        ("application_password_password", Source::ApiKeyAccess)
    );
    assert_eq!(
        requests(&srv) - before,
        2,
        "one read, one write, no session"
    );
    assert_eq!(srv.tokens(), 0);
    let stored = srv.secret_fields(SECRET_DB);
    assert_eq!(stored["application_password_password"], "hunter2");
    // Only the changed field differs: no null fields added.
    assert_eq!(stored.as_object().unwrap().len(), 4);
    // A restricted read-only key is refused, with the reason.
    let ro = Client::new(srv.config(&srv.fixture.restricted)).unwrap();
    let err = ro
        .update_secret(SECRET_WEB, Via::Auto, |s| {
            Ok((s.set(&FieldName::parse("password").unwrap(), "x")?, true))
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::NotAttached {
            secret_id: SECRET_WEB.into(),
            action: "write"
        }
    );
}

#[tokio::test]
async fn auto_falls_back_to_a_session_only_for_unrestricted_keys() {
    let srv = TestServer::start().await;
    // Unrestricted: SECRET_ENV is not attached, the session finds it.
    let full = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let (secret, source) = full.read_secret(SECRET_ENV, Via::Auto).await.unwrap();
    assert_eq!(source, Source::Session);
    assert_eq!(secret.env_vars().unwrap()[0].key, "TOKEN");
    assert_eq!(srv.tokens(), 0, "logged out");
    // Restricted with session keys configured: refused after access + inspect, no login.
    let restricted = Client::new(srv.config(&srv.fixture.restricted)).unwrap();
    let before = requests(&srv);
    let err = restricted
        .read_secret(SECRET_ENV, Via::Auto)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_attached");
    assert_eq!(requests(&srv) - before, 2);
    // A session write by the full key: POST /secret/ in the same session.
    let (_, source) = full
        .update_secret(SECRET_NOTE, Via::Session, |s| {
            Ok((s.set(&FieldName::parse("notes").unwrap(), "rotated")?, true))
        })
        .await
        .unwrap();
    assert_eq!(source, Source::Session);
    assert_eq!(srv.secret_fields(SECRET_NOTE)["note_notes"], "rotated");
    assert_eq!(srv.tokens(), 0);
}

#[tokio::test]
async fn sessions_log_out_on_drop_and_on_errors() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let s = client.login().await.unwrap();
    assert_eq!(srv.tokens(), 1);
    drop(s);
    for _ in 0..50 {
        if srv.tokens() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(srv.tokens(), 0, "the drop guard logged out");
    // An error inside with_session still logs out.
    let err = client
        .with_session(async |s| s.secret("00000000-0000-4000-8000-00000000dead").await)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_secret");
    assert_eq!(srv.tokens(), 0);
}

#[tokio::test]
async fn inspect_lists_attached_secrets_and_errors_are_actionable() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.restricted_write)).unwrap();
    let info = client.api_key_info().await.unwrap();
    assert!(info.restrict_to_secrets && info.read && info.write);
    assert_eq!(info.secrets.len(), 4);
    let all = client.attached_secrets().await.unwrap();
    assert_eq!(all.len(), 4);
    // A wrong server URL: Django's HTML 404 page is reduced to a sentence.
    let cfg = srv
        .config(&srv.fixture.full)
        .with_server_url(&format!("{}/nope", srv.url));
    let err = Client::new(cfg).unwrap().api_key_info().await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(!err.to_string().contains('<'), "{err}");
    let _ = json!(null);
}
