//! `keyauth psono`: Psono secrets with an API key, in the manner of psonoci.
//!
//! Settings come from flags, then psonoci's `PSONO_CI_*` environment variables, then a
//! psonoci TOML config file (`--config` or `PSONO_CI_CONFIG_PATH`): a flag beats a variable,
//! a variable beats the file.
//!
//! Reading a secret (`secret get`, `env-vars`, `run`) first asks the sessionless
//! `/api-key-access/secret/` endpoint (one request, what psonoci does; it serves secrets
//! attached to the API key). When the server refuses that and the session keys are
//! configured, the secret is looked up through a session login instead (the datastore and
//! its shares), so an unrestricted key also reads secrets that are not attached to it.
//! `--via access|session` forces one path. Listing datastores and writing need a session.

use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command as ChildCommand;

use psono_client::{Client, Config, Error as PsonoError, SecretData, Session};
use serde_json::{Map, Value, json};
use zeroize::{Zeroize as _, Zeroizing};

use crate::exit::{CliError, Exit};
use crate::input::{self, SecretSource};
use crate::output::Output;

const EXAMPLES: &str = "\
Examples:
  # psonoci's settings in the environment (the secret key is better in a variable than a flag):
  export PSONO_CI_SERVER_URL=https://psono.example.com/server
  export PSONO_CI_API_KEY_ID=6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b
  export PSONO_CI_API_SECRET_KEY_HEX=...   # 64 hex characters
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password

  # The same settings from psonoci's TOML config file:
  keyauth psono --config ~/.psonoci.toml secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff username

  # Session commands (datastores, secret set) also need the key's private key and the
  # server's signature (PSONO_CI_API_PRIVATE_KEY_HEX, PSONO_CI_SERVER_SIGNATURE_HEX):
  keyauth psono datastores

Settings: a flag beats a PSONO_CI_* variable, a variable beats the config file
(--config FILE or PSONO_CI_CONFIG_PATH; psonoci's TOML with [psono_settings] and
[http_options]). Secret keys given as flags are visible to other local users in `ps`:
prefer the *-file flags or the variables.

Reading a secret tries the sessionless api-key-access endpoint (secrets attached to the API
key) and, when the server refuses it and the session keys are set, a session login that finds
the secret in the datastore. --via access|session forces one path.

Exit codes: 0 ok; 1 refused (no permission, secret not attached or unknown, restricted or
read-only key, wrong key, bad server signature, expired session); 2 usage or input error (bad
or missing setting, bad hex, unreadable config file, unknown field, malformed secret id,
command that cannot start); 3 network or server error (unreachable, timeout, HTTP 5xx, other
HTTP errors, malformed answer). `run` exits with its command's status instead (128+N when a
signal N killed it).

