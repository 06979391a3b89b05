//! `ssh add`: an SSH key secret's private key into a running ssh-agent, over the agent
//! protocol (ssh-agent-lib, ssh-key), with psonoci's lifetime and confirmation constraints.

use std::path::PathBuf;

use psono_client::{FieldName, Settings, Via};
use serde_json::json;
use ssh_agent_lib::agent::Session as _;
use ssh_agent_lib::proto::{AddIdentity, AddIdentityConstrained, KeyConstraint, PrivateCredential};
use ssh_key::PrivateKey;
use zeroize::Zeroizing;

use super::{block_on, check_secret_id, client, fail};
use crate::exit::{CliError, Exit};
use crate::output::Output;

/// `psono ssh` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SshCommand {
    /// Add an SSH key secret's private key to the ssh-agent [psonoci ssh add].
    #[command(after_help = "Examples:
  eval \"$(ssh-agent)\"; keyauth psono ssh add 2b1c...-uuid --key-lifetime 3600
  keyauth psono ssh add 2b1c...-uuid --key-confirmation --ssh-auth-sock-path /run/agent.sock

Ed25519, RSA and ECDSA (P-256, P-384) OpenSSH keys; an encrypted key needs
--key-passphrase (or PSONO_CI_SSH_KEY_PASSPHRASE, which stays out of `ps`).")]
    Add(SshAddArgs),
}

#[derive(clap::Args)]
pub(crate) struct SshAddArgs {
    /// The SSH key secret's id.
    secret_id: String,
    /// The agent's socket (default $SSH_AUTH_SOCK).
    #[arg(long, value_name = "PATH")]
    ssh_auth_sock_path: Option<PathBuf>,
    /// The passphrase of an encrypted key (visible in `ps`: prefer
    /// PSONO_CI_SSH_KEY_PASSPHRASE).
    #[arg(long, env = "PSONO_CI_SSH_KEY_PASSPHRASE", hide_env_values = true)]
    key_passphrase: Option<String>,
    /// Let the agent forget the key after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    key_lifetime: Option<u32>,
    /// Let the agent ask for confirmation on every use of the key.
    #[arg(long)]
    key_confirmation: bool,
}

impl std::fmt::Debug for SshAddArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshAddArgs")
            .field("secret_id", &self.secret_id)
            .field("key_lifetime", &self.key_lifetime)
            .field("key_confirmation", &self.key_confirmation)
            .finish_non_exhaustive()
    }
}

pub(crate) fn ssh(settings: Settings, command: SshCommand, out: &Output) -> Result<Exit, CliError> {
    let SshCommand::Add(args) = command;
    check_secret_id(&args.secret_id)?;
    let passphrase = args.key_passphrase.map(Zeroizing::new);
    let sock = args
        .ssh_auth_sock_path
        .or_else(|| std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from))
        .ok_or_else(|| {
            CliError::input(
                "no_agent",
                "no ssh-agent: SSH_AUTH_SOCK is not set (or give --ssh-auth-sock-path)",
            )
        })?;
    let client = client(settings)?;
    let (secret, _) =
        block_on(client.read_secret(&args.secret_id, Via::Auto))?.map_err(|e| fail(&e))?;
    if secret.kind() != psono_client::SecretType::SshOwnKey {
        return Err(fail(&psono_client::Error::WrongSecretType {
            expected: "ssh_own_key",
            actual: secret.kind().item_type(),
        }));
    }
    let pem = secret
        .get_text(&FieldName::Named("ssh_key_private"))
        .map_err(|e| fail(&e))?;
    let bad_key = || {
        CliError::input(
            "bad_key",
            "the secret's private key is not an OpenSSH private key",
        )
    };
    let mut key = PrivateKey::from_openssh(pem.as_bytes()).map_err(|_| bad_key())?;
    drop(pem);
    if key.is_encrypted() {
        let Some(p) = passphrase.as_ref() else {
            return Err(CliError::input(
                "passphrase_needed",
                "the key is encrypted: give --key-passphrase or PSONO_CI_SSH_KEY_PASSPHRASE",
            ));
        };
        key = key
            .decrypt(p.as_bytes())
            .map_err(|_| CliError::check("bad_passphrase", "the key passphrase is wrong"))?;
    }
    let fingerprint = key
        .public_key()
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string();
    let comment = if key.comment().is_empty() {
        format!("psono secret {}", args.secret_id)
    } else {
        key.comment().to_owned()
    };
    let identity = AddIdentity {
        credential: PrivateCredential::Key {
            privkey: key.key_data().clone(),
            comment,
        },
    };
    let mut constraints = Vec::new();
    if let Some(secs) = args.key_lifetime {
        constraints.push(KeyConstraint::Lifetime(secs));
    }
    if args.key_confirmation {
        constraints.push(KeyConstraint::Confirm);
    }
    let added = block_on(async {
        let stream = tokio::net::UnixStream::connect(&sock).await.map_err(|e| {
            CliError::network(
                "agent_unreachable",
                format!(
                    "cannot reach the ssh-agent at {}: {}",
                    sock.display(),
                    e.kind()
                ),
            )
        })?;
        let mut agent = ssh_agent_lib::client::Client::new(stream);
        let res = if constraints.is_empty() {
            agent.add_identity(identity).await
        } else {
            agent
                .add_identity_constrained(AddIdentityConstrained {
                    identity,
                    constraints,
                })
                .await
        };
        res.map_err(|_| CliError::check("agent_refused", "the ssh-agent refused the key"))
    })?;
    added?;
    out.emit(
        &json!({"secret_id": args.secret_id, "fingerprint": fingerprint,
                "lifetime": args.key_lifetime, "confirm": args.key_confirmation}),
        &format!("added {fingerprint} to the ssh-agent"),
    )?;
    Ok(Exit::Ok)
}
