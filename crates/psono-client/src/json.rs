//! JSON helpers: Python `json.dumps` output (for the signed login info), zeroizing JSON trees,
//! and field access with typed errors.

use core::fmt::Write as _;

use serde_json::{Map, Value};
use zeroize::Zeroize;

use crate::Error;

/// Appends `s` as a Python `json.dumps` string literal (`ensure_ascii=True`): `"` and `\`
/// escaped, `\n \r \t \b \f` short forms, every other character outside `' '..='~'` as
/// `\uXXXX` (lowercase hex, astral characters as surrogate pairs).
pub(crate) fn push_python_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Appends `v` in Python `json.dumps` default format (`", "` and `": "` separators,
/// `ensure_ascii=True`, object keys in the map's order).
pub(crate) fn push_python_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // Python prints floats with repr(): 1.0, 0.5, 1e+20.
                if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
                    let _ = write!(out, "{f:.1}");
                } else {
                    let _ = write!(out, "{f}");
                }
            } else {
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => push_python_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_python_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_python_str(out, k);
                out.push_str(": ");
                push_python_value(out, x);
            }
            out.push('}');
        }
    }
}

/// Overwrites every string in a JSON tree (values and keys are dropped afterwards).
pub(crate) fn zeroize_value(v: &mut Value) {
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(zeroize_value),
        Value::Object(m) => m.values_mut().for_each(zeroize_value),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A JSON document holding secrets: every string in it is zeroized on drop.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct SecretJson(pub(crate) Value);

impl Drop for SecretJson {
    fn drop(&mut self) {
        zeroize_value(&mut self.0);
    }
}

/// Parses bytes as a JSON object.
pub(crate) fn parse_object(bytes: &[u8], what: &'static str) -> Result<Value, Error> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| Error::json(what, &e))?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(Error::shape(what))
    }
}

/// Typed access to one JSON object.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a>(pub(crate) &'a Map<String, Value>, pub(crate) &'static str);

impl<'a> Obj<'a> {
    pub(crate) fn of(v: &'a Value, what: &'static str) -> Result<Self, Error> {
        v.as_object()
            .map(|m| Self(m, what))
            .ok_or(Error::shape(what))
    }

    pub(crate) fn get(&self, field: &str) -> Option<&'a Value> {
        self.0.get(field)
    }

    pub(crate) fn str(&self, field: &str) -> Result<&'a str, Error> {
        match self.0.get(field) {
            None => Err(Error::missing(field)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(Error::shape(self.1)),
        }
    }

    /// A string field that may be absent or null (`None`).
    pub(crate) fn opt_str(&self, field: &str) -> Result<Option<&'a str>, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::shape(self.1)),
        }
    }

    pub(crate) fn bool_or(&self, field: &str, default: bool) -> Result<bool, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::shape(self.1)),
        }
    }
}
