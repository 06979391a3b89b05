//! Every case of `vectors/rfc9421.json` (RFC 9421 Appendix B and keyauth's negative cases)
//! through the conformance runner.
#![allow(clippy::unwrap_used)]

use keyauth_httpsig::conformance::{Conformance, VECTORS};
use keyauth_vectors::{Scheme, VectorFile, judge};

#[test]
fn rfc9421_vectors() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (file, text) in VECTORS {
        let parsed: VectorFile = serde_json::from_str(text).unwrap();
        assert_eq!(parsed.scheme, Conformance.name());
        for case in &parsed.cases {
            ran += 1;
            if let Err(why) = judge(&case.expect, &Conformance.run(case)) {
                failures.push(format!("{file} / {} [{}]: {why}", case.name, case.op));
            }
        }
    }
    assert!(ran > 90, "ran {ran}");
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
}
