//! The vectors generated with the Python library (`vectors/ninchat-master.json`), run through
//! the public API. The file is parsed into `Json`, which keeps object key order whatever
//! serde_json's features, so this test does not depend on `preserve_order`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use keyauth_core::{ExpiryError, FixedClock, UnixTime};
use ninchat_master::{
    Call, Error, Expire, Format, Grant, Json, MasterKey, Nonce, Signer, Verifier,
};

const FILE: &str = include_str!("../../../vectors/ninchat-master.json");
const EXTRA: &str = include_str!("../../../vectors/ninchat-master_extra.json");

fn field<'a>(v: &'a Json, k: &str) -> Option<&'a Json> {
    v.get(k).filter(|v| **v != Json::Null)
}

fn s<'a>(v: &'a Json, k: &str) -> &'a str {
    match field(v, k) {
        Some(Json::String(s)) => s,
        other => panic!("{k}: {other:?}"),
    }
}

fn int(v: &Json, k: &str) -> u64 {
    match field(v, k) {
        Some(Json::Int(i)) => u64::try_from(*i).unwrap(),
        other => panic!("{k}: {other:?}"),
    }
}

fn expire(v: &Json) -> Expire {
    match field(v, "expire") {
        Some(Json::Int(i)) => Expire::Int(i64::try_from(*i).unwrap()),
        Some(Json::Float(f)) => Expire::Float(*f),
        other => panic!("expire: {other:?}"),
    }
}

fn attrs<'a>(v: &'a Json, k: &str) -> Vec<(&'a str, Json)> {
    match field(v, k) {
        None => vec![],
        Some(Json::Array(pairs)) => pairs
            .iter()
            .map(|p| match p {
                Json::Array(nv) => match nv.as_slice() {
                    [Json::String(n), v] => (n.as_str(), v.clone()),
                    _ => panic!("pair {p:?}"),
                },
                _ => panic!("pair {p:?}"),
            })
            .collect(),
        other => panic!("{k}: {other:?}"),
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::BadSecret => "bad_secret",
        Error::BadKeyLength { .. } => "bad_key_length",
        Error::Expiry(ExpiryError::TooFar { .. }) => "expire_too_far",
        Error::Expiry(_) => "expired",
        Error::UnknownKey => "unknown_key",
        Error::BadMac => "bad_mac",
        Error::DigestMismatch => "digest_mismatch",
        Error::UserMismatch => "user_mismatch",
        Error::FieldCount
        | Error::EmptyField
        | Error::BadExpireField
        | Error::BadBase64
        | Error::BadDigestLength
        | Error::BadFlag
        | Error::Truncated
        | Error::NotBlockSized
        | Error::BadPadding
        | Error::NotJson
        | Error::BadMessage => "malformed",
        other => panic!("unexpected error {other:?}"),
    }
}

fn format(input: &Json) -> Format {
    match field(input, "format") {
        Some(Json::String(f)) if f == "urlsafe" => Format::UrlSafe,
        _ => Format::Released,
    }
}

