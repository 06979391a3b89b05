//! Sending a signed request and reading the answer within a size limit, for `hmac curl` and
//! `httpsig curl`.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

use crate::exit::CliError;

/// The default `--max-response-bytes` of the curl commands.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// A response, read to the end.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub version: http::Version,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Sends the request (no redirects: a redirect would carry the signature to a URL it does not
/// cover) and reads the body as it arrives, refusing more than `max_body` bytes.
pub(crate) async fn send(
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
