//! The sans-IO core: primitives, strictness, tampering, JSON formats, the walk, the server
//! checks, redaction.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use proptest::prelude::*;
use psono_client::crypto::{hex_array, hex_decode, hex_encode};
use psono_client::server::{self, SessionDevice};
use psono_client::transport::authorization_validator;
use psono_client::{
    BoxSecretKey, EncryptedBody, EncryptedShare, Error, Folder, LoginRequest, SecretKey,
    SigningSeed, Step, Timestamp, TreeWalker, VerifyKey,
};
use serde_json::json;

fn seed(b: u8) -> SigningSeed {
    SigningSeed::from_bytes([b; 32])
}

#[test]
fn hex_rules_follow_unhexlify() {
    assert_eq!(hex_decode("00fFaB", "x").unwrap(), vec![0, 255, 171]);
    assert_eq!(
        hex_decode("0", "x").unwrap_err(),
        Error::InvalidHex { field: "x" }
    );
    assert_eq!(
        hex_decode("0g", "x").unwrap_err(),
        Error::InvalidHex { field: "x" }
    );
    assert_eq!(
        hex_array::<2>("000000", "x").unwrap_err(),
        Error::InvalidLength {
            field: "x",
            expected: 2,
            actual: 3
        }
    );
    // Bad characters win over a wrong length.
    assert_eq!(
        hex_array::<2>("zz", "x").unwrap_err(),
        Error::InvalidHex { field: "x" }
    );
    assert_eq!(hex_encode(&[0, 255]), "00ff");
}

#[test]
fn secretbox_tamper_and_truncation_fail() {
    let key = SecretKey::from_bytes([1; 32]);
    let nonce = [2; 24];
    let sealed = key.seal(&nonce, b"{\"a\":1}");
    assert_eq!(sealed.len(), 16 + 7);
    assert_eq!(&**key.open(&nonce, &sealed).unwrap(), b"{\"a\":1}");
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x80;
        assert_eq!(
            key.open(&nonce, &bad).unwrap_err(),
            Error::DecryptFailed,
            "byte {i}"
        );
    }
    for n in 0..16 {
        assert_eq!(
            key.open(&nonce, &sealed[..n]).unwrap_err(),
            Error::InvalidLength {
                field: "ciphertext",
                expected: 16,
                actual: n
            }
        );
    }
    // Exactly a tag: the empty plaintext.
    let empty = key.seal(&nonce, b"");
    assert!(key.open(&nonce, &empty).unwrap().is_empty());
    assert_eq!(
        key.open(&[3; 24], &sealed).unwrap_err(),
        Error::DecryptFailed
    );
    let other = SecretKey::from_bytes([9; 32]);
    assert_eq!(
        other.open(&nonce, &sealed).unwrap_err(),
        Error::DecryptFailed
    );
    // Hex forms: short text, odd text, bad nonce.
    assert!(matches!(
        key.open_hex("00", &"00".repeat(24)),
        Err(Error::InvalidLength { .. })
    ));
    assert_eq!(
        key.open_hex("000", &"00".repeat(24)).unwrap_err(),
        Error::InvalidHex { field: "text" }
    );
    assert!(matches!(
        key.open_hex(&hex_encode(&sealed), "00"),
        Err(Error::InvalidLength { field: "nonce", .. })
    ));
}

#[test]
fn wrapped_keys_are_hex_text() {
    let outer = SecretKey::from_bytes([1; 32]);
    let inner = SecretKey::from_bytes([0xab; 32]);
    let (text, nonce) = outer.wrap_key(&inner).unwrap();
    let plain = outer.open_hex(&text, &nonce).unwrap();
    assert_eq!(&**plain, "ab".repeat(32).as_bytes());
    assert_eq!(outer.open_key(&text, &nonce, "k").unwrap(), inner);
    // Raw 32 bytes instead of hex text is refused (psonoci fails the same way).
    let (raw_text, raw_nonce) = outer.seal_hex(&[0xab; 32]).unwrap();
    assert!(matches!(
        outer.open_key(&raw_text, &raw_nonce, "k"),
        Err(Error::InvalidHex { .. })
    ));
}

#[test]
fn box_round_trip_and_peer_binding() {
    let a = BoxSecretKey::from_bytes([1; 32]);
    let b = BoxSecretKey::from_bytes([2; 32]);
    let c = BoxSecretKey::from_bytes([3; 32]);
    let sealed = a.seal(&b.public_key(), &[0; 24], b"hi");
    assert_eq!(
        &**b.open(&a.public_key(), &[0; 24], &sealed).unwrap(),
        b"hi"
    );
    assert_eq!(
        c.open(&a.public_key(), &[0; 24], &sealed).unwrap_err(),
        Error::DecryptFailed
    );
}

