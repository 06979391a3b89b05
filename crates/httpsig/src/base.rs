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

/// The value of field component `c` taken from `headers`.
fn field_value(
    headers: &http::HeaderMap,
    c: &ComponentId,
    types: &FieldTypes,
) -> Result<Vec<u8>, Error> {
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
        return Ok(lines.join(", ").into_bytes());
    }
    let combined = sf::combined_cow(headers, name).ok_or(Error::MissingComponent)?;
    if let Some(member) = c.key() {
        let dict = sf::dictionary(text(&combined)?).map_err(|_| Error::MalformedField)?;
        let entry = dict.get(member).ok_or(Error::MissingComponent)?;
        return Ok(sf::serialize_entry(entry).into_bytes());
    }
    if c.sf() {
        let ty = types.get(name).ok_or(Error::UnknownStructuredField)?;
        return sf::reserialize(text(&combined)?, ty)
            .map(String::into_bytes)
            .ok_or(Error::MalformedField);
    }
    Ok(combined.into_owned())
}

fn request_value(
    r: &RequestView<'_>,
    c: &ComponentId,
    types: &FieldTypes,
) -> Result<Vec<u8>, Error> {
    let v = match c.name() {
        "@method" => r.method().to_owned(),
        "@target-uri" => r.target_uri()?,
        "@authority" => r.authority()?,
        "@scheme" => r.scheme(),
        "@request-target" => r.request_target(),
        "@path" => r.path().to_owned(),
        "@query" => r.query(),
        "@query-param" => r.query_param(c.query_name().ok_or(Error::MalformedComponent)?)?,
        "@status" => return Err(Error::MissingComponent),
        _ if c.tr() => {
            return field_value(r.trailers().ok_or(Error::MissingComponent)?, c, types);
        }
        _ => return field_value(r.headers(), c, types),
    };
    Ok(v.into_bytes())
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
    match msg {
        Message::Request(r) => {
            if c.req() {
                return Err(Error::MalformedComponent);
            }
            request_value(r, c, types)
        }
        Message::Response(resp, request) => {
            if c.req() {
                let r = request.as_ref().ok_or(Error::MissingComponent)?;
                return request_value(r, &c.without_req(), types);
            }
            match c.name() {
                "@status" => Ok(resp.status().into_bytes()),
                n if n.starts_with('@') => Err(Error::MalformedComponent),
                _ if c.tr() => {
                    field_value(msg.trailers().ok_or(Error::MissingComponent)?, c, types)
                }
                _ => field_value(resp.headers(), c, types),
            }
        }
    }
}

/// Appends the value of `c` to `out`: the common request components are written in place
/// (no copy of the value first), the rest through [`component_value`].
fn append_value(
    msg: &Message<'_>,
    c: &ComponentId,
    types: &FieldTypes,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if let Message::Request(r) = msg
        && c.params().is_empty()
    {
        match c.name() {
            "@method" => {
                out.extend_from_slice(r.method().as_bytes());
                return Ok(());
            }
            "@target-uri" => return r.write_target_uri(out),
            "@authority" => return r.write_authority(out),
            "@path" => {
                out.extend_from_slice(r.path().as_bytes());
                return Ok(());
            }
            name if !name.starts_with('@') => {
                let v = sf::combined_cow(r.headers(), name).ok_or(Error::MissingComponent)?;
                out.extend_from_slice(&v);
                return Ok(());
            }
            _ => {}
        }
    }
    out.extend_from_slice(&component_value(msg, c, types)?);
    Ok(())
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
        append_value(msg, c, types, &mut out)?;
        if out[start..].iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(Error::MalformedField);
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"\"@signature-params\": ");
    out.extend_from_slice(params.serialize().as_bytes());
    Ok(out)
}
