//! A protocol-faithful Psono test server (psono-server 7.2.3 semantics, real cryptography)
//! for the endpoints this crate uses. It binds 127.0.0.1 only.
//!
//! It holds its own Ed25519/X25519 server key, a user with a password datastore whose tree
//! links a share which links a nested share which links the first one back (a cycle), five
//! secrets, and three API keys: `full` (read + write), `readonly`, and `restricted` (restricted
//! to secrets, one secret attached).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::result_large_err,
    missing_docs
)]

pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use psono_client::crypto::{BoxSecretKey, SecretKey, SigningSeed, hex_encode, random_nonce};
use psono_client::server::{
    python_json, seal_login_response, sign_info, token_hash, verify_login_request,
};
use psono_client::{EncryptedBody, Error, Timestamp, VerifyKey};
use serde_json::{Value, json};

pub const FULL_KEY_ID: &str = "6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b";
pub const READONLY_KEY_ID: &str = "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
pub const RESTRICTED_KEY_ID: &str = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
/// Restricted to secrets, read + write (the usual psonoci CI key): every secret but the note
/// attached.
pub const RESTRICTED_WRITE_KEY_ID: &str = "5d6e7f80-9a1b-4c2d-8e3f-405162738495";

pub const DATASTORE_ID: &str = "f1ef6748-ab1d-48a1-9349-f38e5b9276aa";
pub const USER_DATASTORE_ID: &str = "f8d33833-8224-454d-9572-a3fcc71eb340";
pub const SHARE_TEAM: &str = "22e36c44-a38b-4610-b5c6-74b2e30fb72b";
pub const SHARE_NESTED: &str = "b62a6099-97fa-45ed-9479-4ec8ebece4ed";

pub const SECRET_WEB: &str = "4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff";
pub const SECRET_NOTE: &str = "2e354dfd-c5f1-483a-a97e-d8de9f242fcf";
pub const SECRET_ENV: &str = "bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a";
pub const SECRET_DB: &str = "9489df2e-52ac-468b-8a8e-0b6f6313f822";
pub const SECRET_TOTP: &str = "1396421d-9498-4b53-a7dc-59a1de5901d4";

/// The credentials a user would copy from the web client.
#[derive(Clone, Debug)]
pub struct ApiKeyCreds {
    pub id: String,
    pub private_key_hex: String,
    pub secret_key_hex: String,
}

struct ApiKey {
    verify_key: VerifyKey,
    secret_key: SecretKey,
    restrict_to_secrets: bool,
    read: bool,
    write: bool,
    /// secret id → (wrapped secret key, nonce) under the API secret key.
    secrets: HashMap<String, (String, String)>,
}

struct TokenRec {
    secret_key: SecretKey,
    valid_till: Timestamp,
    read: bool,
    write: bool,
}

struct Stored {
    data: String,
    data_nonce: String,
}

struct DatastoreRec {
    kind: &'static str,
    description: &'static str,
    data: String,
    data_nonce: String,
    secret_key: String,
    secret_key_nonce: String,
}

pub struct ServerState {
    server_key: SigningSeed,
    user_secret_key: SecretKey,
    user_private_key: BoxSecretKey,
    api_keys: HashMap<String, ApiKey>,
    tokens: Mutex<HashMap<String, TokenRec>>,
    datastores: Vec<(String, DatastoreRec)>,
    shares: HashMap<String, Stored>,
    secrets: Mutex<HashMap<String, Stored>>,
    secret_keys: HashMap<String, SecretKey>,
    /// Seconds added to the wall clock (to expire sessions).
    pub clock_offset: AtomicI64,
    /// Sign the login info with another key.
    pub tamper_login_signature: AtomicBool,
    /// Flip one ciphertext byte of every session response.
    pub tamper_responses: AtomicBool,
    /// Answer session requests in plaintext.
    pub plaintext_responses: AtomicBool,
    /// Requests served.
    pub requests: AtomicUsize,
    /// Answer every request with this status and body (a hostile or broken server).
    pub canned: Mutex<Option<(u16, String)>>,
}

