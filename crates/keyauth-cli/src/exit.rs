//! Exit codes and the one error type every command returns.

use std::process::ExitCode;

use keyauth_core::ErrorKind;

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Success.
    Ok = 0,
    /// A check failed: bad signature or MAC, expired, replayed, unknown key, wrong user.
    Check = 1,
    /// Usage or input error: bad flags, unreadable file, malformed value, bad key.
    Usage = 2,
    /// A network or server error: unreachable server, Redis down, an HTTP error answer.
    Network = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        Self::from(e as u8)
    }
}

/// A failure: its exit code, a stable snake_case code (a library error's `code()`, or the
/// CLI's own for usage and I/O errors), the class it belongs to, and a one-line message without
/// secrets.
#[derive(Debug)]
pub(crate) struct CliError {
    pub exit: Exit,
    pub code: String,
    /// keyauth-core's `ErrorKind` name for library errors; `usage`, `check` or `network` for
    /// the CLI's own.
    pub kind: &'static str,
    pub message: String,
}

/// Text safe for a terminal on one line (keyauth-core's one helper): CR and LF become spaces,
/// other control characters and the bidirectional overrides are escaped as `\u{..}`.
/// Messages can carry a server's or a file's text.
pub(crate) fn terminal_safe(text: &str) -> String {
    keyauth_core::terminal_safe(text).into_owned()
}

impl CliError {
    pub(crate) fn new(exit: Exit, code: impl Into<String>, message: impl Into<String>) -> Self {
        let kind = match exit {
            Exit::Ok => "ok",
            Exit::Check => "check",
            Exit::Usage => "usage",
            Exit::Network => "network",
        };
        Self {
            exit,
            code: code.into(),
            kind,
            message: terminal_safe(&message.into()),
        }
    }

    /// A usage or input error (exit 2).
    pub(crate) fn input(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, code, message)
    }

    /// A failed check (exit 1).
    pub(crate) fn check(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Check, code, message)
    }

    /// A network or server error (exit 3).
    pub(crate) fn network(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Network, code, message)
    }

    /// Stdout's reader went away: `main` exits quietly, as Unix tools do.
    pub(crate) fn broken_pipe() -> Self {
        Self::new(Exit::Usage, "broken_pipe", "")
    }

    /// Whether this is [`CliError::broken_pipe`].
    pub(crate) fn is_broken_pipe(&self) -> bool {
        self.code == "broken_pipe"
    }

    /// A library error by its stable code and common kind: checks that fail exit 1, malformed
    /// input and unusable keys 2, unavailable services 3.
    pub(crate) fn from_library(code: &str, kind: ErrorKind, message: impl ToString) -> Self {
        let exit = match kind {
            ErrorKind::Malformed | ErrorKind::InvalidKey => Exit::Usage,
            ErrorKind::Unavailable | ErrorKind::Random => Exit::Network,
            _ => Exit::Check,
        };
        Self {
            kind: kind.as_str(),
            ..Self::new(exit, code, message.to_string())
        }
    }
}

impl From<ninchat_master::Error> for CliError {
    fn from(e: ninchat_master::Error) -> Self {
        Self::from_library(e.code(), e.kind(), &e)
    }
}

impl From<hmac_auth::Error> for CliError {
    fn from(e: hmac_auth::Error) -> Self {
        Self::from_library(e.code(), e.kind(), &e)
    }
}

impl From<authkey::Error> for CliError {
    fn from(e: authkey::Error) -> Self {
        Self::from_library(e.code(), e.kind(), &e)
    }
}

impl From<keyauth_core::Error> for CliError {
    fn from(e: keyauth_core::Error) -> Self {
        Self::from_library(e.code(), e.kind(), &e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        assert_eq!(
            CliError::from(ninchat_master::Error::BadMac).exit,
            Exit::Check
        );
        assert_eq!(
            CliError::from(ninchat_master::Error::BadBase64).exit,
            Exit::Usage
        );
        assert_eq!(
            CliError::from(hmac_auth::Error::InvalidSignature).exit,
            Exit::Check
        );
        assert_eq!(
            CliError::from(hmac_auth::Error::KeyNotLatin1).exit,
            Exit::Usage
        );
        assert_eq!(
            CliError::from(authkey::Error::MsgKeyMismatch).exit,
            Exit::Check
        );
        let e = CliError::from(authkey::Error::Unavailable {
            reason: "down".into(),
        });
        assert_eq!(
            (e.exit, e.code.as_str(), e.kind),
            (Exit::Network, "unavailable", "unavailable")
        );
        let e = CliError::from(ninchat_master::Error::BadMac);
        assert_eq!((e.code.as_str(), e.kind), ("bad_mac", "bad_signature"));
        assert_eq!(CliError::input("x", "a\nb").message, "a b");
    }

    #[test]
    fn messages_are_terminal_safe() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\u{7}c\u{0}d\u{202e}e\r\nf"),
            "a\\u{001b}[31mb\\u{0007}c\\u{0000}d\\u{202e}e  f"
        );
        assert_eq!(terminal_safe("Zoë ünïcode"), "Zoë ünïcode");
    }
}
