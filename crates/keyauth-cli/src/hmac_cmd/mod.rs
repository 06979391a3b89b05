//! `keyauth hmac`: Flask-HMAC request signatures from the shell (RFC 9421: `keyauth httpsig`).
//!
//! `sign` prints a signature header value, `verify` checks one, `curl` sends a signed request.
//! Keys are text encoded latin-1, as Flask-HMAC's `HMAC_KEY`; they come from `--key-file`,
//! `$KEYAUTH_HMAC_KEY` or `--key` and never appear in any output.
//!
//! One file per subcommand: `sign`, `verify`, `curl`; this one holds the flags they share.

mod curl;
mod sign;
mod verify;

use std::fmt;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use hmac_auth::{Authenticated, Credential, Digest, Hmac, HmacBuilder, Key, Only, Signer};
use http::Method;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use zeroize::Zeroizing;

use crate::exit::{CliError, Exit};
use crate::input::{self, SecretSource};
use crate::output::Output;

/// The environment variable holding the key (safer than `--key`, which `ps` shows).
const KEY_ENV: &str = "KEYAUTH_HMAC_KEY";

const HMAC_EXAMPLES: &str = "\
Examples:
  # The Signature header value of a body, key in a file (text, encoded latin-1 as Flask-HMAC does):
  echo -n '{\"a\": 1}' | keyauth hmac sign --key-file hmac.key

  # Check it; exit 1 when it does not match:
  keyauth hmac verify 'c2lnbmF0dXJl...' --key-file hmac.key --data '{\"a\": 1}'

  # Call an API protected by Flask-HMAC as the service \"billing\" (key in the environment):
  KEYAUTH_HMAC_KEY=... keyauth hmac curl POST https://api.example/pay --service billing \\
      -H 'Content-Type: application/json' --data '{\"amount\": 10}'

Keys: --key-file FILE or --key TEXT (visible to other users in `ps`: avoid), else the
environment variable KEYAUTH_HMAC_KEY. Keys are text, encoded latin-1 as Flask-HMAC does.

Flask-HMAC signs only the body. To sign method, URL, host, time and a nonce as well, use
RFC 9421: keyauth httpsig sign|verify|curl (the former `--strong` mode was removed).";

const SIGN_EXAMPLES: &str = "\
Examples:
  # Global key (HMAC_KEY), body from stdin:
  echo -n '{}' | keyauth hmac sign --key-file hmac.key

  # A service token (make_hmac_for), with the service's key (HMAC_KEYS[\"billing\"]):
  keyauth hmac sign --service billing --key-file billing.key --data-file body.json

  # As a header line for curl -H, SHA-512 (a server configured with digestmod=sha512):
  KEYAUTH_HMAC_KEY=... keyauth hmac sign --digest sha512 --as-header --data '{}'