/// The fixture: expected plaintexts and the credentials.
pub struct Fixture {
    pub server_signature_hex: String,
    pub server_public_key_hex: String,
    pub full: ApiKeyCreds,
    pub readonly: ApiKeyCreds,
    pub restricted: ApiKeyCreds,
    pub restricted_write: ApiKeyCreds,
    /// secret id → (path, type, fields)
    pub secrets: Vec<(&'static str, Vec<&'static str>, &'static str, Value)>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub state: Arc<ServerState>,
    pub fixture: Fixture,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn seal(key: &SecretKey, plain: &str) -> (String, String) {
    key.seal_hex(plain.as_bytes()).unwrap()
}

fn make_key(label: &str) -> SecretKey {
    let _ = label;
    SecretKey::generate().unwrap()
}

fn now_micros(state: &ServerState) -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let micros = i64::try_from(d.as_micros()).unwrap();
    Timestamp::from_micros(micros).plus_seconds(state.clock_offset.load(Ordering::SeqCst))
}

impl TestServer {
    pub async fn start() -> Self {
        let server_key = SigningSeed::generate().unwrap();
        let user_secret_key = SecretKey::generate().unwrap();
        let user_private_key = BoxSecretKey::generate().unwrap();

        // Secrets and their keys.
        let secrets_plain: Vec<(&'static str, Vec<&'static str>, &'static str, Value)> = vec![
            (
                SECRET_WEB,
                vec!["Example"],
                "website_password",
                json!({"website_password_title": "Example", "website_password_url": "https://example.com",
                       "website_password_username": "alice", "website_password_password": "pä$$ wörd 🔑",
                       "website_password_notes": "", "website_password_url_filter": "example.com"}),
            ),
            (
                SECRET_NOTE,
                vec!["Private", "Note"],
                "note",
                json!({"note_title": "Note", "note_notes": "line1\nline2 \"quoted\" \\ back"}),
            ),
            (
                SECRET_ENV,
                vec!["Private", "CI"],
                "environment_variables",
                json!({"environment_variables_title": "CI", "environment_variables_notes": null,
                       "environment_variables_variables": [{"key": "TOKEN", "value": "abc"}, {"key": "EMPTY", "value": ""}]}),
            ),
            (
                SECRET_DB,
                vec!["Team", "DB"],
                "application_password",
                json!({"application_password_title": "DB", "application_password_username": "root",
                       "application_password_password": "x".repeat(300), "application_password_notes": "big"}),
            ),
            (
                SECRET_TOTP,
                vec!["Team", "Nested", "2FA"],
                "totp",
                json!({"totp_title": "2FA", "totp_period": 30, "totp_algorithm": "SHA1", "totp_digits": 6,
                       "totp_code": "JBSWY3DPEHPK3PXP"}),
            ),
        ];
        let mut secret_keys = HashMap::new();
        let mut secrets = HashMap::new();
        for (id, _, _, fields) in &secrets_plain {
            let k = make_key(id);
            let (data, data_nonce) = seal(&k, &fields.to_string());
            secrets.insert((*id).to_owned(), Stored { data, data_nonce });
            secret_keys.insert(*id, k);
        }
        let item = |id: &str, secret: &str, kind: &str, name: &str| {
            json!({"id": id, "type": kind, "name": name, "secret_id": secret,
                   "secret_key": *secret_keys[secret].to_hex()})
        };

        // Shares: Team (DB + link to Nested), Nested (2FA + link back to Team).
        let team_key = make_key("team");
        let nested_key = make_key("nested");
        let nested_content = json!({
            "name": "Nested",
            "items": [item("c1f0a0e2-0000-4000-8000-000000000001", SECRET_TOTP, "totp", "2FA")],
            "folders": [{"id": "c1f0a0e2-0000-4000-8000-000000000002", "name": "Loop",
                         "share_id": SHARE_TEAM, "share_secret_key": *team_key.to_hex()}],
            "share_index": {SHARE_TEAM: {"paths": [["c1f0a0e2-0000-4000-8000-000000000002"]], "secret_key": *team_key.to_hex()}}
        });
        let team_content = json!({
            "name": "Team",
            "items": [item("c1f0a0e2-0000-4000-8000-000000000003", SECRET_DB, "application_password", "DB")],
            "folders": [{"id": "c1f0a0e2-0000-4000-8000-000000000004", "name": "Nested",
                         "share_id": SHARE_NESTED, "share_secret_key": *nested_key.to_hex()}],
            "share_index": {SHARE_NESTED: {"paths": [["c1f0a0e2-0000-4000-8000-000000000004"]], "secret_key": *nested_key.to_hex()}}
        });
        let mut shares = HashMap::new();
        for (id, key, content) in [
            (SHARE_TEAM, &team_key, &team_content),
            (SHARE_NESTED, &nested_key, &nested_content),
        ] {
            let (data, data_nonce) = seal(key, &content.to_string());
            shares.insert(id.to_owned(), Stored { data, data_nonce });
        }

        // The password datastore.
        let ds_key = make_key("datastore");
        let ds_content = json!({
            "datastore_id": DATASTORE_ID,
            "items": [
                item("e1e5a55d-6fe7-4c5d-9c71-fd6813f2b344", SECRET_WEB, "website_password", "Example"),
                {"id": "3e3c4c62-81fe-4bb5-b55a-34a3e4ec2db2", "type": "note", "name": "deleted note",
                 "secret_id": SECRET_NOTE, "secret_key": *secret_keys[SECRET_NOTE].to_hex(), "deleted": true}
            ],
            "folders": [
                {"id": "f42d5339-5ad1-4e0a-9a99-020fc781e79c", "name": "Private",
                 "items": [item("3e3c4c62-81fe-4bb5-b55a-34a3e4ec2db3", SECRET_NOTE, "note", "Note"),
                           item("dddf4866-fc9e-4c9f-93ce-eabe47f25181", SECRET_ENV, "environment_variables", "CI")],
                 "folders": [{"id": "bb0a6fb9-43b2-4103-b397-8601fc6ef910", "name": "empty", "items": [], "folders": []}]},
                {"id": "9d6cef66-e5d2-45dc-b418-4262563e4a18", "name": "Team",
                 "share_id": SHARE_TEAM, "share_secret_key": *team_key.to_hex()}
            ],
            "share_index": {SHARE_TEAM: {"paths": [["9d6cef66-e5d2-45dc-b418-4262563e4a18"]], "secret_key": *team_key.to_hex()}}
        });
        let (data, data_nonce) = seal(&ds_key, &ds_content.to_string());
        let (secret_key, secret_key_nonce) = user_secret_key.wrap_key(&ds_key).unwrap();
        let mut datastores = vec![(
            DATASTORE_ID.to_owned(),
            DatastoreRec {
                kind: "password",
                description: "default",
                data,
                data_nonce,
                secret_key,
                secret_key_nonce,
            },
        )];
        let user_ds_key = make_key("user datastore");
        let (secret_key, secret_key_nonce) = user_secret_key.wrap_key(&user_ds_key).unwrap();
        datastores.push((
            USER_DATASTORE_ID.to_owned(),
            DatastoreRec {
                kind: "user",
                description: "Ünïcode",
                data: String::new(),
                data_nonce: String::new(),
                secret_key,
                secret_key_nonce,
            },
        ));

        // API keys.
        let mut api_keys = HashMap::new();
        let mut creds = Vec::new();
        for (id, restrict, read, write) in [
            (FULL_KEY_ID, false, true, true),
            (READONLY_KEY_ID, false, true, false),
            (RESTRICTED_KEY_ID, true, true, false),
            (RESTRICTED_WRITE_KEY_ID, true, true, true),
        ] {
            let private = SigningSeed::generate().unwrap();
            let private_hex = hex_encode(&*private.to_box_secret_key().to_bytes());
            let secret = SecretKey::generate().unwrap();
            let mut attached = HashMap::new();
            attached.insert(
                SECRET_WEB.to_owned(),
                secret.wrap_key(&secret_keys[SECRET_WEB]).unwrap(),
            );
            if !restrict {
                attached.insert(
                    SECRET_NOTE.to_owned(),
                    secret.wrap_key(&secret_keys[SECRET_NOTE]).unwrap(),
                );
            }
            if restrict && write {
                for sid in [SECRET_ENV, SECRET_DB, SECRET_TOTP] {
                    attached.insert(sid.to_owned(), secret.wrap_key(&secret_keys[sid]).unwrap());
                }
            }
            creds.push(ApiKeyCreds {
                id: id.to_owned(),
                private_key_hex: private_hex,
                secret_key_hex: secret.to_hex().to_string(),
            });
            api_keys.insert(
                id.to_owned(),
                ApiKey {
                    verify_key: private.verify_key(),
                    secret_key: secret,
                    restrict_to_secrets: restrict,
                    read,
                    write,
                    secrets: attached,
                },
            );
        }

        let fixture = Fixture {
            server_signature_hex: server_key.verify_key().to_hex(),
            server_public_key_hex: server_key.to_box_secret_key().public_key().to_hex(),
            full: creds[0].clone(),
            readonly: creds[1].clone(),
            restricted: creds[2].clone(),
            restricted_write: creds[3].clone(),
            secrets: secrets_plain,
        };
        let state = Arc::new(ServerState {
            server_key,
            user_secret_key,
            user_private_key,
            api_keys,
            tokens: Mutex::new(HashMap::new()),
            datastores,
            shares,
            secrets: Mutex::new(secrets),
            secret_keys: secret_keys
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            clock_offset: AtomicI64::new(0),
            tamper_login_signature: AtomicBool::new(false),
            tamper_responses: AtomicBool::new(false),
            plaintext_responses: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
            canned: Mutex::new(None),
        });
        let app = Router::new()
            .route("/info/", get(info))
            .route("/api-key/login/", post(login))
            .route("/authentication/logout/", post(logout))
            .route("/datastore/", get(datastore_list))
            .route("/datastore/{id}/", get(datastore_read))
            .route("/share/{id}/", get(share_read))
            .route("/secret/{id}/", get(secret_read))
            .route("/secret/", post(secret_update))
            .route(
                "/api-key-access/secret/",
                post(api_key_access_secret).put(api_key_access_write),
            )
            .route("/api-key-access/inspect/", post(api_key_access_inspect))
            .fallback(not_found_page)
            .layer(axum::middleware::from_fn_with_state(state.clone(), canned))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            url: format!("http://{addr}"),
            state,
            fixture,
            task,
        }
    }

