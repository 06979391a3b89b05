//! A serde `Serializer` that builds a [`Json`] directly: the value's own order of map entries
//! and struct fields is kept, non-finite floats are refused (serde_json would write `null`),
//! and map keys are converted to strings as Python's `json.dumps` converts dict keys.

use core::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::python::python_float_text;
use super::{Json, ObjectBuilder};

/// Why a value is not JSON.
#[derive(Debug)]
pub(crate) struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn err(msg: &str) -> SerError {
    SerError(msg.to_owned())
}

const SERDE_JSON_NUMBER: &str = "$serde_json::private::Number";

pub(crate) struct ToJson;

fn float(f: f64) -> Result<Json, SerError> {
    if f.is_finite() {
        Ok(Json::Float(f))
    } else {
        Err(err("non-finite float"))
    }
}

impl ser::Serializer for ToJson {
    type Ok = Json;
    type Error = SerError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = VariantBuilder<StructBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Json, SerError> {
        Ok(Json::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Json, SerError> {
        Ok(Json::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Json, SerError> {
        Ok(Json::Int(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Json, SerError> {
        i128::try_from(v)
            .map(Json::Int)
            .map_err(|_| err("integer out of range"))
    }
    fn serialize_f32(self, v: f32) -> Result<Json, SerError> {
        float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Json, SerError> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Json, SerError> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json, SerError> {
        Ok(Json::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, SerError> {
        Ok(Json::Array(
            v.iter().map(|b| Json::Int((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Json, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Json, SerError> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Json, SerError> {
        Ok(Json::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Json, SerError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            variant.to_owned(),
            v.serialize(ToJson)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, SerError> {
        Ok(VariantBuilder(variant, self.serialize_seq(Some(len))?))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapBuilder, SerError> {
        Ok(MapBuilder(ObjectBuilder::default(), None))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<StructBuilder, SerError> {
        Ok(StructBuilder {
            number: name == SERDE_JSON_NUMBER,
            object: ObjectBuilder::default(),
            value: None,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<StructBuilder>, SerError> {
        Ok(VariantBuilder(variant, self.serialize_struct(name, len)?))
    }
}

pub(crate) struct SeqBuilder(Vec<Json>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Json;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(v.serialize(ToJson)?);
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Array(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Json;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Json, SerError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Json, SerError> {
        ser::SerializeSeq::end(self)
    }
}

/// `{"Variant": inner}`, as serde_json writes enum variants with data.
pub(crate) struct VariantBuilder<B>(&'static str, B);

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.1, v)
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            self.0.to_owned(),
            ser::SerializeSeq::end(self.1)?,
        )]))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<StructBuilder> {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, v)
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(Json::Object(vec![(
            self.0.to_owned(),
            ser::SerializeStruct::end(self.1)?,
        )]))
    }
}

pub(crate) struct MapBuilder(ObjectBuilder, Option<String>);

impl ser::SerializeMap for MapBuilder {
    type Ok = Json;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.1 = Some(key.serialize(KeyText)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let key = self.1.take().ok_or_else(|| err("value without a key"))?;
        self.0.insert(key, v.serialize(ToJson)?);
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        Ok(self.0.finish())
    }
}

pub(crate) struct StructBuilder {
    /// serde_json's `arbitrary_precision` numbers arrive as this private struct.
    number: bool,
    object: ObjectBuilder,
    value: Option<Json>,
}

impl ser::SerializeStruct for StructBuilder {
    type Ok = Json;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        let v = v.serialize(ToJson)?;
        if self.number {
            let Json::String(text) = &v else {
                return Err(err("bad number"));
            };
            self.value = Some(match text.parse::<i128>() {
                Ok(i) => Json::Int(i),
                Err(_) => float(text.parse::<f64>().map_err(|_| err("bad number"))?)?,
            });
        } else {
            self.object.insert(key.to_owned(), v);
        }
        Ok(())
    }
    fn end(self) -> Result<Json, SerError> {
        match self.value {
            Some(v) => Ok(v),
            None if self.number => Err(err("bad number")),
            None => Ok(self.object.finish()),
        }
    }
}

/// Map keys as Python's `json.dumps` converts dict keys: strings as they are, numbers as
/// their text, `true`/`false`/`null`.
struct KeyText;

fn key_err() -> SerError {
    err("map key is not a string, number, boolean or null")
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = SerError;
    type SerializeSeq = Impossible<String, SerError>;
    type SerializeTuple = Impossible<String, SerError>;
    type SerializeTupleStruct = Impossible<String, SerError>;
    type SerializeTupleVariant = Impossible<String, SerError>;
    type SerializeMap = Impossible<String, SerError>;
    type SerializeStruct = Impossible<String, SerError>;
    type SerializeStructVariant = Impossible<String, SerError>;

    fn serialize_bool(self, v: bool) -> Result<String, SerError> {
        Ok(if v { "true" } else { "false" }.to_owned())
    }
    fn serialize_i8(self, v: i8) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String, SerError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<String, SerError> {
        python_float_text(v).ok_or_else(|| err("non-finite float key"))
    }
    fn serialize_char(self, v: char) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, SerError> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, SerError> {
        Err(key_err())
    }
    fn serialize_none(self) -> Result<String, SerError> {
        Ok("null".to_owned())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<String, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, SerError> {
        Ok("null".to_owned())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, SerError> {
        Ok("null".to_owned())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, SerError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, SerError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, SerError> {
        Err(key_err())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(key_err())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(key_err())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(key_err())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(key_err())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(key_err())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, SerError> {
        Err(key_err())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(key_err())
    }
}
