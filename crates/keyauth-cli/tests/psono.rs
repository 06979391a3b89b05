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
    ApiKeyCreds, DATASTORE_ID, SECRET_DB, SECRET_ENV, SECRET_NOTE, SECRET_WEB, TestServer,
    USER_DATASTORE_ID,
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
    assert_eq!(all["type"], "website_password");
    let out = keyauth(
        &["psono", "secret", "get", SECRET_WEB, "secret-type"],
        &env,
        None,
    )
    .await;
    assert_eq!((out.code, out.stdout.as_str()), (0, "website_password\n"));
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
    out.assert_fails(1, "http_status");
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
    out.assert_fails(1, "http_status");
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
    out.assert_fails(2, "bad_input");
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
    out.assert_fails(1, "http_status");
    assert!(out.stderr.contains("403"), "{}", out.stderr);
    assert!(!out.stderr.contains("hijacked"));
    assert_no_secrets(&srv, &out);
    let out = keyauth(
        &["psono", "secret", "set", SECRET_WEB, "password", "hijacked"],
        &env_for(&srv, &srv.fixture.restricted, true),
        None,
    )
    .await;
    out.assert_fails(1, "restricted_api_key");
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
            let out = keyauth(&["psono", "secret", "get", id, "title"], &env, None).await;
            out.assert_fails(1, "http_status");
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
    out.assert_fails(2, "bad_input");
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
            "bad_config",
            get.to_vec(),
            with("PSONO_CI_API_SECRET_KEY_HEX", "zz"),
        ),
        (
            "bad_config",
            get.to_vec(),
            with(
                "PSONO_CI_API_SECRET_KEY_HEX",
                &srv.fixture.full.secret_key_hex[..62],
            ),
        ),
        (
            "bad_config",
            get.to_vec(),
            with("PSONO_CI_API_PRIVATE_KEY_HEX", "xyz"),
        ),
        (
            "bad_config",
            get.to_vec(),
            with("PSONO_CI_SERVER_SIGNATURE_HEX", "00"),
        ),
        ("bad_config", get.to_vec(), with("PSONO_CI_TIMEOUT", "soon")),
        (
            "bad_config",
            get.to_vec(),
            with("PSONO_CI_SERVER_URL", "ftp://psono"),
        ),
        (
            "bad_config",
            get.to_vec(),
            with("PSONO_CI_API_KEY_ID", "not-a-uuid"),
        ),
        (
            "bad_config",
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
            "bad_config",
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
            "bad_config",
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
            "bad_input",
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
        (
            "missing_setting",
            vec!["psono", "secret", "set", SECRET_WEB, "notes", "x"],
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
