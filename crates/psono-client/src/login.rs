//! API-key login: the signed request, and the server's signed and boxed answer.

use core::fmt;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{
    BoxSecretKey, NONCE_SIZE, PublicKey, SecretKey, SigningSeed, VerifyKey, hex_array, hex_decode,
    hex_encode,
};
use crate::json::{Obj, parse_object, push_python_str, push_python_value};
use crate::time::Timestamp;

/// A session token (128 hex characters). Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Zeroizing<String>);

impl Token {
    /// Wraps a token string.
    #[must_use]
    pub fn new(token: String) -> Self {
        Self(Zeroizing::new(token))
    }

    /// The token, for the `Authorization: Token ...` header.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// Builds a [`LoginRequest`].
#[derive(Clone, Debug)]
pub struct LoginRequestBuilder {
    api_key_id: String,
    device_description: Option<String>,
    extra: Vec<(String, Value)>,
}

impl LoginRequestBuilder {
    /// `device_description` (the docs script sends `"Console Client <hostname>"`); omitted
    /// from the info when not set.
    #[must_use]
    pub fn device_description(mut self, description: impl Into<String>) -> Self {
        self.device_description = Some(description.into());
        self
    }

    /// Asks for a session of `secs` seconds (the server clamps it to `[0, 600]` by default).
    #[must_use]
    pub fn session_duration(self, secs: i64) -> Self {
        self.extra_field("session_duration", Value::from(secs))
    }

    /// Appends any other info field, in order. Sending `device_fingerprint` or `device_time`
    /// makes the server require an Authorization-Validator on every request (see
    /// [`crate::transport::authorization_validator`]); this client's session does not send
    /// one, so leave them out unless you drive the session yourself.
    #[must_use]
    pub fn extra_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.push((name.into(), value));
        self
    }

    /// Serializes the info exactly as the docs script's `json.dumps` and signs it.
    #[must_use]
    pub fn build(
        self,
        api_key_private_key: &SigningSeed,
        session_key: BoxSecretKey,
    ) -> LoginRequest {
        let session_public_key = session_key.public_key();
        let mut info = String::with_capacity(256);
        info.push('{');
        push_python_str(&mut info, "api_key_id");
        info.push_str(": ");
        push_python_str(&mut info, &self.api_key_id);
        info.push_str(", ");
        push_python_str(&mut info, "session_public_key");
        info.push_str(": ");
        push_python_str(&mut info, &session_public_key.to_hex());
        if let Some(d) = &self.device_description {
            info.push_str(", ");
            push_python_str(&mut info, "device_description");
            info.push_str(": ");
            push_python_str(&mut info, d);
        }
        for (k, v) in &self.extra {
            info.push_str(", ");
            push_python_str(&mut info, k);
            info.push_str(": ");
            push_python_value(&mut info, v);
        }
        info.push('}');
        let signature = hex_encode(&api_key_private_key.sign(info.as_bytes()));
        LoginRequest {
            info,
            signature,
            session_key,
        }
    }
}

/// The body of `POST /api-key/login/`, and the session key pair it announces.
#[derive(Clone)]
pub struct LoginRequest {
    info: String,
    signature: String,
    session_key: BoxSecretKey,
}

impl LoginRequest {
    /// Starts a login request for `api_key_id`.
    #[must_use]
    pub fn builder(api_key_id: impl Into<String>) -> LoginRequestBuilder {
        LoginRequestBuilder {
            api_key_id: api_key_id.into(),
            device_description: None,
            extra: Vec::new(),
        }
    }

    /// The exact info text that was signed (send it unchanged).
    #[must_use]
    pub fn info(&self) -> &str {
        &self.info
    }

    /// The detached Ed25519 signature over [`LoginRequest::info`], hex.
    #[must_use]
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The session's public key (announced in the info).
    #[must_use]
    pub fn session_public_key(&self) -> PublicKey {
        self.session_key.public_key()
    }

    /// The session's private key, needed to open the answer.
    #[must_use]
    pub fn session_key(&self) -> &BoxSecretKey {
        &self.session_key
    }

