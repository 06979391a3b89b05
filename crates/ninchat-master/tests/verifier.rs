//! The verifier: every malformed input is its own typed error; parameters, expiry and single
//! use are enforced.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use keyauth_core::{Base64, Expiry, ExpiryError, FixedClock, ReplayError, UnixTime};
use ninchat_master::{
    Call, Error, Expire, Format, Grant, Json, MasterKey, Nonce, ParsedSignature, Signer, Verifier,
};
use sha2::{Digest, Sha512};

const SECRET: &str = "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=";
const NOW: u64 = 1_700_948_774;

fn key() -> MasterKey {
    MasterKey::new("22nlihvg", SECRET).unwrap()
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(UnixTime::new(NOW)))
}

fn verifier() -> Verifier {
    Verifier::new([key()]).clock(clock())
}

fn sign(grant: &Grant<'_>, format: Format) -> String {
    let c = clock();
    Signer::new(&key())
        .clock(c.clone())
        .format(format)
        .sign(grant, NOW + 3600)
        .unwrap()
}

fn at(secs: u64) -> UnixTime {
    UnixTime::new(secs)
}

#[test]
fn signature_parse_errors_are_distinct() {
    let digest = Base64::Standard.encode(&[7u8; 64]);
    let url_digest = Base64::UrlSafeNoPad.encode(&[7u8; 64]);
    let cases: Vec<(String, Error)> = vec![
        (String::new(), Error::FieldCount),
        ("abc".into(), Error::FieldCount),
        ("a-b-c".into(), Error::FieldCount),
        ("a-b-c-d-e-f".into(), Error::FieldCount),
        ("a.1.n.d".into(), Error::FieldCount),
        ("a.1.n.d.1.x".into(), Error::FieldCount),
        (format!("k-1-n-{digest}-2"), Error::BadFlag),
        (format!("k.1.n.{url_digest}.x"), Error::BadFlag),
        (format!("-1-n-{digest}"), Error::EmptyField),
        (format!("k-1--{digest}"), Error::EmptyField),
        ("....".into(), Error::EmptyField),
        (format!("k-notanint-n-{digest}"), Error::BadExpireField),
        (format!("k-+1-n-{digest}"), Error::BadExpireField),
        (format!("k-01-n-{digest}"), Error::BadExpireField),
        (
            format!("k-99999999999999999999-n-{digest}"),
            Error::BadExpireField,
        ),
        ("k-1-n-xx".into(), Error::BadBase64),
        (format!("k-1-n-{url_digest}"), Error::BadBase64),
        (format!("k.1.n.{digest}."), Error::BadBase64),
        (
            format!("k-1-n-{}", Base64::Standard.encode(&[7u8; 63])),
            Error::BadDigestLength,
        ),
        (
            format!("k.1.n.{}.", Base64::UrlSafeNoPad.encode(&[7u8; 65])),
            Error::BadDigestLength,
        ),
    ];
    for (sig, want) in cases {
        assert_eq!(ParsedSignature::parse(&sig).unwrap_err(), want, "{sig:?}");
        assert_eq!(
            verifier()
                .check(&sig, &Call::create_session(), at(NOW))
                .unwrap_err(),
            want
        );
    }
}

#[test]
fn unknown_key_then_mac_then_expiry() {
    let sig = sign(
        &Grant::CreateSession { puppet_attrs: &[] },
        Format::Released,
    );
    let other = Verifier::new([MasterKey::new("other", SECRET).unwrap()]);
    assert_eq!(
        other.check(&sig, &Call::create_session(), at(NOW)),
        Err(Error::UnknownKey)
    );
    // Same id, another secret: the MAC fails, even when it has also expired.
    let wrong = Verifier::new([MasterKey::new("22nlihvg", "AAAA").unwrap()]);
    assert_eq!(
        wrong.check(&sig, &Call::create_session(), at(NOW + 99_999)),
        Err(Error::BadMac)
    );
    let v = verifier();
    assert!(
        v.check(&sig, &Call::create_session(), at(NOW + 3600))
            .is_ok()
    );
    assert!(matches!(
        v.check(&sig, &Call::create_session(), at(NOW + 3601)),
        Err(Error::Expiry(ExpiryError::Expired { .. }))
    ));
    // An optional horizon.
    let strict = verifier().expiry(Expiry::within(60));
    assert!(matches!(
        strict.check(&sig, &Call::create_session(), at(NOW)),
        Err(Error::Expiry(ExpiryError::TooFar { .. }))
    ));
}

