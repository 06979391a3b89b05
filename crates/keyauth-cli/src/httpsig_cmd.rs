//! `keyauth httpsig`: HTTP Message Signatures (RFC 9421) on raw HTTP/1.1 request files, and
//! signed requests over the network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args as ClapArgs, Subcommand};
use http::Method;
use keyauth_httpsig::http1::{parse_request, write_request};
use keyauth_httpsig::{
    Algorithm, ComponentId, Error, SignOptions, Signer, SigningKey, StaticKeys, Verifier,
    VerifyingKey,
};
use serde_json::json;

use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Output;

/// `keyauth httpsig ...`
#[derive(Debug, ClapArgs)]
#[command(after_help = "\
Examples:
  # Sign a request file with an Ed25519 PKCS#8 key (prints it with Signature-Input/Signature):
  keyauth httpsig sign --request req.http --key-id k1 --key-file k1.pem --alg ed25519

  # Check it with the SPKI public key; exit 0 ok, 1 refused (code on stderr), 2 bad input:
  keyauth httpsig verify --request signed.http --key-id k1 --key-file k1.pub.pem --alg ed25519

  # Send a signed request (hmac-sha256: the key file holds the raw secret):
  keyauth httpsig curl POST https://api.example/items --key-id k1 --key-file k1.key \\
      --alg hmac-sha256 -H 'Content-Type: application/json' --data '{}'")]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Sign a raw HTTP/1.1 request and print it with Signature-Input, Signature (and
    /// Content-Digest for a body without one).
    Sign(SignArgs),
    /// Verify a raw HTTP/1.1 request under the policy: exit 0 ok, 1 refused, 2 bad input.
    Verify(VerifyArgs),
    /// Send a signed request and print the answer's body (status on stderr).
    Curl(CurlArgs),
}

#[derive(Debug, ClapArgs)]
struct KeyArgs {
    /// The keyid parameter (and the key's name for verify).
    #[arg(long, value_name = "ID")]
    key_id: String,
    /// The key: raw secret bytes for hmac-sha256, else PEM (PKCS#8 or SEC1 private key to
    /// sign; SPKI public key, or PKCS#1 for RSA, to verify).
    #[arg(long, value_name = "FILE")]
    key_file: PathBuf,
    /// hmac-sha256, ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384 (sign and verify);
    /// rsa-pss-sha512, rsa-v1_5-sha256 (verify).
    #[arg(long, value_name = "ALG")]
    alg: String,
}

#[derive(Debug, ClapArgs)]
struct SignArgs {
    /// The request file (`-` is stdin).
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// The signature label.
    #[arg(long, value_name = "L", default_value = keyauth_httpsig::DEFAULT_LABEL)]
    label: String,
    /// A component to cover (repeat; `@method`, `content-type`, `"@query-param";name="a"`);
    /// default: @method @target-uri @authority, content-digest and content-type when there.
    #[arg(long = "component", value_name = "C")]
    components: Vec<String>,
    /// The created parameter, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    created: Option<u64>,
    /// The expires parameter, Unix seconds.
    #[arg(long, value_name = "UNIX")]
    expires: Option<u64>,
    /// Leave out the nonce (verifiers under the default policy then refuse).
    #[arg(long)]
    no_nonce: bool,
    /// The tag parameter.
    #[arg(long, value_name = "T")]
    tag: Option<String>,
}

#[derive(Debug, ClapArgs)]
struct VerifyArgs {
    /// The request file (`-` is stdin).
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// The oldest `created` accepted, seconds before now (default 300).
    #[arg(long, value_name = "SECS")]
    max_age: Option<u64>,
    /// A component the signature must also cover (repeat).
    #[arg(long = "require", value_name = "C")]
    require: Vec<String>,
}

#[derive(Debug, ClapArgs)]
struct CurlArgs {
    /// The method (GET, POST...).
    method: String,
    /// The URL (http or https).
    url: String,
    #[command(flatten)]
    key: KeyArgs,
    /// A request header, `Name: value` (repeat).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// The request body.
    #[arg(long, value_name = "D")]
    data: Option<String>,
    #[command(flatten)]
    send: crate::http_send::SendArgs,
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    match args.command {
        Cmd::Sign(a) => sign(&a, *out),
        Cmd::Verify(a) => verify(&a, *out),
        Cmd::Curl(a) => curl(&a, *out),
    }
}

fn algorithm(name: &str) -> Result<Algorithm, CliError> {
    Algorithm::from_name(name)
        .map_err(|_| CliError::input("bad_alg", format!("unknown algorithm {name:?}")))
}

fn key_error(e: &Error, path: &Path) -> CliError {
    CliError::input(e.code(), format!("{}: {e}", path.display()))
}

/// The key file through the secret source: empty and oversized files refused, wiped after use.
fn key_bytes(k: &KeyArgs) -> Result<zeroize::Zeroizing<Vec<u8>>, CliError> {
    input::SecretSource::file(&k.key_file, "key")
        .bytes()?
        .ok_or_else(|| CliError::input("missing_secret", "--key-file is required"))
}

fn signing_key(k: &KeyArgs) -> Result<SigningKey, CliError> {
    let alg = algorithm(&k.alg)?;
    let bytes = key_bytes(k)?;
    SigningKey::from_key_file(alg, &bytes).map_err(|e| key_error(&e, &k.key_file))
}

