//! Every vendored vector file passes, and no case passes whatever it expects.

use std::path::{Path, PathBuf};

use keyauth_vectors::{CaseError, Summary, VectorFile, judge, outcomes, render, run_dir};
use serde_json::{Value, json};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

#[test]
fn every_vendored_file_passes() {
    let reports = run_dir(&vectors_dir(), None).expect("vector files load");
    assert!(!reports.is_empty());
    let summary = Summary::of(&reports);
    assert_eq!(summary.failed, 0, "\n{}", render(&reports));
    assert!(render(&reports).ends_with(&format!("{} passed, 0 failed\n", summary.passed)));
}

/// The same outputs judged against altered expectations must fail: a runner that ignores
/// `expect`, or an op that returns nothing checkable, shows up here.
#[test]
fn altered_expectations_fail() {
    for path in keyauth_vectors::vector_files(&vectors_dir()).unwrap() {
        let file: VectorFile =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (case, got) in file.cases.iter().zip(outcomes(&file)) {
            let mut altered = case.expect.clone();
            if let Some(kind) = altered.get_mut("error") {
                *kind = json!("not-a-kind");
            } else if let Some(fields) = altered.as_object_mut() {
                assert!(!fields.is_empty(), "{}: empty expect", case.name);
                for (_, v) in fields.iter_mut() {
                    *v = json!({"altered": v.clone()});
                }
            }
            assert!(
                judge(&altered, &got).is_err(),
                "{} / {}: passes with an altered expectation",
                path.display(),
                case.name
            );
            // Swapping success for an error (or back) must fail too.
            let flipped = if case.expect.get("error").is_some() {
                json!({"ok": true})
            } else {
                json!({"error": "unexpected"})
            };
            assert!(judge(&flipped, &got).is_err(), "{}: flip", case.name);
        }
    }
}

#[test]
fn unknown_ops_and_schemes_fail_never_skip() {
    let text = r#"{"scheme": "core", "cases": [
        {"name": "a", "op": "no_such_op", "input": {}, "expect": {"ok": true}}]}"#;
    let r = keyauth_vectors::run_file_text("x.json", text).unwrap();
    assert_eq!(r.failed(), 1);
    assert!(
        r.cases[0]
            .failure
            .as_deref()
            .unwrap()
            .contains("unsupported op")
    );

    let text = r#"{"scheme": "no-such-scheme", "cases": [
        {"name": "a", "op": "x", "input": {}, "expect": {"error": "x"}}]}"#;
    let r = keyauth_vectors::run_file_text("x.json", text).unwrap();
    assert_eq!(r.failed(), 1);
}

#[test]
fn judge_compares_fields_and_kinds() {
    let out: Result<Value, CaseError> = Ok(json!({"a": 1, "b": "x"}));
    assert!(judge(&json!({"a": 1}), &out).is_ok());
    assert!(judge(&json!({"a": 2}), &out).is_err());
    assert!(judge(&json!({"c": 1}), &out).is_err());
    assert!(judge(&json!({"error": "bad"}), &out).is_err());
    let err: Result<Value, CaseError> = Err(CaseError::kind("bad"));
    assert!(judge(&json!({"error": "bad"}), &err).is_ok());
    assert!(judge(&json!({"error": "other"}), &err).is_err());
    let unsupported: Result<Value, CaseError> = Err(CaseError::Unsupported("x".into()));
    assert!(judge(&json!({"error": "x"}), &unsupported).is_err());
}

#[test]
fn broken_files_are_load_errors() {
    assert!(keyauth_vectors::run_file_text("x.json", "{").is_err());
    assert!(keyauth_vectors::run_file_text("x.json", r#"{"scheme": "core"}"#).is_err());
    assert!(keyauth_vectors::run_file("/nonexistent/x.json").is_err());
}
