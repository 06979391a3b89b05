//! End-to-end: the client against the protocol-faithful test server over real HTTP on
//! 127.0.0.1.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use keyauth_core::{FixedClock, UnixTime};
use psono_client::{Client, Config, Error, SecretData};
use serde_json::json;
use server::*;

fn key11() -> psono_client::SecretKey {
    psono_client::SecretKey::from_bytes([0x11; 32])
}

async fn session(srv: &TestServer, key: &ApiKeyCreds) -> psono_client::Session {
    Client::new(srv.config(key)).unwrap().login().await.unwrap()
}

#[tokio::test]
async fn login_and_list_datastores() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    assert!(s.info().read && s.info().write && !s.info().restrict_to_secrets);
    assert!(s.user_keys().unwrap().public_key_matches);
    let list = s.datastores().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, DATASTORE_ID);
    assert_eq!(list[0].kind, "password");
    assert_eq!(list[1].description, "Ünïcode");
    assert_eq!(srv.tokens(), 1);
}

#[tokio::test]
async fn read_password_datastore_and_empty_datastore() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    let ds = s.password_datastore().await.unwrap();
    let content = ds.content.json();
    assert_eq!(content["datastore_id"], DATASTORE_ID);
    assert_eq!(content["items"][0]["name"], "Example");
    // A fresh datastore has data == "": it reads as {}.
    let user_ds = s.datastore(USER_DATASTORE_ID).await.unwrap();
    assert_eq!(user_ds.content.json(), &json!({}));
    // Not the owner / unknown: the server's encrypted 403 message comes through.
    let err = s
        .datastore("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::NotFound {
            what: "datastore 00000000-0000-4000-8000-000000000000".into()
        }
    );
}

#[tokio::test]
async fn follows_shares_two_levels_deep_and_breaks_the_cycle() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    let ds = s.password_datastore().await.unwrap();
    let tree = s.tree(&ds).await.unwrap();
    assert_eq!(
        tree.shares_read,
        vec![SHARE_TEAM.to_owned(), SHARE_NESTED.to_owned()]
    );
    let paths: Vec<Vec<String>> = tree.entries.iter().map(|e| e.path.clone()).collect();
    let want: Vec<Vec<String>> = srv
        .fixture
        .secrets
        .iter()
        .map(|(_, p, _, _)| p.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    assert_eq!(
        paths, want,
        "walk order, deleted item skipped, cycle not re-entered"
    );
    let deep = tree.find_path(&["Team", "Nested", "2FA"]).unwrap();
    assert_eq!(deep.secret_id.as_deref(), Some(SECRET_TOTP));
    assert_eq!(deep.kind, "totp");
}

#[tokio::test]
async fn reads_each_secret_and_field() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    for (id, _, _, fields) in &srv.fixture.secrets {
        let data = s.secret(id).await.unwrap();
        assert_eq!(data.json(), fields, "{id}");
        for (name, value) in fields.as_object().unwrap() {
            assert_eq!(data.field(name).unwrap(), value);
        }
    }
    // One walk, many reads: same results, fewer requests.
    let tree = s
        .tree(&s.password_datastore().await.unwrap())
        .await
        .unwrap();
    let before = srv.state.requests.load(Ordering::SeqCst);
    for (id, _, _, fields) in &srv.fixture.secrets {
        assert_eq!(s.secret_in(&tree, id).await.unwrap().json(), fields);
    }
    assert_eq!(
        srv.state.requests.load(Ordering::SeqCst) - before,
        srv.fixture.secrets.len()
    );
    let web = s.secret(SECRET_WEB).await.unwrap();
    assert_eq!(
        web.field_str("website_password_password").unwrap(),
        Some("pä$$ wörd 🔑")
    );
    assert_eq!(
        web.field("no_such_field").unwrap_err(),
        Error::UnknownField {
            field: "no_such_field".into()
        }
    );
    let env = s.secret(SECRET_ENV).await.unwrap();
    assert_eq!(env.field_str("environment_variables_notes").unwrap(), None);
    let err = s
        .secret("00000000-0000-4000-8000-00000000dead")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_secret");
    // Debug never shows values.
    let dbg = format!("{web:?}");
    assert!(
        dbg.contains("website_password_password") && !dbg.contains("wörd"),
        "{dbg}"
    );
}

#[tokio::test]
async fn malformed_secret_id_gets_the_servers_message() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    let key = psono_client::SecretKey::generate().unwrap();
    let err = s.secret_with_key("not-a-uuid", &key).await.unwrap_err();
    assert_eq!(
        err,
        Error::Http {
            status: 400,
            message: "SECRET_ID_MALFORMED".into()
        }
    );
    // An unknown secret id: not found, in words a person can act on.
    let err = s
        .secret_with_key("00000000-0000-4000-8000-00000000dead", &key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert_eq!(
        err.to_string(),
        "secret 00000000-0000-4000-8000-00000000dead not found, or the api key's user has no access to it"
    );
}

