//! `keyauth`: every keyauth scheme from the shell.
//!
//! One subcommand per scheme (`ninchat`, `hmac`, `authkey`, `psono`), plus `vectors` (the
//! conformance run of `cargo xtask vectors`) and `completions`. Every command takes `--json`.
//!
//! Exit codes: 0 ok, 1 a check failed (bad signature, expired, replayed, wrong key),
//! 2 usage or input error, 3 network or server error.
//!
//! This library is the binary's body (`src/main.rs` calls [`run`]); it exists so the fuzz
//! targets in `fuzz/` reach the command line's parsers. Its only API is [`run`] and the
//! hidden [`fuzzing`] module; the README is the reference for the command line.

mod authkey_cmd;
mod authkey_net_cmd;
mod exit;
mod hmac_cmd;
mod http_send;
mod httpsig_cmd;
mod input;
mod ninchat_cmd;
mod output;
mod psono;
mod vectors_cmd;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::exit::{CliError, Exit};
use crate::output::Output;

const EXAMPLES: &str = "\
Examples:
  # A Ninchat create_session signature valid for one hour (secret from the environment):
  NINCHAT_MASTER_KEY_SECRET=... keyauth ninchat sign create-session --key-id 22nlihvg --expire 1h

  # The Flask-HMAC `Signature` header value of a request body:
  echo -n '{}' | keyauth hmac sign --key-file hmac.key

  # What an MTProto auth key's ids are:
  keyauth authkey inspect --key-file auth_key.bin

  # A field of a Psono secret, with psonoci's PSONO_CI_* variables set:
  keyauth psono secret get 9f2e... password

Exit codes: 0 ok, 1 check failed, 2 usage or input error, 3 network or server error.
Add --json to any command for one JSON document on stdout (errors included).";

/// Sign, verify, inspect and fetch with every keyauth scheme.
#[derive(Debug, Parser)]
#[command(name = "keyauth", version, after_help = EXAMPLES)]
struct Cli {
    /// Print one JSON document on stdout (errors too: {"error": {...}}).
    #[arg(long, global = true)]
    json: bool,
    /// The most a secret or key may hold, from a flag, file or variable.
    #[arg(long, global = true, value_name = "BYTES", help_heading = "Limits",
          default_value_t = input::MAX_SECRET_BYTES)]
    max_secret_bytes: u64,
    /// The most a data file, stdin or vector file may hold.
    #[arg(long, global = true, value_name = "BYTES", help_heading = "Limits",
          default_value_t = input::MAX_DATA_BYTES)]
    max_input_bytes: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ninchat master-key signatures and secure metadata.
    Ninchat(ninchat_cmd::Args),
    /// Flask-HMAC request signatures: sign, verify, send a signed request.
    Hmac(hmac_cmd::Args),
    /// HTTP Message Signatures (RFC 9421): sign, verify, send a signed request.
    Httpsig(httpsig_cmd::Args),
    /// MTProto auth keys: inspect, encrypt and decrypt MTProto 2.0 packets.
    Authkey(authkey_cmd::Args),
    /// Psono secrets with an API key (psonoci's settings).
    Psono(psono::Args),
    /// Run conformance vectors: the built-in copies, or every *.json in DIR.
    Vectors(vectors_cmd::Args),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  keyauth completions bash > /etc/bash_completion.d/keyauth")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Runs `keyauth` over the process's arguments, environment and standard streams.
#[must_use]
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap writes them.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Exit::Ok.into();
        }
        // Usage errors: one line, like every other error (clap's text has a usage block).
        Err(e) => {
            // args_os: an argument that is not UTF-8 must not panic here.
            let json = std::env::args_os().skip(1).any(|a| a == "--json");
            Output::new(json).error(&CliError::input("usage", usage_message(&e)));
            return Exit::Usage.into();
        }
    };
    let out = Output::new(cli.json);
    input::set_limits(cli.max_secret_bytes, cli.max_input_bytes);
    let result = match cli.command {
        Command::Ninchat(args) => ninchat_cmd::run(args, &out),
        Command::Hmac(args) => hmac_cmd::run(args, &out),
        Command::Httpsig(args) => httpsig_cmd::run(args, &out),
        Command::Authkey(args) => authkey_cmd::run(args, &out),
        Command::Psono(args) => psono::run(args, &out),
        Command::Vectors(args) => vectors_cmd::run(&args, &out),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "keyauth", &mut script);
            output::write_stdout(&script).map(|()| Exit::Ok)
        }
    };
    match result {
        Ok(code) => code.into(),
        // The reader went away (`| head`): nothing to say, as other Unix tools.
        Err(e) if e.is_broken_pipe() => Exit::Ok.into(),
        Err(e) => {
            out.error(&e);
            e.exit.into()
        }
    }
}

/// clap's usage error as one line, without the offending value: it may be a secret given to
/// the wrong flag, or a mistyped flag's secret (`--kye=...`).
pub(crate) fn usage_message(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let message = match (e.kind(), arg) {
        (ErrorKind::InvalidValue | ErrorKind::ValueValidation, Some(arg)) => {
            format!("invalid value for '{arg}'")
        }
        (ErrorKind::InvalidUtf8, Some(arg)) => format!("'{arg}' is not valid UTF-8"),
        (ErrorKind::InvalidUtf8, None) => "an argument is not valid UTF-8".to_owned(),
        (ErrorKind::UnknownArgument, Some(arg)) if arg.starts_with('-') => {
            // A flag's name, never what follows its `=`.
            let name = arg.split('=').next().unwrap_or(arg);
            format!("unexpected argument '{name}'")
        }
        (ErrorKind::UnknownArgument, _) => "unexpected argument".to_owned(),
        (ErrorKind::InvalidSubcommand, _) => "unrecognized subcommand".to_owned(),
        (
            ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::NoEquals,
            Some(arg),
        ) => {
            format!("wrong number of values for '{arg}'")
        }
        // These name flags and subcommands only; their first line is the message.
        (
            ErrorKind::MissingRequiredArgument
            | ErrorKind::ArgumentConflict
            | ErrorKind::MissingSubcommand
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            | ErrorKind::TooFewValues,
            _,
        ) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            first.strip_prefix("error: ").unwrap_or(first).to_owned()
        }
        // Anything else may quote a value: say only which flag, when clap knows it.
        (_, Some(arg)) => format!("invalid use of '{arg}'"),
        (_, None) => "invalid arguments".to_owned(),
    };
    format!("{message} (see --help)")
}

/// Runs a future on a fresh single-threaded runtime (network commands only).
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(Exit::Network, "runtime", format!("cannot start: {e}")))?;
    Ok(rt.block_on(future))
}

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
