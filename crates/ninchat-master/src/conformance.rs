//! The conformance runner (feature `conformance`) for `vectors/ninchat-master.json`: Conformance master-key signatures, secure metadata,
//! and keyauth's verifier for both.
//!
//! Object key order in `metadata` and attribute values is significant (it is what Python
//! hashed), so this runner needs serde_json's `preserve_order` (enabled by the `ninchat`
//! feature) to see the file's order in `Case::input`.

use std::sync::Arc;

use crate::{Call, Error, Expire, Format, Grant, Json, MasterKey, Nonce, Signer, Verifier};
use keyauth_core::{FixedClock, UnixTime};
use serde_json::{Value, json};

use keyauth_vectors::{Case, CaseError, CaseResult, Embedded, Input, Scheme};

/// The vector files this crate owns, compiled in.
pub const VECTORS: &[Embedded] = &[
    (
        "ninchat-master.json",
        include_str!("../vectors/ninchat-master.json"),
    ),
    (
        "ninchat-master_extra.json",
        include_str!("../vectors/ninchat-master_extra.json"),
    ),
];

/// ninchat-master.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conformance;

fn kind(e: &Error) -> CaseError {
    CaseError::kind(e.code())
}

fn bad(why: &str) -> CaseError {
    CaseError::BadInput(why.into())
}

fn key(input: Input<'_>) -> Result<MasterKey, CaseError> {
    let k = input.obj("key")?;
    MasterKey::new(k.str("id")?, k.str("secret")?).map_err(|e| kind(&e))
}

/// The verifier's keys: `key`, or a `keys` list of `{id, secret}` (a verifier may hold several).
fn keys(input: Input<'_>) -> Result<Vec<MasterKey>, CaseError> {
    match input.get("keys") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|k| {
                let k = Input(k);
                MasterKey::new(k.str("id")?, k.str("secret")?).map_err(|e| kind(&e))
            })
            .collect(),
        _ => Ok(vec![key(input)?]),
    }
}

fn format(input: Input<'_>) -> Result<Format, CaseError> {
    match input.opt_str("format")? {
        None | Some("legacy" | "released") => Ok(Format::Released),
        Some("urlsafe") => Ok(Format::UrlSafe),
        Some(other) => Err(bad(&format!("unknown format {other:?}"))),
    }
}

/// An int stays an int, a float a float (signatures truncate, secure metadata does not).
fn expire(input: Input<'_>) -> Result<Expire, CaseError> {
    match input.get("expire") {
        Some(Value::Number(n)) => Ok(if let Some(i) = n.as_i64() {
            Expire::Int(i)
        } else if n.as_u64().is_some() {
            Expire::Int(i64::MAX)
        } else {
            Expire::Float(n.as_f64().ok_or_else(|| bad("expire"))?)
        }),
        _ => Err(bad("expire is not a number")),
    }
}

fn expire_json(e: Expire) -> Value {
    match e {
        Expire::Int(i) => json!(i),
        Expire::Float(f) => json!(f),
    }
}

/// `[[name, value], ...]` (or an object, read as its pairs); absent or null means none.
fn attrs<'a>(input: Input<'a>, field: &str) -> Result<Vec<(&'a str, Json)>, CaseError> {
    match input.get(field) {
        None => Ok(Vec::new()),
        Some(Value::Array(pairs)) => pairs
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([Value::String(name), value]) => Ok((name.as_str(), Json::from(value))),
                _ => Err(bad(&format!("{field}: not a [name, value] pair"))),
            })
            .collect(),
        Some(Value::Object(m)) => Ok(m.iter().map(|(k, v)| (k.as_str(), Json::from(v))).collect()),
        Some(_) => Err(bad(&format!("{field}: not a list of pairs"))),
    }
}

fn now(input: Input<'_>) -> Result<FixedClock, CaseError> {
    Ok(FixedClock::new(UnixTime::new(input.u64("now")?)))
}

