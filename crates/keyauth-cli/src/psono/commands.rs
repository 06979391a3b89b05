//! The subcommands: `secret`, `api-key`, `totp`, `config`, `datastores` (and the dispatch to
//! `env-vars` and `run` in `env.rs`).

use std::path::{Path, PathBuf};

use psono_client::secret::display_name;
use psono_client::{FieldName, Session, Settings};
use serde_json::{Map, Value, json};
use zeroize::{Zeroize as _, Zeroizing};

use super::env::{EnvVarsArgs, RunArgs};
use super::{ViaArg, block_on, check_secret_id, client, fail, need_session_keys};
use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Output;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum PsonoCommand {
    /// Read or write one secret's fields [psonoci secret get/set].
    #[command(subcommand)]
    Secret(SecretCommand),
    /// The API key's flags and attached secrets [psonoci api-key info/secrets].
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Environment-variables secrets: `export` lines, or get/update one variable
    /// [psonoci env-vars get-or-create/update-or-create].
    EnvVars(EnvVarsArgs),
    /// Run a command with the env vars of the key's secrets [psonoci run].
    Run(RunArgs),
    /// TOTP secrets: the current token, validation, the otpauth URL [psonoci totp].
    #[command(subcommand)]
    Totp(TotpCommand),
    /// Save, show or pack the settings as psonoci does [psonoci config save/show/pack].
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Detached OpenPGP signatures with a GPG key secret, verifiable by gpg [psonoci gpg].
    #[command(subcommand)]
    Gpg(super::gpg::GpgCommand),
    /// SSH key secrets into a running ssh-agent [psonoci ssh add].
    #[cfg(unix)]
    #[command(subcommand)]
    Ssh(super::ssh::SshCommand),
    /// List the datastores of the API key's user (needs a session login; no psonoci
    /// equivalent).
    #[command(
        after_help = "Text output: one line per datastore, tab separated: id, type, \
                            `default` or `-`, description."
    )]
    Datastores,
}

