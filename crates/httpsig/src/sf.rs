//! Structured Field Values (RFC 8941/9651) through the `sfv` crate: the few shapes RFC 9421
//! and RFC 9530 use, with duplicate keys refused instead of silently collapsed.

use http::HeaderMap;
use sfv::visitor::{DictionaryVisitor, EntryVisitor};
use sfv::{Dictionary, FieldType as _, InnerList, Item, KeyRef, List, ListEntry, Parser};

/// The structured type of a field, for components covered with `sf` (RFC 9421 §2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SfType {
    /// An sf-item.
    Item,
    /// An sf-list.
    List,
    /// An sf-dictionary.
    Dictionary,
}

/// The types this crate knows without being told: the fields of RFC 9421, RFC 9530 and a few
/// registered structured fields, plus the RFC's `example-dict`.
#[must_use]
pub fn known_type(name: &str) -> Option<SfType> {
    match name {
        "signature-input"
        | "signature"
        | "accept-signature"
        | "content-digest"
        | "repr-digest"
        | "want-content-digest"
        | "want-repr-digest"
        | "priority"
        | "cdn-cache-control"
        | "example-dict" => Some(SfType::Dictionary),
        "cache-status" | "proxy-status" | "accept-ch" | "example-list" => Some(SfType::List),
        "example-item" => Some(SfType::Item),
        _ => None,
    }
}

#[derive(Debug)]
struct Duplicate;

impl core::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("duplicate dictionary key")
    }
}

impl std::error::Error for Duplicate {}

/// Counts keys and fails on the second occurrence of one.
/// Builds the dictionary in the one parse, refusing a key seen before (sfv's own
/// `Dictionary` visitor would silently keep the last value).
struct Collect(Dictionary);

impl<'de> DictionaryVisitor<'de> for Collect {
    type Out = Dictionary;
    type Error = Duplicate;

    fn entry(&mut self, key: &'de KeyRef) -> Result<impl EntryVisitor<'de>, Self::Error> {
        if self.0.contains_key(key.as_str()) {
            return Err(Duplicate);
        }
        <Dictionary as DictionaryVisitor<'de>>::entry(&mut self.0, key).map_err(|n| match n {})
    }

    fn finish(self) -> Result<Dictionary, Duplicate> {
        Ok(self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DictError {
    /// Not a dictionary.
    Malformed,
    /// A key appears twice.
    Duplicate,
}

/// The values of every line of field `name`, trimmed, joined by `", "` (RFC 9110 §5.3),
/// byte for byte; `None` when the field is absent.
#[must_use]
pub fn combined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for v in headers.get_all(name) {
        let value = trim(v.as_bytes());
        match out.as_mut() {
            None => out = Some(value.to_vec()),
            Some(s) => {
                s.extend_from_slice(b", ");
                s.extend_from_slice(value);
            }
        }
    }
    out
}

/// Strips leading and trailing SP and HTAB (RFC 9421 §2.1).
/// As [`combined`], borrowing the value when the field has one line (the usual case: no
/// allocation on the verifier's hot path).
pub(crate) fn combined_cow<'h>(
    headers: &'h HeaderMap,
    name: &str,
) -> Option<std::borrow::Cow<'h, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_none() {
        return Some(std::borrow::Cow::Borrowed(trim(first.as_bytes())));
    }
    combined(headers, name).map(std::borrow::Cow::Owned)
}

pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Parses a dictionary, refusing duplicate keys.
pub(crate) fn dictionary(text: &str) -> Result<Dictionary, DictError> {
    // One pass: sfv's errors carry no type, so a duplicate is told apart by its message.
    Parser::new(text)
        .parse_dictionary_with_visitor(Collect(Dictionary::new()))
        .map_err(|e| {
            if e.to_string().contains("duplicate dictionary key") {
                DictError::Duplicate
            } else {
                DictError::Malformed
            }
        })
}

/// Parses `text` as `ty` and serializes it again (RFC 9421 §2.1.1 strict serialization).
/// `None`: it does not parse (or is an empty list/dictionary, which has no serialization).
#[must_use]
pub fn reserialize(text: &str, ty: SfType) -> Option<String> {
    match ty {
        SfType::Item => Parser::new(text)
            .parse::<Item>()
            .ok()
            .map(|i| i.serialize()),
        SfType::List => Parser::new(text).parse::<List>().ok()?.serialize(),
        SfType::Dictionary => Parser::new(text).parse::<Dictionary>().ok()?.serialize(),
    }
}

/// The serialization of one list entry (an item with its parameters, or an inner list).
pub(crate) fn serialize_entry(entry: &ListEntry) -> String {
    match entry {
        ListEntry::Item(item) => item.serialize(),
        ListEntry::InnerList(inner) => serialize_inner_list(inner),
    }
}

/// The `@signature-params` value: the covered components as an inner list, then the
/// parameters, `("@method" "content-type");created=1`, written by reference.
pub(crate) fn serialize_signature_params(
    covered: &[crate::ComponentId],
    params: &sfv::Parameters,
) -> String {
    let mut out = String::with_capacity(
        covered.iter().map(|c| c.as_str().len() + 1).sum::<usize>() + 16 * params.len() + 2,
    );
    let mut ser = sfv::ListSerializer::with_buffer(&mut out);
    let mut items = ser.inner_list();
    for c in covered {
        if let Ok(name) = sfv::StringRef::from_str(c.name()) {
            let _ = items.bare_item(name).parameters(c.params());
        }
    }
    let _ = items.finish().parameters(params);
    out
}

/// The serialization of an inner list with its parameters: `("a" "b");p=1`.
pub(crate) fn serialize_inner_list(inner: &InnerList) -> String {
    // A one-member list serializes as that member; by reference, without a copy.
    let mut out = String::with_capacity(128);
    let mut ser = sfv::ListSerializer::with_buffer(&mut out);
    let mut items = ser.inner_list();
    items.items(&inner.items);
    let _ = items.finish().parameters(&inner.params);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused() {
        assert_eq!(
            dictionary("a=1, b=2, a=3").map(|_| ()),
            Err(DictError::Duplicate)
        );
        assert!(dictionary("a=1, b=2").is_ok());
        assert_eq!(dictionary("a=(").map(|_| ()), Err(DictError::Malformed));
    }

    #[test]
    fn combines_lines() {
        let mut h = HeaderMap::new();
        h.append(
            "accept",
            " application/json "
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        h.append("accept", "*/*".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(
            combined(&h, "accept").as_deref(),
            Some(&b"application/json, */*"[..])
        );
        assert_eq!(combined(&h, "x"), None);
    }

    #[test]
    fn reserializes_rfc_example() {
        assert_eq!(
            reserialize("a=1,    b=2;x=1;y=2,   c=(a   b   c)", SfType::Dictionary).as_deref(),
            Some("a=1, b=2;x=1;y=2, c=(a b c)")
        );
        assert_eq!(serialize_inner_list(&InnerList::default()), "()");
    }
}