JSON (--json), one document on stdout:
  secret get ID          {\"secret_id\",\"type\",\"via\",\"fields\":[{\"name\",\"psono_field\"}]}
  secret get ID FIELD    {\"secret_id\",\"type\",\"via\",\"field\",\"value\"}
  secret set             {\"secret_id\",\"field\",\"psono_field\",\"updated\":true}
  env-vars               {\"secret_id\",\"via\",\"variables\":[{\"name\",\"value\"}]}
  run                    {\"secret_id\",\"via\",\"exit_code\",\"signal\"} (after the command's own output)
  datastores             {\"datastores\":[{\"id\",\"type\",\"description\",\"is_default\"}]}
  errors                 {\"error\":{\"code\",\"kind\",\"message\"}}";

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
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Timeout of every request: seconds, or a duration such as 30s or 2m [PSONO_CI_TIMEOUT;
    /// default 60].
    #[arg(long, global = true, value_name = "DURATION")]
    timeout: Option<String>,
}

impl fmt::Debug for ConnArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key flags are secrets: only whether they were given.
        f.debug_struct("ConnArgs")
            .field("server_url", &self.server_url)
            .field("api_key_id", &self.api_key_id)
            .field("api_secret_key_hex", &self.api_secret_key_hex.is_some())
            .field("api_private_key_hex", &self.api_private_key_hex.is_some())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, clap::Subcommand)]
enum PsonoCommand {
    /// Read or write one secret's fields.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Print an environment-variables secret as `export NAME='value'` lines for a shell.
    #[command(after_help = "Examples:
  eval \"$(keyauth psono env-vars bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a)\"
  keyauth --json psono env-vars bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a

Values are single-quoted for POSIX shells; a variable name that is not a shell identifier
([A-Za-z_][A-Za-z0-9_]*) or a value with a NUL byte refuses the whole secret (exit 2).")]
    EnvVars(EnvVarsArgs),
    /// Run a command with an environment-variables secret added to its environment.
    #[command(after_help = "Examples:
  keyauth psono run bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a -- ./deploy.sh --prod
  keyauth psono run --clear-env bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a -- env

The variables are never printed. keyauth exits with the command's exit status (128+N when
signal N killed it); 2 when the command cannot be started. Signals such as Ctrl-C reach
the command and keyauth alike (the terminal's foreground process group).")]
    Run(RunArgs),
    /// List the datastores of the API key's user (needs a session login).
    #[command(after_help = "Examples:
  keyauth psono datastores
  keyauth --json psono datastores | jq -r '.datastores[] | select(.type == \"password\") | .id'

Text output: one line per datastore, tab separated: id, type, `default` or `-`, description.")]
    Datastores,
}

#[derive(Debug, clap::Subcommand)]
enum SecretCommand {
    /// Print one field of a secret; without FIELD, the secret's type and field names only.
    #[command(after_help = "Examples:
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff           # type and field names
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff json      # every value, as JSON
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff website_password_url

FIELD is one of psonoci's names (`-` and `_` alike): title, username, password, url,
url_filter, notes, env_vars, gpg_key_private, gpg_key_public, gpg_key_name, gpg_key_email,
ssh_key_private, ssh_key_public, totp (= totp_code), totp_code, totp_period, totp_algorithm,
totp_digits, credit_card_number, credit_card_cvc, credit_card_name,
credit_card_valid_through, credit_card_pin, elster_certificate_file_content,
elster_certificate_retrieval_code, secret_type; or `json` (every field, psonoci's names);
or a raw Psono field name such as website_password_password.
A string value prints as is, null as an empty line, other values as compact JSON.")]
    Get(GetArgs),
    /// Set one string field of a secret (needs a session login with a write key).
    #[command(after_help = "Examples:
  printf %s \"$NEW_PASSWORD\" | keyauth psono secret set 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password -
  keyauth psono secret set 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff notes 'rotated 2026-01-01'

VALUE `-` reads stdin (one trailing newline dropped), which keeps the value out of `ps`.
The field must already exist in the secret and hold a string (or null). The secret is found
through the key's datastore and shares; restricted keys cannot write.")]
    Set(SetArgs),
}

/// How a secret is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Via {
    /// The api-key-access endpoint, then a session login when it is refused.
    Auto,
    /// Only the sessionless api-key-access endpoint (secrets attached to the key).
    Access,
    /// Only a session login (the secret found in the datastore and its shares).
    Session,
}

#[derive(Debug, clap::Args)]
struct GetArgs {
    /// The secret's id (a UUID).
    secret_id: String,
    /// The field to print (see below); omitted: the type and field names, no values.
    field: Option<String>,
    /// How to read the secret.
    #[arg(long, value_enum, default_value_t = Via::Auto)]
    via: Via,
}

#[derive(clap::Args)]
struct SetArgs {
    /// The secret's id (a UUID).
    secret_id: String,
    /// The field to set (psonoci's name or the raw Psono field name).
    field: String,
    /// The new value; `-` reads it from stdin.
    value: String,
}

impl fmt::Debug for SetArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetArgs")
            .field("secret_id", &self.secret_id)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, clap::Args)]
struct EnvVarsArgs {
    /// The environment-variables secret's id (a UUID).
    secret_id: String,
    /// How to read the secret.
    #[arg(long, value_enum, default_value_t = Via::Auto)]
    via: Via,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The environment-variables secret's id (a UUID).
    secret_id: String,
    /// Start the command with the secret's variables only (nothing inherited).
    #[arg(long)]
    clear_env: bool,
    /// How to read the secret.
    #[arg(long, value_enum, default_value_t = Via::Auto)]
    via: Via,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<OsString>,
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    let Args { conn, command } = args;
    // stdin can carry one thing only: a second reader would get nothing (an empty value).
    let stdin_readers = [&conn.api_secret_key_file, &conn.api_private_key_file]
        .into_iter()
        .filter(|f| f.as_deref() == Some(Path::new("-")))
        .count()
        + usize::from(
            matches!(&command, PsonoCommand::Secret(SecretCommand::Set(a)) if a.value == "-"),
        );
    if stdin_readers > 1 {
        return Err(CliError::input(
            "bad_input",
            "only one of the key files and the value can be read from stdin (`-`)",
        ));
    }
    let config = load_config(*conn)?;
    match command {
        PsonoCommand::Secret(SecretCommand::Get(a)) => secret_get(config, &a, out),
        PsonoCommand::Secret(SecretCommand::Set(a)) => secret_set(config, a, out),
        PsonoCommand::EnvVars(a) => env_vars(config, &a, out),
        PsonoCommand::Run(a) => run_command(config, a, out),
        PsonoCommand::Datastores => datastores(config, out),
    }
}

// ---------------------------------------------------------------------------------------
// Settings

/// psonoci's variable names and the flags that stand for them.
const SETTINGS: &[(&str, &str)] = &[
    ("PSONO_CI_SERVER_URL", "--server-url"),
    ("PSONO_CI_API_KEY_ID", "--api-key-id"),
    ("PSONO_CI_API_SECRET_KEY_HEX", "--api-secret-key-hex"),
    ("PSONO_CI_API_PRIVATE_KEY_HEX", "--api-private-key-hex"),
    ("PSONO_CI_SERVER_SIGNATURE_HEX", "--server-signature-hex"),
    ("PSONO_CI_TIMEOUT", "--timeout"),
    ("PSONO_CI_CONFIG_PATH", "--config"),
];

/// A flag's hex text, else the file's (one trailing newline dropped).
fn hex_flag(
    flag: Option<String>,
    file: Option<&Path>,
    what: &str,
) -> Result<Option<Zeroizing<String>>, CliError> {
    let source = SecretSource {
        flag: flag.as_deref(),
        file,
        env: None,
        what,
    };
    Ok(source
        .opt_text()?
        .map(|text| Zeroizing::new(text.trim().to_owned())))
}

/// Flags over variables over the file: the flags are offered to `Config::from_vars` as if
/// they were variables, so the library's own layering (file, then variables) applies.
fn load_config(conn: ConnArgs) -> Result<Config, CliError> {
    let ConnArgs {
        server_url,
        api_key_id,
        api_secret_key_hex,
        api_secret_key_file,
        api_private_key_hex,
        api_private_key_file,
        server_signature_hex,
        config,
        timeout,
    } = conn;
    let timeout = timeout
        .map(|t| {
            input::parse_duration(&t)
                .filter(|&s| s > 0)
                .map(|s| s.to_string())
                .ok_or_else(|| {
                    CliError::input("bad_input", "--timeout must be a duration such as 30 or 2m")
                })
        })
        .transpose()?;
    let secret = hex_flag(
        api_secret_key_hex,
        api_secret_key_file.as_deref(),
        "API secret key",
    )?;
    let private = hex_flag(
        api_private_key_hex,
        api_private_key_file.as_deref(),
        "API private key",
    )?;
    let flags: Vec<(&str, Option<Zeroizing<String>>)> = vec![
        ("PSONO_CI_SERVER_URL", server_url.map(Zeroizing::new)),
        ("PSONO_CI_API_KEY_ID", api_key_id.map(Zeroizing::new)),
        ("PSONO_CI_API_SECRET_KEY_HEX", secret),
        ("PSONO_CI_API_PRIVATE_KEY_HEX", private),
        (
            "PSONO_CI_SERVER_SIGNATURE_HEX",
            server_signature_hex.map(Zeroizing::new),
        ),
        ("PSONO_CI_TIMEOUT", timeout.map(Zeroizing::new)),
        (
            "PSONO_CI_CONFIG_PATH",
            config.map(|p| Zeroizing::new(p.to_string_lossy().into_owned())),
        ),
    ];
    let var = |name: &str| -> Option<String> {
        match flags.iter().find(|(n, _)| *n == name) {
            Some((_, Some(v))) => Some(v.to_string()),
            _ => std::env::var(name).ok(),
        }
    };
    let config = Config::from_vars(var).map_err(config_error)?;
    if !(config.server_url.starts_with("https://") || config.server_url.starts_with("http://")) {
        return Err(CliError::input(
            "bad_config",
            "the server URL must start with https:// or http://",
        ));
    }
    if !is_uuid(&config.api_key_id) {
        return Err(CliError::input(
            "bad_config",
            "the API key id must be a UUID",
        ));
    }
    Ok(config)
}

/// A configuration error (exit 2), naming the flag beside psonoci's variable.
fn config_error(e: PsonoError) -> CliError {
    let mut message = match &e {
        PsonoError::Config(m) => m.clone(),
        other => other.to_string(),
    };
    if let Some((var, flag)) = SETTINGS.iter().find(|(v, _)| message.contains(v)) {
        message = message.replace(var, &format!("{flag} / {var}"));
    }
    if message.ends_with("is not set") {
        message.push_str(" (nor in a config file)");
        return CliError::input("missing_setting", message);
    }
    CliError::input("bad_config", message)
}

fn has_session_keys(config: &Config) -> bool {
    config.api_key_private_key.is_some() && config.server_signature.is_some()
}

fn need_session_keys(config: &Config, what: &str) -> Result<(), CliError> {
    if has_session_keys(config) {
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

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn check_secret_id(id: &str) -> Result<(), CliError> {
    if is_uuid(id) {
        Ok(())
    } else {
        Err(CliError::input("bad_input", "the secret id must be a UUID"))
    }
}

// ---------------------------------------------------------------------------------------
// Errors

/// A library error met while talking to the server (see the exit codes in the help).
fn net(e: PsonoError) -> CliError {
    let exit = match &e {
        PsonoError::Network(_) | PsonoError::Timeout | PsonoError::Random => Exit::Network,
        PsonoError::Http { status, message } => http_exit(*status, message),
        PsonoError::Config(_) | PsonoError::UnknownField { .. } => Exit::Usage,
        PsonoError::BadSignature
        | PsonoError::FingerprintMismatch
        | PsonoError::DecryptFailed
        | PsonoError::RestrictedApiKey
        | PsonoError::SessionExpired
        | PsonoError::ReplayTimeDifference
        | PsonoError::UnknownApiKey
        | PsonoError::UnknownSecret { .. }
        | PsonoError::UnknownShare { .. } => Exit::Check,
        // Malformed answers: hex, lengths, JSON shapes, an unencrypted session answer.
        _ => Exit::Network,
    };
    CliError::new(exit, e.as_str(), e.to_string())
}

/// Psono answers most refusals with 400 and its own codes; those are exit 1 like 401/403.
fn http_exit(status: u16, message: &str) -> Exit {
    let refused = ["NO_PERMISSION", "non_field_errors", "Signature invalid"]
        .iter()
        .any(|m| message.contains(m));
    match status {
        401 | 403 => Exit::Check,
        400 if refused => Exit::Check,
        _ => Exit::Network,
    }
}

// ---------------------------------------------------------------------------------------
// Reading secrets

/// Where a secret came from: `api_key_access` or `session`.
type Source = &'static str;

/// Logs in, runs `work`, logs out (best effort: the token would stay valid until it
/// expires otherwise).
async fn in_session<T>(
    client: &Client,
    work: impl AsyncFnOnce(&Session) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let session = client.login().await.map_err(net)?;
    let result = work(&session).await;
    let _ = session.logout().await;
    result
}

/// The secret's key and data through the datastore and its shares.
async fn secret_from_tree(
    session: &Session,
    secret_id: &str,
) -> Result<(psono_client::SecretKey, SecretData), CliError> {
    if session.user_keys().is_none() {
        return Err(net(PsonoError::RestrictedApiKey));
    }
    let datastore = session.password_datastore().await.map_err(net)?;
    let tree = session.tree(&datastore).await.map_err(net)?;
    let key = tree
        .find_secret(secret_id)
        .and_then(|e| e.secret_key.clone())
        .ok_or_else(|| {
            net(PsonoError::UnknownSecret {
                secret_id: secret_id.to_owned(),
            })
        })?;
    let data = session
        .secret_with_key(secret_id, &key)
        .await
        .map_err(net)?;
    Ok((key, data))
}

async fn read_secret(
    client: &Client,
    secret_id: &str,
    via: Via,
) -> Result<(SecretData, Source), CliError> {
    let session_possible = has_session_keys(client.config());
    let mut refused = None;
    if via == Via::Session {
        need_session_keys(client.config(), "--via session")?;
    } else {
        match client.api_key_access_secret(secret_id).await {
            Ok(data) => return Ok((data, "api_key_access")),
            // Refused (not attached to this key): a session may still reach it.
            Err(e @ PsonoError::Http { status, .. })
                if via == Via::Auto && session_possible && (400..500).contains(&status) =>
            {
                refused = Some(e);
            }
            Err(e) => return Err(net(e)),
        }
    }
    let data = in_session(client, async |s: &Session| {
        // A restricted key has no datastore to look in: the endpoint's refusal is the answer.
        if let (None, Some(e)) = (s.user_keys(), refused) {
            return Err(net(e));
        }
        Ok(secret_from_tree(s, secret_id).await?.1)
    })
    .await?;
    Ok((data, "session"))
}

fn client(config: Config) -> Result<Client, CliError> {
    Client::new(config).map_err(config_error)
}

// ---------------------------------------------------------------------------------------
// Field names

/// Secret types, by the prefix of their field names (longest first where one prefixes
/// another).
const TYPES: &[&str] = &[
    "website_password",
    "application_password",
    "environment_variables",
    "mail_gpg_own_key",
    "ssh_own_key",
    "credit_card",
    "elster_certificate",
    "bookmark",
    "totp",
    "note",
];

/// psonoci's value names: (name, the Psono field's suffix, the only type it exists in).
/// The Psono field is `{type}_{suffix}`. Aliases come after the name they stand for.
const FIELDS: &[(&str, &str, Option<&str>)] = &[
    ("title", "title", None),
    ("username", "username", None),
    ("password", "password", None),
    ("url", "url", None),
    ("url_filter", "url_filter", None),
    ("notes", "notes", None),
    ("env_vars", "variables", Some("environment_variables")),
    ("gpg_key_private", "private", Some("mail_gpg_own_key")),
    ("gpg_key_public", "public", Some("mail_gpg_own_key")),
    ("gpg_key_name", "name", Some("mail_gpg_own_key")),
    ("gpg_key_email", "email", Some("mail_gpg_own_key")),
    ("ssh_key_private", "private", Some("ssh_own_key")),
    ("ssh_key_public", "public", Some("ssh_own_key")),
    ("totp_code", "totp_code", None),
    ("totp_period", "totp_period", None),
    ("totp_algorithm", "totp_algorithm", None),
    ("totp_digits", "totp_digits", None),
    ("totp", "totp_code", None),
    ("credit_card_number", "number", Some("credit_card")),
    ("credit_card_cvc", "cvc", Some("credit_card")),
    ("credit_card_name", "name", Some("credit_card")),
    (
        "credit_card_valid_through",
        "valid_through",
        Some("credit_card"),
    ),
    ("credit_card_pin", "pin", Some("credit_card")),
    (
        "elster_certificate_file_content",
        "file_content",
        Some("elster_certificate"),
    ),
    (
        "elster_certificate_password",
        "password",
        Some("elster_certificate"),
    ),
    (
        "elster_certificate_retrieval_code",
        "retrieval_code",
        Some("elster_certificate"),
    ),
];

/// What FIELD asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldSel<'a> {
    /// One of psonoci's names (an entry of [`FIELDS`]).
    Named(&'static str),
    /// A raw Psono field name.
    Raw(&'a str),
    /// Every field.
    Json,
    /// The secret's type.
    SecretType,
}

/// Parses FIELD before anything is fetched, so a typo costs no request.
fn parse_field(input: &str) -> Result<FieldSel<'_>, CliError> {
    let raw_like = input
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if raw_like
        && TYPES
            .iter()
            .any(|t| input.strip_prefix(t).is_some_and(|r| r.starts_with('_')))
    {
        return Ok(FieldSel::Raw(input));
    }
    let norm = input.to_ascii_lowercase().replace('-', "_");
    match norm.as_str() {
        "json" => return Ok(FieldSel::Json),
        "secret_type" | "type" => return Ok(FieldSel::SecretType),
        _ => {}
    }
    if let Some((name, _, _)) = FIELDS.iter().find(|(n, _, _)| *n == norm) {
        return Ok(FieldSel::Named(name));
    }
    let shown: String = input.chars().take(64).collect();
    Err(CliError::input(
        "unknown_field",
        format!(
            "unknown field name {shown:?} (see `keyauth psono secret get --help` for the names)"
        ),
    ))
}

/// The secret's type, from the prefix of its field names.
fn secret_type(data: &SecretData) -> Option<&'static str> {
    data.field_names().find_map(|name| {
        TYPES
            .iter()
            .find(|t| name.strip_prefix(**t).is_some_and(|r| r.starts_with('_')))
            .copied()
    })
}

/// The Psono field that psonoci's `name` means in a secret of type `ty`.
fn psono_field(name: &str, ty: &str) -> Option<String> {
    let (_, suffix, only) = FIELDS.iter().find(|(n, _, _)| *n == name)?;
    if only.is_some_and(|o| o != ty) {
        return None;
    }
    // A TOTP secret's own fields are `totp_code`, not `totp_totp_code`.
    let suffix = match (ty, suffix.strip_prefix("totp_")) {
        ("totp", Some(rest)) => rest,
        _ => suffix,
    };
    Some(format!("{ty}_{suffix}"))
}

/// psonoci's name of a Psono field, or the field itself when there is none.
fn display_name<'a>(field: &'a str, ty: Option<&str>) -> &'a str {
    ty.and_then(|ty| {
        FIELDS
            .iter()
            .find(|(n, _, _)| psono_field(n, ty).as_deref() == Some(field))
            .map(|(n, _, _)| *n)
    })
    .unwrap_or(field)
}

/// The Psono field FIELD names in this secret.
fn resolve<'d>(
    sel: FieldSel<'_>,
    data: &'d SecretData,
    ty: Option<&str>,
) -> Result<(String, &'d Value), CliError> {
    let field = match sel {
        FieldSel::Raw(f) => Some(f.to_owned()),
        FieldSel::Named(n) => ty.and_then(|t| psono_field(n, t)),
        FieldSel::Json | FieldSel::SecretType => None,
    };
    let shown = match sel {
        FieldSel::Raw(f) => f,
        FieldSel::Named(n) => n,
        FieldSel::Json => "json",
        FieldSel::SecretType => "secret_type",
    };
    field
        .and_then(|f| data.field(&f).ok().map(|v| (f, v)))
        .ok_or_else(|| {
            CliError::input(
                "unknown_field",
                format!(
                    "this {} secret has no field {shown}",
                    ty.unwrap_or("(unknown type)")
                ),
            )
        })
}

/// Overwrites every string in a JSON value (secrets copied into output documents).
fn wipe(v: &mut Value) {
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe),
        Value::Object(m) => m.values_mut().for_each(wipe),
        _ => {}
    }
}

