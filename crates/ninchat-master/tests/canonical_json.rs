//! The plaintext JSON of the Python vectors re-encodes to itself through the crate's `Json`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use ninchat_master::Json;

const FILE: &str = include_str!("../vectors/ninchat-master.json");

fn field<'a>(v: &'a Json, k: &str) -> Option<&'a Json> {
    v.get(k).filter(|v| **v != Json::Null)
}

fn s<'a>(v: &'a Json, k: &str) -> &'a str {
    match field(v, k) {
        Some(Json::String(s)) => s,
        other => panic!("{k}: {other:?}"),
    }
}

/// The plaintext JSON of each secure-metadata case re-encodes to itself through `Json`.
#[test]
fn canonical_texts_round_trip_through_json() {
    let file: Json = serde_json::from_str(FILE).unwrap();
    let Some(Json::Array(cases)) = file.get("cases") else {
        panic!()
    };
    let mut n = 0;
    for case in cases {
        let expect = case.get("expect").unwrap();
        for k in ["plaintext_json", "canonical_json"] {
            if let Some(Json::String(text)) = expect.get(k) {
                let v: Json = serde_json::from_str(text).unwrap();
                assert_eq!(&v.to_python_json().unwrap(), text, "{}", s(case, "name"));
                n += 1;
            }
        }
    }
    assert!(n > 60, "{n}");
}
