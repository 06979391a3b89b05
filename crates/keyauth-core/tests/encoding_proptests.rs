//! Encode -> decode round trips for every flavour, and the lenient Python decoder agreeing with
//! the strict ones on everything a strict encoder writes.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use keyauth_core::Base64;
use keyauth_core::encoding::{hex_decode, hex_encode};
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_flavour_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for flavour in Base64::ALL {
            prop_assert_eq!(flavour.decode(flavour.encode(&bytes)).unwrap(), bytes.clone());
        }
        prop_assert_eq!(hex_decode(hex_encode(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn python_decodes_what_strict_encoders_write(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(Base64::Python.decode(Base64::Standard.encode(&bytes)).unwrap(), bytes.clone());
        prop_assert_eq!(
            Base64::PythonUrlSafe.decode(Base64::UrlSafe.encode(&bytes)).unwrap(),
            bytes
        );
    }

    #[test]
    fn decoders_never_panic(text in proptest::collection::vec(any::<u8>(), 0..64)) {
        for flavour in Base64::ALL {
            let _ = flavour.decode(&text);
        }
        let _ = hex_decode(&text);
    }

    #[test]
    fn one_changed_character_never_decodes_to_the_same_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 1..64),
        pos in any::<prop::sample::Index>(),
    ) {
        let text = Base64::Standard.encode(&bytes).into_bytes();
        let i = pos.index(text.len());
        let mut tampered = text.clone();
        tampered[i] = if text[i] == b'A' { b'B' } else { b'A' };
        prop_assert_ne!(Base64::Standard.decode(&tampered).ok(), Some(bytes));
    }
}
