#![no_main]
//! The command line's value parsers, as the binary runs them: durations, `--expire`,
//! `--attr NAME=JSON`, `-H 'Name: value'` and psono field names. A value or the binary's
//! one-line error, never a panic; the error line is terminal safe, and for headers it is
//! fixed text and a position only (a value may be a credential).

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
        // The whole line is fixed text and a position: no part of any header can be in it.
        let rest = line.strip_prefix("bad_header: header ").unwrap_or_else(|| panic!("{line:?}"));
        let (n, what) = rest.split_once(": ").unwrap_or_else(|| panic!("{line:?}"));
        assert!(n.parse::<usize>().is_ok_and(|n| (1..=input.headers.len()).contains(&n)), "{line:?}");
        assert!(
            matches!(
                what,
                "expected 'Name: value'" | "not a valid header name" | "not a valid header value"
            ),
            "{line:?}"
        );
    }
    if let Err(line) = fuzzing::parse_field(&input.field) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
    }
});
