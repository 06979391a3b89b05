#![no_main]
//! Response decryption: any bytes as a session response body, a login answer, a wrapped key
//! or raw `tag ‖ ciphertext` give a value or a typed error, never a panic; what one key seals
//! the same key opens.

use libfuzzer_sys::fuzz_target;
use psono_client::crypto::hex_encode;
use psono_client::{BoxSecretKey, EncryptedBody, LoginResponse, SecretKey, SigningSeed};

fuzz_target!(|data: &[u8]| {
    let key = SecretKey::from_bytes([7; 32]);
    // Raw bytes as tag ‖ ciphertext under a fixed nonce.
    let _ = key.open(&[1; 24], data);
    // Bytes as a response body {"text","nonce"}.
    if let Ok(Some(body)) = EncryptedBody::from_slice(data) {
        let _ = body.open(&key);
        let _ = body.open_json(&key);
    }
    // Bytes as hex text and nonce.
    if let Ok(text) = std::str::from_utf8(data) {
        let mid = (0..=text.len() / 2)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let (a, b) = text.split_at(mid);
        let _ = key.open_hex(a, b);
        let _ = key.open_key(a, b, "fuzz");
    }
    // Bytes as a login answer.
    if let Ok(resp) = LoginResponse::from_slice(data) {
        let session = BoxSecretKey::from_bytes([3; 32]);
        let server = SigningSeed::from_bytes([4; 32]).verify_key();
        let _ = resp.open(&session, &server);
    }
    // Seal then open round-trips and a flipped bit is refused.
    let sealed = key.seal(&[2; 24], data);
    assert_eq!(
        key.open(&[2; 24], &sealed).ok().as_deref().map(|v| &v[..]),
        Some(data)
    );
    let mut bad = sealed.clone();
    let i = data.len() % bad.len();
    bad[i] ^= 1;
    assert!(key.open(&[2; 24], &bad).is_err());
    let body = EncryptedBody {
        text: hex_encode(&sealed),
        nonce: hex_encode(&[2; 24]),
    };
    assert_eq!(body.open(&key).ok().as_deref().map(|v| &v[..]), Some(data));
});