    /// A client config for one of the fixture's keys.
    pub fn config(&self, key: &ApiKeyCreds) -> psono_client::Config {
        self.config_as(&key.id, key)
    }

    /// A client config with another key id (e.g. an unknown one) and `key`'s keys.
    pub fn config_as(&self, id: &str, key: &ApiKeyCreds) -> psono_client::Config {
        psono_client::Config::new(
            &self.url,
            id,
            SecretKey::from_hex(&key.secret_key_hex).unwrap(),
        )
        .unwrap()
        .with_session_keys(&key.private_key_hex, &self.fixture.server_signature_hex)
        .unwrap()
    }

    pub fn tokens(&self) -> usize {
        self.state.tokens.lock().unwrap().len()
    }

    /// Expires every session on the server (as its 600 s limit would).
    pub fn expire_sessions(&self) {
        let past = now_micros(&self.state).plus_seconds(-1);
        for t in self.state.tokens.lock().unwrap().values_mut() {
            t.valid_till = past;
        }
    }

    /// From now on, every request gets this status and body.
    pub fn answer_everything_with(&self, status: u16, body: &str) {
        *self.state.canned.lock().unwrap() = Some((status, body.to_owned()));
    }

    /// The decrypted fields of a stored secret.
    pub fn secret_fields(&self, id: &str) -> Value {
        let secrets = self.state.secrets.lock().unwrap();
        let sec = &secrets[id];
        let plain = self.state.secret_keys[id]
            .open_hex(&sec.data, &sec.data_nonce)
            .unwrap();
        serde_json::from_slice(&plain).unwrap()
    }

