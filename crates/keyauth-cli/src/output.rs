//! Text or JSON output, chosen once by `--json`.

use std::io::Write as _;

use serde_json::{Value, json};

use crate::exit::{CliError, terminal_safe};

/// Writes `bytes` to stdout and flushes. A reader that went away (`| head`) is
/// [`CliError::broken_pipe`], which `main` turns into a quiet exit; any other failure
/// (`/dev/full`) is an `io` error. Never panics, unlike `println!`.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                CliError::broken_pipe()
            } else {
                CliError::input("io", format!("cannot write output: {}", e.kind()))
            }
        })
}

/// One line on stderr; a stderr that cannot be written is ignored (there is nowhere left to
/// report it), where `eprintln!` would panic.
pub(crate) fn stderr_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.write_all(b"\n"));
}

/// Text from a server or a file, made safe for a terminal, on one line.
pub(crate) fn stderr_safe(text: &str) {
    stderr_line(&terminal_safe(text));
}

/// Where results and errors go.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether `--json` was given.
    pub(crate) fn is_json(self) -> bool {
        self.json
    }

    /// Prints a result: `value` as one line of JSON with `--json`, else `text` (a trailing
    /// newline is added when missing; empty text prints nothing).
    ///
    /// # Errors
    /// As [`write_stdout`].
    pub(crate) fn emit(self, value: &Value, text: &str) -> Result<(), CliError> {
        if self.json {
            write_stdout(format!("{value}\n").as_bytes())
        } else if text.is_empty() {
            Ok(())
        } else if text.ends_with('\n') {
            write_stdout(text.as_bytes())
        } else {
            write_stdout(format!("{text}\n").as_bytes())
        }
    }

    /// Reports an error: one line on stderr, and with `--json` the error document on stdout.
    pub(crate) fn error(self, e: &CliError) {
        stderr_line(&format!("keyauth: {}: {}", e.code, e.message));
        if self.json {
            let doc = json!({"error": {
                "exit": e.exit as u8, "code": e.code, "kind": e.kind, "message": e.message,
            }});
            // Nothing more to report if stdout is gone too.
            let _ = write_stdout(format!("{doc}\n").as_bytes());
        }
    }
}
