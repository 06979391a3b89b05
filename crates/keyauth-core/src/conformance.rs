//! keyauth-core's conformance runner (feature `conformance`) for `vectors/core.json`: the
//! encodings, expiry rules, constant-time comparison and the memory replay guard. Errors are
//! reported by their `code()`.

use std::sync::Arc;

use keyauth_vectors::{Case, CaseError, CaseResult, Embedded, Input, Scheme};
use serde_json::{Value, json};

use crate::encoding::{hex_decode, hex_encode};
use crate::{Base64, Expiry, FixedClock, MemoryReplayGuard, UnixTime, ct_eq};

/// The vector files this crate owns, compiled in.
pub const VECTORS: &[Embedded] = &[("core.json", include_str!("../vectors/core.json"))];

/// The runner for files of scheme `core`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conformance;

fn flavour(input: Input<'_>) -> Result<Base64, CaseError> {
    let name = input.str("flavour")?;
    Base64::from_name(name).ok_or_else(|| CaseError::BadInput(format!("unknown flavour {name:?}")))
}

impl Scheme for Conformance {
    fn name(&self) -> &'static str {
        "core"
    }

    fn run(&self, case: &Case) -> CaseResult {
        let input = Input(&case.input);
        match case.op.as_str() {
            "base64_encode" => Ok(json!({"text": flavour(input)?.encode(&input.hex("hex")?)})),
            "base64_decode" => flavour(input)?
                .decode(input.str("text")?)
                .map(|b| json!({"hex": hex_encode(&b)}))
                .map_err(|e| CaseError::kind(e.code())),
            "hex_encode" => Ok(json!({"text": hex_encode(&Base64::Standard
                .decode(input.str("base64")?)
                .map_err(|_| CaseError::BadInput("base64".into()))?)})),
            "hex_decode" => hex_decode(input.str("text")?)
                .map(|b| json!({"base64": Base64::Standard.encode(&b)}))
                .map_err(|e| CaseError::kind(e.code())),
            "expiry" => {
                let rule = match input.opt_u64("horizon")? {
                    Some(h) => Expiry::within(h),
                    None => Expiry::unbounded(),
                };
                rule.check(
                    UnixTime::new(input.u64("expire")?),
                    UnixTime::new(input.u64("now")?),
                )
                .map(|()| json!({"ok": true}))
                .map_err(|e| CaseError::kind(e.code()))
            }
            "ct_eq" => Ok(json!({"equal": ct_eq(&input.hex("a")?, &input.hex("b")?)})),
            "replay_memory" => replay_memory(input),
            other => Err(CaseError::Unsupported(other.into())),
        }
    }
}

/// Steps `{now, id, until}` on one fresh guard of `capacity`; results `fresh` / `replayed` /
/// `full`.
fn replay_memory(input: Input<'_>) -> CaseResult {
    let clock = Arc::new(FixedClock::new(UnixTime::new(0)));
    let guard = MemoryReplayGuard::with_clock(
        usize::try_from(input.u64("capacity")?).unwrap_or(usize::MAX),
        clock.clone(),
    );
    let mut results = Vec::new();
    for step in input.array("steps")? {
        let step = Input(step);
        clock.set(UnixTime::new(step.u64("now")?));
        let r = guard.check_and_mark_now(
            step.str("id")?.as_bytes(),
            UnixTime::new(step.u64("until")?),
        );
        results.push(Value::from(r.map_or_else(|e| e.code(), |()| "fresh")));
    }
    Ok(json!({"results": results}))
}