    /// Stores new plaintext fields for a secret (encrypted with its key).
    pub fn store_fields(&self, id: &str, fields: &Value) {
        let (data, data_nonce) = seal(&self.state.secret_keys[id], &fields.to_string());
        self.state
            .secrets
            .lock()
            .unwrap()
            .insert(id.to_owned(), Stored { data, data_nonce });
    }

    /// What psonoci 0.6.0's `secret set` leaves behind: every field of its GenericSecret
    /// present (website fields first), the secret's own values kept, all others null.
    pub fn psonoci_rewrite(&self, id: &str) {
        let old = self.secret_fields(id);
        let mut m = serde_json::Map::new();
        for f in PSONOCI_FIELDS {
            m.insert((*f).to_owned(), old.get(*f).cloned().unwrap_or(Value::Null));
        }
        self.store_fields(id, &Value::Object(m));
    }
}

/// Every request answered with [`ServerState::canned`] when it is set.
async fn canned(
    State(state): State<Arc<ServerState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let canned = state.canned.lock().unwrap().clone();
    match canned {
        Some((status, body)) => (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
            .into_response(),
        None => next.run(req).await,
    }
}

fn plain(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn raw(status: StatusCode, body: &'static str) -> Response {
    (status, body).into_response()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `EncryptJSONRenderer`: every answer to an authenticated request is `{"text","nonce"}`.
fn encrypted(state: &ServerState, key: &SecretKey, status: StatusCode, body: &Value) -> Response {
    if state.plaintext_responses.load(Ordering::SeqCst) {
        return plain(status, body);
    }
    let mut enc = EncryptedBody::seal(key, body.to_string().as_bytes()).unwrap();
    if state.tamper_responses.load(Ordering::SeqCst) {
        let last = enc.text.pop().unwrap();
        enc.text.push(if last == '0' { '1' } else { '0' });
    }
    plain(status, &json!({"text": enc.text, "nonce": enc.nonce}))
}

/// `TokenAuthentication` plus the read/write gate. Returns the session key.
fn authenticate(
    state: &ServerState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
) -> Result<SecretKey, Response> {
    let unauthorized = |detail: &str| {
        let mut r = plain(StatusCode::UNAUTHORIZED, &json!({"detail": detail}));
        r.headers_mut()
            .insert("www-authenticate", "Token".parse().unwrap());
        r
    };
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts: Vec<&str> = auth.split_whitespace().collect();
    if parts.is_empty() || !parts[0].eq_ignore_ascii_case("token") {
        return Err(unauthorized(
            "Invalid token header. No token header present.",
        ));
    }
    if parts.len() == 1 {
        return Err(unauthorized(
            "Invalid token header. No credentials provided.",
        ));
    }
    if parts.len() > 2 {
        return Err(unauthorized(
            "Invalid token header. Token string should not contain spaces.",
        ));
    }
    let tokens = state.tokens.lock().unwrap();
    let Some(t) = tokens.get(&token_hash(parts[1])) else {
        return Err(unauthorized("Invalid token or not yet activated."));
    };
    if t.valid_till < now_micros(state) {
        return Err(unauthorized("Invalid token or not yet activated."));
    }
    let is_read = method == Method::GET;
    let logout = path == "/authentication/logout/";
    if (is_read && !t.read) || (!is_read && !logout && !t.write) {
        return Err(encrypted(
            state,
            &t.secret_key,
            StatusCode::FORBIDDEN,
            &json!({"detail": "You do not have permission to perform this action."}),
        ));
    }
    Ok(t.secret_key.clone())
}

/// `DecryptJSONParser`: request bodies must be `{"text","nonce"}` under the session key.
fn decrypt_body(state: &ServerState, key: &SecretKey, body: &[u8]) -> Result<Value, Response> {
    let invalid = || {
        encrypted(
            state,
            key,
            StatusCode::BAD_REQUEST,
            &json!({"detail": "Invalid request"}),
        )
    };
    let v: Value = serde_json::from_slice(body).map_err(|_| invalid())?;
    let enc = EncryptedBody::from_json(&v).map_err(|_| invalid())?;
    enc.open_json(key).map_err(|_| invalid())
}

async fn info(State(s): State<Arc<ServerState>>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let info = python_json(&json!({"version": "7.2.3 (Build 2c4590d8)", "api": 1,
        "public_key": s.server_key.to_box_secret_key().public_key().to_hex(), "type": "CE"}));
    let signature = sign_info(&info, &s.server_key);
    plain(
        StatusCode::OK,
        &json!({"info": info, "signature": signature, "verify_key": s.server_key.verify_key().to_hex()}),
    )
}

async fn login(State(s): State<Arc<ServerState>>, body: Bytes) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return plain(
            StatusCode::BAD_REQUEST,
            &json!({"detail": "JSON parse error"}),
        );
    };
    let (Some(info), Some(signature)) = (
        v.get("info").and_then(Value::as_str),
        v.get("signature").and_then(Value::as_str),
    ) else {
        return plain(
            StatusCode::BAD_REQUEST,
            &json!({"signature": ["This field is required."]}),
        );
    };
    let verified = verify_login_request(info, signature, |id| {
        s.api_keys.get(id).map(|k| k.verify_key)
    });
    let login = match verified {
        Ok(l) => l,
        Err(Error::InvalidJson { .. }) => {
            return plain(
                StatusCode::BAD_REQUEST,
                &json!({"non_field_errors": ["Login info no valid json"]}),
            );
        }
        Err(Error::UnknownApiKey) => {
            return plain(
                StatusCode::BAD_REQUEST,
                &json!({"non_field_errors": ["NO_PERMISSION_OR_NOT_EXIST"]}),
            );
        }
        Err(Error::BadSignature) => {
            return plain(
                StatusCode::BAD_REQUEST,
                &json!({"non_field_errors": ["Signature invalid."]}),
            );
        }
        // Missing fields, bad hex or lengths: psono-server crashes with a 500 page.
        Err(_) => {
            return raw(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<h1>Server Error (500)</h1>",
            );
        }
    };
    let key = &s.api_keys[&login.api_key_id];
    let token = hex_encode(&keyauth_core::random::array::<64>().unwrap());
    let session_secret_key = SecretKey::generate().unwrap();
    let valid_till = now_micros(&s).plus_seconds(login.session_duration);
    s.tokens.lock().unwrap().insert(
        token_hash(&token),
        TokenRec {
            secret_key: session_secret_key.clone(),
            valid_till,
            read: key.read,
            write: key.write,
        },
    );
    let mut user = serde_json::Map::new();
    user.insert("username".into(), "alice@example.com".into());
    user.insert(
        "public_key".into(),
        s.user_private_key.public_key().to_hex().into(),
    );
    if !key.restrict_to_secrets {
        let (pk, pkn) = key
            .secret_key
            .wrap_key(&SecretKey::from_bytes(*s.user_private_key.to_bytes()))
            .unwrap();
        let (sk, skn) = key.secret_key.wrap_key(&s.user_secret_key).unwrap();
        user.insert("private_key".into(), pk.into());
        user.insert("private_key_nonce".into(), pkn.into());
        user.insert("secret_key".into(), sk.into());
        user.insert("secret_key_nonce".into(), skn.into());
    }
    let mut obj = serde_json::Map::new();
    obj.insert("token".into(), token.into());
    obj.insert("session_valid_till".into(), valid_till.to_iso().into());
    obj.insert(
        "session_secret_key".into(),
        session_secret_key.to_hex().to_string().into(),
    );
    obj.insert(
        "api_key_restrict_to_secrets".into(),
        key.restrict_to_secrets.into(),
    );
    obj.insert("api_key_allow_insecure_access".into(), false.into());
    obj.insert("api_key_read".into(), key.read.into());
    obj.insert("api_key_write".into(), key.write.into());
    obj.insert("user".into(), Value::Object(user));
    let plaintext = python_json(&Value::Object(obj));
    let server_session = BoxSecretKey::generate().unwrap();
    let signer = if s.tamper_login_signature.load(Ordering::SeqCst) {
        SigningSeed::generate().unwrap()
    } else {
        s.server_key.clone()
    };
    let nonce = random_nonce().unwrap();
    let resp = seal_login_response(
        &plaintext,
        &signer,
        &server_session,
        &login.session_public_key,
        &nonce,
    );
    plain(StatusCode::OK, &resp.to_json())
}

async fn logout(State(s): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::POST, "/authentication/logout/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    if !body.is_empty()
        && let Err(r) = decrypt_body(&s, &key, &body)
    {
        return r;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = auth.split_whitespace().nth(1).unwrap_or("");
    s.tokens.lock().unwrap().remove(&token_hash(token));
    encrypted(
        &s,
        &key,
        StatusCode::OK,
        &json!({"success": "Successfully logged out."}),
    )
}

async fn datastore_list(State(s): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::GET, "/datastore/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    let list: Vec<Value> = s
        .datastores
        .iter()
        .map(|(id, d)| json!({"id": id, "type": d.kind, "description": d.description, "is_default": true}))
        .collect();
    encrypted(&s, &key, StatusCode::OK, &json!({"datastores": list}))
}

async fn datastore_read(
    State(s): State<Arc<ServerState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::GET, "/datastore/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Some((_, d)) = s.datastores.iter().find(|(i, _)| *i == id) else {
        return encrypted(
            &s,
            &key,
            StatusCode::FORBIDDEN,
            &json!({"message": "NO_PERMISSION_OR_NOT_EXIST"}),
        );
    };
    encrypted(
        &s,
        &key,
        StatusCode::OK,
        &json!({
        "data": d.data, "data_nonce": d.data_nonce, "type": d.kind, "description": d.description,
        "secret_key": d.secret_key, "secret_key_nonce": d.secret_key_nonce, "is_default": true,
        "write_date": "2026-01-01T00:00:00+00:00"}),
    )
}

async fn share_read(
    State(s): State<Arc<ServerState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::GET, "/share/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Some(sh) = s.shares.get(&id) else {
        return encrypted(
            &s,
            &key,
            StatusCode::BAD_REQUEST,
            &json!({"message": "NO_PERMISSION_OR_NOT_EXIST"}),
        );
    };
    encrypted(
        &s,
        &key,
        StatusCode::OK,
        &json!({
        "id": id, "data": sh.data, "data_nonce": sh.data_nonce, "user_id": "d6d4448d-73b6-42c9-a15a-304a08037f56",
        "rights": {"read": true, "write": false, "grant": false}, "write_date": "2026-01-01T00:00:00+00:00"}),
    )
}

