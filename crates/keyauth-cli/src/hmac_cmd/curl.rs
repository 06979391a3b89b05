//! `keyauth hmac curl`: sends a signed request and reports the answer.

#[allow(clippy::wildcard_imports)] // the flags and helpers of the parent module
use super::*;

pub(super) fn curl(a: &CurlArgs, out: Output) -> Result<Exit, CliError> {
    let method = parse_method(&a.method)?;
    // The parser's message never repeats the URL, which may carry a password.
    let url = reqwest::Url::parse(&a.url)
        .map_err(|e| CliError::input("bad_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CliError::input("bad_url", "only http and https URLs"));
    }
    let mut headers = input::parse_headers(&a.headers)?;
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
    let res = crate::block_on(crate::http_send::send(
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