impl PsonoCommand {
    pub(crate) fn reads_stdin(&self) -> bool {
        matches!(self, Self::Secret(SecretCommand::Set(a)) if a.value == "-")
            || matches!(self, Self::Gpg(c) if c.reads_stdin())
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SecretCommand {
    /// Print one field of a secret; without FIELD, the secret's type and field names only.
    #[command(after_help = "Examples:
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff           # type and field names
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff json      # psonoci's JSON
  keyauth psono secret get 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff website_password_url

FIELD is one of psonoci's names (`-` and `_` alike, any case): title, username, password,
url, url_filter, notes, identity_* (title first_name last_name company address city
postal_code state country phone_number email notes), gpg_key_email, gpg_key_name,
gpg_key_private, gpg_key_public, env_vars, ssh_key_public, ssh_key_private, totp_period,
totp_algorithm, totp_digits, totp_code (or totp), credit_card_number, credit_card_cvc,
credit_card_name, credit_card_valid_through, credit_card_pin, elster_certificate_file_content,
elster_certificate_password, elster_certificate_retrieval_code, secret_type; `json` (psonoci's
JSON document); or a raw Psono field name such as website_password_password.
The type comes from the datastore entry (session reads) or from the fields that hold a value.
A field that is null or absent is \"not set\": exit 1, never an empty line.")]
    Get(GetArgs),
    /// Set one field of a secret [psonoci secret set].
    #[command(after_help = "Examples:
  printf %s \"$NEW_PASSWORD\" | keyauth psono secret set 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff password -
  keyauth psono secret set 4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff notes 'rotated 2026-01-01'

VALUE `-` reads stdin (one trailing newline dropped), which keeps the value out of `ps`.
The secret is written through the API key's access endpoint when it is attached to the key
(psonoci's path; restricted keys with write permission), else through a session. Only the
field set changes: the other fields are written back as they were read.")]
    Set(SetArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct GetArgs {
    /// The secret's id (a UUID).
    secret_id: String,
    /// The field to print (see below); omitted: the type and field names, no values.
    field: Option<String>,
    /// How to read the secret.
    #[arg(long, value_enum, default_value_t = ViaArg::Auto)]
    via: ViaArg,
}

#[derive(clap::Args)]
pub(crate) struct SetArgs {
    /// The secret's id (a UUID).
    secret_id: String,
    /// The field to set (psonoci's name or the raw Psono field name).
    field: String,
    /// The new value; `-` reads it from stdin.
    value: String,
    /// How to read and write the secret.
    #[arg(long, value_enum, default_value_t = ViaArg::Auto)]
    via: ViaArg,
}

impl std::fmt::Debug for SetArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetArgs")
            .field("secret_id", &self.secret_id)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// The key's flags and attached secret ids, as psonoci prints them (pretty JSON).
    Info,
    /// Every attached secret in psonoci's JSON shape, by id (pretty JSON).
    Secrets,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum TotpCommand {
    /// Print the current token of a TOTP secret.
    GetToken {
        /// The TOTP secret's id.
        secret_id: String,
    },
    /// Check a token (this period or the one before or after); exit 1 when invalid.
    ValidateToken {
        /// The TOTP secret's id.
        secret_id: String,
        /// The token to check.
        token: String,
    },
    /// Print the otpauth:// URL of a TOTP secret (for authenticator apps).
    GetUrl {
        /// The TOTP secret's id.
        secret_id: String,
        /// The issuer shown by the app.
        #[arg(long)]
        issuer: Option<String>,
        /// The account name shown by the app.
        #[arg(long)]
        account_name: Option<String>,
    },
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ConfigCommand {
    /// Save the settings as psonoci's TOML config (mode 0600), for --config.
    Save {
        /// Replace an existing file.
        #[arg(short, long)]
        overwrite: bool,
        /// The file to write.
        path: PathBuf,
    },
    /// Print the settings as psonoci's TOML config (it holds the secret key).
    Show,
    /// Print the settings as psonoci's packed string, for --config-packed /
    /// PSONO_CI_CONFIG_PACKED (it holds the secret key: put it in a CI secret variable).
    #[command(
        after_help = "The string is byte-identical to `psonoci config pack`'s for the same \
settings, and each tool reads the other's. The session keys (--api-private-key-hex, \
--server-signature-hex) have no place in psonoci's format: give them beside it."
    )]
    Pack,
}

pub(crate) fn dispatch(
    command: PsonoCommand,
    settings: Settings,
    out: &Output,
) -> Result<Exit, CliError> {
    match command {
        PsonoCommand::Secret(SecretCommand::Get(a)) => secret_get(settings, &a, out),
        PsonoCommand::Secret(SecretCommand::Set(a)) => secret_set(settings, a, out),
        PsonoCommand::ApiKey(c) => api_key(settings, &c, out),
        PsonoCommand::EnvVars(a) => super::env::env_vars(settings, a, out),
        PsonoCommand::Run(a) => super::env::run_command(settings, a, out),
        PsonoCommand::Totp(c) => totp(settings, c, out),
        PsonoCommand::Config(c) => config_cmd(settings, c, out),
        PsonoCommand::Gpg(c) => super::gpg::gpg(settings, c, out),
        #[cfg(unix)]
        PsonoCommand::Ssh(c) => super::ssh::ssh(settings, c, out),
        PsonoCommand::Datastores => datastores(settings, out),
    }
}

/// Overwrites every string in a JSON value (secrets copied into output documents).
pub(crate) fn wipe(v: &mut Value) {
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe),
        Value::Object(m) => m.values_mut().for_each(wipe),
        _ => {}
    }
}

/// Prints a document holding secret values, then wipes its copies.
pub(crate) fn emit_secret(
    out: &Output,
    mut doc: Value,
    text: &Zeroizing<String>,
) -> Result<(), CliError> {
    let r = out.emit(&doc, text);
    wipe(&mut doc);
    r
}

pub(crate) fn parse_field(name: &str) -> Result<FieldName, CliError> {
    FieldName::parse(name).map_err(|e| {
        let mut err = fail(&e);
        err.message = format!("{} (see `keyauth psono secret get --help`)", err.message);
        err
    })
}

