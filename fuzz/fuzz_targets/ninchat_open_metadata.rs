//! Opening secure metadata from arbitrary text, and from arbitrary plaintexts sealed with a
//! valid digest: never a panic, only typed errors; what opens re-encodes to the same JSON.
#![no_main]

use keyauth_core::UnixTime;
use libfuzzer_sys::fuzz_target;
use ninchat_master::{Json, MasterKey, Signer, Verifier};

fuzz_target!(|data: &[u8]| {
    let Ok(key) = MasterKey::new("k", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=") else {
        return;
    };
    let verifier = Verifier::new([key.clone()]);
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = verifier.open_secure_metadata_at(text, None, UnixTime::new(0));
        let _ = verifier.open_secure_metadata_at(&format!("k-{text}"), Some("u"), UnixTime::new(0));
        let _ = verifier.open_secure_metadata_at(&format!("k.{text}"), None, UnixTime::new(0));
        // Arbitrary JSON as metadata: seal, open, compare.
        if let Ok(metadata) = serde_json::from_str::<Json>(text) {
            if let Ok(sealed) = Signer::new(&key)
                .expiry(keyauth_core::Expiry::unbounded())
                .secure_metadata_with_iv(4_000_000_000u64, &metadata, Some("u"), &[3; 16])
            {
                let opened = verifier
                    .open_secure_metadata_at(&sealed.value, Some("u"), UnixTime::new(0))
                    .expect("a sealed value opens");
                assert_eq!(
                    opened.metadata.to_python_json().ok(),
                    metadata.to_python_json().ok()
                );
            }
        }
    }
});
