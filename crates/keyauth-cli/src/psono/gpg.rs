//! `gpg sign` / `gpg verify`: detached OpenPGP signatures with a GPG key secret (rPGP), in the
//! format `gpg --verify` accepts.

use std::io::Read as _;
use std::path::PathBuf;

use pgp::composed::{
    ArmorOptions, Deserializable as _, DetachedSignature, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::ser::Serialize as _;
use pgp::types::{KeyDetails as _, Password};
use psono_client::{FieldName, SecretType, Settings, Via};
use serde_json::json;
use zeroize::Zeroizing;

use super::{block_on, check_secret_id, client, fail};
use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Output;

/// `psono gpg` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum GpgCommand {
    /// Sign data (a file or stdin) with a GPG key secret: a detached signature
    /// [psonoci gpg sign].
    #[command(after_help = "Examples:
  keyauth psono gpg sign 5c0f...-uuid release.tar.gz -a -o release.tar.gz.asc
  gpg --verify release.tar.gz.asc release.tar.gz

The signature (SHA-256, the key's primary key, issuer fingerprint and creation time) is the
format `gpg --verify` accepts. The key must be stored without a passphrase, as the Psono web
client stores the keys it makes.")]
    Sign(GpgSignArgs),
    /// Check a detached signature over data (a file or stdin) with a GPG key secret's public
    /// key; exit 1 when it does not verify [psonoci gpg verify].
    Verify(GpgVerifyArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct GpgSignArgs {
    /// The GPG key secret's id.
    secret_id: String,
    /// The data to sign (default stdin).
    input_file: Option<PathBuf>,
    /// Write the signature here (default stdout).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// ASCII-armor the signature.
    #[arg(short = 'a', long)]
    armor: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct GpgVerifyArgs {
    /// The GPG key secret's id.
    secret_id: String,
    /// The signed data (default stdin).
    input_file: Option<PathBuf>,
    /// The detached signature (armored or binary).
    #[arg(short = 's', long = "signature")]
    signature: PathBuf,
    /// Print nothing when the signature does not verify (the exit code says it).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Print a line when it verifies.
    #[arg(short = 'v', long)]
    verbose: bool,
}

impl GpgCommand {
    /// Whether the data comes from stdin.
    pub(crate) fn reads_stdin(&self) -> bool {
        match self {
            Self::Sign(a) => a
                .input_file
                .as_deref()
                .is_none_or(|p| p == std::path::Path::new("-")),
            Self::Verify(a) => a
                .input_file
                .as_deref()
                .is_none_or(|p| p == std::path::Path::new("-")),
        }
    }
}

fn data(path: Option<&PathBuf>) -> Result<Zeroizing<Vec<u8>>, CliError> {
    match path {
        Some(p) => input::read_file(p, "the data"),
        None => input::read_stdin("the data"),
    }
}

async fn key_fields(
    settings: Settings,
    secret_id: &str,
) -> Result<(Option<Zeroizing<String>>, Option<Zeroizing<String>>), CliError> {
    let client = client(settings)?;
    let (secret, _) = client
        .read_secret(secret_id, Via::Auto)
        .await
        .map_err(|e| fail(&e))?;
    if secret.kind() != SecretType::MailGpgOwnKey {
        return Err(fail(&psono_client::Error::WrongSecretType {
            expected: "mail_gpg_own_key",
            actual: secret.kind().item_type(),
        }));
    }
    let private = secret.get_text(&FieldName::Named("gpg_key_private")).ok();
    let public = secret.get_text(&FieldName::Named("gpg_key_public")).ok();
    Ok((private, public))
}

fn bad_key(what: &str) -> CliError {
    CliError::input(
        "bad_key",
        format!("the secret's {what} is not an OpenPGP key"),
    )
}

pub(crate) fn gpg(settings: Settings, command: GpgCommand, out: &Output) -> Result<Exit, CliError> {
    match command {
        GpgCommand::Sign(a) => sign(settings, a, out),
        GpgCommand::Verify(a) => verify(settings, a, out),
    }
}

fn sign(settings: Settings, a: GpgSignArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&a.secret_id)?;
    let (private, _) = block_on(key_fields(settings, &a.secret_id))??;
    let private = private.ok_or_else(|| {
        fail(&psono_client::Error::FieldNotSet {
            field: "gpg_key_private".into(),
            secret_type: "mail_gpg_own_key",
        })
    })?;
    let (key, _) = SignedSecretKey::from_string(&private).map_err(|_| bad_key("private key"))?;
    drop(private);
    let body = data(a.input_file.as_ref())?;
    let sig = DetachedSignature::sign_binary_data(
        rand::rngs::OsRng,
        &key.primary_key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        &body[..],
    )
    .map_err(|_| {
        CliError::input(
            "sign_failed",
            "cannot sign with this key (passphrase-protected, or not a signing key)",
        )
    })?;
    let bytes = if a.armor {
        sig.to_armored_bytes(ArmorOptions::default())
    } else {
        sig.to_bytes()
    }
    .map_err(|_| CliError::input("sign_failed", "cannot encode the signature"))?;
    let fingerprint = hex::encode(key.primary_key.fingerprint().as_bytes());
    match &a.output {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                CliError::input("io", format!("cannot write {}: {}", path.display(), e.kind()))
            })?;
            out.emit(
                &json!({"secret_id": a.secret_id, "fingerprint": fingerprint,
                        "signature": path.display().to_string()}),
                "",
            )?;
        }
        None if out.is_json() => out.emit(
            &json!({"secret_id": a.secret_id, "fingerprint": fingerprint,
                    "signature_armored": String::from_utf8_lossy(&sig.to_armored_bytes(ArmorOptions::default()).unwrap_or_default())}),
            "",
        )?,
        None => crate::output::write_stdout(&bytes)?,
    }
    Ok(Exit::Ok)
}

