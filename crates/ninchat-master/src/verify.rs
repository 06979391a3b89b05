//! The verifier: what a Ninchat-like server, a gateway or a test suite needs to check
//! `master_sign` values and open secure metadata. The Python library has no such side.

use std::collections::HashMap;
use std::sync::Arc;

use hmac::Mac;
use keyauth_core::{
    Base64, Clock, Expiry, KeyId, MemoryReplayGuard, ReplayGuard, SystemClock, UnixTime, ct_eq,
};
use sha2::{Digest, Sha512};

use crate::error::Error;
use crate::json::Json;
use crate::key::{Expire, Format, MasterKey};
use crate::sign::{Attrs, Message, hmac_sha512};

/// The API action a signature is presented with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `create_session`.
    CreateSession,
    /// `join_channel`.
    JoinChannel,
}

impl Action {
    /// The action's name in the API (`create_session`, `join_channel`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CreateSession => "create_session",
            Self::JoinChannel => "join_channel",
        }
    }

    /// The action named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "create_session" => Some(Self::CreateSession),
            "join_channel" => Some(Self::JoinChannel),
            _ => None,
        }
    }
}

/// The API call a signature comes with: the action and the parameters the signature must
/// cover.
///
/// ```
/// use ninchat_master::{Call, Json};
/// let attrs = [("name", Json::from("Enforced"))];
/// let call = Call::join_channel("1bfbr0u").user_id("u1").attrs(&attrs);
/// assert_eq!(call.channel_id(), Some("1bfbr0u"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call<'a> {
    action: Action,
    channel_id: Option<&'a str>,
    user_id: Option<&'a str>,
    attrs: Attrs<'a>,
}

impl<'a> Call<'a> {
    /// A `create_session` call.
    #[must_use]
    pub fn create_session() -> Self {
        Self {
            action: Action::CreateSession,
            channel_id: None,
            user_id: None,
            attrs: &[],
        }
    }

    /// A `join_channel` call for `channel_id`.
    #[must_use]
    pub fn join_channel(channel_id: &'a str) -> Self {
        Self {
            action: Action::JoinChannel,
            channel_id: Some(channel_id),
            user_id: None,
            attrs: &[],
        }
    }

    /// The user the call is for (`create_session` for an existing puppet; `join_channel` for
    /// one user).
    #[must_use]
    pub fn user_id(mut self, user_id: &'a str) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// The call's `puppet_attrs` (create_session) or `member_attrs` (join_channel).
    #[must_use]
    pub fn attrs(mut self, attrs: Attrs<'a>) -> Self {
        self.attrs = attrs;
        self
    }

    /// The action.
    #[must_use]
    pub fn action(&self) -> Action {
        self.action
    }

    /// The channel id (join_channel only).
    #[must_use]
    pub fn channel_id(&self) -> Option<&'a str> {
        self.channel_id
    }
}

/// A signature split into its fields (either format). Parsing checks the shape only.
///
/// ```
/// use ninchat_master::{Format, ParsedSignature};
/// let p = ParsedSignature::parse("k.1700000000.X4-5heNF.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.1")?;
/// assert_eq!((p.key_id, p.expire, p.format, p.for_user), ("k", 1_700_000_000, Format::UrlSafe, true));
/// assert_eq!(p.nonce, "X4+5heNF"); // the nonce as signed
/// # Ok::<(), ninchat_master::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedSignature<'a> {
    /// The key id.
    pub key_id: &'a str,
    /// The signed expiry (Unix seconds).
    pub expire: u64,
    /// The nonce as it was signed (URL-safe nonces mapped back to the standard alphabet).
    pub nonce: String,
    /// The HMAC-SHA-512 digest.
    pub digest: [u8; 64],
    /// Whether the signature carries the for-user flag (`sign_join_channel_for_user`).
    pub for_user: bool,
    /// Which format it was written in.
    pub format: Format,
}

