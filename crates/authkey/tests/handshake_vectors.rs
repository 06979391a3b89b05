//! The vendored handshake vectors (`vectors/authkey-handshake.json`) through the crate's
//! conformance runner: every case must pass, and a runner that returned nothing checkable
//! must not pass an altered expectation.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use authkey::conformance::{VECTORS, handshake::Handshake, judge, run_file_text};
use serde_json::Value;

#[test]
fn every_handshake_vector_passes() {
    for (name, text) in VECTORS {
        let (count, failures) = run_file_text(text).unwrap();
        let table: Vec<String> = failures.iter().map(|(n, why)| format!("FAIL {n}: {why}")).collect();
        assert!(failures.is_empty(), "{name}: {} of {count} failed\n{}", failures.len(), table.join("\n"));
        assert_eq!(count, 40);
    }
}

#[test]
fn altered_expectations_fail() {
    let file: Value = serde_json::from_str(VECTORS[0].1).unwrap();
    for case in file["cases"].as_array().unwrap() {
        let got = Handshake::default().run(case["op"].as_str().unwrap(), &case["input"], &case["expect"]);
        let mut altered = case["expect"].clone();
        if let Some(e) = altered.get_mut("error") {
            *e = Value::String("no_such_error".into());
        } else {
            altered
                .as_object_mut()
                .unwrap()
                .insert("no_such_field".into(), Value::Bool(true));
        }
        assert!(judge(&altered, &got).is_err(), "{} passes an altered expectation", case["name"]);
    }
}
