//! Typed secrets: the secret types of the Psono web client, psonoci's field names, and the
//! rules for "not set".
//!
//! A secret's type is decided as the server and the web client decide it: by the item's
//! `type` in the datastore or share entry when the secret was found there, otherwise by the
//! fields that hold a value (non-null and non-empty). A null field never decides the type:
//! psonoci writes a secret back with *every* field of every type present, most of them null,
//! website fields first.
//!
//! Field names are psonoci's (`password`, `url_filter`, `gpg_key_private`, `totp_code`, ...,
//! `-` and `_` alike, any case) or raw Psono field names (`website_password_password`). A
//! field that is null or absent is "not set" ([`Error::FieldNotSet`]), never an empty value.

use core::fmt;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::Error;
use crate::totp::Totp;
use crate::tree::SecretData;

/// The secret types of the Psono web client (the item `type` of a datastore entry, which is
/// also the prefix of the secret's field names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretType {
    /// `website_password`.
    WebsitePassword,
    /// `application_password`.
    ApplicationPassword,
    /// `bookmark`.
    Bookmark,
    /// `note`.
    Note,
    /// `mail_gpg_own_key`: an OpenPGP key pair.
    MailGpgOwnKey,
    /// `environment_variables`.
    EnvironmentVariables,
    /// `ssh_own_key`.
    SshOwnKey,
    /// `totp`.
    Totp,
    /// `credit_card`.
    CreditCard,
    /// `elster_certificate`.
    ElsterCertificate,
    /// `identity`.
    Identity,
}

impl SecretType {
    /// Every type, in psonoci's order.
    pub const ALL: [Self; 11] = [
        Self::WebsitePassword,
        Self::ApplicationPassword,
        Self::Bookmark,
        Self::MailGpgOwnKey,
        Self::Note,
        Self::Identity,
        Self::EnvironmentVariables,
        Self::SshOwnKey,
        Self::Totp,
        Self::CreditCard,
        Self::ElsterCertificate,
    ];

