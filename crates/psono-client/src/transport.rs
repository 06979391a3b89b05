//! The session transport: `{"text","nonce"}` bodies under the session secret key, and the
//! optional Authorization-Validator header.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{NONCE_SIZE, SecretKey, hex_encode, random_nonce};
use crate::json::{Obj, parse_object};

/// An encrypted request or response body: `secretbox(session key, JSON)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedBody {
    /// `hex(tag ‖ ciphertext)`.
    pub text: String,
    /// The nonce, hex.
    pub nonce: String,
}

impl EncryptedBody {
    /// Seals `plaintext` with an explicit nonce.
    #[must_use]
    pub fn seal_with_nonce(key: &SecretKey, nonce: &[u8; NONCE_SIZE], plaintext: &[u8]) -> Self {
        Self {
            text: hex_encode(&key.seal(nonce, plaintext)),
            nonce: hex_encode(nonce),
        }
    }

    /// Seals `plaintext` with a fresh random nonce.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn seal(key: &SecretKey, plaintext: &[u8]) -> Result<Self, Error> {
        Ok(Self::seal_with_nonce(key, &random_nonce()?, plaintext))
    }

    /// Opens the body.
    ///
    /// # Errors
    /// [`Error::InvalidHex`], [`Error::InvalidLength`], [`Error::DecryptFailed`].
    pub fn open(&self, key: &SecretKey) -> Result<Zeroizing<Vec<u8>>, Error> {
        key.open_hex(&self.text, &self.nonce)
    }

    /// Opens the body and parses the plaintext as JSON.
    ///
    /// # Errors
    /// As [`EncryptedBody::open`], then [`Error::InvalidJson`].
    pub fn open_json(&self, key: &SecretKey) -> Result<Value, Error> {
        let plain = self.open(key)?;
        serde_json::from_slice(&plain).map_err(|e| Error::json("decrypted body", &e))
    }

    /// Reads `{"text","nonce"}` from a JSON value.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] or [`Error::MissingField`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "encrypted body")?;
        Ok(Self {
            text: o.str("text")?.to_owned(),
            nonce: o.str("nonce")?.to_owned(),
        })
    }

    /// Parses a response body; `None` when it is JSON but not `{"text","nonce"}` (a plaintext
    /// answer).
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when the body is not a JSON object.
    pub fn from_slice(body: &[u8]) -> Result<Option<Self>, Error> {
        let v = parse_object(body, "response body")?;
        match (v.get("text"), v.get("nonce")) {
            (Some(Value::String(t)), Some(Value::String(n))) => Ok(Some(Self {
                text: t.clone(),
                nonce: n.clone(),
            })),
            _ => Ok(None),
        }
    }

    /// `{"text":...,"nonce":...}` (the request body format).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        serde_json::json!({"text": self.text, "nonce": self.nonce}).to_string()
    }
}

/// The Authorization-Validator header value and its plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorHeader {
    /// `{"request_time":...,"request_device_fingerprint":...}` (JSON.stringify).
    pub plaintext: String,
    /// `{"nonce":...,"text":...}`: the header value.
    pub header: String,
}

/// Builds the Authorization-Validator header that psono-client sends when the login info
/// carried `device_fingerprint` or `device_time`.
#[must_use]
pub fn authorization_validator(
    session_secret_key: &SecretKey,
    nonce: &[u8; NONCE_SIZE],
    request_time: &str,
    request_device_fingerprint: &str,
) -> ValidatorHeader {
    let mut plaintext = String::from("{\"request_time\":");
    plaintext.push_str(&Value::from(request_time).to_string());
    plaintext.push_str(",\"request_device_fingerprint\":");
    plaintext.push_str(&Value::from(request_device_fingerprint).to_string());
    plaintext.push('}');
    let body = EncryptedBody::seal_with_nonce(session_secret_key, nonce, plaintext.as_bytes());
    let header = format!(
        "{{\"nonce\":\"{}\",\"text\":\"{}\"}}",
        body.nonce, body.text
    );
    ValidatorHeader { plaintext, header }
}
