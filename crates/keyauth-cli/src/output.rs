//! Text or JSON output, chosen once by `--json`.

use serde_json::{Value, json};

use crate::exit::CliError;

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
    pub(crate) fn emit(self, value: &Value, text: &str) {
        if self.json {
            println!("{value}");
        } else if !text.is_empty() {
            if text.ends_with('\n') {
                print!("{text}");
            } else {
                println!("{text}");
            }
        }
    }

    /// Reports an error: one line on stderr, and with `--json` the error document on stdout.
    pub(crate) fn error(self, e: &CliError) {
        eprintln!("keyauth: {}: {}", e.code, e.message);
        if self.json {
            let doc = json!({"error": {
                "exit": e.exit as u8, "code": e.code, "kind": e.kind, "message": e.message,
            }});
            println!("{doc}");
        }
    }
}
