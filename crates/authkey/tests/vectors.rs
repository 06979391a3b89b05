//! Every vector file of this crate through the shared harness: once with the memory manager,
//! once with the Redis manager when a Redis is configured (`KEYAUTH_REDIS_URL`).

use authkey::conformance::{Conformance, VECTORS};

#[test]
fn vectors_pass_on_the_memory_manager() {
    keyauth_vectors::assert_vectors(&Conformance::default(), VECTORS);
}

#[cfg(feature = "redis")]
#[test]
fn vectors_pass_on_the_redis_manager() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return; // redis_url() has printed why it skips (and fails under CI).
    };
    let runner = Conformance::on_redis(keyauth_core::RedisOptions::new(url));
    keyauth_vectors::assert_vectors(&runner, VECTORS);
}
