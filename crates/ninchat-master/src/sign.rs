//! `master_sign` signatures and secure metadata: the signing side.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use std::sync::Arc;

use keyauth_core::UnixTime;
use keyauth_core::{Base64, Clock, Expiry, SystemClock};
use serde::Serialize;
use sha2::{Digest, Sha512};

use crate::error::Error;
use crate::json::{Json, sort_attrs, write_python, write_python_serialize, write_python_str};
use crate::key::{Expire, Format, MasterKey, Nonce};

/// Attributes as `(name, value)` pairs, in any order (they are sorted before signing).
pub type Attrs<'a> = &'a [(&'a str, Json)];

/// What a signature allows: the four `sign_*` functions of the Python library.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Grant<'a> {
    /// `create_session` for a new user who becomes the master's puppet. The same attributes
    /// (if any) must be repeated in the API call.
    CreateSession {
        /// Puppet attributes; empty means none.
        puppet_attrs: Attrs<'a>,
    },
    /// `create_session` for an existing puppet user.
    CreateSessionForUser {
        /// The puppet's user id.
        user_id: &'a str,
    },
    /// `join_channel` for any user.
    JoinChannel {
        /// The channel.
        channel_id: &'a str,
        /// Member attributes; empty means none.
        member_attrs: Attrs<'a>,
    },
    /// `join_channel` for one user.
    JoinChannelForUser {
        /// The channel.
        channel_id: &'a str,
        /// The user.
        user_id: &'a str,
        /// Member attributes; empty means none.
        member_attrs: Attrs<'a>,
    },
}

/// The fields a signed message is built from (shared by the signer and the verifier).
pub(crate) struct Message<'a> {
    pub action: &'a str,
    pub channel_id: Option<&'a str>,
    pub attrs_name: &'static str,
    pub attrs: Attrs<'a>,
    pub user_id: Option<&'a str>,
    pub expire: i64,
    pub nonce: &'a str,
}

impl Message<'_> {
    /// `json.dumps(sorted(pairs), separators=(",", ":"))`. The names are fixed, so their sorted
    /// order is too: action, channel_id, expire, member_attrs, nonce, puppet_attrs, user_id.
    pub(crate) fn canonical_json(&self) -> Result<String, Error> {
        use core::fmt::Write as _;
        let mut out = String::with_capacity(128);
        out.push_str("[[\"action\",");
        write_python_str(&mut out, self.action);
        out.push(']');
        if let Some(c) = self.channel_id {
            out.push_str(",[\"channel_id\",");
            write_python_str(&mut out, c);
            out.push(']');
        }
        let _ = write!(out, ",[\"expire\",{}]", self.expire);
        // Sorted before anything is written, so an unorderable set fails without output.
        let sorted = if self.attrs.is_empty() {
            None
        } else {
            Some(sort_attrs(self.attrs)?)
        };
        // Written in place: `[["<name>",[["a",v],...]]` with no text of its own.
        let push_attrs = |out: &mut String| -> Result<(), Error> {
            if let Some(sorted) = &sorted {
                out.push_str(",[\"");
                out.push_str(self.attrs_name);
                out.push_str("\",[");
                for (i, (name, value)) in sorted.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    write_python_str(out, name);
                    out.push(',');
                    write_python(out, value)?;
                    out.push(']');
                }
                out.push_str("]]");
            }
            Ok(())
        };
        if self.attrs_name == "member_attrs" {
            push_attrs(&mut out)?;
        }
        out.push_str(",[\"nonce\",");
        write_python_str(&mut out, self.nonce);
        out.push(']');
        if self.attrs_name == "puppet_attrs" {
            push_attrs(&mut out)?;
        }
        if let Some(u) = self.user_id {
            out.push_str(",[\"user_id\",");
            write_python_str(&mut out, u);
            out.push(']');
        }
        out.push(']');
        Ok(out)
    }
}

pub(crate) fn hmac_sha512(key: &[u8]) -> Result<Hmac<Sha512>, Error> {
    // HMAC takes keys of any length; the error branch is unreachable in practice.
    Hmac::<Sha512>::new_from_slice(key).map_err(|_| Error::BadSecret)
}

/// A signature with what went into it, from [`Signer::sign_with_nonce`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Signed {
    /// The `master_sign` value to hand out.
    pub signature: String,
    /// The exact UTF-8 text that was MACed.
    pub canonical_json: String,
    /// The signed nonce (standard base64 alphabet, also in the URL-safe format's message).
    pub nonce: String,
}