/// Runs one case; Ok(list of (field, value)) or Err(kind).
fn run(op: &str, input: &Json) -> Result<Vec<(&'static str, Json)>, &'static str> {
    let key_obj = field(input, "key").unwrap();
    let key = MasterKey::new(s(key_obj, "id"), s(key_obj, "secret")).map_err(|e| kind(&e))?;
    let clock = FixedClock::new(UnixTime::new(int(input, "now")));
    let signer = Signer::new(&key).clock(&clock).format(format(input));
    match op {
        "sign_create_session"
        | "sign_create_session_for_user"
        | "sign_join_channel"
        | "sign_join_channel_for_user" => {
            let (puppet, member) = (attrs(input, "puppet_attrs"), attrs(input, "member_attrs"));
            let grant = match op {
                "sign_create_session" => Grant::CreateSession {
                    puppet_attrs: &puppet,
                },
                "sign_create_session_for_user" => Grant::CreateSessionForUser {
                    user_id: s(input, "user_id"),
                },
                "sign_join_channel" => Grant::JoinChannel {
                    channel_id: s(input, "channel_id"),
                    member_attrs: &member,
                },
                _ => Grant::JoinChannelForUser {
                    channel_id: s(input, "channel_id"),
                    user_id: s(input, "user_id"),
                    member_attrs: &member,
                },
            };
            let signed = signer
                .sign_with_nonce(
                    &grant,
                    expire(input),
                    &Nonce::from_int(int(input, "nonce_int")),
                )
                .map_err(|e| kind(&e))?;
            Ok(vec![
                ("signature", signed.signature.into()),
                ("canonical_json", signed.canonical_json.into()),
                ("nonce", signed.nonce.into()),
            ])
        }
        "secure_metadata" | "secure_metadata_for_user" => {
            let iv: [u8; 16] = keyauth_core::encoding::hex_decode(s(input, "iv_hex"))
                .unwrap()
                .try_into()
                .unwrap();
            let user = (op == "secure_metadata_for_user").then(|| s(input, "user_id"));
            let metadata = input.get("metadata").cloned().unwrap_or_default();
            let sealed = signer
                .seal_json(expire(input), &metadata, user, &iv)
                .map_err(|e| kind(&e))?;
            Ok(vec![
                ("value", sealed.value.into()),
                ("plaintext_json", sealed.plaintext_json.into()),
                ("padded_len", Json::Int(sealed.padded_len as i128)),
            ])
        }
        "verify" => {
            let params = field(input, "params").unwrap();
            let (puppet, member) = (attrs(params, "puppet_attrs"), attrs(params, "member_attrs"));
            let mut call = match s(input, "action") {
                "create_session" => Call::create_session().attrs(&puppet),
                _ => Call::join_channel(s(params, "channel_id")).attrs(&member),
            };
            if field(params, "user_id").is_some() {
                call = call.user_id(s(params, "user_id"));
            }
            let verified = Verifier::new([key])
                .check(s(input, "signature"), &call, clock.now_time())
                .map_err(|e| kind(&e))?;
            Ok(vec![
                ("ok", Json::Bool(true)),
                ("expire", Json::Int(verified.expire.as_secs().into())),
            ])
        }
        "open_secure_metadata" => {
            let user = field(input, "user_id").map(|_| s(input, "user_id"));
            let opened = Verifier::new([key])
                .open_secure_metadata_at(s(input, "value"), user, clock.now_time())
                .map_err(|e| kind(&e))?;
            let expire = match opened.expire {
                Expire::Int(i) => Json::Int(i.into()),
                Expire::Float(f) => Json::Float(f),
                _ => unreachable!(),
            };
            Ok(vec![("metadata", opened.metadata), ("expire", expire)])
        }
        other => panic!("unknown op {other}"),
    }
}

trait NowTime {
    fn now_time(&self) -> UnixTime;
}
impl NowTime for FixedClock {
    fn now_time(&self) -> UnixTime {
        keyauth_core::Clock::now(self)
    }
}

#[test]
fn python_vectors() {
    run_file(FILE, 111);
}

/// `vectors/ninchat-master_extra.json` (see `vectors/gen/ninchat_extra.py`).
#[test]
fn extra_vectors() {
    run_file(EXTRA, 100);
}

fn run_file(text: &str, count: usize) {
    let file: Json = serde_json::from_str(text).unwrap();
    assert_eq!(s(&file, "scheme"), "ninchat-master");
    let Some(Json::Array(cases)) = file.get("cases") else {
        panic!("no cases")
    };
    assert_eq!(cases.len(), count);
    for case in cases {
        let name = s(case, "name");
        let expect = case.get("expect").unwrap();
        let got = run(s(case, "op"), case.get("input").unwrap());
        match (expect.get("error"), got) {
            (Some(Json::String(want)), Err(have)) => assert_eq!(want, have, "{name}"),
            (Some(want), got) => panic!("{name}: expected error {want:?}, got {got:?}"),
            (None, Err(have)) => panic!("{name}: expected success, got {have}"),
            (None, Ok(out)) => {
                let Json::Object(fields) = expect else {
                    panic!("{name}")
                };
                for (k, want) in fields {
                    let have = out.iter().find(|(f, _)| f == k).map(|(_, v)| v);
                    assert_eq!(have, Some(want), "{name}: field {k}");
                }
                // Opened metadata keeps the order it was sealed in.
                if let (Some(want), Some(have)) = (
                    expect.get("metadata"),
                    out.iter().find(|(f, _)| *f == "metadata"),
                ) {
                    assert_eq!(
                        want.to_python_json().unwrap(),
                        have.1.to_python_json().unwrap(),
                        "{name}"
                    );
                }
            }
        }
    }
}

/// The plaintext JSON of each secure-metadata case re-encodes to itself through `Json`.
#[test]
fn canonical_texts_round_trip_through_json() {
    let file: Json = serde_json::from_str(FILE).unwrap();
    let Some(Json::Array(cases)) = file.get("cases") else {
        panic!()
    };
    let mut n = 0;
    for case in cases {
        let expect = case.get("expect").unwrap();
        for k in ["plaintext_json", "canonical_json"] {
            if let Some(Json::String(text)) = expect.get(k) {
                let v: Json = serde_json::from_str(text).unwrap();
                assert_eq!(&v.to_python_json().unwrap(), text, "{}", s(case, "name"));
                n += 1;
            }
        }
    }
    assert!(n > 60, "{n}");
}
