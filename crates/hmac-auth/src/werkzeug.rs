//! The parts of Werkzeug (3.1.9) and Flask that decide what Flask-HMAC sees: which bodies the
//! form parser consumes (so `request.data` is empty), with its `Content-Type` parsing
//! (`parse_options_header`), and which statuses Flask's `abort(code)` can produce.

use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap};

/// `request.data`: the body, or nothing when Werkzeug's form parser consumes it first.
///
/// That happens for `application/x-www-form-urlencoded`, and for `multipart/form-data` with a
/// non-empty ASCII `boundary` parameter (without one Werkzeug gives up and the body stays).
/// The media type is compared case-insensitively; parameters are read as Werkzeug's
/// `parse_options_header` does. With several `Content-Type` headers the last one counts
/// (as in Werkzeug's and gunicorn's WSGI environ).
#[must_use]
pub fn signed_message<'b>(headers: &HeaderMap, body: &'b [u8]) -> &'b [u8] {
    match headers.get_all(CONTENT_TYPE).iter().next_back() {
        Some(ct) if form_consumes_body(ct.as_bytes()) => &[],
        _ => body,
    }
}

/// Python's `str.isspace` over latin-1 text (what `str.strip()` removes).
fn py_space(b: u8) -> bool {
    matches!(
        b,
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' | 0x85 | 0xa0
    )
}

fn strip(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !py_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !py_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Werkzeug's token characters (`[\w!#$%&'*+\-.^`|~]` with `re.ASCII`).
fn token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_!#$%&'*+-.^`|~".contains(&b)
}

fn token_len(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| token_char(b)).count()
}

/// Whether Werkzeug 3's form parser reads the body of a request with this `Content-Type`.
fn form_consumes_body(ct: &[u8]) -> bool {
    let (value, rest) = match ct.iter().position(|&b| b == b';') {
        Some(i) => (&ct[..i], &ct[i + 1..]),
        None => (ct, &[][..]),
    };
    let mime = strip(value);
    if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        return true;
    }
    if !mime.eq_ignore_ascii_case(b"multipart/form-data") {
        return false;
    }
    // `options.get("boundary", "").encode("ascii")`, then `if not boundary: raise ValueError`
    // (swallowed: the body stays unread).
    options(strip(rest))
        .into_iter()
        .rev()
        .find(|(k, _)| k == b"boundary")
        .is_some_and(|(_, v)| !v.is_empty() && v.is_ascii())
}

/// The parameters of `parse_options_header` as `(lower-case key, value)` in order (a later
/// key overrides an earlier one; continuations are already joined).
fn options(mut rest: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut parts: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if rest.is_empty() {
        return parts;
    }
    loop {
        let k = token_len(rest);
        if k > 0 && rest.get(k) == Some(&b'=') {
            let key = rest[..k].to_ascii_lowercase();
            rest = &rest[k + 1..];
            let v = token_len(rest);
            if v > 0 {
                parts.push((key, rest[..v].to_vec()));
            } else if rest.first() == Some(&b'"') {
                let mut pos = 1;
                while pos < rest.len() {
                    if rest[pos..].starts_with(b"\\\\") || rest[pos..].starts_with(b"\\\"") {
                        pos += 2;
                    } else if rest[pos] == b'"' {
                        parts.push((key, rest[..=pos].to_vec()));
                        rest = &rest[pos + 1..];
                        break;
                    } else {
                        pos += 1;
                    }
                }
            }
        }
        match rest.iter().position(|&b| b == b';') {
            None => break,
            Some(end) => {
                rest = &rest[end + 1..];
                while let [first, tail @ ..] = rest {
                    if !py_space(*first) {
                        break;
                    }
                    rest = tail;
                }
            }
        }
    }

    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut continued: Option<Vec<u8>> = None;
    for (mut key, mut value) in parts {
        if key.last() == Some(&b'*') {
            key.pop();
            let mut encoding: Option<Vec<u8>> = None;
            if let Some((charset, v)) = charset_value(&value) {
                encoding = Some(charset.to_ascii_lowercase());
                value = v.to_vec();
            }
            if encoding.as_ref().is_none_or(Vec::is_empty) {
                encoding.clone_from(&continued);
            }
            if let Some(enc) = encoding.filter(|e| {
                [&b"ascii"[..], b"us-ascii", b"utf-8", b"iso-8859-1"].contains(&e.as_slice())
            }) {
                continued = Some(enc);
                // Percent-decoding; a decoded byte >= 0x80 stays non-ASCII in every accepted
                // charset (or becomes U+FFFD), which is all the boundary test needs.
                value = percent_decode(&value);
            }
        }
        if value.first() == Some(&b'"') && value.last() == Some(&b'"') {
            let inner = if value.len() >= 2 {
                &value[1..value.len() - 1]
            } else {
                &[][..]
            };
            value = unescape(inner);
        }
        // `key*N` continuations append to `key`.
        let digits = key.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && key.len() > digits && key[key.len() - digits - 1] == b'*' {
            key.truncate(key.len() - digits - 1);
            match out.iter_mut().rev().find(|(k, _)| *k == key) {
                Some((_, v)) => v.extend_from_slice(&value),
                None => out.push((key, value)),
            }
        } else {
            out.retain(|(k, _)| *k != key);
            out.push((key, value));
        }
    }
    out
}