/// A secure-metadata value with what went into it, from [`Signer::secure_metadata_with_iv`].
///
/// `Debug` shows the sizes only: the plaintext is the metadata the value exists to hide.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sealed {
    /// The `secure` value to hand out.
    pub value: String,
    /// The exact UTF-8 JSON text that was hashed and encrypted.
    pub plaintext_json: String,
    /// The plaintext length (digest, JSON, zero padding) that was encrypted.
    pub padded_len: usize,
}

impl core::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sealed")
            .field("value_len", &self.value.len())
            .field("plaintext_json", &"[redacted]")
            .field("padded_len", &self.padded_len)
            .finish()
    }
}

impl Drop for Sealed {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.plaintext_json);
    }
}

/// Signs and seals with one master key: format, clock and expiry rule chosen once.
///
/// Defaults: [`Format::Released`], the system clock, expiries between now and one week ahead.
///
/// ```
/// use keyauth_core::{FixedClock, UnixTime};
/// use ninchat_master::{Format, Grant, MasterKey, Nonce, Signer};
/// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
/// let clock = std::sync::Arc::new(FixedClock::new(UnixTime::new(1_700_948_774)));
/// let signed = Signer::new(&key).clock(clock.clone()).sign_with_nonce(
///     &Grant::CreateSession { puppet_attrs: &[] },
///     1_700_952_374,
///     &Nonce::from_int(95_188_653_654_308),
/// )?;
/// assert_eq!(
///     signed.signature,
///     "22nlihvg-1700952374-JEHj1ZJW-4wOXS4IiEvTpwAjsFC/eBadEoKi1YAyvO7LcI/MNELZ85jh8rb35/fzvRfP6JL/DLLj8LaHEjCZuI0trCcuPxA=="
/// );
/// // The same in the URL-safe format, with a fresh random nonce:
/// let token = Signer::new(&key).clock(clock.clone()).format(Format::UrlSafe)
///     .sign(&Grant::JoinChannel { channel_id: "1bfbr0u", member_attrs: &[] }, 1_700_952_374)?;
/// assert!(token.starts_with("22nlihvg.1700952374.") && token.ends_with('.'));
/// # Ok::<(), ninchat_master::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer<'a> {
    key: &'a MasterKey,
    format: Format,
    /// `None`: the system clock (no allocation for the common case).
    clock: Option<Arc<dyn Clock>>,
    expiry: Expiry,
}

impl<'a> Signer<'a> {
    /// A signer for `key` with the defaults.
    #[must_use]
    pub fn new(key: &'a MasterKey) -> Self {
        Self {
            key,
            format: Format::Released,
            clock: None,
            expiry: Expiry::within(Expiry::ONE_WEEK),
        }
    }

