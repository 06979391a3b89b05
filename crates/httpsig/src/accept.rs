//! `Accept-Signature` (RFC 9421 §5): asking the peer for a signature.

use http::HeaderMap;
use sfv::{BareItem, InnerList, Key, ListEntry, Parameters};

use crate::sf::{self, DictError};
use crate::{ComponentId, Error};

/// One requested signature: a label, the components to cover and wanted parameters.
///
/// ```
/// use keyauth_httpsig::{AcceptSignature, ComponentId};
/// let want = AcceptSignature::new("sig1", vec![ComponentId::derived("@method")?])?
///     .with_keyid("k1")
///     .with_nonce();
/// assert_eq!(want.to_member()?, r#"sig1=("@method");keyid="k1";nonce"#);
/// let back = AcceptSignature::parse(&want.to_member()?)?;
/// assert_eq!(back, vec![want]);
/// # Ok::<(), keyauth_httpsig::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptSignature {
    label: String,
    covered: Vec<ComponentId>,
    keyid: Option<String>,
    alg: Option<String>,
    tag: Option<String>,
    created: bool,
    expires: bool,
    nonce: bool,
}

impl AcceptSignature {
    /// A request for a signature labelled `label` over `covered`.
    ///
    /// # Errors
    /// [`Error::MalformedAcceptSignature`] when `label` is not an sf-key.
    pub fn new(label: &str, covered: Vec<ComponentId>) -> Result<Self, Error> {
        crate::params::check_label(label).map_err(|_| Error::MalformedAcceptSignature)?;
        Ok(Self {
            label: label.to_owned(),
            covered,
            keyid: None,
            alg: None,
            tag: None,
            created: false,
            expires: false,
            nonce: false,
        })
    }

    /// Asks for the key `keyid`.
    #[must_use]
    pub fn with_keyid(mut self, keyid: &str) -> Self {
        self.keyid = Some(keyid.to_owned());
        self
    }

    /// Asks for algorithm `alg`.
    #[must_use]
    pub fn with_alg(mut self, alg: &str) -> Self {
        self.alg = Some(alg.to_owned());
        self
    }

    /// Asks for `tag`.
    #[must_use]
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.tag = Some(tag.to_owned());
        self
    }

    /// Asks for `created`.
    #[must_use]
    pub fn with_created(mut self) -> Self {
        self.created = true;
        self
    }

    /// Asks for a `nonce`.
    #[must_use]
    pub fn with_nonce(mut self) -> Self {
        self.nonce = true;
        self
    }

    /// The label.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The components to cover.
    #[must_use]
    pub fn covered(&self) -> &[ComponentId] {
        &self.covered
    }

    /// The requested `keyid`.
    #[must_use]
    pub fn keyid(&self) -> Option<&str> {
        self.keyid.as_deref()
    }

    /// The requested `alg`.
    #[must_use]
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// The requested `tag`.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// Whether `created` is asked for.
    #[must_use]
    pub fn wants_created(&self) -> bool {
        self.created
    }

    /// Whether `expires` is asked for.
    #[must_use]
    pub fn wants_expires(&self) -> bool {
        self.expires
    }

    /// Whether a `nonce` is asked for.
    #[must_use]
    pub fn wants_nonce(&self) -> bool {
        self.nonce
    }

    /// The dictionary member `label=(...);params`.
    ///
    /// # Errors
    /// [`Error::MalformedAcceptSignature`] when a value is not an sf-string.
    pub fn to_member(&self) -> Result<String, Error> {
        let s = |v: &str| {
            sfv::String::from_string(v.to_owned())
                .map(BareItem::String)
                .map_err(|_| Error::MalformedAcceptSignature)
        };
        let k = |name: &'static str| sfv::key_ref(name).to_owned();
        let mut params = Parameters::new();
        if let Some(v) = &self.keyid {
            params.insert(k("keyid"), s(v)?);
        }
        if let Some(v) = &self.alg {
            params.insert(k("alg"), s(v)?);
        }
        if let Some(v) = &self.tag {
            params.insert(k("tag"), s(v)?);
        }
        for (flag, on) in [
            ("created", self.created),
            ("expires", self.expires),
            ("nonce", self.nonce),
        ] {
            if on {
                params.insert(k(flag), BareItem::Boolean(true));
            }
        }
        let inner = InnerList::with_params(
            self.covered.iter().map(ComponentId::to_item).collect(),
            params,
        );
        Ok(format!(
            "{}={}",
            self.label,
            sf::serialize_inner_list(&inner)
        ))
    }

    /// Every member of an `Accept-Signature` value.
    ///
    /// # Errors
    /// [`Error::MalformedAcceptSignature`] when it is not a dictionary of inner lists of
    /// components (or repeats a label).
    pub fn parse(value: &str) -> Result<Vec<Self>, Error> {
        let dict = sf::dictionary(value).map_err(|e| match e {
            DictError::Duplicate | DictError::Malformed => Error::MalformedAcceptSignature,
        })?;
        dict.iter().map(|(k, v)| Self::from_entry(k, v)).collect()
    }

    /// The members of the `Accept-Signature` field of `headers` (empty when absent).
    ///
    /// # Errors
    /// As [`AcceptSignature::parse`].
    pub fn from_headers(headers: &HeaderMap) -> Result<Vec<Self>, Error> {
        match sf::combined(headers, "accept-signature") {
            None => Ok(Vec::new()),
            Some(raw) => Self::parse(
                core::str::from_utf8(&raw).map_err(|_| Error::MalformedAcceptSignature)?,
            ),
        }
    }

    fn from_entry(label: &Key, entry: &ListEntry) -> Result<Self, Error> {
        let ListEntry::InnerList(inner) = entry else {
            return Err(Error::MalformedAcceptSignature);
        };
        let covered = inner
            .items
            .iter()
            .map(ComponentId::from_item)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Error::MalformedAcceptSignature)?;
        let mut out = Self::new(label.as_str(), covered)?;
        for (k, v) in &inner.params {
            match (k.as_str(), v) {
                ("keyid", BareItem::String(s)) => out.keyid = Some(s.as_str().to_owned()),
                ("alg", BareItem::String(s)) => out.alg = Some(s.as_str().to_owned()),
                ("tag", BareItem::String(s)) => out.tag = Some(s.as_str().to_owned()),
                ("created", _) => out.created = true,
                ("expires", _) => out.expires = true,
                ("nonce", _) => out.nonce = true,
                ("keyid" | "alg" | "tag", _) => return Err(Error::MalformedAcceptSignature),
                _ => {}
            }
        }
        Ok(out)
    }
}
