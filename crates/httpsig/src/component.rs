//! Component identifiers (RFC 9421 §2): a field name or derived `@name` with parameters.

use core::fmt;

use sfv::{BareItem, Item, Key, Parameters, Parser};

use crate::Error;

/// The derived components of RFC 9421 §2.2 (plus `@signature-params`, never coverable).
const DERIVED: [&str; 9] = [
    "@method",
    "@target-uri",
    "@authority",
    "@scheme",
    "@request-target",
    "@path",
    "@query",
    "@query-param",
    "@status",
];

/// One covered component: a lower-case field name or a derived `@name`, with its
/// parameters (`sf`, `key`, `bs`, `req`, `tr`, `name`) in the order they were given.
///
/// ```
/// use keyauth_httpsig::ComponentId;
/// let c = ComponentId::parse(r#""@query-param";name="Pet""#)?;
/// assert_eq!(c.name(), "@query-param");
/// assert_eq!(c.query_name(), Some("Pet"));
/// assert_eq!(c.to_string(), r#""@query-param";name="Pet""#);
/// assert_eq!(ComponentId::parse("content-type;req")?.to_string(), r#""content-type";req"#);
/// # Ok::<(), keyauth_httpsig::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ComponentId {
    name: String,
    params: Parameters,
    /// The sf-item serialization, computed once (the signature base uses it per line).
    serialized: String,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_lowercase()
        || b.is_ascii_digit()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

impl ComponentId {
    /// A field component (lower-cased) without parameters.
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when `name` is not a field name.
    pub fn field(name: &str) -> Result<Self, Error> {
        Self::from_parts(name.to_ascii_lowercase(), Parameters::new())
    }

    /// A derived component (`@method`...) without parameters.
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when `name` is not one of RFC 9421 §2.2.
    pub fn derived(name: &str) -> Result<Self, Error> {
        Self::from_parts(name.to_owned(), Parameters::new())
    }

    /// `"@query-param";name="<name>"`; `name` as it appears (percent-encoded) in the query.
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when `name` is not a valid sf-string.
    pub fn query_param(name: &str) -> Result<Self, Error> {
        let mut params = Parameters::new();
        params.insert(key("name"), string(name)?);
        Self::from_parts("@query-param".to_owned(), params)
    }

    /// This component with boolean parameter `flag` (`sf`, `bs`, `req`, `tr`) added.
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when the result is not a valid identifier.
    pub fn with_flag(self, flag: &str) -> Result<Self, Error> {
        let mut params = self.params;
        params.insert(
            Key::from_string(flag.to_owned()).map_err(|_| Error::MalformedComponent)?,
            BareItem::Boolean(true),
        );
        Self::from_parts(self.name, params)
    }

    /// This field component with `key="<member>"` added (a dictionary member).
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when the result is not a valid identifier.
    pub fn with_key(self, member: &str) -> Result<Self, Error> {
        let mut params = self.params;
        params.insert(key("key"), string(member)?);
        Self::from_parts(self.name, params)
    }

