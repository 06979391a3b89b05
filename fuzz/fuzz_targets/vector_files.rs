#![no_main]
//! Vector files: arbitrary bytes as a vector file through the harness and the runners of
//! keyauth-core, authkey, ninchat-master and psono-client (hmac-auth's `http` op starts
//! servers, so it stays out). A report or a load error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let authkey = authkey::conformance::Conformance::default();
    let runners: [&dyn keyauth_vectors::Scheme; 4] = [
        &keyauth_core::conformance::Conformance,
        &authkey,
        &ninchat_master::conformance::Conformance,
        &psono_client::conformance::Conformance,
    ];
    if let Ok(report) = keyauth_vectors::run_file_text(&runners, "fuzz.json", text) {
        let rendered = keyauth_vectors::render(&[report]);
        assert!(rendered.ends_with(" failed\n"));
    }
});
