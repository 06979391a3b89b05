//! The signature base (RFC 9421 §2.5) and component values (§2.1, §2.2).

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::message::{Message, RequestView};
use crate::sf::{self, SfType};
use crate::{ComponentId, Error, SignatureParams};

/// Structured types of fields for `sf`: [`sf::known_type`] plus the caller's additions.
#[derive(Clone, Debug, Default)]
pub struct FieldTypes(HashMap<String, SfType>);

impl FieldTypes {
    /// Only the built-in table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Field `name` (lower case) has structured type `ty`.
    #[must_use]
    pub fn with(mut self, name: &str, ty: SfType) -> Self {
        self.0.insert(name.to_ascii_lowercase(), ty);
        self
    }

    /// The type of field `name`, if known.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<SfType> {
        self.0.get(name).copied().or_else(|| sf::known_type(name))
    }
}

fn text(bytes: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes).map_err(|_| Error::MalformedField)
}

/// Appends the value of field component `c` taken from `headers` to `out`.
fn write_field_value(
    headers: &http::HeaderMap,
    c: &ComponentId,
    types: &FieldTypes,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let name = c.name();
    if c.bs() {
        let lines: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| format!(":{}:", STANDARD.encode(sf::trim(v.as_bytes()))))
            .collect();
        if lines.is_empty() {
            return Err(Error::MissingComponent);
        }
        out.extend_from_slice(lines.join(", ").as_bytes());
        return Ok(());
    }
    let combined = sf::combined_cow(headers, name).ok_or(Error::MissingComponent)?;
    if let Some(member) = c.key() {
        let dict = sf::dictionary(text(&combined)?).map_err(|_| Error::MalformedField)?;
        let entry = dict.get(member).ok_or(Error::MissingComponent)?;
        out.extend_from_slice(sf::serialize_entry(entry).as_bytes());
        return Ok(());
    }
    if c.sf() {
        let ty = types.get(name).ok_or(Error::UnknownStructuredField)?;
        let v = sf::reserialize(text(&combined)?, ty).ok_or(Error::MalformedField)?;
        out.extend_from_slice(v.as_bytes());
        return Ok(());
    }
    out.extend_from_slice(&combined);
    Ok(())
}

/// Appends the value of request component `c` to `out` (the common ones without a copy).
fn write_request_value(
    r: &RequestView<'_>,
    c: &ComponentId,
    types: &FieldTypes,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let v = match c.name() {
        "@method" => r.method(),
        "@target-uri" => return r.write_target_uri(out),
        "@authority" => return r.write_authority(out),
        "@path" => r.path(),
        "@scheme" => &r.scheme(),
        "@request-target" => &r.request_target(),
        "@query" => &r.query(),
        "@query-param" => &r.query_param(c.query_name().ok_or(Error::MalformedComponent)?)?,
        "@status" => return Err(Error::MissingComponent),
        _ if c.tr() => {
            let trailers = r.trailers().ok_or(Error::MissingComponent)?;
            return write_field_value(trailers, c, types, out);
        }
        _ => return write_field_value(r.headers(), c, types, out),
    };
    out.extend_from_slice(v.as_bytes());
    Ok(())
}

/// Appends the value of one covered component in `msg` to `out`.
fn write_value(
    msg: &Message<'_>,
    c: &ComponentId,
    types: &FieldTypes,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    match msg {
        Message::Request(r) => {
            if c.req() {
                return Err(Error::MalformedComponent);
            }
            write_request_value(r, c, types, out)
        }
        Message::Response(resp, request) => {
            if c.req() {
                let r = request.as_ref().ok_or(Error::MissingComponent)?;
                return write_request_value(r, &c.without_req(), types, out);
            }
            match c.name() {
                "@status" => {
                    out.extend_from_slice(resp.status().as_bytes());
                    Ok(())
                }
                n if n.starts_with('@') => Err(Error::MalformedComponent),
                _ if c.tr() => {
                    let trailers = msg.trailers().ok_or(Error::MissingComponent)?;
                    write_field_value(trailers, c, types, out)
                }
                _ => write_field_value(resp.headers(), c, types, out),
            }
        }
    }
}

/// The value of one covered component in `msg` (without the identifier).
///
/// # Errors
/// [`Error::MissingComponent`] when the message lacks it, [`Error::MalformedComponent`]
/// for `req` on a request, and the field errors of `sf`/`key` (RFC 9421 §2.5 step 2).
pub fn component_value(
    msg: &Message<'_>,
    c: &ComponentId,
    types: &FieldTypes,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write_value(msg, c, types, &mut out)?;
    Ok(out)
}

/// The signature base for `params` over `msg`: one `"<id>": <value>` line per covered
/// component, then `"@signature-params": <params>`, lines joined by LF, no trailing LF.
///
/// ```
/// use http::{HeaderMap, Method, Uri};
/// use keyauth_httpsig::{ComponentId, FieldTypes, Message, ParamsSpec, RequestView, SignatureParams};
/// let (method, uri) = (Method::GET, "https://example.com/a?b=c".parse::<Uri>().unwrap());
/// let headers = HeaderMap::new();
/// let msg = Message::Request(RequestView::new(&method, &uri, &headers));
/// let covered = vec![ComponentId::derived("@method")?, ComponentId::derived("@path")?];
/// let spec = ParamsSpec { created: Some(1), ..ParamsSpec::default() };
/// let params = SignatureParams::new(covered, &spec)?;
/// let base = keyauth_httpsig::signature_base(&msg, &params, &FieldTypes::new())?;
/// assert_eq!(
///     String::from_utf8(base).unwrap(),
///     "\"@method\": GET\n\"@path\": /a\n\"@signature-params\": (\"@method\" \"@path\");created=1"
/// );
/// # Ok::<(), keyauth_httpsig::Error>(())
/// ```
///
/// # Errors
/// The errors of [`component_value`]; [`Error::MalformedField`] when a value contains a
/// line break.
pub fn signature_base(
    msg: &Message<'_>,
    params: &SignatureParams,
    types: &FieldTypes,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(256);
    for c in params.covered() {
        out.extend_from_slice(c.as_str().as_bytes());
        out.extend_from_slice(b": ");
        let start = out.len();
        write_value(msg, c, types, &mut out)?;
        if out[start..].iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(Error::MalformedField);
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"\"@signature-params\": ");
    out.extend_from_slice(params.serialize().as_bytes());
    Ok(out)
}
