//! The conformance runner (feature `conformance`) for `vectors/hmac-auth.json` (Flask-HMAC
//! compatible mode) and `vectors/hmac-auth_service_tokens.json`.
//!
//! Ops `make_hmac`, `make_hmac_for`, `validate_signature`, `validate_service_signature` call
//! the crate directly. Op `http` starts an axum server with the real [`HmacAuthLayer`] on
//! 127.0.0.1 (an ephemeral port, inside a tokio runtime owned by this case), sends the
//! request byte for byte over TCP and reports the status.
//!
//! Upstream reads keys lazily: a key that is not latin-1 text only fails when it is used.
//! The crate refuses such keys when it is configured, so this runner keeps them aside and
//! reports `key_not_latin1` (HTTP: 500) exactly where upstream would use them.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::{Digest, Error, Hmac, HmacAuthLayer, Key, Only};
use keyauth_core::Base64;
use keyauth_core::encoding::hex_encode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use keyauth_vectors::{Case, CaseError, CaseResult, Embedded, Input, Scheme};

/// The vector files this crate owns, compiled in.
pub const VECTORS: &[Embedded] = &[
    ("hmac-auth.json", include_str!("../vectors/hmac-auth.json")),
    // Ours: malformed service tokens judged by the real flaskhmac 1.2.1 and 1.1.2.
    (
        "hmac-auth_service_tokens.json",
        include_str!("../vectors/hmac-auth_service_tokens.json"),
    ),
];

/// Flask-HMAC compatible mode.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conformance;

fn bad(why: impl Into<String>) -> CaseError {
    CaseError::BadInput(why.into())
}

fn kind(e: &Error) -> CaseError {
    CaseError::kind(e.code())
}

fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Python truthiness of a JSON value.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// An app configuration: the crate's [`Hmac`] plus the keys upstream would fail on lazily.
struct App {
    hmac: Hmac,
    bad_global: bool,
    bad_services: BTreeSet<String>,
    empty_services: BTreeSet<String>,
    error_code: Option<u16>,
}

/// `config` (Flask app.config), `header`, `digestmod`; `legacy` applies 1.1.x defaults
/// (`HMAC_KEY = ''`, `HMAC_KEYS = {}`).
fn app(
    config: Input<'_>,
    header: Option<&str>,
    digest: Option<&str>,
    legacy: bool,
) -> Result<App, CaseError> {
    let mut b = Hmac::builder();
    let mut bad_global = false;
    match config.opt_str("HMAC_KEY")? {
        Some(k) => match Key::latin1(k) {
            Ok(key) => b = b.key(key),
            Err(_) => bad_global = true,
        },
        None if legacy => {
            b = b.key(Key::from_bytes(b""));
        }
        None => {}
    }
    let mut bad_services = BTreeSet::new();
    let mut empty_services = BTreeSet::new();
    match config.get("HMAC_KEYS") {
        Some(Value::Object(keys)) => {
            let mut services = Vec::new();
            for (name, key) in keys {
                let key = key
                    .as_str()
                    .ok_or_else(|| bad("HMAC_KEYS value not a string"))?;
                if key.is_empty() {
                    // Upstream falls back to HMAC_KEY for it: unusable when that one is.
                    empty_services.insert(name.clone());
                }
                match Key::latin1(key) {
                    Ok(k) => services.push((name.clone(), k)),
                    Err(_) => {
                        bad_services.insert(name.clone());
                        // Present (so the name is known), but never used: the runner reports
                        // key_not_latin1 before the crate would sign with it.
                        services.push((
                            name.clone(),
                            Key::from_bytes(
                                b"placeholder for a key upstream cannot encode: never matches",
                            ),
                        ));
                    }
                }
            }
            b = b.services(services);
        }
        Some(_) => return Err(bad("HMAC_KEYS not an object")),
        None if legacy => b = b.services(Vec::<(String, Key)>::new()),
        None => {}
    }
    if let Some(h) = header {
        b = b.header(http::HeaderName::from_bytes(h.as_bytes()).map_err(|_| bad("header name"))?);
    }
    if let Some(d) = digest {
        b = b.digest(Digest::from_name(d).ok_or_else(|| bad("digestmod"))?);
    }
    b = b.disarm(truthy(config.get("HMAC_DISARM")));
    // Not an int (a string, a float): Flask's abort has no exception for it -> 500.
    let error_code = config
        .get("HMAC_ERROR_CODE")
        .map(|v| v.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0));
    Ok(App {
        hmac: b.build(),
        bad_global,
        bad_services,
        empty_services,
        error_code,
    })
}