fn secret_get(settings: Settings, args: &GetArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&args.secret_id)?;
    let name = args.field.as_deref().map(parse_field).transpose()?;
    let client = client(settings)?;
    if args.via == ViaArg::Session {
        need_session_keys(&client, "--via session")?;
    }
    let (secret, source) =
        block_on(client.read_secret(&args.secret_id, args.via.into()))?.map_err(|e| fail(&e))?;
    let ty = secret.kind();
    let id = args.secret_id.as_str();
    let via = source.as_str();
    let Some(name) = name else {
        // The shape only: type and field names, never a value.
        let names: Vec<(&str, &str)> = secret
            .data()
            .field_names()
            .map(|f| (display_name(f, ty), f))
            .collect();
        let fields: Vec<Value> = names
            .iter()
            .map(|(n, f)| json!({"name": n, "psono_field": f}))
            .collect();
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let text = format!(
            "secret {id}: type {ty}, read via {via}\nfields: {}",
            list.join(" ")
        );
        out.emit(
            &json!({"secret_id": id, "type": ty.item_type(), "via": via, "fields": fields}),
            &text,
        )?;
        return Ok(Exit::Ok);
    };
    let (field, value) = match &name {
        FieldName::SecretType => ("secret_type".to_owned(), json!(ty.psonoci_name())),
        FieldName::Json => ("json".to_owned(), secret.psonoci_json()),
        n => {
            let v = secret.get(n).map_err(|e| fail(&e))?.clone();
            (n.shown().to_owned(), v)
        }
    };
    let text = Zeroizing::new(match &value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let doc = json!({"secret_id": id, "type": ty.item_type(), "via": via, "field": field, "value": value});
    let text = if text.is_empty() {
        // An empty (but set) value still prints its line, so `read` and line counts see it.
        Zeroizing::new("\n".to_owned())
    } else {
        text
    };
    emit_secret(out, doc, &text)?;
    Ok(Exit::Ok)
}

fn secret_set(settings: Settings, args: SetArgs, out: &Output) -> Result<Exit, CliError> {
    let SetArgs {
        secret_id,
        field,
        value,
        via,
    } = args;
    let value = Zeroizing::new(value);
    check_secret_id(&secret_id)?;
    let name = parse_field(&field)?;
    if matches!(name, FieldName::Json | FieldName::SecretType) {
        return Err(CliError::input(
            "bad_input",
            format!("{field} cannot be set: name one field"),
        ));
    }
    let value = if value.as_str() == "-" {
        input::read_text(Path::new("-"), "the value on stdin")?
    } else {
        value
    };
    let client = client(settings)?;
    if via == ViaArg::Session {
        need_session_keys(&client, "--via session")?;
    }
    let (psono_field, source) = block_on(client.update_secret(&secret_id, via.into(), |s| {
        Ok((s.set(&name, &value)?, true))
    }))?
    .map_err(|e| fail(&e))?;
    out.emit(
        &json!({"secret_id": secret_id, "field": field, "psono_field": psono_field,
                "via": source.as_str(), "updated": true}),
        &format!("updated {psono_field} of secret {secret_id}"),
    )?;
    Ok(Exit::Ok)
}

