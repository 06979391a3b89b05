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

/// A failure: its exit code, a stable snake_case kind and a one-line message without secrets.
#[derive(Debug)]
pub(crate) struct CliError {
    pub exit: Exit,
    pub kind: String,
    pub message: String,
}

impl CliError {
    pub(crate) fn new(exit: Exit, kind: impl Into<String>, message: impl Into<String>) -> Self {
        // One line, whatever a library or the OS put in the text.
        let message = message.into().replace(['\n', '\r'], " ");
        Self {
            exit,
            kind: kind.into(),
            message,
        }
    }

    /// A usage or input error (exit 2).
    pub(crate) fn input(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, kind, message)
    }

    /// A failed check (exit 1).
    pub(crate) fn check(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Check, kind, message)
    }

    /// A network or server error (exit 3).
    pub(crate) fn network(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Exit::Network, kind, message)
    }

    /// A library error by its common kind: checks that fail exit 1, malformed input and
    /// unusable keys 2, unavailable services 3.
    pub(crate) fn from_kind(kind: ErrorKind, message: impl ToString) -> Self {
        let exit = match kind {
            ErrorKind::Malformed | ErrorKind::InvalidKey => Exit::Usage,
            ErrorKind::Unavailable | ErrorKind::Random => Exit::Network,
            _ => Exit::Check,
        };
        Self::new(exit, kind.as_str(), message.to_string())
    }
}

impl From<ninchat_master::Error> for CliError {
    fn from(e: ninchat_master::Error) -> Self {
        Self::from_kind(e.kind(), &e)
    }
}

impl From<hmac_auth::Error> for CliError {
    fn from(e: hmac_auth::Error) -> Self {
        Self::from_kind(e.kind(), &e)
    }
}

impl From<authkey::Error> for CliError {
    fn from(e: authkey::Error) -> Self {
        Self::from_kind(e.kind(), &e)
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
        assert_eq!((e.exit, e.kind.as_str()), (Exit::Network, "unavailable"));
        assert_eq!(CliError::input("x", "a\nb").message, "a b");
    }
}