    /// The JSON body: `{"info": ..., "signature": ...}`.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::json!({"info": self.info, "signature": self.signature}).to_string()
    }

    /// Opens the server's answer with this request's session key.
    ///
    /// # Errors
    /// As [`LoginResponse::open`].
    pub fn open_response(
        &self,
        response: &LoginResponse,
        server_verify_key: &VerifyKey,
    ) -> Result<LoginInfo, Error> {
        response.open(&self.session_key, server_verify_key)
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("info", &self.info)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// The body of a successful `POST /api-key/login/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginResponse {
    /// `hex(tag ‖ ct)` of the boxed login info.
    pub login_info: String,
    /// Ed25519 signature over the ASCII of `login_info` by the server's key.
    pub login_info_signature: String,
    /// The box nonce, hex.
    pub login_info_nonce: String,
    /// The server's fresh X25519 key for this login, hex.
    pub server_session_public_key: String,
}

impl LoginResponse {
    /// Reads the four fields from a JSON object.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] or [`Error::MissingField`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "login response")?;
        Ok(Self {
            login_info: o.str("login_info")?.to_owned(),
            login_info_signature: o.str("login_info_signature")?.to_owned(),
            login_info_nonce: o.str("login_info_nonce")?.to_owned(),
            server_session_public_key: o.str("server_session_public_key")?.to_owned(),
        })
    }

    /// Parses a response body.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] or [`Error::MissingField`].
    pub fn from_slice(body: &[u8]) -> Result<Self, Error> {
        Self::from_json(&parse_object(body, "login response")?)
    }

    /// The JSON object.
    #[must_use]
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "login_info": self.login_info,
            "login_info_signature": self.login_info_signature,
            "login_info_nonce": self.login_info_nonce,
            "server_session_public_key": self.server_session_public_key,
        })
    }

    /// Verifies the server's signature over the `login_info` hex text with the pinned
    /// `server_verify_key` and only then decrypts it with the session key.
    ///
    /// # Errors
    /// [`Error::BadSignature`] (nothing is decrypted), then hex/length errors,
    /// [`Error::DecryptFailed`], and JSON errors of the info.
    pub fn open(
        &self,
        session_key: &BoxSecretKey,
        server_verify_key: &VerifyKey,
    ) -> Result<LoginInfo, Error> {
        server_verify_key.verify_hex(self.login_info.as_bytes(), &self.login_info_signature)?;
        let sealed = hex_decode(&self.login_info, "login_info")?;
        let nonce = hex_array::<NONCE_SIZE>(&self.login_info_nonce, "login_info_nonce")?;
        let peer = PublicKey::from_bytes(hex_array(
            &self.server_session_public_key,
            "server_session_public_key",
        )?);
        let plain = session_key.open(&peer, &nonce, &sealed)?;
        LoginInfo::parse(plain)
    }
}

/// The user's keys as the login info carries them, encrypted with the API secret key.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedUserKeys {
    /// `user.private_key`, hex.
    pub private_key: String,
    /// `user.private_key_nonce`, hex.
    pub private_key_nonce: String,
    /// `user.secret_key`, hex.
    pub secret_key: String,
    /// `user.secret_key_nonce`, hex.
    pub secret_key_nonce: String,
}

impl fmt::Debug for EncryptedUserKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedUserKeys").finish_non_exhaustive()
    }
}

/// `login_info.user`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginUser {
    /// The user's name.
    pub username: String,
    /// The user's X25519 public key, hex.
    pub public_key: String,
    /// The encrypted keys; `None` for a key restricted to secrets.
    pub keys: Option<EncryptedUserKeys>,
}

impl LoginUser {
    /// Reads `login_info.user` (or any object of the same shape).
    ///
    /// # Errors
    /// [`Error::MissingField`] when some but not all of the four key fields are present, or
    /// `username`/`public_key` are absent; [`Error::InvalidJson`] for wrong types.
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "user")?;
        let fields = [
            "private_key",
            "private_key_nonce",
            "secret_key",
            "secret_key_nonce",
        ];
        let present = fields.iter().filter(|f| o.get(f).is_some()).count();
        let keys = if present == 0 {
            None
        } else {
            Some(EncryptedUserKeys {
                private_key: o.str("private_key")?.to_owned(),
                private_key_nonce: o.str("private_key_nonce")?.to_owned(),
                secret_key: o.str("secret_key")?.to_owned(),
                secret_key_nonce: o.str("secret_key_nonce")?.to_owned(),
            })
        };
        Ok(Self {
            username: o.str("username")?.to_owned(),
            public_key: o.str("public_key")?.to_owned(),
            keys,
        })
    }

    /// Decrypts the user's secret and private keys with the API key's secret key.
    ///
    /// # Errors
    /// [`Error::RestrictedApiKey`] when the login withheld the keys,
    /// [`Error::DecryptFailed`] for the wrong API secret key, hex and length errors.
    pub fn unlock(&self, api_key_secret_key: &SecretKey) -> Result<UserKeys, Error> {
        let keys = self.keys.as_ref().ok_or(Error::RestrictedApiKey)?;
        let secret_key = api_key_secret_key.open_key(
            &keys.secret_key,
            &keys.secret_key_nonce,
            "user secret key",
        )?;
        let private = api_key_secret_key.open_key(
            &keys.private_key,
            &keys.private_key_nonce,
            "user private key",
        )?;
        let private_key = BoxSecretKey::from_bytes(*private.expose_secret());
        let public_key_matches =
            PublicKey::from_hex(&self.public_key).is_ok_and(|p| p == private_key.public_key());
        Ok(UserKeys {
            secret_key,
            private_key,
            public_key_matches,
        })
    }
}

