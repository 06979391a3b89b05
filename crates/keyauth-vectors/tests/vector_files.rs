//! The harness judges, reports and loads correctly, with a toy scheme (it knows no real one).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use keyauth_vectors::{
    Case, CaseError, CaseResult, Input, LoadError, Scheme, Summary, VectorFile, assert_vectors,
    insensitive_cases, judge, outcomes, render, run_embedded, run_file, run_file_text,
};
use serde_json::{Value, json};

/// `add` sums `a` and `b`; `a` = 13 is the error code `unlucky`; `panic` panics; `lax` returns
/// an empty object whatever it is asked.
struct Toy;

impl Scheme for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            "add" if input.u64("a")? == 13 => Err(CaseError::kind("unlucky")),
            "add" => Ok(json!({"sum": input.u64("a")? + input.u64("b")?})),
            "panic" => panic!("toy runner panics"),
            "lax" => Ok(json!({})),
            op => Err(CaseError::Unsupported(op.into())),
        }
    }
}

const GOOD: &str = r#"{"scheme": "toy", "cases": [
    {"name": "one", "op": "add", "input": {"a": 1, "b": 2}, "expect": {"sum": 3}},
    {"name": "two", "op": "add", "input": {"a": "13", "b": 0}, "expect": {"error": "unlucky"}}]}"#;

#[test]
fn a_good_file_passes_and_renders_the_closing_line() {
    let r = run_file_text(&[&Toy], "good.json", GOOD).unwrap();
    assert_eq!((r.passed(), r.failed()), (2, 0));
    let text = render(&[r]);
    assert!(text.contains("toy"), "{text}");
    assert!(text.ends_with("2 passed, 0 failed\n"), "{text}");
    assert_vectors(&Toy, &[("good.json", GOOD)]);
}

#[test]
fn wrong_outputs_and_codes_fail_with_expected_vs_got() {
    let text = GOOD
        .replace("\"sum\": 3", "\"sum\": 4")
        .replace("unlucky", "lucky");
    let r = run_file_text(&[&Toy], "bad.json", &text).unwrap();
    assert_eq!(r.failed(), 2);
    let rendered = render(&[r]);
    assert!(rendered.contains("expected 4, got 3"), "{rendered}");
    assert!(rendered.contains("FAIL toy / two"), "{rendered}");
    assert!(rendered.ends_with("0 passed, 2 failed\n"));
}

#[test]
#[should_panic(expected = "0 passed, 1 failed")]
fn assert_vectors_panics_on_a_failure() {
    let text = r#"{"scheme": "toy", "cases": [
        {"name": "x", "op": "add", "input": {"a": 1, "b": 1}, "expect": {"sum": 3}}]}"#;
    assert_vectors(&Toy, &[("x.json", text)]);
}

#[test]
#[should_panic(expected = "pass whatever they expect")]
fn assert_vectors_panics_on_a_case_that_checks_nothing() {
    let text = r#"{"scheme": "toy", "cases": [
        {"name": "x", "op": "lax", "input": {}, "expect": {}}]}"#;
    assert_vectors(&Toy, &[("x.json", text)]);
}

#[test]
fn altered_expectations_fail() {
    let file: VectorFile = serde_json::from_str(GOOD).unwrap();
    let got = outcomes(&[&Toy], &file);
    assert!(insensitive_cases(&file, &got).is_empty());
    // A runner that answers success for an expected error is caught by the flip.
    let lax: VectorFile = serde_json::from_str(
        r#"{"scheme": "toy", "cases": [{"name": "l", "op": "lax", "input": {}, "expect": {}}]}"#,
    )
    .unwrap();
    let got = outcomes(&[&Toy], &lax);
    assert_eq!(insensitive_cases(&lax, &got), vec!["l".to_string()]);
}

#[test]
fn unknown_ops_schemes_and_panics_fail_never_skip() {
    let text = r#"{"scheme": "toy", "cases": [
        {"name": "a", "op": "no_such_op", "input": {}, "expect": {"ok": true}},
        {"name": "b", "op": "panic", "input": {}, "expect": {"ok": true}},
        {"name": "c", "op": "add", "input": {"a": "x"}, "expect": {"ok": true}}]}"#;
    let r = run_file_text(&[&Toy], "x.json", text).unwrap();
    assert_eq!(r.failed(), 3);
    let f: Vec<_> = r.cases.iter().map(|c| c.failure.clone().unwrap()).collect();
    assert!(f[0].contains("unsupported op"), "{f:?}");
    assert!(f[1].contains("panicked"), "{f:?}");
    assert!(f[2].contains("bad vector input"), "{f:?}");

    let text = r#"{"scheme": "no-such-scheme", "cases": [
        {"name": "a", "op": "x", "input": {}, "expect": {"error": "x"}}]}"#;
    let r = run_file_text(&[&Toy], "x.json", text).unwrap();
    assert_eq!(r.failed(), 1);
    assert!(r.cases[0].failure.as_deref().unwrap().contains("no runner"));
}

#[test]
fn judge_compares_fields_and_codes() {
    let out: Result<Value, CaseError> = Ok(json!({"a": 1, "b": "x"}));
    assert!(judge(&json!({"a": 1}), &out).is_ok());
    assert!(judge(&json!({"a": 2}), &out).is_err());
    assert!(judge(&json!({"c": 1}), &out).is_err());
    assert!(judge(&json!({"error": "bad"}), &out).is_err());
    let err: Result<Value, CaseError> = Err(CaseError::kind("bad"));
    assert!(judge(&json!({"error": "bad"}), &err).is_ok());
    assert!(judge(&json!({"error": "other"}), &err).is_err());
    assert!(judge(&json!({"a": 1}), &err).is_err());
    let unsupported: Result<Value, CaseError> = Err(CaseError::Unsupported("x".into()));
    assert!(judge(&json!({"error": "x"}), &unsupported).is_err());
}

#[test]
fn embedded_files_filter_by_scheme() {
    let files = [("good.json", GOOD)];
    assert_eq!(run_embedded(&[&Toy], &files, None).unwrap().len(), 1);
    assert!(
        run_embedded(&[&Toy], &files, Some("other"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        Summary::of(&run_embedded(&[&Toy], &files, Some("toy")).unwrap()),
        Summary {
            passed: 2,
            failed: 0
        }
    );
}

#[test]
fn broken_missing_and_oversized_files_are_load_errors() {
    assert!(matches!(
        run_file_text(&[&Toy], "x.json", "{"),
        Err(LoadError::Parse { .. })
    ));
    assert!(run_file_text(&[&Toy], "x.json", r#"{"scheme": "toy"}"#).is_err());
    assert!(matches!(
        run_file(&[&Toy], "/nonexistent/x.json"),
        Err(LoadError::Io { .. })
    ));
    let dir = std::env::temp_dir().join(format!("keyauth-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(keyauth_vectors::MAX_FILE_BYTES + 1).unwrap();
    assert!(matches!(
        run_file(&[&Toy], &big),
        Err(LoadError::TooLarge { .. })
    ));
    let good = dir.join("good.json");
    std::fs::write(&good, GOOD).unwrap();
    assert_eq!(run_file(&[&Toy], &good).unwrap().passed(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
