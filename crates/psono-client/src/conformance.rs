//! The conformance runner (feature `conformance`) for `vectors/psono-client.json`: Conformance API-key login, session transport, the key
//! chain and the server-side checks.

use std::collections::BTreeMap;

use crate::crypto::{BoxSecretKey, SecretKey, SigningSeed, VerifyKey, hex_encode};
use crate::login::{LoginUser, session_expired};
use crate::server::{self, SessionDevice};
use crate::transport::{EncryptedBody, authorization_validator};
use crate::{
    ApiKeyAccessSecret, EncryptedDatastore, EncryptedSecret, EncryptedShare, Error, LoginRequest,
    LoginResponse, Step, Timestamp, TreeWalker,
};
use serde_json::{Map, Value, json};

use keyauth_vectors::{Case, CaseError, CaseResult, Embedded, Input, Scheme};

/// The vector files this crate owns, compiled in.
pub const VECTORS: &[Embedded] = &[(
    "psono-client.json",
    include_str!("../vectors/psono-client.json"),
)];

/// psono-client.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conformance;

fn kind(e: Error) -> CaseError {
    CaseError::kind(e.code())
}

fn bad(why: &str) -> CaseError {
    CaseError::BadInput(why.to_owned())
}

fn obj<'a>(input: Input<'a>, field: &str) -> Result<&'a Value, CaseError> {
    input
        .get(field)
        .filter(|v| v.is_object())
        .ok_or_else(|| bad(field))
}

fn text(bytes: &[u8]) -> Result<String, CaseError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| CaseError::kind("invalid_json"))
}

fn time(input: Input<'_>, field: &'static str) -> Result<Timestamp, CaseError> {
    Timestamp::parse(input.str(field)?, field).map_err(kind)
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "psono-client"
    }

    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            "login_request" => login_request(input),
            "verify_login_request" => verify_login_request(input),
            "login_response" => login_response(input),
            "unlock_user_keys" => {
                let key = SecretKey::from_hex(input.str("api_key_secret_key")?).map_err(kind)?;
                let user = LoginUser::from_json(obj(input, "user")?).map_err(kind)?;
                let keys = user.unlock(&key).map_err(kind)?;
                Ok(json!({
                    "user_secret_key": *keys.secret_key.to_hex(),
                    "user_private_key": hex_encode(&*keys.private_key.to_bytes()),
                    "public_key_matches": keys.public_key_matches,
                }))
            }
            "transport_decrypt" => {
                let key = SecretKey::from_hex(input.str("session_secret_key")?).map_err(kind)?;
                let body = EncryptedBody::from_json(obj(input, "body")?).map_err(kind)?;
                let plain = body.open(&key).map_err(kind)?;
                let json: Value =
                    serde_json::from_slice(&plain).map_err(|_| CaseError::kind("invalid_json"))?;
                Ok(json!({"plaintext": text(&plain)?, "json": json}))
            }
            "transport_encrypt" => {
                let key = SecretKey::from_hex(input.str("session_secret_key")?).map_err(kind)?;
                let nonce = server::nonce_from_hex(input.str("nonce")?).map_err(kind)?;
                let body = EncryptedBody::seal_with_nonce(
                    &key,
                    &nonce,
                    input.opt_str("plaintext")?.unwrap_or("").as_bytes(),
                );
                Ok(json!({"body": {"text": body.text, "nonce": body.nonce}}))
            }
            "authorization_validator" => {
                let key = SecretKey::from_hex(input.str("session_secret_key")?).map_err(kind)?;
                let nonce = server::nonce_from_hex(input.str("nonce")?).map_err(kind)?;
                let h = authorization_validator(
                    &key,
                    &nonce,
                    input.str("request_time")?,
                    input.str("request_device_fingerprint")?,
                );
                Ok(json!({"plaintext": h.plaintext, "header": h.header}))
            }
            "validator_check" => validator_check(input),
            "open_datastore" => {
                let key = SecretKey::from_hex(input.str("user_secret_key")?).map_err(kind)?;
                let ds = EncryptedDatastore::from_json(obj(input, "datastore")?).map_err(kind)?;
                let opened = ds.open(&key).map_err(kind)?;
                Ok(json!({
                    "datastore_secret_key": *opened.key.to_hex(),
                    "content": opened.content.json().clone(),
                }))
            }
            "open_secret" => {
                let key = SecretKey::from_hex(input.str("secret_key")?).map_err(kind)?;
                let secret = EncryptedSecret::from_json(obj(input, "secret")?).map_err(kind)?;
                let data = secret.open(&key).map_err(kind)?;
                Ok(json!({"data": data.json().clone()}))
            }
            "read_tree" => read_tree(input),
            "api_key_access_secret" => {
                let key = SecretKey::from_hex(input.str("api_key_secret_key")?).map_err(kind)?;
                let resp = ApiKeyAccessSecret::from_json(obj(input, "response")?).map_err(kind)?;
                let (secret_key, data) = resp.open(&key).map_err(kind)?;
                Ok(json!({"secret_key": *secret_key.to_hex(), "data": data.json().clone()}))
            }
            "server_info" => server_info(input),
            "session_expired" => {
                let till = time(input, "session_valid_till")?;
                let now = time(input, "now")?;
                Ok(json!({"expired": session_expired(till, now)}))
            }
            "token_hash" => Ok(json!({"token_hash": server::token_hash(input.str("token")?)})),
            "secretbox_open" => {
                let key = SecretKey::from_hex(input.str("key")?).map_err(kind)?;
                let plain = key
                    .open_hex(input.str("text")?, input.str("nonce")?)
                    .map_err(kind)?;
                Ok(json!({"plaintext": text(&plain)?}))
            }
            other => Err(CaseError::Unsupported(other.into())),
        }
    }
}