/// The user's decrypted keys.
#[derive(Clone, Debug)]
pub struct UserKeys {
    /// The user's secretbox key (opens datastore keys).
    pub secret_key: SecretKey,
    /// The user's X25519 private key.
    pub private_key: BoxSecretKey,
    /// Whether the private key's public key equals `user.public_key`.
    pub public_key_matches: bool,
}

/// The decrypted login info: the session and what the API key may do.
#[derive(Clone)]
pub struct LoginInfo {
    token: Token,
    session_valid_till: String,
    valid_till: Timestamp,
    session_secret_key: SecretKey,
    /// `api_key_restrict_to_secrets`.
    pub restrict_to_secrets: bool,
    /// `api_key_allow_insecure_access`.
    pub allow_insecure_access: bool,
    /// `api_key_read`.
    pub read: bool,
    /// `api_key_write`.
    pub write: bool,
    /// `user`.
    pub user: LoginUser,
    plaintext: Zeroizing<Vec<u8>>,
}

impl LoginInfo {
    /// Parses the decrypted login info.
    ///
    /// # Errors
    /// [`Error::InvalidJson`], [`Error::MissingField`], [`Error::InvalidTimestamp`], key errors.
    pub fn parse(plaintext: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let mut v = parse_object(&plaintext, "login info")?;
        let r = Self::from_value(&v, plaintext);
        crate::json::zeroize_value(&mut v);
        r
    }

    fn from_value(v: &Value, plaintext: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let o = Obj::of(v, "login info")?;
        let session_valid_till = o.str("session_valid_till")?.to_owned();
        let valid_till = Timestamp::parse(&session_valid_till, "session_valid_till")?;
        Ok(Self {
            token: Token::new(o.str("token")?.to_owned()),
            valid_till,
            session_valid_till,
            session_secret_key: SecretKey::from_hex(o.str("session_secret_key")?)?,
            restrict_to_secrets: o.bool_or("api_key_restrict_to_secrets", false)?,
            allow_insecure_access: o.bool_or("api_key_allow_insecure_access", false)?,
            read: o.bool_or("api_key_read", false)?,
            write: o.bool_or("api_key_write", false)?,
            user: LoginUser::from_json(o.get("user").ok_or_else(|| Error::missing("user"))?)?,
            plaintext,
        })
    }

    /// The session token.
    #[must_use]
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The session's transport key.
    #[must_use]
    pub fn session_secret_key(&self) -> &SecretKey {
        &self.session_secret_key
    }

    /// `session_valid_till` as the server wrote it.
    #[must_use]
    pub fn session_valid_till_text(&self) -> &str {
        &self.session_valid_till
    }

    /// `session_valid_till`.
    #[must_use]
    pub fn session_valid_till(&self) -> Timestamp {
        self.valid_till
    }

    /// Whether the session has expired at `now` (the server rejects iff `valid_till < now`).
    #[must_use]
    pub fn is_expired(&self, now: Timestamp) -> bool {
        session_expired(self.valid_till, now)
    }

    /// The decrypted JSON text exactly as the server wrote it (contains the token and keys).
    #[must_use]
    pub fn expose_plaintext(&self) -> &[u8] {
        &self.plaintext
    }
}

impl fmt::Debug for LoginInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginInfo")
            .field("session_valid_till", &self.session_valid_till)
            .field("restrict_to_secrets", &self.restrict_to_secrets)
            .field("allow_insecure_access", &self.allow_insecure_access)
            .field("read", &self.read)
            .field("write", &self.write)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The server's expiry rule: a session is expired iff `valid_till < now` (equality is still
/// valid).
#[must_use]
pub fn session_expired(valid_till: Timestamp, now: Timestamp) -> bool {
    valid_till < now
}
