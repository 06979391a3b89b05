//! JSON values in insertion order, and Python's `json.dumps` byte for byte.
//!
//! Ninchat MACs and hashes the text Python's `json.dumps(value, separators=(",", ":"))`
//! produces, so the text has to be reproduced exactly: `ensure_ascii` escapes with lowercase
//! `\uXXXX` (surrogate pairs above U+FFFF, U+007F included), integers in full, floats as
//! Python's `repr`, object keys in the order the caller gave them. [`Json`] keeps that order
//! whatever features `serde_json` is built with; [`Json::from_serialize`] turns any
//! `Serialize` value into one.
//!
//! The jobs live apart: this module is the value model (and serde both ways), `python` writes
//! Python's text, `order` is Python's ordering of same-named attributes, `from_serde` turns any
//! `Serialize` value into a [`Json`].

mod direct;
mod from_serde;
mod order;
mod python;

use std::collections::HashMap;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::error::Error;
pub(crate) use order::sort_attrs;
pub(crate) use python::{write_python, write_python_float, write_python_str};

/// Appends Python's `json.dumps(value, separators=(",", ":"))` of any `Serialize` value to
/// `out`: straight from the value when it can (no tree), through [`Json::from_serialize`] when
/// an object repeats a key (Python's dict keeps the first position and the last value).
///
/// # Errors
/// [`Error::InvalidJson`] as [`Json::from_serialize`].
pub(crate) fn write_python_serialize<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
) -> Result<(), Error> {
    let start = out.len();
    match direct::write_serialize(out, value) {
        Ok(()) => Ok(()),
        Err(direct::Outcome::Invalid(_)) => {
            out.truncate(start);
            Err(Error::InvalidJson)
        }
        Err(direct::Outcome::Duplicate) => {
            out.truncate(start);
            write_python(out, &Json::from_serialize(value)?)
        }
    }
}

/// A JSON value whose objects keep their keys in insertion order.
///
/// Integers and floats stay distinct (`3` and `3.0` are different texts in Python), integers
/// are held as `i128` (every `i64` and `u64`).
///
/// ```
/// use ninchat_master::Json;
/// let v: Json = serde_json::from_str(r#"{"z": 1, "a": [2.5, "Zoë", null]}"#)?;
/// assert_eq!(v.to_python_json()?, r#"{"z":1,"a":[2.5,"Zo\u00eb",null]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// A JSON value has exactly these cases; matching on them exhaustively is the point.
#[allow(clippy::exhaustive_enums)]
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Json {
    /// `null` (Python `None`).
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float (Python `float`); written with Python's `repr`.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in insertion order (no duplicates).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Converts any `Serialize` value, keeping the order in which it serialises its map
    /// entries and struct fields. Map keys become strings as Python converts dict keys
    /// (`1` → `"1"`, `true` → `"true"`); a repeated key keeps its first position and its last
    /// value, as in a Python dict.
    ///
    /// ```
    /// use ninchat_master::Json;
    /// #[derive(serde::Serialize)]
    /// struct Order { zeta: u32, alpha: &'static str }
    /// let v = Json::from_serialize(&Order { zeta: 1, alpha: "ä" })?;
    /// assert_eq!(v.to_python_json()?, r#"{"zeta":1,"alpha":"\u00e4"}"#);
    /// assert!(Json::from_serialize(&f64::NAN).is_err()); // Python would write NaN: not JSON
    /// # Ok::<(), ninchat_master::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when the value cannot be represented as JSON (a NaN or infinite
    /// float, a map key that is a list or a map, an integer beyond `i128`).
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        value
            .serialize(from_serde::ToJson)
            .map_err(|_| Error::InvalidJson)
    }

    /// Python's `json.dumps(self, separators=(",", ":"))`.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] for a NaN or infinite float (not JSON).
    pub fn to_python_json(&self) -> Result<String, Error> {
        let mut out = String::new();
        write_python(&mut out, self)?;
        Ok(out)
    }

    /// Looks a key up in an object (`None` for other values or a missing key).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Self::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Self::Int(n.into())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Self {
        Self::Int(n.into())
    }
}

