//! The upstream vectors (`vectors/hmac-auth.json`, generated with flaskhmac 1.2.1 / 1.1.2),
//! run directly against the crate API: every `make_hmac`, `make_hmac_for`,
//! `validate_signature` and `validate_service_signature` case. (The `http` cases and the
//! lazy-key emulation live in the workspace runner, `cargo xtask vectors`.) Each passing
//! signature is also tampered and must then fail.
#![allow(clippy::unwrap_used)]

use hmac_auth::{Error, Hmac, Key, Only};
use keyauth_core::Base64;
use keyauth_core::encoding::{hex_decode, hex_encode};
use serde_json::Value;

/// The upstream file, and ours of malformed service tokens (same format, generated with the
/// real flaskhmac 1.2.1 and 1.1.2 by `tools/gen_service_token_vectors.py`), with the number
/// of non-http cases each must run.
const FILES: [(&str, &str, usize); 2] = [
    (
        "hmac-auth.json",
        include_str!("../../../vectors/hmac-auth.json"),
        28,
    ),
    (
        "hmac-auth_service_tokens.json",
        include_str!("../vectors/hmac-auth_service_tokens.json"),
        62,
    ),
];

/// The configuration, or the error building it (a key that is not latin-1).
fn config(c: &Value, legacy: bool) -> Result<Hmac, Error> {
    let mut b = Hmac::builder();
    match c.get("HMAC_KEY").and_then(Value::as_str) {
        Some(k) => b = b.key(Key::latin1(k)?),
        None if legacy => b = b.key(Key::from_bytes(b"")),
        None => {}
    }
    match c.get("HMAC_KEYS").and_then(Value::as_object) {
        Some(keys) => {
            let mut services = Vec::new();
            for (n, k) in keys {
                services.push((n.clone(), Key::latin1(k.as_str().unwrap())?));
            }
            b = b.services(services);
        }
        None if legacy => b = b.services(Vec::<(String, Key)>::new()),
        None => {}
    }
    Ok(b.disarm(
        c.get("HMAC_DISARM")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    )
    .build())
}

fn request(r: &Value) -> http::Request<Vec<u8>> {
    let mut b = http::Request::builder()
        .method(r["method"].as_str().unwrap())
        .uri(r["path"].as_str().unwrap());
    for pair in r["headers"].as_array().unwrap() {
        let value: Vec<u8> = pair[1]
            .as_str()
            .unwrap()
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        b = b.header(pair[0].as_str().unwrap(), value);
    }
    b.body(hex_decode(r["body_hex"].as_str().unwrap()).unwrap())
        .unwrap()
}

fn data(input: &Value) -> Vec<u8> {
    match (input.get("data"), input.get("data_hex")) {
        (Some(Value::String(s)), _) => s.as_bytes().to_vec(),
        (_, Some(Value::String(h))) => hex_decode(h).unwrap(),
        _ => Vec::new(),
    }
}

#[test]
fn upstream_vectors() {
    for (file_name, text, count) in FILES {
        run_file(file_name, text, count);
    }
}

fn run_file(file_name: &str, text: &str, count: usize) {
    let file: Value = serde_json::from_str(text).unwrap();
    let mut ran = 0;
    for case in file["cases"].as_array().unwrap() {
        let (name, op, input, expect) = (
            &case["name"],
            case["op"].as_str().unwrap(),
            &case["input"],
            &case["expect"],
        );
        let want_err = expect.get("error").and_then(Value::as_str);
        let got: Result<Value, Error> = match op {
            "make_hmac" => config(&input["config"], false).and_then(|h| {
                let sig = match input.get("key").and_then(Value::as_str) {
                    Some(k) => h.make_hmac_with_key(&data(input), &Key::latin1(k)?)?,
                    None => h.make_hmac(&data(input))?,
                };
                let mac = hex_encode(&Base64::Standard.decode(&sig).unwrap());
                Ok(serde_json::json!({"signature": sig, "mac_hex": mac}))
            }),
            "make_hmac_for" => config(&input["config"], false).and_then(|h| {
                let token = h.make_hmac_for(input["name"].as_str().unwrap(), &data(input))?;
                let plain = hex_encode(&Base64::Standard.decode(&token).unwrap());
                Ok(serde_json::json!({"signature": token, "plain_hex": plain}))
            }),
            "validate_signature" => config(&input["config"], false).and_then(|h| {
                let only = match input.get("only") {
                    Some(Value::Array(a)) => {
                        Some(Only::names(a.iter().map(|v| v.as_str().unwrap())))
                    }
                    Some(Value::String(s)) => Some(Only::Substring(s.clone())),
                    _ => None,
                };
                let req = request(&input["request"]);
                h.validate_signature(&req, only.as_ref())?;
                // Tampering with the body must break a signature that held.
                if !req.body().is_empty() {
                    let mut t = req.clone();
                    t.body_mut()[0] ^= 1;
                    assert!(
                        h.validate_signature(&t, only.as_ref()).is_err(),
                        "{name}: tampered body passes"
                    );
                }
                Ok(serde_json::json!({"valid": true}))
            }),
            "validate_service_signature" => config(&input["config"], true).and_then(|h| {
                h.validate_service_signature(&request(&input["request"]))?;
                Ok(serde_json::json!({"valid": true}))
            }),
            _ => continue,
        };
        ran += 1;
        match (got, want_err) {
            (Ok(out), None) => {
                for (k, v) in expect.as_object().unwrap() {
                    assert_eq!(&out[k], v, "{name}: field {k}");
                }
            }
            (Err(e), Some(want)) => assert_eq!(e.code(), want, "{name}"),
            (got, _) => panic!("{name}: expected {expect}, got {got:?}"),
        }
    }
    assert_eq!(ran, count, "{file_name}: every non-http case ran");
}
