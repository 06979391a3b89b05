//! Sending a signed request and reading the answer within a size limit, for `hmac curl` and
//! `httpsig curl`.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

use crate::exit::{CliError, Exit};
use crate::input;

/// The default `--max-response-bytes` of the curl commands.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The flags every curl command shares: how long to wait, how much to read, what to show.
#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// Give up after this long (90, 30s, 5m...).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    timeout: String,
    /// Also print the response headers on stderr.
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Refuse a response body larger than this many bytes (read as it arrives, never whole).
    #[arg(long, value_name = "BYTES", default_value_t = MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
}

impl SendArgs {
    /// `--timeout`, at least one second.
    pub(crate) fn timeout(&self) -> Result<Duration, CliError> {
        input::parse_duration(&self.timeout)
            .filter(|&s| s > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                CliError::input("bad_duration", "--timeout is not a duration (30s, 5m...)")
            })
    }
}

/// A response, read to the end.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub version: http::Version,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// 0 for 2xx, 1 when the server refused the signature (401, 403), 3 otherwise.
    pub(crate) fn exit(&self) -> Exit {
        if self.status.is_success() {
            Exit::Ok
        } else if matches!(
            self.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            Exit::Check
        } else {
            Exit::Network
        }
    }

    /// The text form: status line (and with `include` the headers, escaped) on stderr, the
    /// body on stdout, and a refusal line when the signature was refused.
    pub(crate) fn print(&self, include: bool) -> Result<(), CliError> {
        crate::output::stderr_line(&format!("{:?} {}", self.version, self.status));
        if include {
            for (n, v) in &self.headers {
                crate::output::stderr_safe(&format!(
                    "{n}: {}",
                    String::from_utf8_lossy(v.as_bytes())
                ));
            }
        }
        crate::output::write_stdout(&self.body)?;
        if self.exit() == Exit::Check {
            crate::output::stderr_line(&format!(
                "keyauth: refused: the server refused the signature ({})",
                self.status
            ));
        }
        Ok(())
    }

    /// The JSON form: status, reason, version, headers, body (or `body_base64` when it is not
    /// UTF-8).
    pub(crate) fn json(&self) -> serde_json::Value {
        let headers: Vec<_> = self
            .headers
            .iter()
            .map(|(n, v)| serde_json::json!([n.as_str(), String::from_utf8_lossy(v.as_bytes())]))
            .collect();
        let text = std::str::from_utf8(&self.body).ok();
        serde_json::json!({
            "status": self.status.as_u16(),
            "reason": self.status.canonical_reason(),
            "version": format!("{:?}", self.version),
            "headers": headers,
            "body": text,
            "body_base64": text.is_none()
                .then(|| keyauth_core::Base64::Standard.encode(&self.body)),
        })
    }
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