/// Prints a document holding secret values, then wipes its copies.
fn emit_secret(out: &Output, mut doc: Value, text: &Zeroizing<String>) -> Result<(), CliError> {
    let written = out.emit(&doc, text);
    wipe(&mut doc);
    written
}

// ---------------------------------------------------------------------------------------
// Commands

fn secret_get(config: Config, args: &GetArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&args.secret_id)?;
    let sel = args.field.as_deref().map(parse_field).transpose()?;
    if args.via == Via::Session {
        need_session_keys(&config, "--via session")?;
    }
    let client = client(config)?;
    let (data, via) = crate::block_on(read_secret(&client, &args.secret_id, args.via))??;
    let ty = secret_type(&data);
    let id = args.secret_id.as_str();
    let Some(sel) = sel else {
        // The shape only: type and field names, never a value.
        let names: Vec<(&str, &str)> = data
            .field_names()
            .map(|f| (display_name(f, ty), f))
            .collect();
        let fields: Vec<Value> = names
            .iter()
            .map(|(n, f)| json!({"name": n, "psono_field": f}))
            .collect();
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let text = format!(
            "secret {id}: type {}, read via {via}\nfields: {}",
            ty.unwrap_or("unknown"),
            list.join(" ")
        );
        out.emit(
            &json!({"secret_id": id, "type": ty, "via": via, "fields": fields}),
            &text,
        )?;
        return Ok(Exit::Ok);
    };
    let (field, value) = match sel {
        FieldSel::SecretType => ("secret_type".to_owned(), json!(ty)),
        FieldSel::Json => {
            // Every field under psonoci's names, plus the type.
            let mut all = Map::new();
            for f in data.field_names() {
                let value = data.field(f).map_err(net)?.clone();
                all.insert(display_name(f, ty).to_owned(), value);
            }
            all.insert("type".to_owned(), json!(ty));
            ("json".to_owned(), Value::Object(all))
        }
        sel => {
            let (field, value) = resolve(sel, &data, ty)?;
            (display_name(&field, ty).to_owned(), value.clone())
        }
    };
    let text = Zeroizing::new(match &value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    });
    let doc = json!({"secret_id": id, "type": ty, "via": via, "field": field, "value": value});
    // An empty value still prints its line, so `read` and line counts see it.
    let text = if text.is_empty() {
        Zeroizing::new("\n".to_owned())
    } else {
        text
    };
    emit_secret(out, doc, &text)?;
    Ok(Exit::Ok)
}

