//! A serde `Serializer` that writes Python's `json.dumps(v, separators=(",", ":"))` text
//! straight from any `Serialize` value, with no [`super::Json`] tree in between.
//!
//! It writes exactly what `Json::from_serialize` followed by `write_python` writes (the
//! differential test in `tests` holds the two paths together), with one exception it reports
//! instead of handling: an object with a repeated key (a Python dict keeps the first position
//! and the last value, which a single forward pass cannot do). Then it fails with
//! [`Outcome::Duplicate`] and the caller takes the tree path, which is rare: maps and structs
//! from serde never repeat a key unless they are built to.

use core::fmt::Write as _;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::python::{write_python_float, write_python_str};

/// Why the direct writer stopped.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The value is not JSON (the tree path refuses it too).
    Invalid(String),
    /// An object repeats a key: write through the tree instead.
    Duplicate,
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Invalid(m) => f.write_str(m),
            Self::Duplicate => f.write_str("repeated object key"),
        }
    }
}

impl std::error::Error for Outcome {}

impl ser::Error for Outcome {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        Self::Invalid(msg.to_string())
    }
}

fn invalid(msg: &str) -> Outcome {
    Outcome::Invalid(msg.to_owned())
}

const SERDE_JSON_NUMBER: &str = "$serde_json::private::Number";

/// Appends the Python text of `value` to `out`. On any error `out` may hold a partial text.
pub(crate) fn write_serialize<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
) -> Result<(), Outcome> {
    let mut w = Writer {
        out,
        keys: Vec::new(),
    };
    value.serialize(&mut w)
}

/// The output and, for each object being written, the byte ranges of its (escaped) keys.
pub(crate) struct Writer<'o> {
    out: &'o mut String,
    /// `(start, end)` of each key text of the open objects; an object's keys start at the
    /// index its `Compound` remembers.
    keys: Vec<(usize, usize)>,
}

impl Writer<'_> {
    fn float(&mut self, f: f64) -> Result<(), Outcome> {
        write_python_float(self.out, f).map_err(|_| invalid("non-finite float"))
    }

    fn int(&mut self, v: impl core::fmt::Display) {
        let _ = write!(self.out, "{v}");
    }

    /// Checks the keys of the object that started at `base` for a repeat, then forgets them.
    fn close_object(&mut self, base: usize) -> Result<(), Outcome> {
        let keys = self.keys.get(base..).unwrap_or_default();
        let text = self.out.as_bytes();
        let key = |&(s, e): &(usize, usize)| text.get(s..e).unwrap_or_default();
        let repeated = super::has_repeated_key(keys.iter().map(key));
        self.keys.truncate(base);
        if repeated {
            Err(Outcome::Duplicate)
        } else {
            Ok(())
        }
    }
}

