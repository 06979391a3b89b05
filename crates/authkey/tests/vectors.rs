//! Every vector file of this crate through the shared harness: once with the memory manager,
//! once with the Redis manager when a Redis is configured (`KEYAUTH_REDIS_URL`).

use authkey::conformance::{Conformance, VECTORS};
use keyauth_vectors::{Embedded, Scheme, VectorFile};

/// The files of scheme `authkey` among `VECTORS` (the handshake file has its own runner,
/// `tests/handshake_vectors.rs`).
fn authkey_files() -> Vec<Embedded> {
    VECTORS
        .iter()
        .copied()
        .filter(|(_, text)| {
            serde_json::from_str::<VectorFile>(text)
                .is_ok_and(|f| f.scheme == Conformance::default().name())
        })
        .collect()
}

#[test]
fn vectors_pass_on_the_memory_manager() {
    keyauth_vectors::assert_vectors(&Conformance::default(), &authkey_files());
}

#[cfg(feature = "redis")]
#[test]
fn vectors_pass_on_the_redis_manager() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return; // redis_url() has printed why it skips (and fails under CI).
    };
    let runner = Conformance::on_redis(keyauth_core::RedisOptions::new(url));
    keyauth_vectors::assert_vectors(&runner, &authkey_files());
}