async fn secret_read(
    State(s): State<Arc<ServerState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::GET, "/secret/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    if !is_uuid(&id) {
        return encrypted(
            &s,
            &key,
            StatusCode::BAD_REQUEST,
            &json!({"message": "SECRET_ID_MALFORMED"}),
        );
    }
    let secrets = s.secrets.lock().unwrap();
    let Some(sec) = secrets.get(&id) else {
        return encrypted(
            &s,
            &key,
            StatusCode::BAD_REQUEST,
            &json!({"message": "NO_PERMISSION_OR_NOT_EXIST"}),
        );
    };
    encrypted(
        &s,
        &key,
        StatusCode::OK,
        &json!({
        "create_date": "2026-01-01T00:00:00+00:00", "write_date": "2026-01-01T00:00:00+00:00",
        "data": sec.data, "data_nonce": sec.data_nonce, "type": null, "read_count": 1,
        "callback_url": "", "callback_user": "", "callback_pass": ""}),
    )
}

async fn secret_update(
    State(s): State<Arc<ServerState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let key = match authenticate(&s, &headers, &Method::POST, "/secret/") {
        Ok(k) => k,
        Err(r) => return r,
    };
    let req = match decrypt_body(&s, &key, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(id), Some(data), Some(nonce)) = (
        req.get("secret_id").and_then(Value::as_str),
        req.get("data").and_then(Value::as_str),
        req.get("data_nonce").and_then(Value::as_str),
    ) else {
        return encrypted(
            &s,
            &key,
            StatusCode::BAD_REQUEST,
            &json!({"message": "Invalid request"}),
        );
    };
    let mut secrets = s.secrets.lock().unwrap();
    let Some(sec) = secrets.get_mut(id) else {
        return encrypted(
            &s,
            &key,
            StatusCode::BAD_REQUEST,
            &json!({"message": "NO_PERMISSION_OR_NOT_EXIST"}),
        );
    };
    sec.data = data.to_owned();
    sec.data_nonce = nonce.to_owned();
    encrypted(&s, &key, StatusCode::OK, &json!({"secret_id": id}))
}

