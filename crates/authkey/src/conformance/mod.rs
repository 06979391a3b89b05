//! The conformance runners (feature `conformance`): [`Conformance`] for `vectors/authkey.json`
//! (mtpylon's `AuthKey` and `AuthKeyManager`, MTProto 2.0 message crypto, the handshake
//! values) and [`HandshakeConformance`] for `vectors/authkey-handshake.json` (the whole
//! auth-key exchange, see [`handshake`]).
//!
//! Manager sequences run on a fresh [`MemoryAuthKeyManager`], or with
//! [`Conformance::on_redis`] on a [`RedisAuthKeyManager`](crate::RedisAuthKeyManager) under a
//! key prefix of their own (deleted afterwards), so both stores meet the same vectors.

use crate::mtpylon::{self, KeyType};
use crate::{
    AuthKey, AuthKeyManager, Direction, Error, InnerMessage, KeyRef, MemoryAuthKeyManager,
};
use keyauth_core::encoding::hex_encode;
use serde_json::{Value, json};

use keyauth_vectors::{Case, CaseError, CaseResult, Embedded, Input, Scheme};

/// The vector files this crate owns, compiled in.
pub const VECTORS: &[Embedded] = &[
    ("authkey.json", include_str!("../../vectors/authkey.json")),
    (
        "authkey_extra.json",
        include_str!("../../vectors/authkey_extra.json"),
    ),
    (
        "authkey-handshake.json",
        include_str!("../../vectors/authkey-handshake.json"),
    ),
];

pub mod handshake;
mod replay;

pub use handshake::HandshakeConformance;

/// The runner for files of scheme `authkey`.
#[derive(Clone, Debug, Default)]
pub struct Conformance {
    #[cfg(feature = "redis")]
    redis: Option<keyauth_core::RedisOptions>,
}

impl Conformance {
    /// A runner whose manager sequences run on the Redis behind `options`.
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn on_redis(options: keyauth_core::RedisOptions) -> Self {
        Self {
            redis: Some(options),
        }
    }
}

fn kind(e: &Error) -> CaseError {
    CaseError::kind(e.code())
}

fn bad(why: impl Into<String>) -> CaseError {
    CaseError::BadInput(why.into())
}

fn array<const N: usize>(input: Input<'_>, field: &str) -> Result<[u8; N], CaseError> {
    input
        .hex(field)?
        .try_into()
        .map_err(|_| bad(format!("{field} is not {N} bytes")))
}

/// A key from raw 256 key bytes (`auth_key` fields of the crypto ops).
fn key_bytes(input: Input<'_>, field: &str) -> Result<AuthKey, CaseError> {
    AuthKey::from_slice(&input.hex(field)?).map_err(|e| kind(&e))
}

/// A key from the Python int given as hex (`value` fields).
fn key_int(input: Input<'_>, field: &str) -> Result<AuthKey, CaseError> {
    AuthKey::from_int_hex(input.str(field)?).map_err(|e| kind(&e))
}

fn direction(input: Input<'_>) -> Result<Direction, CaseError> {
    match input.str("direction")? {
        "client_to_server" => Ok(Direction::ClientToServer),
        "server_to_client" => Ok(Direction::ServerToClient),
        other => Err(bad(format!("unknown direction {other:?}"))),
    }
}

fn id_hex(id: u64) -> String {
    format!("{id:016x}")
}

/// A Python int (hex, optional '-') used as a key id: `None` when it cannot be a u64 id,
/// which mtpylon answers as "absent".
fn int_as_id(text: &str) -> Result<Option<u64>, CaseError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("not a hex int: {text:?}")));
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(Some(0));
    }
    if negative || significant.len() > 16 {
        return Ok(None);
    }
    u64::from_str_radix(significant, 16)
        .map(Some)
        .map_err(|_| bad("hex id"))
}

fn auth_key(input: Input<'_>) -> CaseResult {
    let key = key_int(input, "value")?;
    Ok(json!({
        "key_bytes": hex_encode(key.expose_secret()),
        "hash": hex_encode(&key.hash()),
        "id": id_hex(key.id()),
        "aux_hash": id_hex(key.aux_hash()),
        "id_u64": key.id().to_string(),
        "aux_hash_u64": key.aux_hash().to_string(),
        "le_key_id_u64": key.telethon_key_id().to_string(),
        "le_key_id_i64": key.tdlib_key_id().to_string(),
        "le_aux_hash_u64": key.telethon_aux_hash().to_string(),
    }))
}

