//! `keyauth psono`: the built binary against psono-client's protocol-faithful test server
//! (real cryptography, 127.0.0.1 only).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../psono-client/tests/server/mod.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use psono_client::Client;
use serde_json::{Value, json};
use server::{
    ApiKeyCreds, DATASTORE_ID, SECRET_DB, SECRET_ENV, SECRET_NOTE, SECRET_TOTP, SECRET_WEB,
    TestServer, USER_DATASTORE_ID,
};
use tokio::io::AsyncWriteExt as _;

const WEB_PASSWORD: &str = "pä$$ wörd 🔑";

/// Every variable the binary reads; cleared so the developer's own settings cannot leak in.
const PSONO_VARS: &[&str] = &[
    "PSONO_CI_SERVER_URL",
    "PSONO_CI_API_KEY_ID",
    "PSONO_CI_API_SECRET_KEY_HEX",
    "PSONO_CI_API_PRIVATE_KEY_HEX",
    "PSONO_CI_SERVER_SIGNATURE_HEX",
    "PSONO_CI_SERVER_PUBLIC_KEY_HEX",
    "PSONO_CI_TIMEOUT",
    "PSONO_CI_CONFIG_PATH",
    "PSONO_CI_CONFIG_PACKED",
    "PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH",
    "PSONO_CI_ADD_DER_ROOT_CERTIFICATE_PATH",
    "PSONO_CI_SSH_KEY_PASSPHRASE",
];

/// PSONO_CI_* variables for one run.
type Env = Vec<(&'static str, String)>;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim_end())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }

    /// A failure: this exit code and exactly one line on stderr.
    fn assert_fails(&self, code: i32, kind: &str) {
        assert_eq!(
            self.code, code,
            "stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one line: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with(&format!("keyauth: {kind}: ")),
            "kind {kind}: {}",
            self.stderr
        );
    }
}

