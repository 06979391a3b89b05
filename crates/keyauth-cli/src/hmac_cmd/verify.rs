//! `keyauth hmac verify`: checks a signature header value against a message.

#[allow(clippy::wildcard_imports)] // the flags and helpers of the parent module
use super::*;

pub(super) fn verify(a: &VerifyArgs, out: Output) -> Result<Exit, CliError> {
    let key_files = a
        .key
        .key_file
        .as_deref()
        .into_iter()
        .chain(a.service_keys.iter().map(|(_, p)| p.as_path()));
    stdin_once(key_files, &a.data, true)?;
    let mut builder = a.scheme.builder(None)?;
    if a.key.given() {
        builder = builder.key(a.key.load()?);
    } else if a.service_keys.is_empty() {
        return Err(CliError::input(
            "missing_secret",
            format!("no key: give --key-file, ${KEY_ENV}, --key or --service-key NAME=FILE"),
        ));
    }
    if !a.service_keys.is_empty() {
        let mut services = Vec::with_capacity(a.service_keys.len());
        for (name, path) in &a.service_keys {
            let what = format!("key of service {name:?}");
            let text = SecretSource::file(path, &what).text()?;
            services.push((name.clone(), latin1_key(&text, &format!("the {what}"))?));
        }
        builder = builder.services(services);
    }
    let hmac = builder.build();
    let only = (!a.only.is_empty()).then(|| Only::names(a.only.iter().cloned()));
    let mut headers = content_type_headers(a.content_type.as_deref())?;
    let body = input::data(a.data.data.as_deref(), a.data.data_file.as_deref())?;
    let value = HeaderValue::from_str(&a.signature).map_err(|_| {
        CliError::input(
            "malformed",
            "the signature is not a header value (control characters?)",
        )
    })?;

    headers.insert(hmac.header().clone(), value);
    let who = hmac
        .validate_headers(&headers, &body, only.as_ref())
        .map_err(|e| unknown_signer(e, a))?;
    let (signer, service, text) = match &who {
        Authenticated::Service(name) => ("service", Some(name.as_str()), format!("service {name}")),
        _ => ("global_key", None, "the global key".to_owned()),
    };
    let doc = json!({
        "valid": true,
        "mode": "compat",
        "signer": signer,
        "service": service,
    });
    let text = format!("valid: signed with {text}");
    out.emit(&doc, &text)?;
    Ok(Exit::Ok)
}

/// Names the service of an `unknown key name` failure: the library's message cannot say which.
fn unknown_signer(e: hmac_auth::Error, a: &VerifyArgs) -> CliError {
    if e != hmac_auth::Error::UnknownKeyName {
        return e.into();
    }
    let claimed = hmac_auth::parse_service_token(a.signature.as_bytes())
        .ok()
        .flatten();
    match claimed {
        Some(name) if !name.is_empty() => CliError::check(
            "unknown_key",
            format!("signed as service {name:?}, which has no --service-key"),
        ),
        _ => CliError::check(
            "unknown_key",
            "signed with the global key, which was not given",
        ),
    }
}