/// One manager step: `Ok(result)` or `Err(error kind)`.
async fn step(manager: &dyn AuthKeyManager, step: Input<'_>) -> Result<Value, CaseError> {
    let call = step.str("call")?;
    let arg = step.obj("arg")?;
    let value = arg.str("value")?;
    let out = match (call, arg.str("kind")?) {
        // set_key(int) takes a key VALUE; set_key(AuthKey) the key.
        ("set_key", "int" | "auth_key") => {
            let key = AuthKey::from_int_hex(value).map_err(|e| kind(&e))?;
            manager.set_key(key).await.map(|()| Value::Null)
        }
        ("has_key", "auth_key") => {
            let key = AuthKey::from_int_hex(value).map_err(|e| kind(&e))?;
            manager.has_key(KeyRef::Key(&key)).await.map(Value::Bool)
        }
        ("has_key", "int") => match int_as_id(value)? {
            Some(id) => manager.has_key(KeyRef::Id(id)).await.map(Value::Bool),
            None => Ok(Value::Bool(false)),
        },
        ("get_key", "int") => match int_as_id(value)? {
            Some(id) => manager
                .get_key(id)
                .await
                .map(|key| json!({"value": key.to_int_hex().as_str(), "id": id_hex(key.id())})),
            None => Err(Error::AuthKeyDoesNotExist { id: 0 }),
        },
        // mtpylon's dict lookup with an AuthKey: the key's hash is computed (so invalid values
        // raise), then it never matches an int id.
        ("get_key", "auth_key") => {
            let key = AuthKey::from_int_hex(value).map_err(|e| kind(&e))?;
            Err(Error::AuthKeyDoesNotExist { id: key.id() })
        }
        ("del_key", "auth_key") => {
            let key = AuthKey::from_int_hex(value).map_err(|e| kind(&e))?;
            manager
                .del_key(KeyRef::Key(&key))
                .await
                .map(|()| Value::Null)
        }
        ("del_key", "int") => match int_as_id(value)? {
            Some(id) => manager.del_key(KeyRef::Id(id)).await.map(|()| Value::Null),
            None => Err(Error::AuthKeyDoesNotExist { id: 0 }),
        },
        (call, arg_kind) => return Err(bad(format!("unknown step {call}({arg_kind})"))),
    };
    out.map_err(|e| kind(&e))
}

async fn sequence(manager: &dyn AuthKeyManager, input: Input<'_>) -> Result<Vec<Value>, CaseError> {
    let steps = input.array("steps")?;
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        match step(manager, Input(s)).await {
            Ok(result) => out.push(json!({"result": result})),
            Err(CaseError::Kind(k)) => out.push(json!({"error": k})),
            Err(other) => return Err(other),
        }
    }
    Ok(out)
}

fn final_ids(ids: Vec<u64>) -> Vec<String> {
    ids.into_iter().map(id_hex).collect()
}

impl Conformance {
    fn manager(&self, input: Input<'_>) -> CaseResult {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(format!("tokio runtime: {e}")))?;
        #[cfg(feature = "redis")]
        if let Some(options) = &self.redis {
            return rt.block_on(redis_sequence(options, input));
        }
        let manager = MemoryAuthKeyManager::new();
        let out = rt.block_on(sequence(&manager, input))?;
        Ok(json!({"steps": out, "final_ids": final_ids(manager.ids())}))
    }
}

/// One sequence on Redis under a prefix no other run uses; its keys are deleted afterwards.
#[cfg(feature = "redis")]
async fn redis_sequence(options: &keyauth_core::RedisOptions, input: Input<'_>) -> CaseResult {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUN: AtomicU64 = AtomicU64::new(0);
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let prefix = format!(
        "keyauth:conformance:authkey:{}:{since_epoch}:{}:",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    );
    let unavailable = |e: Error| bad(format!("redis: {e}"));
    let manager = crate::RedisAuthKeyManager::new(options)
        .map_err(unavailable)?
        .with_prefix(prefix);
    let out = sequence(&manager, input).await?;
    let ids = manager.ids().await.map_err(unavailable)?;
    for id in &ids {
        manager
            .del_key(KeyRef::Id(*id))
            .await
            .map_err(unavailable)?;
    }
    Ok(json!({"steps": out, "final_ids": final_ids(ids)}))
}

fn encrypt(input: Input<'_>) -> CaseResult {
    let key = key_bytes(input, "auth_key")?;
    let dir = direction(input)?;
    let packet = key
        .encrypt_with_padding(dir, &input.hex("plaintext")?, &input.hex("padding")?)
        .map_err(|e| kind(&e))?;
    let (header, encrypted) = packet.split_at(crate::mtproto::HEADER_LEN);
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&header[8..24]);
    let kiv = crate::mtproto::derive_aes_key_iv(&key, &msg_key, dir);
    Ok(json!({
        "auth_key_id": hex_encode(&header[..8]),
        "msg_key": hex_encode(&msg_key),
        "aes_key": hex_encode(kiv.key()),
        "aes_iv": hex_encode(kiv.iv()),
        "encrypted_data": hex_encode(encrypted),
        "packet": hex_encode(&packet),
    }))
}