/// Runs the binary with only `env` among the PSONO_CI_* variables; bounded by a timeout.
async fn keyauth(args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Out {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyauth"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for v in PSONO_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let mut child = cmd.spawn().expect("spawn keyauth");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).await.unwrap();
    }
    drop(pipe);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("keyauth finished within 60 s")
        .unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// psonoci's variables for a key; with `session`, also the two a session login needs.
fn env_for(srv: &TestServer, key: &ApiKeyCreds, session: bool) -> Env {
    let mut env = vec![
        ("PSONO_CI_SERVER_URL", srv.url.clone()),
        ("PSONO_CI_API_KEY_ID", key.id.clone()),
        ("PSONO_CI_API_SECRET_KEY_HEX", key.secret_key_hex.clone()),
    ];
    if session {
        env.push(("PSONO_CI_API_PRIVATE_KEY_HEX", key.private_key_hex.clone()));
        env.push((
            "PSONO_CI_SERVER_SIGNATURE_HEX",
            srv.fixture.server_signature_hex.clone(),
        ));
    }
    env
}

/// No key material and no secret value in a failure's output.
fn assert_no_secrets(srv: &TestServer, out: &Out) {
    for key in [
        &srv.fixture.full,
        &srv.fixture.readonly,
        &srv.fixture.restricted,
    ] {
        for secret in [&key.secret_key_hex, &key.private_key_hex] {
            assert!(!out.stderr.contains(secret.as_str()), "{}", out.stderr);
            assert!(!out.stdout.contains(secret.as_str()), "{}", out.stdout);
        }
    }
    for value in [WEB_PASSWORD, "alice", "abc"] {
        assert!(!out.stderr.contains(value), "{}", out.stderr);
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "keyauth-psono-{}-{name}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn toml_config(url: &str, srv: &TestServer, key: &ApiKeyCreds) -> String {
    format!(
        "version = \"1\"\n\n[psono_settings]\nserver_url = \"{url}\"\napi_key_id = \"{}\"\n\
         api_secret_key_hex = \"{}\"\napi_private_key_hex = \"{}\"\nserver_signature_hex = \"{}\"\n\n\
         [http_options]\ntimeout = 10\n",
        key.id, key.secret_key_hex, key.private_key_hex, srv.fixture.server_signature_hex
    )
}

/// A 127.0.0.1 URL where nothing listens.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_get_prints_exactly_the_field() {
    let srv = TestServer::start().await;
    // Access endpoint only (psonoci's settings): SECRET_WEB is attached to every key.
    let env = env_for(&srv, &srv.fixture.full, false);
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "password"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"));
    assert_eq!(out.stderr, "");
    // psonoci's spelling with `-`, and a raw Psono field name.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "url-filter"],
        &env,
        None,
    )
    .await;
    assert_eq!((out.code, out.stdout.as_str()), (0, "example.com\n"));
    let out = keyauth(
        &[
            "psono",
            "secret",
            "get",
            SECRET_WEB,
            "website_password_username",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!((out.code, out.stdout.as_str()), (0, "alice\n"));
    // JSON: the value and where it came from.
    let out = keyauth(
        &["--json", "psono", "secret", "get", SECRET_WEB, "password"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0);
    let doc = out.json();
    assert_eq!(doc["value"], WEB_PASSWORD);
    assert_eq!(doc["field"], "password");
    assert_eq!(doc["type"], "website_password");
    assert_eq!(doc["via"], "api_key_access");
    // `json` is the explicit request for every value, under psonoci's names.
    let out = keyauth(&["psono", "secret", "get", SECRET_WEB, "json"], &env, None).await;
    assert_eq!(out.code, 0);
    let all = out.json();
    assert_eq!(all["password"], WEB_PASSWORD);
    assert_eq!(all["username"], "alice");
    // psonoci's shape: sorted keys, psonoci's type name.
    assert_eq!(all["type"], "website");
    assert_eq!(all["url_filter"], "example.com");
    assert!(all["identity"].is_null() && all["totp"].is_null());
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "secret-type"],
        &env,
        None,
    )
    .await;
    assert_eq!((out.code, out.stdout.as_str()), (0, "website\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_get_without_field_shows_no_value() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.full, false);
    let out = keyauth(&["psono", "secret", "get", SECRET_WEB], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("website_password"), "{}", out.stdout);
    for name in [
        "title",
        "url",
        "username",
        "password",
        "notes",
        "url_filter",
    ] {
        assert!(
            out.stdout.split_whitespace().any(|w| w == name),
            "{name}: {}",
            out.stdout
        );
    }
    let (_, _, _, fields) = srv
        .fixture
        .secrets
        .iter()
        .find(|(id, ..)| *id == SECRET_WEB)
        .unwrap();
    let values: Vec<&str> = fields
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(values.len(), 5);
    let out_json = keyauth(
        &["--json", "psono", "secret", "get", SECRET_WEB],
        &env,
        None,
    )
    .await;
    let doc = out_json.json();
    assert_eq!(doc["type"], "website_password");
    let listed = doc["fields"].as_array().unwrap();
    assert_eq!(listed.len(), 6);
    assert!(
        listed.contains(&json!({"name": "password", "psono_field": "website_password_password"}))
    );
    for value in values {
        assert!(!out.stdout.contains(value), "{value} in {}", out.stdout);
        assert!(
            !out_json.stdout.contains(value),
            "{value} in {}",
            out_json.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unattached_secret_needs_a_session_and_gets_one() {
    let srv = TestServer::start().await;
    // SECRET_DB sits in a nested share and is not attached to the full key.
    let out = keyauth(
        &["--json", "psono", "secret", "get", SECRET_DB, "username"],
        &env_for(&srv, &srv.fixture.full, true),
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(
        (doc["value"].as_str(), doc["via"].as_str()),
        (Some("root"), Some("session"))
    );
    assert_eq!(srv.tokens(), 0, "the session was logged out");
    // Without the session keys only the access endpoint is tried, and it refuses: exit 1.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_DB, "username"],
        &env_for(&srv, &srv.fixture.full, false),
        None,
    )
    .await;
    out.assert_fails(1, "not_attached");
    assert!(
        out.stderr.contains("is not attached to this api key"),
        "{}",
        out.stderr
    );
    assert_no_secrets(&srv, &out);
    // --via access forbids the fallback even with the session keys.
    let out = keyauth(
        &[
            "psono", "secret", "get", "--via", "access", SECRET_DB, "username",
        ],
        &env_for(&srv, &srv.fixture.full, true),
        None,
    )
    .await;
    out.assert_fails(1, "not_attached");
    // --via session reads an attached secret through the datastore too.
    let out = keyauth(
        &[
            "psono", "secret", "get", "--via", "session", SECRET_WEB, "password",
        ],
        &env_for(&srv, &srv.fixture.full, true),
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, format!("{WEB_PASSWORD}\n").as_str())
    );
    // A secret nobody links: exit 1 with the session too.
    let out = keyauth(
        &[
            "psono",
            "secret",
            "get",
            "00000000-0000-4000-8000-00000000dead",
            "title",
        ],
        &env_for(&srv, &srv.fixture.full, true),
        None,
    )
    .await;
    out.assert_fails(1, "unknown_secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_set_then_get_reads_the_new_value() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.full, true);
    // From stdin (never in argv), one trailing newline dropped.
    let out = keyauth(
        &["psono", "secret", "set", SECRET_WEB, "password", "-"],
        &env,
        Some("n3w 'pass' wörd\n"),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("n3w"), "{}", out.stdout);
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "password"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "n3w 'pass' wörd\n");
    // From argv, with --json; a null field (the env secret's notes) can be set too.
    let out = keyauth(
        &[
            "--json", "psono", "secret", "set", SECRET_ENV, "notes", "rotated",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["psono_field"], "environment_variables_notes");
    assert_eq!(doc["updated"], true);
    let out = keyauth(&["psono", "secret", "get", SECRET_ENV, "notes"], &env, None).await;
    assert_eq!(out.stdout, "rotated\n");
    // The other fields are untouched.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "username"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "alice\n");
    assert_eq!(srv.tokens(), 0, "every session was logged out");
    // Fields that are not text, or absent from this type, are refused before writing.
    let out = keyauth(
        &["psono", "secret", "set", SECRET_ENV, "env_vars", "x"],
        &env,
        None,
    )
    .await;
    out.assert_fails(2, "config");
    let out = keyauth(
        &["psono", "secret", "set", SECRET_NOTE, "username", "x"],
        &env,
        None,
    )
    .await;
    out.assert_fails(2, "unknown_field");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_and_restricted_keys_cannot_write() {
    let srv = TestServer::start().await;
    let out = keyauth(
        &["psono", "secret", "set", SECRET_WEB, "password", "-"],
        &env_for(&srv, &srv.fixture.readonly, true),
        Some("hijacked"),
    )
    .await;
    // SECRET_WEB is attached to the read-only key: the access endpoint refuses the write.
    out.assert_fails(1, "not_attached");
    assert!(out.stderr.contains("may not write"), "{}", out.stderr);
    assert!(!out.stderr.contains("hijacked"));
    assert_no_secrets(&srv, &out);
    let out = keyauth(
        &["psono", "secret", "set", SECRET_WEB, "password", "hijacked"],
        &env_for(&srv, &srv.fixture.restricted, true),
        None,
    )
    .await;
    out.assert_fails(1, "not_attached");
    assert!(!out.stderr.contains("hijacked"));
    // Nothing changed.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "password"],
        &env_for(&srv, &srv.fixture.full, false),
        None,
    )
    .await;
    assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_key_reads_its_attached_secret_and_is_refused_others() {
    let srv = TestServer::start().await;
    for session in [false, true] {
        let env = env_for(&srv, &srv.fixture.restricted, session);
        let out = keyauth(
            &["psono", "secret", "get", SECRET_WEB, "password"],
            &env,
            None,
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"));
        // Not attached: refused by the endpoint; a session cannot help a restricted key.
        for id in [SECRET_ENV, SECRET_NOTE] {
            let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
            let out = keyauth(&["psono", "secret", "get", id, "title"], &env, None).await;
            out.assert_fails(1, "not_attached");
            // The access read, and with session keys one inspect: no login, no logout.
            let used = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst) - before;
            assert_eq!(used, if session { 2 } else { 1 });
            assert_no_secrets(&srv, &out);
        }
    }
    assert_eq!(srv.tokens(), 0);
}

/// Rewrites the env-vars secret's variables through the library (what a Psono user would do
/// in the web client).
async fn set_variables(srv: &TestServer, vars: Value) {
    let session = Client::new(srv.config(&srv.fixture.full))
        .unwrap()
        .login()
        .await
        .unwrap();
    let tree = session
        .tree(&session.password_datastore().await.unwrap())
        .await
        .unwrap();
    let key = tree
        .find_secret(SECRET_ENV)
        .unwrap()
        .secret_key
        .clone()
        .unwrap();
    let mut data = session.secret_with_key(SECRET_ENV, &key).await.unwrap();
    data.set_field("environment_variables_variables", vars);
    session
        .update_secret(SECRET_ENV, &key, &data)
        .await
        .unwrap();
    session.logout().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_vars_prints_valid_shell() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.full, true);
    let out = keyauth(&["psono", "env-vars", SECRET_ENV], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "export TOKEN='abc'\nexport EMPTY=''\n");
    let out = keyauth(&["--json", "psono", "env-vars", SECRET_ENV], &env, None).await;
    assert_eq!(
        out.json()["variables"],
        json!([{"name": "TOKEN", "value": "abc"}, {"name": "EMPTY", "value": ""}])
    );

    // Values a careless quoting would run or mangle; sh must read them back verbatim.
    let canary = TempDir::new("canary");
    let pwned = canary.0.join("pwned");
    let nasty = format!(
        "it's $(touch {p}) `touch {p}` \"q\" \\ $HOME ; * \n second line '' end",
        p = pwned.display()
    );
    set_variables(
        &srv,
        json!([{"key": "NASTY", "value": nasty}, {"key": "_X1", "value": "'"}]),
    )
    .await;
    let out = keyauth(&["psono", "env-vars", SECRET_ENV], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shell = tokio::process::Command::new("sh")
        .args([
            "-c",
            "eval \"$1\"; printf '%s|%s' \"$NASTY\" \"$_X1\"",
            "sh",
        ])
        .arg(&out.stdout)
        .output()
        .await
        .unwrap();
    assert!(shell.status.success());
    assert_eq!(
        String::from_utf8(shell.stdout).unwrap(),
        format!("{nasty}|'")
    );
    assert!(!pwned.exists(), "the value was executed by the shell");

    // A name that is not a shell identifier refuses the whole secret, repeating nothing.
    set_variables(&srv, json!([{"key": "A;rm -rf x", "value": "v"}])).await;
    let out = keyauth(&["psono", "env-vars", SECRET_ENV], &env, None).await;
    out.assert_fails(2, "bad_secret");
    assert!(!out.stderr.contains("rm -rf") && out.stdout.is_empty());
    // And a secret of another type is not environment variables.
    let out = keyauth(&["psono", "env-vars", SECRET_WEB], &env, None).await;
    out.assert_fails(2, "wrong_secret_type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_passes_variables_and_the_exit_code() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.full, true);
    let out = keyauth(
        &[
            "psono",
            "run",
            SECRET_ENV,
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$TOKEN\" \"${EMPTY-unset}\"",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "abc|"),
        "{}",
        out.stderr
    );
    // keyauth itself prints nothing; the child's status comes through.
    let out = keyauth(
        &["psono", "run", SECRET_ENV, "--", "sh", "-c", "exit 7"],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (7, "", "")
    );
    let out = keyauth(
        &[
            "psono",
            "run",
            SECRET_ENV,
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 128 + 15);
    // --clear-env: only the secret's variables (PATH is gone, so the shell is named fully).
    let out = keyauth(
        &[
            "psono",
            "run",
            "--clear-env",
            SECRET_ENV,
            "--",
            "/bin/sh",
            "-c",
            "printf '%s|%s' \"$TOKEN\" \"${PSONO_CI_API_KEY_ID-none}\"",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "abc|none"),
        "{}",
        out.stderr
    );
    // --json: a report after the command's own output.
    let out = keyauth(
        &[
            "--json", "psono", "run", SECRET_ENV, "--", "sh", "-c", "exit 3",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 3);
    let doc = out.json();
    assert_eq!(
        (doc["exit_code"].as_u64(), doc["via"].as_str()),
        (Some(3), Some("session"))
    );
    // A command that cannot start: exit 2, one line.
    let out = keyauth(
        &[
            "psono",
            "run",
            SECRET_ENV,
            "--",
            "/nonexistent/keyauth-test-command",
        ],
        &env,
        None,
    )
    .await;
    out.assert_fails(2, "spawn_failed");
    assert_no_secrets(&srv, &out);
    // Without a command: a usage error from clap.
    let out = keyauth(&["psono", "run", SECRET_ENV], &env, None).await;
    assert_eq!(out.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datastores_are_listed_with_a_session() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.full, true);
    let out = keyauth(&["psono", "datastores"], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!("{DATASTORE_ID}\tpassword\tdefault\tdefault"),
            format!("{USER_DATASTORE_ID}\tuser\tdefault\tÜnïcode"),
        ]
    );
    let out = keyauth(&["--json", "psono", "datastores"], &env, None).await;
    assert_eq!(
        out.json(),
        json!({"datastores": [
            {"id": DATASTORE_ID, "type": "password", "description": "default", "is_default": true},
            {"id": USER_DATASTORE_ID, "type": "user", "description": "Ünïcode", "is_default": true},
        ]})
    );
    assert_eq!(srv.tokens(), 0, "logged out");
    // Without the session keys: a usage error naming what is missing.
    let out = keyauth(
        &["psono", "datastores"],
        &env_for(&srv, &srv.fixture.full, false),
        None,
    )
    .await;
    out.assert_fails(2, "missing_setting");
    assert!(out.stderr.contains("PSONO_CI_API_PRIVATE_KEY_HEX"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_file_env_and_flags_in_that_order() {
    let srv = TestServer::start().await;
    let dead = closed_port_url().await;
    let dir = TempDir::new("config");
    let good = dir.write("good.toml", &toml_config(&srv.url, &srv, &srv.fixture.full));
    let dead_file = dir.write("dead.toml", &toml_config(&dead, &srv, &srv.fixture.full));
    let get = ["psono", "secret", "get", SECRET_DB, "username"];
    let with_config = |path: &Path| -> Vec<String> {
        let mut a = vec![
            "psono".to_owned(),
            "--config".to_owned(),
            path_str(path).to_owned(),
        ];
        a.extend(get[1..].iter().map(|s| (*s).to_owned()));
        a
    };

    // The file alone (--config, then PSONO_CI_CONFIG_PATH); it has the session keys, so the
    // unattached SECRET_DB is read through a session.
    let a = with_config(&good);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = keyauth(&a, &[], None).await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "root\n"),
        "{}",
        out.stderr
    );
    let out = keyauth(
        &get,
        &[("PSONO_CI_CONFIG_PATH", path_str(&good).to_owned())],
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "root\n"),
        "{}",
        out.stderr
    );
    // A variable beats the file: the file's server is dead, the variable's is not.
    let a = with_config(&dead_file);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = keyauth(&a, &[("PSONO_CI_SERVER_URL", srv.url.clone())], None).await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "root\n"),
        "{}",
        out.stderr
    );
    // ... and the file alone really is dead.
    let out = keyauth(&a, &[], None).await;
    out.assert_fails(3, "network");
    // A flag beats a variable.
    let mut env = env_for(&srv, &srv.fixture.full, true);
    env[0].1.clone_from(&dead);
    let mut a = vec!["psono", "--server-url", &srv.url];
    a.extend(&get[1..]);
    let out = keyauth(&a, &env, None).await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "root\n"),
        "{}",
        out.stderr
    );
    // Flags only, the keys from files (`ps` never sees them).
    let secret_file = dir.write(
        "secret.hex",
        &format!("{}\n", srv.fixture.full.secret_key_hex),
    );
    let private_file = dir.write("private.hex", &srv.fixture.full.private_key_hex);
    let out = keyauth(
        &[
            "psono",
            "--server-url",
            &srv.url,
            "--api-key-id",
            &srv.fixture.full.id,
            "--api-secret-key-file",
            path_str(&secret_file),
            "--api-private-key-file",
            path_str(&private_file),
            "--server-signature-hex",
            &srv.fixture.server_signature_hex,
            "--timeout",
            "10s",
            "datastores",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2);
    // Flags may also follow the subcommand, and the hex flags work as given.
    let out = keyauth(
        &[
            "psono",
            "secret",
            "get",
            SECRET_WEB,
            "username",
            "--server-url",
            &srv.url,
            "--api-key-id",
            &srv.fixture.restricted.id,
            "--api-secret-key-hex",
            &srv.fixture.restricted.secret_key_hex,
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "alice\n"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_of_every_kind_exits_2_with_one_line() {
    let srv = TestServer::start().await;
    let full = env_for(&srv, &srv.fixture.full, true);
    let get = ["psono", "secret", "get", SECRET_WEB, "password"];
    let with = |name: &str, value: &str| -> Env {
        let mut env = full.clone();
        env.retain(|(k, _)| *k != name);
        let name = PSONO_VARS.iter().find(|v| **v == name).unwrap();
        env.push((name, value.to_owned()));
        env
    };
    let without =
        |name: &str| -> Env { full.iter().filter(|(k, _)| *k != name).cloned().collect() };
    let dir = TempDir::new("bad");
    let broken_toml = dir.write("broken.toml", "[psono_settings\nserver_url = ");
    let missing = dir.0.join("missing.toml");
    let cases: Vec<(&str, Vec<&str>, Env)> = vec![
        ("missing_setting", get.to_vec(), vec![]),
        (
            "missing_setting",
            get.to_vec(),
            without("PSONO_CI_SERVER_URL"),
        ),
        (
            "missing_setting",
            get.to_vec(),
            without("PSONO_CI_API_SECRET_KEY_HEX"),
        ),
        (
            "config",
            get.to_vec(),
            with("PSONO_CI_API_SECRET_KEY_HEX", "zz"),
        ),
        (
            "config",
            get.to_vec(),
            with(
                "PSONO_CI_API_SECRET_KEY_HEX",
                &srv.fixture.full.secret_key_hex[..62],
            ),
        ),
        (
            "config",
            get.to_vec(),
            with("PSONO_CI_API_PRIVATE_KEY_HEX", "xyz"),
        ),
        (
            "config",
            get.to_vec(),
            with("PSONO_CI_SERVER_SIGNATURE_HEX", "00"),
        ),
        ("config", get.to_vec(), with("PSONO_CI_TIMEOUT", "soon")),
        (
            "config",
            get.to_vec(),
            with("PSONO_CI_SERVER_URL", "ftp://psono"),
        ),
        (
            "config",
            get.to_vec(),
            with("PSONO_CI_API_KEY_ID", "not-a-uuid"),
        ),
        (
            "config",
            vec![
                "psono",
                "--api-secret-key-hex",
                "0g",
                "secret",
                "get",
                SECRET_WEB,
            ],
            full.clone(),
        ),
        (
            "config",
            vec![
                "psono",
                "--config",
                path_str(&missing),
                "secret",
                "get",
                SECRET_WEB,
            ],
            vec![],
        ),
        (
            "config",
            get.to_vec(),
            vec![("PSONO_CI_CONFIG_PATH", path_str(&broken_toml).to_owned())],
        ),
        (
            "io",
            vec![
                "psono",
                "--api-secret-key-file",
                path_str(&missing),
                "secret",
                "get",
                SECRET_WEB,
            ],
            full.clone(),
        ),
        (
            "config",
            vec!["psono", "--timeout", "0", "datastores"],
            full.clone(),
        ),
        (
            "bad_input",
            vec![
                "psono",
                "--api-secret-key-file",
                "-",
                "secret",
                "set",
                SECRET_WEB,
                "notes",
                "-",
            ],
            full.clone(),
        ),
        (
            "unknown_field",
            vec!["psono", "secret", "get", SECRET_WEB, "pasword"],
            full.clone(),
        ),
        (
            "unknown_field",
            vec!["psono", "secret", "set", SECRET_WEB, "pasword", "x"],
            full.clone(),
        ),
        (
            "bad_input",
            vec!["psono", "secret", "get", "../datastore", "password"],
            full.clone(),
        ),
        (
            "bad_input",
            vec!["psono", "env-vars", "4f1a90be"],
            full.clone(),
        ),
        (
            "missing_setting",
            vec!["psono", "secret", "get", "--via", "session", SECRET_WEB],
            env_for(&srv, &srv.fixture.full, false),
        ),
    ];
    let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    for (kind, args, env) in &cases {
        let out = keyauth(args, env, None).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        out.assert_fails(2, kind);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert_no_secrets(&srv, &out);
    }
    // Every one was caught before a request was sent.
    assert_eq!(
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst),
        before
    );
    // A name psonoci knows but this secret's type lacks is only known after reading it.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "gpg_key_private"],
        &full,
        None,
    )
    .await;
    out.assert_fails(2, "unknown_field");
    // --json reports the error as a document too.
    let out = keyauth(&["--json", "psono", "datastores"], &[], None).await;
    assert_eq!(out.code, 2);
    let doc = out.json();
    assert_eq!(doc["error"]["exit"], 2);
    assert_eq!(doc["error"]["code"], "missing_setting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_exits_3() {
    let srv = TestServer::start().await;
    let dead = closed_port_url().await;
    for (args, session) in [
        (
            vec!["psono", "secret", "get", SECRET_WEB, "password"],
            false,
        ),
        (vec!["psono", "secret", "get", SECRET_WEB, "password"], true),
        (vec!["psono", "datastores"], true),
        (vec!["psono", "env-vars", SECRET_ENV], true),
        (vec!["psono", "run", SECRET_ENV, "--", "true"], true),
    ] {
        let mut env = env_for(&srv, &srv.fixture.full, session);
        env[0].1.clone_from(&dead);
        let out = keyauth(&args, &env, None).await;
        out.assert_fails(3, "network");
        assert_no_secrets(&srv, &out);
        let mut json_args = vec!["--json"];
        json_args.extend(&args);
        let out = keyauth(&json_args, &env, None).await;
        assert_eq!(out.code, 3);
        assert_eq!(out.json()["error"]["code"], "network");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_refused_without_leaking_them() {
    let srv = TestServer::start().await;
    // Another key's secret key: the access answer does not decrypt (exit 1).
    let mut env = env_for(&srv, &srv.fixture.full, false);
    env[2].1.clone_from(&srv.fixture.readonly.secret_key_hex);
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "password"],
        &env,
        None,
    )
    .await;
    out.assert_fails(1, "decrypt_failed");
    assert_no_secrets(&srv, &out);
    // A wrong pinned server signature: the login answer is refused before decryption.
    let mut env = env_for(&srv, &srv.fixture.full, true);
    env[4].1 = psono_client::SigningSeed::generate()
        .unwrap()
        .verify_key()
        .to_hex();
    let out = keyauth(&["psono", "datastores"], &env, None).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
    assert_no_secrets(&srv, &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out_with_exit_3() {
    let srv = TestServer::start().await;
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    let mut env = env_for(&srv, &srv.fixture.full, false);
    env[0].1 = url;
    let started = std::time::Instant::now();
    let out = keyauth(
        &[
            "psono",
            "--timeout",
            "1",
            "secret",
            "get",
            SECRET_WEB,
            "password",
        ],
        &env,
        None,
    )
    .await;
    out.assert_fails(3, "timeout");
    assert!(started.elapsed() < Duration::from_secs(30));
    silent.abort();
}

// ---------------------------------------------------------------------------------------
// psonoci parity (issue 18)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psonoci_rewritten_secret_reads_right_and_null_is_not_set() {
    let srv = TestServer::start().await;
    srv.psonoci_rewrite(SECRET_DB);
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let out = keyauth(
        &["psono", "secret", "get", SECRET_DB, "password"],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, format!("{}\n", "x".repeat(300)).as_str()),
        "{}",
        out.stderr
    );
    let out = keyauth(
        &["psono", "secret", "get", SECRET_DB, "secret_type"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "application\n");
    // A null field: exit 1 and a sentence, never an empty line and 0.
    let out = keyauth(&["psono", "secret", "get", SECRET_DB, "notes"], &env, None).await;
    assert_eq!(out.code, 0, "notes is set to \"big\": {}", out.stderr);
    let mut fields = srv.secret_fields(SECRET_DB);
    fields["application_password_notes"] = Value::Null;
    srv.store_fields(SECRET_DB, &fields);
    let out = keyauth(&["psono", "secret", "get", SECRET_DB, "notes"], &env, None).await;
    out.assert_fails(1, "field_not_set");
    assert!(out.stderr.contains("is not set"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // env-vars and run accept a psonoci-written env secret.
    srv.psonoci_rewrite(SECRET_ENV);
    let out = keyauth(&["psono", "env-vars", SECRET_ENV], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("export TOKEN='abc'"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_write_key_sets_through_the_access_endpoint() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    let out = keyauth(
        &[
            "--json", "psono", "secret", "set", SECRET_DB, "password", "-",
        ],
        &env,
        Some("hunter2\n"),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["via"], "api_key_access");
    assert_eq!(
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst) - before,
        2
    );
    assert_eq!(
        srv.secret_fields(SECRET_DB)["application_password_password"],
        "hunter2"
    );
    assert_eq!(srv.tokens(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_vars_get_or_create_and_update_or_create() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let out = keyauth(
        &["psono", "env-vars", "get-or-create", SECRET_ENV, "TOKEN"],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "abc\n"),
        "{}",
        out.stderr
    );
    let out = keyauth(
        &[
            "psono",
            "env-vars",
            "get-or-create",
            SECRET_ENV,
            "NEW_ONE",
            "-n",
            "32",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created = out.stdout.trim_end().to_owned();
    assert_eq!(created.len(), 32);
    assert!(created.chars().all(|c| c.is_ascii_alphanumeric()));
    // Stored, and read back unchanged.
    let out = keyauth(
        &["psono", "env-vars", "get-or-create", SECRET_ENV, "NEW_ONE"],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout.trim_end(), created);
    let out = keyauth(
        &[
            "psono",
            "env-vars",
            "update-or-create",
            SECRET_ENV,
            "TOKEN",
            "rotated",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "rotated\n");
    let vars = srv.secret_fields(SECRET_ENV)["environment_variables_variables"].clone();
    assert_eq!(vars[0], json!({"key": "TOKEN", "value": "rotated"}));
    assert_eq!(vars.as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_commands() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let out = keyauth(&["psono", "totp", "get-token", SECRET_TOTP], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = out.stdout.trim_end().to_owned();
    assert_eq!(token.len(), 6);
    let want =
        psono_client::Totp::new("JBSWY3DPEHPK3PXP", Some("SHA1"), Some(6), Some(30)).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(want.validate_at(&token, now, 1));
    let out = keyauth(
        &["psono", "totp", "validate-token", SECRET_TOTP, &token],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let wrong = if token == "000000" {
        "000001"
    } else {
        "000000"
    };
    let out = keyauth(
        &["psono", "totp", "validate-token", SECRET_TOTP, wrong],
        &env,
        None,
    )
    .await;
    out.assert_fails(1, "token_invalid");
    let out = keyauth(
        &[
            "psono",
            "totp",
            "get-url",
            SECRET_TOTP,
            "--issuer",
            "ACME",
            "--account-name",
            "ci",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(
        out.stdout,
        "otpauth://totp/ACME:ci?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA1&digits=6&period=30\n"
    );
    // An 80-bit SHA256 key with 8 digits (psonoci refuses keys under 128 bits).
    let mut f = srv.secret_fields(SECRET_TOTP);
    f["totp_algorithm"] = json!("SHA256");
    f["totp_digits"] = json!(8);
    srv.store_fields(SECRET_TOTP, &f);
    let out = keyauth(&["psono", "totp", "get-token", SECRET_TOTP], &env, None).await;
    assert_eq!(out.stdout.trim_end().len(), 8, "{}", out.stderr);
    // Not a TOTP secret.
    let out = keyauth(&["psono", "totp", "get-token", SECRET_DB], &env, None).await;
    out.assert_fails(2, "wrong_secret_type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_info_secrets_and_run_over_all_secrets() {
    let srv = TestServer::start().await;
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let out = keyauth(&["psono", "api-key", "info"], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let info: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(info["num_api_key_secrets"], 4);
    assert_eq!(info["restrict_to_secrets"], true);
    assert_eq!(info["write"], true);
    assert!(
        info["api_key_secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == SECRET_ENV)
    );
    let out = keyauth(&["psono", "api-key", "secrets"], &env, None).await;
    let all: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(all[SECRET_DB]["type"], "application");
    assert_eq!(all[SECRET_ENV]["env_vars"][0]["key"], "TOKEN");
    // psonoci's run: every env var of the key's secrets, no secret id.
    let out = keyauth(
        &["psono", "run", "--", "sh", "-c", "printf %s \"$TOKEN\""],
        &env,
        None,
    )
    .await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "abc"),
        "{}",
        out.stderr
    );
    let out = keyauth(
        &[
            "psono",
            "run",
            "-f",
            SECRET_DB,
            "--",
            "sh",
            "-c",
            "printf %s \"${TOKEN-unset}\"",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "unset");
    assert!(out.stderr.contains("no env vars found"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_save_show_timeout_units_and_html_errors() {
    let srv = TestServer::start().await;
    let dir = TempDir::new("config-save");
    let path = dir.0.join("psonoci.toml");
    let mut env = env_for(&srv, &srv.fixture.full, true);
    env.push(("PSONO_CI_TIMEOUT", "30s".to_owned()));
    let out = keyauth(&["psono", "config", "save", path_str(&path)], &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("timeout = 30"), "{text}");
    let out = keyauth(&["psono", "config", "save", path_str(&path)], &env, None).await;
    out.assert_fails(2, "exists");
    // The saved file alone is enough.
    let out = keyauth(
        &[
            "psono",
            "--config",
            path_str(&path),
            "secret",
            "get",
            SECRET_WEB,
            "username",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(out.stdout, "alice\n", "{}", out.stderr);
    let out = keyauth(
        &["psono", "--config-path", path_str(&path), "config", "show"],
        &[],
        None,
    )
    .await;
    assert_eq!(out.stdout.trim_end(), text.trim_end());
    // A server URL that is not the API root: Django's 404 page becomes a sentence.
    let mut env = env_for(&srv, &srv.fixture.full, false);
    env[0].1 = format!("{}/wrong", srv.url);
    let out = keyauth(&["psono", "api-key", "info"], &env, None).await;
    out.assert_fails(1, "not_found");
    assert!(!out.stderr.contains('<'), "{}", out.stderr);
    assert!(out.stderr.contains("server URL"), "{}", out.stderr);
}

/// `true` when `tool` runs; otherwise prints "skipped" (and fails under CI=true).
fn have(tool: &str, arg: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required under CI=true"
        );
        eprintln!("skipped: {tool} is not installed");
    }
    ok
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_add_puts_the_key_into_a_running_agent() {
    if !have("ssh-agent", "-h") || !have("ssh-keygen", "-?") {
        return;
    }
    let srv = TestServer::start().await;
    let dir = TempDir::new("ssh");
    let key = dir.0.join("id_ed25519");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ci@example", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let private = std::fs::read_to_string(&key).unwrap();
    let public = std::fs::read_to_string(dir.0.join("id_ed25519.pub")).unwrap();
    let fp = String::from_utf8(
        std::process::Command::new("ssh-keygen")
            .arg("-lf")
            .arg(dir.0.join("id_ed25519.pub"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let fp = fp.split_whitespace().nth(1).unwrap().to_owned();
    // The DB secret slot (attached to the restricted write key) now holds an SSH key secret.
    srv.store_fields(
        SECRET_DB,
        &json!({"ssh_own_key_title": "deploy", "ssh_own_key_private": private,
                "ssh_own_key_public": public, "ssh_own_key_notes": null}),
    );
    let sock = dir.0.join("agent.sock");
    let mut agent = tokio::process::Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let env = env_for(&srv, &srv.fixture.restricted_write, false);
    let out = keyauth(
        &[
            "--json",
            "psono",
            "ssh",
            "add",
            SECRET_DB,
            "--ssh-auth-sock-path",
            path_str(&sock),
            "--key-lifetime",
            "600",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["fingerprint"], fp.as_str());
    let listed = std::process::Command::new("ssh-add")
        .arg("-l")
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains(&fp), "{listed}");
    assert!(listed.contains("ci@example"), "{listed}");
    // Not an SSH key secret; no agent.
    let out = keyauth(
        &[
            "psono",
            "ssh",
            "add",
            SECRET_ENV,
            "--ssh-auth-sock-path",
            path_str(&sock),
        ],
        &env,
        None,
    )
    .await;
    out.assert_fails(2, "wrong_secret_type");
    let out = keyauth(
        &[
            "psono",
            "ssh",
            "add",
            SECRET_DB,
            "--ssh-auth-sock-path",
            path_str(&dir.0.join("none")),
        ],
        &env,
        None,
    )
    .await;
    out.assert_fails(3, "agent_unreachable");
    assert!(!out.stderr.contains("OPENSSH"), "{}", out.stderr);
    let _ = agent.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpg_signatures_verify_with_gpg_and_back() {
    if !have("gpg", "--version") {
        return;
    }
    let srv = TestServer::start().await;
    let dir = TempDir::new("gpg");
    let home = dir.0.join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let gpg = |args: &[&str]| {
        std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .unwrap()
    };
    for algo in ["ed25519", "rsa3072"] {
        let uid = format!("CI {algo} <ci-{algo}@example.com>");
        let made = gpg(&["--quick-gen-key", &uid, algo, "sign", "never"]);
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let private =
            String::from_utf8(gpg(&["--armor", "--export-secret-keys", &uid]).stdout).unwrap();
        let public = String::from_utf8(gpg(&["--armor", "--export", &uid]).stdout).unwrap();
        assert!(private.contains("PRIVATE KEY BLOCK"));
        srv.store_fields(
            SECRET_DB,
            &json!({"mail_gpg_own_key_title": "release", "mail_gpg_own_key_email": "ci@example.com",
                    "mail_gpg_own_key_name": "CI", "mail_gpg_own_key_public": public,
                    "mail_gpg_own_key_private": private}),
        );
        let data = dir.write("release.txt", "the release\n");
        let env = env_for(&srv, &srv.fixture.restricted_write, false);
        for armor in [true, false] {
            let sig = dir.0.join(format!("release.{algo}.{armor}.sig"));
            let mut args = vec![
                "psono",
                "gpg",
                "sign",
                SECRET_DB,
                path_str(&data),
                "-o",
                path_str(&sig),
            ];
            if armor {
                args.push("-a");
            }
            let out = keyauth(&args, &env, None).await;
            assert_eq!(out.code, 0, "{}", out.stderr);
            // gpg itself accepts the signature.
            let checked = gpg(&["--verify", path_str(&sig), path_str(&data)]);
            assert!(
                checked.status.success(),
                "{algo} armor={armor}: {}",
                String::from_utf8_lossy(&checked.stderr)
            );
            // And keyauth verifies it; tampered data fails with exit 1.
            let out = keyauth(
                &[
                    "psono",
                    "gpg",
                    "verify",
                    SECRET_DB,
                    path_str(&data),
                    "-s",
                    path_str(&sig),
                    "-v",
                ],
                &env,
                None,
            )
            .await;
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, "signature verified\n"),
                "{}",
                out.stderr
            );
            let other = dir.write("other.txt", "another release\n");
            let out = keyauth(
                &[
                    "psono",
                    "gpg",
                    "verify",
                    SECRET_DB,
                    path_str(&other),
                    "-s",
                    path_str(&sig),
                ],
                &env,
                None,
            )
            .await;
            out.assert_fails(1, "bad_signature");
            let out = keyauth(
                &[
                    "psono",
                    "gpg",
                    "verify",
                    SECRET_DB,
                    path_str(&other),
                    "-s",
                    path_str(&sig),
                    "-q",
                ],
                &env,
                None,
            )
            .await;
            assert_eq!((out.code, out.stderr.as_str()), (1, ""));
        }
        // A signature gpg made verifies with keyauth.
        let gsig = dir.0.join(format!("gpg.{algo}.sig"));
        let made = gpg(&[
            "--local-user",
            &uid,
            "--detach-sign",
            "-o",
            path_str(&gsig),
            path_str(&data),
        ]);
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let out = keyauth(
            &[
                "psono",
                "gpg",
                "verify",
                SECRET_DB,
                path_str(&data),
                "-s",
                path_str(&gsig),
            ],
            &env,
            None,
        )
        .await;
        assert_eq!(out.code, 0, "{algo}: {}", out.stderr);
    }
}

/// Timing, not a check: `KEYAUTH_PSONO_BENCH=/path/to/release/keyauth cargo test -p
/// keyauth-cli --test psono bench -- --ignored --nocapture` runs 40 processes per case
/// against the test server and prints the median and mean wall time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing; set KEYAUTH_PSONO_BENCH to a release binary"]
async fn bench_secret_get_per_process() {
    let Ok(bin) = std::env::var("KEYAUTH_PSONO_BENCH") else {
        eprintln!("skipped: KEYAUTH_PSONO_BENCH is not set");
        return;
    };
    let srv = TestServer::start().await;
    let cases: [(&str, Vec<&str>, Env); 3] = [
        (
            "secret get (access endpoint, 1 request)",
            vec!["psono", "secret", "get", SECRET_WEB, "password"],
            env_for(&srv, &srv.fixture.full, false),
        ),
        (
            "secret get --via session (login, list, datastore, 2 shares, secret, logout)",
            vec![
                "psono", "secret", "get", "--via", "session", SECRET_DB, "password",
            ],
            env_for(&srv, &srv.fixture.full, true),
        ),
        (
            "totp get-token (access endpoint)",
            vec!["psono", "totp", "get-token", SECRET_TOTP],
            env_for(&srv, &srv.fixture.restricted_write, false),
        ),
    ];
    for (name, args, env) in &cases {
        let mut times = Vec::new();
        for _ in 0..40 {
            let started = std::time::Instant::now();
            let out = tokio::process::Command::new(&bin)
                .args(args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .output()
                .await
                .unwrap();
            times.push(started.elapsed());
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        times.sort();
        let mean = times.iter().sum::<Duration>() / 40;
        eprintln!("{name}: median {:?}, mean {mean:?}", times[20]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_private_root_from_ca_file_or_variable() {
    let srv = TestServer::start().await;
    let tls = server::tls::tls_front(srv.addr).await;
    let dir = TempDir::new("tls");
    let ca = dir.write("root.pem", &tls.ca_pem);
    let mut env = env_for(&srv, &srv.fixture.full, true);
    env[0].1 = tls.url.clone();
    // Without the root: a network error, exit 3.
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "username"],
        &env,
        None,
    )
    .await;
    out.assert_fails(3, "network");
    // --ca-file (psonoci's --pem-root-certificate-path), access and session paths.
    let out = keyauth(
        &[
            "psono",
            "--ca-file",
            path_str(&ca),
            "secret",
            "get",
            SECRET_WEB,
            "username",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "alice\n", "{}", out.stderr);
    // psonoci's variable.
    env.push((
        "PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH",
        path_str(&ca).to_owned(),
    ));
    let out = keyauth(
        &[
            "psono", "secret", "get", "--via", "session", SECRET_DB, "username",
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.stdout, "root\n", "{}", out.stderr);
    assert_eq!(srv.tokens(), 0);
}

/// `config pack` and `--config-packed` / `PSONO_CI_CONFIG_PACKED`: the packed string alone is
/// a whole config; it beats the config file (as in psonoci) and lies beneath flags and
/// variables; a bad one is refused without being echoed.
#[tokio::test]
async fn config_pack_is_a_whole_config_by_flag_or_variable() {
    let srv = TestServer::start().await;
    let key = &srv.fixture.restricted_write;
    let out = keyauth(
        &["psono", "config", "pack"],
        &env_for(&srv, key, false),
        None,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let packed = out.stdout.trim_end().to_owned();
    assert_eq!(out.stdout, format!("{packed}\n"));
    assert!(
        packed.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{packed}"
    );
    assert!(!packed.contains(&key.secret_key_hex));
    let get = ["psono", "secret", "get", SECRET_WEB, "password"];
    let out = keyauth(&get, &[("PSONO_CI_CONFIG_PACKED", packed.clone())], None).await;
    assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"), "{}", out.stderr);
    let mut with_flag = vec!["psono", "--config-packed", &packed];
    with_flag.extend(&get[1..]);
    let out = keyauth(&with_flag, &[], None).await;
    assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"), "{}", out.stderr);
    // Beats a config file (which points at a dead server), as psonoci's does.
    let dir = TempDir::new("packed");
    let dead = dir.write(
        "dead.toml",
        &toml_config("http://127.0.0.1:9", &srv, &srv.fixture.full),
    );
    let out = keyauth(
        &get,
        &[
            ("PSONO_CI_CONFIG_PACKED", packed.clone()),
            ("PSONO_CI_CONFIG_PATH", path_str(&dead).to_owned()),
        ],
        None,
    )
    .await;
    assert_eq!(out.stdout, format!("{WEB_PASSWORD}\n"), "{}", out.stderr);
    // A variable still overrides one value of it.
    let out = keyauth(
        &get,
        &[
            ("PSONO_CI_CONFIG_PACKED", packed.clone()),
            ("PSONO_CI_SERVER_URL", "http://127.0.0.1:9".to_owned()),
        ],
        None,
    )
    .await;
    out.assert_fails(3, "network");
    // --json, and the same string again from the packed config itself.
    let out = keyauth(
        &["psono", "--json", "config", "pack"],
        &[("PSONO_CI_CONFIG_PACKED", packed.clone())],
        None,
    )
    .await;
    assert_eq!(out.json()["packed"], packed.as_str(), "{}", out.stderr);
    // Broken strings: exit 2, code config, the string never echoed.
    let mut bad = packed.clone();
    bad.insert(5, '0'); // not in the base58 alphabet
    let truncated = packed[..packed.len() - 10].to_owned();
    for text in [bad, truncated, "abc".to_owned()] {
        let out = keyauth(&get, &[("PSONO_CI_CONFIG_PACKED", text.clone())], None).await;
        out.assert_fails(2, "config");
        assert!(
            out.stderr.contains("PSONO_CI_CONFIG_PACKED"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(&text), "{}", out.stderr);
    }
    // Packing needs the three psonoci settings.
    let out = keyauth(
        &["psono", "config", "pack"],
        &env_for(&srv, key, false)[..2],
        None,
    )
    .await;
    out.assert_fails(2, "missing_setting");
}

/// The psonoci binary for the side-by-side tests: `PSONOCI` or `psonoci` on the PATH.
fn psonoci() -> Option<PathBuf> {
    let bin = std::env::var_os("PSONOCI").map_or_else(|| PathBuf::from("psonoci"), PathBuf::from);
    let runs = std::process::Command::new(&bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if runs {
        Some(bin)
    } else {
        eprintln!(
            "skipped: psonoci is not installed (build meldron/psonoci 0.6.0 and set PSONOCI=/path/to/psonoci)"
        );
        None
    }
}

async fn run_psonoci(bin: &Path, args: &[&str]) -> Out {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for v in PSONO_VARS {
        cmd.env_remove(v);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("psonoci finished within 60 s")
        .unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Against the real psonoci 0.6.0 binary: the same settings pack to the same string, each tool
/// reads the other's string and then reads a secret from the test server with it (over
/// `http://`, and over `https://` with a private root CA given as a PEM path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packed_config_is_byte_identical_to_psonocis_both_ways() {
    let Some(bin) = psonoci() else { return };
    let srv = TestServer::start().await;
    let tls = server::tls::tls_front(srv.addr).await;
    let dir = TempDir::new("psonoci-pack");
    let ca = dir.write("ca.pem", &tls.ca_pem);
    let key = &srv.fixture.restricted_write;
    for (url, extra) in [
        (srv.url.clone(), vec![]),
        (
            format!("{}/", tls.url),
            vec![
                "--timeout".to_owned(),
                "30".to_owned(),
                "--pem-root-certificate-path".to_owned(),
                path_str(&ca).to_owned(),
            ],
        ),
    ] {
        let mut args: Vec<String> = vec![
            "--api-key-id".into(),
            key.id.clone(),
            "--api-secret-key-hex".into(),
            key.secret_key_hex.clone(),
            "--server-url".into(),
            url.clone(),
        ];
        args.extend(extra);
        let mut p_args: Vec<&str> = args.iter().map(String::as_str).collect();
        p_args.extend(["config", "pack"]);
        let theirs = run_psonoci(&bin, &p_args).await;
        assert_eq!(theirs.code, 0, "psonoci: {}", theirs.stderr);
        let mut k_args = vec!["psono"];
        k_args.extend(args.iter().map(String::as_str));
        k_args.extend(["config", "pack"]);
        let ours = keyauth(&k_args, &[], None).await;
        assert_eq!(ours.code, 0, "{}", ours.stderr);
        assert_eq!(
            ours.stdout, theirs.stdout,
            "{url}: the packed strings differ"
        );
        let packed = ours.stdout.trim_end().to_owned();

        // psonoci reads keyauth's string; keyauth reads psonoci's.
        let theirs = run_psonoci(
            &bin,
            &[
                "--config-packed",
                &packed,
                "secret",
                "get",
                SECRET_WEB,
                "password",
            ],
        )
        .await;
        // psonoci prints the value without a newline.
        assert_eq!(
            theirs.stdout, WEB_PASSWORD,
            "{url}: psonoci: {}",
            theirs.stderr
        );
        let ours = keyauth(
            &[
                "psono",
                "--config-packed",
                theirs_packed(&bin, &args).await.as_str(),
                "secret",
                "get",
                SECRET_WEB,
                "password",
            ],
            &[],
            None,
        )
        .await;
        assert_eq!(
            ours.stdout,
            format!("{WEB_PASSWORD}\n"),
            "{url}: {}",
            ours.stderr
        );
        // psonoci's `config show` of keyauth's string is a config file keyauth reads.
        let shown = run_psonoci(&bin, &["--config-packed", &packed, "config", "show"]).await;
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        let file = dir.write("shown.toml", &shown.stdout);
        let ours = keyauth(
            &["psono", "--config", path_str(&file), "config", "pack"],
            &[],
            None,
        )
        .await;
        assert_eq!(ours.stdout.trim_end(), packed, "{}", ours.stderr);
    }
}

async fn theirs_packed(bin: &Path, args: &[String]) -> String {
    let mut p_args: Vec<&str> = args.iter().map(String::as_str).collect();
    p_args.extend(["config", "pack"]);
    let out = run_psonoci(bin, &p_args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim_end().to_owned()
}

/// A hostile server's error text reaches the terminal escaped, on one line.
#[tokio::test]
async fn hostile_server_text_is_escaped_on_stderr() {
    let srv = TestServer::start().await;
    let evil = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\u{9b}31m\u{202e}gnp.exe\u{2066}\u{200f}\u{2028}";
    srv.answer_everything_with(502, &json!({"detail": evil}).to_string());
    for (args, session) in [
        (
            vec!["psono", "secret", "get", SECRET_WEB, "password"],
            false,
        ),
        (vec!["psono", "datastores"], true),
        (vec!["psono", "--json", "api-key", "info"], false),
    ] {
        let out = keyauth(&args, &env_for(&srv, &srv.fixture.full, session), None).await;
        assert_eq!(out.code, 3, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
        assert!(
            !out.stderr
                .trim_end_matches('\n')
                .chars()
                .any(|c| c.is_control()
                    || matches!(c, '\u{202e}' | '\u{2066}' | '\u{200f}' | '\u{2028}')),
            "{args:?}: {:?}",
            out.stderr
        );
        assert!(out.stderr.contains("gnp.exe"), "{:?}", out.stderr);
        assert!(!out.stdout.contains('\u{202e}'), "{:?}", out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_over_max_response_bytes_is_refused() {
    let srv = TestServer::start().await;
    srv.answer_everything_with(200, &json!({"detail": "x".repeat(4096)}).to_string());
    let env = env_for(&srv, &srv.fixture.full, false);
    let args = [
        "psono",
        "--max-response-bytes",
        "1000",
        "secret",
        "get",
        SECRET_WEB,
        "password",
    ];
    let out = keyauth(&args, &env, None).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert!(out.stderr.contains("too large"), "{:?}", out.stderr);
    // The same answer under the default limit is read (and refused as a malformed answer,
    // not as too large).
    let args = ["psono", "secret", "get", SECRET_WEB, "password"];
    let out = keyauth(&args, &env, None).await;
    assert!(!out.stderr.contains("too large"), "{:?}", out.stderr);
}
