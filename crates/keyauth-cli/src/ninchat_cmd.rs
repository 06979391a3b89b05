//! `keyauth ninchat`: master-key signatures and secure metadata, and their verifier side.

use std::path::PathBuf;
use std::sync::Arc;

use keyauth_core::{
    Clock, Expiry, FixedClock, RedisOptions, RedisReplayGuard, SystemClock, UnixTime,
};
use ninchat_master::{Call, Expire, Format, Grant, Json, MasterKey, Signer, Verifier};
use serde_json::{Value, json};

use crate::exit::{CliError, Exit};
use crate::input::{self, SecretSource};
use crate::output::Output;

const KEY_ID_ENV: &str = "NINCHAT_MASTER_KEY_ID";
const SECRET_ENV: &str = "NINCHAT_MASTER_KEY_SECRET";

/// Arguments of `keyauth ninchat`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make a `master_sign` signature.
    #[command(subcommand)]
    Sign(SignCommand),
    /// Encrypt audience metadata for the `secure` property (JSON from a file or stdin).
    #[command(after_help = "\
Examples:
  echo '{\"order\": 1234}' | keyauth ninchat secure-metadata --key-id 22nlihvg --expire 1h
  keyauth ninchat secure-metadata --user-id 0ebdp2u0 --metadata-file meta.json --expire 1700003600")]
    SecureMetadata {
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        expire: ExpireArgs,
        /// Bind the value to this user (`secure_metadata_for_user`).
        #[arg(long)]
        user_id: Option<String>,
        /// The metadata JSON file (`-` or absent: stdin). Key order is kept.
        #[arg(long)]
        metadata_file: Option<PathBuf>,
    },
    /// Check a signature against the API call it was presented with.
    #[command(after_help = "\
Examples:
  keyauth ninchat verify \"$SIG\" --action join-channel --channel-id 1bfbr0u --user-id 0ebdp2u0
  # Single use across runs and servers: record it in a shared Redis.
  keyauth ninchat verify \"$SIG\" --action create-session --redis redis://127.0.0.1:6379/

Exit 0: valid (and, with --redis, not seen before); 1: bad signature, wrong call,
unknown key, expired, too far ahead, replayed; 2: malformed input; 3: Redis unreachable.")]
    Verify {
        /// The `master_sign` value.
        #[arg(allow_hyphen_values = true)]
        signature: String,
        /// The API action it was presented with.
        #[arg(long, value_enum)]
        action: ActionArg,
        /// The channel of a `join_channel` call.
        #[arg(long)]
        channel_id: Option<String>,
        /// The user of the call (required for signatures made for a user).
        #[arg(long)]
        user_id: Option<String>,
        /// `puppet_attrs` / `member_attrs` of the call: NAME=JSON, repeatable.
        #[arg(long = "attr", value_name = "NAME=JSON")]
        attrs: Vec<String>,
        #[command(flatten)]
        key: KeyArgs,
        /// Refuse expiries further ahead than this (a duration such as 1w).
        #[arg(long, value_name = "DURATION")]
        max_ahead: Option<String>,
        /// Record the signature as used in this Redis; a second verify fails (exit 1).
        /// One node (redis://host:port/db, rediss:// for TLS), a Cluster
        /// (redis+cluster://host:port,host:port) or Sentinels (redis+sentinel://host:port,.../master).
        #[arg(long, value_name = "URL")]
        redis: Option<String>,
        /// Key prefix in Redis (share it between servers that accept the same signatures).
        #[arg(long, default_value = "keyauth:replay:")]
        redis_prefix: String,
        #[command(flatten)]
        now: NowArg,
    },
    /// Decrypt and check a `secure` metadata value, printing the metadata.
    #[command(after_help = "\
Examples:
  keyauth ninchat open-metadata \"$SECURE\" --key-id 22nlihvg --secret-file master.key
  keyauth --json ninchat open-metadata \"$SECURE\" --user-id 0ebdp2u0")]
    OpenMetadata {
        /// The secure-metadata value.
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// The user the value must be bound to (values made for a user need it).
        #[arg(long)]
        user_id: Option<String>,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        now: NowArg,
    },
}

