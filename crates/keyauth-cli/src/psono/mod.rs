//! `keyauth psono`: psonoci's commands, names, flags and `PSONO_CI_*` variables on
//! psono-client. This module keeps flags, output and exit codes only; the Psono logic (types,
//! field names, the read and write paths, TOTP) lives in psono-client.
//!
//! Settings: a flag beats a `PSONO_CI_*` variable, a variable beats the config file
//! (`--config`/`--config-path` or `PSONO_CI_CONFIG_PATH`), or the packed config that stands
//! for it (`--config-packed` or `PSONO_CI_CONFIG_PACKED`, which wins over the file).

mod commands;
mod env;
mod gpg;
#[cfg(unix)]
mod ssh;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use keyauth_core::ErrorKind;
use psono_client::{
    Client, Config, Error as PsonoError, SecretKey, Settings, SigningSeed, VerifyKey, Via,
};

use crate::exit::{CliError, Exit};
use crate::input::SecretSource;
use crate::output::Output;

pub(crate) use commands::PsonoCommand;
pub(crate) use commands::parse_field;

const EXAMPLES: &str = "\
Examples:
  # psonoci's settings in the environment (the secret key is better in a variable than a flag):
  export PSONO_CI_SERVER_URL=https://psono.example.com/server
  export PSONO_CI_API_KEY_ID=6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b
  export PSONO_CI_API_SECRET_KEY_HEX=...   # 64 hex characters
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password
  keyauth psono run -- ./deploy.sh            # every env var of the key's secrets
  keyauth psono totp get-token 1396421d-9498-4b53-a7dc-59a1de5901d4

  # The same settings from psonoci's TOML config file:
  keyauth psono --config ~/.psonoci.toml secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff username

  # Session commands (datastores, secrets not attached to the key) also need the key's private
  # key and the server's signature (PSONO_CI_API_PRIVATE_KEY_HEX, PSONO_CI_SERVER_SIGNATURE_HEX).

Exit codes: 0 ok; 1 refused or not there (not attached, no permission, not found, field not
set, expired session, wrong key, bad server signature, invalid TOTP token); 2 usage, input or
setting error (also a field the secret's type does not have, a secret of the wrong type);
3 network or server error (unreachable, timeout, HTTP 5xx, malformed answer). `run` exits
with its command's status instead (128+N when signal N killed it).

With --json errors are {\"error\":{\"code\",\"kind\",\"message\"}}: kind is psono-client's
stable error code (Error::code()).";

/// Arguments of `keyauth psono`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct Args {
    // Boxed: the flags would make this the largest variant of main's command enum.
    #[command(flatten)]
    conn: Box<ConnArgs>,
    #[command(subcommand)]
    command: PsonoCommand,
}

/// Connection settings; every one may also come from psonoci's variable or config file.
#[derive(clap::Args)]
struct ConnArgs {
    /// The server's API root, e.g. https://psono.example.com/server [PSONO_CI_SERVER_URL].
    #[arg(long, global = true, value_name = "URL")]
    server_url: Option<String>,
    /// The API key's id, a UUID [PSONO_CI_API_KEY_ID].
    #[arg(long, global = true, value_name = "UUID")]
    api_key_id: Option<String>,
    /// The API key's secret key, 64 hex characters (visible in `ps`: prefer the file or
    /// PSONO_CI_API_SECRET_KEY_HEX).
    #[arg(
        long,
        global = true,
        value_name = "HEX",
        conflicts_with = "api_secret_key_file"
    )]
    api_secret_key_hex: Option<String>,
    /// A file holding the API secret key as hex (`-` is stdin).
    #[arg(long, global = true, value_name = "FILE")]
    api_secret_key_file: Option<PathBuf>,
    /// The API key's private key, 64 hex characters, for a session login (visible in `ps`:
    /// prefer the file or PSONO_CI_API_PRIVATE_KEY_HEX).
    #[arg(
        long,
        global = true,
        value_name = "HEX",
        conflicts_with = "api_private_key_file"
    )]
    api_private_key_hex: Option<String>,
    /// A file holding the API private key as hex (`-` is stdin).
    #[arg(long, global = true, value_name = "FILE")]
    api_private_key_file: Option<PathBuf>,
    /// The server's signature (Ed25519 verify key, 64 hex), pinned for a session login
    /// [PSONO_CI_SERVER_SIGNATURE_HEX].
    #[arg(long, global = true, value_name = "HEX")]
    server_signature_hex: Option<String>,
    /// psonoci's TOML config file [PSONO_CI_CONFIG_PATH].
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        visible_alias = "config-path"
    )]
    config: Option<PathBuf>,
    /// psonoci's packed config string, from `config pack` [PSONO_CI_CONFIG_PACKED]; used
    /// instead of the config file when both are given, as psonoci does. It holds the secret
    /// key and a flag is visible in `ps`: prefer the variable.
    #[arg(long, global = true, value_name = "PACKED")]
    config_packed: Option<String>,
    /// Timeout of every request: seconds, or a duration such as 30s or 2m [PSONO_CI_TIMEOUT;
    /// default 60].
    #[arg(long, global = true, value_name = "DURATION")]
    timeout: Option<String>,
    /// Refuse a server answer larger than this many bytes (read as it arrives, never whole).
    #[arg(long, global = true, value_name = "BYTES", default_value_t = 16 << 20)]
    max_response_bytes: usize,
    /// A PEM root certificate to trust besides the system's, for a server with a private CA
    /// [PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH].
    #[arg(long, global = true, value_name = "FILE", visible_alias = "ca-file")]
    pem_root_certificate_path: Option<PathBuf>,
    /// A DER root certificate to trust besides the system's
    /// [PSONO_CI_ADD_DER_ROOT_CERTIFICATE_PATH].
    #[arg(long, global = true, value_name = "FILE")]
    der_root_certificate_path: Option<PathBuf>,
}

