//! The built `keyauth` binary: help and completions, `vectors`, `ninchat` and `authkey`,
//! driven as a user would, with exit codes and output checked. Values come from the
//! conformance vectors (selected by op and input, never by case name).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SECRET_ENV: &str = "NINCHAT_MASTER_KEY_SECRET";

fn keyauth() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyauth"));
    for var in [
        SECRET_ENV,
        "NINCHAT_MASTER_KEY_ID",
        "KEYAUTH_AUTH_KEY_HEX",
        "KEYAUTH_REDIS_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run keyauth")
}

/// Runs with `stdin` fed to the child.
fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Exit 2 with exactly one line on stderr that mentions `needle`.
fn assert_input_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
}

fn vectors(file: &str) -> Vec<Value> {
    let (_, text) = keyauth::conformance::vectors()
        .into_iter()
        .find(|(name, _)| *name == file)
        .unwrap();
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyauth-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- help, completions, usage ----

#[test]
fn every_command_has_help_with_examples() {
    let top = run(keyauth().arg("--help"));
    assert_eq!(code(&top), 0);
    assert!(stdout(&top).contains("Exit codes: 0 ok, 1 check failed"));
    for path in [
        &["ninchat", "sign", "create-session"][..],
        &["ninchat", "sign", "create-session-for-user"],
        &["ninchat", "sign", "join-channel"],
        &["ninchat", "sign", "join-channel-for-user"],
        &["ninchat", "secure-metadata"],
        &["ninchat", "verify"],
        &["ninchat", "open-metadata"],
        &["authkey", "inspect"],
        &["authkey", "encrypt"],
        &["authkey", "decrypt"],
        &["vectors"],
        &["completions"],
    ] {
        let out = run(keyauth().args(path).arg("--help"));
        assert_eq!(code(&out), 0, "{path:?}");
        assert!(
            stdout(&out).contains("Example"),
            "{path:?} help has no example"
        );
    }
}

#[test]
fn completions_and_usage_errors() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(keyauth().args(["completions", shell]));
        assert_eq!(code(&out), 0);
        assert!(stdout(&out).contains("keyauth"));
        assert!(
            stdout(&out).contains("open-metadata"),
            "{shell} knows subcommands"
        );
    }
    assert_input_error(
        &run(keyauth().arg("no-such-command")),
        "unrecognized subcommand",
    );
    let doc: Value =
        serde_json::from_slice(&run(keyauth().args(["--json", "vectors", "--bogus"])).stdout)
            .unwrap();
    assert_eq!(doc["error"]["exit"], 2);
    assert_eq!(doc["error"]["code"], "usage");
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(code(&run(keyauth().args(["completions", "cmd.exe"]))), 2);
    assert_eq!(code(&run(&mut keyauth())), 2);
    let v = run(keyauth().arg("--version"));
    assert_eq!(code(&v), 0);
    assert!(stdout(&v).starts_with("keyauth "));
}

// ---- vectors ----

#[test]
fn built_in_vectors_pass() {
    let out = run(keyauth().arg("vectors"));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains(" 0 failed"));
    let out = run(keyauth().args(["--json", "vectors", "--scheme", "authkey"]));
    assert_eq!(code(&out), 0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["failed"], 0);
    assert!(doc["passed"].as_u64().unwrap() > 40);
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["scheme"] == "authkey")
    );
}