#[derive(Debug, clap::Subcommand)]
enum SignCommand {
    /// `create_session` for a new puppet user (optionally with puppet attributes).
    #[command(after_help = "\
Examples:
  keyauth ninchat sign create-session --key-id 22nlihvg --secret-file master.key --expire 1h
  keyauth ninchat sign create-session --expire 1700003600 --attr 'name=\"Enforced\"'")]
    CreateSession {
        #[command(flatten)]
        common: SignArgs,
        /// A puppet attribute NAME=JSON (repeatable).
        #[arg(long = "attr", value_name = "NAME=JSON")]
        attrs: Vec<String>,
    },
    /// `create_session` for an existing puppet user.
    #[command(
        after_help = "Example:\n  keyauth ninchat sign create-session-for-user --user-id 0ebdp2u0 --expire 10m"
    )]
    CreateSessionForUser {
        #[command(flatten)]
        common: SignArgs,
        /// The puppet's user id.
        #[arg(long)]
        user_id: String,
    },
    /// `join_channel` for any user (optionally with member attributes).
    #[command(
        after_help = "Example:\n  keyauth ninchat sign join-channel --channel-id 1bfbr0u --expire 1h --attr 'silenced=false'"
    )]
    JoinChannel {
        #[command(flatten)]
        common: SignArgs,
        /// The channel.
        #[arg(long)]
        channel_id: String,
        /// A member attribute NAME=JSON (repeatable).
        #[arg(long = "attr", value_name = "NAME=JSON")]
        attrs: Vec<String>,
    },
    /// `join_channel` for one user.
    #[command(
        after_help = "Example:\n  keyauth ninchat sign join-channel-for-user --channel-id 1bfbr0u --user-id 0ebdp2u0 --expire 1h"
    )]
    JoinChannelForUser {
        #[command(flatten)]
        common: SignArgs,
        /// The channel.
        #[arg(long)]
        channel_id: String,
        /// The user.
        #[arg(long)]
        user_id: String,
        /// A member attribute NAME=JSON (repeatable).
        #[arg(long = "attr", value_name = "NAME=JSON")]
        attrs: Vec<String>,
    },
}

