//! Differential fixture: `Json` writes exactly what CPython's `json.dumps(v,
//! separators=(",", ":"))` wrote for 4000 random floats and 400 random nested values
//! (`tests/data/gen_python_json.py`, CPython 3.11).
#![allow(clippy::unwrap_used)] // test helpers

use ninchat_master::Json;

const DATA: &str = include_str!("data/python_json.txt");

#[test]
fn floats_match_python_repr() {
    let mut n = 0;
    for line in DATA.lines().filter_map(|l| l.strip_prefix("float ")) {
        let (bits, text) = line.split_once(' ').unwrap();
        let f = f64::from_bits(bits.parse().unwrap());
        assert_eq!(
            Json::Float(f).to_python_json().unwrap(),
            text,
            "bits {bits}"
        );
        n += 1;
    }
    assert_eq!(n, 4000);
}

#[test]
fn nested_values_match_python_dumps() {
    let mut n = 0;
    for text in DATA.lines().filter_map(|l| l.strip_prefix("json ")) {
        let v: Json = serde_json::from_str(text).unwrap();
        assert_eq!(v.to_python_json().unwrap(), text);
        n += 1;
    }
    assert_eq!(n, 400);
}