fn secret_set(config: Config, args: SetArgs, out: &Output) -> Result<Exit, CliError> {
    let SetArgs {
        secret_id,
        field,
        value,
    } = args;
    let value = Zeroizing::new(value);
    check_secret_id(&secret_id)?;
    let sel = parse_field(&field)?;
    if matches!(sel, FieldSel::Json | FieldSel::SecretType) {
        return Err(CliError::input(
            "bad_input",
            format!("{field} cannot be set: name one field"),
        ));
    }
    need_session_keys(&config, "secret set")?;
    let value = if value.as_str() == "-" {
        input::read_text(Path::new("-"), "the value on stdin")?
    } else {
        value
    };
    let client = client(config)?;
    let psono_field = crate::block_on(in_session(&client, async |s: &Session| {
        let (key, mut data) = secret_from_tree(s, &secret_id).await?;
        let ty = secret_type(&data);
        let (psono_field, current) = resolve(sel, &data, ty)?;
        if !matches!(current, Value::String(_) | Value::Null) {
            return Err(CliError::input(
                "bad_input",
                format!("{field} is not a text field; it cannot be set"),
            ));
        }
        data.set_field(&psono_field, Value::String(value.to_string()));
        s.update_secret(&secret_id, &key, &data)
            .await
            .map_err(net)?;
        Ok(psono_field)
    }))??;
    out.emit(
        &json!({"secret_id": secret_id, "field": field, "psono_field": psono_field, "updated": true}),
        &format!("updated {psono_field} of secret {secret_id}"),
    )?;
    Ok(Exit::Ok)
}

