#![no_main]
//! Flask-HMAC configuration parsers and the service-token paths: `Digest::from_name`,
//! `Key::latin1`, and arbitrary tokens (everything before the first NUL) with arbitrary bodies
//! through `validate_service_headers` (1.1.2) and `validate_headers` (1.2.1). A verdict or a
//! typed error, never a panic.

use hmac_auth::{Digest, Hmac, Key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cut = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (token, body) = data.split_at(cut);
    if let Ok(text) = std::str::from_utf8(token) {
        let _ = Digest::from_name(text);
        if let Ok(key) = Key::latin1(text) {
            assert_eq!(key.expose_secret().len(), text.chars().count());
        }
    }
    let hmac = Hmac::builder()
        .key(Key::from_bytes(b"s3cr3tk3y"))
        .service("aservice", Key::from_bytes(b"akey"))
        .service("other", Key::from_bytes(b"otherkey"))
        .build();
    if let Ok(value) = http::HeaderValue::from_bytes(token) {
        let mut headers = http::HeaderMap::new();
        headers.insert("signature", value);
        let _ = hmac.validate_service_headers(&headers, body);
        let _ = hmac.validate_headers(&headers, body, None);
    }
});