#[tokio::test]
async fn update_secret_round_trip_and_read_only_key_refused() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    let ds = s.password_datastore().await.unwrap();
    let tree = s.tree(&ds).await.unwrap();
    let entry = tree.find_secret(SECRET_NOTE).unwrap();
    let key = entry.secret_key.clone().unwrap();
    let mut data = s.secret_with_key(SECRET_NOTE, &key).await.unwrap();
    data.set_field("note_notes", json!("rotated"));
    s.update_secret(SECRET_NOTE, &key, &data).await.unwrap();
    let again = s.secret_with_key(SECRET_NOTE, &key).await.unwrap();
    assert_eq!(again.field_str("note_notes").unwrap(), Some("rotated"));

    let ro = session(&srv, &srv.fixture.readonly).await;
    let err = ro
        .update_secret(SECRET_NOTE, &key, &data)
        .await
        .unwrap_err();
    assert_eq!(err, Error::NoPermission { action: "write" });
}

#[tokio::test]
async fn restricted_key_reads_its_secret_and_is_refused_others() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.restricted)).unwrap();
    let data = client.api_key_access_secret(SECRET_WEB).await.unwrap();
    assert_eq!(data.json(), &srv.fixture.secrets[0].3);
    let err = client.api_key_access_secret(SECRET_NOTE).await.unwrap_err();
    assert_eq!(
        err,
        Error::NotAttached {
            secret_id: SECRET_NOTE.into(),
            action: "read"
        }
    );
    // It can still log in, but the login withholds the user's keys.
    let s = client.login().await.unwrap();
    assert!(s.info().restrict_to_secrets);
    assert!(s.user_keys().is_none());
    assert_eq!(
        s.password_datastore().await.unwrap_err(),
        Error::RestrictedApiKey
    );
    // Sessionless access with an unknown key id is refused.
    let cfg = srv.config_as(
        "00000000-0000-4000-8000-000000000000",
        &srv.fixture.restricted,
    );
    let err = Client::new(cfg)
        .unwrap()
        .api_key_access_secret(SECRET_WEB)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_attached");
    drop(s);
}

#[tokio::test]
async fn tampered_server_signature_is_refused_before_decryption() {
    let srv = TestServer::start().await;
    srv.state
        .tamper_login_signature
        .store(true, Ordering::SeqCst);
    let err = Client::new(srv.config(&srv.fixture.full))
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(err, Error::BadSignature);
    // A client pinning another server signature refuses the genuine server too.
    srv.state
        .tamper_login_signature
        .store(false, Ordering::SeqCst);
    let cfg = srv.config(&srv.fixture.full).session_keys(
        psono_client::SigningSeed::from_hex(&srv.fixture.full.private_key_hex).unwrap(),
        psono_client::SigningSeed::generate().unwrap().verify_key(),
    );
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert_eq!(err, Error::BadSignature);
}

#[tokio::test]
async fn tampered_or_plaintext_responses_are_refused() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    srv.state.tamper_responses.store(true, Ordering::SeqCst);
    assert_eq!(s.datastores().await.unwrap_err(), Error::DecryptFailed);
    srv.state.tamper_responses.store(false, Ordering::SeqCst);
    srv.state.plaintext_responses.store(true, Ordering::SeqCst);
    assert_eq!(
        s.datastores().await.unwrap_err(),
        Error::UnencryptedResponse
    );
    srv.state.plaintext_responses.store(false, Ordering::SeqCst);
    assert_eq!(s.datastores().await.unwrap().len(), 2);
}

#[tokio::test]
async fn bad_login_signature_and_unknown_key_are_refused_by_the_server() {
    let srv = TestServer::start().await;
    let cfg = srv.config(&srv.fixture.full).session_keys(
        psono_client::SigningSeed::generate().unwrap(),
        psono_client::VerifyKey::from_hex(&srv.fixture.server_signature_hex).unwrap(),
    );
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert_eq!(err, Error::LoginRefused);
    let cfg = srv.config_as("00000000-0000-4000-8000-000000000000", &srv.fixture.full);
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert_eq!(err, Error::UnknownApiKey);
    assert_eq!(srv.tokens(), 0);
}