    /// The item type of the web client, also the field prefix (`website_password`).
    #[must_use]
    pub const fn item_type(self) -> &'static str {
        match self {
            Self::WebsitePassword => "website_password",
            Self::ApplicationPassword => "application_password",
            Self::Bookmark => "bookmark",
            Self::Note => "note",
            Self::MailGpgOwnKey => "mail_gpg_own_key",
            Self::EnvironmentVariables => "environment_variables",
            Self::SshOwnKey => "ssh_own_key",
            Self::Totp => "totp",
            Self::CreditCard => "credit_card",
            Self::ElsterCertificate => "elster_certificate",
            Self::Identity => "identity",
        }
    }

    /// psonoci's name of the type (`secret get ID secret_type` prints it).
    #[must_use]
    pub const fn psonoci_name(self) -> &'static str {
        match self {
            Self::WebsitePassword => "website",
            Self::ApplicationPassword => "application",
            Self::Bookmark => "bookmark",
            Self::Note => "note",
            Self::MailGpgOwnKey => "gpg_key",
            Self::EnvironmentVariables => "env_vars",
            Self::SshOwnKey => "ssh_key",
            Self::Totp => "totp",
            Self::CreditCard => "credit_card",
            Self::ElsterCertificate => "elster_certificate",
            Self::Identity => "identity",
        }
    }

    /// The type of a web-client item type (`None` for types this crate does not know, such
    /// as files).
    #[must_use]
    pub fn from_item_type(item_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.item_type() == item_type)
    }

    /// The type's Psono field names (psonoci's order, then the web client's extras).
    #[must_use]
    pub const fn fields(self) -> &'static [&'static str] {
        match self {
            Self::WebsitePassword => &[
                "website_password_url_filter",
                "website_password_notes",
                "website_password_password",
                "website_password_username",
                "website_password_url",
                "website_password_title",
                "website_password_totp_period",
                "website_password_totp_algorithm",
                "website_password_totp_digits",
                "website_password_totp_code",
            ],
            Self::ApplicationPassword => &[
                "application_password_notes",
                "application_password_password",
                "application_password_username",
                "application_password_title",
            ],
            Self::Bookmark => &[
                "bookmark_url_filter",
                "bookmark_notes",
                "bookmark_url",
                "bookmark_title",
            ],
            Self::MailGpgOwnKey => &[
                "mail_gpg_own_key_private",
                "mail_gpg_own_key_public",
                "mail_gpg_own_key_name",
                "mail_gpg_own_key_email",
                "mail_gpg_own_key_title",
            ],
            Self::Note => &["note_notes", "note_title"],
            Self::Identity => &[
                "identity_title",
                "identity_first_name",
                "identity_last_name",
                "identity_company",
                "identity_address",
                "identity_city",
                "identity_postal_code",
                "identity_state",
                "identity_country",
                "identity_phone_number",
                "identity_email",
                "identity_notes",
            ],
            Self::EnvironmentVariables => &[
                "environment_variables_title",
                "environment_variables_notes",
                "environment_variables_variables",
            ],
            Self::SshOwnKey => &[
                "ssh_own_key_title",
                "ssh_own_key_public",
                "ssh_own_key_notes",
                "ssh_own_key_private",
            ],
            Self::Totp => &[
                "totp_title",
                "totp_period",
                "totp_algorithm",
                "totp_digits",
                "totp_code",
                "totp_notes",
            ],
            Self::CreditCard => &[
                "credit_card_title",
                "credit_card_number",
                "credit_card_cvc",
                "credit_card_name",
                "credit_card_valid_through",
                "credit_card_pin",
                "credit_card_notes",
            ],
            Self::ElsterCertificate => &[
                "elster_certificate_title",
                "elster_certificate_file_content",
                "elster_certificate_password",
                "elster_certificate_retrieval_code",
                "elster_certificate_notes",
            ],
        }
    }

    /// Whether `field` belongs to this type (one of [`SecretType::fields`], or any field with
    /// the type's prefix).
    #[must_use]
    pub fn owns(self, field: &str) -> bool {
        self.fields().contains(&field)
            || field
                .strip_prefix(self.item_type())
                .is_some_and(|r| r.starts_with('_'))
    }

    /// Decides the type: the entry's item type when known, else the type with the most
    /// fields holding a value (non-null, non-empty), else the type with the most non-null
    /// fields. Null fields never decide.
    ///
    /// # Errors
    /// [`Error::UnknownSecretType`] when no field of a known type holds anything.
    pub fn detect(item_type: Option<&str>, data: &SecretData) -> Result<Self, Error> {
        if let Some(t) = item_type.and_then(Self::from_item_type) {
            return Ok(t);
        }
        let Some(map) = data.json().as_object() else {
            return Err(Error::UnknownSecretType);
        };
        let score = |t: Self, keep: fn(&Value) -> bool| {
            map.iter().filter(|(k, v)| t.owns(k) && keep(v)).count()
        };
        for keep in [has_value as fn(&Value) -> bool, |v: &Value| !v.is_null()] {
            let best = Self::ALL.into_iter().map(|t| (score(t, keep), t)).fold(
                None,
                |best: Option<(usize, Self)>, (n, t)| match best {
                    Some((m, _)) if m >= n => best,
                    _ => Some((n, t)),
                },
            );
            if let Some((n, t)) = best
                && n > 0
            {
                return Ok(t);
            }
        }
        Err(Error::UnknownSecretType)
    }
}

impl fmt::Display for SecretType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.item_type())
    }
}