JSON (--json): {\"mode\": \"compat\", \"header\", \"value\", \"digest\", \"service\"}.";

const VERIFY_EXAMPLES: &str = "\
Examples:
  # Against the global key; prints who signed, exits 1 on a mismatch:
  keyauth hmac verify \"$SIG\" --key-file hmac.key --data-file body.json

  # A server with service keys that admits only billing (@hmac.auth(only=[\"billing\"])):
  keyauth hmac verify \"$SIG\" --service-key billing=billing.key --service-key reports=reports.key \\
      --only billing --data '{}'

  # A form post: Flask-HMAC signs such bodies as empty:
  keyauth hmac verify \"$SIG\" --key-file hmac.key --data 'a=1' \\
      --content-type application/x-www-form-urlencoded

Exit codes: 0 valid, 1 invalid (mismatch, unknown service, outside --only), 2 bad input.
JSON (--json): {\"valid\": true, \"mode\": \"compat\", \"signer\": \"global_key\"|\"service\",
  \"service\"}; failures are {\"error\": {...}}.";

const CURL_EXAMPLES: &str = "\
Examples:
  # POST JSON to a Flask-HMAC API with the global key; the response body goes to stdout:
  keyauth hmac curl POST http://127.0.0.1:5000/api -H 'Content-Type: application/json' \\
      --data '{\"a\": 1}' --key-file hmac.key

  # As a service, body from a file, response headers on stderr:
  keyauth hmac curl PUT https://api.example/items/7 --service billing --key-file billing.key \\
      --data-file item.json -i

The body is empty unless --data or --data-file is given (--data-file - reads stdin). No
Content-Type is added: give one with -H. Form bodies (x-www-form-urlencoded, multipart) are
signed as empty, as Flask-HMAC checks them. Redirects are not followed.

Exit codes: 0 on a 2xx answer; 1 on 401 or 403 (the server refused the signature); 3 on any
other status, an unreachable server or a timeout; 2 on bad input. The status line goes to
stderr, the body to stdout.
JSON (--json): {\"status\", \"reason\", \"version\", \"headers\": [[name, value]...], \"body\"
  (text, or null when not UTF-8), \"body_base64\" (when not UTF-8), \"signed\": {\"mode\",
  \"header\", \"service\"}}.";

/// Arguments of `keyauth hmac`.
#[derive(Debug, clap::Args)]
#[command(after_help = HMAC_EXAMPLES)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Cmd,
}

// Boxed: the argument structs are large, and `keyauth`'s command enum holds this one inline.
#[derive(Debug, Subcommand)]
enum Cmd {
    /// Print the signature header value of a body (Flask-HMAC make_hmac / make_hmac_for).
    #[command(after_help = SIGN_EXAMPLES)]
    Sign(Box<SignArgs>),
    /// Check a signature header value against a body and keys; print who signed.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(Box<VerifyArgs>),
    /// Send a signed HTTP request and print the response.
    #[command(after_help = CURL_EXAMPLES)]
    Curl(Box<CurlArgs>),
}

/// A secret from the command line: zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
struct SecretArg(Zeroizing<String>);

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[allow(clippy::unnecessary_wraps)] // clap's value_parser wants a Result.
fn secret_arg(text: &str) -> Result<SecretArg, String> {
    Ok(SecretArg(Zeroizing::new(text.to_owned())))
}

/// The key: `--key` or `--key-file`, else `$KEYAUTH_HMAC_KEY`. Text, encoded latin-1.
#[derive(Debug, clap::Args)]
struct KeyArgs {
    /// The key as text. Other local users can read it with `ps`: prefer --key-file or
    /// $KEYAUTH_HMAC_KEY.
    #[arg(long, value_name = "TEXT", value_parser = secret_arg, conflicts_with = "key_file")]
    key: Option<SecretArg>,
    /// A file holding the key text (UTF-8, one trailing newline dropped, encoded latin-1
    /// for the HMAC as Flask-HMAC does; `-` is stdin). Without --key-file and --key:
    /// $KEYAUTH_HMAC_KEY.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// Whether a key was given in any of the three places.
    fn given(&self) -> bool {
        self.source().given()
    }

    fn source(&self) -> SecretSource<'_> {
        // The flag wins, then the file; clap keeps both from being given.
        SecretSource {
            flag: self.key.as_ref().map(|k| k.0.as_str()),
            file: self.key_file.as_deref(),
            env: Some(KEY_ENV),
            what: "key",
        }
    }

    fn load(&self) -> Result<Key, CliError> {
        latin1_key(&self.source().text()?, "the key")
    }
}

fn latin1_key(text: &str, what: &str) -> Result<Key, CliError> {
    Key::latin1(text).map_err(|_| {
        CliError::input(
            "invalid_key",
            format!("{what} is not latin-1 text (Flask-HMAC keys are text encoded latin-1)"),
        )
    })
}

/// The request body.
#[derive(Debug, clap::Args)]
struct DataArgs {
    /// The body as text. Without --data and --data-file, sign and verify read the body from
    /// stdin; curl sends none.
    #[arg(long, value_name = "TEXT", conflicts_with = "data_file")]
    data: Option<String>,
    /// A file holding the body (`-` is stdin).
    #[arg(long, value_name = "FILE")]
    data_file: Option<PathBuf>,
}

impl DataArgs {
    /// Whether the body is read from stdin (`stdin_default`: when neither flag is given).
    fn reads_stdin(&self, stdin_default: bool) -> bool {
        self.data.is_none()
            && self
                .data_file
                .as_deref()
                .map_or(stdin_default, |p| p == Path::new("-"))
    }
}

/// Settings the server and the client must share.
#[derive(Debug, clap::Args)]
struct SchemeArgs {
    /// The hash under the HMAC (Flask-HMAC's digestmod): sha1, sha224, sha256, sha384,
    /// sha512.
    #[arg(long, value_name = "NAME", default_value = "sha256")]
    digest: String,
}

impl SchemeArgs {
    fn builder(&self, header_name: Option<&str>) -> Result<HmacBuilder, CliError> {
        let digest = Digest::from_name(&self.digest).ok_or_else(|| {
            CliError::input(
                "bad_digest",
                format!(
                    "unknown digest {:?}: use sha1, sha224, sha256, sha384 or sha512",
                    self.digest
                ),
            )
        })?;
        let mut builder = Hmac::builder().digest(digest);
        if let Some(name) = header_name {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                CliError::input("bad_header", format!("{name:?} is not a header name"))
            })?;
            builder = builder.header(name);
        }
        Ok(builder)
    }
}