/// One variable of an environment-variables secret.
struct Var {
    name: String,
    value: Zeroizing<String>,
}

fn is_shell_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The variables of an environment-variables secret, checked for shell and exec use.
fn variables(data: &SecretData) -> Result<Vec<Var>, CliError> {
    let bad = |m: &str| CliError::input("bad_secret", m.to_owned());
    let ty = secret_type(data);
    if ty != Some("environment_variables") {
        return Err(CliError::input(
            "bad_input",
            format!(
                "this is a {} secret, not environment variables",
                ty.unwrap_or("(unknown type)")
            ),
        ));
    }
    let list = match data.field("environment_variables_variables") {
        Ok(Value::Array(a)) => a.as_slice(),
        Ok(Value::Null) | Err(_) => &[],
        Ok(_) => return Err(bad("environment_variables_variables is not a list")),
    };
    let mut vars = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let (Some(name), Some(value)) = (
            entry.get("key").and_then(Value::as_str),
            entry.get("value").map(|v| v.as_str().unwrap_or("")),
        ) else {
            return Err(bad(&format!("variable {} has no key or value", i + 1)));
        };
        // The name is not secret, but it may hold anything: it is not repeated.
        if !is_shell_name(name) {
            return Err(bad(&format!(
                "variable {} has a name that is not a shell identifier",
                i + 1
            )));
        }
        if value.contains('\0') {
            return Err(bad(&format!("variable {name} has a NUL byte in its value")));
        }
        vars.push(Var {
            name: name.to_owned(),
            value: Zeroizing::new(value.to_owned()),
        });
    }
    Ok(vars)
}