    /// Parses a component as written on a command line or in a policy: an sf-item
    /// (`"@query-param";name="Pet"`), or the bare name with parameters
    /// (`@method`, `content-type;req`, `example-dict;key="a"`).
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when it is not a valid identifier.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let quoted = if text.starts_with('"') {
            text.to_owned()
        } else {
            let (name, rest) = text.split_at(text.find(';').unwrap_or(text.len()));
            format!("\"{name}\"{rest}")
        };
        let item = Parser::new(&quoted)
            .parse::<Item>()
            .map_err(|_| Error::MalformedComponent)?;
        Self::from_item(&item)
    }

    /// The identifier an sf-item of `Signature-Input` names.
    ///
    /// # Errors
    /// [`Error::MalformedComponent`] when it is not a string with known parameters.
    pub fn from_item(item: &Item) -> Result<Self, Error> {
        Self::from_owned_item(item.clone())
    }

    /// As [`ComponentId::from_item`], taking the parsed item (no copy).
    pub(crate) fn from_owned_item(item: Item) -> Result<Self, Error> {
        let BareItem::String(name) = item.bare_item else {
            return Err(Error::MalformedComponent);
        };
        Self::from_parts(name.into(), item.params)
    }

    fn from_parts(name: String, params: Parameters) -> Result<Self, Error> {
        let derived = name.starts_with('@');
        if derived {
            if !DERIVED.contains(&name.as_str()) {
                return Err(Error::MalformedComponent);
            }
        } else if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(Error::MalformedComponent);
        }
        for (k, v) in &params {
            let ok = match (k.as_str(), v) {
                ("req", BareItem::Boolean(true)) => name != "@status",
                ("sf" | "bs" | "tr", BareItem::Boolean(true)) => !derived,
                ("key", BareItem::String(_)) => !derived,
                ("name", BareItem::String(_)) => name == "@query-param",
                _ => false,
            };
            if !ok {
                return Err(Error::MalformedComponent);
            }
        }
        let has = |p: &str| params.contains_key(p);
        if (has("bs") && (has("sf") || has("key"))) || (name == "@query-param" && !has("name")) {
            return Err(Error::MalformedComponent);
        }
        Ok(Self {
            serialized: serialize(&name, &params),
            name,
            params,
        })
    }

    /// The field name or derived `@name`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a derived component (`@...`).
    #[must_use]
    pub fn is_derived(&self) -> bool {
        self.name.starts_with('@')
    }

    /// Its parameters, in order.
    pub(crate) fn params(&self) -> &Parameters {
        &self.params
    }

    fn flag(&self, p: &str) -> bool {
        matches!(self.params.get(p), Some(BareItem::Boolean(true)))
    }

    fn string_param(&self, p: &str) -> Option<&str> {
        match self.params.get(p) {
            Some(BareItem::String(s)) => Some(s.as_str()),
            _ => None,
        }
    }

    /// `sf`: the field is re-serialized as a structured field.
    #[must_use]
    pub fn sf(&self) -> bool {
        self.flag("sf")
    }

    /// `bs`: each field line is wrapped as a byte sequence.
    #[must_use]
    pub fn bs(&self) -> bool {
        self.flag("bs")
    }

    /// `req`: the component comes from the request a response answers.
    #[must_use]
    pub fn req(&self) -> bool {
        self.flag("req")
    }

    /// `tr`: the field comes from the trailers.
    #[must_use]
    pub fn tr(&self) -> bool {
        self.flag("tr")
    }

    /// `key`: the dictionary member taken from the field.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.string_param("key")
    }

    /// `name` of an `@query-param`.
    #[must_use]
    pub fn query_name(&self) -> Option<&str> {
        self.string_param("name")
    }

    /// The sf-item form used in `Signature-Input` and the signature base.
    #[must_use]
    pub fn to_item(&self) -> Item {
        // `name` was validated as sf-string-safe on construction.
        let bare = sfv::String::from_string(self.name.clone())
            .map(BareItem::String)
            .unwrap_or(BareItem::Boolean(false));
        Item::with_params(bare, self.params.clone())
    }

    /// The same component without `req` (how the request side names it).
    #[must_use]
    pub(crate) fn without_req(&self) -> Self {
        let mut params = self.params.clone();
        params.shift_remove("req");
        Self {
            serialized: serialize(&self.name, &params),
            name: self.name.clone(),
            params,
        }
    }

    /// The serialized identifier, as in `Signature-Input` and the signature base.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.serialized
    }
}

/// The sf-item serialization of a validated name and its parameters, by reference.
fn serialize(name: &str, params: &Parameters) -> String {
    let mut out = String::with_capacity(name.len() + 2 + 6 * params.len());
    // `name` was validated (tchar or a derived name): always an sf-string.
    if let Ok(s) = sfv::StringRef::from_str(name) {
        let _ = sfv::ItemSerializer::with_buffer(&mut out)
            .bare_item(s)
            .parameters(params);
    }
    out
}

fn key(k: &'static str) -> Key {
    sfv::key_ref(k).to_owned()
}

fn string(s: &str) -> Result<BareItem, Error> {
    sfv::String::from_string(s.to_owned())
        .map(BareItem::String)
        .map_err(|_| Error::MalformedComponent)
}

impl PartialEq for ComponentId {
    /// The same component whatever the order of its parameters.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.params.len() == other.params.len()
            && self
                .params
                .iter()
                .all(|(k, v)| other.params.get(k) == Some(v))
    }
}

impl Eq for ComponentId {}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialized)
    }
}

impl core::str::FromStr for ComponentId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        assert_eq!(
            ComponentId::parse("@method").map(|c| c.to_string()),
            Ok("\"@method\"".into())
        );
        assert!(ComponentId::parse("@signature-params").is_err());
        assert!(ComponentId::parse("@nope").is_err());
        assert!(ComponentId::parse("Content-Type").is_err(), "upper case");
        assert!(ComponentId::parse("x;sf;bs").is_err());
        assert!(ComponentId::parse("@method;sf").is_err());
        assert!(ComponentId::parse("@status;req").is_err());
        assert!(ComponentId::parse("@query-param").is_err());
        assert!(ComponentId::parse("x;name=\"a\"").is_err());
        assert!(ComponentId::parse("x;unknown").is_err());
        assert!(ComponentId::parse("x;sf=?0").is_err());
        let a = ComponentId::parse("x;sf;req").unwrap_or_else(|_| unreachable!());
        let b = ComponentId::parse("x;req;sf").unwrap_or_else(|_| unreachable!());
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "\"x\";sf;req");
        assert_eq!(b.without_req().to_string(), "\"x\";sf");
    }
}
