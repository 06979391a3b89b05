//! Every vector file of this crate through the shared harness.

use psono_client::conformance::{Conformance, VECTORS};

#[test]
fn vectors_pass() {
    keyauth_vectors::assert_vectors(&Conformance, VECTORS);
}
