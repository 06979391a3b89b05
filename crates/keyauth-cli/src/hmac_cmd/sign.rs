//! `keyauth hmac sign`: the signature header value of a message.

#[allow(clippy::wildcard_imports)] // the flags and helpers of the parent module
use super::*;

pub(super) fn sign(a: &SignArgs, out: Output) -> Result<Exit, CliError> {
    stdin_once(a.key.key_file.as_deref(), &a.data, true)?;
    let builder = a.scheme.builder(a.header_name.as_deref())?;
    let headers = content_type_headers(a.content_type.as_deref())?;
    let hmac = keyed_builder(builder, a.service.as_deref(), a.key.load()?)?;
    let body = input::data(a.data.data.as_deref(), a.data.data_file.as_deref())?;
    let header = header_label(a.header_name.as_deref());
    let mut doc = json!({
        "mode": "compat",
        "header": header,
        "value": null,
        "digest": hmac.digest().name(),
        "service": a.service,
    });
    let message = hmac_auth::signed_message(&headers, &body);
    let value = match &a.service {
        Some(service) => hmac.make_hmac_for(service, message)?,
        None => hmac.make_hmac(message)?,
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