#[test]
fn vectors_from_a_directory_report_failures() {
    let dir = tempdir("vectors");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../keyauth-core/vectors/core.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    // Alter one expectation: the run must notice it.
    let case = doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["expect"].get("error").is_none())
        .unwrap();
    case["expect"] = serde_json::json!({"error": "not_what_happens"});
    let name = case["name"].as_str().unwrap().to_owned();
    std::fs::write(dir.join("altered.json"), doc.to_string()).unwrap();
    let out = run(keyauth().arg("vectors").arg(&dir));
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains(&name));
    let out = run(keyauth().args(["--json", "vectors"]).arg(&dir));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failed"], 1);
    assert_eq!(report["files"][0]["failures"][0]["name"], name.as_str());

    std::fs::write(dir.join("broken.json"), "{not json").unwrap();
    assert_input_error(&run(keyauth().arg("vectors").arg(&dir)), "broken.json");
    let empty = tempdir("vectors-empty");
    assert_input_error(
        &run(keyauth().arg("vectors").arg(&empty)),
        "no vector files",
    );
    assert_input_error(
        &run(keyauth().arg("vectors").arg(empty.join("missing"))),
        "cannot read",
    );
}

// ---- ninchat ----

/// The CLI arguments of a vector's `verify` call.
fn verify_args(input: &Value) -> Vec<String> {
    let mut args = vec![
        "ninchat".to_owned(),
        "verify".to_owned(),
        "--key-id".to_owned(),
        input["key"]["id"].as_str().unwrap().to_owned(),
        "--now".to_owned(),
        input["now"].to_string(),
        "--action".to_owned(),
        input["action"].as_str().unwrap().replace('_', "-"),
    ];
    let params = &input["params"];
    for field in ["channel_id", "user_id"] {
        if let Some(v) = params.get(field) {
            args.push(format!("--{}", field.replace('_', "-")));
            args.push(v.as_str().unwrap().to_owned());
        }
    }
    for list in ["puppet_attrs", "member_attrs"] {
        for pair in params
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            args.push("--attr".to_owned());
            args.push(format!("{}={}", pair[0].as_str().unwrap(), pair[1]));
        }
    }
    args.push("--".to_owned());
    args.push(input["signature"].as_str().unwrap().to_owned());
    args
}