impl From<i32> for Json {
    fn from(n: i32) -> Self {
        Self::Int(n.into())
    }
}

impl From<f64> for Json {
    fn from(f: f64) -> Self {
        Self::Float(f)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(v: Vec<T>) -> Self {
        Self::Array(v.into_iter().map(Into::into).collect())
    }
}

impl From<&serde_json::Value> for Json {
    /// Object order is `serde_json::Map`'s iteration order: insertion order only when
    /// serde_json is built with `preserve_order`.
    fn from(v: &serde_json::Value) -> Self {
        use serde_json::Value as V;
        match v {
            V::Null => Self::Null,
            V::Bool(b) => Self::Bool(*b),
            V::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Self::Int(i.into())
                } else if let Some(u) = n.as_u64() {
                    Self::Int(u.into())
                } else {
                    Self::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            V::String(s) => Self::String(s.clone()),
            V::Array(a) => Self::Array(a.iter().map(Self::from).collect()),
            V::Object(m) => {
                Self::Object(m.iter().map(|(k, v)| (k.clone(), Self::from(v))).collect())
            }
        }
    }
}

impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Self {
        Self::from(&v)
    }
}

impl From<&Json> for serde_json::Value {
    /// Integers outside `i64`/`u64` and non-finite floats become `null`; object order is kept
    /// only when serde_json is built with `preserve_order`.
    fn from(v: &Json) -> Self {
        use serde_json::Value as V;
        match v {
            Json::Null => V::Null,
            Json::Bool(b) => V::Bool(*b),
            Json::Int(i) => i64::try_from(*i)
                .map(V::from)
                .or_else(|_| u64::try_from(*i).map(V::from))
                .unwrap_or(V::Null),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(V::Null, V::Number),
            Json::String(s) => V::String(s.clone()),
            Json::Array(a) => V::Array(a.iter().map(Self::from).collect()),
            Json::Object(o) => {
                V::Object(o.iter().map(|(k, v)| (k.clone(), Self::from(v))).collect())
            }
        }
    }
}