/// libsodium (PyNaCl) refuses small-order keys, small-order R and non-reduced S; so do we.
#[test]
fn ed25519_follows_libsodium_strictness() {
    let s = seed(7);
    let vk = s.verify_key();
    let msg = b"message";
    let sig = s.sign(msg);
    vk.verify(msg, &sig).unwrap();
    assert_eq!(vk.verify(b"other", &sig).unwrap_err(), Error::BadSignature);
    // S + L (non-canonical scalar): accepted by lax verifiers, refused here.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut malleated = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(malleated[32 + i]) + u16::from(L[i]) + carry;
        malleated[32 + i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(vk.verify(msg, &malleated).unwrap_err(), Error::BadSignature);
    // The identity point as key (small order) with R = identity and S = 0 satisfies the
    // cofactorless equation for every message; libsodium refuses it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = VerifyKey::from_bytes(identity);
    let mut forged = [0u8; 64];
    forged[0] = 1;
    assert_eq!(weak.verify(msg, &forged).unwrap_err(), Error::BadSignature);
    // A key that is not a point at all.
    let mut junk = [0xffu8; 32];
    junk[31] = 0x7f;
    assert_eq!(
        VerifyKey::from_bytes(junk).verify(msg, &sig).unwrap_err(),
        Error::BadSignature
    );
    // Hex signature forms.
    assert!(matches!(
        vk.verify_hex(msg, &hex_encode(&sig[..63])),
        Err(Error::InvalidLength { .. })
    ));
    assert_eq!(
        vk.verify_hex(msg, "zz").unwrap_err(),
        Error::InvalidHex { field: "signature" }
    );
}

#[test]
fn login_info_is_python_json_dumps() {
    let req = LoginRequest::builder("id-1")
        .device_description("Console Client ä \"x\" 🔑\n\u{7f}")
        .session_duration(600)
        .extra_field("device_fingerprint", json!("fp"))
        .build(&seed(1), BoxSecretKey::from_bytes([2; 32]));
    let pk = BoxSecretKey::from_bytes([2; 32]).public_key().to_hex();
    assert_eq!(
        req.info(),
        format!(
            "{{\"api_key_id\": \"id-1\", \"session_public_key\": \"{pk}\", \"device_description\": \"Console Client \\u00e4 \\\"x\\\" \\ud83d\\udd11\\n\\u007f\", \"session_duration\": 600, \"device_fingerprint\": \"fp\"}}"
        )
    );
    // The server side accepts exactly these bytes, and nothing re-serialized.
    let vk = seed(1).verify_key();
    let v = server::verify_login_request(req.info(), req.signature(), |id| {
        (id == "id-1").then_some(vk)
    })
    .unwrap();
    assert_eq!(v.session_duration, 600);
    assert_eq!(v.device_fingerprint, "fp");
    assert_eq!(v.session_public_key.to_hex(), pk);
    let reserialized =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(req.info()).unwrap())
            .unwrap();
    assert_eq!(
        server::verify_login_request(&reserialized, req.signature(), |_| Some(vk)).unwrap_err(),
        Error::BadSignature
    );
    assert_eq!(
        server::verify_login_request(req.info(), req.signature(), |_| None).unwrap_err(),
        Error::UnknownApiKey
    );
    assert!(matches!(
        server::verify_login_request("not json", req.signature(), |_| Some(vk)),
        Err(Error::InvalidJson { .. })
    ));
    let body: serde_json::Value = serde_json::from_str(&req.body()).unwrap();
    assert_eq!(body["info"], req.info());
}

#[test]
fn session_duration_is_clamped() {
    for (asked, got) in [
        (None, 600),
        (Some(-5), 0),
        (Some(30), 30),
        (Some(100_000), 600),
    ] {
        let mut b = LoginRequest::builder("k");
        if let Some(a) = asked {
            b = b.session_duration(a);
        }
        let req = b.build(&seed(1), BoxSecretKey::from_bytes([2; 32]));
        let v = server::verify_login_request(req.info(), req.signature(), |_| {
            Some(seed(1).verify_key())
        })
        .unwrap();
        assert_eq!(v.session_duration, got, "{asked:?}");
    }
}

