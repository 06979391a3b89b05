//! Every vector file of this crate (the Python-generated one and our extra one) through the
//! shared harness.

use ninchat_master::conformance::{Conformance, VECTORS};

#[test]
fn vectors_pass() {
    keyauth_vectors::assert_vectors(&Conformance, VECTORS);
}
