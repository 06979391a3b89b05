//! One-time use: replay guards.
//!
//! A [`ReplayGuard`] answers one question atomically: "mark this token id as used until its
//! expiry; was it used before?". [`MemoryReplayGuard`] serves one process;
//! [`RedisReplayGuard`](redis::RedisReplayGuard) (feature `redis`) lets several servers
//! share what was seen.
//!
//! A guard fails closed: when it cannot answer (Redis down, memory full) the error is
//! [`ReplayError::Redis`] (with a typed [`RedisFailure`]), [`ReplayError::Unavailable`] or
//! [`ReplayError::Full`], never "fresh".

use core::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::clock::{Clock, SystemClock, UnixTime};

mod failure;
#[cfg(feature = "redis")]
pub mod redis;

pub use failure::RedisFailure;

/// Why a token id was not accepted as fresh.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The id was marked before and has not expired yet.
    #[error("token already used")]
    Replayed,
    /// The memory guard holds `capacity` live entries and cannot take another.
    #[error("replay guard full ({capacity} live entries)")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The backing store did not answer.
    #[error("replay guard unavailable: {reason}")]
    Unavailable {
        /// What the store said (never contains token ids or secrets).
        reason: String,
    },
    /// The Redis store refused or could not answer, for a typed reason (its own code).
    #[error("replay guard: {0}")]
    Redis(#[from] RedisFailure),
}

/// Marks token ids as used, atomically.
///
/// ```
/// use keyauth_core::{MemoryReplayGuard, ReplayError, ReplayGuard, UnixTime};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let guard = MemoryReplayGuard::new(10_000);
/// let until = UnixTime::new(u64::MAX);
/// assert_eq!(guard.check_and_mark(b"nonce-1", until).await, Ok(()));
/// assert_eq!(guard.check_and_mark(b"nonce-1", until).await, Err(ReplayError::Replayed));
/// # });
/// ```
#[async_trait]
pub trait ReplayGuard: Send + Sync + std::fmt::Debug {
    /// Marks `id` as used until `until` (inclusive).
    ///
    /// Returns `Ok(())` when `id` is fresh. An `until` already in the past is accepted without
    /// being stored: the caller checks expiry before asking.
    ///
    /// # Errors
    /// [`ReplayError::Replayed`] when `id` was marked before and is still live;
    /// [`ReplayError::Unavailable`] / [`ReplayError::Full`] / [`ReplayError::Redis`] when the
    /// guard cannot tell.
    async fn check_and_mark(&self, id: &[u8], until: UnixTime) -> Result<(), ReplayError>;
}

#[async_trait]
impl<G: ReplayGuard + ?Sized> ReplayGuard for Arc<G> {
    async fn check_and_mark(&self, id: &[u8], until: UnixTime) -> Result<(), ReplayError> {
        (**self).check_and_mark(id, until).await
    }
}

/// An in-process replay guard: bounded, expired entries evicted, safe under concurrent tasks.
///
/// Entries live until their expiry passes on the guard's clock. When `capacity` live entries
/// are held, a new id is refused with [`ReplayError::Full`] rather than forgetting a live one
/// (which would let it be replayed).
#[derive(Debug)]
pub struct MemoryReplayGuard {
    clock: Arc<dyn Clock>,
    capacity: usize,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    live: HashMap<Box<[u8]>, u64>,
    // Min-heap on expiry (via Reverse) to evict in expiry order.
    by_expiry: BinaryHeap<Reverse<(u64, Box<[u8]>)>>,
}

impl MemoryState {
    /// Evicts up to `budget` entries whose expiry is before `now`.
    fn evict(&mut self, now: u64, mut budget: usize) {
        while budget > 0 {
            match self.by_expiry.peek() {
                Some(Reverse((exp, _))) if *exp < now => {}
                _ => return,
            }
            if let Some(Reverse((exp, key))) = self.by_expiry.pop() {
                // Only remove when the map still holds this very expiry (the id may have been
                // re-marked with a newer one after it expired).
                if self.live.get(&key) == Some(&exp) {
                    self.live.remove(&key);
                }
            }
            budget -= 1;
        }
    }
}