#[test]
fn login_response_signature_covers_lowercase_hex_and_comes_first() {
    let server_key = seed(9);
    let client_session = BoxSecretKey::from_bytes([4; 32]);
    let info = json!({"token": "ab".repeat(64), "session_valid_till": "2026-01-01T00:10:00+00:00",
        "session_secret_key": "cd".repeat(32), "api_key_restrict_to_secrets": true,
        "api_key_allow_insecure_access": false, "api_key_read": true, "api_key_write": false,
        "user": {"username": "u", "public_key": "ef".repeat(32)}});
    let resp = server::seal_login_response(
        &server::python_json(&info),
        &server_key,
        &BoxSecretKey::from_bytes([5; 32]),
        &client_session.public_key(),
        &[6; 24],
    );
    let opened = resp
        .open(&client_session, &server_key.verify_key())
        .unwrap();
    assert!(opened.restrict_to_secrets);
    assert_eq!(opened.token().expose_secret(), "ab".repeat(64));
    assert_eq!(
        opened
            .user
            .unlock(&SecretKey::from_bytes([0; 32]))
            .unwrap_err(),
        Error::RestrictedApiKey
    );
    assert!(!opened.is_expired(Timestamp::parse("2026-01-01T00:10:00+00:00", "t").unwrap()));
    assert!(opened.is_expired(Timestamp::parse("2026-01-01T00:10:00.000001+00:00", "t").unwrap()));
    // Upper-cased hex decodes to the same ciphertext but is not what was signed.
    let mut upper = resp.clone();
    upper.login_info = upper.login_info.to_uppercase();
    assert_eq!(
        upper
            .open(&client_session, &server_key.verify_key())
            .unwrap_err(),
        Error::BadSignature
    );
    // A wrong session key fails only after the signature passed.
    assert_eq!(
        resp.open(&BoxSecretKey::from_bytes([8; 32]), &server_key.verify_key())
            .unwrap_err(),
        Error::DecryptFailed
    );
    // Garbage that is signed still fails typed, never panics.
    let mut junk = resp.clone();
    junk.login_info = "zz".into();
    junk.login_info_signature = hex_encode(&server_key.sign(b"zz"));
    assert_eq!(
        junk.open(&client_session, &server_key.verify_key())
            .unwrap_err(),
        Error::InvalidHex {
            field: "login_info"
        }
    );
}

#[test]
fn validator_checks_in_server_order() {
    let key = SecretKey::from_bytes([1; 32]);
    let t0 = Timestamp::parse("2026-01-01T00:00:00+00:00", "t").unwrap();
    let dev = SessionDevice {
        device_fingerprint: "fp".into(),
        client_date: Some(t0),
        create_date: t0,
    };
    let now = t0.plus_seconds(5);
    let h = authorization_validator(&key, &[2; 24], "2026-01-01T00:00:05.000Z", "fp");
    let ok = server::check_validator(&dev, &key, Some(&h.header), now).unwrap();
    assert!(ok.required);
    assert_eq!(ok.time_difference, Some(0.0));
    assert_eq!(
        server::check_validator(&dev, &key, None, now).unwrap_err(),
        Error::ValidatorMissing
    );
    assert_eq!(
        server::check_validator(&dev, &key, Some("{}"), now).unwrap_err(),
        Error::ValidatorMissing
    );
    assert_eq!(
        server::check_validator(&dev, &key, Some(&h.header), t0.plus_seconds(26)).unwrap_err(),
        Error::ReplayTimeDifference
    );
    assert!(server::check_validator(&dev, &key, Some(&h.header), t0.plus_seconds(25)).is_ok());
    let other = SessionDevice {
        device_fingerprint: "other".into(),
        ..dev.clone()
    };
    assert_eq!(
        server::check_validator(&other, &key, Some(&h.header), now).unwrap_err(),
        Error::FingerprintMismatch
    );
    let no_fp = authorization_validator(&key, &[2; 24], "2026-01-01T00:00:05.000Z", "");
    assert_eq!(
        server::check_validator(&dev, &key, Some(&no_fp.header), now).unwrap_err(),
        Error::FingerprintMissing
    );
    assert_eq!(
        server::check_validator(&dev, &SecretKey::from_bytes([3; 32]), Some(&h.header), now)
            .unwrap_err(),
        Error::DecryptFailed
    );
    let none = SessionDevice {
        device_fingerprint: String::new(),
        client_date: None,
        create_date: t0,
    };
    assert!(
        !server::check_validator(&none, &key, None, now)
            .unwrap()
            .required
    );
}

fn share(id: &str, key: &SecretKey, content: &serde_json::Value) -> EncryptedShare {
    let (data, data_nonce) = key.seal_hex(content.to_string().as_bytes()).unwrap();
    EncryptedShare {
        id: id.into(),
        data,
        data_nonce,
    }
}