impl std::fmt::Debug for ConnArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key flags are secrets: only whether they were given.
        f.debug_struct("ConnArgs")
            .field("server_url", &self.server_url)
            .field("api_key_id", &self.api_key_id)
            .field("api_secret_key_hex", &self.api_secret_key_hex.is_some())
            .field("api_private_key_hex", &self.api_private_key_hex.is_some())
            .field("config", &self.config)
            .field("config_packed", &self.config_packed.is_some())
            .finish_non_exhaustive()
    }
}

/// How a secret is read (and written back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ViaArg {
    /// The api-key-access endpoint, then a session when it refuses (unrestricted keys only).
    Auto,
    /// Only the sessionless api-key-access endpoint (secrets attached to the key).
    Access,
    /// Only a session (the secret found in the datastore and its shares).
    Session,
}

impl From<ViaArg> for Via {
    fn from(v: ViaArg) -> Self {
        match v {
            ViaArg::Auto => Self::Auto,
            ViaArg::Access => Self::Access,
            ViaArg::Session => Self::Session,
        }
    }
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    let Args { conn, command } = args;
    // stdin can carry one thing only: a second reader would get nothing (an empty value).
    let stdin_readers = [&conn.api_secret_key_file, &conn.api_private_key_file]
        .into_iter()
        .filter(|f| f.as_deref() == Some(Path::new("-")))
        .count()
        + usize::from(command.reads_stdin());
    if stdin_readers > 1 {
        return Err(CliError::input(
            "bad_input",
            "only one of the key files and the value can be read from stdin (`-`)",
        ));
    }
    let settings = load_settings(*conn)?;
    commands::dispatch(command, settings, out)
}

/// psonoci's variable names beside the flags that stand for them.
const FLAGS: &[(&str, &str)] = &[
    ("PSONO_CI_SERVER_URL", "--server-url"),
    ("PSONO_CI_API_KEY_ID", "--api-key-id"),
    ("PSONO_CI_API_SECRET_KEY_HEX", "--api-secret-key-hex"),
    ("PSONO_CI_API_PRIVATE_KEY_HEX", "--api-private-key-hex"),
    ("PSONO_CI_SERVER_SIGNATURE_HEX", "--server-signature-hex"),
    ("PSONO_CI_TIMEOUT", "--timeout"),
    ("PSONO_CI_CONFIG_PATH", "--config"),
    ("PSONO_CI_CONFIG_PACKED", "--config-packed"),
    (
        "PSONO_CI_ADD_PEM_ROOT_CERTIFICATE_PATH",
        "--pem-root-certificate-path",
    ),
];

