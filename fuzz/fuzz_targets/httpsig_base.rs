#![no_main]
//! keyauth-httpsig signature base builder: a raw HTTP/1.1 request (or response) of any bytes,
//! with the signature base built for each of its `Signature-Input` members, and signed and
//! verified with an HMAC key. Never a panic; a base never contains CR; what the crate signs
//! verifies.

use keyauth_httpsig::http1::{parse_request, parse_response};
use keyauth_httpsig::{
    FieldTypes, Message, RequestView, ResponseView, SignOptions, Signer, SigningKey,
    default_components, parse_signature_input, signature_base,
};
use libfuzzer_sys::fuzz_target;

fn check(msg: &Message<'_>) {
    let types = FieldTypes::new();
    if let Ok(inputs) = parse_signature_input(msg.headers()) {
        for (_, params) in &inputs {
            if let Ok(base) = signature_base(msg, params, &types) {
                assert!(!base.contains(&b'\r'));
            }
        }
    }
    let key = SigningKey::hmac_sha256(b"fuzz");
    let signer = Signer::new(key.clone()).nonce(false).components(default_components(msg));
    let opts = SignOptions { created: Some(1), expires: None, nonce: None };
    if let Ok(signed) = signer.sign_message(msg, &opts) {
        key.verifying_key().verify(&signed.base, &signed.signature).unwrap();
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = parse_request(data) {
        check(&Message::Request(RequestView::from_parts(&req.parts)));
    }
    if let Ok(res) = parse_response(data) {
        check(&Message::Response(ResponseView::from_parts(&res.parts), None));
    }
});
