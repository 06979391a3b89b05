//! The direct writer against the tree path (`Json::from_serialize` + `write_python`), the
//! oracle it replaces.
use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::super::{Json, write_python, write_python_serialize};
use super::{Outcome, write_serialize};
use crate::error::Error;

/// The tree path's text, or its error.
fn tree<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    let mut out = String::new();
    write_python(&mut out, &Json::from_serialize(v)?)?;
    Ok(out)
}

fn direct<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    let mut out = String::from("prefix");
    write_python_serialize(&mut out, v)?;
    Ok(out.split_off(6))
}

fn same<T: serde::Serialize + ?Sized>(v: &T) {
    assert_eq!(direct(v), tree(v));
}

fn leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|i| Json::Int(i.into())),
        any::<i128>().prop_map(Json::Int),
        any::<f64>().prop_map(Json::Float),
        (-1e6f64..1e6).prop_map(Json::Float),
        any::<String>().prop_map(Json::String),
        "[a-c\u{e9}\u{1f600}\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}]{0,6}".prop_map(Json::String),
    ]
}

fn json() -> impl Strategy<Value = Json> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Json::Array),
            // Few key names: repeats happen, and so does the fallback.
            prop::collection::vec(("[a-d\u{e4}]{0,2}", inner.clone()), 0..8).prop_map(Json::Object),
            // Many distinct keys: the hashed repeat check (over 16 keys).
            prop::collection::vec(("k[0-9]{1,3}", inner), 17..40).prop_map(Json::Object),
        ]
    })
}

fn has_repeat(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.iter().any(has_repeat),
        Json::Object(o) => {
            o.iter()
                .enumerate()
                .any(|(i, (k, _))| o.iter().skip(i + 1).any(|(k2, _)| k2 == k))
                || o.iter().any(|(_, v)| has_repeat(v))
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn direct_text_is_the_tree_text(v in json()) {
        prop_assert_eq!(direct(&v), tree(&v));
        // The writer falls back exactly when an object repeats a key.
        let mut out = String::new();
        match write_serialize(&mut out, &v) {
            Ok(()) => prop_assert!(!has_repeat(&v)),
            Err(Outcome::Duplicate) => prop_assert!(has_repeat(&v)),
            Err(Outcome::Invalid(_)) => prop_assert!(tree(&v).is_err()),
        }
        // serde_json's own value (its map order) gives the same text both ways too.
        let sv = serde_json::Value::from(&v);
        prop_assert_eq!(direct(&sv), tree(&sv));
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)]
    fn any_float_and_string_match(f in any::<f64>(), s in any::<String>(), n in any::<u128>()) {
        same(&f);
        same(&(f as f32));
        same(&s);
        same(&n);
        same(&(s.clone(), f, n, Some(s.chars().next())));
        let mut m = BTreeMap::new();
        m.insert(s.clone(), f);
        same(&m);
        let mut fk = BTreeMap::new();
        fk.insert(format!("{f:?}"), 1);
        same(&fk);
    }
}

#[test]
fn rust_shapes_match_the_tree() {
    #[derive(serde::Serialize)]
    struct Inner {
        z: Option<u8>,
        a: (i8, f32),
        #[serde(with = "serde_bytes_like")]
        b: Vec<u8>,
    }
    mod serde_bytes_like {
        pub(super) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }
    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, &'static str),
        Struct { y: bool, x: char },
    }
    #[derive(serde::Serialize)]
    struct Unit;
    #[derive(serde::Serialize)]
    struct Newtype(&'static str);
    #[derive(serde::Serialize)]
    struct Flat {
        a: u8,
        #[serde(flatten)]
        rest: BTreeMap<&'static str, u8>,
    }
    let mut keys = BTreeMap::new();
    keys.insert(2, "two");
    keys.insert(-10, "ten");
    let mut bool_keys = BTreeMap::new();
    bool_keys.insert(true, 1);
    bool_keys.insert(false, 0);
    let mut char_keys = HashMap::new();
    char_keys.insert('é', ());
    let mut unit_keys = BTreeMap::new();
    unit_keys.insert((), 1);
    let value = (
        Inner {
            z: None,
            a: (-1, 0.5),
            b: vec![0, 255],
        },
        keys,
        bool_keys,
        char_keys,
        unit_keys,
        [
            E::Unit,
            E::New(3),
            E::Tuple(1, "\u{1f600}"),
            E::Struct { y: true, x: '"' },
        ],
        u128::from(u64::MAX) + 1,
        i128::MIN,
        'é',
        Unit,
        Newtype("n"),
    );
    same(&value);
    assert!(
        direct(&value)
            .unwrap()
            .contains(r#"{"Tuple":[1,"\ud83d\ude00"]}"#)
    );
    // A flattened map that repeats a struct field: Python keeps the first position and
    // the last value, through the fallback.
    let mut rest = BTreeMap::new();
    rest.insert("a", 9);
    rest.insert("b", 2);
    same(&Flat { a: 1, rest });
    assert_eq!(
        direct(&Flat {
            a: 1,
            rest: [("a", 9), ("b", 2)].into()
        })
        .unwrap(),
        r#"{"a":9,"b":2}"#
    );
    // Refusals match: non-finite floats, huge integers, list keys.
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(direct(&bad), Err(Error::InvalidJson));
        assert_eq!(direct(&vec![Some(bad)]), Err(Error::InvalidJson));
    }
    assert_eq!(direct(&u128::MAX), Err(Error::InvalidJson));
    let mut list_key = BTreeMap::new();
    list_key.insert(vec![1], 1);
    assert_eq!(direct(&list_key), Err(Error::InvalidJson));
    // A failed write leaves the caller's text as it was.
    let mut out = String::from("keep");
    assert!(write_python_serialize(&mut out, &[1.0, f64::NAN]).is_err());
    assert_eq!(out, "keep");
}
