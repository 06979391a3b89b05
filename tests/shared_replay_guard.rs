//! One replay guard serving two schemes through the facade: Ninchat master signatures and
//! RFC 9421 (`keyauth::httpsig`) nonces share a `ReplayGuard` (memory, and Redis when there is one), each
//! value is accepted exactly once, neither scheme's entries shadow the other's, and both report
//! a replay as the same common `ErrorKind`.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use keyauth::core::{
    Clock, ErrorKind, MemoryReplayGuard, RedisOptions, RedisReplayGuard, ReplayGuard, SystemClock,
};
use keyauth::httpsig::{SigningKey, StaticKeys};
use keyauth::ninchat::{Call, MasterKey, Verifier, sign_create_session};

const SECRET: &str = "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=";

async fn exercise(guard: Arc<dyn ReplayGuard>) {
    let now = SystemClock.now();

    // Ninchat: sign, then verify twice through the shared guard.
    let key = MasterKey::new("22nlihvg", SECRET).unwrap();
    let sig = sign_create_session(&key, now.as_secs() + 600, &[]).unwrap();
    let verifier = Verifier::new([key]).replay_guard(guard.clone());
    let call = Call::create_session();
    assert!(verifier.verify(&sig, &call).await.is_ok());
    let replay = verifier.verify(&sig, &call).await.unwrap_err();
    assert_eq!(replay.kind(), ErrorKind::Replayed);

    // RFC 9421 hmac-sha256 through the very same guard.
    let key = SigningKey::hmac_sha256(b"s3cr3tk3y");
    let rfc =
        keyauth::httpsig::Verifier::builder(StaticKeys::new().with("svc", key.verifying_key()))
            .replay_guard(guard.clone())
            .build();
    let mut req = http::Request::post("https://api.example/orders?id=7")
        .body(b"{}".to_vec())
        .unwrap();
    keyauth::httpsig::Signer::new(key)
        .keyid("svc")
        .sign_request(&mut req)
        .unwrap();
    let (parts, body) = req.into_parts();
    assert!(
        rfc.verify_request(&parts, &body).await.is_ok(),
        "the Ninchat entry must not shadow this nonce"
    );
    assert_eq!(
        rfc.verify_request(&parts, &body).await.unwrap_err().kind(),
        ErrorKind::Replayed
    );

    // A second Ninchat signature is still fresh: the HMAC entry did not shadow it either.
    let key = MasterKey::new("22nlihvg", SECRET).unwrap();
    let sig2 = sign_create_session(&key, now.as_secs() + 600, &[]).unwrap();
    assert_ne!(sig, sig2);
    assert!(verifier.verify(&sig2, &call).await.is_ok());
}

#[tokio::test]
async fn memory_guard_serves_both_schemes() {
    exercise(Arc::new(MemoryReplayGuard::new(1_000))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_guard_serves_both_schemes() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let guard = RedisReplayGuard::new(&RedisOptions::new(url).prefix("test:facade:")).unwrap();
    exercise(Arc::new(guard)).await;
}
