//! The vendored vectors (`vectors/authkey.json`) against the crate directly: key forms,
//! encryption, decryption, and every manager sequence on the memory manager and, when a Redis
//! is available (`KEYAUTH_REDIS_URL`), on `RedisAuthKeyManager`.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use authkey::{AuthKey, AuthKeyManager, Direction, Error, KeyRef, MemoryAuthKeyManager};
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../../../vectors/authkey.json");

fn cases(op: &str) -> Vec<Value> {
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(file["scheme"], "authkey");
    let cases: Vec<Value> = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == op)
        .cloned()
        .collect();
    assert!(!cases.is_empty(), "no {op} cases");
    cases
}

fn hex(v: &Value) -> Vec<u8> {
    keyauth_core::encoding::hex_decode(v.as_str().unwrap()).unwrap()
}

fn dir(v: &Value) -> Direction {
    match v.as_str().unwrap() {
        "client_to_server" => Direction::ClientToServer,
        "server_to_client" => Direction::ServerToClient,
        other => panic!("direction {other}"),
    }
}

#[test]
fn auth_key_forms() {
    for case in cases("auth_key") {
        let name = &case["name"];
        let got = AuthKey::from_int_hex(case["input"]["value"].as_str().unwrap());
        let expect = &case["expect"];
        match (got, expect.get("error")) {
            (Ok(key), None) => {
                assert_eq!(
                    key.expose_secret().to_vec(),
                    hex(&expect["key_bytes"]),
                    "{name}"
                );
                assert_eq!(key.hash().to_vec(), hex(&expect["hash"]), "{name}");
                assert_eq!(key.id().to_string(), expect["id_u64"], "{name}");
                assert_eq!(key.aux_hash().to_string(), expect["aux_hash_u64"], "{name}");
                assert_eq!(
                    key.telethon_key_id().to_string(),
                    expect["le_key_id_u64"],
                    "{name}"
                );
                assert_eq!(
                    key.tdlib_key_id().to_string(),
                    expect["le_key_id_i64"],
                    "{name}"
                );
                assert_eq!(
                    key.telethon_aux_hash().to_string(),
                    expect["le_aux_hash_u64"],
                    "{name}"
                );
                assert_eq!(key.key_id_bytes().to_vec(), hex(&expect["id"]), "{name}");
                // Every form gives back the same key.
                assert_eq!(AuthKey::from_be_int(key.expose_secret()).unwrap(), key);
                assert_eq!(AuthKey::from_int_hex(&key.to_int_hex()).unwrap(), key);
            }
            (Err(e), Some(kind)) => assert_eq!(e.vector_kind(), kind, "{name}"),
            (got, _) => panic!("{name}: got {got:?}, expected {expect}"),
        }
    }
}

#[test]
fn encrypt_and_decrypt() {
    for case in cases("mtproto2_encrypt") {
        let (name, input, expect) = (&case["name"], &case["input"], &case["expect"]);
        let key = AuthKey::from_slice(&hex(&input["auth_key"])).unwrap();
        let direction = dir(&input["direction"]);
        let got = key.encrypt_with_padding(
            direction,
            &hex(&input["plaintext"]),
            &hex(&input["padding"]),
        );
        match (got, expect.get("error")) {
            (Ok(packet), None) => {
                assert_eq!(packet, hex(&expect["packet"]), "{name}");
                // And back, with the padding.
                let mut plain = hex(&input["plaintext"]);
                plain.extend(hex(&input["padding"]));
                assert_eq!(*key.decrypt(direction, &packet).unwrap(), plain, "{name}");
            }
            (Err(e), Some(kind)) => assert_eq!(e.vector_kind(), kind, "{name}"),
            (got, _) => panic!("{name}: got {got:?}, expected {expect}"),
        }
    }
    for case in cases("mtproto2_decrypt") {
        let (name, input, expect) = (&case["name"], &case["input"], &case["expect"]);
        let key = AuthKey::from_slice(&hex(&input["auth_key"])).unwrap();
        let got = key.decrypt(dir(&input["direction"]), &hex(&input["packet"]));
        match (got, expect.get("error")) {
            (Ok(plain), None) => assert_eq!(*plain, hex(&expect["plaintext"]), "{name}"),
            (Err(e), Some(kind)) => assert_eq!(e.vector_kind(), kind, "{name}"),
            (got, _) => panic!("{name}: got {:?}, expected {expect}", got.map(|p| p.len())),
        }
    }
}

