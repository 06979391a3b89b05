//! Every vector file of this crate through the shared harness.

#[test]
fn vectors_pass() {
    keyauth_vectors::assert_vectors(
        &keyauth_core::conformance::Conformance,
        keyauth_core::conformance::VECTORS,
    );
}