#[test]
fn the_call_must_match_what_was_signed() {
    let attrs = [("name", Json::from("Zoë")), ("silenced", Json::from(false))];
    let v = verifier();
    for format in [Format::Released, Format::UrlSafe] {
        let sig = sign(
            &Grant::CreateSession {
                puppet_attrs: &attrs,
            },
            format,
        );
        let ok = Call::create_session().attrs(&attrs);
        assert!(v.check(&sig, &ok, at(NOW)).is_ok());
        // Attribute order in the call does not matter (they are sorted), content does.
        let reversed = [attrs[1].clone(), attrs[0].clone()];
        assert!(
            v.check(&sig, &Call::create_session().attrs(&reversed), at(NOW))
                .is_ok()
        );
        let changed = [("name", Json::from("Zoe")), ("silenced", Json::from(false))];
        for call in [
            Call::create_session(),
            Call::create_session().attrs(&changed),
            Call::create_session().attrs(&attrs).user_id("u"),
            Call::join_channel("c").attrs(&attrs),
        ] {
            assert_eq!(
                v.check(&sig, &call, at(NOW)),
                Err(Error::BadMac),
                "{call:?}"
            );
        }

        let sig = sign(
            &Grant::JoinChannelForUser {
                channel_id: "c1",
                user_id: "u1",
                member_attrs: &[],
            },
            format,
        );
        let verified = v
            .check(&sig, &Call::join_channel("c1").user_id("u1"), at(NOW))
            .unwrap();
        assert!(verified.for_user);
        assert_eq!(verified.format, format);
        for call in [
            Call::join_channel("c1"),
            Call::join_channel("c1").user_id("u2"),
            Call::join_channel("c2").user_id("u1"),
            Call::create_session().user_id("u1"),
        ] {
            assert_eq!(
                v.check(&sig, &call, at(NOW)),
                Err(Error::BadMac),
                "{call:?}"
            );
        }
        // Dropping the for-user flag changes what is rebuilt: the MAC fails.
        let stripped = match format {
            Format::Released => sig.strip_suffix("-1").unwrap().to_owned(),
            _ => sig.strip_suffix('1').unwrap().to_owned(),
        };
        assert_eq!(
            v.check(&stripped, &Call::join_channel("c1").user_id("u1"), at(NOW)),
            Err(Error::BadMac)
        );

        // join_channel for any user: the call's user id is not part of it.
        let sig = sign(
            &Grant::JoinChannel {
                channel_id: "c1",
                member_attrs: &[],
            },
            format,
        );
        assert!(
            v.check(&sig, &Call::join_channel("c1").user_id("anyone"), at(NOW))
                .is_ok()
        );
    }
}

/// Nonces are opaque: PHP's are 1 to 6 base-36 characters, and any nonce is signed as it
/// appears (URL-safe spellings mapped back to the standard alphabet).
#[test]
fn foreign_nonces_verify() {
    use hmac::{Hmac, Mac};
    let secret = Base64::Standard.decode(SECRET).unwrap();
    let expire = NOW + 60;
    for (token_nonce, signed_nonce, format) in [
        ("a1b2", "a1b2", Format::Released),
        ("z", "z", Format::Released),
        ("ab+/", "ab+/", Format::Released),
        ("ab-_", "ab+/", Format::UrlSafe),
    ] {
        let msg = format!(
            "[[\"action\",\"create_session\"],[\"expire\",{expire}],[\"nonce\",\"{signed_nonce}\"]]"
        );
        let mut mac = Hmac::<sha2::Sha512>::new_from_slice(&secret).unwrap();
        mac.update(msg.as_bytes());
        let digest = mac.finalize().into_bytes();
        let sig = match format {
            Format::Released => {
                format!(
                    "22nlihvg-{expire}-{token_nonce}-{}",
                    Base64::Standard.encode(&digest)
                )
            }
            _ => format!(
                "22nlihvg.{expire}.{token_nonce}.{}.",
                Base64::UrlSafeNoPad.encode(&digest)
            ),
        };
        let v = verifier()
            .check(&sig, &Call::create_session(), at(NOW))
            .unwrap();
        assert_eq!(v.nonce, signed_nonce);
    }
}

#[test]
fn secrets_decode_as_python_does() {
    // Python's b64decode stops at the first group completed by padding.
    let a = MasterKey::new("k", "AB==CD==").unwrap();
    assert_eq!(a.key_pair().secret.len(), 1);
    // An empty secret is an (useless) HMAC key but no AES key.
    let empty = MasterKey::new("k", "").unwrap();
    let c = clock();
    assert!(
        Signer::new(&empty)
            .clock(c.clone())
            .sign(&Grant::CreateSession { puppet_attrs: &[] }, NOW + 1)
            .is_ok()
    );
    assert_eq!(
        Signer::new(&empty)
            .clock(c.clone())
            .secure_metadata(NOW + 1, &(), None),
        Err(Error::BadKeyLength { len: 0 })
    );
    assert_eq!(MasterKey::new("k", "YQ").unwrap_err(), Error::BadSecret);
}