fn flag_for(var: &str) -> &'static str {
    FLAGS
        .iter()
        .find(|(v, _)| *v == var)
        .map_or("", |(_, f)| *f)
}

/// A key flag's hex text, else its file's (surrounding whitespace dropped), parsed straight
/// into the typed key: no plain copy of the text outlives this call.
fn key_flag<T>(
    flag: Option<String>,
    file: Option<&Path>,
    what: &str,
    var: &str,
    parse: fn(&str) -> Result<T, PsonoError>,
) -> Result<Option<T>, CliError> {
    let flag = flag.map(zeroize::Zeroizing::new);
    // The variable is read by psono-client's Settings::from_vars, beneath the flags.
    let source = SecretSource {
        flag: flag.as_deref().map(String::as_str),
        file,
        env: None,
        what,
    };
    let Some(text) = source.opt_text()? else {
        return Ok(None);
    };
    parse(text.trim()).map(Some).map_err(|_| {
        CliError::input(
            "config",
            format!("{} / {var} must be 64 hex characters", flag_for(var)),
        )
    })
}

/// Flags over variables over the file, as typed settings (no variable is faked).
fn load_settings(conn: ConnArgs) -> Result<Settings, CliError> {
    let ConnArgs {
        server_url,
        api_key_id,
        api_secret_key_hex,
        api_secret_key_file,
        api_private_key_hex,
        api_private_key_file,
        server_signature_hex,
        config,
        config_packed,
        timeout,
        max_response_bytes,
        pem_root_certificate_path,
        der_root_certificate_path,
    } = conn;
    MAX_RESPONSE_BYTES.store(max_response_bytes, Ordering::Relaxed);
    let mut flags = Settings::new();
    if let Some(u) = server_url {
        flags = flags.server_url(u);
    }
    if let Some(id) = api_key_id {
        flags = flags.api_key_id(id);
    }
    if let Some(k) = key_flag(
        api_secret_key_hex,
        api_secret_key_file.as_deref(),
        "the API secret key",
        "PSONO_CI_API_SECRET_KEY_HEX",
        SecretKey::from_hex,
    )? {
        flags = flags.api_secret_key(k);
    }
    if let Some(k) = key_flag(
        api_private_key_hex,
        api_private_key_file.as_deref(),
        "the API private key",
        "PSONO_CI_API_PRIVATE_KEY_HEX",
        SigningSeed::from_hex,
    )? {
        flags = flags.api_private_key(k);
    }
    if let Some(k) = key_flag(
        server_signature_hex,
        None,
        "the server signature",
        "PSONO_CI_SERVER_SIGNATURE_HEX",
        VerifyKey::from_hex,
    )? {
        flags = flags.server_signature(k);
    }
    if let Some(t) = timeout {
        let d = psono_client::config::parse_duration(&t)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                CliError::input(
                    "config",
                    "--timeout must be a duration such as 30, 30s or 2m",
                )
            })?;
        flags = flags.timeout(d);
    }
    if let Some(p) = pem_root_certificate_path {
        flags = flags.pem_root_certificate_file(p);
    }
    if let Some(p) = der_root_certificate_path {
        flags = flags.der_root_certificate_file(p);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // The packed config beats the file, as in psonoci; either lies beneath flags and
    // variables.
    let packed = config_packed
        .map(zeroize::Zeroizing::new)
        .or_else(|| env("PSONO_CI_CONFIG_PACKED").map(zeroize::Zeroizing::new));
    let path = config.or_else(|| env("PSONO_CI_CONFIG_PATH").map(PathBuf::from));
    let file = match (packed, path) {
        (Some(text), _) => Settings::from_packed(&text).map_err(|e| {
            let mut e = fail(&e);
            e.message = format!("--config-packed / PSONO_CI_CONFIG_PACKED: {}", e.message);
            e
        })?,
        (None, Some(path)) => Settings::from_file(&path).map_err(|e| fail(&e))?,
        (None, None) => Settings::new(),
    };
    let vars = Settings::from_vars(env).map_err(|e| fail(&e))?;
    Ok(flags.or(vars).or(file))
}

