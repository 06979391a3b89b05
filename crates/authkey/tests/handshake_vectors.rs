//! The vendored handshake vectors (`vectors/authkey-handshake.json`) through the shared
//! harness: every case passes (transcripts replayed from both sides, every attack refused
//! with its code), and none would pass an altered expectation.
#![cfg(feature = "conformance")]

use authkey::conformance::{HandshakeConformance, VECTORS};
use keyauth_vectors::{Embedded, Scheme, VectorFile};

#[test]
fn handshake_vectors_pass() {
    let files: Vec<Embedded> = VECTORS
        .iter()
        .copied()
        .filter(|(_, text)| {
            serde_json::from_str::<VectorFile>(text)
                .is_ok_and(|f| f.scheme == HandshakeConformance.name())
        })
        .collect();
    assert_eq!(files.len(), 1);
    keyauth_vectors::assert_vectors(&HandshakeConformance, &files);
}
