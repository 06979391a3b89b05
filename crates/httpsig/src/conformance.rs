//! The conformance runner for `vectors/rfc9421.json` (feature `conformance`): maps each op
//! onto the crate API and each refusal onto [`Error::code`]. Nothing is derived from case
//! names; unseen files of the same format run too.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyauth_core::{FixedClock, MemoryReplayGuard, ReplayGuard, UnixTime};
use keyauth_vectors::{Case, CaseError, CaseResult, Scheme};
use serde_json::{Value, json};

use crate::http1::{RawRequest, RawResponse, parse_request, parse_response};
use crate::{
    AcceptSignature, Algorithm, ComponentId, DigestAlgorithm, Error, FieldTypes, Message, Policy,
    RequestView, ResponseView, SignOptions, Signer, SigningKey, StaticKeys, Verifier, VerifyingKey,
    component_value, content_digest, parse_signature_input, replay_id, signature_base,
};

/// The vector files this crate owns.
pub const VECTORS: &[keyauth_vectors::Embedded] =
    &[("rfc9421.json", include_str!("../vectors/rfc9421.json"))];

/// The runner for scheme `httpsig`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conformance;

fn bad(why: impl Into<String>) -> CaseError {
    CaseError::BadInput(why.into())
}

fn kind(e: &Error) -> CaseError {
    CaseError::kind(e.code())
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, CaseError> {
    v.get(name)
        .filter(|x| !x.is_null())
        .ok_or_else(|| bad(format!("missing {name}")))
}

fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, CaseError> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| bad(format!("{name} is not a string")))
}

fn opt_text<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

fn opt_u64(v: &Value, name: &str) -> Option<u64> {
    v.get(name).and_then(Value::as_u64)
}

/// A parsed `message`: a request, or a response with its optional request.
enum Parsed {
    Request(RawRequest),
    Response(RawResponse, Option<RawRequest>),
}

impl Parsed {
    fn from(v: &Value) -> Result<Self, CaseError> {
        let req = |name| -> Result<Option<RawRequest>, CaseError> {
            match opt_text(v, name) {
                None => Ok(None),
                Some(raw) => parse_request(raw.as_bytes())
                    .map(Some)
                    .map_err(|_| bad("request does not parse")),
            }
        };
        match opt_text(v, "response") {
            Some(raw) => Ok(Self::Response(
                parse_response(raw.as_bytes()).map_err(|_| bad("response does not parse"))?,
                req("request")?,
            )),
            None => Ok(Self::Request(
                req("request")?.ok_or_else(|| bad("no message"))?,
            )),
        }
    }

    fn message(&self) -> Message<'_> {
        match self {
            Self::Request(r) => Message::Request(RequestView::from_parts(&r.parts)),
            Self::Response(r, q) => Message::Response(
                ResponseView::from_parts(&r.parts),
                q.as_ref().map(|q| RequestView::from_parts(&q.parts)),
            ),
        }
    }

    fn body(&self) -> &[u8] {
        match self {
            Self::Request(r) => &r.body,
            Self::Response(r, _) => &r.body,
        }
    }
}

fn key_bytes(k: &Value) -> Result<(Algorithm, Vec<u8>), CaseError> {
    let alg = Algorithm::from_name(text(k, "alg")?).map_err(|_| bad("unknown alg"))?;
    let bytes = match (opt_text(k, "pem"), opt_text(k, "secret_b64")) {
        (Some(pem), _) => pem.as_bytes().to_vec(),
        (None, Some(b)) => STANDARD.decode(b).map_err(|_| bad("secret_b64"))?,
        _ => return Err(bad("key needs pem or secret_b64")),
    };
    Ok((alg, bytes))
}

fn components(v: &Value) -> Result<Vec<ComponentId>, CaseError> {
    field(v, "components")?
        .as_array()
        .ok_or_else(|| bad("components"))?
        .iter()
        .map(|c| {
            let s = c.as_str().ok_or_else(|| bad("component"))?;
            ComponentId::parse(s).map_err(|e| kind(&e))
        })
        .collect()
}

fn policy(v: Option<&Value>, response: bool) -> Result<Policy, CaseError> {
    let mut p = if response {
        Policy::for_responses()
    } else {
        Policy::default()
    };
    let Some(v) = v else { return Ok(p) };
    if let Some(req) = v.get("required") {
        p.required = req
            .as_array()
            .ok_or_else(|| bad("required"))?
            .iter()
            .map(|c| {
                ComponentId::parse(c.as_str().unwrap_or_default()).map_err(|_| bad("required"))
            })
            .collect::<Result<_, _>>()?;
    }
    let flag = |name: &str, d: bool| v.get(name).and_then(Value::as_bool).unwrap_or(d);
    p.digest_with_body = flag("digest_with_body", p.digest_with_body);
    p.content_type_when_present = flag("content_type_when_present", p.content_type_when_present);
    p.require_created = flag("require_created", p.require_created);
    p.require_nonce = flag("require_nonce", p.require_nonce);
    if let Some(s) = opt_u64(v, "max_skew") {
        p.max_skew = Duration::from_secs(s);
    }
    match v.get("max_age") {
        Some(Value::Null) => p.max_age = None,
        Some(a) => {
            p.max_age = Some(Duration::from_secs(
                a.as_u64().ok_or_else(|| bad("max_age"))?,
            ))
        }
        None => {}
    }
    if let Some(t) = opt_text(v, "tag") {
        p.tag = Some(t.to_owned());
    }
    if let Some(l) = opt_text(v, "label") {
        p.label = Some(l.to_owned());
    }
    if let Some(b) = opt_u64(v, "body_limit") {
        p.body_limit = usize::try_from(b).map_err(|_| bad("body_limit"))?;
    }
    Ok(p)
}