/// Checks the settings into a config (the key id must be a UUID, as psonoci requires).
pub(crate) fn config(settings: Settings) -> Result<Config, CliError> {
    let config = settings.build().map_err(|e| fail(&e))?;
    if !is_uuid(config.api_key_id()) {
        return Err(CliError::input(
            "config",
            "the API key id (--api-key-id / PSONO_CI_API_KEY_ID) must be a UUID",
        ));
    }
    Ok(config)
}

/// `--max-response-bytes`, set once by [`load_settings`] before any client is built.
static MAX_RESPONSE_BYTES: AtomicUsize = AtomicUsize::new(16 << 20);

pub(crate) fn client(settings: Settings) -> Result<Client, CliError> {
    let config =
        config(settings)?.with_max_response_bytes(MAX_RESPONSE_BYTES.load(Ordering::Relaxed));
    Client::new(config).map_err(|e| fail(&e))
}

pub(crate) fn need_session_keys(client: &Client, what: &str) -> Result<(), CliError> {
    if client.config().has_session_keys() {
        return Ok(());
    }
    Err(CliError::input(
        "missing_setting",
        format!(
            "{what} needs a session login: give --api-private-key-hex / PSONO_CI_API_PRIVATE_KEY_HEX \
             and --server-signature-hex / PSONO_CI_SERVER_SIGNATURE_HEX"
        ),
    ))
}

pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

pub(crate) fn check_secret_id(id: &str) -> Result<(), CliError> {
    if is_uuid(id) {
        Ok(())
    } else {
        Err(CliError::input("bad_input", "the secret id must be a UUID"))
    }
}

/// The exit code of a library error, from its kind: settings and names the secret's type does
/// not have exit 2; refusals and absences 1; the network and malformed answers 3 (unlike
/// `CliError::from_library`: psono-client only meets malformed data in the server's answers,
/// the CLI's own input is checked before). The error's `code()` is the CLI error's code.
pub(crate) fn fail(e: &PsonoError) -> CliError {
    let exit = match e.kind() {
        ErrorKind::InvalidKey => Exit::Usage,
        ErrorKind::Unavailable | ErrorKind::Random | ErrorKind::Malformed => Exit::Network,
        _ => Exit::Check,
    };
    let message = match e {
        PsonoError::MissingSetting { name } => {
            format!(
                "{} / {name} is not set (nor in a config file)",
                flag_for(name)
            )
        }
        other => other.to_string(),
    };
    CliError {
        kind: e.kind().as_str(),
        ..CliError::new(exit, e.code(), message)
    }
}

/// The timeout a `block_on` needs at most (a bounded wait even when a server stalls).
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    crate::block_on(future)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_kind() {
        let code = |e: PsonoError| fail(&e).exit;
        assert_eq!(
            code(PsonoError::NotAttached {
                secret_id: "x".into(),
                action: "read"
            }),
            Exit::Check
        );
        assert_eq!(
            code(PsonoError::NoPermission { action: "write" }),
            Exit::Check
        );
        assert_eq!(
            code(PsonoError::FieldNotSet {
                field: "password".into(),
                secret_type: "note"
            }),
            Exit::Check
        );
        assert_eq!(code(PsonoError::SessionExpired), Exit::Check);
        assert_eq!(code(PsonoError::DecryptFailed), Exit::Check);
        assert_eq!(code(PsonoError::Timeout), Exit::Network);
        assert_eq!(
            code(PsonoError::Http {
                status: 502,
                message: "x".into()
            }),
            Exit::Network
        );
        assert_eq!(
            code(PsonoError::MissingField { field: "x".into() }),
            Exit::Network
        );
        assert_eq!(code(PsonoError::Config("x".into())), Exit::Usage);
        let e = fail(&PsonoError::MissingSetting {
            name: "PSONO_CI_SERVER_URL",
        });
        assert_eq!((e.exit, e.code.as_str()), (Exit::Usage, "missing_setting"));
        assert_eq!(
            e.message,
            "--server-url / PSONO_CI_SERVER_URL is not set (nor in a config file)"
        );
    }
}
