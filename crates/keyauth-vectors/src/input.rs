//! Typed access to a case's `input` object, with errors that name the field.

use serde_json::Value;

use crate::CaseError;

/// A view of a JSON object that returns [`CaseError::BadInput`] for missing or mistyped fields.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a>(pub &'a Value);

fn bad(field: &str, want: &str) -> CaseError {
    CaseError::BadInput(format!("field {field:?} missing or not {want}"))
}

impl<'a> Input<'a> {
    /// The raw value of `field`, if present and not null.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// A nested object.
    ///
    /// # Errors
    /// When the field is absent or not an object.
    pub fn obj(&self, field: &str) -> Result<Input<'a>, CaseError> {
        self.get(field)
            .filter(|v| v.is_object())
            .map(Input)
            .ok_or_else(|| bad(field, "an object"))
    }

    /// A string field.
    ///
    /// # Errors
    /// When the field is absent or not a string.
    pub fn str(&self, field: &str) -> Result<&'a str, CaseError> {
        self.opt_str(field)?.ok_or_else(|| bad(field, "a string"))
    }

    /// An optional string field.
    ///
    /// # Errors
    /// When the field is present but not a string.
    pub fn opt_str(&self, field: &str) -> Result<Option<&'a str>, CaseError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| bad(field, "a string")),
        }
    }

    /// An unsigned integer field (a JSON number or a decimal string).
    ///
    /// # Errors
    /// When the field is absent or not an unsigned integer.
    pub fn u64(&self, field: &str) -> Result<u64, CaseError> {
        self.opt_u64(field)?.ok_or_else(|| bad(field, "an integer"))
    }

    /// An optional unsigned integer field.
    ///
    /// # Errors
    /// When the field is present but not an unsigned integer.
    pub fn opt_u64(&self, field: &str) -> Result<Option<u64>, CaseError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(field, "a u64")),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|_| bad(field, "a u64")),
            Some(_) => Err(bad(field, "an integer")),
        }
    }

    /// A boolean field.
    ///
    /// # Errors
    /// When the field is absent or not a boolean.
    pub fn bool(&self, field: &str) -> Result<bool, CaseError> {
        self.get(field)
            .and_then(Value::as_bool)
            .ok_or_else(|| bad(field, "a boolean"))
    }

    /// An array field.
    ///
    /// # Errors
    /// When the field is absent or not an array.
    pub fn array(&self, field: &str) -> Result<&'a [Value], CaseError> {
        self.get(field)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .ok_or_else(|| bad(field, "an array"))
    }

    /// A hex field decoded to bytes (the vectors' own encoding, so bad hex is a bad vector).
    ///
    /// # Errors
    /// When the field is absent or not hex.
    pub fn hex(&self, field: &str) -> Result<Vec<u8>, CaseError> {
        hex::decode(self.str(field)?).map_err(|_| bad(field, "hex"))
    }

    /// An optional hex field decoded to bytes.
    ///
    /// # Errors
    /// When the field is present but not hex.
    pub fn opt_hex(&self, field: &str) -> Result<Option<Vec<u8>>, CaseError> {
        self.opt_str(field)?
            .map(|s| hex::decode(s).map_err(|_| bad(field, "hex")))
            .transpose()
    }
}