impl<'a> ParsedSignature<'a> {
    /// Splits `signature`. A value containing `.` is URL-safe, otherwise released.
    ///
    /// # Errors
    /// [`Error::FieldCount`], [`Error::EmptyField`], [`Error::BadExpireField`],
    /// [`Error::BadBase64`], [`Error::BadDigestLength`], [`Error::BadFlag`].
    pub fn parse(signature: &'a str) -> Result<Self, Error> {
        let (format, sep) = if signature.contains('.') {
            (Format::UrlSafe, '.')
        } else {
            (Format::Released, '-')
        };
        let mut fields = signature.split(sep);
        let (Some(key_id), Some(expire), Some(nonce), Some(digest)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(Error::FieldCount);
        };
        let flag = fields.next();
        if fields.next().is_some() {
            return Err(Error::FieldCount);
        }
        let for_user = match (format, flag) {
            (Format::UrlSafe, Some("")) | (Format::Released, None) => false,
            (_, Some("1")) => true,
            (Format::UrlSafe, None) => return Err(Error::FieldCount),
            _ => return Err(Error::BadFlag),
        };
        if key_id.is_empty() || nonce.is_empty() {
            return Err(Error::EmptyField);
        }
        let expire = parse_decimal(expire).ok_or(Error::BadExpireField)?;
        let (nonce, digest) = match format {
            Format::UrlSafe => (
                nonce.replace('-', "+").replace('_', "/"),
                Base64::UrlSafeNoPad.decode(digest),
            ),
            _ => (nonce.to_owned(), Base64::Standard.decode(digest)),
        };
        let digest = digest.map_err(|_| Error::BadBase64)?;
        let digest: [u8; 64] = digest.try_into().map_err(|_| Error::BadDigestLength)?;
        Ok(Self {
            key_id,
            expire,
            nonce,
            digest,
            for_user,
            format,
        })
    }
}

/// A canonical unsigned decimal: digits only, no sign, no leading zero (except `0`).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// What a verified signature said.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The key that signed it.
    pub key_id: KeyId,
    /// The signed expiry.
    pub expire: UnixTime,
    /// The signed nonce.
    pub nonce: String,
    /// Whether it was a for-user signature.
    pub for_user: bool,
    /// Its format.
    pub format: Format,
}

/// Opened secure metadata: the metadata as a [`Json`] tree, or as the type asked for from
/// [`Verifier::open_secure_metadata_as`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SecureMetadata<T = Json> {
    /// The key that sealed it.
    pub key_id: KeyId,
    /// The user it is bound to (`secure_metadata_for_user`).
    pub user_id: Option<String>,
    /// The expiry, as it was written (integer or float).
    pub expire: Expire,
    /// The metadata (for [`Json`], key order kept).
    pub metadata: T,
}

/// Checks `master_sign` values and opens secure metadata with the master keys it holds.
///
/// Signatures: parse, find the key, recompute the MAC from the call (constant-time compare),
/// check expiry, then mark (key id, expire, nonce) used in a [`ReplayGuard`] so a value is
/// accepted once. The default guard is a [`MemoryReplayGuard`]; give several servers one
/// `keyauth_core::RedisReplayGuard` to share it.
///
/// ```
/// use std::sync::Arc;
/// use keyauth_core::{FixedClock, UnixTime};
/// use ninchat_master::{Call, Error, Grant, MasterKey, Signer, Verifier};
/// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
/// let clock = Arc::new(FixedClock::new(UnixTime::new(1_700_000_000)));
/// let sig = Signer::new(&key).clock(clock.clone())
///     .sign(&Grant::JoinChannelForUser { channel_id: "c1", user_id: "u1", member_attrs: &[] }, 1_700_000_600)?;
/// let verifier = Verifier::new([key]).clock(clock.clone());
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let call = Call::join_channel("c1").user_id("u1");
/// assert!(verifier.verify(&sig, &call).await.is_ok());
/// assert!(matches!(verifier.verify(&sig, &call).await, Err(Error::Replay(_))));
/// assert_eq!(verifier.verify(&sig, &Call::join_channel("c1").user_id("u2")).await, Err(Error::BadMac));
/// # Ok::<(), Error>(()) })?;
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct Verifier {
    keys: HashMap<String, MasterKey>,
    clock: Arc<dyn Clock>,
    expiry: Expiry,
    guard: Arc<dyn ReplayGuard>,
    default_guard: bool,
}

const MEMORY_GUARD_CAPACITY: usize = 1 << 20;