/// Re-spelling a signature in the other format does not make it fresh: single use is keyed on
/// what was signed (key id, expire, nonce as signed), not on the text.
#[tokio::test]
async fn the_other_format_is_the_same_signature() {
    let v = verifier();
    let sig = sign(
        &Grant::CreateSession { puppet_attrs: &[] },
        Format::Released,
    );
    let p = ParsedSignature::parse(&sig).unwrap();
    let url = format!(
        "{}.{}.{}.{}.",
        p.key_id,
        p.expire,
        p.nonce.replace('+', "-").replace('/', "_"),
        Base64::UrlSafeNoPad.encode(&p.digest)
    );
    assert!(v.check(&url, &Call::create_session(), at(NOW)).is_ok());
    assert!(v.verify(&sig, &Call::create_session()).await.is_ok());
    assert_eq!(
        v.verify(&url, &Call::create_session()).await,
        Err(Error::Replay(ReplayError::Replayed))
    );
}

#[tokio::test]
async fn memory_guard_accepts_once() {
    let v = verifier();
    let sig = sign(
        &Grant::CreateSessionForUser { user_id: "u" },
        Format::UrlSafe,
    );
    let call = Call::create_session().user_id("u");
    assert!(v.verify(&sig, &call).await.is_ok());
    assert_eq!(
        v.verify(&sig, &call).await,
        Err(Error::Replay(ReplayError::Replayed))
    );
    // A failed check does not consume it elsewhere: a fresh verifier still accepts it.
    assert_eq!(
        verifier().verify(&sig, &Call::create_session()).await,
        Err(Error::BadMac)
    );
}

#[test]
fn signing_refuses_bad_expiries_and_keys() {
    let c = clock();
    let k = key();
    let s = Signer::new(&k).clock(c.clone());
    let g = Grant::CreateSession { puppet_attrs: &[] };
    let n = Nonce::from_int(1);
    assert!(matches!(
        s.sign_with_nonce(&g, NOW - 1, &n),
        Err(Error::Expiry(ExpiryError::Expired { .. }))
    ));
    assert!(s.sign_with_nonce(&g, NOW + 604_800, &n).is_ok());
    assert!(matches!(
        s.sign_with_nonce(&g, NOW + 604_801, &n),
        Err(Error::Expiry(ExpiryError::TooFar { .. }))
    ));
    assert!(matches!(
        s.sign_with_nonce(&g, -5i64, &n),
        Err(Error::Expiry(ExpiryError::Expired { .. }))
    ));
    assert_eq!(s.sign_with_nonce(&g, f64::NAN, &n), Err(Error::BadExpire));
    // A float expiry is truncated in the token and the message.
    let signed = s.sign_with_nonce(&g, NOW as f64 + 60.999, &n).unwrap();
    assert!(
        signed.signature.contains(&format!("-{}-", NOW + 60)),
        "{}",
        signed.signature
    );
    assert!(
        signed
            .canonical_json
            .contains(&format!("[\"expire\",{}]", NOW + 60))
    );
    // NaN attribute values are not JSON.
    let bad = [("x", Json::Float(f64::NAN))];
    assert_eq!(
        s.sign_with_nonce(&Grant::CreateSession { puppet_attrs: &bad }, NOW + 1, &n),
        Err(Error::InvalidJson)
    );
    // Empty attrs are absent attrs.
    let none = s.sign_with_nonce(&g, NOW + 1, &n).unwrap();
    assert!(!none.canonical_json.contains("attrs"));
}

/// Builds a secure-metadata value around any plaintext JSON (digest computed or given).
fn seal_raw(json: &[u8], digest: Option<[u8; 64]>, pad_extra: usize) -> String {
    let secret = Base64::Standard.decode(SECRET).unwrap();
    let mut pt = digest.map_or_else(|| Sha512::digest(json).to_vec(), |d| d.to_vec());
    pt.extend_from_slice(json);
    let len = (pt.len().div_ceil(16) + pad_extra) * 16;
    pt.resize(len, 0);
    let iv = [9u8; 16];
    cbc::Encryptor::<aes::Aes256>::new_from_slices(&secret, &iv)
        .unwrap()
        .encrypt_padded_mut::<NoPadding>(&mut pt, len)
        .unwrap();
    let mut body = iv.to_vec();
    body.extend_from_slice(&pt);
    format!("22nlihvg-{}", Base64::Standard.encode(&body))
}