/// `charset'language'value` (Werkzeug's `_charset_value_re`, anchored at the start).
fn charset_value(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let no_quote = |b: &u8| token_char(*b) && *b != b'\'';
    let c = v.iter().take_while(|b| no_quote(b)).count();
    let rest = v.get(c..)?.strip_prefix(b"'")?;
    let l = rest.iter().take_while(|b| no_quote(b)).count();
    let rest = rest.get(l..)?.strip_prefix(b"'")?;
    let n = token_len(rest);
    (n > 0).then(|| (&v[..c], &rest[..n]))
}

fn percent_decode(v: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let hi = v.get(i + 1).and_then(|&b| hex(b));
        let lo = v.get(i + 2).and_then(|&b| hex(b));
        if let (b'%', Some(h), Some(l)) = (v[i], hi, lo) {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

/// `.replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')`, in that order.
fn unescape(v: &[u8]) -> Vec<u8> {
    fn replace(v: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len());
        let mut i = 0;
        while i < v.len() {
            if v[i..].starts_with(from) {
                out.extend_from_slice(to);
                i += from.len();
            } else {
                out.push(v[i]);
                i += 1;
            }
        }
        out
    }
    let v = replace(v, b"\\\\", b"\\");
    let v = replace(&v, b"\\\"", b"\"");
    replace(&v, b"%22", b"\"")
}

/// The status Flask's `abort(code)` produces: the code when Werkzeug has an exception for it,
/// otherwise 500 (`LookupError`).
#[must_use]
pub fn werkzeug_abort_status(code: u16) -> StatusCode {
    const MAPPED: [u16; 31] = [
        400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421,
        422, 423, 424, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
    ];
    if MAPPED.contains(&code) {
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abort_status_follows_werkzeug() {
        assert_eq!(werkzeug_abort_status(403), StatusCode::FORBIDDEN);
        assert_eq!(werkzeug_abort_status(418), StatusCode::IM_A_TEAPOT);
        assert_eq!(werkzeug_abort_status(401), StatusCode::UNAUTHORIZED);
        for code in [0, 200, 302, 402, 999] {
            assert_eq!(
                werkzeug_abort_status(code),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{code}"
            );
        }
    }
}

#[cfg(test)]
mod werkzeug_content_types {
    /// A sample of a differential run against Werkzeug 3.1.8 (13245 content types, all equal).
    #[test]
    fn form_parsing_matches_werkzeug() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/werkzeug_content_types.json"))
                .unwrap();
        let cases = file["cases"].as_array().unwrap();
        assert!(cases.len() > 100);
        for case in cases {
            let ct = case["content_type"].as_str().unwrap();
            let bytes: Vec<u8> = ct
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap())
                .collect();
            assert_eq!(
                super::form_consumes_body(&bytes),
                case["consumed"].as_bool().unwrap(),
                "{ct:?}"
            );
        }
    }
}