impl Verifier {
    /// A verifier holding `keys`, on the system clock, with an in-memory replay guard and no
    /// expiry horizon (only "not expired").
    #[must_use]
    pub fn new(keys: impl IntoIterator<Item = MasterKey>) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Self {
            keys: keys
                .into_iter()
                .map(|k| (k.id().as_str().to_owned(), k))
                .collect(),
            guard: Arc::new(MemoryReplayGuard::with_clock(
                MEMORY_GUARD_CAPACITY,
                clock.clone(),
            )),
            clock,
            expiry: Expiry::unbounded(),
            default_guard: true,
        }
    }

    /// Adds (or replaces) a key.
    #[must_use]
    pub fn with_key(mut self, key: MasterKey) -> Self {
        self.keys.insert(key.id().as_str().to_owned(), key);
        self
    }

    /// Reads the time from `clock` (the default memory guard follows it too).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        if self.default_guard {
            self.guard = Arc::new(MemoryReplayGuard::with_clock(
                MEMORY_GUARD_CAPACITY,
                clock.clone(),
            ));
        }
        self.clock = clock;
        self
    }

    /// Records used signatures in `guard` (a Redis guard to share them between servers).
    #[must_use]
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.guard = guard;
        self.default_guard = false;
        self
    }

    /// Also refuses expiries further ahead than `rule` allows (for example
    /// `Expiry::within(Expiry::ONE_WEEK)`, the documented limit).
    #[must_use]
    pub fn expiry(mut self, rule: Expiry) -> Self {
        self.expiry = rule;
        self
    }

    fn key(&self, id: &str) -> Result<&MasterKey, Error> {
        self.keys.get(id).ok_or(Error::UnknownKey)
    }

    /// Checks a signature against `call` at time `now`, without recording its use. This is
    /// the pure part of [`Verifier::verify`].
    ///
    /// # Errors
    /// The parse errors of [`ParsedSignature::parse`], [`Error::UnknownKey`],
    /// [`Error::BadMac`] (also when the call does not match what was signed), [`Error::Expiry`].
    pub fn check(
        &self,
        signature: &str,
        call: &Call<'_>,
        now: UnixTime,
    ) -> Result<Verified, Error> {
        let parsed = ParsedSignature::parse(signature)?;
        let key = self.key(parsed.key_id)?;
        let user_id = match (call.action, parsed.for_user) {
            (Action::JoinChannel, true) => Some(call.user_id.ok_or(Error::BadMac)?),
            (Action::JoinChannel, false) => None,
            (Action::CreateSession, false) => call.user_id,
            (Action::CreateSession, true) => return Err(Error::BadMac),
        };
        let expire = i64::try_from(parsed.expire).map_err(|_| Error::BadExpireField)?;
        let message = Message {
            action: call.action.as_str(),
            channel_id: call.channel_id,
            attrs_name: match call.action {
                Action::CreateSession => "puppet_attrs",
                Action::JoinChannel => "member_attrs",
            },
            attrs: call.attrs,
            user_id,
            expire,
            nonce: &parsed.nonce,
        };
        // Attributes the signer could not have signed cannot match either.
        let text = message.canonical_json().map_err(|_| Error::BadMac)?;
        let mut mac = hmac_sha512(key.secret())?;
        mac.update(text.as_bytes());
        mac.verify_slice(&parsed.digest)
            .map_err(|_| Error::BadMac)?;
        Expire::Int(expire).check(&self.expiry, now)?;
        Ok(Verified {
            key_id: key.id().clone(),
            expire: UnixTime::new(parsed.expire),
            nonce: parsed.nonce,
            for_user: parsed.for_user,
            format: parsed.format,
        })
    }

    /// Verifies a signature presented with `call` and marks it used: a second presentation
    /// (here or at any server sharing the replay guard) fails.
    ///
    /// # Errors
    /// As [`Verifier::check`], plus [`Error::Replay`] when it was used before or the guard
    /// cannot answer (fails closed).
    pub async fn verify(&self, signature: &str, call: &Call<'_>) -> Result<Verified, Error> {
        let verified = self.check(signature, call, self.clock.now())?;
        let id = format!(
            "ninchat-master\0{}\0{}\0{}",
            verified.key_id, verified.expire, verified.nonce
        );
        self.guard
            .check_and_mark(id.as_bytes(), verified.expire)
            .await?;
        Ok(verified)
    }

    /// Opens a secure-metadata value on the verifier's clock. Pass `user_id` for values made
    /// with `secure_metadata_for_user`; a value bound to a user is refused without it.
    ///
    /// # Errors
    /// As [`Verifier::open_secure_metadata_at`].
    pub fn open_secure_metadata(
        &self,
        value: &str,
        user_id: Option<&str>,
    ) -> Result<SecureMetadata, Error> {
        self.open_secure_metadata_at(value, user_id, self.clock.now())
    }

    /// Opens a secure-metadata value at time `now`: decrypt, check the embedded SHA-512 digest
    /// (before parsing anything; a plaintext too short to hold one fails it too), check the
    /// zero padding, parse, check expiry and the user.
    ///
    /// # Errors
    /// [`Error::FieldCount`], [`Error::EmptyField`], [`Error::BadBase64`],
    /// [`Error::UnknownKey`], [`Error::BadKeyLength`], [`Error::Truncated`],
    /// [`Error::NotBlockSized`], [`Error::BadPadding`], [`Error::DigestMismatch`],
    /// [`Error::NotJson`], [`Error::BadMessage`], [`Error::Expiry`], [`Error::UserMismatch`].
    pub fn open_secure_metadata_at(
        &self,
        value: &str,
        user_id: Option<&str>,
        now: UnixTime,
    ) -> Result<SecureMetadata, Error> {
        self.open_secure_metadata_as(value, user_id, now)
    }

    /// [`Verifier::open_secure_metadata_at`] building only what the caller asks for: the
    /// metadata is deserialised straight into `T` (no [`Json`] tree for the message around
    /// it; `serde::de::IgnoredAny` checks the value and builds nothing).
    ///
    /// ```
    /// use keyauth_core::UnixTime;
    /// use ninchat_master::{Expire, MasterKey, Signer, Verifier};
    /// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
    /// let now = keyauth_core::Clock::now(&keyauth_core::SystemClock);
    /// let sealed = Signer::new(&key).secure_metadata(now.as_secs() + 60, &serde_json::json!({"order": 42}), None)?;
    /// #[derive(serde::Deserialize)]
    /// struct Order { order: u32 }
    /// let opened = Verifier::new([key]).open_secure_metadata_as::<Order>(&sealed, None, now)?;
    /// assert_eq!(opened.metadata.order, 42);
    /// # Ok::<(), ninchat_master::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::open_secure_metadata_at`]; [`Error::BadMessage`] also when the metadata
    /// is JSON but not a `T`.
    pub fn open_secure_metadata_as<T: serde::de::DeserializeOwned>(
        &self,
        value: &str,
        user_id: Option<&str>,
        now: UnixTime,
    ) -> Result<SecureMetadata<T>, Error> {
        let (key_id, body, b64) = if let Some((id, body)) = value.split_once('.') {
            (id, body, Base64::UrlSafeNoPad)
        } else if let Some((id, body)) = value.split_once('-') {
            (id, body, Base64::Standard)
        } else {
            return Err(Error::FieldCount);
        };
        if body.contains('.') {
            return Err(Error::FieldCount);
        }
        if key_id.is_empty() || body.is_empty() {
            return Err(Error::EmptyField);
        }
        let mut data = b64.decode(body).map_err(|_| Error::BadBase64)?;
        let key = self.key(key_id)?;
        let secret = key.secret();
        if !matches!(secret.len(), 16 | 24 | 32) {
            return Err(Error::BadKeyLength { len: secret.len() });
        }
        if data.len() < 32 {
            return Err(Error::Truncated);
        }
        if data.len() % 16 != 0 {
            return Err(Error::NotBlockSized);
        }
        let (iv, ciphertext) = data.split_at_mut(16);
        crate::cipher::decrypt(secret, iv, ciphertext)?;
        let plaintext: &[u8] = ciphertext;
        // A plaintext too short to hold the digest cannot match one.
        let (digest, rest) = plaintext
            .split_at_checked(64)
            .ok_or(Error::DigestMismatch)?;
        let json_len = rest.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let json = rest.get(..json_len).unwrap_or_default();
        if !ct_eq(&Sha512::digest(json), digest) {
            return Err(Error::DigestMismatch);
        }
        // Zero padding fills at most one block.
        if rest.len() - json_len > 15 {
            return Err(Error::BadPadding);
        }
        let (expire, metadata, bound_user) = parse_message::<T>(json)?;
        expire.check(&self.expiry, now)?;
        match (user_id, bound_user.as_deref()) {
            (None, None) => {}
            (Some(want), Some(have)) if ct_eq(want.as_bytes(), have.as_bytes()) => {}
            _ => return Err(Error::UserMismatch),
        }
        Ok(SecureMetadata {
            key_id: key.id().clone(),
            user_id: bound_user,
            expire,
            metadata,
        })
    }
}