#[test]
fn walk_reads_repeated_shares_once_breaks_cycles_skips_deleted() {
    let k1 = SecretKey::from_bytes([1; 32]);
    let k1hex = k1.to_hex().to_string();
    let root = json!({
        "items": [{"name": "top", "type": "note", "secret_id": "s0", "secret_key": "00".repeat(32)}],
        "folders": [
            {"name": "A", "share_id": "S1", "share_secret_key": k1hex},
            {"name": "gone", "deleted": true, "items": [{"name": "x", "secret_id": "sx"}]},
            {"name": "B", "share_id": "S1"}
        ],
        "share_index": {"S1": {"paths": [["a"], ["b"]], "secret_key": k1hex}}
    });
    let s1 = json!({"name": "ignored", "items": [{"name": "in-share", "type": "note", "secret_id": "s1"}],
                    "folders": [{"name": "back", "share_id": "S1", "share_secret_key": k1hex}]});
    let folder = Folder::parse(root.to_string().as_bytes()).unwrap();
    let mut w = TreeWalker::new(&folder).unwrap();
    let mut fetched = 0;
    while let Step::NeedShare(r) = w.next_step().unwrap() {
        assert_eq!(r.share_id, "S1");
        fetched += 1;
        w.provide_share(&share("S1", &k1, &s1)).unwrap();
    }
    let tree = w.finish();
    assert_eq!(fetched, 1);
    assert_eq!(tree.shares_read, vec!["S1".to_owned()]);
    let paths: Vec<String> = tree.entries.iter().map(|e| e.path.join("/")).collect();
    assert_eq!(paths, ["top", "A/in-share", "B/in-share"]);
    assert!(tree.find_path(&["B", "in-share"]).is_some());
    // A share whose content does not decrypt under the parent's key.
    let folder = Folder::parse(root.to_string().as_bytes()).unwrap();
    let mut w = TreeWalker::new(&folder).unwrap();
    assert!(matches!(w.next_step().unwrap(), Step::NeedShare(_)));
    let forged = share("S1", &SecretKey::from_bytes([2; 32]), &s1);
    assert_eq!(w.provide_share(&forged).unwrap_err(), Error::DecryptFailed);
    // Nothing asked for.
    assert!(matches!(
        w.provide_share(&forged),
        Err(Error::UnknownShare { .. })
    ));
    // Malformed trees are typed errors.
    assert!(Folder::parse(b"[]").is_err());
    let bad = Folder::parse(br#"{"items": 5}"#).unwrap();
    assert!(matches!(
        TreeWalker::new(&bad),
        Err(Error::InvalidJson { .. })
    ));
}

#[test]
fn redacted_debug_and_error_display() {
    assert_eq!(
        format!("{:?}", SecretKey::from_bytes([1; 32])),
        "SecretKey([redacted])"
    );
    assert!(!format!("{:?}", seed(1)).contains(&"01".repeat(32)));
    assert!(!format!("{:?}", BoxSecretKey::from_bytes([1; 32])).contains(&"01".repeat(32)));
    assert_eq!(Error::DecryptFailed.to_string(), "decryption failed");
    assert_eq!(
        Error::BadSignature.to_string(),
        "signature verification failed"
    );
    assert_eq!(
        Error::Http {
            status: 403,
            message: "NO_PERMISSION_OR_NOT_EXIST".into()
        }
        .to_string(),
        "http status 403: NO_PERMISSION_OR_NOT_EXIST"
    );
    assert_eq!(
        Error::InvalidHex { field: "nonce" }.to_string(),
        "nonce is not valid hex"
    );
    // JSON errors never quote the document.
    let body = EncryptedBody::seal_with_nonce(
        &SecretKey::from_bytes([1; 32]),
        &[0; 24],
        b"{\"pw\": \"hunter2\" x}",
    );
    let err = body.open_json(&SecretKey::from_bytes([1; 32])).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert_eq!(err.code(), "invalid_json");
}

proptest! {
    #[test]
    fn seal_open_round_trip(key in any::<[u8; 32]>(), nonce in any::<[u8; 24]>(), msg in proptest::collection::vec(any::<u8>(), 0..512)) {
        let k = SecretKey::from_bytes(key);
        let body = EncryptedBody::seal_with_nonce(&k, &nonce, &msg);
        prop_assert_eq!(&**body.open(&k).unwrap(), &msg[..]);
        let mut tampered = body.clone();
        let c = tampered.text.remove(0);
        tampered.text.insert(0, if c == '0' { '1' } else { '0' });
        prop_assert_eq!(tampered.open(&k).unwrap_err(), Error::DecryptFailed);
    }

    #[test]
    fn login_sign_verify_round_trip(s in any::<[u8; 32]>(), desc in ".*", id in "[a-f0-9-]{1,36}") {
        let signer = SigningSeed::from_bytes(s);
        let req = LoginRequest::builder(id.clone()).device_description(desc.clone()).build(&signer, BoxSecretKey::from_bytes([2; 32]));
        let v = server::verify_login_request(req.info(), req.signature(), |_| Some(signer.verify_key())).unwrap();
        prop_assert_eq!(v.api_key_id, id);
        prop_assert_eq!(v.device_description, desc);
        prop_assert!(req.info().is_ascii());
    }

    #[test]
    fn timestamps_round_trip(micros in 0i64..4_102_444_800_000_000) {
        let t = Timestamp::from_micros(micros);
        prop_assert_eq!(Timestamp::parse(&t.to_iso(), "t").unwrap(), t);
    }
}
