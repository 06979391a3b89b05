//! What a signature covers: read-only views of a request or response (sans-IO).

use std::borrow::Cow;

use http::{HeaderMap, Method, StatusCode, Uri};

use crate::Error;

/// The scheme assumed for a request whose URI carries none (origin-form, as a server sees
/// HTTP/1.1 requests), unless [`RequestView::with_scheme`] says otherwise.
pub const DEFAULT_SCHEME: &str = "https";

/// A request as the signature base sees it.
///
/// A server usually sees an origin-form URI (`/path?query`): the authority then comes from
/// `Host` and the scheme from [`with_scheme`](Self::with_scheme) (default
/// [`DEFAULT_SCHEME`]); a client's absolute URI carries both.
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    trailers: Option<&'a HeaderMap>,
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
}

impl<'a> RequestView<'a> {
    /// A view of a request's method, URI and header fields.
    #[must_use]
    pub fn new(method: &'a Method, uri: &'a Uri, headers: &'a HeaderMap) -> Self {
        Self {
            method,
            uri,
            headers,
            trailers: None,
            scheme: None,
            authority: None,
        }
    }

    /// A view of `http::request::Parts`.
    #[must_use]
    pub fn from_parts(parts: &'a http::request::Parts) -> Self {
        Self::new(&parts.method, &parts.uri, &parts.headers)
    }

    /// The scheme when the URI has none (a server behind TLS says `https`).
    #[must_use]
    pub fn with_scheme(mut self, scheme: &'a str) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// The authority when the URI has none, instead of `Host` (a server behind a proxy).
    #[must_use]
    pub fn with_authority(mut self, authority: &'a str) -> Self {
        self.authority = Some(authority);
        self
    }

    /// Trailer fields, for components with `tr`.
    #[must_use]
    pub fn with_trailers(mut self, trailers: &'a HeaderMap) -> Self {
        self.trailers = Some(trailers);
        self
    }

    /// The header fields.
    #[must_use]
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The trailer fields, if any were given.
    #[must_use]
    pub fn trailers(&self) -> Option<&'a HeaderMap> {
        self.trailers
    }

    /// `@method`: the method as sent (case-sensitive).
    #[must_use]
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// `@scheme`, lower case.
    #[must_use]
    pub fn scheme(&self) -> String {
        self.scheme_lower().into_owned()
    }

    /// `@scheme`, borrowed when it is already lower case (the usual case).
    fn scheme_lower(&self) -> Cow<'a, str> {
        let s = self
            .uri
            .scheme_str()
            .or(self.scheme)
            .unwrap_or(DEFAULT_SCHEME);
        lower(s)
    }

    /// `@authority`: host (lower case) and port, the scheme's default port removed.
    ///
    /// # Errors
    /// [`Error::MissingComponent`] when neither the URI nor `Host` names one.
    pub fn authority(&self) -> Result<String, Error> {
        self.authority_lower().map(Cow::into_owned)
    }

    fn authority_lower(&self) -> Result<Cow<'a, str>, Error> {
        let raw: &'a str = match self.uri.authority() {
            Some(a) => a.as_str(),
            None => match self.authority {
                Some(a) => a,
                None => {
                    let host = self
                        .headers
                        .get(http::header::HOST)
                        .ok_or(Error::MissingComponent)?;
                    core::str::from_utf8(crate::sf::trim(host.as_bytes()))
                        .map_err(|_| Error::MissingComponent)?
                }
            },
        };
        // Drop userinfo, remove the default port (digits: case does not matter), lower-case.
        let hostport = raw.rsplit('@').next().unwrap_or_default();
        if hostport.is_empty() {
            return Err(Error::MissingComponent);
        }
        let default = match &*self.scheme_lower() {
            "https" => Some(":443"),
            "http" => Some(":80"),
            _ => None,
        };
        Ok(lower(match default {
            Some(d) if hostport.ends_with(d) => &hostport[..hostport.len() - d.len()],
            _ => hostport,
        }))
    }

    /// `@path`: the absolute path, `/` when empty, percent-encoding as sent.
    #[must_use]
    pub fn path(&self) -> &str {
        match self.uri.path() {
            "" => "/",
            p => p,
        }
    }

    /// `@query`: `?` and the query as sent (`?` alone when there is none).
    #[must_use]
    pub fn query(&self) -> String {
        format!("?{}", self.uri.query().unwrap_or_default())
    }

    /// `@request-target`: the request target in origin form (`*` for `OPTIONS *`).
    #[must_use]
    pub fn request_target(&self) -> String {
        if self.method == Method::CONNECT
            && let Some(a) = self.uri.authority()
        {
            return a.as_str().to_owned();
        }
        match self.uri.path_and_query() {
            Some(pq) if pq.as_str() == "*" => "*".to_owned(),
            Some(pq) if pq.as_str().starts_with('/') => pq.as_str().to_owned(),
            Some(pq) => format!("/{}", pq.as_str()),
            None => "/".to_owned(),
        }
    }

    /// `@target-uri`: scheme, authority, path and query.
    ///
    /// # Errors
    /// [`Error::MissingComponent`] when there is no authority.
    pub fn target_uri(&self) -> Result<String, Error> {
        let mut out = Vec::with_capacity(64);
        self.write_target_uri(&mut out)?;
        // Every piece is UTF-8 (`Uri`'s text, a UTF-8 `Host`).
        String::from_utf8(out).map_err(|_| Error::MissingComponent)
    }

    /// Appends `@target-uri` to `out`.
    pub(crate) fn write_target_uri(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let authority = self.authority_lower()?;
        out.extend_from_slice(self.scheme_lower().as_bytes());
        out.extend_from_slice(b"://");
        out.extend_from_slice(authority.as_bytes());
        out.extend_from_slice(self.path().as_bytes());
        if let Some(q) = self.uri.query() {
            out.push(b'?');
            out.extend_from_slice(q.as_bytes());
        }
        Ok(())
    }

    /// Appends `@authority` to `out`.
    pub(crate) fn write_authority(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(self.authority_lower()?.as_bytes());
        Ok(())
    }

    /// `@query-param;name=<name>`: the value of the one parameter whose encoded name is
    /// `name`, decoded from and re-encoded to the form-urlencoded percent-encode set.
    ///
    /// # Errors
    /// [`Error::MissingComponent`] when absent, [`Error::AmbiguousComponent`] when the
    /// parameter occurs more than once (RFC 9421 §2.2.8).
    pub fn query_param(&self, name: &str) -> Result<String, Error> {
        let mut found: Option<String> = None;
        for pair in self.uri.query().unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            if encode(&decode(n)) == name {
                if found.is_some() {
                    return Err(Error::AmbiguousComponent);
                }
                found = Some(encode(&decode(v)));
            }
        }
        found.ok_or(Error::MissingComponent)
    }
}