/// The master key: id and secret.
#[derive(Debug, clap::Args)]
struct KeyArgs {
    /// The master key id.
    #[arg(long, env = KEY_ID_ENV)]
    key_id: String,
    /// The base64 secret (visible to `ps`: prefer --secret-file or $NINCHAT_MASTER_KEY_SECRET).
    #[arg(long, conflicts_with = "secret_file")]
    secret: Option<String>,
    /// A file holding the base64 secret.
    #[arg(long)]
    secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ExpireArgs {
    /// Unix seconds (1700003600, or 1700003600.5 for metadata), or a duration from now
    /// (90s, 15m, 1h, 1h30m, 2d, 1w). At most one week ahead.
    #[arg(long, default_value = "1h")]
    expire: String,
}

#[derive(Debug, clap::Args)]
struct NowArg {
    /// Check as of this Unix time instead of now (to replay a logged request or a test
    /// vector).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
}

impl NowArg {
    fn clock(&self) -> Arc<dyn Clock> {
        match self.now {
            Some(t) => Arc::new(FixedClock::new(UnixTime::new(t))),
            None => Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    expire: ExpireArgs,
    /// `released` (the Python library: `-` separators, standard base64) or `url-safe`.
    #[arg(long, value_enum, default_value_t = FormatArg::Released)]
    format: FormatArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FormatArg {
    Released,
    UrlSafe,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ActionArg {
    CreateSession,
    JoinChannel,
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    match args.command {
        Command::Sign(cmd) => sign(cmd, out),
        Command::SecureMetadata {
            key,
            expire,
            user_id,
            metadata_file,
        } => {
            let key = master_key(&key)?;
            let expire = parse_expire(&expire.expire, SystemClock.now())?;
            let text = input::read_file(
                metadata_file
                    .as_deref()
                    .unwrap_or_else(|| std::path::Path::new("-")),
                "metadata",
            )?;
            let metadata: Json = serde_json::from_slice(&text)
                .map_err(|e| CliError::input("bad_json", format!("metadata is not JSON: {e}")))?;
            let value = Signer::new(&key)
                .expiry(Expiry::within(Expiry::ONE_WEEK))
                .secure_metadata(expire, &metadata, user_id.as_deref())
                .map_err(signing_input)?;
            out.emit(
                &json!({"secure": value, "key_id": key.id().as_str(), "user_id": user_id}),
                &value,
            )?;
            Ok(Exit::Ok)
        }
        Command::Verify {
            signature,
            action,
            channel_id,
            user_id,
            attrs,
            key,
            max_ahead,
            redis,
            redis_prefix,
            now,
        } => {
            let attrs = parse_attrs(&attrs)?;
            let mut call = match (action, channel_id.as_deref()) {
                (ActionArg::CreateSession, None) => Call::create_session(),
                (ActionArg::JoinChannel, Some(c)) => Call::join_channel(c),
                (ActionArg::CreateSession, Some(_)) => {
                    return Err(CliError::input(
                        "usage",
                        "--channel-id belongs to --action join-channel",
                    ));
                }
                (ActionArg::JoinChannel, None) => {
                    return Err(CliError::input(
                        "usage",
                        "--action join-channel needs --channel-id",
                    ));
                }
            };
            if let Some(u) = user_id.as_deref() {
                call = call.user_id(u);
            }
            call = call.attrs(&attrs);
            let clock = now.clock();
            let mut verifier = Verifier::new([master_key(&key)?]).clock(clock.clone());
            if let Some(d) = max_ahead {
                let secs = input::parse_duration(&d).ok_or_else(|| {
                    CliError::input("bad_duration", "--max-ahead is not a duration such as 1w")
                })?;
                verifier = verifier.expiry(Expiry::within(secs));
            }
            let verified = match redis {
                // Without a shared store, single use cannot be enforced across runs: check only.
                None => verifier.check(&signature, &call, clock.now())?,
                Some(url) => crate::block_on(async {
                    // The forms of keyauth_core::RedisOptions::parse: one node, Cluster seeds,
                    // Sentinels; its reason never repeats the URL (it may hold a password).
                    let options = RedisOptions::parse(&url)
                        .map_err(|e| {
                            CliError::input(
                                "bad_redis_url",
                                format!(
                                    "--redis must be a redis URL (redis://host:port/db, rediss://..., \
                                     redis+cluster://host:port,host:port or \
                                     redis+sentinel://host:port,.../master): {e}"
                                ),
                            )
                        })?
                        .prefix(redis_prefix);
                    let guard = RedisReplayGuard::new(&options)
                        .map_err(|e| CliError::from(ninchat_master::Error::from(e)))?;
                    Ok::<_, CliError>(
                        verifier
                            .replay_guard(Arc::new(guard))
                            .verify(&signature, &call)
                            .await?,
                    )
                })??,
            };
            let format = match verified.format {
                Format::UrlSafe => "url-safe",
                _ => "released",
            };
            out.emit(
                &json!({
                    "valid": true,
                    "key_id": verified.key_id.as_str(),
                    "expire": verified.expire.as_secs(),
                    "nonce": verified.nonce,
                    "for_user": verified.for_user,
                    "format": format,
                }),
                &format!(
                    "valid: key {}, expires {}",
                    verified.key_id,
                    verified.expire.as_secs()
                ),
            )?;
            Ok(Exit::Ok)
        }
        Command::OpenMetadata {
            value,
            user_id,
            key,
            now,
        } => {
            let opened = Verifier::new([master_key(&key)?])
                .clock(now.clock())
                .open_secure_metadata(&value, user_id.as_deref())?;
            let metadata: Value = serde_json::from_str(&opened.metadata.to_python_json()?)
                .map_err(|_| CliError::from(ninchat_master::Error::InvalidJson))?;
            let expire = match opened.expire {
                Expire::Int(i) => json!(i),
                Expire::Float(f) => json!(f),
                _ => Value::Null,
            };
            out.emit(
                &json!({
                    "key_id": opened.key_id.as_str(),
                    "user_id": opened.user_id,
                    "expire": expire,
                    "metadata": metadata,
                }),
                &metadata.to_string(),
            )?;
            Ok(Exit::Ok)
        }
    }
}

fn sign(cmd: SignCommand, out: &Output) -> Result<Exit, CliError> {
    let (common, attrs, channel, user) = match &cmd {
        SignCommand::CreateSession { common, attrs } => (common, attrs.as_slice(), None, None),
        SignCommand::CreateSessionForUser { common, user_id } => {
            (common, &[][..], None, Some(user_id.as_str()))
        }
        SignCommand::JoinChannel {
            common,
            channel_id,
            attrs,
        } => (common, attrs.as_slice(), Some(channel_id.as_str()), None),
        SignCommand::JoinChannelForUser {
            common,
            channel_id,
            user_id,
            attrs,
        } => (
            common,
            attrs.as_slice(),
            Some(channel_id.as_str()),
            Some(user_id.as_str()),
        ),
    };
    let attrs = parse_attrs(attrs)?;
    let grant = match (channel, user) {
        (None, None) => Grant::CreateSession {
            puppet_attrs: &attrs,
        },
        (None, Some(user_id)) => Grant::CreateSessionForUser { user_id },
        (Some(channel_id), None) => Grant::JoinChannel {
            channel_id,
            member_attrs: &attrs,
        },
        (Some(channel_id), Some(user_id)) => Grant::JoinChannelForUser {
            channel_id,
            user_id,
            member_attrs: &attrs,
        },
    };
    let key = master_key(&common.key)?;
    let expire = parse_expire(&common.expire.expire, SystemClock.now())?;
    let format = match common.format {
        FormatArg::Released => Format::Released,
        FormatArg::UrlSafe => Format::UrlSafe,
    };
    let signature = Signer::new(&key)
        .format(format)
        .expiry(Expiry::within(Expiry::ONE_WEEK))
        .sign(&grant, expire)
        .map_err(signing_input)?;
    out.emit(
        &json!({
            "signature": signature,
            "key_id": key.id().as_str(),
            "expire": expire.truncated()?,
        }),
        &signature,
    )?;
    Ok(Exit::Ok)
}

/// When signing, every failure (an expiry in the past or too far ahead included) is the
/// caller's input, not a failed check.
fn signing_input(e: ninchat_master::Error) -> CliError {
    let mut e = CliError::from(e);
    if e.exit == Exit::Check {
        e.exit = Exit::Usage;
    }
    e
}

fn master_key(args: &KeyArgs) -> Result<MasterKey, CliError> {
    let secret = SecretSource {
        flag: args.secret.as_deref(),
        file: args.secret_file.as_deref(),
        env: Some(SECRET_ENV),
        what: "master key secret",
    }
    .text()?;
    Ok(MasterKey::new(args.key_id.as_str(), secret.trim())?)
}

/// Unix seconds (integer or float) or a duration from `now`.
pub(crate) fn parse_expire(text: &str, now: UnixTime) -> Result<Expire, CliError> {
    let bad = || {
        CliError::input(
            "bad_expire",
            "--expire is neither Unix seconds nor a duration such as 1h",
        )
    };
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().map(Expire::Int).map_err(|_| bad());
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') && text.contains('.') {
        let f: f64 = text.parse().map_err(|_| bad())?;
        return if f.is_finite() {
            Ok(Expire::Float(f))
        } else {
            Err(bad())
        };
    }
    let secs = input::parse_duration(text).ok_or_else(bad)?;
    Ok(Expire::from(now.saturating_add(secs)))
}

/// `NAME=JSON` pairs; the value must be JSON (`name="Enforced"`, `silenced=false`).
pub(crate) fn parse_attrs(raw: &[String]) -> Result<Vec<(&str, Json)>, CliError> {
    raw.iter()
        .map(|a| {
            let (name, value) = a.split_once('=').ok_or_else(|| {
                CliError::input(
                    "bad_attr",
                    "--attr must be NAME=JSON, e.g. name=\"Enforced\"",
                )
            })?;
            let value: Json = serde_json::from_str(value).map_err(|_| {
                CliError::input(
                    "bad_attr",
                    format!(
                        "--attr {name}: the value is not JSON (quote strings: {name}='\"text\"')"
                    ),
                )
            })?;
            Ok((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_forms() {
        let now = UnixTime::new(1_700_000_000);
        assert_eq!(
            parse_expire("1700003600", now).unwrap(),
            Expire::Int(1_700_003_600)
        );
        assert_eq!(
            parse_expire("1700003600.5", now).unwrap(),
            Expire::Float(1_700_003_600.5)
        );
        assert_eq!(parse_expire("1h", now).unwrap(), Expire::Int(1_700_003_600));
        for bad in ["", "1.2.3", "soon", "-5", "1e9"] {
            assert_eq!(
                parse_expire(bad, now).unwrap_err().code,
                "bad_expire",
                "{bad}"
            );
        }
    }

    #[test]
    fn attrs_need_json_values() {
        let raw = vec!["name=\"Enforced\"".to_owned(), "n=1".to_owned()];
        let attrs = parse_attrs(&raw).unwrap();
        assert_eq!(attrs[0], ("name", Json::String("Enforced".into())));
        assert_eq!(attrs[1], ("n", Json::Int(1)));
        assert_eq!(
            parse_attrs(&["name=Enforced".into()]).unwrap_err().code,
            "bad_attr"
        );
        assert_eq!(
            parse_attrs(&["noequals".into()]).unwrap_err().code,
            "bad_attr"
        );
    }
}
