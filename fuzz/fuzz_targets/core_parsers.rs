#![no_main]
//! keyauth-core's small parsers: fixed-size hex, flavour names, expiry checks on arbitrary
//! numbers. A value or a typed error, never a panic; what parses round-trips.

use keyauth_core::encoding::{hex_decode_array, hex_encode};
use keyauth_core::{Base64, Expiry, UnixTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = hex_decode_array::<32>(data) {
        assert_eq!(hex_decode_array::<32>(hex_encode(&a)).ok(), Some(a));
    }
    if let Ok(a) = hex_decode_array::<8>(data) {
        assert_eq!(hex_decode_array::<8>(hex_encode(&a)).ok(), Some(a));
    }
    if let Ok(name) = std::str::from_utf8(data)
        && let Some(flavour) = Base64::from_name(name)
    {
        assert_eq!(flavour.as_str(), name);
    }
    if data.len() >= 24 {
        let n = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().unwrap_or([0; 8]));
        let (expire, now, horizon) = (UnixTime::new(n(0)), UnixTime::new(n(8)), n(16));
        let within = Expiry::within(horizon).check(expire, now);
        if within.is_ok() {
            assert!(Expiry::unbounded().check(expire, now).is_ok());
        }
    }
});