impl MemoryReplayGuard {
    /// A guard for at most `capacity` live ids, on the system clock.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self::with_clock(capacity, Arc::new(SystemClock))
    }

    /// A guard on the given clock (a [`FixedClock`](crate::FixedClock) in tests).
    #[must_use]
    pub fn with_clock(capacity: usize, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            capacity,
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// The number of ids held (live or not yet evicted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    /// Whether no id is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // makes a replay pass (worst case: an entry is kept too long), so poison is ignored.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The synchronous core of [`ReplayGuard::check_and_mark`].
    ///
    /// # Errors
    /// As [`ReplayGuard::check_and_mark`].
    pub fn check_and_mark_now(&self, id: &[u8], until: UnixTime) -> Result<(), ReplayError> {
        let now = self.clock.now().as_secs();
        let until = until.as_secs();
        let mut state = self.lock();
        if state.live.get(id).is_some_and(|&exp| exp >= now) {
            return Err(ReplayError::Replayed);
        }
        if until < now {
            return Ok(());
        }
        if state.live.len() >= self.capacity && !state.live.contains_key(id) {
            state.evict(now, usize::MAX);
            if state.live.len() >= self.capacity {
                return Err(ReplayError::Full {
                    capacity: self.capacity,
                });
            }
        }
        let key: Box<[u8]> = id.into();
        state.live.insert(key.clone(), until);
        state.by_expiry.push(Reverse((until, key)));
        // Keep eviction incremental: a little each call instead of a long pause when full.
        state.evict(now, 2);
        Ok(())
    }
}

#[async_trait]
impl ReplayGuard for MemoryReplayGuard {
    async fn check_and_mark(&self, id: &[u8], until: UnixTime) -> Result<(), ReplayError> {
        self.check_and_mark_now(id, until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;

    fn guard(capacity: usize) -> (Arc<FixedClock>, MemoryReplayGuard) {
        let clock = Arc::new(FixedClock::new(UnixTime::new(1_000)));
        let g = MemoryReplayGuard::with_clock(capacity, clock.clone());
        (clock, g)
    }

    #[test]
    fn fresh_once_then_replayed_until_expiry() {
        let (clock, g) = guard(10);
        let until = UnixTime::new(1_010);
        assert_eq!(g.check_and_mark_now(b"a", until), Ok(()));
        assert_eq!(
            g.check_and_mark_now(b"a", until),
            Err(ReplayError::Replayed)
        );
        clock.set(UnixTime::new(1_010));
        assert_eq!(
            g.check_and_mark_now(b"a", until),
            Err(ReplayError::Replayed)
        );
        clock.set(UnixTime::new(1_011));
        assert_eq!(g.check_and_mark_now(b"a", UnixTime::new(1_020)), Ok(()));
        assert_eq!(
            g.check_and_mark_now(b"a", UnixTime::new(1_020)),
            Err(ReplayError::Replayed)
        );
    }

    #[test]
    fn bounded_and_evicts_expired_entries() {
        let (clock, g) = guard(3);
        for id in [b"1", b"2", b"3"] {
            g.check_and_mark_now(id, UnixTime::new(1_005)).unwrap();
        }
        assert_eq!(
            g.check_and_mark_now(b"4", UnixTime::new(1_005)),
            Err(ReplayError::Full { capacity: 3 })
        );
        clock.set(UnixTime::new(1_006));
        assert_eq!(g.check_and_mark_now(b"4", UnixTime::new(1_100)), Ok(()));
        assert!(g.len() <= 3);
        // Live ones are still refused after the eviction.
        assert_eq!(
            g.check_and_mark_now(b"4", UnixTime::new(1_100)),
            Err(ReplayError::Replayed)
        );
    }

    #[test]
    fn past_expiry_is_not_stored() {
        let (_clock, g) = guard(1);
        assert_eq!(g.check_and_mark_now(b"old", UnixTime::new(999)), Ok(()));
        assert!(g.is_empty());
    }
}
