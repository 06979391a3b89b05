//! `Signature-Input` / `Signature` fields and the signature parameters (RFC 9421 §2.3, §4).

use http::HeaderMap;
use sfv::{BareItem, InnerList, Item, Key, ListEntry, Parameters};

use crate::sf::{self, DictError};
use crate::{ComponentId, Error};

/// One signature's covered components and parameters (`@signature-params`).
///
/// When parsed, the inner list is kept exactly as received (parameter order, unknown
/// parameters), so the signature base re-serializes what the signer signed.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureParams {
    covered: Vec<ComponentId>,
    params: Parameters,
    serialized: String,
}

fn key(k: &'static str) -> Key {
    sfv::key_ref(k).to_owned()
}

fn string(s: &str) -> Result<BareItem, Error> {
    sfv::String::from_string(s.to_owned())
        .map(BareItem::String)
        .map_err(|_| Error::MalformedSignatureInput)
}

fn int(v: u64) -> Result<BareItem, Error> {
    sfv::Integer::try_from(v)
        .map(BareItem::Integer)
        .map_err(|_| Error::MalformedSignatureInput)
}

/// The parameters a signer sets, in the order they are serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamsSpec {
    /// `created`, Unix seconds.
    pub created: Option<u64>,
    /// `expires`, Unix seconds.
    pub expires: Option<u64>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `alg`.
    pub alg: Option<String>,
    /// `keyid`.
    pub keyid: Option<String>,
    /// `tag`.
    pub tag: Option<String>,
}

impl SignatureParams {
    /// Parameters for signing: `covered` plus `spec`, serialized as
    /// `created`, `expires`, `nonce`, `alg`, `keyid`, `tag`.
    ///
    /// # Errors
    /// [`Error::DuplicateComponent`] when a component is listed twice;
    /// [`Error::MalformedSignatureInput`] when a value is not representable (a non-ASCII
    /// nonce, a time above 10^15).
    pub fn new(covered: Vec<ComponentId>, spec: &ParamsSpec) -> Result<Self, Error> {
        check_unique(&covered)?;
        let mut params = Parameters::new();
        if let Some(c) = spec.created {
            params.insert(key("created"), int(c)?);
        }
        if let Some(e) = spec.expires {
            params.insert(key("expires"), int(e)?);
        }
        if let Some(n) = &spec.nonce {
            params.insert(key("nonce"), string(n)?);
        }
        if let Some(a) = &spec.alg {
            params.insert(key("alg"), string(a)?);
        }
        if let Some(k) = &spec.keyid {
            params.insert(key("keyid"), string(k)?);
        }
        if let Some(t) = &spec.tag {
            params.insert(key("tag"), string(t)?);
        }
        Ok(Self {
            serialized: sf::serialize_signature_params(&covered, &params),
            covered,
            params,
        })
    }

    /// The parameters a `Signature-Input` member carries.
    ///
    /// # Errors
    /// [`Error::MalformedSignatureInput`] when it is not an inner list of component strings
    /// or a known parameter has the wrong type; [`Error::MalformedComponent`] /
    /// [`Error::DuplicateComponent`] for bad component identifiers.
    pub fn from_entry(entry: &ListEntry) -> Result<Self, Error> {
        Self::from_owned_entry(entry.clone())
    }

    /// As [`SignatureParams::from_entry`], taking the parsed entry (no copy).
    fn from_owned_entry(entry: ListEntry) -> Result<Self, Error> {
        let ListEntry::InnerList(InnerList { items, params }) = entry else {
            return Err(Error::MalformedSignatureInput);
        };
        let covered = items
            .into_iter()
            .map(ComponentId::from_owned_item)
            .collect::<Result<Vec<_>, _>>()?;
        check_unique(&covered)?;
        for (k, v) in &params {
            let ok = match k.as_str() {
                "created" | "expires" => {
                    matches!(v, BareItem::Integer(i) if i64::from(*i) >= 0)
                }
                "nonce" | "alg" | "keyid" | "tag" => matches!(v, BareItem::String(_)),
                _ => true,
            };
            if !ok {
                return Err(Error::MalformedSignatureInput);
            }
        }
        Ok(Self {
            serialized: sf::serialize_signature_params(&covered, &params),
            covered,
            params,
        })
    }

    /// The covered components, in order.
    #[must_use]
    pub fn covered(&self) -> &[ComponentId] {
        &self.covered
    }

    fn integer(&self, k: &str) -> Option<u64> {
        match self.params.get(k) {
            Some(BareItem::Integer(i)) => u64::try_from(i64::from(*i)).ok(),
            _ => None,
        }
    }

