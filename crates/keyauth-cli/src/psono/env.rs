//! `env-vars` (export lines, `get-or-create`, `update-or-create`) and `run`.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::Command as ChildCommand;

use psono_client::{EnvVar, Secret, SecretType, Settings, Via};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::commands::emit_secret;
use super::{ViaArg, block_on, check_secret_id, client, fail, need_session_keys};
use crate::exit::{CliError, Exit};
use crate::output::Output;

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:
  eval \"$(keyauth psono env-vars bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a)\"
  keyauth psono env-vars get-or-create bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a DB_PASSWORD
  keyauth psono env-vars update-or-create bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a DB_PASSWORD

With a secret id only: `export NAME='value'` lines (values single-quoted for POSIX shells; a
name that is not a shell identifier or a value with a NUL byte refuses the secret, exit 2)."
)]
pub(crate) struct EnvVarsArgs {
    #[command(subcommand)]
    command: Option<EnvVarsCommand>,
    /// The environment-variables secret's id (a UUID), for `export` lines.
    secret_id: Option<String>,
    /// How to read the secret.
    #[arg(long, value_enum, default_value_t = ViaArg::Auto)]
    via: ViaArg,
}

/// psonoci's password options for created values.
#[derive(Debug, clap::Args)]
struct PasswordArgs {
    /// Length of a created value, in characters.
    #[arg(short = 'n', long = "password-length", default_value_t = 21)]
    password_length: usize,
    /// The characters a created value is drawn from (default [a-zA-Z0-9]).
    #[arg(short = 'a', long = "danger-password-allowed-chars")]
    danger_password_allowed_chars: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum EnvVarsCommand {
    /// Print a variable's value; when it does not exist, create it with a random value and
    /// save the secret first [psonoci env-vars get-or-create].
    GetOrCreate {
        /// The environment-variables secret's id.
        secret_id: String,
        /// The variable's name.
        env_var_name: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Set a variable (to VALUE, or a random value), save the secret, print the value
    /// [psonoci env-vars update-or-create].
    UpdateOrCreate {
        /// The environment-variables secret's id.
        secret_id: String,
        /// The variable's name.
        env_var_name: String,
        /// The value; omitted: a random one.
        env_var_value: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyauth psono run -- ./deploy.sh --prod                  # every env var of the key's secrets
  keyauth psono run -f bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a -- env
  keyauth psono run bf8cf5f0-5c12-4cd7-a7fd-508e50712e4a -- ./deploy.sh   # one secret, any path

Without a secret id, like psonoci: every environment-variables secret attached to the API key
(`--filter`/`-f` keeps only the ones named; a later secret's variable overrides an earlier
one's, with a warning). With a secret id: that secret, read like `secret get` (also through a
session). The variables are never printed. keyauth exits with the command's status (128+N
when signal N killed it); 2 when the command cannot be started.")]
pub(crate) struct RunArgs {
    /// Start the command with the secrets' variables only (nothing inherited).
    #[arg(short = 'c', long)]
    clear_env: bool,
    /// Only the variables of these secrets (repeatable).
    #[arg(short = 'f', long = "filter", value_name = "SECRET_ID")]
    filter: Vec<String>,
    /// How to read a secret given by id.
    #[arg(long, value_enum, default_value_t = ViaArg::Auto)]
    via: ViaArg,
    /// One environment-variables secret (instead of all of the key's).
    secret_id: Option<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

fn is_shell_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The variables, checked for shell and exec use.
fn checked(vars: Vec<EnvVar>) -> Result<Vec<EnvVar>, CliError> {
    let bad = |m: String| CliError::input("bad_secret", m);
    for (i, v) in vars.iter().enumerate() {
        // The name is not secret, but it may hold anything: it is not repeated.
        if !is_shell_name(&v.key) {
            return Err(bad(format!(
                "variable {} has a name that is not a shell identifier",
                i + 1
            )));
        }
        if v.value.contains('\0') {
            return Err(bad(format!(
                "variable {} has a NUL byte in its value",
                v.key
            )));
        }
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

/// A random value of `len` characters from `alphabet` (default `[a-zA-Z0-9]`), unbiased.
fn random_value(len: usize, alphabet: Option<&str>) -> Result<Zeroizing<String>, CliError> {
    const DEFAULT: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let chars: Vec<char> = alphabet.unwrap_or(DEFAULT).chars().collect();
    if chars.is_empty() || chars.len() > 256 || len == 0 || len > 4096 {
        return Err(CliError::input(
            "bad_input",
            "the password needs 1..=4096 characters from 1..=256 allowed ones",
        ));
    }
    let limit = 256 - 256 % chars.len();
    let mut out = Zeroizing::new(String::with_capacity(len));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.chars().count() < len {
        keyauth_core::random::fill(&mut buf[..])
            .map_err(|_| CliError::network("random", "the random number generator failed"))?;
        for &b in buf.iter() {
            if usize::from(b) < limit && out.chars().count() < len {
                out.push(chars[usize::from(b) % chars.len()]);
            }
        }
    }
    Ok(out)
}

pub(crate) fn env_vars(
    settings: Settings,
    args: EnvVarsArgs,
    out: &Output,
) -> Result<Exit, CliError> {
    let client = client(settings)?;
    let (secret_id, name, value, password, create_only) = match args.command {
        None => {
            let Some(id) = args.secret_id else {
                return Err(CliError::input(
                    "usage",
                    "give a secret id, or get-or-create / update-or-create (see --help)",
                ));
            };
            check_secret_id(&id)?;
            if args.via == ViaArg::Session {
                need_session_keys(&client, "--via session")?;
            }
            let (secret, source) =
                block_on(client.read_secret(&id, args.via.into()))?.map_err(|e| fail(&e))?;
            let vars = checked(secret.env_vars().map_err(|e| fail(&e))?)?;
            let mut text = Zeroizing::new(String::new());
            for v in &vars {
                text.push_str("export ");
                text.push_str(&v.key);
                text.push('=');
                text.push_str(&shell_quote(&v.value));
                text.push('\n');
            }
            let list: Vec<Value> = vars
                .iter()
                .map(|v| json!({"name": v.key, "value": v.value.as_str()}))
                .collect();
            emit_secret(
                out,
                json!({"secret_id": id, "via": source.as_str(), "variables": list}),
                &text,
            )?;
            return Ok(Exit::Ok);
        }
        Some(EnvVarsCommand::GetOrCreate {
            secret_id,
            env_var_name,
            password,
        }) => (secret_id, env_var_name, None, password, true),
        Some(EnvVarsCommand::UpdateOrCreate {
            secret_id,
            env_var_name,
            env_var_value,
            password,
        }) => (
            secret_id,
            env_var_name,
            env_var_value.map(Zeroizing::new),
            password,
            false,
        ),
    };
    check_secret_id(&secret_id)?;
    if !is_shell_name(&name) {
        return Err(CliError::input(
            "bad_input",
            "the variable name is not a shell identifier",
        ));
    }
    let fresh = match value {
        Some(v) => v,
        None => random_value(
            password.password_length,
            password.danger_password_allowed_chars.as_deref(),
        )?,
    };
    let (result, _) = block_on(
        client.update_secret(&secret_id, Via::Auto, |s: &mut Secret| {
            let mut vars = s.env_vars()?;
            if let Some(v) = vars.iter_mut().find(|v| v.key == name) {
                if create_only || *v.value == *fresh {
                    return Ok((v.value.clone(), false));
                }
                v.value = fresh.clone();
            } else {
                vars.push(EnvVar {
                    key: name.clone(),
                    value: fresh.clone(),
                });
            }
            s.set_env_vars(&vars)?;
            Ok((fresh.clone(), true))
        }),
    )?
    .map_err(|e| fail(&e))?;
    emit_secret(
        out,
        json!({"secret_id": secret_id, "name": name, "value": result.as_str()}),
        &result,
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

pub(crate) fn run_command(
    settings: Settings,
    args: RunArgs,
    out: &Output,
) -> Result<Exit, CliError> {
    for id in args.filter.iter().chain(args.secret_id.iter()) {
        check_secret_id(id)?;
    }
    let client = client(settings)?;
    if args.via == ViaArg::Session {
        need_session_keys(&client, "--via session")?;
    }
    let (vars, via) = if let Some(id) = &args.secret_id {
        let (secret, source) =
            block_on(client.read_secret(id, args.via.into()))?.map_err(|e| fail(&e))?;
        (
            checked(secret.env_vars().map_err(|e| fail(&e))?)?,
            source.as_str(),
        )
    } else {
        let all = block_on(client.attached_secrets())?.map_err(|e| fail(&e))?;
        let mut vars: Vec<EnvVar> = Vec::new();
        for (id, data) in all {
            if !args.filter.is_empty() && !args.filter.contains(&id) {
                continue;
            }
            let Ok(secret) = Secret::new(data, None) else {
                continue;
            };
            if secret.kind() != SecretType::EnvironmentVariables {
                continue;
            }
            for v in checked(secret.env_vars().map_err(|e| fail(&e))?)? {
                if let Some(old) = vars.iter_mut().find(|o| o.key == v.key) {
                    crate::output::stderr_line(&format!(
                        "keyauth: warning: env var {} is set by more than one secret; the later one wins",
                        v.key
                    ));
                    *old = v;
                } else {
                    vars.push(v);
                }
            }
        }
        if vars.is_empty() {
            crate::output::stderr_line("keyauth: warning: no env vars found");
        }
        (vars, "api_key_access")
    };
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::input("bad_input", "no command given"));
    };
    let mut cmd = ChildCommand::new(program);
    cmd.args(rest);
    if args.clear_env {
        cmd.env_clear();
    }
    cmd.envs(vars.iter().map(|v| (v.key.as_str(), v.value.as_str())));
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
    let status = child.wait().map_err(|e| {
        CliError::new(
            Exit::Usage,
            "wait_failed",
            format!("cannot wait for the command: {}", e.kind()),
        )
    })?;
    let (code, signal) = child_status(status);
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn random_values_use_the_alphabet() {
        let v = random_value(40, None).unwrap();
        assert_eq!(v.chars().count(), 40);
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric()));
        let v = random_value(10, Some("äb")).unwrap();
        assert!(v.chars().all(|c| c == 'ä' || c == 'b'));
        assert!(random_value(0, None).is_err());
    }
}