#[test]
fn ninchat_verify_agrees_with_the_python_vectors() {
    let mut checked = 0;
    for file in ["ninchat-master.json", "ninchat-master_extra.json"] {
        for case in vectors(file).iter().filter(|c| c["op"] == "verify") {
            let input = &case["input"];
            if input["key"]["id"].as_str().is_none() || input["signature"].as_str().is_none() {
                continue;
            }
            let out = run(keyauth()
                .arg("--json")
                .args(verify_args(input))
                .env(SECRET_ENV, input["key"]["secret"].as_str().unwrap()));
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let expect = &case["expect"];
            match expect.get("error").and_then(Value::as_str) {
                None => {
                    assert_eq!(code(&out), 0, "{}: {}", case["name"], stderr(&out));
                    assert_eq!(doc["expire"], expect["expire"]);
                }
                Some(want) => {
                    // The vector's error code is the CLI's code; its class decides the exit.
                    assert_eq!(doc["error"]["code"], want, "{}", case["name"]);
                    let (exit, kind) = match want {
                        "bad_mac" => (1, "bad_signature"),
                        "expired" => (1, "expired"),
                        "unknown_key" => (1, "unknown_key"),
                        "malformed" => (2, "malformed"),
                        other => panic!("{}: code {other} not expected of verify", case["name"]),
                    };
                    assert_eq!(code(&out), exit, "{}", case["name"]);
                    assert_eq!(doc["error"]["kind"], kind, "{}", case["name"]);
                    assert_eq!(doc["error"]["exit"], code(&out));
                    assert_eq!(stderr(&out).lines().count(), 1);
                    assert!(stderr(&out).starts_with(&format!("keyauth: {want}: ")));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} verify vectors");
}

#[test]
fn ninchat_open_metadata_reads_the_python_values() {
    let mut checked = 0;
    for case in vectors("ninchat-master.json")
        .iter()
        .filter(|c| c["op"] == "open_secure_metadata")
    {
        let input = &case["input"];
        let mut cmd = keyauth();
        cmd.args(["--json", "ninchat", "open-metadata", "--key-id"])
            .arg(input["key"]["id"].as_str().unwrap())
            .arg("--now")
            .arg(input["now"].to_string())
            .env(SECRET_ENV, input["key"]["secret"].as_str().unwrap());
        if let Some(user) = input.get("user_id").and_then(Value::as_str) {
            cmd.args(["--user-id", user]);
        }
        let out = run(cmd.arg("--").arg(input["value"].as_str().unwrap()));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        match case["expect"].get("error") {
            None => {
                assert_eq!(code(&out), 0, "{}: {}", case["name"], stderr(&out));
                assert_eq!(doc["metadata"], case["expect"]["metadata"]);
                // Key order is the sealer's, as Python hashed it.
                assert_eq!(
                    doc["metadata"].to_string(),
                    case["expect"]["metadata"].to_string()
                );
                assert_eq!(doc["expire"], case["expect"]["expire"]);
            }
            Some(_) => assert!(
                matches!(code(&out), 1 | 2),
                "{}: {}",
                case["name"],
                stderr(&out)
            ),
        }
        checked += 1;
    }
    assert!(checked >= 10);
}

const KEY_ID: &str = "22nlihvg";
const SECRET: &str = "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=";

fn ninchat(args: &[&str]) -> Output {
    run(keyauth()
        .arg("ninchat")
        .args(args)
        .env(SECRET_ENV, SECRET)
        .env("NINCHAT_MASTER_KEY_ID", KEY_ID))
}

#[test]
fn ninchat_sign_then_verify_each_grant() {
    let attr = "info={\"n\":3,\"a\":1.5}";
    let cases: [(&[&str], &[&str], &[&str]); 4] = [
        (
            &["create-session", "--attr", attr],
            &["--action", "create-session", "--attr", attr],
            &["--action", "create-session"],
        ),
        (
            &["create-session-for-user", "--user-id", "u1"],
            &["--action", "create-session", "--user-id", "u1"],
            &["--action", "create-session", "--user-id", "u2"],
        ),
        (
            &[
                "join-channel",
                "--channel-id",
                "c1",
                "--attr",
                "silenced=false",
            ],
            &[
                "--action",
                "join-channel",
                "--channel-id",
                "c1",
                "--attr",
                "silenced=false",
            ],
            &["--action", "join-channel", "--channel-id", "c2"],
        ),
        (
            &[
                "join-channel-for-user",
                "--channel-id",
                "c1",
                "--user-id",
                "u1",
            ],
            &[
                "--action",
                "join-channel",
                "--channel-id",
                "c1",
                "--user-id",
                "u1",
            ],
            &[
                "--action",
                "join-channel",
                "--channel-id",
                "c1",
                "--user-id",
                "u2",
            ],
        ),
    ];
    for format in ["released", "url-safe"] {
        for (sign, good, bad) in cases {
            let out =
                ninchat(&[&["sign"], sign, &["--expire", "10m", "--format", format]].concat());
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            let sig = stdout(&out).trim().to_owned();
            assert!(sig.starts_with(KEY_ID));
            assert!(!sig.contains(SECRET));
            let ok = ninchat(&[&["verify", "--json"], good, &["--", &sig]].concat());
            assert_eq!(code(&ok), 0, "{sign:?}: {}", stderr(&ok));
            let doc: Value = serde_json::from_slice(&ok.stdout).unwrap();
            assert_eq!(doc["valid"], true);
            assert_eq!(doc["format"], format);
            let refused = ninchat(&[&["verify"], bad, &["--", &sig]].concat());
            assert_eq!(code(&refused), 1, "{sign:?}");
            assert!(stderr(&refused).starts_with("keyauth: bad_mac: "));
        }
    }
    // Another key with the same id: bad signature, not a crash.
    let sig = stdout(&ninchat(&["sign", "create-session"]))
        .trim()
        .to_owned();
    let other = run(keyauth()
        .args([
            "ninchat",
            "verify",
            "--key-id",
            KEY_ID,
            "--action",
            "create-session",
        ])
        .args(["--", &sig])
        .env(SECRET_ENV, "mzabCZSuKP9uo2TNudz+gvNfi+9xgETmCd4HXXfuUeg="));
    assert_eq!(code(&other), 1);
}

#[test]
fn ninchat_expiry_rules() {
    let sig = stdout(&ninchat(&["sign", "create-session", "--expire", "1h"]))
        .trim()
        .to_owned();
    let expire: u64 = sig.split('-').nth(1).unwrap().parse().unwrap();
    let later = (expire + 1).to_string();
    let out = ninchat(&[
        "verify",
        "--action",
        "create-session",
        "--now",
        &later,
        "--",
        &sig,
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("expired"));
    let out = ninchat(&[
        "verify",
        "--action",
        "create-session",
        "--max-ahead",
        "10m",
        "--",
        &sig,
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("expire_too_far"));
    // Signing beyond one week, or in the past, is the caller's mistake: exit 2.
    assert_input_error(
        &ninchat(&["sign", "create-session", "--expire", "2w"]),
        "expire",
    );
    assert_input_error(
        &ninchat(&["sign", "create-session", "--expire", "1000"]),
        "expired",
    );
}

#[test]
fn ninchat_single_use_through_redis() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let sig = stdout(&ninchat(&[
        "sign",
        "create-session-for-user",
        "--user-id",
        "u9",
    ]))
    .trim()
    .to_owned();
    let prefix = format!("keyauth-cli-test:{}:", std::process::id());
    let verify = |redis: &str| {
        ninchat(&[
            "verify",
            "--action",
            "create-session",
            "--user-id",
            "u9",
            "--redis",
            redis,
            "--redis-prefix",
            &prefix,
            "--",
            &sig,
        ])
    };
    let first = verify(&url);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let second = verify(&url);
    assert_eq!(code(&second), 1);
    assert!(stderr(&second).contains("replayed"), "{}", stderr(&second));
    // A Redis that does not answer is a service error, never "fresh".
    let port = keyauth_testkit::free_port().unwrap();
    let down = verify(&format!("redis://127.0.0.1:{port}/"));
    assert_eq!(code(&down), 3, "{}", stderr(&down));
    assert!(stderr(&down).contains("unavailable"));
    assert_input_error(&verify("not a url"), "redis URL");
}

#[test]
fn ninchat_secure_metadata_round_trip() {
    let meta =
        r#"{"zeta": 1, "alpha": {"y": [true, null], "x": "Ünïcödé ❤"}, "b": -0.5}"#.as_bytes();
    let sealed = run_with_stdin(
        keyauth()
            .args([
                "ninchat",
                "secure-metadata",
                "--user-id",
                "u1",
                "--expire",
                "5m",
            ])
            .args(["--key-id", KEY_ID])
            .env(SECRET_ENV, SECRET),
        meta,
    );
    assert_eq!(code(&sealed), 0, "{}", stderr(&sealed));
    let value = stdout(&sealed).trim().to_owned();
    let opened = ninchat(&["--json", "open-metadata", "--user-id", "u1", "--", &value]);
    assert_eq!(code(&opened), 0, "{}", stderr(&opened));
    let doc: Value = serde_json::from_slice(&opened.stdout).unwrap();
    let original: Value = serde_json::from_slice(meta).unwrap();
    assert_eq!(doc["metadata"].to_string(), original.to_string());
    assert_eq!(doc["user_id"], "u1");
    // Bound to u1: refused for another user and without one.
    let other = ninchat(&["open-metadata", "--user-id", "u2", "--", &value]);
    assert_eq!(code(&other), 1);
    assert_eq!(code(&ninchat(&["open-metadata", "--", &value])), 1);
    // One flipped character of ciphertext: refused.
    let mut tampered = value.clone().into_bytes();
    let i = tampered.len() - 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let out = ninchat(&[
        "open-metadata",
        "--user-id",
        "u1",
        "--",
        std::str::from_utf8(&tampered).unwrap(),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // Metadata from a file.
    let dir = tempdir("meta");
    std::fs::write(dir.join("m.json"), b"[1, 2]").unwrap();
    let out = ninchat(&[
        "secure-metadata",
        "--metadata-file",
        dir.join("m.json").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0);
    let doc: Value = serde_json::from_slice(
        &ninchat(&["--json", "open-metadata", "--", stdout(&out).trim()]).stdout,
    )
    .unwrap();
    assert_eq!(doc["metadata"], serde_json::json!([1, 2]));
}

#[test]
fn ninchat_bad_input_exits_2_with_one_line() {
    let dir = tempdir("ninchat-bad");
    let no_secret = run(keyauth().args(["ninchat", "sign", "create-session", "--key-id", KEY_ID]));
    assert_input_error(&no_secret, "NINCHAT_MASTER_KEY_SECRET");
    assert_input_error(
        &ninchat(&[
            "sign",
            "create-session",
            "--secret-file",
            dir.join("nope").to_str().unwrap(),
        ]),
        "cannot read",
    );
    assert_input_error(
        &ninchat(&["sign", "create-session", "--key-id", "a-b"]),
        "key id",
    );
    assert_input_error(
        &ninchat(&["sign", "create-session", "--expire", "soon"]),
        "--expire",
    );
    assert_input_error(
        &ninchat(&["sign", "create-session", "--attr", "name=Enforced"]),
        "not JSON",
    );
    assert_input_error(
        &ninchat(&["sign", "create-session", "--attr", "novalue"]),
        "NAME=JSON",
    );
    assert_input_error(
        &ninchat(&["verify", "--action", "create-session", "--", "a-b-c"]),
        "fields",
    );
    assert_input_error(
        &ninchat(&["verify", "--action", "join-channel", "--", "a-1-b-c"]),
        "--channel-id",
    );
    assert_input_error(
        &ninchat(&[
            "verify",
            "--action",
            "create-session",
            "--max-ahead",
            "x",
            "--",
            "k-1-a-b",
        ]),
        "--max-ahead",
    );
    assert_input_error(&ninchat(&["open-metadata", "--", "22nlihvg-!!!"]), "base64");
    let bad_json = run_with_stdin(
        keyauth()
            .args(["ninchat", "secure-metadata", "--key-id", KEY_ID])
            .env(SECRET_ENV, SECRET),
        b"{oops",
    );
    assert_input_error(&bad_json, "not JSON");
    // A 20-byte secret is fine for HMAC but not for AES.
    let short = run_with_stdin(
        keyauth()
            .args(["ninchat", "secure-metadata", "--key-id", KEY_ID])
            .env(SECRET_ENV, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b"{}",
    );
    assert_input_error(&short, "AES");
    // Clap's own usage errors: exit 2 too.
    assert_eq!(code(&ninchat(&["sign", "join-channel"])), 2);
    assert_eq!(
        code(&ninchat(&["verify", "--action", "leave", "--", "x"])),
        2
    );
    // The secret never appears in any of it.
    for out in [&no_secret, &short] {
        assert!(!stderr(out).contains(SECRET) && !stdout(out).contains(SECRET));
    }
}

// ---- authkey ----

fn authkey(args: &[&str]) -> Output {
    run(keyauth().arg("authkey").args(args))
}

#[test]
fn authkey_inspect_matches_the_vectors() {
    let dir = tempdir("authkey");
    let mut checked = 0;
    for case in vectors("authkey.json")
        .iter()
        .filter(|c| c["op"] == "auth_key")
    {
        let expect = &case["expect"];
        let Some(key_hex) = expect.get("key_bytes").and_then(Value::as_str) else {
            continue;
        };
        let raw = hex::decode(key_hex).unwrap();
        std::fs::write(dir.join("key.bin"), &raw).unwrap();
        std::fs::write(dir.join("key.hex"), format!("{key_hex}\n")).unwrap();
        let value = case["input"]["value"].as_str().unwrap();
        let from_bin = authkey(&[
            "--json",
            "inspect",
            "--key-file",
            dir.join("key.bin").to_str().unwrap(),
        ]);
        assert_eq!(code(&from_bin), 0, "{}", stderr(&from_bin));
        let doc: Value = serde_json::from_slice(&from_bin.stdout).unwrap();
        assert_eq!(doc["sha1"], expect["hash"]);
        assert_eq!(doc["id_hex"], expect["id"]);
        assert_eq!(doc["wire_key_id_hex"], expect["id"]);
        assert_eq!(doc["id"], expect["id_u64"]);
        assert_eq!(doc["aux_hash"], expect["aux_hash_u64"]);
        assert_eq!(doc["aux_hash_hex"], expect["aux_hash"]);
        assert_eq!(doc["telethon_key_id"], expect["le_key_id_u64"]);
        assert_eq!(doc["tdlib_auth_key_id"], expect["le_key_id_i64"]);
        // The same key from a hex file, from mtpylon's integer and from the environment.
        for out in [
            authkey(&[
                "--json",
                "inspect",
                "--key-file",
                dir.join("key.hex").to_str().unwrap(),
            ]),
            authkey(&["--json", "inspect", "--key-int", value]),
            run(keyauth()
                .args(["--json", "authkey", "inspect"])
                .env("KEYAUTH_AUTH_KEY_HEX", key_hex)),
        ] {
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), doc);
        }
        let text = stdout(&authkey(&[
            "inspect",
            "--key-file",
            dir.join("key.bin").to_str().unwrap(),
        ]));
        assert!(text.contains(expect["hash"].as_str().unwrap()));
        assert!(
            !text.contains(&key_hex[..32]),
            "inspect never prints the key"
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} key vectors");
}

#[test]
fn authkey_decrypt_matches_the_vectors_and_encrypt_round_trips() {
    let dir = tempdir("authkey-crypto");
    let mut checked = 0;
    for case in vectors("authkey.json")
        .iter()
        .filter(|c| c["op"] == "mtproto2_decrypt")
    {
        let input = &case["input"];
        std::fs::write(dir.join("k.hex"), input["auth_key"].as_str().unwrap()).unwrap();
        std::fs::write(dir.join("p.hex"), input["packet"].as_str().unwrap()).unwrap();
        let (dir_arg, other) = match input["direction"].as_str().unwrap() {
            "client_to_server" => ("client", "server"),
            _ => ("server", "client"),
        };
        let key = dir.join("k.hex");
        let key = key.to_str().unwrap();
        let packet = dir.join("p.hex");
        let packet = packet.to_str().unwrap();
        let out = authkey(&[
            "--json",
            "decrypt",
            "--key-file",
            key,
            "--direction",
            dir_arg,
            "--in",
            packet,
        ]);
        match case["expect"].get("plaintext").and_then(Value::as_str) {
            Some(plaintext) => {
                assert_eq!(code(&out), 0, "{}: {}", case["name"], stderr(&out));
                let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(doc["plaintext_hex"], plaintext);
                if let Some(inner) = case["expect"].get("inner").filter(|i| i.is_object()) {
                    assert_eq!(doc["inner"]["salt"], inner["salt"]);
                    assert_eq!(doc["inner"]["msg_id"], inner["msg_id"]);
                    assert_eq!(doc["inner"]["message_data_hex"], inner["message_data"]);
                }
                // Plain hex output is the same plaintext.
                let text = authkey(&[
                    "decrypt",
                    "--key-file",
                    key,
                    "--direction",
                    dir_arg,
                    "--in",
                    packet,
                ]);
                assert_eq!(stdout(&text).trim(), plaintext);
                // The other direction's keys fail the msg_key check.
                let wrong = authkey(&[
                    "decrypt",
                    "--key-file",
                    key,
                    "--direction",
                    other,
                    "--in",
                    packet,
                ]);
                assert_eq!(code(&wrong), 1);
                checked += 1;
            }
            None => assert!(matches!(code(&out), 1 | 2), "{}", case["name"]),
        }
    }
    assert!(checked >= 1);

    // encrypt | decrypt with raw bytes through pipes.
    let key = dir.join("k.hex");
    let message: Vec<u8> = (0u8..=47).collect();
    let enc = run_with_stdin(
        keyauth()
            .args([
                "authkey",
                "encrypt",
                "--raw",
                "--direction",
                "server",
                "--key-file",
            ])
            .arg(&key),
        &message,
    );
    assert_eq!(code(&enc), 0, "{}", stderr(&enc));
    assert_eq!((enc.stdout.len() - 24) % 16, 0);
    let dec = run_with_stdin(
        keyauth()
            .args([
                "authkey",
                "decrypt",
                "--raw",
                "--direction",
                "server",
                "--key-file",
            ])
            .arg(&key),
        &enc.stdout,
    );
    assert_eq!(code(&dec), 0, "{}", stderr(&dec));
    assert_eq!(&dec.stdout[..48], &message[..]);
    // A flipped ciphertext byte: exit 1.
    let mut tampered = enc.stdout.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let bad = run_with_stdin(
        keyauth()
            .args([
                "authkey",
                "decrypt",
                "--raw",
                "--direction",
                "server",
                "--key-file",
            ])
            .arg(&key),
        &tampered,
    );
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("msg_key"));
}

#[test]
fn authkey_bad_input_exits_2_with_one_line() {
    let dir = tempdir("authkey-bad");
    std::fs::write(dir.join("short.bin"), [7u8; 100]).unwrap();
    let short = dir.join("short.bin");
    assert_input_error(
        &authkey(&["inspect", "--key-file", short.to_str().unwrap()]),
        "256 raw bytes",
    );
    assert_input_error(
        &authkey(&[
            "inspect",
            "--key-file",
            dir.join("missing").to_str().unwrap(),
        ]),
        "cannot read",
    );
    assert_input_error(&authkey(&["inspect", "--key-hex", "zz"]), "not hex");
    assert_input_error(&authkey(&["inspect", "--key-hex", "00ff"]), "256 bytes");
    assert_input_error(&authkey(&["inspect", "--key-int", "-1"]), "negative");
    assert_input_error(
        &authkey(&["inspect", "--key-int", &"f".repeat(513)]),
        "2048 bits",
    );
    assert_input_error(&authkey(&["inspect"]), "KEYAUTH_AUTH_KEY_HEX");
    let key_hex = "ab".repeat(256);
    let with_key = |stdin: &[u8], extra: &[&str]| {
        run_with_stdin(
            keyauth()
                .args(["authkey", "decrypt"])
                .args(extra)
                .env("KEYAUTH_AUTH_KEY_HEX", &key_hex),
            stdin,
        )
    };
    assert_input_error(&with_key(b"0011", &[]), "invalid length");
    assert_input_error(&with_key(b"not hex at all", &[]), "not hex");
    assert_input_error(&with_key(&[0xff, 0xfe], &[]), "not hex");
    assert_input_error(&with_key(&[0u8; 30], &["--raw"]), "invalid length");
    // A whole packet for another key: exit 1, a check, not an input error.
    let other = with_key(&[0u8; 40], &["--raw"]);
    assert_eq!(code(&other), 1);
    assert!(stderr(&other).contains("auth key id"));
    assert!(!stderr(&other).contains(&key_hex[..16]));
    // Two key sources at once is a usage error.
    assert_eq!(
        code(&authkey(&["inspect", "--key-hex", "00", "--key-int", "1"])),
        2
    );
}
