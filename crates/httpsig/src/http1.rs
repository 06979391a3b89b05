//! Raw HTTP/1.1 messages as files (the CLI, the vectors): parse into `http` parts and
//! write back. Only what a message file needs: a start line, field lines, an empty line, the
//! body as is (no chunked decoding). Line ends may be CRLF or LF.

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use crate::Error;

/// A parsed request file.
#[derive(Debug)]
pub struct RawRequest {
    /// Method, URI, version and header fields.
    pub parts: http::request::Parts,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// A parsed response file.
#[derive(Debug)]
pub struct RawResponse {
    /// Status and header fields.
    pub parts: http::response::Parts,
    /// The body bytes.
    pub body: Vec<u8>,
}

fn split_head(raw: &[u8]) -> Result<(Vec<&[u8]>, &[u8]), Error> {
    let (head, body) = if let Some(i) = find(raw, b"\r\n\r\n") {
        (&raw[..i], &raw[i + 4..])
    } else if let Some(i) = find(raw, b"\n\n") {
        (&raw[..i], &raw[i + 2..])
    } else {
        (trim_end(raw), &b""[..])
    };
    let lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    Ok((lines, body))
}

fn trim_end(raw: &[u8]) -> &[u8] {
    let mut r = raw;
    while let [rest @ .., b'\n' | b'\r'] = r {
        r = rest;
    }
    r
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn fields(lines: &[&[u8]]) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    let mut last: Option<HeaderName> = None;
    for line in lines {
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // obs-fold: continue the previous field's last line with one space.
            let name = last.clone().ok_or(Error::MalformedMessage)?;
            let prev = headers
                .get_all(&name)
                .iter()
                .next_back()
                .map(|v| v.as_bytes().to_vec());
            let mut joined = prev.ok_or(Error::MalformedMessage)?;
            joined.push(b' ');
            joined.extend_from_slice(crate::sf::trim(line));
            let mut values: Vec<HeaderValue> = headers.get_all(&name).iter().cloned().collect();
            values.pop();
            values.push(HeaderValue::from_bytes(&joined).map_err(|_| Error::MalformedMessage)?);
            headers.remove(&name);
            for v in values {
                headers.append(name.clone(), v);
            }
            continue;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Error::MalformedMessage)?;
        let name = HeaderName::from_bytes(&line[..colon]).map_err(|_| Error::MalformedMessage)?;
        let value = HeaderValue::from_bytes(crate::sf::trim(&line[colon + 1..]))
            .map_err(|_| Error::MalformedMessage)?;
        headers.append(name.clone(), value);
        last = Some(name);
    }
    Ok(headers)
}

/// Parses a request file: `METHOD target HTTP/1.1`, fields, empty line, body.
///
/// # Errors
/// [`Error::MalformedMessage`] when it does not follow that shape.
pub fn parse_request(raw: &[u8]) -> Result<RawRequest, Error> {
    let (lines, body) = split_head(raw)?;
    let (start, rest) = lines.split_first().ok_or(Error::MalformedMessage)?;
    let start = core::str::from_utf8(start).map_err(|_| Error::MalformedMessage)?;
    let mut it = start.split(' ');
    let (Some(m), Some(t), Some(v), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(Error::MalformedMessage);
    };
    if !v.starts_with("HTTP/") {
        return Err(Error::MalformedMessage);
    }
    let method = Method::from_bytes(m.as_bytes()).map_err(|_| Error::MalformedMessage)?;
    let uri: Uri = t.parse().map_err(|_| Error::MalformedMessage)?;
    let mut req = http::Request::new(());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.headers_mut() = fields(rest)?;
    let (parts, ()) = req.into_parts();
    Ok(RawRequest {
        parts,
        body: body.to_vec(),
    })
}

/// Parses a response file: `HTTP/1.1 200 OK`, fields, empty line, body.
///
/// # Errors
/// [`Error::MalformedMessage`] when it does not follow that shape.
pub fn parse_response(raw: &[u8]) -> Result<RawResponse, Error> {
    let (lines, body) = split_head(raw)?;
    let (start, rest) = lines.split_first().ok_or(Error::MalformedMessage)?;
    let start = core::str::from_utf8(start).map_err(|_| Error::MalformedMessage)?;
    let mut it = start.splitn(3, ' ');
    let (Some(v), Some(code)) = (it.next(), it.next()) else {
        return Err(Error::MalformedMessage);
    };
    if !v.starts_with("HTTP/") {
        return Err(Error::MalformedMessage);
    }
    let status = StatusCode::from_bytes(code.as_bytes()).map_err(|_| Error::MalformedMessage)?;
    let mut res = http::Response::new(());
    *res.status_mut() = status;
    *res.headers_mut() = fields(rest)?;
    let (parts, ()) = res.into_parts();
    Ok(RawResponse {
        parts,
        body: body.to_vec(),
    })
}

fn write_fields(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        out.extend_from_slice(canonical(name.as_str()).as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// `content-type` -> `Content-Type` (names are case-insensitive; this reads better).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Writes a request back as HTTP/1.1 (CRLF line ends).
#[must_use]
pub fn write_request(parts: &http::request::Parts, body: &[u8]) -> Vec<u8> {
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let mut out = format!("{} {target} HTTP/1.1\r\n", parts.method).into_bytes();
    if !parts.headers.contains_key(http::header::HOST)
        && let Some(a) = parts.uri.authority()
    {
        out.extend_from_slice(format!("Host: {a}\r\n").as_bytes());
    }
    write_fields(&mut out, &parts.headers);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Writes a response back as HTTP/1.1 (CRLF line ends).
#[must_use]
pub fn write_response(parts: &http::response::Parts, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_str(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    write_fields(&mut out, &parts.headers);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let raw = b"POST /foo?param=Value&Pet=dog HTTP/1.1\nHost: example.com\nX-A: 1\n  2\n\n{\"hello\": \"world\"}";
        let r = parse_request(raw).unwrap_or_else(|_| unreachable!());
        assert_eq!(r.parts.method, Method::POST);
        assert_eq!(r.parts.headers["x-a"], "1 2");
        assert_eq!(r.body, b"{\"hello\": \"world\"}");
        let out = write_request(&r.parts, &r.body);
        assert!(
            out.starts_with(b"POST /foo?param=Value&Pet=dog HTTP/1.1\r\nHost: example.com\r\n")
        );
        assert!(parse_request(b"garbage").is_err());
        assert!(parse_request(b"GET / HTTP/1.1\nno colon\n\n").is_err());
        let s = parse_response(b"HTTP/1.1 503 Service Unavailable\r\nA: b\r\n\r\n")
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(s.parts.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