fn login_request(input: Input<'_>) -> CaseResult {
    let seed = SigningSeed::from_hex(input.str("api_key_private_key")?).map_err(kind)?;
    let session = BoxSecretKey::from_hex(input.str("session_private_key")?).map_err(kind)?;
    let mut builder = LoginRequest::builder(input.str("api_key_id")?);
    if let Some(d) = input.opt_str("device_description")? {
        builder = builder.device_description(d);
    }
    if let Some(extra) = input.get("extra_info") {
        let extra = extra.as_object().ok_or_else(|| bad("extra_info"))?;
        for (k, v) in extra {
            builder = builder.extra_field(k.clone(), v.clone());
        }
    }
    let req = builder.build(&seed, session);
    Ok(json!({
        "session_public_key": req.session_public_key().to_hex(),
        "info": req.info(),
        "signature": req.signature(),
        "verify_key": seed.verify_key().to_hex(),
    }))
}

fn verify_login_request(input: Input<'_>) -> CaseResult {
    let vk = input.str("api_key_verify_key")?;
    let mut key_error = None;
    let verified =
        server::verify_login_request(input.str("info")?, input.str("signature")?, |_| {
            VerifyKey::from_hex(vk)
                .map_err(|e| key_error = Some(e))
                .ok()
        });
    let v = match (verified, key_error) {
        (Err(Error::UnknownApiKey), Some(e)) => return Err(kind(e)),
        (r, _) => r.map_err(kind)?,
    };
    Ok(json!({
        "api_key_id": v.api_key_id,
        "session_public_key": v.session_public_key.to_hex(),
        "session_duration": v.session_duration,
        "device_description": v.device_description,
        "device_fingerprint": v.device_fingerprint,
        "device_time": v.device_time,
    }))
}

fn login_response(input: Input<'_>) -> CaseResult {
    let response = LoginResponse::from_json(obj(input, "response")?).map_err(kind)?;
    let session = BoxSecretKey::from_hex(input.str("session_private_key")?).map_err(kind)?;
    let server_key = VerifyKey::from_hex(input.str("server_verify_key")?).map_err(kind)?;
    let info = response.open(&session, &server_key).map_err(kind)?;
    let mut user = Map::new();
    user.insert("username".into(), info.user.username.clone().into());
    user.insert("public_key".into(), info.user.public_key.clone().into());
    if let Some(k) = &info.user.keys {
        user.insert("private_key".into(), k.private_key.clone().into());
        user.insert(
            "private_key_nonce".into(),
            k.private_key_nonce.clone().into(),
        );
        user.insert("secret_key".into(), k.secret_key.clone().into());
        user.insert("secret_key_nonce".into(), k.secret_key_nonce.clone().into());
    }
    Ok(json!({
        "login_info": {
            "token": info.token().expose_secret(),
            "session_valid_till": info.session_valid_till_text(),
            "session_secret_key": *info.session_secret_key().to_hex(),
            "api_key_restrict_to_secrets": info.restrict_to_secrets,
            "api_key_allow_insecure_access": info.allow_insecure_access,
            "api_key_read": info.read,
            "api_key_write": info.write,
            "user": user,
        },
        "plaintext": text(info.expose_plaintext())?,
    }))
}