impl<'w, 'o> ser::Serializer for &'w mut Writer<'o> {
    type Ok = ();
    type Error = Outcome;
    type SerializeSeq = Compound<'w, 'o>;
    type SerializeTuple = Compound<'w, 'o>;
    type SerializeTupleStruct = Compound<'w, 'o>;
    type SerializeTupleVariant = Compound<'w, 'o>;
    type SerializeMap = Compound<'w, 'o>;
    type SerializeStruct = Compound<'w, 'o>;
    type SerializeStructVariant = Compound<'w, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Outcome> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Outcome> {
        self.int(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Outcome> {
        // The tree holds integers as i128: larger ones are refused there, so here too.
        let v = i128::try_from(v).map_err(|_| invalid("integer out of range"))?;
        self.int(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Outcome> {
        self.float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Outcome> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Outcome> {
        write_python_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Outcome> {
        write_python_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Outcome> {
        self.out.push('[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.int(b);
        }
        self.out.push(']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Outcome> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Outcome> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Outcome> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Outcome> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Outcome> {
        write_python_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Outcome> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Outcome> {
        self.out.push('{');
        write_python_str(self.out, variant);
        self.out.push(':');
        v.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'o>, Outcome> {
        self.out.push('[');
        Ok(Compound::new(self, Kind::Array))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'o>, Outcome> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'o>, Outcome> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'o>, Outcome> {
        self.out.push('{');
        write_python_str(self.out, variant);
        self.out.push_str(":[");
        Ok(Compound::new(self, Kind::VariantArray))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'o>, Outcome> {
        self.out.push('{');
        Ok(Compound::new(self, Kind::Object))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'w, 'o>, Outcome> {
        if name == SERDE_JSON_NUMBER {
            return Ok(Compound::new(self, Kind::Number { written: false }));
        }
        self.out.push('{');
        Ok(Compound::new(self, Kind::Object))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'o>, Outcome> {
        self.out.push('{');
        write_python_str(self.out, variant);
        self.out.push_str(":{");
        Ok(Compound::new(self, Kind::VariantObject))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Array,
    /// `{"Variant":[...]}`.
    VariantArray,
    Object,
    /// `{"Variant":{...}}`.
    VariantObject,
    /// serde_json's `arbitrary_precision` number: one field holding the number's text.
    Number {
        written: bool,
    },
}

/// An array or object being written.
pub(crate) struct Compound<'w, 'o> {
    w: &'w mut Writer<'o>,
    kind: Kind,
    first: bool,
    /// Where this object's keys start in `w.keys`.
    base: usize,
}

impl<'w, 'o> Compound<'w, 'o> {
    fn new(w: &'w mut Writer<'o>, kind: Kind) -> Self {
        let base = w.keys.len();
        Self {
            w,
            kind,
            first: true,
            base,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.w.out.push(',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        self.comma();
        v.serialize(&mut *self.w)
    }

    /// Writes a key (converted as Python converts dict keys) and remembers its range.
    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Outcome> {
        self.comma();
        let start = self.w.out.len();
        key.serialize(KeyWriter(&mut *self.w.out))?;
        let end = self.w.out.len();
        self.w.keys.push((start, end));
        self.w.out.push(':');
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Outcome> {
        if let Kind::Number { written } = &mut self.kind {
            if *written {
                return Err(invalid("bad number"));
            }
            *written = true;
            let mut text = String::new();
            v.serialize(KeyWriter(&mut text))?;
            // KeyWriter quoted it; the number's text is inside the quotes.
            let text = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(|| invalid("bad number"))?;
            return match text.parse::<i128>() {
                Ok(i) => {
                    self.w.int(i);
                    Ok(())
                }
                Err(_) => self
                    .w
                    .float(text.parse::<f64>().map_err(|_| invalid("bad number"))?),
            };
        }
        self.key(key)?;
        v.serialize(&mut *self.w)
    }

    fn finish(self) -> Result<(), Outcome> {
        match self.kind {
            Kind::Array => self.w.out.push(']'),
            Kind::VariantArray => self.w.out.push_str("]}"),
            Kind::Object => {
                self.w.close_object(self.base)?;
                self.w.out.push('}');
            }
            Kind::VariantObject => {
                self.w.close_object(self.base)?;
                self.w.out.push_str("}}");
            }
            Kind::Number { written } => {
                if !written {
                    return Err(invalid("bad number"));
                }
            }
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        self.element(v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        self.element(v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        self.element(v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        self.element(v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Outcome> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Outcome> {
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Outcome> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Outcome;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Outcome> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), Outcome> {
        self.finish()
    }
}

/// Writes a map key as a quoted Python string: strings as they are, numbers as their text,
/// `true`/`false`/`null` (Python's dict-key conversion, as `from_serde::KeyText` does).
struct KeyWriter<'a>(&'a mut String);

fn key_err() -> Outcome {
    invalid("map key is not a string, number, boolean or null")
}

impl KeyWriter<'_> {
    fn quoted(self, v: impl core::fmt::Display) -> Result<(), Outcome> {
        // Digits, signs, `true`, `null`: nothing to escape.
        let _ = write!(self.0, "\"{v}\"");
        Ok(())
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Outcome;
    type SerializeSeq = Impossible<(), Outcome>;
    type SerializeTuple = Impossible<(), Outcome>;
    type SerializeTupleStruct = Impossible<(), Outcome>;
    type SerializeTupleVariant = Impossible<(), Outcome>;
    type SerializeMap = Impossible<(), Outcome>;
    type SerializeStruct = Impossible<(), Outcome>;
    type SerializeStructVariant = Impossible<(), Outcome>;

    fn serialize_bool(self, v: bool) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Outcome> {
        self.quoted(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Outcome> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Outcome> {
        self.0.push('"');
        write_python_float(self.0, v).map_err(|_| invalid("non-finite float key"))?;
        self.0.push('"');
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Outcome> {
        write_python_str(self.0, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Outcome> {
        write_python_str(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Outcome> {
        Err(key_err())
    }
    fn serialize_none(self) -> Result<(), Outcome> {
        self.quoted("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Outcome> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Outcome> {
        self.quoted("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Outcome> {
        self.quoted("null")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Outcome> {
        write_python_str(self.0, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Outcome> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Outcome> {
        Err(key_err())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Outcome> {
        Err(key_err())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Outcome> {
        Err(key_err())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Outcome> {
        Err(key_err())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Outcome> {
        Err(key_err())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Outcome> {
        Err(key_err())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Outcome> {
        Err(key_err())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Outcome> {
        Err(key_err())
    }
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