#[tokio::test]
async fn expired_token_is_refused_by_server_and_noticed_by_client() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    // The session lives 600 s at most (the default 86400 is clamped).
    let till = s.info().session_valid_till();
    let now =
        psono_client::Timestamp::from_unix(keyauth_core::Clock::now(&keyauth_core::SystemClock));
    assert!(till.seconds_since(now) < 601.0 && till.seconds_since(now) > 590.0);
    // Server-side: its clock moves past valid_till; the client's does not.
    // The server expires the session mid-run: the session logs in again once and repeats
    // the request; the stale token is not left behind.
    srv.state.clock_offset.store(601, Ordering::SeqCst);
    assert_eq!(s.datastores().await.unwrap().len(), 2);
    assert_eq!(s.logins(), 2);
    assert_eq!(
        srv.tokens(),
        2,
        "the expired token stays in the table, the server rejects it"
    );
    srv.state.clock_offset.store(0, Ordering::SeqCst);
    srv.expire_sessions();
    assert_eq!(s.datastores().await.unwrap().len(), 2);
    assert_eq!(s.logins(), 3);
    // Client-side: its clock is past valid_till, no request is sent.
    let clock = Arc::new(FixedClock::new(till.to_unix().saturating_add(2)));
    let cfg = srv.config(&srv.fixture.full).clock(clock.clone());
    let s2 = Client::new(cfg).unwrap().login().await.unwrap();
    // Past valid_till by the local clock: a fresh login first (no wasted refused request),
    // and when the fresh session is expired by that clock too, no request at all.
    clock.set(
        s2.info()
            .session_valid_till()
            .to_unix()
            .saturating_add(10_000),
    );
    let before = srv.state.requests.load(Ordering::SeqCst);
    assert_eq!(s2.datastores().await.unwrap_err(), Error::SessionExpired);
    assert_eq!(
        srv.state.requests.load(Ordering::SeqCst),
        before + 1,
        "one login, no refused request"
    );
    let _ = UnixTime::new(0);
}

#[tokio::test]
async fn logout_deletes_the_token_and_missing_token_is_refused() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let s = client.login().await.unwrap();
    let s2 = client.login().await.unwrap();
    assert_eq!(srv.tokens(), 2);
    s.logout().await.unwrap();
    assert_eq!(srv.tokens(), 1);
    s2.logout().await.unwrap();
    assert_eq!(srv.tokens(), 0);
    // No Authorization header at all.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::get(format!("{}/datastore/", srv.url))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Token");
}

#[tokio::test]
async fn server_info_is_verified() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let info = client.server_info().await.unwrap();
    assert_eq!(info["version"], "7.2.3 (Build 2c4590d8)");
    assert_eq!(
        info["public_key"],
        srv.fixture.server_public_key_hex.as_str()
    );
    let cfg = srv.config(&srv.fixture.full).session_keys(
        psono_client::SigningSeed::generate().unwrap(),
        psono_client::SigningSeed::generate().unwrap().verify_key(),
    );
    assert_eq!(
        Client::new(cfg).unwrap().server_info().await.unwrap_err(),
        Error::BadSignature
    );
}

#[tokio::test]
async fn server_down_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let cfg = Config::new(&format!("http://{addr}"), FULL_KEY_ID, key11())
        .unwrap()
        .with_session_keys(
            &"22".repeat(32),
            &psono_client::SigningSeed::generate()
                .unwrap()
                .verify_key()
                .to_hex(),
        )
        .unwrap();
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(err.kind(), keyauth_core::ErrorKind::Unavailable);
}

#[tokio::test]
async fn silent_server_times_out() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..8 {
            if let Ok((sock, _)) = listener.accept().await {
                held.push(sock);
            }
        }
    });
    let cfg = Config::new(&format!("http://{addr}"), FULL_KEY_ID, key11())
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = Client::new(cfg)
        .unwrap()
        .api_key_access_secret(SECRET_WEB)
        .await
        .unwrap_err();
    assert_eq!(err, Error::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
    task.abort();
}

