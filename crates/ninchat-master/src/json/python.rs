//! Python's `json.dumps(v, separators=(",", ":"))` text: `ensure_ascii` escapes, integers in
//! full, floats as `repr`.

use core::fmt::Write as _;

use super::Json;
use crate::error::Error;

/// Appends Python's `json.dumps(v, separators=(",", ":"))` of `v` to `out`.
pub(crate) fn write_python(out: &mut String, v: &Json) -> Result<(), Error> {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Int(i) => {
            let _ = match i64::try_from(*i) {
                Ok(small) => write!(out, "{small}"),
                Err(_) => write!(out, "{i}"),
            };
        }
        Json::Float(f) => write_python_float(out, *f)?,
        Json::String(s) => write_python_str(out, s),
        Json::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_python(out, v)?;
            }
            out.push(']');
        }
        Json::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_python_str(out, k);
                out.push(':');
                write_python(out, v)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut String, unit: u16) {
    out.push_str("\\u");
    for shift in [12u16, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
    }
}

/// A JSON string as Python writes it with `ensure_ascii=True`.
pub(crate) fn write_python_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // Printable ASCII other than `"` and `\` is copied as a run.
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            continue;
        }
        if b >= 0x80 && !s.is_char_boundary(i) {
            continue;
        }
        out.push_str(s.get(start..i).unwrap_or_default());
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0x00..=0x1f | 0x7f => push_u_escape(out, u16::from(b)),
            _ => {
                // The start of a multi-byte character.
                if let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        push_u_escape(out, *unit);
                    }
                }
            }
        }
        start = i + if b >= 0x80 {
            s.get(i..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8)
        } else {
            1
        };
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Python's `repr` of a finite float (`None` for NaN and infinities).
pub(crate) fn python_float_text(f: f64) -> Option<String> {
    let mut s = String::new();
    write_python_float(&mut s, f).ok().map(|()| s)
}

/// A float as Python's `repr`: shortest round-trip digits, positional for decimal exponents
/// in `-4..16`, otherwise `d[.ddd]e±XX`; integral values keep a `.0`.
pub(crate) fn write_python_float(out: &mut String, f: f64) -> Result<(), Error> {
    if !f.is_finite() {
        return Err(Error::InvalidJson);
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return Ok(());
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e-7", "1e16", written to the
    // stack (at most 17 digits, a point and "e-324"). When several shortest strings round-trip
    // Python takes the one nearest the exact value, ties to even; Rust may take another (it
    // gives 126430982921026.63 for ...026.625, Python ...026.62). Rust's exact formatting at
    // the same number of digits rounds half to even, so it is used whenever it round-trips.
    let abs = f.abs();
    let mut sci = StackText::default();
    write!(sci, "{abs:e}").map_err(|_| Error::InvalidJson)?;
    let shortest_len = sci
        .as_str()
        .split_once('e')
        .map_or(0, |(m, _)| m.bytes().filter(u8::is_ascii_digit).count());
    // With 15 digits or fewer, neighbouring candidates are further apart than the double's
    // spacing, so at most one of them round-trips: only 16- and 17-digit texts need the check.
    if shortest_len >= 16 {
        let mut exact = StackText::default();
        write!(exact, "{abs:.*e}", shortest_len - 1).map_err(|_| Error::InvalidJson)?;
        if exact.as_str() != sci.as_str() && exact.as_str().parse::<f64>().ok() == Some(abs) {
            sci = exact;
        }
    }
    let (mantissa, exp) = sci.as_str().split_once('e').ok_or(Error::InvalidJson)?;
    let exp: i32 = exp.parse().map_err(|_| Error::InvalidJson)?;
    let mut digits = StackText::default();
    for c in mantissa.chars().filter(char::is_ascii_digit) {
        digits.write_char(c).map_err(|_| Error::InvalidJson)?;
    }
    let digits = digits.as_str();
    if f.is_sign_negative() {
        out.push('-');
    }
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp >= 0 {
        let int_len = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(int_len);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(exp.unsigned_abs() - 1) {
            out.push('0');
        }
        out.push_str(digits);
    }
    Ok(())
}

/// A small text buffer on the stack for number formatting.
struct StackText {
    buf: [u8; 40],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self {
            buf: [0; 40],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever written, so the bytes are UTF-8.
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

impl core::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