async fn api_key_access_secret(State(s): State<Arc<ServerState>>, body: Bytes) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    let (Some(key_id), Some(secret_id)) = (
        v.get("api_key_id").and_then(Value::as_str),
        v.get("secret_id").and_then(Value::as_str),
    ) else {
        return raw(StatusCode::BAD_REQUEST, "api_key_idsecret_id");
    };
    let Some(key) = s.api_keys.get(key_id).filter(|k| k.read) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    let Some((wrapped, wrapped_nonce)) = key.secrets.get(secret_id) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    let secrets = s.secrets.lock().unwrap();
    let Some(sec) = secrets.get(secret_id) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    // json.dumps through StaticHTMLRenderer.
    let body = python_json(&json!({"data": sec.data, "data_nonce": sec.data_nonce,
        "secret_key": wrapped, "secret_key_nonce": wrapped_nonce, "read_count": 1}));
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// psonoci 0.6.0's `GenericSecret` fields in declaration order (serde writes them all).
pub const PSONOCI_FIELDS: &[&str] = &[
    "website_password_url_filter",
    "website_password_notes",
    "website_password_password",
    "website_password_username",
    "website_password_url",
    "website_password_title",
    "application_password_notes",
    "application_password_password",
    "application_password_username",
    "application_password_title",
    "bookmark_url_filter",
    "bookmark_notes",
    "bookmark_url",
    "bookmark_title",
    "mail_gpg_own_key_private",
    "mail_gpg_own_key_public",
    "mail_gpg_own_key_name",
    "mail_gpg_own_key_email",
    "mail_gpg_own_key_title",
    "note_notes",
    "note_title",
    "identity_title",
    "identity_first_name",
    "identity_last_name",
    "identity_company",
    "identity_address",
    "identity_city",
    "identity_postal_code",
    "identity_state",
    "identity_country",
    "identity_phone_number",
    "identity_email",
    "identity_notes",
    "environment_variables_title",
    "environment_variables_notes",
    "environment_variables_variables",
    "ssh_own_key_title",
    "ssh_own_key_public",
    "ssh_own_key_notes",
    "ssh_own_key_private",
    "totp_title",
    "totp_period",
    "totp_algorithm",
    "totp_digits",
    "totp_code",
    "totp_notes",
    "credit_card_title",
    "credit_card_number",
    "credit_card_cvc",
    "credit_card_name",
    "credit_card_valid_through",
    "credit_card_pin",
    "credit_card_notes",
    "elster_certificate_title",
    "elster_certificate_file_content",
    "elster_certificate_password",
    "elster_certificate_retrieval_code",
    "elster_certificate_notes",
];