/// The header name as the user spelled it (HTTP/1 names are case-insensitive).
fn header_label(header_name: Option<&str>) -> &str {
    header_name.unwrap_or("Signature")
}

/// Arguments of `keyauth hmac sign`.
#[derive(Debug, clap::Args)]
struct SignArgs {
    /// Sign as this service (make_hmac_for: a token carrying the name) with the service's
    /// key.
    #[arg(long, visible_alias = "key-id", value_name = "NAME")]
    service: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    data: DataArgs,
    /// The request's Content-Type. Form bodies (x-www-form-urlencoded, multipart/form-data)
    /// are signed as empty, because that is what a Flask-HMAC server checks.
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
    #[command(flatten)]
    scheme: SchemeArgs,
    /// The signature header name (default Signature).
    #[arg(long, value_name = "NAME")]
    header_name: Option<String>,
    /// Print `Name: value`, ready for `curl -H`, instead of the bare value.
    #[arg(long)]
    as_header: bool,
}

/// Arguments of `keyauth hmac verify`.
#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The signature header value to check (of the Signature header).
    signature: String,
    // The global key (HMAC_KEY); optional when --service-key is given.
    #[command(flatten)]
    key: KeyArgs,
    /// A service and the file holding its key text (HMAC_KEYS[NAME]); repeatable. With
    /// service keys, the global key (--key-file...) is optional.
    #[arg(long = "service-key", value_name = "NAME=FILE", value_parser = service_key_arg)]
    service_keys: Vec<(String, PathBuf)>,
    /// Admit only these services (@hmac.auth(only=[...])); repeatable. The global key passes
    /// regardless, as upstream.
    #[arg(long, value_name = "NAME")]
    only: Vec<String>,
    #[command(flatten)]
    data: DataArgs,
    /// The request's Content-Type. Form bodies (x-www-form-urlencoded, multipart/form-data)
    /// are checked as empty, as a Flask-HMAC server does.
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
    #[command(flatten)]
    scheme: SchemeArgs,
}

fn service_key_arg(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !file.is_empty() => Ok((name.to_owned(), PathBuf::from(file))),
        _ => Err("expected NAME=FILE".to_owned()),
    }
}

/// Arguments of `keyauth hmac curl`.
#[derive(Debug, clap::Args)]
struct CurlArgs {
    /// The request method (GET, POST...; upper-cased).
    method: String,
    /// The URL, http or https.
    url: String,
    /// A request header `Name: value`; repeatable.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Sign as this service (make_hmac_for) with the service's key.
    #[arg(long, visible_alias = "key-id", value_name = "NAME")]
    service: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    scheme: SchemeArgs,
    /// The signature header name (default Signature).
    #[arg(long, value_name = "NAME")]
    header_name: Option<String>,
    #[command(flatten)]
    send: crate::http_send::SendArgs,
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    match &args.command {
        Cmd::Sign(a) => sign::sign(a, *out),
        Cmd::Verify(a) => verify::verify(a, *out),
        Cmd::Curl(a) => curl::curl(a, *out),
    }
}

/// Stdin can be read once: refuse a key file `-` when the body comes from stdin too.
fn stdin_once<'a>(
    key_files: impl IntoIterator<Item = &'a Path>,
    data: &DataArgs,
    stdin_default: bool,
) -> Result<(), CliError> {
    let readers = key_files
        .into_iter()
        .filter(|p| *p == Path::new("-"))
        .count()
        + usize::from(data.reads_stdin(stdin_default));
    if readers > 1 {
        return Err(CliError::input(
            "usage",
            "stdin can carry only one of the keys and the body",
        ));
    }
    Ok(())
}

fn parse_method(text: &str) -> Result<Method, CliError> {
    Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map_err(|_| CliError::input("bad_method", format!("{text:?} is not an HTTP method")))
}

/// Headers as the server sees them when it picks the signed message (only the type matters).
fn content_type_headers(content_type: Option<&str>) -> Result<HeaderMap, CliError> {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        let value = HeaderValue::from_str(ct)
            .map_err(|_| CliError::input("bad_header", "--content-type is not a header value"))?;
        headers.insert(CONTENT_TYPE, value);
    }
    Ok(headers)
}

/// A service key must not be empty: Flask-HMAC would then fall back to a global key, which
/// a command with one key does not have.
fn keyed_builder(builder: HmacBuilder, service: Option<&str>, key: Key) -> Result<Hmac, CliError> {
    Ok(match service {
        None => builder.key(key),
        Some(_) if key.is_empty() => {
            return Err(CliError::input(
                "invalid_key",
                "the service key is empty (Flask-HMAC would use the global key: give that one)",
            ));
        }
        Some(name) => builder.service(name, key),
    }
    .build())
}