fn api_key(settings: Settings, command: &ApiKeyCommand, out: &Output) -> Result<Exit, CliError> {
    let client = client(settings)?;
    match command {
        ApiKeyCommand::Info => {
            let info = block_on(client.api_key_info())?.map_err(|e| fail(&e))?;
            let ids: Vec<&str> = info.secrets.iter().map(|(id, _)| id.as_str()).collect();
            let mut meta = Map::new();
            for (id, date) in &info.secrets {
                // psonoci prints chrono's form of the server's date (`Z`, shortest fraction).
                let date = psono_client::Timestamp::parse(date, "write_date")
                    .map_or_else(|_| date.clone(), psono_client::Timestamp::to_rfc3339_z);
                meta.insert(id.clone(), json!({"write_date": date}));
            }
            // psonoci's ApiKeyInfo, field for field.
            let doc = json!({
                "allow_insecure_access": info.allow_insecure_access,
                "restrict_to_secrets": info.restrict_to_secrets,
                "read": info.read,
                "write": info.write,
                "num_api_key_secrets": ids.len(),
                "api_key_secrets": ids,
                "api_key_secrets_meta_data": meta,
            });
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.emit(&doc, &text)?;
        }
        ApiKeyCommand::Secrets => {
            let all = block_on(client.attached_secrets())?.map_err(|e| fail(&e))?;
            let mut doc = Map::new();
            for (id, data) in all {
                let v = match psono_client::Secret::new(data, None) {
                    Ok(s) => s.psonoci_json(),
                    Err(_) => Value::Null,
                };
                doc.insert(id, v);
            }
            let doc = Value::Object(doc);
            let text = Zeroizing::new(serde_json::to_string_pretty(&doc).unwrap_or_default());
            emit_secret(out, doc, &text)?;
        }
    }
    Ok(Exit::Ok)
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn totp(settings: Settings, command: TotpCommand, out: &Output) -> Result<Exit, CliError> {
    let id = match &command {
        TotpCommand::GetToken { secret_id }
        | TotpCommand::ValidateToken { secret_id, .. }
        | TotpCommand::GetUrl { secret_id, .. } => secret_id.clone(),
    };
    check_secret_id(&id)?;
    let client = client(settings)?;
    let (secret, _) =
        block_on(client.read_secret(&id, psono_client::Via::Auto))?.map_err(|e| fail(&e))?;
    let generator = secret.totp().map_err(|e| fail(&e))?;
    let now = now_unix();
    match command {
        TotpCommand::GetToken { .. } => {
            let token = generator.token_at(now);
            emit_secret(
                out,
                json!({"secret_id": id, "token": token.as_str(),
                       "valid_for_seconds": generator.remaining_at(now)}),
                &token,
            )?;
        }
        TotpCommand::ValidateToken { token, .. } => {
            let valid = generator.validate_at(&token, now, 1);
            if !valid {
                return Err(CliError::check("token_invalid", "token invalid"));
            }
            out.emit(&json!({"secret_id": id, "valid": true}), "")?;
        }
        TotpCommand::GetUrl {
            issuer,
            account_name,
            ..
        } => {
            let url = generator.url(issuer.as_deref(), account_name.as_deref().unwrap_or(""));
            emit_secret(out, json!({"secret_id": id, "url": url.as_str()}), &url)?;
        }
    }
    Ok(Exit::Ok)
}

fn config_cmd(settings: Settings, command: ConfigCommand, out: &Output) -> Result<Exit, CliError> {
    // The settings must be complete, as psonoci requires.
    super::config(settings.clone())?;
    if matches!(command, ConfigCommand::Pack) {
        let packed = settings.to_packed().map_err(|e| fail(&e))?;
        out.emit(&json!({"packed": packed.as_str()}), &packed)?;
        return Ok(Exit::Ok);
    }
    let text = settings.to_toml();
    match command {
        ConfigCommand::Pack => {}
        ConfigCommand::Show => {
            crate::output::stderr_line(
                "# the settings from flags, PSONO_CI_* variables and the config file",
            );
            out.emit(&json!({"toml": text.as_str()}), &text)?;
        }
        ConfigCommand::Save { overwrite, path } => {
            save_private(&path, text.as_bytes(), overwrite)?;
            out.emit(
                &json!({"saved": path.display().to_string()}),
                &format!("saved {}", path.display()),
            )?;
        }
    }
    Ok(Exit::Ok)
}

/// Writes a file only the user can read (0600 on Unix), atomically: a temporary file in
/// the same directory, then a rename.
fn save_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), CliError> {
    use std::io::Write as _;
    let io = |what: &str, e: &std::io::Error| {
        CliError::input(
            "io",
            format!("cannot {what} {}: {}", path.display(), e.kind()),
        )
    };
    if path.is_dir() {
        return Err(CliError::input(
            "io",
            format!("{} is a directory", path.display()),
        ));
    }
    if path.exists() && !overwrite {
        return Err(CliError::input(
            "exists",
            format!("{} exists; --overwrite replaces it", path.display()),
        ));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(format!(".keyauth-psono-{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| io("write", &e))?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("write", &e));
    }
    Ok(())
}

fn datastores(settings: Settings, out: &Output) -> Result<Exit, CliError> {
    let client = client(settings)?;
    need_session_keys(&client, "datastores")?;
    let list = block_on(client.with_session(async |s: &Session| s.datastores().await))?
        .map_err(|e| fail(&e))?;
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