fn decrypt(input: Input<'_>) -> CaseResult {
    let key = key_bytes(input, "auth_key")?;
    let plaintext = key
        .decrypt(direction(input)?, &input.hex("packet")?)
        .map_err(|e| kind(&e))?;
    let inner = match InnerMessage::parse(&plaintext) {
        Ok(m) => json!({
            "salt": m.salt.to_string(),
            "session_id": m.session_id.to_string(),
            "msg_id": m.msg_id.to_string(),
            "seq_no": m.seq_no,
            "message_data_length": m.message_data.len(),
            "message_data": hex_encode(m.message_data),
            "padding_length": m.padding_len,
        }),
        Err(_) => Value::Null,
    };
    Ok(json!({"plaintext": hex_encode(&plaintext), "inner": inner}))
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "authkey"
    }

    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            "auth_key" => auth_key(input),
            "manager" => self.manager(input),
            "mtproto2_kdf" => {
                let key = key_bytes(input, "auth_key")?;
                let kiv = crate::mtproto::derive_aes_key_iv(
                    &key,
                    &array(input, "msg_key")?,
                    direction(input)?,
                );
                Ok(json!({"aes_key": hex_encode(kiv.key()), "aes_iv": hex_encode(kiv.iv())}))
            }
            "mtproto2_encrypt" => encrypt(input),
            "mtproto2_decrypt" => decrypt(input),
            "mtpylon_get_msg_key" => {
                let key = key_int(input, "value")?;
                let data = input.hex("data")?;
                let quirk = mtpylon::get_msg_key(&key, &data).map_err(|e| kind(&e))?;
                // The spec's windows over the 256-byte key, for comparison.
                let x0 = crate::mtproto::msg_key(&key, &data, Direction::ClientToServer);
                let x8 = crate::mtproto::msg_key(&key, &data, Direction::ServerToClient);
                Ok(json!({
                    "msg_key": hex_encode(&quirk),
                    "spec_msg_key_x0": hex_encode(&x0),
                    "spec_msg_key_x8": hex_encode(&x8),
                }))
            }
            "mtpylon_generate_key_iv" => {
                let key = key_int(input, "value")?;
                let msg_key = array(input, "msg_key")?;
                let (key_type, dir) = match input.opt_str("key_type")?.unwrap_or("server") {
                    "server" => (KeyType::Server, Direction::ServerToClient),
                    "client" => (KeyType::Client, Direction::ClientToServer),
                    other => return Err(bad(format!("unknown key_type {other:?}"))),
                };
                let quirk =
                    mtpylon::generate_key_iv(&key, &msg_key, key_type).map_err(|e| kind(&e))?;
                let spec = crate::mtproto::derive_aes_key_iv(&key, &msg_key, dir);
                Ok(json!({
                    "key": hex_encode(quirk.key()),
                    "iv": hex_encode(quirk.iv()),
                    "spec_aes_key": hex_encode(spec.key()),
                    "spec_aes_iv": hex_encode(spec.iv()),
                }))
            }
            "new_nonce_hash" => {
                let key = key_bytes(input, "auth_key")?;
                let number = u8::try_from(input.u64("number")?).map_err(|_| bad("number"))?;
                let hash = key.new_nonce_hash(&array(input, "new_nonce")?, number);
                Ok(json!({"new_nonce_hash": hex_encode(&hash)}))
            }
            "server_salt" => {
                let salt =
                    crate::server_salt(&array(input, "new_nonce")?, &array(input, "server_nonce")?);
                Ok(json!({
                    "salt": hex_encode(&salt),
                    "salt_i64": i64::from_le_bytes(salt).to_string(),
                    "mtpylon_salt_int": u64::from_le_bytes(salt).to_string(),
                }))
            }
            "tmp_aes_key_iv" => {
                let kiv = crate::tmp_aes_key_iv(
                    &array(input, "server_nonce")?,
                    &array(input, "new_nonce")?,
                );
                Ok(json!({
                    "tmp_aes_key": hex_encode(kiv.key()),
                    "tmp_aes_iv": hex_encode(kiv.iv()),
                }))
            }
            other => Err(CaseError::Unsupported(other.into())),
        }
    }
}
