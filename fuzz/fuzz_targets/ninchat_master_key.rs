#![no_main]
//! `MasterKey::new` on arbitrary id and secret text (split at the first NUL): a key whose
//! `Debug` is redacted, or a typed error whose text does not depend on the secret's content.

use libfuzzer_sys::fuzz_target;
use ninchat_master::MasterKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (id, secret) = text.split_once('\0').unwrap_or(("k", text));
    match MasterKey::new(id, secret) {
        Ok(key) => assert!(format!("{key:?}").contains("[redacted]")),
        Err(e) => {
            assert!(!e.code().is_empty());
            // The message names the failure (and a decoded length), never the text: an
            // unusable secret of the same shape gives the same message.
            let same_shape: String = secret
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { 'A' } else { c })
                .collect();
            if let Err(again) = MasterKey::new(id, &same_shape)
                && again.code() == e.code()
            {
                assert_eq!(again.to_string(), e.to_string());
            }
        }
    }
});