/// Single-quotes a value for POSIX shells: `'` becomes `'\''`.
fn shell_quote(value: &str) -> Zeroizing<String> {
    let mut q = Zeroizing::new(String::with_capacity(value.len() + 2));
    q.push('\'');
    for c in value.chars() {
        if c == '\'' {
            q.push_str("'\\''");
        } else {
            q.push(c);
        }
    }
    q.push('\'');
    q
}

fn env_vars(config: Config, args: &EnvVarsArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&args.secret_id)?;
    if args.via == Via::Session {
        need_session_keys(&config, "--via session")?;
    }
    let client = client(config)?;
    let (data, via) = crate::block_on(read_secret(&client, &args.secret_id, args.via))??;
    let vars = variables(&data)?;
    let mut text = Zeroizing::new(String::new());
    for v in &vars {
        text.push_str("export ");
        text.push_str(&v.name);
        text.push('=');
        text.push_str(&shell_quote(&v.value));
        text.push('\n');
    }
    let list: Vec<Value> = vars
        .iter()
        .map(|v| json!({"name": v.name, "value": v.value.as_str()}))
        .collect();
    emit_secret(
        out,
        json!({"secret_id": args.secret_id, "via": via, "variables": list}),
        &text,
    )?;
    Ok(Exit::Ok)
}

