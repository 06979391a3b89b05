#![no_main]
//! Server answers past their signatures and seals: `/info/` text under a valid or invalid
//! signature, a login answer sealed and signed by the server around arbitrary plaintext, an
//! Authorization-Validator header (raw, or sealed around arbitrary plaintext), the `from_hex`
//! key constructors, and decrypted secret and share objects read as the CLI reads them: a
//! value or a typed error, never a panic, and no error message with a control character.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use psono_client::crypto::hex_encode;
use psono_client::secret::FIELD_NAMES;
use psono_client::server::{SessionDevice, check_validator, verify_info};
use psono_client::transport::authorization_validator;
use psono_client::tree::SecretData;
use psono_client::{
    BoxSecretKey, EncryptedBody, EncryptedShare, FieldName, LoginRequest, LoginResponse,
    PublicKey, Secret, SecretKey, SigningSeed, Timestamp, Totp, VerifyKey,
};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    info: &'a str,
    signed: bool,
    announced_key: Option<&'a str>,
    signature: &'a str,
    plain: &'a [u8],
    header: Option<&'a str>,
    seal_header: bool,
    fingerprint: &'a str,
    client_date: Option<&'a str>,
    request_time: &'a str,
    item_type: Option<&'a str>,
    hex: &'a str,
}

fn safe(e: &psono_client::Error) {
    let text = e.to_string();
    assert!(!text.chars().any(char::is_control), "control character in {text:?}");
    assert!(!e.code().is_empty());
}

fuzz_target!(|input: Input<'_>| {
    let server = SigningSeed::from_bytes([4; 32]);
    let pinned = server.verify_key();

    // /info/: signed by the pinned key, or whatever signature the input carries.
    let signature = if input.signed {
        hex_encode(&server.sign(input.info.as_bytes()))
    } else {
        input.signature.to_owned()
    };
    if let Err(e) = verify_info(input.info, &signature, input.announced_key, &pinned) {
        safe(&e);
    }

    // A login answer whose box and signature are valid: the plaintext is the fuzzer's.
    let request = LoginRequest::builder("fuzz").build(&server, BoxSecretKey::from_bytes([3; 32]));
    let server_session = BoxSecretKey::from_bytes([5; 32]);
    let nonce = [6; 24];
    let sealed = server_session.seal(&request.session_public_key(), &nonce, input.plain);
    let login_info = hex_encode(&sealed);
    let response = LoginResponse {
        login_info_signature: hex_encode(&server.sign(login_info.as_bytes())),
        login_info,
        login_info_nonce: hex_encode(&nonce),
        server_session_public_key: server_session.public_key().to_hex(),
    };
    if let Err(e) = request.open_response(&response, &pinned) {
        safe(&e);
    }

    // The Authorization-Validator check on the server side.
    let session_key = SecretKey::from_bytes([7; 32]);
    let device = SessionDevice {
        device_fingerprint: input.fingerprint.to_owned(),
        client_date: input.client_date.and_then(|d| Timestamp::parse(d, "client_date").ok()),
        create_date: Timestamp::parse("2026-01-01T00:00:00Z", "create_date").expect("fixed date"),
    };
    let sealed_header;
    let header = if input.seal_header {
        sealed_header =
            authorization_validator(&session_key, &nonce, input.request_time, input.fingerprint)
                .header;
        Some(sealed_header.as_str())
    } else {
        input.header
    };
    let now = Timestamp::parse("2026-01-01T00:00:30Z", "now").expect("fixed date");
    if let Err(e) = check_validator(&device, &session_key, header, now) {
        safe(&e);
    }
    // Any plaintext sealed as a validator body.
    let body = EncryptedBody::seal_with_nonce(&session_key, &nonce, input.plain);
    if let Err(e) = check_validator(&device, &session_key, Some(&body.to_json_string()), now) {
        safe(&e);
    }

    // Key constructors.
    for r in [
        SecretKey::from_hex(input.hex).map(drop),
        BoxSecretKey::from_hex(input.hex).map(drop),
        PublicKey::from_hex(input.hex).map(drop),
        SigningSeed::from_hex(input.hex).map(drop),
        VerifyKey::from_hex(input.hex).map(drop),
    ] {
        if let Err(e) = r {
            safe(&e);
        }
    }

    // Decrypted objects: a share answer, a secret as `secret get` reads it.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(input.plain) {
        if let Err(e) = EncryptedShare::from_json(&value) {
            safe(&e);
        }
        if let serde_json::Value::Object(fields) = value {
            match Secret::new(SecretData::from_fields(fields), input.item_type) {
                Ok(secret) => {
                    for name in FIELD_NAMES {
                        if let Ok(name) = FieldName::parse(name) {
                            let _ = secret.get(&name);
                            let _ = secret.get_text(&name);
                        }
                    }
                    let _ = secret.env_vars();
                    let _ = secret.totp().map(|t| t.token_at(1_700_000_000));
                    let _ = secret.psonoci_json();
                }
                Err(e) => safe(&e),
            }
        }
    }
    match FieldName::parse(input.info) {
        Ok(name) => {
            let _ = name.shown();
        }
        Err(e) => safe(&e),
    }
    let _ = Totp::new(input.hex, input.item_type, None, None).map(|t| t.url(None, input.info));
});
