//! `keyauth hmac sign`: the signature header value of a message.

#[allow(clippy::wildcard_imports)] // the flags and helpers of the parent module
use super::*;

pub(super) fn sign(a: &SignArgs, out: Output) -> Result<Exit, CliError> {
    stdin_once(a.key.key_file.as_deref(), &a.data, true)?;
    let strong = a.strong.strong;
    let builder = a.scheme.builder(a.header_name.as_deref(), strong)?;
    let target = strong.then(|| a.strong.target()).transpose()?;
    let headers = content_type_headers(a.content_type.as_deref())?;
    let hmac = keyed_builder(builder, a.service.as_deref(), a.key.load()?)?;
    let body = input::data(a.data.data.as_deref(), a.data.data_file.as_deref())?;
    let header = header_label(a.header_name.as_deref(), strong);
    let mut doc = json!({
        "mode": if strong { "strong" } else { "compat" },
        "header": header,
        "value": null,
        "digest": hmac.digest().name(),
        "service": a.service,
    });
    let value = match target {
        Some((method, path)) => {
            let now = a.timestamp.map_or_else(|| SystemClock.now(), UnixTime::new);
            let nonce = match &a.nonce {
                Some(n) => n.clone(),
                None => hmac_auth::strong::new_nonce()?,
            };
            let value = hmac
                .sign_strong(a.service.as_deref(), &method, &path, &body, now, &nonce)
                .map_err(|e| match e {
                    // The only part of the header sign_strong takes as given.
                    hmac_auth::Error::MalformedHeader => CliError::input(
                        "malformed",
                        "--nonce must be 16 to 64 characters from A-Z a-z 0-9 _ -",
                    ),
                    e => e.into(),
                })?;
            extend(
                &mut doc,
                json!({
                    "method": method.as_str(),
                    "path": path,
                    "timestamp": now.as_secs(),
                    "nonce": nonce,
                }),
            );
            value
        }
        None => {
            let message = hmac_auth::signed_message(&headers, &body);
            match &a.service {
                Some(service) => hmac.make_hmac_for(service, message)?,
                None => hmac.make_hmac(message)?,
            }
        }
    };
    doc["value"] = json!(value);
    let text = if a.as_header {
        format!("{header}: {value}")
    } else {
        value
    };
    out.emit(&doc, &text)?;
    Ok(Exit::Ok)
}
