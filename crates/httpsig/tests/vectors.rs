//! Every case of `vectors/rfc9421.json` (RFC 9421 Appendix B and keyauth's negative cases)
//! through the shared harness, which also checks that no case passes an altered expectation.

use keyauth_httpsig::conformance::{Conformance, VECTORS};

#[test]
fn rfc9421_vectors_pass() {
    keyauth_vectors::assert_vectors(&Conformance, VECTORS);
}