/// Django's 404 page for an unknown path (DEBUG off).
async fn not_found_page(State(s): State<Arc<ServerState>>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/html; charset=utf-8")],
        "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n",
    )
        .into_response()
}

/// `PUT /api-key-access/secret/`: psonoci's write path (`api_key.write`, secret attached).
async fn api_key_access_write(State(s): State<Arc<ServerState>>, body: Bytes) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    let field = |k: &str| v.get(k).and_then(Value::as_str);
    let (Some(key_id), Some(secret_id), Some(data), Some(nonce)) = (
        field("api_key_id"),
        field("secret_id"),
        field("data"),
        field("data_nonce"),
    ) else {
        return raw(StatusCode::BAD_REQUEST, "api_key_idsecret_iddatadata_nonce");
    };
    let Some(key) = s.api_keys.get(key_id).filter(|k| k.write) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    if !key.secrets.contains_key(secret_id) {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    }
    let mut secrets = s.secrets.lock().unwrap();
    let Some(sec) = secrets.get_mut(secret_id) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    sec.data = data.to_owned();
    sec.data_nonce = nonce.to_owned();
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=utf-8")],
        "{}",
    )
        .into_response()
}

/// `POST /api-key-access/inspect/`.
async fn api_key_access_inspect(State(s): State<Arc<ServerState>>, body: Bytes) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let Some(key_id) = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("api_key_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }) else {
        return raw(StatusCode::BAD_REQUEST, "api_key_id");
    };
    let Some(key) = s.api_keys.get(&key_id) else {
        return raw(StatusCode::BAD_REQUEST, "non_field_errors");
    };
    let mut ids: Vec<&String> = key.secrets.keys().collect();
    ids.sort();
    let list: Vec<Value> = ids
        .into_iter()
        .map(|id| json!({"secret_id": id, "write_date": "2026-01-01T00:00:00.000000Z"}))
        .collect();
    let body = python_json(&json!({"allow_insecure_access": false,
        "restrict_to_secrets": key.restrict_to_secrets, "read": key.read, "write": key.write,
        "api_key_secrets": list}));
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}
