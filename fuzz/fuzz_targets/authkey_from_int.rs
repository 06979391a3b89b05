//! Any text as a key integer (hex) and any bytes as a big-endian integer or key bytes: a key
//! or a typed error, never a panic; a key's integer form gives the same key back.
#![no_main]

use authkey::AuthKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = AuthKey::from_int_hex(text) {
            let again = AuthKey::from_int_hex(&key.to_int_hex()).expect("roundtrip");
            assert_eq!(again, key);
            let _ = authkey::mtpylon::dump_integer_big_endian(&key);
        }
    }
    if let Ok(key) = AuthKey::from_be_int(data) {
        assert_eq!(
            AuthKey::from_be_int(key.expose_secret()).expect("roundtrip"),
            key
        );
        let _ = authkey::mtpylon::get_msg_key(&key, data);
    }
    let _ = AuthKey::from_slice(data);
});
