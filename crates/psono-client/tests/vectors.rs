//! The PyNaCl-generated vectors, hermetically (`include_str!`), for the client-side ops;
//! `cargo xtask vectors` runs every op of the file through the keyauth-vectors runner.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use psono_client::crypto::hex_encode;
use psono_client::login::LoginUser;
use psono_client::server::{nonce_from_hex, token_hash};
use psono_client::{
    ApiKeyAccessSecret, BoxSecretKey, EncryptedBody, EncryptedDatastore, EncryptedSecret, Error,
    LoginRequest, LoginResponse, SecretKey, SigningSeed, VerifyKey,
};
use serde_json::Value;

const FILE: &str = include_str!("../../../vectors/psono-client.json");

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k}"))
}

fn check(name: &str, expect: &Value, got: Result<Vec<(&str, Value)>, Error>) {
    match (expect.get("error"), got) {
        (Some(kind), Err(e)) => assert_eq!(kind, e.code(), "{name}"),
        (Some(kind), Ok(v)) => panic!("{name}: expected {kind}, got {v:?}"),
        (None, Err(e)) => panic!("{name}: unexpected error {e:?}"),
        (None, Ok(fields)) => {
            for (k, v) in fields {
                assert_eq!(expect[k], v, "{name}: field {k}");
            }
        }
    }
}

#[test]
fn client_side_vectors() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let mut ran = 0;
    for case in file["cases"].as_array().unwrap() {
        let (name, input, expect) = (s(case, "name"), &case["input"], &case["expect"]);
        let got: Result<Vec<(&str, Value)>, Error> = match s(case, "op") {
            "login_request" if input.get("extra_info").is_none() => (|| {
                let seed = SigningSeed::from_hex(s(input, "api_key_private_key"))?;
                let req = LoginRequest::builder(s(input, "api_key_id"))
                    .device_description(s(input, "device_description"))
                    .build(
                        &seed,
                        BoxSecretKey::from_hex(s(input, "session_private_key"))?,
                    );
                Ok(vec![
                    ("info", req.info().into()),
                    ("signature", req.signature().into()),
                    (
                        "session_public_key",
                        req.session_public_key().to_hex().into(),
                    ),
                    ("verify_key", seed.verify_key().to_hex().into()),
                ])
            })(),
            "login_response" => (|| {
                let resp = LoginResponse::from_json(&input["response"])?;
                let info = resp.open(
                    &BoxSecretKey::from_hex(s(input, "session_private_key"))?,
                    &VerifyKey::from_hex(s(input, "server_verify_key"))?,
                )?;
                Ok(vec![(
                    "plaintext",
                    String::from_utf8(info.expose_plaintext().to_vec())
                        .unwrap()
                        .into(),
                )])
            })(),
            "unlock_user_keys" => (|| {
                let keys = LoginUser::from_json(&input["user"])?
                    .unlock(&SecretKey::from_hex(s(input, "api_key_secret_key"))?)?;
                Ok(vec![
                    (
                        "user_secret_key",
                        keys.secret_key.to_hex().to_string().into(),
                    ),
                    (
                        "user_private_key",
                        hex_encode(&*keys.private_key.to_bytes()).into(),
                    ),
                ])
            })(),
            "transport_decrypt" => (|| {
                let body = EncryptedBody::from_json(&input["body"])?;
                let json = body.open_json(&SecretKey::from_hex(s(input, "session_secret_key"))?)?;
                Ok(vec![("json", json)])
            })(),
            "transport_encrypt" => (|| {
                let body = EncryptedBody::seal_with_nonce(
                    &SecretKey::from_hex(s(input, "session_secret_key"))?,
                    &nonce_from_hex(s(input, "nonce"))?,
                    s(input, "plaintext").as_bytes(),
                );
                Ok(vec![(
                    "body",
                    serde_json::json!({"text": body.text, "nonce": body.nonce}),
                )])
            })(),
            "open_datastore" => (|| {
                let ds = EncryptedDatastore::from_json(&input["datastore"])?
                    .open(&SecretKey::from_hex(s(input, "user_secret_key"))?)?;
                Ok(vec![("content", ds.content.json().clone())])
            })(),
            "open_secret" => (|| {
                let data = EncryptedSecret::from_json(&input["secret"])?
                    .open(&SecretKey::from_hex(s(input, "secret_key"))?)?;
                Ok(vec![("data", data.json().clone())])
            })(),
            "api_key_access_secret" => (|| {
                let (_, data) = ApiKeyAccessSecret::from_json(&input["response"])?
                    .open(&SecretKey::from_hex(s(input, "api_key_secret_key"))?)?;
                Ok(vec![("data", data.json().clone())])
            })(),
            "secretbox_open" => (|| {
                let plain = SecretKey::from_hex(s(input, "key"))?
                    .open_hex(s(input, "text"), s(input, "nonce"))?;
                Ok(vec![(
                    "plaintext",
                    String::from_utf8(plain.to_vec()).unwrap().into(),
                )])
            })(),
            "token_hash" => Ok(vec![("token_hash", token_hash(s(input, "token")).into())]),
            _ => continue,
        };
        check(name, expect, got);
        ran += 1;
    }
    assert!(ran >= 23, "ran {ran}");
}
