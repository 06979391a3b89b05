//! `keyauth hmac` end to end: the built binary against the conformance vectors, against
//! itself (sign then verify), and against a real axum server with the hmac-auth layer on
//! 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Extension;
use axum::routing::any;
use hmac_auth::{Authenticated, Digest, Hmac, HmacAuthLayer, Key};
use http::StatusCode;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_keyauth");

/// The key the server and the good client share; the tests check it never leaks.
const KEY: &str = "S3cr3t-clé-Xq7";
const SERVICE_KEY: &str = "svc-Kéy-9Zp";
const WRONG_KEY: &str = "wr0ng-Kéy-Jm2";

/// What a run of the binary left behind.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(out: &std::process::Output) -> Self {
        Self {
            code: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// No key of these tests in any output.
    fn assert_no_secret(&self) {
        for key in [KEY, SERVICE_KEY, WRONG_KEY] {
            assert!(
                !self.stdout.contains(key) && !self.stderr.contains(key),
                "a key leaked: {self:?}"
            );
        }
    }

    /// Exit 2 and exactly one `keyauth: kind: message` line on stderr.
    fn assert_input_error(&self, kind: &str) {
        assert_eq!(self.code, 2, "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        assert!(
            self.stderr.starts_with(&format!("keyauth: {kind}: ")),
            "{self:?}"
        );
        self.assert_no_secret();
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// A fresh directory under Cargo's per-target temporary directory.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "keyauth-hmac-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The binary, with the key variable cleared and stdin empty.
fn keyauth(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("KEYAUTH_HMAC_KEY")
        .stdin(Stdio::null());
    cmd
}

fn run(args: &[&str]) -> Run {
    Run::from(&keyauth(args).output().unwrap())
}

fn vector_cases(file: &str) -> Vec<Value> {
    let (_, text) = keyauth::conformance::vectors()
        .into_iter()
        .find(|(name, _)| *name == file)
        .unwrap();
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// The message of a make_hmac case: `data` text (UTF-8), `data_hex` bytes, or empty.
fn case_data(input: &Value) -> Vec<u8> {
    if let Some(text) = input["data"].as_str() {
        text.as_bytes().to_vec()
    } else if let Some(h) = input["data_hex"].as_str() {
        hex::decode(h).unwrap()
    } else {
        Vec::new()
    }
}

fn is_latin1_not_ascii(key: &str) -> bool {
    !key.is_ascii() && key.chars().all(|c| u32::from(c) <= 0xff)
}

/// Checks one vector through `keyauth hmac sign`: expected signature, or exit 2 for the
/// expected input errors.
fn check_sign_vector(dir: &Path, mut args: Vec<String>, key: &str, data: &[u8], expect: &Value) {
    args.push(format!("--key-file={}", write(dir, "key", key.as_bytes())));
    args.push(format!("--data-file={}", write(dir, "data", data)));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    if key.is_empty() {
        // Flask-HMAC signs with an empty key (the library keeps that for compatibility); the
        // CLI refuses it, since anyone can compute such a MAC.
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.starts_with("keyauth: empty_secret: "), "{r:?}");
        return;
    }
    match (expect["signature"].as_str(), expect["header"].as_str()) {
        (Some(sig), _) | (None, Some(sig)) => {
            assert_eq!((r.code, r.stdout.trim_end()), (0, sig), "{args:?}: {r:?}");
        }
        (None, None) => {
            // Only input errors are expected here (see the callers' filters).
            assert_eq!(r.code, 2, "{args:?} {expect}: {r:?}");
            assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
        }
    }
}

#[test]
fn sign_matches_flask_hmac_vectors() {
    let dir = scratch();
    let (mut global, mut services, mut latin1) = (0, 0, 0);
    for case in vector_cases("hmac-auth.json") {
        let input = &case["input"];
        let config = &input["config"];
        let mut args = vec!["hmac".to_owned(), "sign".to_owned()];
        if let Some(d) = input["digestmod"].as_str() {
            args.push(format!("--digest={d}"));
        }
        let key = match case["op"].as_str() {
            Some("make_hmac") => {
                // make_hmac(data, key): a non-empty key argument wins over HMAC_KEY.
                let key = input["key"]
                    .as_str()
                    .filter(|k| !k.is_empty())
                    .or_else(|| config["HMAC_KEY"].as_str());
                let Some(key) = key else { continue };
                global += 1;
                key
            }
            Some("make_hmac_for") => {
                let name = input["name"].as_str().unwrap();
                // An unknown or empty service key needs a global fallback the CLI does not take.
                let Some(key) = config["HMAC_KEYS"][name].as_str().filter(|k| !k.is_empty()) else {
                    continue;
                };
                args.push(format!("--service={name}"));
                services += 1;
                key
            }
            _ => continue,
        };
        let expect = &case["expect"];
        if let Some(err) = expect["error"].as_str() {
            assert!(
                ["key_not_latin1", "name_not_latin1"].contains(&err),
                "unexpected error case {case}"
            );
        }
        latin1 += usize::from(is_latin1_not_ascii(key) && expect["signature"].is_string());
        check_sign_vector(&dir, args, key, &case_data(input), expect);
    }
    assert!(
        global >= 4 && services >= 3 && latin1 >= 1,
        "{global} {services} {latin1}"
    );
}

#[test]
fn key_sources_agree_and_env_is_documented() {
    let dir = scratch();
    let file = write(&dir, "key", format!("{KEY}\n").as_bytes());
    let from_file = run(&["hmac", "sign", "--key-file", &file, "--data", "x"]);
    let from_flag = run(&["hmac", "sign", "--key", KEY, "--data", "x"]);
    let from_env = Run::from(
        &keyauth(&["hmac", "sign", "--data", "x"])
            .env("KEYAUTH_HMAC_KEY", KEY)
            .output()
            .unwrap(),
    );
    let expected = Hmac::new(Key::latin1(KEY).unwrap())
        .make_hmac(b"x")
        .unwrap();
    for r in [&from_file, &from_flag, &from_env] {
        assert_eq!(
            (r.code, r.stdout.trim_end()),
            (0, expected.as_str()),
            "{r:?}"
        );
        r.assert_no_secret();
    }
    // Body from stdin when neither --data nor --data-file is given.
    let mut child = keyauth(&["hmac", "sign", "--key-file", &file])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"x").unwrap();
    let r = Run::from(&child.wait_with_output().unwrap());
    assert_eq!(r.stdout.trim_end(), expected);

    let help = run(&["hmac", "sign", "--help"]);
    assert!(help.stdout.contains("KEYAUTH_HMAC_KEY") && help.stdout.contains("Examples:"));
    for sub in ["verify", "curl"] {
        let help = run(&["hmac", sub, "--help"]);
        assert!(help.stdout.contains("Examples:"), "{sub}: {help:?}");
    }
}

#[test]
fn sign_then_verify_round_trips_and_tampering_fails() {
    let dir = scratch();
    let global = write(&dir, "global", KEY.as_bytes());
    let svc = write(&dir, "svc", SERVICE_KEY.as_bytes());
    let body = "{\"amount\": 10}";

    let sig = run(&["hmac", "sign", "--key-file", &global, "--data", body]);
    let sig = sig.stdout.trim_end();
    let ok = run(&["hmac", "verify", sig, "--key-file", &global, "--data", body]);
    assert_eq!(
        (ok.code, ok.stdout.as_str()),
        (0, "valid: signed with the global key\n")
    );
    let bad = run(&[
        "hmac",
        "verify",
        sig,
        "--key-file",
        &global,
        "--data",
        "{\"amount\": 99}",
    ]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert_eq!(
        bad.stderr,
        "keyauth: invalid_signature: invalid signature\n"
    );
    bad.assert_no_secret();

    // A service token, checked by a server with two services and the global key.
    let token = run(&[
        "hmac",
        "sign",
        "--service",
        "billing",
        "--key-file",
        &svc,
        "--data",
        body,
    ]);
    let token = token.stdout.trim_end();
    let other = write(&dir, "other", b"reports-key");
    let server = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "hmac",
            "verify",
            token,
            "--key-file",
            &global,
            "--data",
            body,
        ];
        let billing = format!("billing={svc}");
        let reports = format!("reports={other}");
        args.extend(["--service-key", &billing, "--service-key", &reports]);
        args.extend(extra);
        run(&args)
    };
    let ok = server(&[]);
    assert_eq!(ok.code, 0, "{ok:?}");
    let doc = ok.json();
    assert_eq!(
        (&doc["valid"], &doc["signer"], &doc["service"]),
        (&Value::Bool(true), &"service".into(), &"billing".into())
    );
    assert_eq!(server(&["--only", "billing"]).code, 0);
    let outside = server(&["--only", "reports"]);
    assert_eq!(outside.code, 1, "{outside:?}");
    assert_eq!(outside.json()["error"]["exit"], 1);
    // The token names a service the verifier has no key for.
    let unknown = run(&[
        "hmac",
        "verify",
        token,
        "--service-key",
        &format!("reports={other}"),
        "--data",
        body,
    ]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("\"billing\""), "{unknown:?}");
    // A different digest is a different signature.
    let sha1 = run(&[
        "hmac",
        "verify",
        sig,
        "--key-file",
        &global,
        "--data",
        body,
        "--digest",
        "sha1",
    ]);
    assert_eq!(sha1.code, 1);
}