fn verifying_key(k: &KeyArgs) -> Result<VerifyingKey, CliError> {
    let alg = algorithm(&k.alg)?;
    let bytes = key_bytes(k)?;
    VerifyingKey::from_key_file(alg, &bytes).map_err(|e| key_error(&e, &k.key_file))
}

fn components(list: &[String]) -> Result<Vec<ComponentId>, CliError> {
    list.iter()
        .map(|c| {
            ComponentId::parse(c)
                .map_err(|_| CliError::input("bad_component", format!("not a component: {c}")))
        })
        .collect()
}

fn read_request(path: &Path) -> Result<keyauth_httpsig::http1::RawRequest, CliError> {
    let raw = input::read_file(path, "the request")?;
    parse_request(&raw).map_err(|e| {
        CliError::input(
            e.code(),
            format!("{}: not an HTTP/1.1 request", path.display()),
        )
    })
}

/// A refusal: exit 1 with the crate's code.
fn refused(e: &Error) -> CliError {
    CliError::check(e.code(), e.to_string())
}

fn signer_for(key: SigningKey, k: &KeyArgs) -> Signer {
    Signer::new(key).keyid(k.key_id.clone())
}

fn sign(a: &SignArgs, out: Output) -> Result<Exit, CliError> {
    let key = signing_key(&a.key)?;
    let mut req = read_request(&a.request)?;
    let mut signer = signer_for(key, &a.key)
        .label(a.label.clone())
        .nonce(!a.no_nonce);
    if !a.components.is_empty() {
        signer = signer.components(components(&a.components)?);
    }
    if let Some(t) = &a.tag {
        signer = signer.tag(t.clone());
    }
    let opts = SignOptions {
        created: a.created,
        expires: a.expires,
        nonce: None,
    };
    let signed = signer
        .sign_request_parts(&mut req.parts, &req.body, &opts)
        .map_err(|e| CliError::input(e.code(), e.to_string()))?;
    let text = write_request(&req.parts, &req.body);
    if out.is_json() {
        let doc = json!({
            "signature_input": signed.signature_input().unwrap_or_default(),
            "signature": signed.signature().unwrap_or_default(),
            "content_digest": req.parts.headers.get("content-digest").and_then(|v| v.to_str().ok()),
            "base": String::from_utf8_lossy(&signed.base),
            "request": String::from_utf8_lossy(&text),
        });
        out.emit(&doc, "")?;
    } else {
        crate::output::write_stdout(&text)?;
    }
    Ok(Exit::Ok)
}

fn verify(a: &VerifyArgs, out: Output) -> Result<Exit, CliError> {
    let key = verifying_key(&a.key)?;
    let req = read_request(&a.request)?;
    let mut builder = Verifier::builder(StaticKeys::new().with(a.key.key_id.clone(), key));
    if let Some(age) = a.max_age {
        builder = builder.max_age(Some(Duration::from_secs(age)));
    }
    for c in components(&a.require)? {
        builder = builder.require(c);
    }
    let verifier = builder.build();
    let verified = crate::block_on(verifier.verify_request(&req.parts, &req.body))?
        .map_err(|e| refused(&e))?;
    if verified.keyid.as_deref() != Some(a.key.key_id.as_str()) {
        return Err(refused(&Error::UnknownKey));
    }
    let covered: Vec<String> = verified
        .params
        .covered()
        .iter()
        .map(ToString::to_string)
        .collect();
    let doc = json!({
        "valid": true,
        "label": verified.label,
        "keyid": verified.keyid,
        "alg": verified.algorithm.name(),
        "covered": covered,
        "created": verified.params.created(),
        "expires": verified.params.expires(),
    });
    out.emit(
        &doc,
        &format!(
            "ok: {} by {} ({})",
            verified.label,
            a.key.key_id,
            verified.algorithm.name()
        ),
    )?;
    Ok(Exit::Ok)
}

fn curl(a: &CurlArgs, out: Output) -> Result<Exit, CliError> {
    let method = Method::from_bytes(a.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        CliError::input(
            "bad_method",
            format!("{:?} is not an HTTP method", a.method),
        )
    })?;
    // The parser's message never repeats the URL, which may carry a password.
    let url = reqwest::Url::parse(&a.url)
        .map_err(|e| CliError::input("bad_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CliError::input("bad_url", "only http and https URLs"));
    }
    let timeout = a.send.timeout()?;
    let signer = signer_for(signing_key(&a.key)?, &a.key);
    let mut req = reqwest::Request::new(method, url);
    *req.headers_mut() = input::parse_headers(&a.headers)?;
    if let Some(d) = &a.data {
        *req.body_mut() = Some(d.clone().into());
    }
    signer
        .sign_reqwest(&mut req)
        .map_err(|e| CliError::input(e.code(), e.to_string()))?;
    let body = a.data.clone().map(String::into_bytes).unwrap_or_default();
    let res = crate::block_on(crate::http_send::send(
        req.method().clone(),
        req.url().clone(),
        req.headers().clone(),
        body,
        timeout,
        a.send.max_response_bytes,
    ))??;
    let code = res.exit();
    if out.is_json() {
        out.emit(&res.json(), "")?;
    } else {
        res.print(a.send.include)?;
    }
    Ok(code)
}