fn sign(op: &str, input: Input<'_>) -> CaseResult {
    let key = key(input)?;
    let clock = now(input)?;
    let nonce = Nonce::from_int(input.u64("nonce_int")?);
    let puppet_attrs = attrs(input, "puppet_attrs")?;
    let member_attrs = attrs(input, "member_attrs")?;
    let grant = match op {
        "sign_create_session" => Grant::CreateSession {
            puppet_attrs: &puppet_attrs,
        },
        "sign_create_session_for_user" => Grant::CreateSessionForUser {
            user_id: input.str("user_id")?,
        },
        "sign_join_channel" => Grant::JoinChannel {
            channel_id: input.str("channel_id")?,
            member_attrs: &member_attrs,
        },
        _ => Grant::JoinChannelForUser {
            channel_id: input.str("channel_id")?,
            user_id: input.str("user_id")?,
            member_attrs: &member_attrs,
        },
    };
    let signed = Signer::new(&key)
        .clock(std::sync::Arc::new(clock))
        .format(format(input)?)
        .sign_with_nonce(&grant, expire(input)?, &nonce)
        .map_err(|e| kind(&e))?;
    Ok(json!({
        "signature": signed.signature,
        "canonical_json": signed.canonical_json,
        "nonce": signed.nonce,
    }))
}

fn secure(op: &str, input: Input<'_>) -> CaseResult {
    let key = key(input)?;
    let clock = now(input)?;
    let iv: [u8; 16] = input
        .hex("iv_hex")?
        .try_into()
        .map_err(|_| bad("iv_hex is not 16 bytes"))?;
    let metadata = input.0.get("metadata").map(Json::from).unwrap_or_default();
    let user_id = match op {
        "secure_metadata_for_user" => Some(input.str("user_id")?),
        _ => None,
    };
    let sealed = Signer::new(&key)
        .clock(std::sync::Arc::new(clock))
        .format(format(input)?)
        .seal_json(expire(input)?, &metadata, user_id, &iv)
        .map_err(|e| kind(&e))?;
    Ok(json!({
        "value": sealed.value,
        "plaintext_json": sealed.plaintext_json,
        "padded_len": sealed.padded_len,
    }))
}

fn verify(input: Input<'_>) -> CaseResult {
    let keys = keys(input)?;
    let clock = Arc::new(now(input)?);
    let params = input.obj("params").unwrap_or(Input(&Value::Null));
    let (call, attrs) = match input.str("action")? {
        "create_session" => (Call::create_session(), attrs(params, "puppet_attrs")?),
        "join_channel" => match params.opt_str("channel_id")? {
            Some(c) => (Call::join_channel(c), attrs(params, "member_attrs")?),
            None => return Err(CaseError::kind("malformed")),
        },
        _ => return Err(CaseError::kind("malformed")),
    };
    let mut call = call.attrs(&attrs);
    if let Some(u) = params.opt_str("user_id")? {
        call = call.user_id(u);
    }
    let verifier = Verifier::new(keys).clock(clock);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| bad(&format!("tokio runtime: {e}")))?;
    let signature = input.str("signature")?;
    let verified = rt
        .block_on(verifier.verify(signature, &call))
        .map_err(|e| kind(&e))?;
    Ok(json!({"ok": true, "expire": verified.expire.as_secs()}))
}

fn open(input: Input<'_>) -> CaseResult {
    let keys = keys(input)?;
    let now = UnixTime::new(input.u64("now")?);
    let opened = Verifier::new(keys)
        .open_secure_metadata_at(input.str("value")?, input.opt_str("user_id")?, now)
        .map_err(|e| kind(&e))?;
    Ok(json!({
        "metadata": Value::from(&opened.metadata),
        "expire": expire_json(opened.expire),
    }))
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "ninchat-master"
    }

    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            op @ ("sign_create_session"
            | "sign_create_session_for_user"
            | "sign_join_channel"
            | "sign_join_channel_for_user") => sign(op, input),
            op @ ("secure_metadata" | "secure_metadata_for_user") => secure(op, input),
            "verify" => verify(input),
            "open_secure_metadata" => open(input),
            other => Err(CaseError::Unsupported(other.into())),
        }
    }
}
