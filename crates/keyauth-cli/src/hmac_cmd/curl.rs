//! `keyauth hmac curl`: sends a signed request and reports the answer.

#[allow(clippy::wildcard_imports)] // the flags and helpers of the parent module
use super::*;

fn parse_headers(lines: &[String]) -> Result<HeaderMap, CliError> {
    let mut headers = HeaderMap::new();
    for (i, line) in lines.iter().enumerate() {
        // The value may be a credential: errors name the header's position, never its value.
        let n = i + 1;
        let (name, value) = line.split_once(':').ok_or_else(|| {
            CliError::input("bad_header", format!("header {n}: expected 'Name: value'"))
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            CliError::input("bad_header", format!("header {n}: not a valid header name"))
        })?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| {
            CliError::input(
                "bad_header",
                format!("header {n}: not a valid header value"),
            )
        })?;
        headers.append(name, value);
    }
    Ok(headers)
}

pub(super) fn curl(a: &CurlArgs, out: Output) -> Result<Exit, CliError> {
    let method = parse_method(&a.method)?;
    // The parser's message never repeats the URL, which may carry a password.
    let url = reqwest::Url::parse(&a.url)
        .map_err(|e| CliError::input("bad_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CliError::input("bad_url", "only http and https URLs"));
    }
    let mut headers = parse_headers(&a.headers)?;
    let timeout = input::parse_duration(&a.timeout)
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            CliError::input("bad_duration", "--timeout is not a duration (30s, 5m...)")
        })?;
    stdin_once(a.key.key_file.as_deref(), &a.data, false)?;
    let builder = a.scheme.builder(a.header_name.as_deref())?;
    let hmac = keyed_builder(builder, a.service.as_deref(), a.key.load()?)?;
    let body = match (&a.data.data, &a.data.data_file) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(path)) => input::read_file(path, "data")?.to_vec(),
        (None, None) => Vec::new(),
    };

    let credential = match &a.service {
        Some(service) => Credential::Service(service.clone()),
        None => Credential::GlobalKey,
    };
    // Signs what a Flask-HMAC server reads (form bodies as empty), chosen from the
    // Content-Type actually sent.
    let (name, value) = Signer::new(hmac, credential).header_for(&headers, &body)?;
    headers.insert(name, value);

    let timeout = Duration::from_secs(timeout);
    let res = crate::block_on(send(
        method,
        url,
        headers,
        body,
        timeout,
        a.max_response_bytes,
    ))??;

    let code = if res.status.is_success() {
        Exit::Ok
    } else if matches!(res.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        Exit::Check
    } else {
        Exit::Network
    };
    let version = format!("{:?}", res.version);
    if out.is_json() {
        let headers: Vec<_> = res
            .headers
            .iter()
            .map(|(n, v)| json!([n.as_str(), String::from_utf8_lossy(v.as_bytes())]))
            .collect();
        let text = std::str::from_utf8(&res.body).ok();
        let doc = json!({
            "status": res.status.as_u16(),
            "reason": res.status.canonical_reason(),
            "version": version,
            "headers": headers,
            "body": text,
            "body_base64": text.is_none().then(|| Base64::Standard.encode(&res.body)),
            "signed": {
                "mode": "compat",
                "header": header_label(a.header_name.as_deref()),
                "service": a.service,
            },
        });
        out.emit(&doc, "")?;
    } else {
        crate::output::stderr_line(&format!("{version} {}", res.status));
        if a.include {
            for (n, v) in &res.headers {
                crate::output::stderr_safe(&format!(
                    "{n}: {}",
                    String::from_utf8_lossy(v.as_bytes())
                ));
            }
        }
        crate::output::write_stdout(&res.body)?;
        if code == Exit::Check {
            crate::output::stderr_line(&format!(
                "keyauth: refused: the server refused the signature ({})",
                res.status
            ));
        }
    }
    Ok(code)
}

/// A response, read to the end.
struct Answer {
    status: StatusCode,
    version: http::Version,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn send(
    method: Method,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Vec<u8>,
    timeout: Duration,
    max_body: u64,
) -> Result<Answer, CliError> {
    // reqwest is built with rustls-no-provider in this workspace: https needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(timeout)
        // A redirect would carry the signature to another URL, whose check it cannot pass.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::network("http", format!("cannot build a client: {}", chain(&e))))?;
    let fail = |e: reqwest::Error| {
        let e = e.without_url();
        if e.is_timeout() {
            CliError::network(
                "timeout",
                format!("no answer within {}s", timeout.as_secs()),
            )
        } else if e.is_connect() {
            CliError::network("unreachable", format!("cannot connect: {}", chain(&e)))
        } else {
            CliError::network("http", format!("request failed: {}", chain(&e)))
        }
    };
    let res = client
        .request(method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(fail)?;
    let (status, version, headers) = (res.status(), res.version(), res.headers().clone());
    let too_large = || {
        CliError::network(
            "response_too_large",
            format!("the response body is larger than {max_body} bytes (--max-response-bytes)"),
        )
    };
    if res.content_length().is_some_and(|n| n > max_body) {
        return Err(too_large());
    }
    let mut res = res;
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(fail)? {
        if (body.len() + chunk.len()) as u64 > max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        version,
        headers,
        body,
    })
}

/// An error and its causes on one line (callers drop the URL first: it may hold a password).
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    // A few levels say everything (reqwest, hyper, io); the bound keeps the line short.
    for _ in 0..8 {
        let Some(s) = source else { break };
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