/// The sealed message's fields, the metadata read straight into `T`.
fn parse_message<T: serde::de::DeserializeOwned>(
    json: &[u8],
) -> Result<(Expire, T, Option<String>), Error> {
    let parsed = match serde_json::from_slice::<Envelope<T>>(json) {
        Ok(Envelope {
            expire: Some(expire),
            metadata: Some(metadata),
            user_id,
        }) => (expire, metadata, user_id),
        Ok(_) => return Err(Error::BadMessage),
        // The typed path refused it: the tree path classifies the failure (not JSON, a
        // field of the wrong type). When the tree accepts the message (a repeated field
        // whose last value is fine), its metadata is read into `T` from its own text.
        Err(_) => {
            let (expire, metadata, user) = parse_message_tree(json)?;
            let text = metadata.to_python_json()?;
            let metadata = serde_json::from_str(&text).map_err(|_| Error::BadMessage)?;
            (expire, metadata, user)
        }
    };
    Ok(parsed)
}

/// The tree path of opening: the whole message as a [`Json`], then its fields. Used to
/// classify a message the typed path refused.
fn parse_message_tree(json: &[u8]) -> Result<(Expire, Json, Option<String>), Error> {
    let msg: Json = serde_json::from_slice(json).map_err(|_| Error::NotJson)?;
    let Json::Object(fields) = msg else {
        return Err(Error::BadMessage);
    };
    let mut expire = None;
    let mut metadata = None;
    let mut bound_user = None;
    for (k, v) in fields {
        match (k.as_str(), v) {
            ("expire", Json::Int(i)) => {
                expire = Some(Expire::Int(
                    i64::try_from(i).map_err(|_| Error::BadMessage)?,
                ));
            }
            ("expire", Json::Float(f)) => expire = Some(Expire::Float(f)),
            ("metadata", v) => metadata = Some(v),
            ("user_id", Json::String(u)) => bound_user = Some(u),
            _ => return Err(Error::BadMessage),
        }
    }
    let (Some(expire), Some(metadata)) = (expire, metadata) else {
        return Err(Error::BadMessage);
    };
    Ok((expire, metadata, bound_user))
}

