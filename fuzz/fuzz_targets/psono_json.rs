#![no_main]
//! JSON decoding: any bytes as a login info, a login request, a datastore, share or secret
//! response, an api-key-access answer, or a decrypted folder tree (walked, shares included)
//! give a value or a typed error, never a panic.

use libfuzzer_sys::fuzz_target;
use psono_client::login::LoginUser;
use psono_client::server::verify_login_request;
use psono_client::{
    ApiKeyAccessSecret, EncryptedDatastore, EncryptedSecret, EncryptedShare, Folder, LoginInfo,
    SecretKey, SigningSeed, Step, Timestamp, TreeWalker,
};
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let _ = LoginInfo::parse(Zeroizing::new(data.to_vec()));
    if let Ok(text) = std::str::from_utf8(data) {
        let vk = SigningSeed::from_bytes([4; 32]).verify_key();
        let _ = verify_login_request(text, &"00".repeat(64), |_| Some(vk));
        let _ = Timestamp::parse(text, "fuzz");
    }
    let key = SecretKey::from_bytes([7; 32]);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = LoginUser::from_json(&v).map(|u| u.unlock(&key));
        let _ = EncryptedDatastore::from_json(&v).map(|d| d.open(&key));
        let _ = EncryptedSecret::from_json(&v).map(|s| s.open(&key));
        let _ = ApiKeyAccessSecret::from_json(&v).map(|s| s.open(&key));
    }
    if let Ok(folder) = Folder::parse(data) {
        if let Ok(mut walker) = TreeWalker::new(&folder) {
            // Every share resolves to the same tree (sealed under whatever key the link
            // names): cycles and repeats must still terminate.
            for _ in 0..64 {
                match walker.next_step() {
                    Ok(Step::NeedShare(req)) => {
                        let share = EncryptedShare {
                            id: req.share_id,
                            data: String::new(),
                            data_nonce: String::new(),
                        };
                        if walker.provide_share(&share).is_err() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            let _ = walker.finish();
        }
    }
});
