#![no_main]
//! keyauth-httpsig field parsers: `Signature-Input`, `Signature`, `Content-Digest`,
//! `Accept-Signature` and component identifiers. Any bytes give a typed answer, never a panic;
//! whatever parses serializes to text that parses back to the same value.

use keyauth_httpsig::{AcceptSignature, ComponentId, check_content_digest, parse_signature, parse_signature_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = http::HeaderMap::new();
    for name in ["signature-input", "signature", "content-digest", "accept-signature"] {
        headers.insert(name, value.clone());
    }
    if let Ok(inputs) = parse_signature_input(&headers) {
        for (label, params) in &inputs {
            let member = keyauth_httpsig::signature_input_member(label, params).unwrap();
            let mut again = http::HeaderMap::new();
            again.insert("signature-input", member.parse().unwrap());
            let back = parse_signature_input(&again).unwrap();
            assert_eq!(back.len(), 1);
            assert_eq!(&back[0].1, params);
        }
    }
    if let Ok(sigs) = parse_signature(&headers) {
        for (label, bytes) in &sigs {
            let member = keyauth_httpsig::signature_member(label, bytes).unwrap();
            let mut again = http::HeaderMap::new();
            again.insert("signature", member.parse().unwrap());
            assert_eq!(parse_signature(&again).unwrap(), vec![(label.clone(), bytes.clone())]);
        }
    }
    let _ = check_content_digest(&headers, data);
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(want) = AcceptSignature::parse(text) {
            for w in &want {
                let m = w.to_member().unwrap();
                assert_eq!(AcceptSignature::parse(&m).unwrap(), vec![w.clone()]);
            }
        }
        if let Ok(c) = ComponentId::parse(text) {
            assert_eq!(ComponentId::parse(c.as_str()).unwrap(), c);
        }
    }
});
