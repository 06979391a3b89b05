//! The parts of Werkzeug (3.1.9) and Flask that decide what Flask-HMAC sees: which bodies the
//! form parser consumes (so `request.data` is empty), with its `Content-Type` parsing
//! (`parse_options_header`), and which statuses Flask's `abort(code)` can produce.

use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap};

/// `request.data`: the body, or nothing when Werkzeug's form parser consumes it first.
///
/// That happens for `application/x-www-form-urlencoded`, and for `multipart/form-data` with a
/// non-empty ASCII `boundary` parameter (without one Werkzeug gives up and the body stays).
/// The media type is compared case-insensitively after stripping spaces and tabs;
/// parameters are read as Werkzeug 3.1.9's `parse_options_header` does (Werkzeug 3.1.8 and
/// earlier strip all Python whitespace, NBSP included, and keep scanning after an
/// unterminated quoted value, so a few unusual content types differ there). With several
/// `Content-Type` headers the last one counts (as in Werkzeug's and gunicorn's WSGI environ).
#[must_use]
pub fn signed_message<'b>(headers: &HeaderMap, body: &'b [u8]) -> &'b [u8] {
    match headers.get_all(CONTENT_TYPE).iter().next_back() {
        Some(ct) if form_consumes_body(ct.as_bytes()) => &[],
        _ => body,
    }
}

/// `str.strip(" \t")`, what Werkzeug 3.1.9 strips (3.1.8 and earlier used `str.strip()`,
/// which also removes NBSP, `\x1c`..`\x1f`, `\x85`, CR, LF, VT and FF).
fn strip_sp_tab(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
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

/// Whether Werkzeug 3.1.9's form parser reads the body of a request with this
/// `Content-Type` (Flask's `request.mimetype`, lower-cased, picks the parser).
fn form_consumes_body(ct: &[u8]) -> bool {
    // `value, _, rest = value.partition(";")`, both stripped of spaces and tabs.
    let (value, rest) = match ct.iter().position(|&b| b == b';') {
        Some(i) => (&ct[..i], &ct[i + 1..]),
        None => (ct, &[][..]),
    };
    let mime = strip_sp_tab(value);
    if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        return true;
    }
    if !mime.eq_ignore_ascii_case(b"multipart/form-data") {
        return false;
    }
    // `options.get("boundary", "").encode("ascii")`, then `if not boundary: raise ValueError`
    // (a non-ASCII boundary's UnicodeEncodeError is a ValueError too; the parser swallows
    // both and the body stays unread).
    boundary(strip_sp_tab(rest)).is_some_and(|v| !v.is_empty() && v.is_ascii())
}

/// The `boundary` option `parse_options_header` (Werkzeug 3.1.9) finds in the text after
/// the first `;` (already stripped), with continuations joined and values unquoted.
fn boundary(rest: &[u8]) -> Option<Vec<u8>> {
    let mut options = Options::default();
    for (key, value) in raw_parts(rest) {
        options.add(key, value);
    }
    options.get(b"boundary")
}

/// The `key=value` parts in scan order: the value is a token or a quoted string (raw, quotes
/// included); other parts are skipped up to the next `;`; an unterminated quoted string ends
/// the scan.
fn raw_parts(rest: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut parts = Vec::new();
    let len = rest.len();
    let mut pos = 0;
    while pos < len {
        let k = token_len(&rest[pos..]);
        if k > 0 && rest.get(pos + k) == Some(&b'=') {
            let key = rest[pos..pos + k].to_ascii_lowercase();
            pos += k + 1;
            let v = token_len(&rest[pos..]);
            if v > 0 {
                parts.push((key, rest[pos..pos + v].to_vec()));
            } else if rest.get(pos) == Some(&b'"') {
                let mut quote = pos + 1;
                let mut closed = false;
                while quote < len {
                    if rest[quote..].starts_with(b"\\\\") || rest[quote..].starts_with(b"\\\"") {
                        quote += 2;
                    } else if rest[quote] == b'"' {
                        quote += 1;
                        parts.push((key, rest[pos..quote].to_vec()));
                        pos = quote;
                        closed = true;
                        break;
                    } else {
                        quote += 1;
                    }
                }
                if !closed {
                    break;
                }
            }
        }
        // `_parameter_delimiter_re.search(rest, scan_pos)`: `;[ \t]*`.
        match rest[pos..].iter().position(|&b| b == b';') {
            None => break,
            Some(i) => {
                pos += i + 1;
                while matches!(rest.get(pos), Some(b' ' | b'\t')) {
                    pos += 1;
                }
            }
        }
    }
    parts
}

/// The RFC 2231 marks at the end of a key (`_parameter_mark_re.search`,
/// `(?:\*(\d+))?(\*)?$`): where they start, and whether there is a continuation number and
/// a charset star. `None` when the key has no mark.
fn mark(key: &[u8]) -> Option<(usize, bool, bool)> {
    // The leftmost start from which the rest of the key is `(\*\d+)?\*?`, non-empty.
    (0..key.len()).find_map(|start| {
        let tail = &key[start..];
        let (continuation, after) = match tail.strip_prefix(b"*") {
            Some(t) => {
                let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits > 0 {
                    (true, &t[digits..])
                } else {
                    (false, tail)
                }
            }
            None => (false, tail),
        };
        match after {
            [] if continuation => Some((start, true, false)),
            [b'*'] => Some((start, continuation, true)),
            _ => None,
        }
    })
}

