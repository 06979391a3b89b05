//! `cargo xtask vectors` as a user runs it: exit codes, table, failures, unseen directories.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyauth-xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn core_json() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/keyauth-core/vectors/core.json"),
    )
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn passes_on_a_copy_and_prints_the_table() {
    let dir = scratch("pass");
    std::fs::write(dir.join("core.json"), core_json()).unwrap();
    let out = xtask(&["vectors", "--dir", dir.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("scheme"), "{text}");
    assert!(text.contains("core.json"), "{text}");
    assert!(text.trim_end().ends_with("passed, 0 failed"), "{text}");
}

#[test]
fn one_altered_expected_value_fails_with_exit_1() {
    let dir = scratch("altered");
    let mut file: serde_json::Value = serde_json::from_str(&core_json()).unwrap();
    let case = file["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["expect"].get("hex").is_some())
        .unwrap();
    let name = case["name"].as_str().unwrap().to_owned();
    case["expect"]["hex"] = "00".into();
    std::fs::write(dir.join("altered.json"), file.to_string()).unwrap();
    let out = xtask(&["vectors", "--dir", dir.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("FAIL core / {name}")), "{text}");
    assert!(text.trim_end().ends_with("1 failed"), "{text}");
}

#[test]
fn unreadable_file_exits_2_and_empty_dir_too() {
    let dir = scratch("broken");
    std::fs::write(dir.join("broken.json"), "{\"scheme\": ").unwrap();
    assert_eq!(
        xtask(&["vectors", "--dir", dir.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
    let empty = scratch("empty");
    assert_eq!(
        xtask(&["vectors", "--dir", empty.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(xtask(&["vectors", "--bogus"]).status.code(), Some(2));
}

#[test]
fn unknown_ops_fail_and_scheme_filter_selects() {
    let dir = scratch("unknown");
    std::fs::write(dir.join("core.json"), core_json()).unwrap();
    std::fs::write(
        dir.join("other.json"),
        r#"{"scheme": "martian", "generated_by": "test", "encoding_notes": "",
            "cases": [{"name": "m", "op": "fly", "input": {}, "expect": {"ok": true}}]}"#,
    )
    .unwrap();
    let out = xtask(&["vectors", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("unsupported op"));
    let out = xtask(&[
        "vectors",
        "--dir",
        dir.to_str().unwrap(),
        "--scheme",
        "core",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("martian"));
}

#[test]
fn default_run_covers_every_crates_vectors() {
    let out = xtask(&["vectors"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for scheme in [
        "core",
        "authkey",
        "authkey-handshake",
        "hmac-auth",
        "httpsig",
        "ninchat-master",
        "psono-client",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{scheme} "))),
            "{scheme} missing:\n{text}"
        );
    }
}