impl From<Json> for serde_json::Value {
    fn from(v: Json) -> Self {
        Self::from(&v)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Bool(b) => s.serialize_bool(*b),
            Self::Int(i) => {
                if let Ok(i) = i64::try_from(*i) {
                    s.serialize_i64(i)
                } else if let Ok(u) = u64::try_from(*i) {
                    s.serialize_u64(u)
                } else {
                    s.serialize_i128(*i)
                }
            }
            Self::Float(f) => s.serialize_f64(*f),
            Self::String(v) => s.serialize_str(v),
            Self::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Self::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, v) in o {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Json, E> {
        Ok(Json::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Json, E> {
        i128::try_from(v)
            .map(Json::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        // Python's dict: a repeated key keeps its first position and takes the last value.
        let mut object = ObjectBuilder::default();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            object.insert(k, v);
        }
        Ok(object.finish())
    }
}

/// Whether a key occurs twice. Small objects compare pairwise; larger ones are first checked
/// for strictly ascending keys (one sequential pass: serde_json's map, sorted producers), then
/// go through one hash set: linear in the keys, where sorting them was n log n with a cache
/// miss per comparison once the object no longer fits the cache (1 MiB of metadata).
pub(crate) fn has_repeated_key<'k>(keys: impl ExactSizeIterator<Item = &'k [u8]> + Clone) -> bool {
    let n = keys.len();
    if n <= 16 {
        let mut rest = keys;
        while let Some(a) = rest.next() {
            if rest.clone().any(|b| a == b) {
                return true;
            }
        }
        return false;
    }
    let mut prev: Option<&[u8]> = None;
    let ascending = keys.clone().all(|k| {
        let up = prev.is_none_or(|p| p < k);
        prev = Some(k);
        up
    });
    if ascending {
        return false;
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    keys.into_iter().any(|k| !seen.insert(k))
}

/// Builds an object as a Python dict does: a repeated key keeps its first position and takes
/// the last value. Entries are collected as they come; duplicates are looked for once at the
/// end (without copying keys), and only an object that has some is rebuilt.
#[derive(Default)]
pub(crate) struct ObjectBuilder {
    entries: Vec<(String, Json)>,
}

impl ObjectBuilder {
    pub(crate) fn insert(&mut self, k: String, v: Json) {
        self.entries.push((k, v));
    }

    fn has_duplicates(&self) -> bool {
        has_repeated_key(self.entries.iter().map(|(k, _)| k.as_bytes()))
    }

    pub(crate) fn finish(self) -> Json {
        if !self.has_duplicates() {
            return Json::Object(self.entries);
        }
        let mut out: Vec<(String, Json)> = Vec::with_capacity(self.entries.len());
        let mut index: HashMap<String, usize> = HashMap::new();
        for (k, v) in self.entries {
            match index.get(&k).and_then(|&i| out.get_mut(i)) {
                Some(slot) => slot.1 = v,
                None => {
                    index.insert(k.clone(), out.len());
                    out.push((k, v));
                }
            }
        }
        Json::Object(out)
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(f: f64) -> String {
        let mut s = String::new();
        write_python_float(&mut s, f).unwrap();
        s
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14159 is a value from the vectors
    fn floats_follow_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e-7, "1e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123_456_789.125, "123456789.125"),
            (999_999_999_999_999.9, "999999999999999.9"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-2.5, "-2.5"),
            (1.5e300, "1.5e+300"),
            (3.14159, "3.14159"),
            (-0.5, "-0.5"),
            (1.234e-5, "1.234e-05"),
            (12345678901234567890.0, "1.2345678901234567e+19"),
            (
                f64::from_bits(14_041_308_021_793_411_240),
                "-126430982921026.62",
            ),
        ] {
            assert_eq!(float(f), want, "{f:?}");
        }
        assert!(write_python_float(&mut String::new(), f64::NAN).is_err());
        assert!(write_python_float(&mut String::new(), f64::INFINITY).is_err());
    }

    #[test]
    fn strings_are_ensure_ascii_with_lowercase_hex() {
        let mut s = String::new();
        write_python_str(&mut s, "\"\\/\u{8}\u{c}\n\r\t\u{1}\u{7f}\u{2028}é😀a");
        assert_eq!(
            s,
            r#""\"\\/\b\f\n\r\t\u0001\u007f\u2028\u00e9\ud83d\ude00a""#
        );
    }

    #[test]
    fn repeated_keys_are_found_at_every_size_and_order() {
        for n in [0usize, 1, 2, 16, 17, 100, 5000] {
            let ascending: Vec<String> = (0..n).map(|i| format!("k{i:06}")).collect();
            let mut shuffled = ascending.clone();
            shuffled.reverse();
            shuffled.rotate_left(n / 3);
            for keys in [&ascending, &shuffled] {
                let bytes = || keys.iter().map(|k| k.as_bytes());
                assert!(!has_repeated_key(bytes()), "n={n}: distinct keys");
                if n >= 1 {
                    // The repeat anywhere: beside its twin, far from it, at the end.
                    for (at, of) in [(n / 2, n / 2), (n - 1, 0), (0, n - 1)] {
                        let mut with = keys.clone();
                        with.insert(at, keys[of].clone());
                        assert!(
                            has_repeated_key(with.iter().map(|k| k.as_bytes())),
                            "n={n}: {} repeated at {at}",
                            keys[of]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn objects_keep_order_and_last_duplicate_wins_in_place() {
        let v: Json = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(v.to_python_json().unwrap(), r#"{"b":3,"a":2}"#);
        let many: String = (0..40).rev().map(|i| format!("\"k{i}\":{i},")).collect();
        let v: Json = serde_json::from_str(&format!("{{{many}\"k3\":\"x\"}}")).unwrap();
        let Json::Object(o) = &v else { panic!() };
        assert_eq!(o.len(), 40);
        assert_eq!(o[0].0, "k39");
        assert_eq!(v.get("k3"), Some(&Json::from("x")));
    }

    #[test]
    fn attrs_sort_like_python() {
        let attrs = [
            ("z", Json::from(1)),
            ("dup", Json::from("b")),
            ("a", Json::from(2.5)),
            ("dup", Json::from("a")),
        ];
        let sorted: Vec<_> = sort_attrs(&attrs)
            .unwrap()
            .into_iter()
            .map(|(n, v)| (*n, v.clone()))
            .collect();
        assert_eq!(
            sorted,
            vec![
                ("a", Json::from(2.5)),
                ("dup", Json::from("a")),
                ("dup", Json::from("b")),
                ("z", Json::from(1))
            ]
        );
        let bad = [("x", Json::Object(vec![])), ("x", Json::from(1))];
        assert_eq!(sort_attrs(&bad).unwrap_err(), Error::UnorderableAttrs);
        // Equal values never need ordering.
        let same = [("x", Json::Null), ("x", Json::Null)];
        assert!(sort_attrs(&same).is_ok());
    }

    #[test]
    fn from_serialize_keeps_order_and_refuses_non_json() {
        #[derive(serde::Serialize)]
        struct Inner {
            z: Option<u8>,
            a: (i8, f32),
        }
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Struct { y: bool },
        }
        let mut keys = std::collections::BTreeMap::new();
        keys.insert(2, "two");
        keys.insert(10, "ten");
        let v = Json::from_serialize(&(
            Inner {
                z: None,
                a: (-1, 0.5),
            },
            keys,
            [E::Unit, E::New(3), E::Struct { y: true }],
            u128::from(u64::MAX) + 1,
            'é',
        ))
        .unwrap();
        assert_eq!(
            v.to_python_json().unwrap(),
            r#"[{"z":null,"a":[-1,0.5]},{"2":"two","10":"ten"},["Unit",{"New":3},{"Struct":{"y":true}}],18446744073709551616,"\u00e9"]"#
        );
        assert_eq!(
            Json::from_serialize(&f64::INFINITY),
            Err(Error::InvalidJson)
        );
        assert_eq!(
            Json::from_serialize(&vec![Some(f32::NAN)]),
            Err(Error::InvalidJson)
        );
        let mut bad = std::collections::BTreeMap::new();
        bad.insert(vec![1], 1);
        assert_eq!(Json::from_serialize(&bad), Err(Error::InvalidJson));
        // A Json round trips through itself unchanged.
        let j: Json = serde_json::from_str(r#"{"b":[1,2.0,{"x":null}],"a":"\u2028"}"#).unwrap();
        assert_eq!(Json::from_serialize(&j).unwrap(), j);
        // serde_json values: floats stay floats.
        let sv = serde_json::json!({"f": 1.0, "i": 1});
        assert!(
            Json::from_serialize(&sv)
                .unwrap()
                .to_python_json()
                .unwrap()
                .contains("1.0")
        );
    }

    /// Every float's text parses back to the same bits and follows Python's shape rules.
    #[test]
    fn float_texts_round_trip_and_have_python_shape() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            // xorshift over all bit patterns: every exponent and sign.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if !f.is_finite() {
                continue;
            }
            let text = float(f);
            let back: f64 = text.parse().unwrap();
            assert_eq!(back.to_bits(), f.to_bits(), "{text}");
            match text.split_once('e') {
                Some((m, e)) => {
                    assert!(e.starts_with('+') || e.starts_with('-'), "{text}");
                    assert!(e.len() >= 3, "{text}");
                    let exp: i32 = e.parse().unwrap();
                    assert!(!(-4..16).contains(&exp), "{text}");
                    assert!(!m.ends_with('.') && !m.ends_with(".0"), "{text}");
                }
                None => assert!(text.contains('.') && !text.ends_with('.'), "{text}"),
            }
        }
    }
}
