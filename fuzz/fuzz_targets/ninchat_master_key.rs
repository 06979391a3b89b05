#![no_main]
//! `MasterKey::new` on arbitrary id and secret text (split at the first NUL): a key or a typed
//! error, and no error message ever contains the secret.

use libfuzzer_sys::fuzz_target;
use ninchat_master::MasterKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (id, secret) = text.split_once('\0').unwrap_or(("k", text));
    match MasterKey::new(id, secret) {
        Ok(key) => assert!(!format!("{key:?}").contains(secret) || secret.len() < 4),
        Err(e) => {
            assert!(!e.code().is_empty());
            if secret.len() >= 8 {
                assert!(!e.to_string().contains(secret));
            }
        }
    }
});