    /// Writes values in `format`.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Reads the time from `clock` (for the expiry check).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    fn now(&self) -> UnixTime {
        self.clock
            .as_ref()
            .map_or_else(|| SystemClock.now(), |c| c.now())
    }

    /// Uses another expiry rule (the default is [`Expiry::ONE_WEEK`], Ninchat's limit).
    #[must_use]
    pub fn expiry(mut self, rule: Expiry) -> Self {
        self.expiry = rule;
        self
    }

    /// Signs `grant` until `expire` with a random nonce from the per-thread CSPRNG
    /// (`keyauth_core::random::array_fast`, seeded from the OS).
    ///
    /// # Errors
    /// [`Error::Expiry`] when `expire` is in the past or more than the horizon ahead,
    /// [`Error::BadExpire`], [`Error::InvalidJson`] / [`Error::UnorderableAttrs`] for
    /// attributes that cannot be signed, [`Error::Random`].
    pub fn sign(&self, grant: &Grant<'_>, expire: impl Into<Expire>) -> Result<String, Error> {
        Ok(self
            .sign_with_nonce(grant, expire, &Nonce::random()?)?
            .signature)
    }

    /// [`Signer::sign`] with the nonce given (to reproduce known values).
    ///
    /// # Errors
    /// As [`Signer::sign`], without [`Error::Random`].
    pub fn sign_with_nonce(
        &self,
        grant: &Grant<'_>,
        expire: impl Into<Expire>,
        nonce: &Nonce,
    ) -> Result<Signed, Error> {
        let expire = expire.into();
        expire.check(&self.expiry, self.now())?;
        let expire = expire.truncated()?;
        let (action, channel_id, attrs_name, attrs, user_id) = match *grant {
            Grant::CreateSession { puppet_attrs } => {
                ("create_session", None, "puppet_attrs", puppet_attrs, None)
            }
            Grant::CreateSessionForUser { user_id } => (
                "create_session",
                None,
                "puppet_attrs",
                &[][..],
                Some(user_id),
            ),
            Grant::JoinChannel {
                channel_id,
                member_attrs,
            } => (
                "join_channel",
                Some(channel_id),
                "member_attrs",
                member_attrs,
                None,
            ),
            Grant::JoinChannelForUser {
                channel_id,
                user_id,
                member_attrs,
            } => (
                "join_channel",
                Some(channel_id),
                "member_attrs",
                member_attrs,
                Some(user_id),
            ),
        };
        let message = Message {
            action,
            channel_id,
            attrs_name,
            attrs,
            user_id,
            expire,
            nonce: nonce.as_str(),
        };
        let canonical_json = message.canonical_json()?;
        let mut mac = hmac_sha512(self.key.secret())?;
        mac.update(canonical_json.as_bytes());
        let digest = mac.finalize().into_bytes();
        let for_user = matches!(grant, Grant::JoinChannelForUser { .. });
        let id = self.key.id().as_str();
        let signature = match self.format {
            Format::Released => {
                let mut s = format!(
                    "{id}-{expire}-{}-{}",
                    nonce.as_str(),
                    Base64::Standard.encode(&digest)
                );
                if for_user {
                    s.push_str("-1");
                }
                s
            }
            Format::UrlSafe => format!(
                "{id}.{expire}.{}.{}.{}",
                nonce.as_str().replace('+', "-").replace('/', "_"),
                Base64::UrlSafeNoPad.encode(&digest),
                if for_user { "1" } else { "" }
            ),
        };
        Ok(Signed {
            signature,
            canonical_json,
            nonce: nonce.as_str().to_owned(),
        })
    }

    /// Encrypts `metadata` for the `secure` property of `audience_metadata`, with a random IV.
    /// With `user_id`, the value is bound to that user (`secure_metadata_for_user`).
    ///
    /// # Errors
    /// [`Error::BadKeyLength`] when the secret is not an AES key, [`Error::Expiry`],
    /// [`Error::BadExpire`], [`Error::InvalidJson`], [`Error::Random`].
    pub fn secure_metadata<T: Serialize + ?Sized>(
        &self,
        expire: impl Into<Expire>,
        metadata: &T,
        user_id: Option<&str>,
    ) -> Result<String, Error> {
        let iv: [u8; 16] = keyauth_core::random::array_fast().map_err(|_| Error::Random)?;
        let mut sealed = self.secure_metadata_with_iv(expire, metadata, user_id, &iv)?;
        Ok(core::mem::take(&mut sealed.value))
    }

    /// [`Signer::secure_metadata`] with the IV given (to reproduce known values).
    ///
    /// # Errors
    /// As [`Signer::secure_metadata`], without [`Error::Random`].
    pub fn secure_metadata_with_iv<T: Serialize + ?Sized>(
        &self,
        expire: impl Into<Expire>,
        metadata: &T,
        user_id: Option<&str>,
        iv: &[u8; 16],
    ) -> Result<Sealed, Error> {
        // Straight from the caller's value to Python's text: no `Json` tree in between.
        self.seal_with(expire.into(), user_id, iv, |msg| {
            write_python_serialize(msg, metadata)
        })
    }

    /// [`Signer::secure_metadata_with_iv`] for a [`Json`] value (no conversion).
    ///
    /// # Errors
    /// As [`Signer::secure_metadata_with_iv`].
    pub fn seal_json(
        &self,
        expire: Expire,
        metadata: &Json,
        user_id: Option<&str>,
        iv: &[u8; 16],
    ) -> Result<Sealed, Error> {
        self.seal_with(expire, user_id, iv, |msg| write_python(msg, metadata))
    }

    /// Writes `{"user_id":..,"expire":..,"metadata":..}` (metadata by `write_metadata`), then
    /// `iv ‖ AES-CBC(SHA-512(msg) ‖ msg ‖ zeros)` in one buffer and base64 of it.
    fn seal_with(
        &self,
        expire: Expire,
        user_id: Option<&str>,
        iv: &[u8; 16],
        write_metadata: impl FnOnce(&mut String) -> Result<(), Error>,
    ) -> Result<Sealed, Error> {
        expire.check(&self.expiry, self.now())?;
        let key = self.key.secret();
        if !matches!(key.len(), 16 | 24 | 32) {
            return Err(Error::BadKeyLength { len: key.len() });
        }
        let mut msg = String::with_capacity(64);
        msg.push('{');
        if let Some(u) = user_id {
            msg.push_str("\"user_id\":");
            write_python_str(&mut msg, u);
            msg.push(',');
        }
        msg.push_str("\"expire\":");
        expire.write_json(&mut msg)?;
        msg.push_str(",\"metadata\":");
        write_metadata(&mut msg)?;
        msg.push('}');

        let padded_len = (64 + msg.len()).div_ceil(16) * 16;
        let mut buf = Vec::with_capacity(16 + padded_len);
        buf.extend_from_slice(iv);
        buf.extend_from_slice(&Sha512::digest(msg.as_bytes()));
        buf.extend_from_slice(msg.as_bytes());
        buf.resize(16 + padded_len, 0);
        crate::cipher::encrypt(key, iv, buf.get_mut(16..).unwrap_or_default())?;
        let id = self.key.id().as_str();
        let mut value = String::with_capacity(id.len() + 1 + buf.len().div_ceil(3) * 4);
        value.push_str(id);
        match self.format {
            Format::Released => {
                value.push('-');
                STANDARD.encode_string(&buf, &mut value);
            }
            Format::UrlSafe => {
                value.push('.');
                URL_SAFE_NO_PAD.encode_string(&buf, &mut value);
            }
        }
        Ok(Sealed {
            value,
            plaintext_json: msg,
            padded_len,
        })
    }
}

