#![no_main]
//! hmac-auth header and token parsing: any header bytes give a typed answer, never a panic.
//! - Flask-HMAC service tokens: `parse_service_token`, then full `validate_headers` with keys
//!   and an `only` list; a value that validates must be exactly a token the config makes.
//! - `Content-Type` parameter parsing (Werkzeug's form detection): any value, no panic.

use hmac_auth::{Hmac, Key, Only};
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
    }
});
