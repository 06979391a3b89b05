//! Python's ordering of values, for sorting attributes with the same name as `sorted()` does.

use core::cmp::Ordering;

use super::Json;
use crate::error::Error;

/// Python's `==` between JSON values (`1 == 1.0 == True`).
fn py_eq(a: &Json, b: &Json) -> bool {
    match (py_num(a), py_num(b)) {
        (Some(x), Some(y)) => return num_cmp(x, y) == Some(Ordering::Equal),
        (Some(_), None) | (None, Some(_)) => return false,
        (None, None) => {}
    }
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::String(x), Json::String(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| k2 == k)
                        .is_some_and(|(_, v2)| py_eq(v, v2))
                })
        }
        _ => false,
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

fn py_num(v: &Json) -> Option<Num> {
    match v {
        Json::Bool(b) => Some(Num::Int(i128::from(*b))),
        Json::Int(i) => Some(Num::Int(*i)),
        Json::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

#[allow(clippy::cast_precision_loss)]
fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => (x as f64).partial_cmp(&y),
        (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
    }
}

/// Python's `a < b`; `Err` where Python raises `TypeError`.
fn py_lt(a: &Json, b: &Json) -> Result<bool, ()> {
    if let (Some(x), Some(y)) = (py_num(a), py_num(b)) {
        return Ok(num_cmp(x, y) == Some(Ordering::Less));
    }
    match (a, b) {
        (Json::String(x), Json::String(y)) => Ok(x < y),
        (Json::Array(x), Json::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_lt(p, q);
                }
            }
            Ok(x.len() < y.len())
        }
        _ => Err(()),
    }
}

/// Python's `sorted()` of `[name, value]` pairs: by name (code point order), then by value.
///
/// # Errors
/// [`Error::UnorderableAttrs`] where Python's comparison would raise `TypeError` (two
/// attributes with the same name whose values cannot be ordered, such as two objects).
pub(crate) fn sort_attrs<'a>(
    attrs: &'a [(&'a str, Json)],
) -> Result<Vec<&'a (&'a str, Json)>, Error> {
    let mut sorted: Vec<&(&str, Json)> = attrs.iter().collect();
    // Names already strictly ascending (the usual case): nothing to compare values for.
    if attrs.windows(2).all(|w| match w {
        [(a, _), (b, _)] => a < b,
        _ => true,
    }) {
        return Ok(sorted);
    }
    let mut unorderable = false;
    sorted.sort_by(|(n1, v1), (n2, v2)| {
        n1.cmp(n2).then_with(|| {
            if py_eq(v1, v2) {
                return Ordering::Equal;
            }
            match (py_lt(v1, v2), py_lt(v2, v1)) {
                (Ok(true), _) => Ordering::Less,
                (_, Ok(true)) => Ordering::Greater,
                (Ok(false), Ok(false)) => Ordering::Equal,
                _ => {
                    unorderable = true;
                    Ordering::Equal
                }
            }
        })
    });
    if unorderable {
        return Err(Error::UnorderableAttrs);
    }
    Ok(sorted)
}
