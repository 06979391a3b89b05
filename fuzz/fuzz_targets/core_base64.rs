#![no_main]
//! Every base64 flavour and hex: any bytes decode to a value or a typed error, never a panic,
//! and whatever decodes re-encodes to something that decodes to the same bytes.

use keyauth_core::Base64;
use keyauth_core::encoding::{hex_decode, hex_encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for flavour in Base64::ALL {
        if let Ok(bytes) = flavour.decode(data) {
            let again = flavour.encode(&bytes);
            assert_eq!(flavour.decode(again).ok().as_deref(), Some(&bytes[..]));
        }
    }
    if let Ok(bytes) = hex_decode(data) {
        assert_eq!(hex_decode(hex_encode(&bytes)).ok(), Some(bytes));
    }
});