/// mtpylon's argument handling: `set_key(int)` takes a value, the other calls take an id; an
/// int that cannot be an id is absent.
fn int_as_id(text: &str) -> Option<u64> {
    match text.strip_prefix('-') {
        Some(rest) if rest.trim_start_matches('0').is_empty() => Some(0),
        Some(_) => None,
        None => {
            let sig = text.trim_start_matches('0');
            if sig.len() > 16 {
                None
            } else {
                Some(u64::from_str_radix(if sig.is_empty() { "0" } else { sig }, 16).unwrap())
            }
        }
    }
}

async fn run_step(m: &dyn AuthKeyManager, step: &Value) -> Result<Value, Error> {
    let call = step["call"].as_str().unwrap();
    let kind = step["arg"]["kind"].as_str().unwrap();
    let value = step["arg"]["value"].as_str().unwrap();
    match (call, kind) {
        ("set_key", _) => m
            .set_key(AuthKey::from_int_hex(value)?)
            .await
            .map(|()| Value::Null),
        ("has_key", "auth_key") => {
            let key = AuthKey::from_int_hex(value)?;
            m.has_key(KeyRef::Key(&key)).await.map(Value::Bool)
        }
        ("has_key", _) => match int_as_id(value) {
            Some(id) => m.has_key(id.into()).await.map(Value::Bool),
            None => Ok(Value::Bool(false)),
        },
        ("get_key", "int") => {
            let id = int_as_id(value).ok_or(Error::AuthKeyDoesNotExist { id: 0 })?;
            let key = m.get_key(id).await?;
            Ok(json!({"value": key.to_int_hex().as_str(), "id": format!("{:016x}", key.id())}))
        }
        ("del_key", "auth_key") => {
            let key = AuthKey::from_int_hex(value)?;
            m.del_key((&key).into()).await.map(|()| Value::Null)
        }
        ("del_key", _) => {
            let id = int_as_id(value).ok_or(Error::AuthKeyDoesNotExist { id: 0 })?;
            m.del_key(id.into()).await.map(|()| Value::Null)
        }
        other => panic!("step {other:?}"),
    }
}

async fn run_sequence(m: &dyn AuthKeyManager, case: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for step in case["input"]["steps"].as_array().unwrap() {
        out.push(match run_step(m, step).await {
            Ok(v) => json!({"result": v}),
            Err(e) => json!({"error": e.vector_kind()}),
        });
    }
    out
}

fn final_ids(ids: Vec<u64>) -> Value {
    json!(
        ids.into_iter()
            .map(|id| format!("{id:016x}"))
            .collect::<Vec<_>>()
    )
}

#[tokio::test]
async fn manager_sequences_on_memory() {
    for case in cases("manager") {
        let m = MemoryAuthKeyManager::new();
        let steps = run_sequence(&m, &case).await;
        assert_eq!(json!(steps), case["expect"]["steps"], "{}", case["name"]);
        assert_eq!(
            final_ids(m.ids()),
            case["expect"]["final_ids"],
            "{}",
            case["name"]
        );
    }
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_sequences_on_redis() {
    use authkey::RedisAuthKeyManager;
    use keyauth_core::RedisOptions;
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let run = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    for (i, case) in cases("manager").iter().enumerate() {
        let m = RedisAuthKeyManager::new(&RedisOptions::new(url.clone()))
            .unwrap()
            .with_prefix(format!("test:authkey:vectors:{run}:{i}:"));
        let steps = run_sequence(&m, case).await;
        assert_eq!(json!(steps), case["expect"]["steps"], "{}", case["name"]);
        let ids = m.ids().await.unwrap();
        assert_eq!(
            final_ids(ids.clone()),
            case["expect"]["final_ids"],
            "{}",
            case["name"]
        );
        for id in ids {
            m.del_key(id.into()).await.unwrap();
        }
    }
}