/// `s` in ASCII lower case, borrowed when it already is.
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// application/x-www-form-urlencoded decoding: `+` is a space, `%XX` a byte; a `%` not
/// followed by two hex digits stays as it is.
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() => {
                out.push(hex(b[i + 1]).unwrap_or(0) << 4 | hex(b[i + 2]).unwrap_or(0));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 * - . _` (the form-urlencoded set, with a
/// space as `%20` as RFC 9421 §2.2.8 requires).
fn encode(b: &[u8]) -> String {
    use core::fmt::Write as _;
    let mut out = String::with_capacity(b.len());
    for &c in b {
        if c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_') {
            out.push(char::from(c));
        } else {
            let _ = write!(out, "%{c:02X}");
        }
    }
    out
}

/// A response as the signature base sees it.
#[derive(Clone, Copy, Debug)]
pub struct ResponseView<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    trailers: Option<&'a HeaderMap>,
}

impl<'a> ResponseView<'a> {
    /// A view of a response's status and header fields.
    #[must_use]
    pub fn new(status: StatusCode, headers: &'a HeaderMap) -> Self {
        Self {
            status,
            headers,
            trailers: None,
        }
    }

    /// A view of `http::response::Parts`.
    #[must_use]
    pub fn from_parts(parts: &'a http::response::Parts) -> Self {
        Self::new(parts.status, &parts.headers)
    }

    /// Trailer fields, for components with `tr`.
    #[must_use]
    pub fn with_trailers(mut self, trailers: &'a HeaderMap) -> Self {
        self.trailers = Some(trailers);
        self
    }

    /// `@status`: three digits.
    #[must_use]
    pub fn status(&self) -> String {
        self.status.as_str().to_owned()
    }

    /// The header fields.
    #[must_use]
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }
}

/// The message a signature is over: a request, or a response with (for `req` components)
/// the request it answers.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Message<'a> {
    /// A request.
    Request(RequestView<'a>),
    /// A response, and the request it answers when known.
    Response(ResponseView<'a>, Option<RequestView<'a>>),
}

impl<'a> Message<'a> {
    /// The header fields of this message (not of a related request).
    #[must_use]
    pub fn headers(&self) -> &'a HeaderMap {
        match self {
            Self::Request(r) => r.headers,
            Self::Response(r, _) => r.headers,
        }
    }

    /// The trailer fields of this message, if given.
    #[must_use]
    pub fn trailers(&self) -> Option<&'a HeaderMap> {
        match self {
            Self::Request(r) => r.trailers,
            Self::Response(r, _) => r.trailers,
        }
    }
}

impl<'a> From<RequestView<'a>> for Message<'a> {
    fn from(r: RequestView<'a>) -> Self {
        Self::Request(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(m: &'a Method, u: &'a Uri, h: &'a HeaderMap) -> RequestView<'a> {
        RequestView::new(m, u, h)
    }

    #[test]
    fn rfc_derived_examples() {
        let (m, h) = (Method::POST, HeaderMap::new());
        let u: Uri = "https://www.example.com/path?param=value"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let v = view(&m, &u, &h);
        assert_eq!(
            v.target_uri().as_deref(),
            Ok("https://www.example.com/path?param=value")
        );
        assert_eq!(v.authority().as_deref(), Ok("www.example.com"));
        assert_eq!(v.scheme(), "https");
        assert_eq!(v.request_target(), "/path?param=value");
        assert_eq!(v.path(), "/path");
        assert_eq!(v.query(), "?param=value");

        let u: Uri = "/path?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something&dup=1&dup=2&qux="
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let mut h = HeaderMap::new();
        h.insert(
            "host",
            "Example.COM:443".parse().unwrap_or_else(|_| unreachable!()),
        );
        let v = view(&m, &u, &h);
        assert_eq!(v.authority().as_deref(), Ok("example.com"));
        assert_eq!(
            v.query_param("var").as_deref(),
            Ok("this%20is%20a%20big%0Avalue")
        );
        assert_eq!(
            v.query_param("bar").as_deref(),
            Ok("with%20plus%20whitespace")
        );
        assert_eq!(
            v.query_param("fa%C3%A7ade%22%3A%20").as_deref(),
            Ok("something")
        );
        assert_eq!(v.query_param("qux").as_deref(), Ok(""));
        assert_eq!(v.query_param("dup"), Err(Error::AmbiguousComponent));
        assert_eq!(v.query_param("nope"), Err(Error::MissingComponent));
        let u: Uri = "/".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(view(&m, &u, &h).query(), "?");
    }
}