/// A value that counts: not null, not `""`, not `[]`, not `{}`.
fn has_value(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// psonoci's field names (`secret get ID NAME`), besides `json` and `secret_type`.
pub const FIELD_NAMES: &[&str] = &[
    "title",
    "username",
    "password",
    "url",
    "url_filter",
    "notes",
    "identity_title",
    "identity_first_name",
    "identity_last_name",
    "identity_company",
    "identity_address",
    "identity_city",
    "identity_postal_code",
    "identity_state",
    "identity_country",
    "identity_phone_number",
    "identity_email",
    "identity_notes",
    "gpg_key_email",
    "gpg_key_name",
    "gpg_key_private",
    "gpg_key_public",
    "env_vars",
    "ssh_key_public",
    "ssh_key_private",
    "totp_period",
    "totp_algorithm",
    "totp_digits",
    "totp_code",
    "credit_card_number",
    "credit_card_cvc",
    "credit_card_name",
    "credit_card_valid_through",
    "credit_card_pin",
    "elster_certificate_file_content",
    "elster_certificate_password",
    "elster_certificate_retrieval_code",
];

/// What a field name asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldName {
    /// One of psonoci's names ([`FIELD_NAMES`]).
    Named(&'static str),
    /// A raw Psono field name (`website_password_password`).
    Raw(String),
    /// Every field, in psonoci's JSON shape.
    Json,
    /// The secret's type.
    SecretType,
}

impl FieldName {
    /// Parses a name: psonoci's names (`-` and `_` alike, any case, `totp` for `totp_code`),
    /// `json`, `secret_type`/`type`, or a raw Psono field name.
    ///
    /// # Errors
    /// [`Error::UnknownField`] (the name cut to 64 characters).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let raw_like = input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if raw_like && SecretType::ALL.into_iter().any(|t| t.owns(input)) {
            // `identity_title` is both psonoci's name and the raw field: same thing.
            if let Some(n) = FIELD_NAMES.iter().find(|n| **n == input) {
                return Ok(Self::Named(n));
            }
            return Ok(Self::Raw(input.to_owned()));
        }
        let norm = input.to_ascii_lowercase().replace('-', "_");
        match norm.as_str() {
            "json" => return Ok(Self::Json),
            "secret_type" | "type" => return Ok(Self::SecretType),
            "totp" => return Ok(Self::Named("totp_code")),
            _ => {}
        }
        FIELD_NAMES
            .iter()
            .find(|n| **n == norm)
            .map(|n| Self::Named(n))
            .ok_or_else(|| Error::UnknownField {
                field: input.chars().take(64).collect(),
            })
    }

    /// The Psono field this name means in a secret of type `t` (`None`: the type has no such
    /// field; `json` and `secret_type` are no field).
    #[must_use]
    pub fn psono_field(&self, t: SecretType) -> Option<String> {
        let name = match self {
            Self::Raw(f) => return t.owns(f).then(|| f.clone()),
            Self::Json | Self::SecretType => return None,
            Self::Named(n) => *n,
        };
        let field = match (t, name) {
            (SecretType::Identity, n) if n.starts_with("identity_") => n.to_owned(),
            (SecretType::MailGpgOwnKey, n) if n.starts_with("gpg_key_") => {
                format!("mail_gpg_own_key_{}", &n["gpg_key_".len()..])
            }
            (SecretType::EnvironmentVariables, "env_vars") => {
                "environment_variables_variables".to_owned()
            }
            (SecretType::SshOwnKey, n) if n.starts_with("ssh_key_") => {
                format!("ssh_own_key_{}", &n["ssh_key_".len()..])
            }
            (SecretType::Totp, n) if n.starts_with("totp_") => n.to_owned(),
            (SecretType::CreditCard, n) if n.starts_with("credit_card_") => n.to_owned(),
            (SecretType::ElsterCertificate, n) if n.starts_with("elster_certificate_") => {
                n.to_owned()
            }
            (t, n @ ("title" | "username" | "password" | "url" | "url_filter" | "notes")) => {
                format!("{}_{n}", t.item_type())
            }
            (SecretType::WebsitePassword, n) if n.starts_with("totp_") => {
                format!("website_password_{n}")
            }
            _ => return None,
        };
        t.fields().contains(&field.as_str()).then_some(field)
    }

    /// How the name is shown in messages.
    #[must_use]
    pub fn shown(&self) -> &str {
        match self {
            Self::Named(n) => n,
            Self::Raw(f) => f,
            Self::Json => "json",
            Self::SecretType => "secret_type",
        }
    }
}

/// psonoci's name of a Psono field in a secret of type `t`, or the field itself.
#[must_use]
pub fn display_name(field: &str, t: SecretType) -> &str {
    FIELD_NAMES
        .iter()
        .find(|n| FieldName::Named(n).psono_field(t).as_deref() == Some(field))
        .copied()
        .unwrap_or(field)
}

/// One variable of an environment-variables secret. The value is zeroized on drop.
#[derive(Clone)]
pub struct EnvVar {
    /// The name (`key` in the secret).
    pub key: String,
    /// The value.
    pub value: Zeroizing<String>,
}

impl fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVar")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A decrypted secret and its decided type.
#[derive(Clone, Debug)]
pub struct Secret {
    kind: SecretType,
    data: SecretData,
}

impl Secret {
    /// Types the data (see [`SecretType::detect`]).
    ///
    /// # Errors
    /// [`Error::UnknownSecretType`].
    pub fn new(data: SecretData, item_type: Option<&str>) -> Result<Self, Error> {
        let kind = SecretType::detect(item_type, &data)?;
        Ok(Self { kind, data })
    }

    /// A secret of a known type.
    #[must_use]
    pub fn with_type(data: SecretData, kind: SecretType) -> Self {
        Self { kind, data }
    }

    /// The decided type.
    #[must_use]
    pub fn kind(&self) -> SecretType {
        self.kind
    }

    /// The raw fields.
    #[must_use]
    pub fn data(&self) -> &SecretData {
        &self.data
    }