/// The exit status to pass on: the child's code, or 128+N for signal N.
fn child_status(status: std::process::ExitStatus) -> (u8, Option<i32>) {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(sig) = status.signal() {
            return (u8::try_from(128 + (sig & 0x7f)).unwrap_or(255), Some(sig));
        }
    }
    let code = status.code().unwrap_or(1);
    (u8::try_from(code & 0xff).unwrap_or(1), None)
}

fn run_command(config: Config, args: RunArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&args.secret_id)?;
    if args.via == Via::Session {
        need_session_keys(&config, "--via session")?;
    }
    let client = client(config)?;
    let (code, signal, via) = {
        let (data, via) = crate::block_on(read_secret(&client, &args.secret_id, args.via))??;
        let vars = variables(&data)?;
        let Some((program, rest)) = args.command.split_first() else {
            return Err(CliError::input("bad_input", "no command given"));
        };
        let mut cmd = ChildCommand::new(program);
        cmd.args(rest);
        if args.clear_env {
            cmd.env_clear();
        }
        cmd.envs(vars.iter().map(|v| (v.name.as_str(), v.value.as_str())));
        let mut child = cmd.spawn().map_err(|e| {
            CliError::input(
                "spawn_failed",
                format!(
                    "cannot start {}: {}",
                    Path::new(program).display(),
                    e.kind()
                ),
            )
        })?;
        // The child has its own copy: wipe ours now rather than after a long run (`cmd`'s
        // copies are plain, std offers no way to wipe them, but they are freed here too).
        drop(cmd);
        drop(vars);
        drop(data);
        let status = child.wait().map_err(|e| {
            CliError::new(
                Exit::Usage,
                "wait_failed",
                format!("cannot wait for the command: {}", e.kind()),
            )
        })?;
        let (code, signal) = child_status(status);
        (code, signal, via)
    };
    out.emit(
        &json!({"secret_id": args.secret_id, "via": via, "exit_code": code, "signal": signal}),
        "",
    )?;
    if code == 0 {
        return Ok(Exit::Ok);
    }
    // The secrets were wiped above; `exit` runs no destructors.
    let _ = std::io::stdout().flush();
    std::process::exit(i32::from(code));
}

