#![no_main]
//! Configuration: any text as psonoci's TOML config file (settings and built config) and as
//! `PSONO_CI_*` variables (`NAME=value` lines): a value or a typed `config` error, never a
//! panic, and no error message that repeats a key's hex (or any 16-digit hex run) or holds a
//! control character.

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use psono_client::{Config, Settings};

fn check(e: &psono_client::Error, text: &str) {
    let message = e.to_string();
    assert!(!message.chars().any(char::is_control), "control character in {message:?}");
    // Keys are hex: no run of 16 or more hex digits of the input may come back in the message
    // (no message has such a run of its own, so this cannot flag fixed text).
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        if run.len() >= 16 {
            assert!(!message.contains(run.as_str()), "{message:?} repeats {run:?}");
        }
        run.clear();
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Settings::from_toml(text) {
        check(&e, text);
    }
    if let Err(e) = Config::from_toml(text) {
        check(&e, text);
    }
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    // PSONO_CI_CONFIG_PATH would read files (a unit test covers that path and its limit).
    let var = |name: &str| {
        (name != "PSONO_CI_CONFIG_PATH")
            .then(|| vars.get(name).map(|v| (*v).to_owned()))
            .flatten()
    };
    if let Err(e) = Settings::from_vars(var) {
        check(&e, text);
    }
    if let Err(e) = Config::from_vars(var) {
        check(&e, text);
    }
});