#[test]
fn open_errors_are_distinct() {
    let v = verifier();
    let ok = seal_raw(br#"{"expire":1700950000,"metadata":{"a":1}}"#, None, 0);
    assert_eq!(
        v.open_secure_metadata_at(&ok, None, at(NOW))
            .unwrap()
            .metadata,
        Json::Object(vec![("a".into(), Json::from(1))])
    );
    let body = |n: usize| Base64::Standard.encode(&vec![0u8; n]);
    let cases: Vec<(String, Error)> = vec![
        ("nodash".into(), Error::FieldCount),
        ("k.a.b".into(), Error::FieldCount),
        ("-AAAA".into(), Error::EmptyField),
        ("22nlihvg-".into(), Error::EmptyField),
        ("22nlihvg-!!!!".into(), Error::BadBase64),
        (format!("other-{}", body(48)), Error::UnknownKey),
        (format!("22nlihvg-{}", body(16)), Error::Truncated),
        (format!("22nlihvg-{}", body(40)), Error::NotBlockSized),
        (format!("22nlihvg-{}", body(48)), Error::DigestMismatch),
        (seal_raw(b"{}", None, 1), Error::BadPadding),
        (seal_raw(b"{}", Some([1; 64]), 1), Error::DigestMismatch),
        (
            seal_raw(br#"{"expire":1}"#, Some([0; 64]), 0),
            Error::DigestMismatch,
        ),
        (seal_raw(b"not json", None, 0), Error::NotJson),
        (seal_raw(b"[1,2]", None, 0), Error::BadMessage),
        (
            seal_raw(br#"{"expire":"1","metadata":null}"#, None, 0),
            Error::BadMessage,
        ),
        (
            seal_raw(br#"{"metadata":null}"#, None, 0),
            Error::BadMessage,
        ),
        (
            seal_raw(br#"{"expire":1,"metadata":null,"x":2}"#, None, 0),
            Error::BadMessage,
        ),
        (
            seal_raw(br#"{"expire":1700948773,"metadata":null}"#, None, 0),
            Error::Expiry(ExpiryError::Expired {
                expire: at(1_700_948_773),
                now: at(NOW),
            }),
        ),
        (
            seal_raw(
                br#"{"user_id":"u1","expire":1700950000,"metadata":null}"#,
                None,
                0,
            ),
            Error::UserMismatch,
        ),
    ];
    for (value, want) in cases {
        assert_eq!(
            v.open_secure_metadata_at(&value, None, at(NOW))
                .unwrap_err(),
            want,
            "{value}"
        );
    }
    let bound = seal_raw(
        br#"{"user_id":"u1","expire":1700950000,"metadata":null}"#,
        None,
        0,
    );
    assert!(
        v.open_secure_metadata_at(&bound, Some("u1"), at(NOW))
            .is_ok()
    );
    assert_eq!(
        v.open_secure_metadata_at(&bound, Some("u2"), at(NOW))
            .unwrap_err(),
        Error::UserMismatch
    );
    assert_eq!(
        v.open_secure_metadata_at(&ok, Some("u1"), at(NOW))
            .unwrap_err(),
        Error::UserMismatch
    );
    // A key that is no AES key.
    let short = Verifier::new([MasterKey::new("22nlihvg", "AAAA").unwrap()]);
    assert_eq!(
        short
            .open_secure_metadata_at(&ok, None, at(NOW))
            .unwrap_err(),
        Error::BadKeyLength { len: 3 }
    );
}

#[test]
fn secure_metadata_float_expiry_stays_a_float() {
    let c = clock();
    let k = key();
    let sealed = Signer::new(&k)
        .clock(c.clone())
        .secure_metadata_with_iv(NOW as f64 + 0.5, &serde_json::json!(null), None, &[0; 16])
        .unwrap();
    assert_eq!(
        sealed.plaintext_json,
        format!("{{\"expire\":{NOW}.5,\"metadata\":null}}")
    );
    let opened = verifier()
        .open_secure_metadata_at(&sealed.value, None, at(NOW))
        .unwrap();
    assert_eq!(opened.expire, Expire::Float(NOW as f64 + 0.5));
    assert!(
        verifier()
            .open_secure_metadata_at(&sealed.value, None, at(NOW + 1))
            .is_err()
    );
}

#[test]
fn debug_never_shows_the_secret() {
    let k = key();
    let text = format!("{k:?} {:?} {:?}", verifier(), Signer::new(&k));
    assert!(text.contains("[redacted]"), "{text}");
    assert!(!text.contains("C58s"), "{text}");
    let secret = Base64::Standard.decode(SECRET).unwrap();
    assert!(!text.contains(&format!("{:?}", &secret[..4])), "{text}");
}

#[test]
fn sealed_debug_never_shows_the_metadata() {
    let k = key();
    let c = Arc::new(FixedClock::new(UnixTime::new(NOW)));
    let sealed = Signer::new(&k)
        .clock(c)
        .secure_metadata_with_iv(NOW + 60, "hunter2-metadata", None, &[7; 16])
        .unwrap();
    assert!(sealed.plaintext_json.contains("hunter2-metadata"));
    let text = format!("{sealed:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
}