fn datastores(config: Config, out: &Output) -> Result<Exit, CliError> {
    need_session_keys(&config, "datastores")?;
    let client = client(config)?;
    let list = crate::block_on(in_session(&client, async |s: &Session| {
        s.datastores().await.map_err(net)
    }))??;
    let text: String = list
        .iter()
        .map(|d| {
            format!(
                "{}\t{}\t{}\t{}\n",
                d.id,
                d.kind,
                if d.is_default { "default" } else { "-" },
                d.description
            )
        })
        .collect();
    let docs: Vec<Value> = list
        .iter()
        .map(|d| {
            json!({"id": d.id, "type": d.kind, "description": d.description, "is_default": d.is_default})
        })
        .collect();
    out.emit(&json!({"datastores": docs}), &text)?;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_map_to_psono_fields() {
        assert_eq!(
            psono_field("password", "website_password").as_deref(),
            Some("website_password_password")
        );
        assert_eq!(psono_field("totp", "totp").as_deref(), Some("totp_code"));
        assert_eq!(
            psono_field("totp_code", "website_password").as_deref(),
            Some("website_password_totp_code")
        );
        assert_eq!(
            psono_field("env_vars", "environment_variables").as_deref(),
            Some("environment_variables_variables")
        );
        assert_eq!(psono_field("gpg_key_private", "note"), None);
        assert_eq!(display_name("totp_code", Some("totp")), "totp_code");
        assert_eq!(display_name("note_title", Some("note")), "title");
        assert_eq!(display_name("custom", Some("note")), "custom");
    }

    #[test]
    fn fields_parse_before_any_request() {
        assert_eq!(
            parse_field("url-filter").unwrap(),
            FieldSel::Named("url_filter")
        );
        assert_eq!(
            parse_field("website_password_url").unwrap(),
            FieldSel::Raw("website_password_url")
        );
        assert_eq!(parse_field("JSON").unwrap(), FieldSel::Json);
        assert_eq!(parse_field("secret-type").unwrap(), FieldSel::SecretType);
        assert_eq!(parse_field("pasword").unwrap_err().code, "unknown_field");
    }

    #[test]
    fn shell_quoting_and_names() {
        assert_eq!(shell_quote("a'b").as_str(), "'a'\\''b'");
        assert_eq!(shell_quote("").as_str(), "''");
        assert!(is_shell_name("_A1"));
        for bad in ["", "1A", "A-B", "A B", "A=B", "Ä"] {
            assert!(!is_shell_name(bad), "{bad}");
        }
    }

    #[test]
    fn http_errors_map_to_documented_codes() {
        let code = |status, message: &str| {
            net(PsonoError::Http {
                status,
                message: message.into(),
            })
            .exit
        };
        assert_eq!(code(403, "x"), Exit::Check);
        assert_eq!(code(401, "x"), Exit::Check);
        assert_eq!(code(400, "NO_PERMISSION_OR_NOT_EXIST"), Exit::Check);
        assert_eq!(code(400, "SOMETHING_ELSE"), Exit::Network);
        assert_eq!(code(404, "x"), Exit::Network);
        assert_eq!(code(502, "x"), Exit::Network);
        assert_eq!(net(PsonoError::Timeout).exit, Exit::Network);
        assert_eq!(net(PsonoError::DecryptFailed).exit, Exit::Check);
        assert_eq!(
            net(PsonoError::MissingField { field: "x".into() }).exit,
            Exit::Network
        );
    }
}
