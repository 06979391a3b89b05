#![no_main]
//! Whole argument lists through clap and every value parser it runs, built from the command
//! tree's own subcommands and flags, values and raw (not UTF-8) bytes: never a panic, and the
//! usage error is one terminal-safe line that never repeats a value (it may be a secret given
//! to the wrong flag).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use keyauth_cli::fuzzing;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Token {
    /// A word of the command tree (subcommand, `--flag`, possible value).
    Word(u16),
    /// `--flag=value`.
    FlagEq(u16, String),
    /// A value: marked, so that its echo in a message is recognisable.
    Value(u32, String),
    /// Arbitrary bytes, often not UTF-8.
    Raw(Vec<u8>),
}

fn words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(fuzzing::vocabulary)
}

fuzz_target!(|tokens: Vec<Token>| {
    if tokens.len() > 24 {
        return;
    }
    let words = words();
    let mut markers = Vec::new();
    // A raw token may spell a marker itself (`--zq0000..` is then echoed as a flag's name).
    let mut raw_marker = false;
    let args: Vec<OsString> = tokens
        .into_iter()
        .map(|t| match t {
            Token::Word(i) => OsString::from(&words[usize::from(i) % words.len()]),
            Token::FlagEq(i, v) => {
                let w = &words[usize::from(i) % words.len()];
                let marker = format!("zq{:08x}", v.len() as u32 ^ u32::from(i));
                markers.push(marker.clone());
                OsString::from(format!("{w}={marker}{v}"))
            }
            Token::Value(n, v) => {
                let marker = format!("zq{n:08x}");
                markers.push(marker.clone());
                OsString::from(format!("{marker}{v}"))
            }
            Token::Raw(bytes) => {
                raw_marker |= bytes.windows(2).any(|w| w == b"zq");
                OsString::from_vec(bytes)
            }
        })
        .collect();
    if let Err(line) = fuzzing::parse_args(args) {
        assert!(fuzzing::is_terminal_safe(&line), "{line:?}");
        for m in markers.iter().filter(|_| !raw_marker) {
            assert!(!line.contains(m.as_str()), "{line:?} repeats a value");
        }
    }
});