    fn text(&self, k: &str) -> Option<&str> {
        match self.params.get(k) {
            Some(BareItem::String(s)) => Some(s.as_str()),
            _ => None,
        }
    }

    /// `created`.
    #[must_use]
    pub fn created(&self) -> Option<u64> {
        self.integer("created")
    }

    /// `expires`.
    #[must_use]
    pub fn expires(&self) -> Option<u64> {
        self.integer("expires")
    }

    /// `nonce`.
    #[must_use]
    pub fn nonce(&self) -> Option<&str> {
        self.text("nonce")
    }

    /// `alg`.
    #[must_use]
    pub fn alg(&self) -> Option<&str> {
        self.text("alg")
    }

    /// `keyid`.
    #[must_use]
    pub fn keyid(&self) -> Option<&str> {
        self.text("keyid")
    }

    /// `tag`.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.text("tag")
    }

    /// The `@signature-params` value: the inner list with its parameters.
    #[must_use]
    pub fn serialize(&self) -> &str {
        &self.serialized
    }

    /// Whether `c` is covered (any parameter order).
    #[must_use]
    pub fn covers(&self, c: &ComponentId) -> bool {
        self.covered.contains(c)
    }

    /// Whether field `name` is covered as such (no parameters).
    #[must_use]
    pub fn covers_field(&self, name: &str) -> bool {
        self.covered
            .iter()
            .any(|c| c.name() == name && c.as_str().len() == name.len() + 2)
    }
}

fn check_unique(covered: &[ComponentId]) -> Result<(), Error> {
    for (i, c) in covered.iter().enumerate() {
        if covered[..i].contains(c) {
            return Err(Error::DuplicateComponent);
        }
    }
    Ok(())
}

/// Every `Signature-Input` member, in order.
///
/// # Errors
/// [`Error::MissingSignature`] when the field is absent; [`Error::DuplicateLabel`];
/// [`Error::MalformedSignatureInput`] and component errors for bad members.
pub fn parse_signature_input(headers: &HeaderMap) -> Result<Vec<(String, SignatureParams)>, Error> {
    let raw = sf::combined_cow(headers, "signature-input").ok_or(Error::MissingSignature)?;
    let text = core::str::from_utf8(&raw).map_err(|_| Error::MalformedSignatureInput)?;
    let dict = sf::dictionary(text).map_err(|e| match e {
        DictError::Duplicate => Error::DuplicateLabel,
        DictError::Malformed => Error::MalformedSignatureInput,
    })?;
    dict.into_iter()
        .map(|(k, v)| Ok((String::from(k), SignatureParams::from_owned_entry(v)?)))
        .collect()
}

/// Every `Signature` member (label, signature bytes), in order.
///
/// # Errors
/// [`Error::MissingSignature`] when absent; [`Error::DuplicateLabel`];
/// [`Error::MalformedSignature`] when a member is not a byte sequence.
pub fn parse_signature(headers: &HeaderMap) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let raw = sf::combined_cow(headers, "signature").ok_or(Error::MissingSignature)?;
    let text = core::str::from_utf8(&raw).map_err(|_| Error::MalformedSignature)?;
    let dict = sf::dictionary(text).map_err(|e| match e {
        DictError::Duplicate => Error::DuplicateLabel,
        DictError::Malformed => Error::MalformedSignature,
    })?;
    dict.into_iter()
        .map(|(k, v)| match v {
            ListEntry::Item(Item {
                bare_item: BareItem::ByteSequence(b),
                ..
            }) => Ok((String::from(k), b)),
            _ => Err(Error::MalformedSignature),
        })
        .collect()
}

/// A `Signature-Input` member: `label=(...);params`.
///
/// # Errors
/// [`Error::MalformedSignatureInput`] when `label` is not an sf-key.
pub fn signature_input_member(label: &str, params: &SignatureParams) -> Result<String, Error> {
    check_label(label)?;
    Ok(format!("{label}={}", params.serialize()))
}

/// A `Signature` member: `label=:base64:`.
///
/// # Errors
/// [`Error::MalformedSignatureInput`] when `label` is not an sf-key.
pub fn signature_member(label: &str, signature: &[u8]) -> Result<String, Error> {
    check_label(label)?;
    let item = Item::new(BareItem::ByteSequence(signature.to_vec()));
    Ok(format!("{label}={}", sfv::FieldType::serialize(&item)))
}

pub(crate) fn check_label(label: &str) -> Result<(), Error> {
    Key::from_string(label.to_owned())
        .map(|_| ())
        .map_err(|_| Error::MalformedSignatureInput)
}
