//! Single use across servers: the same signature presented at two verifiers that share a
//! Redis replay guard through separate connections is accepted exactly once.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use keyauth_core::{Clock, RedisOptions, RedisReplayGuard, ReplayError, SystemClock};
use ninchat_master::{Call, Error, Format, Grant, MasterKey, Signer, Verifier};

fn verifier(url: &str, prefix: &str) -> Arc<Verifier> {
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let guard = RedisReplayGuard::new(&RedisOptions::new(url).prefix(prefix)).unwrap();
    Arc::new(Verifier::new([key]).replay_guard(Arc::new(guard)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_signature_from_two_tasks_is_accepted_once() {
    let Some(url) = keyauth_testkit::redis_url() else {
        return;
    };
    let prefix = format!(
        "test:ninchat:{}:{:?}:",
        std::process::id(),
        std::time::SystemTime::now()
    );
    // Two servers, two connections, one Redis.
    let (a, b) = (verifier(&url, &prefix), verifier(&url, &prefix));
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let expire = SystemClock.now().as_secs() + 120;
    for round in 0..30 {
        let format = if round % 2 == 0 {
            Format::Released
        } else {
            Format::UrlSafe
        };
        let sig = Signer::new(&key)
            .format(format)
            .sign(
                &Grant::JoinChannelForUser {
                    channel_id: "c1",
                    user_id: "u1",
                    member_attrs: &[],
                },
                expire,
            )
            .unwrap();
        let task = |v: Arc<Verifier>, sig: String| {
            tokio::spawn(async move {
                v.verify(&sig, &Call::join_channel("c1").user_id("u1"))
                    .await
            })
        };
        let (ra, rb) = (task(a.clone(), sig.clone()), task(b.clone(), sig.clone()));
        let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
        let accepted = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!(accepted, 1, "round {round}: {ra:?} {rb:?}");
        for r in [ra, rb] {
            if let Err(e) = r {
                assert_eq!(e, Error::Replay(ReplayError::Replayed));
            }
        }
        // A third presentation, anywhere, is refused too.
        assert_eq!(
            a.verify(&sig, &Call::join_channel("c1").user_id("u1"))
                .await,
            Err(Error::Replay(ReplayError::Replayed))
        );
    }
}

#[tokio::test]
async fn redis_down_fails_closed() {
    // Nothing listens on port 1: the guard cannot answer, so the signature is not accepted.
    let v = verifier("redis://127.0.0.1:1/", "test:ninchat:down:");
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let sig = Signer::new(&key)
        .sign(
            &Grant::CreateSession { puppet_attrs: &[] },
            SystemClock.now().as_secs() + 60,
        )
        .unwrap();
    assert!(matches!(
        v.verify(&sig, &Call::create_session()).await,
        Err(Error::Replay(ReplayError::Unavailable { .. }))
    ));
}
