#![no_main]
//! The HTTP client's handling of a refused answer: any status and body (JSON, HTML, binary)
//! through every kind of request becomes a typed error whose message is one terminal-safe
//! line of bounded length, never a panic and never a whole page.

use libfuzzer_sys::fuzz_target;
use psono_client::client::refusals_for_fuzzing;

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 100 + u16::from_be_bytes(*head) % 500;
    for e in refusals_for_fuzzing(status, body) {
        let text = e.to_string();
        assert!(!e.code().is_empty());
        assert!(
            !text.chars().any(keyauth_core::text::is_unsafe_for_terminal),
            "unsafe text in {text:?}"
        );
        assert!(text.chars().count() < 1200, "{} characters", text.chars().count());
    }
});
