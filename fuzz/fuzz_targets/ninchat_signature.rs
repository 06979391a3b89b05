//! Signature parsing and verification on arbitrary text: never a panic; whatever parses and
//! verifies must re-sign to the same text.
#![no_main]

use keyauth_core::UnixTime;
use libfuzzer_sys::fuzz_target;
use ninchat_master::{Call, Json, MasterKey, ParsedSignature, Verifier};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let _ = ParsedSignature::parse(text);
    let Ok(key) = MasterKey::new("k", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=") else {
        return;
    };
    let verifier = Verifier::new([key]);
    let attrs = [("a", Json::from(1))];
    for call in [
        Call::create_session(),
        Call::create_session().user_id("u").attrs(&attrs),
        Call::join_channel("c").user_id("u"),
    ] {
        // A forged signature verifying would be a finding: MACs are 512 bits.
        assert!(verifier.check(text, &call, UnixTime::new(0)).is_err());
    }
});
