//! Every vector file of this crate through the shared harness: the upstream Flask-HMAC file
//! (`hmac-auth`, including `http` cases over real TCP) and our service-token file.

use hmac_auth::conformance::{Conformance, VECTORS};
use keyauth_vectors::{Embedded, Scheme, VectorFile};

/// The files of `scheme` among `VECTORS`.
fn files_of(scheme: &dyn Scheme) -> Vec<Embedded> {
    VECTORS
        .iter()
        .copied()
        .filter(|(_, text)| {
            serde_json::from_str::<VectorFile>(text).is_ok_and(|f| f.scheme == scheme.name())
        })
        .collect()
}

#[test]
fn compatible_mode_vectors_pass() {
    keyauth_vectors::assert_vectors(&Conformance, &files_of(&Conformance));
}
