//! The conformance runner of `vectors/authkey-handshake.json` (feature `conformance`).
//!
//! It has the shape of `keyauth_vectors::Scheme` (`name()`, `run(case) -> Result<Value,
//! CaseError>`) so the harness can wrap it in one line; until the harness is scheme-agnostic
//! (it depends on this crate today) the types are mirrored here. The runner derives nothing
//! from case names: every op reads only its `input` (and, for transcripts, the recorded
//! messages the other side sent, see [`handshake`]).

use serde_json::Value;

pub mod handshake;
mod replay;

/// The vendored vector files of this crate.
pub const VECTORS: &[(&str, &str)] = &[(
    "authkey-handshake.json",
    include_str!("../../vectors/authkey-handshake.json"),
)];

/// Why a case did not produce an output (mirrors `keyauth_vectors::CaseError`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseError {
    /// The implementation refused with this code ([`crate::HandshakeError::code`]).
    Kind(String),
    /// No runner handles this op.
    Unsupported(String),
    /// The case's input is not what the op needs.
    BadInput(String),
}

impl CaseError {
    /// An error of kind `kind`.
    pub fn kind(kind: impl Into<String>) -> Self {
        Self::Kind(kind.into())
    }
}

impl core::fmt::Display for CaseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Kind(k) => write!(f, "{{\"error\": {k:?}}}"),
            Self::Unsupported(op) => write!(f, "unsupported op {op:?}"),
            Self::BadInput(why) => write!(f, "bad vector input: {why}"),
        }
    }
}

impl From<crate::HandshakeError> for CaseError {
    fn from(e: crate::HandshakeError) -> Self {
        Self::Kind(e.code().to_owned())
    }
}

/// What a runner returns for a case.
pub type CaseResult = Result<Value, CaseError>;

/// Checks `got` against `expect` the way the harness does: `{"error": k}` must be that
/// error; otherwise every field of `expect` must equal the same field of the output.
///
/// # Errors
/// A description of the first mismatch.
pub fn judge(expect: &Value, got: &CaseResult) -> Result<(), String> {
    if let Some(kind) = expect.get("error") {
        return match got {
            Err(CaseError::Kind(k)) if Value::String(k.clone()) == *kind => Ok(()),
            Err(e) => Err(format!("expected {{\"error\": {kind}}}, got {e}")),
            Ok(v) => Err(format!("expected {{\"error\": {kind}}}, got {v}")),
        };
    }
    let Some(fields) = expect.as_object() else {
        return Err("expect is not an object".into());
    };
    let out = match got {
        Ok(Value::Object(out)) => out,
        Ok(v) => return Err(format!("non-object output {v}")),
        Err(e) => return Err(format!("expected {expect}, got {e}")),
    };
    for (k, want) in fields {
        match out.get(k) {
            Some(have) if have == want => {}
            Some(have) => return Err(format!("field {k:?}: expected {want}, got {have}")),
            None => return Err(format!("field {k:?}: expected {want}, got nothing")),
        }
    }
    Ok(())
}

/// Runs every case of a vector file's text; returns `(name, failure)` for each failing case
/// and the number of cases.
///
/// # Errors
/// When the text is not a vector file of this scheme.
pub fn run_file_text(text: &str) -> Result<(usize, Vec<(String, String)>), String> {
    let file: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let runner = handshake::Handshake;
    if file.get("scheme").and_then(Value::as_str) != Some(runner.name()) {
        return Err("not an authkey-handshake vector file".into());
    }
    let cases = file
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("no cases")?;
    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
        let op = case.get("op").and_then(Value::as_str).unwrap_or("");
        let input = case.get("input").unwrap_or(&Value::Null);
        let expect = case.get("expect").unwrap_or(&Value::Null);
        let got = runner.run(op, input, expect);
        if let Err(why) = judge(expect, &got) {
            failures.push((name, why));
        }
    }
    Ok((cases.len(), failures))
}