/// `sign_create_session(key, expire, puppet_attrs)`: a new user who becomes the master's
/// puppet. Released format, system clock, random nonce.
///
/// ```
/// use ninchat_master::{Json, MasterKey, sign_create_session};
/// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
/// let expire = keyauth_core::Clock::now(&keyauth_core::SystemClock).as_secs() + 3600;
/// let sig = sign_create_session(&key, expire, &[("name", Json::from("Enforced"))])?;
/// assert!(sig.starts_with("22nlihvg-"));
/// # Ok::<(), ninchat_master::Error>(())
/// ```
///
/// # Errors
/// As [`Signer::sign`].
pub fn sign_create_session(
    key: &MasterKey,
    expire: impl Into<Expire>,
    puppet_attrs: Attrs<'_>,
) -> Result<String, Error> {
    Signer::new(key).sign(&Grant::CreateSession { puppet_attrs }, expire)
}

/// `sign_create_session_for_user(key, expire, user_id)`: an existing puppet user.
///
/// # Errors
/// As [`Signer::sign`].
pub fn sign_create_session_for_user(
    key: &MasterKey,
    expire: impl Into<Expire>,
    user_id: &str,
) -> Result<String, Error> {
    Signer::new(key).sign(&Grant::CreateSessionForUser { user_id }, expire)
}

/// `sign_join_channel(key, expire, channel_id, member_attrs)`: any user joins the channel.
///
/// # Errors
/// As [`Signer::sign`].
pub fn sign_join_channel(
    key: &MasterKey,
    expire: impl Into<Expire>,
    channel_id: &str,
    member_attrs: Attrs<'_>,
) -> Result<String, Error> {
    Signer::new(key).sign(
        &Grant::JoinChannel {
            channel_id,
            member_attrs,
        },
        expire,
    )
}

/// `sign_join_channel_for_user(key, expire, channel_id, user_id, member_attrs)`.
///
/// # Errors
/// As [`Signer::sign`].
pub fn sign_join_channel_for_user(
    key: &MasterKey,
    expire: impl Into<Expire>,
    channel_id: &str,
    user_id: &str,
    member_attrs: Attrs<'_>,
) -> Result<String, Error> {
    Signer::new(key).sign(
        &Grant::JoinChannelForUser {
            channel_id,
            user_id,
            member_attrs,
        },
        expire,
    )
}

/// `secure_metadata(key, expire, metadata)`: released format, system clock, random IV.
///
/// ```
/// use ninchat_master::{MasterKey, secure_metadata};
/// let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=")?;
/// let expire = keyauth_core::Clock::now(&keyauth_core::SystemClock).as_secs() + 60;
/// let value = secure_metadata(&key, expire, &serde_json::json!({"order": 42}))?;
/// assert!(value.starts_with("22nlihvg-"));
/// # Ok::<(), ninchat_master::Error>(())
/// ```
///
/// # Errors
/// As [`Signer::secure_metadata`].
pub fn secure_metadata<T: Serialize + ?Sized>(
    key: &MasterKey,
    expire: impl Into<Expire>,
    metadata: &T,
) -> Result<String, Error> {
    Signer::new(key).secure_metadata(expire, metadata, None)
}

/// `secure_metadata_for_user(key, expire, metadata, user_id)`.
///
/// # Errors
/// As [`Signer::secure_metadata`].
pub fn secure_metadata_for_user<T: Serialize + ?Sized>(
    key: &MasterKey,
    expire: impl Into<Expire>,
    metadata: &T,
    user_id: &str,
) -> Result<String, Error> {
    Signer::new(key).secure_metadata(expire, metadata, Some(user_id))
}