fn data(input: Input<'_>) -> Result<Vec<u8>, CaseError> {
    if let Some(text) = input.opt_str("data")? {
        return Ok(text.as_bytes().to_vec());
    }
    Ok(input.opt_hex("data_hex")?.unwrap_or_default())
}

fn only(v: Option<&Value>) -> Result<Option<Only>, CaseError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(Only::Substring(s.clone()))),
        Some(Value::Array(a)) => Ok(Some(Only::names(
            a.iter()
                .map(|n| {
                    n.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("only entry"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ))),
        Some(_) => Err(bad("only")),
    }
}

fn headers(list: &[Value]) -> Result<Vec<(String, Vec<u8>)>, CaseError> {
    list.iter()
        .map(|pair| {
            let pair = pair
                .as_array()
                .filter(|p| p.len() == 2)
                .ok_or_else(|| bad("header pair"))?;
            let name = pair[0].as_str().ok_or_else(|| bad("header name"))?;
            let value = pair[1].as_str().ok_or_else(|| bad("header value"))?;
            Ok((
                name.to_owned(),
                latin1(value).ok_or_else(|| bad("header value not latin-1"))?,
            ))
        })
        .collect()
}

fn header_map(list: &[(String, Vec<u8>)]) -> Result<http::HeaderMap, CaseError> {
    let mut map = http::HeaderMap::new();
    for (n, v) in list {
        map.append(
            http::HeaderName::from_bytes(n.as_bytes()).map_err(|_| bad("header name"))?,
            http::HeaderValue::from_bytes(v).map_err(|_| bad("header value"))?,
        );
    }
    Ok(map)
}

impl App {
    /// Upstream would fail encoding this service's key (its own, or HMAC_KEY it falls back to).
    fn service_key_is_bad(&self, name: &str) -> bool {
        self.bad_services.contains(name) || (self.bad_global && self.empty_services.contains(name))
    }

    /// Upstream would fail on a non-latin-1 key here. 1.2.1 `validate_signature` computes the
    /// global-key candidate first, outside any `try` (-> error, HTTP 500), while a service
    /// key's `UnicodeEncodeError` is a `ValueError` its `except ValueError: pass` swallows
    /// (no candidate; the runner's placeholder key gives the same "no match"). The 1.1.x
    /// `validate_service_signature` (`legacy`) swallows nothing.
    fn lazy_key_failure(
        &self,
        headers: &http::HeaderMap,
        only: Option<&Only>,
        legacy: bool,
    ) -> Option<Error> {
        if self.hmac.is_disarmed() {
            return None;
        }
        let sig = headers.get(self.hmac.header())?;
        if !legacy {
            return self.bad_global.then_some(Error::KeyNotLatin1);
        }
        match crate::parse_service_token(sig.as_bytes()) {
            Ok(Some(client))
                if self.service_key_is_bad(&client) && only.is_none_or(|o| o.admits(&client)) =>
            {
                Some(Error::KeyNotLatin1)
            }
            _ => None,
        }
    }
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "hmac-auth"
    }

    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            "make_hmac" => {
                let app = app(
                    input.obj("config")?,
                    input.opt_str("header")?,
                    input.opt_str("digestmod")?,
                    false,
                )?;
                let data = data(input)?;
                let sig = match input.opt_str("key")? {
                    Some(k) if !k.is_empty() => {
                        let key = Key::latin1(k).map_err(|e| kind(&e))?;
                        app.hmac.make_hmac_with_key(&data, &key)
                    }
                    _ if app.bad_global => Err(Error::KeyNotLatin1),
                    _ => app.hmac.make_hmac(&data),
                }
                .map_err(|e| kind(&e))?;
                let mac = Base64::Standard
                    .decode(&sig)
                    .map_err(|_| bad("own signature"))?;
                Ok(json!({"signature": sig, "mac_hex": hex_encode(&mac)}))
            }
            "make_hmac_for" => {
                let app = app(
                    input.obj("config")?,
                    input.opt_str("header")?,
                    input.opt_str("digestmod")?,
                    false,
                )?;
                let name = input.str("name")?;
                if app.service_key_is_bad(name) {
                    return Err(kind(&Error::KeyNotLatin1));
                }
                let token = app
                    .hmac
                    .make_hmac_for(name, &data(input)?)
                    .map_err(|e| kind(&e))?;
                let plain = Base64::Standard
                    .decode(&token)
                    .map_err(|_| bad("own token"))?;
                Ok(json!({"signature": token, "plain_hex": hex_encode(&plain)}))
            }
            op @ ("validate_signature" | "validate_service_signature") => {
                let legacy = op == "validate_service_signature";
                let app = app(
                    input.obj("config")?,
                    input.opt_str("header")?,
                    input.opt_str("digestmod")?,
                    legacy,
                )?;
                let req = input.obj("request")?;
                let map = header_map(&headers(req.array("headers")?)?)?;
                let body = req.opt_hex("body_hex")?.unwrap_or_default();
                let only = only(input.get("only"))?;
                if let Some(e) = app.lazy_key_failure(&map, only.as_ref(), legacy) {
                    return Err(kind(&e));
                }
                if legacy {
                    app.hmac
                        .validate_service_headers(&map, &body)
                        .map(|_| json!({"valid": true}))
                        .map_err(|e| kind(&e))
                } else {
                    app.hmac
                        .validate_headers(&map, &body, only.as_ref())
                        .map(|_| json!({"valid": true}))
                        .map_err(|e| kind(&e))
                }
            }
            "http" => {
                let app_in = input.obj("app")?;
                let app = app(
                    app_in.obj("config")?,
                    app_in.opt_str("header")?.or(input.opt_str("header")?),
                    app_in.opt_str("digestmod")?.or(input.opt_str("digestmod")?),
                    false,
                )?;
                let route = input.obj("route")?;
                let auth = route.bool("auth")?;
                let only = only(route.get("only"))?;
                let layer = auth.then(|| {
                    let mut l = HmacAuthLayer::new(app.hmac.clone());
                    if let Some(o) = only.clone() {
                        l = l.only(o);
                    }
                    if let Some(code) = app.error_code {
                        l = l.error_code(code);
                    }
                    l
                });
                let req = input.obj("request")?;
                let list = headers(req.array("headers")?)?;
                // Lazy key failures escape the decorator upstream: 500.
                let lazy = auth
                    .then(|| app.lazy_key_failure(&header_map(&list).ok()?, only.as_ref(), false))
                    .flatten();
                let wire = raw_request(
                    req.str("method")?,
                    req.str("target")?,
                    &list,
                    &req.hex("body_hex")?,
                );
                let status = if lazy.is_some() {
                    500
                } else {
                    exchange(layer, &wire)?
                };
                Ok(json!({"status": status}))
            }
            other => Err(CaseError::Unsupported(other.into())),
        }
    }
}

