//! The command line's parsers, for the fuzz targets in `fuzz/` (not a stable API).
//!
//! Each function runs exactly the code the binary runs on a value, and turns a refusal into
//! the one line the binary would print (`code: message`), so a target can assert what a user
//! would see: no panic, no control character, no echo of a value that may be a secret.

use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use crate::Cli;
use crate::exit::CliError;

fn line(e: &CliError) -> String {
    format!("{}: {}", e.code, e.message)
}

/// Every subcommand name and `--long` flag of the command tree, for building argument lists
/// that get past clap's first checks.
#[must_use]
pub fn vocabulary() -> Vec<String> {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        out.push(cmd.get_name().to_owned());
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                out.push(format!("--{long}"));
            }
            for v in arg.get_possible_values() {
                out.push(v.get_name().to_owned());
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &mut out);
    out.sort();
    out.dedup();
    out
}

/// Parses `args` (without the program name) as the `keyauth` command line: clap and every
/// value parser it runs, not the command. Help and version count as parsed.
///
/// # Errors
/// The one-line usage message the binary prints.
pub fn parse_args(args: Vec<OsString>) -> Result<(), String> {
    let argv = std::iter::once(OsString::from("keyauth")).chain(args);
    match Cli::try_parse_from(argv) {
        Ok(_) => Ok(()),
        Err(e) if !e.use_stderr() => Ok(()),
        Err(e) => Err(line(&CliError::input("usage", crate::usage_message(&e)))),
    }
}

/// `--timeout`, `--max-age`, `--ttl`...: a duration in seconds.
#[must_use]
pub fn parse_duration(text: &str) -> Option<u64> {
    crate::input::parse_duration(text)
}

/// `keyauth ninchat sign --expire`: Unix seconds or a duration from `now`.
///
/// # Errors
/// The binary's error line.
pub fn parse_expire(text: &str, now: u64) -> Result<(), String> {
    crate::ninchat_cmd::parse_expire(text, keyauth_core::UnixTime::new(now))
        .map(drop)
        .map_err(|e| line(&e))
}

/// `keyauth ninchat sign --attr NAME=JSON`: returns how many attributes parsed.
///
/// # Errors
/// The binary's error line.
pub fn parse_attrs(raw: &[String]) -> Result<usize, String> {
    crate::ninchat_cmd::parse_attrs(raw)
        .map(|a| a.len())
        .map_err(|e| line(&e))
}

/// `-H 'Name: value'` of `hmac curl` and `httpsig curl`: returns how many headers parsed.
///
/// # Errors
/// The binary's error line.
pub fn parse_headers(lines: &[String]) -> Result<usize, String> {
    crate::input::parse_headers(lines)
        .map(|h| h.len())
        .map_err(|e| line(&e))
}

/// `keyauth psono secret get ID FIELD`: the field name.
///
/// # Errors
/// The binary's error line.
pub fn parse_field(name: &str) -> Result<(), String> {
    crate::psono::parse_field(name)
        .map(drop)
        .map_err(|e| line(&e))
}

/// Whether `text` can reach a terminal as it is: no control character (CR and LF neither:
/// errors are one line) and no bidirectional override.
#[must_use]
pub fn is_terminal_safe(text: &str) -> bool {
    crate::exit::terminal_safe(text) == text
}