    /// The raw fields, owned (to write them back).
    #[must_use]
    pub fn into_data(self) -> SecretData {
        self.data
    }

    fn resolve(&self, name: &FieldName) -> Result<String, Error> {
        name.psono_field(self.kind)
            .ok_or_else(|| Error::UnknownField {
                field: format!("{} (in a {} secret)", name.shown(), self.kind),
            })
    }

    /// A field's value.
    ///
    /// # Errors
    /// [`Error::UnknownField`] when the type has no such field, [`Error::FieldNotSet`] when
    /// it is null or absent.
    pub fn get(&self, name: &FieldName) -> Result<&Value, Error> {
        let field = self.resolve(name)?;
        match self.data.json().get(&field) {
            None | Some(Value::Null) => Err(Error::FieldNotSet {
                field: name.shown().to_owned(),
                secret_type: self.kind.item_type(),
            }),
            Some(v) => Ok(v),
        }
    }

    /// A field's value as text: strings as they are, numbers and lists as compact JSON.
    ///
    /// # Errors
    /// As [`Secret::get`].
    pub fn get_text(&self, name: &FieldName) -> Result<Zeroizing<String>, Error> {
        Ok(Zeroizing::new(match self.get(name)? {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }))
    }

    /// Sets a field (a string, or for `totp_period`/`totp_digits` a number when the text is
    /// one; `env_vars` takes a JSON list of `{key, value}`).
    ///
    /// # Errors
    /// [`Error::UnknownField`], [`Error::Config`] for a value of the wrong form (an
    /// `env_vars` list that is not JSON, a period that is not a number).
    pub fn set(&mut self, name: &FieldName, text: &str) -> Result<String, Error> {
        let field = self.resolve(name)?;
        let value = if field.ends_with("_variables") {
            let bad = || {
                Error::Config(
                    "an env_vars value must be a JSON list of {\"key\", \"value\"} objects".into(),
                )
            };
            let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
            parse_env_vars(&v).map_err(|_| bad())?;
            v
        } else if field.ends_with("_period") || field.ends_with("_digits") {
            text.trim()
                .parse::<u32>()
                .map(Value::from)
                .map_err(|_| Error::Config("totp period and digits are whole numbers".into()))?
        } else {
            Value::String(text.to_owned())
        };
        self.data.set_field(&field, value);
        Ok(field)
    }