fn validator_check(input: Input<'_>) -> CaseResult {
    let token = input.obj("token")?;
    let client_date = match token.opt_str("client_date")? {
        Some(t) => Some(Timestamp::parse(t, "client_date").map_err(kind)?),
        None => None,
    };
    let session = SessionDevice {
        device_fingerprint: token
            .opt_str("device_fingerprint")?
            .unwrap_or("")
            .to_owned(),
        client_date,
        create_date: time(token, "create_date")?,
    };
    let key = SecretKey::from_hex(input.str("session_secret_key")?).map_err(kind)?;
    let header = input.opt_str("header")?.filter(|h| !h.is_empty());
    let out = server::check_validator(&session, &key, header, time(input, "now")?).map_err(kind)?;
    let mut o = json!({"ok": true, "validator_required": out.required});
    if let Some(d) = out.time_difference {
        o["time_difference_s"] = json!(d);
    }
    Ok(o)
}

fn read_tree(input: Input<'_>) -> CaseResult {
    let api_secret = SecretKey::from_hex(input.str("api_key_secret_key")?).map_err(kind)?;
    let user = LoginUser::from_json(obj(input, "user")?).map_err(kind)?;
    let keys = user.unlock(&api_secret).map_err(kind)?;
    let ds = EncryptedDatastore::from_json(obj(input, "datastore")?).map_err(kind)?;
    let opened = ds.open(&keys.secret_key).map_err(kind)?;
    let shares = input.get("shares").and_then(Value::as_object);
    let mut walker = TreeWalker::new(&opened.content).map_err(kind)?;
    while let Step::NeedShare(req) = walker.next_step().map_err(kind)? {
        let share = shares
            .and_then(|s| s.get(&req.share_id))
            .ok_or_else(|| CaseError::kind("unknown_share"))?;
        let share = EncryptedShare::from_json(share).map_err(kind)?;
        walker.provide_share(&share).map_err(kind)?;
    }
    let tree = walker.finish();
    let secrets_in = input.get("secrets").and_then(Value::as_object);
    let mut items = Vec::new();
    let mut secrets = BTreeMap::new();
    for e in &tree.entries {
        items.push(json!({"path": e.path, "type": e.kind, "secret_id": e.secret_id}));
        let (Some(id), Some(key)) = (&e.secret_id, &e.secret_key) else {
            continue;
        };
        if secrets.contains_key(id) {
            continue;
        }
        let secret = secrets_in
            .and_then(|s| s.get(id))
            .ok_or_else(|| CaseError::kind("unknown_secret"))?;
        let data = EncryptedSecret::from_json(secret)
            .and_then(|s| s.open(key))
            .map_err(kind)?;
        secrets.insert(id.clone(), data.json().clone());
    }
    Ok(json!({"items": items, "secrets": secrets, "shares_read": tree.shares_read}))
}

fn server_info(input: Input<'_>) -> CaseResult {
    let info = input.str("info")?;
    if let Some(sk) = input.opt_str("server_private_key")? {
        let seed = SigningSeed::from_hex(sk).map_err(kind)?;
        return Ok(json!({
            "signature": server::sign_info(info, &seed),
            "verify_key": seed.verify_key().to_hex(),
        }));
    }
    let pinned = VerifyKey::from_hex(input.str("verify_key")?).map_err(kind)?;
    let parsed = server::verify_info(info, input.str("signature")?, None, &pinned).map_err(kind)?;
    Ok(json!({"ok": true, "info": parsed}))
}
