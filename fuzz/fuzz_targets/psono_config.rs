#![no_main]
//! Configuration: any text as psonoci's TOML config file (settings and built config) and as
//! `PSONO_CI_*` variables (`NAME=value` lines): a value or a typed `config` error, never a
//! panic, and no error message that repeats a value (it may be a key) or holds a control
//! character.

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use psono_client::{Config, Settings};

fn check(e: &psono_client::Error, text: &str) {
    let message = e.to_string();
    assert!(!message.chars().any(char::is_control), "control character in {message:?}");
    // A value of 16 or more characters (a key is 64) must never come back in the message.
    for value in text.split(['\n', '=', '"', '\'']) {
        let value = value.trim();
        if value.len() >= 16 && !value.contains(char::is_whitespace) && !value.starts_with("PSONO_CI_") {
            assert!(!message.contains(value), "{message:?} repeats {value:?}");
        }
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