    /// The variables of an environment-variables secret (null list: none).
    ///
    /// # Errors
    /// [`Error::WrongSecretType`], [`Error::InvalidJson`] for entries without a `key`.
    pub fn env_vars(&self) -> Result<Vec<EnvVar>, Error> {
        self.expect(SecretType::EnvironmentVariables)?;
        match self.data.json().get("environment_variables_variables") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => parse_env_vars(v),
        }
    }

    /// Replaces the variables.
    ///
    /// # Errors
    /// [`Error::WrongSecretType`].
    pub fn set_env_vars(&mut self, vars: &[EnvVar]) -> Result<(), Error> {
        self.expect(SecretType::EnvironmentVariables)?;
        let list: Vec<Value> = vars
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("key".into(), Value::from(v.key.as_str()));
                m.insert("value".into(), Value::from(v.value.as_str()));
                Value::Object(m)
            })
            .collect();
        self.data
            .set_field("environment_variables_variables", Value::Array(list));
        Ok(())
    }

    /// The TOTP generator of a TOTP secret (web-client defaults for absent parameters:
    /// SHA1, 6 digits, 30 s).
    ///
    /// # Errors
    /// [`Error::WrongSecretType`], [`Error::FieldNotSet`] without a code,
    /// [`Error::InvalidTotp`].
    pub fn totp(&self) -> Result<Totp, Error> {
        self.expect(SecretType::Totp)?;
        let code = self.get(&FieldName::Named("totp_code"))?;
        let code = code
            .as_str()
            .ok_or(Error::InvalidTotp("the code is not text"))?;
        let j = self.data.json();
        let num = |f: &str| -> Result<Option<u64>, Error> {
            match j.get(f) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_u64()
                    .map(Some)
                    .ok_or(Error::InvalidTotp("period and digits are whole numbers")),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => s
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| Error::InvalidTotp("period and digits are whole numbers")),
                Some(_) => Err(Error::InvalidTotp("period and digits are whole numbers")),
            }
        };
        let algorithm = match j.get("totp_algorithm") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        };
        Totp::new(code, algorithm, num("totp_digits")?, num("totp_period")?)
    }

    fn expect(&self, t: SecretType) -> Result<(), Error> {
        if self.kind == t {
            Ok(())
        } else {
            Err(Error::WrongSecretType {
                expected: t.item_type(),
                actual: self.kind.item_type(),
            })
        }
    }

    /// psonoci's `secret get ID json` document: keys sorted as psonoci prints them
    /// (`credit_card`, `env_vars`, `gpg_key_*`, `identity`, `notes`, `password`, `title`,
    /// `totp`, `type`, `url`, `url_filter`, `username`), absent values `null`, nested objects
    /// for identity, TOTP and credit cards. Beyond psonoci: `ssh_key` and
    /// `elster_certificate` objects, which psonoci leaves out.
    #[must_use]
    pub fn psonoci_json(&self) -> Value {
        let j = self.data.json();
        let t = self.kind;
        let get = |name: &'static str| -> Value {
            FieldName::Named(name)
                .psono_field(t)
                .and_then(|f| j.get(&f).cloned())
                .unwrap_or(Value::Null)
        };
        let group = |ty: SecretType, names: &[(&str, &'static str)]| -> Value {
            if t != ty {
                return Value::Null;
            }
            let mut m = Map::new();
            let mut sorted: Vec<_> = names.to_vec();
            sorted.sort_unstable();
            for (key, name) in sorted {
                m.insert(key.to_owned(), get(name));
            }
            Value::Object(m)
        };
        let mut m = Map::new();
        m.insert(
            "credit_card".into(),
            group(
                SecretType::CreditCard,
                &[
                    ("number", "credit_card_number"),
                    ("cvc", "credit_card_cvc"),
                    ("name", "credit_card_name"),
                    ("valid_through", "credit_card_valid_through"),
                    ("pin", "credit_card_pin"),
                ],
            ),
        );
        m.insert(
            "elster_certificate".into(),
            group(
                SecretType::ElsterCertificate,
                &[
                    ("file_content", "elster_certificate_file_content"),
                    ("password", "elster_certificate_password"),
                    ("retrieval_code", "elster_certificate_retrieval_code"),
                ],
            ),
        );
        m.insert("env_vars".into(), get("env_vars"));
        for n in [
            "gpg_key_email",
            "gpg_key_name",
            "gpg_key_private",
            "gpg_key_public",
        ] {
            m.insert(n.into(), get(n));
        }
        m.insert(
            "identity".into(),
            group(
                SecretType::Identity,
                &[
                    ("title", "identity_title"),
                    ("first_name", "identity_first_name"),
                    ("last_name", "identity_last_name"),
                    ("company", "identity_company"),
                    ("address", "identity_address"),
                    ("city", "identity_city"),
                    ("postal_code", "identity_postal_code"),
                    ("state", "identity_state"),
                    ("country", "identity_country"),
                    ("phone_number", "identity_phone_number"),
                    ("email", "identity_email"),
                    ("notes", "identity_notes"),
                ],
            ),
        );
        m.insert("notes".into(), get("notes"));
        m.insert("password".into(), get("password"));
        m.insert(
            "ssh_key".into(),
            group(
                SecretType::SshOwnKey,
                &[
                    ("key_private", "ssh_key_private"),
                    ("key_public", "ssh_key_public"),
                ],
            ),
        );
        m.insert("title".into(), get("title"));
        m.insert(
            "totp".into(),
            group(
                SecretType::Totp,
                &[
                    ("period", "totp_period"),
                    ("algorithm", "totp_algorithm"),
                    ("digits", "totp_digits"),
                    ("code", "totp_code"),
                ],
            ),
        );
        m.insert("type".into(), Value::from(t.psonoci_name()));
        m.insert("url".into(), get("url"));
        m.insert("url_filter".into(), get("url_filter"));
        m.insert("username".into(), get("username"));
        Value::Object(m)
    }
}

fn parse_env_vars(v: &Value) -> Result<Vec<EnvVar>, Error> {
    let list = v
        .as_array()
        .ok_or(Error::shape("environment_variables_variables"))?;
    list.iter()
        .map(|e| {
            let key = e
                .get("key")
                .and_then(Value::as_str)
                .ok_or(Error::shape("environment variable"))?;
            let value = match e.get("value") {
                None | Some(Value::Null) => "",
                Some(Value::String(s)) => s,
                Some(_) => return Err(Error::shape("environment variable")),
            };
            Ok(EnvVar {
                key: key.to_owned(),
                value: Zeroizing::new(value.to_owned()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