/// `charset'language'value` (`_charset_value_re.match`, anchored at both ends).
fn charset_value(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let no_quote = |b: &u8| token_char(*b) && *b != b'\'';
    let c = v.iter().take_while(|b| no_quote(b)).count();
    let rest = v.get(c..)?.strip_prefix(b"'")?;
    let l = rest.iter().take_while(|b| no_quote(b)).count();
    let value = rest.get(l..)?.strip_prefix(b"'")?;
    (!value.is_empty() && value.iter().all(|&b| token_char(b))).then(|| (&v[..c], value))
}

/// `urllib.parse.unquote`: `%XX` decoded. A decoded byte >= 0x80 stays non-ASCII in every
/// accepted charset (or becomes U+FFFD), which is all the boundary test needs.
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

/// `unquote_header_value(v).replace("%22", '"')`: a quoted value loses its quotes and every
/// backslash escape (`\\(.)` -> the character), then `%22` becomes `"`.
fn unquote(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    match v {
        [b'"', inner @ .., b'"'] => {
            let mut i = 0;
            while i < inner.len() {
                if inner[i] == b'\\' && inner.get(i + 1).is_some_and(|&b| b != b'\n') {
                    out.push(inner[i + 1]);
                    i += 2;
                } else {
                    out.push(inner[i]);
                    i += 1;
                }
            }
        }
        _ => out.extend_from_slice(v),
    }
    let mut replaced = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        if out[i..].starts_with(b"%22") {
            replaced.push(b'"');
            i += 3;
        } else {
            replaced.push(out[i]);
            i += 1;
        }
    }
    replaced
}

/// The three dicts of `parse_options_header`'s second loop.
#[derive(Default)]
struct Options {
    options: Vec<(Vec<u8>, Vec<u8>)>,
    continuations: Vec<(Vec<u8>, Vec<u8>)>,
    encodings: Vec<(Vec<u8>, Vec<u8>)>,
}

fn remove(list: &mut Vec<(Vec<u8>, Vec<u8>)>, key: &[u8]) {
    list.retain(|(k, _)| k != key);
}

impl Options {
    fn add(&mut self, mut key: Vec<u8>, raw: Vec<u8>) {
        let (continuation, charset) = match mark(&key) {
            Some((start, continuation, charset)) => {
                key.truncate(start);
                (continuation, charset)
            }
            None => (false, false),
        };
        let mut encoding: Option<Vec<u8>> = None;
        let value = if charset {
            let mut value = raw.clone();
            if let Some((cs, v)) = charset_value(&raw) {
                encoding = Some(cs.to_ascii_lowercase());
                value = v.to_vec();
            }
            if encoding.as_ref().is_none_or(Vec::is_empty) && continuation {
                encoding = self
                    .encodings
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, e)| e.clone());
            }
            let safe = [&b"ascii"[..], b"us-ascii", b"utf-8", b"iso-8859-1"];
            if encoding
                .as_ref()
                .is_some_and(|e| safe.contains(&e.as_slice()))
            {
                value = percent_decode(&value);
            }
            value
        } else {
            unquote(&raw)
        };
        if continuation {
            remove(&mut self.options, &key);
            match self.continuations.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.extend_from_slice(&value),
                None => self.continuations.push((key.clone(), value)),
            }
            if let Some(e) = encoding.filter(|e| !e.is_empty()) {
                match self.encodings.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => *v = e,
                    None => self.encodings.push((key, e)),
                }
            }
        } else {
            remove(&mut self.continuations, &key);
            remove(&mut self.encodings, &key);
            match self.options.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = value,
                None => self.options.push((key, value)),
            }
        }
    }

    /// `options.update(joined continuations)`, then `.get(key)`.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.continuations
            .iter()
            .chain(&self.options)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
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
    fn check(text: &str) -> usize {
        let file: serde_json::Value = serde_json::from_str(text).unwrap();
        let cases = file["cases"].as_array().unwrap();
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
        cases.len()
    }

    /// A sample of a differential run against Werkzeug 3.1.9 (13 022 content types, all
    /// equal); `KEYAUTH_WERKZEUG_CT_CASES=<file>` runs a whole output of
    /// `tools/gen_content_type_cases.py`.
    #[test]
    fn form_parsing_matches_werkzeug() {
        let n = check(include_str!("../tests/data/werkzeug_content_types.json"));
        assert!(n > 200);
        if let Ok(path) = std::env::var("KEYAUTH_WERKZEUG_CT_CASES") {
            let n = check(&std::fs::read_to_string(&path).unwrap());
            eprintln!("{path}: {n} content types agree");
        }
    }

    #[test]
    fn werkzeug_3_1_9_strips_only_spaces_and_tabs() {
        use super::form_consumes_body as consumed;
        assert!(consumed(b" application/x-www-form-urlencoded\t"));
        assert!(!consumed(b"application/x-www-form-urlencoded\xa0"));
        assert!(consumed(b"multipart/form-data;\tboundary=x"));
        assert!(!consumed(b"multipart/form-data;\xa0boundary=x"));
        // An unterminated quoted value ends the scan.
        assert!(!consumed(b"multipart/form-data; x=\"open; boundary=abc"));
        assert!(consumed(b"multipart/form-data; boundary*0=a; boundary*1=b"));
        assert!(!consumed(b"multipart/form-data; boundary*=utf-8''%e9"));
    }
}