fn run_sign(input: &Value) -> CaseResult {
    let parsed = Parsed::from(field(input, "message")?)?;
    let (alg, bytes) = key_bytes(field(input, "key")?)?;
    let key = SigningKey::from_key_file(alg, &bytes).map_err(|e| kind(&e))?;
    let mut signer = Signer::new(key)
        .label(opt_text(input, "label").unwrap_or(crate::DEFAULT_LABEL))
        .include_alg(
            input
                .get("include_alg")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .created(input.get("created").is_some_and(|c| !c.is_null()))
        .nonce(false);
    if input.get("components").is_some() {
        signer = signer.components(components(input)?);
    }
    if let Some(k) = opt_text(input, "keyid") {
        signer = signer.keyid(k);
    }
    if let Some(t) = opt_text(input, "tag") {
        signer = signer.tag(t);
    }
    let opts = SignOptions {
        created: opt_u64(input, "created"),
        expires: opt_u64(input, "expires"),
        nonce: opt_text(input, "nonce").map(str::to_owned),
    };
    let signed = signer
        .sign_message(&parsed.message(), &opts)
        .map_err(|e| kind(&e))?;
    Ok(json!({
        "signature_input": signed.signature_input().map_err(|e| kind(&e))?,
        "signature": signed.signature().map_err(|e| kind(&e))?,
        "base": String::from_utf8_lossy(&signed.base),
    }))
}

fn run_verify(input: &Value) -> CaseResult {
    let parsed = Parsed::from(field(input, "message")?)?;
    let response = matches!(parsed, Parsed::Response(..));
    let mut keys = StaticKeys::new();
    if let Some(map) = input.get("keys").and_then(Value::as_object) {
        for (id, k) in map {
            let (alg, bytes) = key_bytes(k)?;
            let key = VerifyingKey::from_key_file(alg, &bytes).map_err(|_| bad("key"))?;
            keys = keys.with(id.clone(), key);
        }
    }
    let clock = Arc::new(FixedClock::new(UnixTime::new(
        opt_u64(input, "now").ok_or_else(|| bad("now"))?,
    )));
    let guard = Arc::new(MemoryReplayGuard::with_clock(1024, clock.clone()));
    let verifier = Verifier::builder(keys)
        .clock(clock)
        .replay_guard(guard.clone())
        .policy(policy(input.get("policy"), response)?)
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|_| bad("no runtime"))?;
    rt.block_on(async {
        if let Some(seen) = input.get("seen").and_then(Value::as_array) {
            for pair in seen {
                let (Some(k), Some(n)) = (pair[0].as_str(), pair[1].as_str()) else {
                    return Err(bad("seen"));
                };
                guard
                    .check_and_mark(&replay_id(k, n), UnixTime::new(u64::MAX))
                    .await
                    .map_err(|_| bad("seen"))?;
            }
        }
        let v = verifier
            .verify(&parsed.message(), parsed.body())
            .await
            .map_err(|e| kind(&e))?;
        Ok(json!({"valid": true, "label": v.label, "keyid": v.keyid}))
    })
}

fn run(case: &Case) -> CaseResult {
    let input = &case.input;
    match case.op.as_str() {
        "signature_base" => {
            let parsed = Parsed::from(field(input, "message")?)?;
            let msg = parsed.message();
            let label = text(input, "label")?;
            let inputs = parse_signature_input(msg.headers()).map_err(|e| kind(&e))?;
            let params = inputs
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, p)| p)
                .ok_or_else(|| kind(&Error::LabelNotFound))?;
            let base = signature_base(&msg, params, &FieldTypes::new()).map_err(|e| kind(&e))?;
            Ok(json!({"base": String::from_utf8_lossy(&base)}))
        }
        "component_values" => {
            let parsed = Parsed::from(field(input, "message")?)?;
            let msg = parsed.message();
            let mut lines = Vec::new();
            for c in components(input)? {
                let v = component_value(&msg, &c, &FieldTypes::new()).map_err(|e| kind(&e))?;
                lines.push(format!("{c}: {}", String::from_utf8_lossy(&v)));
            }
            Ok(json!({"lines": lines}))
        }
        "sign" => run_sign(input),
        "verify" => run_verify(input),
        "content_digest" => {
            let alg = DigestAlgorithm::from_key(text(input, "alg")?).ok_or_else(|| bad("alg"))?;
            Ok(json!({"value": content_digest(alg, text(input, "body")?.as_bytes())}))
        }
        "accept_signature" => {
            let members = AcceptSignature::parse(text(input, "value")?)
                .map_err(|e| kind(&e))?
                .iter()
                .map(AcceptSignature::to_member)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| kind(&e))?;
            Ok(json!({"members": members}))
        }
        other => Err(CaseError::Unsupported(other.to_owned())),
    }
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "httpsig"
    }

    fn run(&self, case: &Case) -> CaseResult {
        run(case)
    }
}
