#![no_main]
//! hmac-auth header and token parsing: any header bytes give a typed answer, never a panic.
//! - Flask-HMAC service tokens: `parse_service_token`, then full `validate_headers` with keys
//!   and an `only` list; a value that validates must be exactly a token the config makes.
//! - `Content-Type` parameter parsing (Werkzeug's form detection): any value, no panic.
//! - Strong-mode headers: `StrongSignature::parse`, then `check_strong`; whatever parses
//!   re-signs (with its own key id, time and nonce) to a header that parses back the same.

use hmac_auth::{Hmac, Key, Only, StrongSignature};
use keyauth_core::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let hmac = Hmac::builder()
        .key(Key::from_bytes(b"s3cr3tk3y"))
        .service("aservice", Key::from_bytes(b"akey"))
        .service("", Key::from_bytes(b""))
        .build();
    let _ = hmac_auth::parse_service_token(data);

    if let Ok(value) = http::HeaderValue::from_bytes(data) {
        let mut headers = http::HeaderMap::new();
        headers.insert("signature", value.clone());
        headers.insert("hmac-strong", value.clone());
        let mut typed = http::HeaderMap::new();
        typed.insert(http::header::CONTENT_TYPE, value);
        let signed = hmac_auth::signed_message(&typed, b"body");
        assert!(signed.is_empty() || signed == b"body");
        let only = Only::names(["aservice"]);
        if let Ok(who) = hmac.validate_headers(&headers, b"body", Some(&only)) {
            let expected = match who.service() {
                Some(s) => hmac.make_hmac_for(s, b"body").ok(),
                None => hmac.make_hmac(b"body").ok(),
            };
            assert_eq!(expected.as_deref().map(str::as_bytes), Some(data));
        }
        let _ = hmac.check_strong(
            &http::Method::GET,
            "/",
            &headers,
            b"",
            None,
            UnixTime::new(0),
            300,
        );
    }

    if let Ok(sig) = StrongSignature::parse(data) {
        if let Ok(header) = hmac.sign_strong(
            Some(sig.key_id()).filter(|k| !k.is_empty()),
            &http::Method::POST,
            "/",
            b"",
            sig.timestamp(),
            sig.nonce(),
        ) {
            let back = StrongSignature::parse(header.as_bytes()).ok();
            assert_eq!(
                back.as_ref().map(StrongSignature::key_id),
                Some(sig.key_id())
            );
            assert_eq!(back.as_ref().map(StrongSignature::nonce), Some(sig.nonce()));
        }
    }
});
