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
    let strong = a.strong.strong;
    let mut builder = a.scheme.builder(None, strong)?;
    let target = strong.then(|| a.strong.target()).transpose()?;
    let skew = match &a.max_skew {
        None => hmac_auth::strong::DEFAULT_SKEW,
        Some(text) => input::parse_duration(text).ok_or_else(|| {
            CliError::input(
                "bad_duration",
                "--max-skew is not a duration (90, 5m, 1h...)",
            )
        })?,
    };
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

    let (who, strong_doc) = match target {
        Some((method, path)) => {
            let now = a.now.map_or_else(|| SystemClock.now(), UnixTime::new);
            let mut headers = HeaderMap::new();
            headers.insert(hmac.strong_header().clone(), value);
            let claims = hmac
                .check_strong(&method, &path, &headers, &body, only.as_ref(), now, skew)
                .map_err(|e| unknown_signer(e, a, strong))?;
            let sig = &claims.signature;
            let doc = json!({
                "key_id": sig.key_id(),
                "timestamp": sig.timestamp().as_secs(),
                "nonce": sig.nonce(),
            });
            let text = format!(
                " (strong mode, timestamp {}, nonce {}; not checked for replay)",
                sig.timestamp().as_secs(),
                sig.nonce()
            );
            (claims.authenticated, Some((doc, text)))
        }
        None => {
            headers.insert(hmac.header().clone(), value);
            let who = hmac
                .validate_headers(&headers, &body, only.as_ref())
                .map_err(|e| unknown_signer(e, a, strong))?;
            (who, None)
        }
    };
    let (signer, service, text) = match &who {
        Authenticated::Service(name) => ("service", Some(name.as_str()), format!("service {name}")),
        _ => ("global_key", None, "the global key".to_owned()),
    };
    let mut doc = json!({
        "valid": true,
        "mode": if strong { "strong" } else { "compat" },
        "signer": signer,
        "service": service,
    });
    let mut text = format!("valid: signed with {text}");
    if let Some((more, suffix)) = strong_doc {
        extend(&mut doc, more);
        text.push_str(&suffix);
    }
    out.emit(&doc, &text)?;
    Ok(Exit::Ok)
}

/// Names the service of an `unknown key name` failure: the library's message cannot say which.
fn unknown_signer(e: hmac_auth::Error, a: &VerifyArgs, strong: bool) -> CliError {
    if e != hmac_auth::Error::UnknownKeyName {
        return e.into();
    }
    let claimed = if strong {
        StrongSignature::parse(a.signature.as_bytes())
            .ok()
            .map(|s| s.key_id().to_owned())
    } else {
        hmac_auth::parse_service_token(a.signature.as_bytes())
            .ok()
            .flatten()
    };
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