fn raw_request(method: &str, target: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut wire = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (n, v) in headers {
        wire.extend_from_slice(n.as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(v);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    wire
}

/// Serves the layer (or a bare route) on 127.0.0.1, sends `wire`, returns the status.
fn exchange(layer: Option<HmacAuthLayer>, wire: &[u8]) -> Result<u16, CaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| bad(format!("tokio runtime: {e}")))?;
    rt.block_on(async {
        let mut router = axum::Router::new().fallback(|| async { "ok" });
        if let Some(layer) = layer {
            router = router.layer(layer);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| bad(format!("bind: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| bad(format!("addr: {e}")))?;
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let result = tokio::time::timeout(Duration::from_secs(10), send(addr, wire)).await;
        server.abort();
        result.map_err(|_| bad("http exchange timed out"))?
    })
}

async fn send(addr: std::net::SocketAddr, wire: &[u8]) -> Result<u16, CaseError> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| bad(format!("connect: {e}")))?;
    stream
        .write_all(wire)
        .await
        .map_err(|e| bad(format!("write: {e}")))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 8192 {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| bad(format!("read: {e}")))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    // "HTTP/1.1 200 OK"
    let line = buf.split(|&b| b == b'\r').next().unwrap_or_default();
    let code = line
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            bad(format!(
                "no status line in {:?}",
                String::from_utf8_lossy(&buf)
            ))
        })?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: &str, input: Value) -> CaseResult {
        let case: Case = serde_json::from_value(json!({
            "name": "t", "op": op, "input": input, "expect": {}
        }))
        .unwrap();
        Conformance.run(&case)
    }

    /// Upstream reads keys lazily; the runner reports the failure where upstream would hit it.
    #[test]
    fn non_latin1_keys_fail_only_where_upstream_uses_them() {
        let bad_global = json!({"HMAC_KEY": "k\u{20ac}y", "HMAC_KEYS": {"a": "akey", "e": ""}});
        // An explicit key argument wins over the unusable HMAC_KEY.
        let ok = run(
            "make_hmac",
            json!({"config": bad_global, "key": "x", "data": "d"}),
        )
        .unwrap();
        assert_eq!(ok["mac_hex"].as_str().unwrap().len(), 64);
        // An empty argument falls back to it.
        assert_eq!(
            run("make_hmac", json!({"config": bad_global, "key": ""})),
            Err(CaseError::kind("key_not_latin1"))
        );
        // A service with its own key signs; one with '' falls back to the bad HMAC_KEY.
        assert!(run("make_hmac_for", json!({"config": bad_global, "name": "a"})).is_ok());
        assert_eq!(
            run("make_hmac_for", json!({"config": bad_global, "name": "e"})),
            Err(CaseError::kind("key_not_latin1"))
        );
        // Checking touches HMAC_KEY as soon as a header is there; not before.
        let req = |headers: Value| json!({"config": bad_global, "request": {"method": "GET", "path": "/", "headers": headers, "body_hex": ""}});
        assert_eq!(
            run("validate_signature", req(json!([]))),
            Err(CaseError::kind("missing_signature"))
        );
        assert_eq!(
            run("validate_signature", req(json!([["Signature", "x"]]))),
            Err(CaseError::kind("key_not_latin1"))
        );
        let http = json!({
            "app": {"config": bad_global}, "route": {"auth": true},
            "request": {"method": "GET", "target": "/", "headers": [["Host", "127.0.0.1"], ["Signature", "x"], ["Connection", "close"]], "body_hex": ""}
        });
        assert_eq!(run("http", http).unwrap(), json!({"status": 500}));
    }

    /// 1.2.1 swallows a service key's UnicodeEncodeError (a ValueError): no candidate.
    #[test]
    fn bad_service_key_is_no_candidate_when_checking() {
        let config = json!({"HMAC_KEYS": {"s": "k\u{20ac}"}});
        let token = Base64::Standard.encode(b"s:AAAA");
        let input = json!({"config": config, "request": {"method": "GET", "path": "/",
            "headers": [["Signature", token]], "body_hex": ""}});
        assert_eq!(
            run("validate_signature", input),
            Err(CaseError::kind("invalid_signature"))
        );
        assert_eq!(
            run("make_hmac_for", json!({"config": config, "name": "s"})),
            Err(CaseError::kind("key_not_latin1"))
        );
    }

    #[test]
    fn unknown_ops_are_unsupported() {
        assert!(matches!(
            run("nope", json!({})),
            Err(CaseError::Unsupported(_))
        ));
    }
}
