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
    let timeout = a.send.timeout()?;
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

    let res = crate::block_on(crate::http_send::send(
        method,
        url,
        headers,
        body,
        timeout,
        a.send.max_response_bytes,
    ))??;

    let code = res.exit();
    if out.is_json() {
        let mut doc = res.json();
        doc["signed"] = json!({
            "mode": "compat",
            "header": header_label(a.header_name.as_deref()),
            "service": a.service,
        });
        out.emit(&doc, "")?;
    } else {
        res.print(a.send.include)?;
    }
    Ok(code)
}
