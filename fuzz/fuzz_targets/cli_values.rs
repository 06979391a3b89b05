#![no_main]
//! The command line's value parsers, as the binary runs them: durations, `--expire`,
//! `--attr NAME=JSON`, `-H 'Name: value'` and psono field names. A value or the binary's
//! one-line error, never a panic; the error line is terminal safe and never repeats a header
//! value (it may be a credential).

use arbitrary::Arbitrary;
use keyauth_cli::fuzzing;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    duration: String,
    expire: String,
    now: u64,
    attrs: Vec<String>,
    headers: Vec<String>,
    field: String,
}

fuzz_target!(|input: Input| {
    let _ = fuzzing::parse_duration(&input.duration);
    if let Err(line) = fuzzing::parse_expire(&input.expire, input.now) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
    }
    if let Err(line) = fuzzing::parse_attrs(&input.attrs) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
    }
    if let Err(line) = fuzzing::parse_headers(&input.headers) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
        for h in &input.headers {
            if let Some((_, value)) = h.split_once(':') {
                let value = value.trim();
                if value.len() >= 8 {
                    assert!(!line.contains(value), "{line:?} repeats a header value");
                }
            }
        }
    }
    if let Err(line) = fuzzing::parse_field(&input.field) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
    }
});
