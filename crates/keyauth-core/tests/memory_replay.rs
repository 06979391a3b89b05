//! MemoryReplayGuard under many concurrent tasks.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use keyauth_core::{MemoryReplayGuard, ReplayError, ReplayGuard, UnixTime};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_tasks_each_id_fresh_exactly_once() {
    let guard = Arc::new(MemoryReplayGuard::new(100_000));
    let fresh = Arc::new(AtomicUsize::new(0));
    let replayed = Arc::new(AtomicUsize::new(0));
    let until = UnixTime::new(u64::MAX);
    let mut tasks = Vec::new();
    // 1,000 tasks over 100 ids: each id is tried by 10 tasks at once.
    for t in 0..1_000u32 {
        let (guard, fresh, replayed) = (guard.clone(), fresh.clone(), replayed.clone());
        tasks.push(tokio::spawn(async move {
            let id = (t % 100).to_be_bytes();
            match guard.check_and_mark(&id, until).await {
                Ok(()) => fresh.fetch_add(1, Ordering::SeqCst),
                Err(ReplayError::Replayed) => replayed.fetch_add(1, Ordering::SeqCst),
                Err(e) => panic!("{e}"),
            };
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(fresh.load(Ordering::SeqCst), 100);
    assert_eq!(replayed.load(Ordering::SeqCst), 900);
    assert_eq!(guard.len(), 100);
}