fn verify(settings: Settings, a: GpgVerifyArgs, out: &Output) -> Result<Exit, CliError> {
    check_secret_id(&a.secret_id)?;
    let mut sig_bytes = Vec::new();
    std::fs::File::open(&a.signature)
        .and_then(|mut f| f.read_to_end(&mut sig_bytes))
        .map_err(|e| {
            CliError::input(
                "io",
                format!("cannot read {}: {}", a.signature.display(), e.kind()),
            )
        })?;
    let sig = DetachedSignature::from_armor_single(&sig_bytes[..])
        .map(|(s, _)| s)
        .or_else(|_| DetachedSignature::from_bytes(&sig_bytes[..]))
        .map_err(|_| {
            CliError::input(
                "bad_signature_file",
                "the signature file is not an OpenPGP signature",
            )
        })?;
    let body = data(a.input_file.as_ref())?;
    let (private, public) = block_on(key_fields(settings, &a.secret_id))??;
    let public: SignedPublicKey = match (public, private) {
        (Some(p), _) => {
            SignedPublicKey::from_string(&p)
                .map_err(|_| bad_key("public key"))?
                .0
        }
        (None, Some(s)) => SignedSecretKey::from_string(&s)
            .map_err(|_| bad_key("private key"))?
            .0
            .to_public_key(),
        (None, None) => {
            return Err(fail(&psono_client::Error::FieldNotSet {
                field: "gpg_key_public".into(),
                secret_type: "mail_gpg_own_key",
            }));
        }
    };
    let ok = sig.verify(&public.primary_key, &body).is_ok()
        || public
            .public_subkeys
            .iter()
            .any(|k| sig.verify(&k.key, &body).is_ok());
    if !ok {
        let e = CliError::check(
            "bad_signature",
            "the signature does not verify with this key",
        );
        if a.quiet {
            return Ok(Exit::Check);
        }
        return Err(e);
    }
    let text = if a.verbose { "signature verified" } else { "" };
    out.emit(&json!({"secret_id": a.secret_id, "valid": true}), text)?;
    Ok(Exit::Ok)
}