/// The sealed message `{"user_id":..,"expire":..,"metadata":..}` read field by field, the
/// metadata straight into `T`. A repeated field takes its last value (as the tree path and
/// Python's `json.loads` do); any other field, or a field of another type, is an error.
struct Envelope<T> {
    expire: Option<Expire>,
    metadata: Option<T>,
    user_id: Option<String>,
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Envelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(core::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Envelope<T>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a secure-metadata message")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Envelope<T>, A::Error> {
                let mut out = Envelope {
                    expire: None,
                    metadata: None,
                    user_id: None,
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "expire" => out.expire = Some(map.next_value::<ExpireField>()?.0),
                        "metadata" => out.metadata = Some(map.next_value()?),
                        "user_id" => out.user_id = Some(map.next_value()?),
                        _ => return Err(serde::de::Error::custom("unknown field")),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(core::marker::PhantomData))
    }
}

/// An `expire` field: an integer that fits `i64`, or a float.
struct ExpireField(Expire);

impl<'de> serde::Deserialize<'de> for ExpireField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ExpireField;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an expiry time")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ExpireField, E> {
                Ok(ExpireField(Expire::Int(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExpireField, E> {
                i64::try_from(v)
                    .map(|i| ExpireField(Expire::Int(i)))
                    .map_err(|_| E::custom("expire out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ExpireField, E> {
                Ok(ExpireField(Expire::Float(v)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed path gives what the tree path gives, errors included, also for repeated
    /// fields (the last value wins) and wrong types.
    #[test]
    fn typed_message_parse_matches_the_tree() {
        for text in [
            r#"{"expire":1700000000,"metadata":{"b":1,"a":[1.5,"\u00e9"]}}"#,
            r#"{"user_id":"u1","expire":1700000000.5,"metadata":null}"#,
            r#"{"expire":"x","expire":1,"metadata":{}}"#,
            r#"{"expire":1,"expire":"x","metadata":{}}"#,
            r#"{"metadata":{"a":1},"expire":2,"metadata":{"a":2,"a":3}}"#,
            r#"{"expire":1,"metadata":{},"user_id":null}"#,
            r#"{"expire":1,"metadata":{},"other":1}"#,
            r#"{"expire":18446744073709551615,"metadata":{}}"#,
            r#"{"expire":1}"#,
            r#"[1]"#,
            r#"{"expire":1,"metadata":{}"#,
            "",
        ] {
            let typed = parse_message::<Json>(text.as_bytes());
            let tree = parse_message_tree(text.as_bytes());
            assert_eq!(typed, tree, "{text}");
            // Asking for nothing accepts and refuses the same messages.
            let ignored = parse_message::<serde::de::IgnoredAny>(text.as_bytes());
            assert_eq!(ignored.is_ok(), tree.is_ok(), "{text}");
        }
        // Metadata that is JSON but not the type asked for.
        assert_eq!(
            parse_message::<u8>(br#"{"expire":1,"metadata":"x"}"#).unwrap_err(),
            Error::BadMessage
        );
    }
}