#[tokio::test]
async fn config_from_env_vars_and_file_logs_in() {
    let srv = TestServer::start().await;
    let k = &srv.fixture.full;
    let vars = [
        ("PSONO_CI_SERVER_URL", srv.url.clone()),
        ("PSONO_CI_API_KEY_ID", k.id.clone()),
        ("PSONO_CI_API_SECRET_KEY_HEX", k.secret_key_hex.clone()),
        ("PSONO_CI_API_PRIVATE_KEY_HEX", k.private_key_hex.clone()),
        (
            "PSONO_CI_SERVER_SIGNATURE_HEX",
            srv.fixture.server_signature_hex.clone(),
        ),
        ("PSONO_CI_TIMEOUT", "5".into()),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let cfg = Config::from_vars(lookup).unwrap();
    assert_eq!(cfg.timeout(), Duration::from_secs(5));
    let dbg = format!("{cfg:?}");
    assert!(
        !dbg.contains(&k.secret_key_hex) && !dbg.contains(&k.private_key_hex),
        "{dbg}"
    );
    Client::new(cfg).unwrap().login().await.unwrap();

    let toml = format!(
        "version = \"1\"\n[psono_settings]\napi_key_id = \"{}\"\napi_secret_key_hex = \"{}\"\nserver_url = \"{}/\"\napi_private_key_hex = \"{}\"\nserver_signature_hex = \"{}\"\n[http_options]\ntimeout = 7\n",
        k.id, k.secret_key_hex, srv.url, k.private_key_hex, srv.fixture.server_signature_hex
    );
    let dir = std::env::temp_dir().join(format!("psono-client-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("psonoci.toml");
    std::fs::write(&path, toml).unwrap();
    let only_path =
        |name: &str| (name == "PSONO_CI_CONFIG_PATH").then(|| path.display().to_string());
    let cfg = Config::from_vars(only_path).unwrap();
    assert_eq!(cfg.timeout(), Duration::from_secs(7));
    assert_eq!(cfg.server_url(), srv.url);
    let s = Client::new(cfg).unwrap().login().await.unwrap();
    assert_eq!(s.datastores().await.unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();

    // Missing and malformed settings are named, values never echoed.
    let err = Config::from_vars(|_| None).unwrap_err();
    assert_eq!(
        err,
        Error::MissingSetting {
            name: "PSONO_CI_SERVER_URL"
        }
    );
    assert_eq!(err.to_string(), "PSONO_CI_SERVER_URL is not set");
    let err = Config::from_toml("version = \"1\"\n[psono_settings]\napi_key_id = \"x\"\napi_secret_key_hex = \"zz\"\nserver_url = \"http://x\"\n").unwrap_err();
    assert!(!err.to_string().contains("zz"), "{err}");
}

#[tokio::test]
async fn secret_values_never_reach_debug_or_errors() {
    let srv = TestServer::start().await;
    let s = session(&srv, &srv.fixture.full).await;
    let dbg = format!("{s:?}");
    let token_like = s.info().token().expose_secret().to_owned();
    assert!(!dbg.contains(&token_like), "{dbg}");
    assert!(!dbg.contains(&*s.info().session_secret_key().to_hex()));
    assert_eq!(format!("{:?}", s.info().token()), "Token([redacted])");
    let data: SecretData = s.secret(SECRET_DB).await.unwrap();
    assert!(!format!("{data:?}").contains("xxxx"));
}

#[tokio::test]
async fn tls_is_verified_and_responses_are_capped() {
    let srv = TestServer::start().await;
    // https to a plain-HTTP port: the TLS handshake fails, nothing is read.
    let cfg = srv
        .config(&srv.fixture.full)
        .with_server_url(&srv.url.replace("http://", "https://"));
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    // A body over the cap is refused.
    let cfg = srv.config(&srv.fixture.full).with_max_response_bytes(64);
    let err = Client::new(cfg).unwrap().login().await.unwrap_err();
    assert_eq!(err, Error::Network("response too large".into()));
}

/// A hostile (or broken) server's text in error bodies: escape sequences, BEL, NUL, C1 CSI,
/// bidirectional overrides and isolates never reach a terminal raw through `Display`.
#[tokio::test]
async fn hostile_server_text_is_escaped_in_errors() {
    let srv = TestServer::start().await;
    let client = Client::new(srv.config(&srv.fixture.full)).unwrap();
    let evil = "\u{1b}]0;pwned\u{7}\u{0}\u{9b}2J\u{202e}gnp.exe\u{2066}\u{200f}";
    let bodies = [
        json!({"detail": evil}).to_string(),
        json!({"non_field_errors": [evil]}).to_string(),
        json!({evil: ["bad"]}).to_string(),
        format!("<html><head><title>{evil}</title></head><body>x</body></html>"),
        evil.to_owned(),
    ];
    for body in &bodies {
        for status in [400, 500, 502] {
            srv.answer_everything_with(status, body);
            let errors = [
                client.server_info().await.unwrap_err(),
                client.login().await.map(|_| ()).unwrap_err(),
            ];
            for e in errors {
                let shown = e.to_string();
                assert!(
                    !shown
                        .chars()
                        .any(psono_client::keyauth_core::text::is_unsafe_for_terminal),
                    "{status} {body:?}: {shown:?}"
                );
                assert_eq!(e.code(), "http_status", "{shown}");
                assert!(
                    shown.contains("\\u{202e}gnp.exe"),
                    "{status} {body:?}: {shown:?}"
                );
            }
        }
    }
}