#[test]
fn form_bodies_are_signed_as_empty_like_flask() {
    let form = "application/x-www-form-urlencoded";
    let sig = run(&[
        "hmac",
        "sign",
        "--key",
        KEY,
        "--content-type",
        form,
        "--data",
        "a=1",
    ]);
    let empty = run(&["hmac", "sign", "--key", KEY, "--data", ""]);
    assert_eq!(sig.stdout, empty.stdout);
    let ok = run(&[
        "hmac",
        "verify",
        sig.stdout.trim_end(),
        "--key",
        KEY,
        "--content-type",
        form,
        "--data",
        "a=2",
    ]);
    assert_eq!(ok.code, 0, "{ok:?}");
}

/// The retired strong mode's flags are gone: a usage error (exit 2), and the help names the
/// replacement.
#[test]
fn strong_mode_flags_are_refused() {
    for args in [
        &["hmac", "sign", "--key", KEY, "--strong", "--data", "x"][..],
        &[
            "hmac", "verify", "AAAA", "--key", KEY, "--strong", "--data", "x",
        ][..],
        &[
            "hmac",
            "curl",
            "GET",
            "http://127.0.0.1:9/",
            "--key",
            KEY,
            "--strong",
        ][..],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains("--strong"), "{args:?}: {r:?}");
    }
    let help = run(&["hmac", "--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.contains("keyauth httpsig"), "{help:?}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = scratch();
    let not_latin1 = write(&dir, "euro", "k€y".as_bytes());
    let not_utf8 = write(&dir, "bytes", b"\xff\xfe");
    let missing = dir.join("missing.key").to_str().unwrap().to_owned();
    let url = "http://127.0.0.1:9/";
    let cases: &[(&[&str], &str)] = &[
        (&["hmac", "sign", "--data", "x"], "missing_secret"),
        (&["hmac", "verify", "AAAA", "--data", "x"], "missing_secret"),
        (
            &["hmac", "sign", "--key-file", &missing, "--data", "x"],
            "io",
        ),
        (
            &["hmac", "sign", "--key-file", &not_latin1, "--data", "x"],
            "invalid_key",
        ),
        (
            &["hmac", "sign", "--key-file", &not_utf8, "--data", "x"],
            "bad_input",
        ),
        (
            &["hmac", "sign", "--key", "k€y", "--data", "x"],
            "invalid_key",
        ),
        (
            &[
                "hmac", "sign", "--key", KEY, "--digest", "md5", "--data", "x",
            ],
            "bad_digest",
        ),
        (
            &[
                "hmac",
                "sign",
                "--key",
                KEY,
                "--header-name",
                "a b",
                "--data",
                "x",
            ],
            "bad_header",
        ),
        (
            &["hmac", "sign", "--key-file", "-", "--data-file", "-"],
            "usage",
        ),
        (
            &[
                "hmac", "verify", "AAAA", "--key", KEY, "--digest", "sha3", "--data", "x",
            ],
            "bad_digest",
        ),
        (&["hmac", "curl", "GE T", url, "--key", KEY], "bad_method"),
        (
            &["hmac", "curl", "GET", "not a url", "--key", KEY],
            "bad_url",
        ),
        (
            &["hmac", "curl", "GET", "ftp://127.0.0.1/x", "--key", KEY],
            "bad_url",
        ),
        (
            &["hmac", "curl", "GET", url, "-H", "NoColon", "--key", KEY],
            "bad_header",
        ),
        (
            &[
                "hmac",
                "curl",
                "GET",
                url,
                "-H",
                "Bad Name: x",
                "--key",
                KEY,
            ],
            "bad_header",
        ),
        (
            &[
                "hmac",
                "curl",
                "GET",
                url,
                "-H",
                "X-Token: a\u{7f}b",
                "--key",
                KEY,
            ],
            "bad_header",
        ),
        (
            &["hmac", "curl", "GET", url, "--timeout", "0", "--key", KEY],
            "bad_duration",
        ),
        (
            &["hmac", "curl", "GET", url, "--digest", "md5", "--key", KEY],
            "bad_digest",
        ),
        (&["hmac", "curl", "GET", url], "missing_secret"),
        (
            &["hmac", "curl", "GET", url, "--key-file", &not_latin1],
            "invalid_key",
        ),
    ];
    for (args, kind) in cases {
        let r = run(args);
        assert!(
            r.code == 2 && r.stderr.starts_with(&format!("keyauth: {kind}: ")),
            "{args:?}: {r:?}"
        );
        r.assert_input_error(kind);
        // With --json the same error is one JSON document on stdout.
        let json = run(&[&["--json"][..], args].concat());
        json.assert_input_error(kind);
        assert_eq!(json.json()["error"]["code"], *kind, "{args:?}");
    }
}

// ---- hmac curl against a real server ----

/// Echoes who signed and the body.
async fn echo(Extension(who): Extension<Authenticated>, body: String) -> String {
    format!("{}|{body}", who.service().unwrap_or("global"))
}

/// The layer's keys: the global key and the service `billing`.
fn server_hmac(digest: Digest) -> Hmac {
    Hmac::builder()
        .key(Key::latin1(KEY).unwrap())
        .service("billing", Key::latin1(SERVICE_KEY).unwrap())
        .digest(digest)
        .build()
}

async fn serve(layer: HmacAuthLayer) -> SocketAddr {
    let app = Router::new()
        .route("/boom", any(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/slow",
            any(|| async {
                tokio::time::sleep(Duration::from_secs(20)).await;
                "late"
            }),
        )
        .fallback(echo)
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Runs `keyauth hmac curl` as a child process, bounded in time.
async fn curl(args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("hmac")
        .arg("curl")
        .args(args)
        .env_remove("KEYAUTH_HMAC_KEY")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("keyauth hmac curl did not finish within 60 s")
        .unwrap();
    let run = Run::from(&out);
    run.assert_no_secret();
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_against_a_flask_hmac_compatible_server() {
    let dir = scratch();
    let global = write(&dir, "global", KEY.as_bytes());
    let svc = write(&dir, "svc", SERVICE_KEY.as_bytes());
    let wrong = write(&dir, "wrong", WRONG_KEY.as_bytes());
    let addr = serve(HmacAuthLayer::new(server_hmac(Digest::Sha256))).await;
    let url = format!("http://{addr}/pay?to=alice");

    let ok = curl(&["POST", &url, "--key-file", &global, "--data", "{\"a\": 1}"]).await;
    assert_eq!(
        (ok.code, ok.stdout.as_str()),
        (0, "global|{\"a\": 1}"),
        "{ok:?}"
    );
    assert_eq!(ok.stderr, "HTTP/1.1 200 OK\n");

    let ok = curl(&[
        "put",
        &url,
        "--service",
        "billing",
        "--key-file",
        &svc,
        "--data-file",
        &write(&dir, "body", b"payload"),
    ])
    .await;
    assert_eq!(
        (ok.code, ok.stdout.as_str()),
        (0, "billing|payload"),
        "{ok:?}"
    );

    // A form body: Flask-HMAC checks it as empty, and so must the signature.
    let form = curl(&[
        "POST",
        &url,
        "--key-file",
        &global,
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "--data",
        "a=1",
    ])
    .await;
    assert_eq!(
        (form.code, form.stdout.as_str()),
        (0, "global|a=1"),
        "{form:?}"
    );

    // Refused: the layer's default 403.
    let refused = curl(&["POST", &url, "--key-file", &wrong, "--data", "{}"]).await;
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (1, "Forbidden"),
        "{refused:?}"
    );
    assert!(
        refused.stderr.starts_with("HTTP/1.1 403 Forbidden\n"),
        "{refused:?}"
    );
    let as_unknown = curl(&["POST", &url, "--service", "reports", "--key-file", &svc]).await;
    assert_eq!(
        as_unknown.code, 3,
        "unknown service is upstream's 500: {as_unknown:?}"
    );

    // Any other non-2xx answer: exit 3, body still printed.
    let boom = curl(&["GET", &format!("http://{addr}/boom"), "--key-file", &global]).await;
    assert_eq!(boom.code, 3, "{boom:?}");
    assert!(boom.stderr.starts_with("HTTP/1.1 500"), "{boom:?}");

    // --json: one document, response headers included; -i prints headers on stderr.
    let json = curl(&["--json", "GET", &url, "--key-file", &global]).await;
    assert_eq!(json.code, 0);
    let doc = json.json();
    assert_eq!(
        (&doc["status"], &doc["body"]),
        (&200.into(), &"global|".into())
    );
    assert_eq!(doc["signed"]["mode"], "compat");
    assert!(
        doc["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "content-length")
    );
    let refused = curl(&["--json", "GET", &url, "--key-file", &wrong]).await;
    assert_eq!((refused.code, &refused.json()["status"]), (1, &403.into()));
    let include = curl(&["-i", "GET", &url, "--key-file", &global]).await;
    assert!(include.stderr.contains("\ncontent-length: "), "{include:?}");

    // Timeout: exit 3 with one line.
    let slow = curl(&[
        "GET",
        &format!("http://{addr}/slow"),
        "--key-file",
        &global,
        "--timeout",
        "1",
    ])
    .await;
    assert_eq!(slow.code, 3, "{slow:?}");
    assert!(
        slow.stderr.starts_with("keyauth: timeout: ") && slow.stderr.lines().count() == 1,
        "{slow:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_digest_and_header_name_must_match_the_server() {
    let dir = scratch();
    let global = write(&dir, "global", KEY.as_bytes());
    let hmac = Hmac::builder()
        .key(Key::latin1(KEY).unwrap())
        .digest(Digest::Sha512)
        .header(http::HeaderName::from_static("x-signature"))
        .build();
    let addr = serve(HmacAuthLayer::new(hmac)).await;
    let url = format!("http://{addr}/");
    let base = ["POST", &url, "--key-file", &global, "--data", "x"];
    let ok = curl(
        &[
            &base[..],
            &["--digest", "sha512", "--header-name", "X-Signature"],
        ]
        .concat(),
    )
    .await;
    assert_eq!((ok.code, ok.stdout.as_str()), (0, "global|x"), "{ok:?}");
    let sha256 = curl(&[&base[..], &["--header-name", "X-Signature"]].concat()).await;
    assert_eq!(sha256.code, 1, "{sha256:?}");
    let default_header = curl(&[&base[..], &["--digest", "sha512"]].concat()).await;
    assert_eq!(default_header.code, 1, "{default_header:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_to_an_unreachable_port_exits_3() {
    let dir = scratch();
    let global = write(&dir, "global", KEY.as_bytes());
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = curl(&[
        "GET",
        &format!("http://127.0.0.1:{port}/"),
        "--key-file",
        &global,
    ])
    .await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.starts_with("keyauth: unreachable: ") && r.stderr.lines().count() == 1,
        "{r:?}"
    );
    let json = curl(&[
        "--json",
        "GET",
        &format!("http://127.0.0.1:{port}/"),
        "--key-file",
        &global,
    ])
    .await;
    assert_eq!((json.code, &json.json()["error"]["exit"]), (3, &3.into()));
}
