//! Per-peer handshake rate limiting and a cap on concurrent handshakes: each `req_DH_params`
//! costs the server an RSA private operation and a 2048-bit modexp.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use super::HandshakeError;

#[derive(Debug)]
struct Inner<P> {
    active: usize,
    buckets: HashMap<P, (f64, f64)>,
}

/// A token bucket per peer (`burst` handshakes, refilled at `per_second`) and a global cap
/// on handshakes in progress. Time is passed in (seconds, any monotonic origin).
#[derive(Debug, Clone)]
pub struct HandshakeLimiter<P: Eq + Hash> {
    inner: Arc<Mutex<Inner<P>>>,
    max_active: usize,
    burst: f64,
    per_second: f64,
    max_peers: usize,
}

/// One handshake in progress; dropping it frees its slot.
#[derive(Debug)]
pub struct Permit<P: Eq + Hash> {
    inner: Arc<Mutex<Inner<P>>>,
}

impl<P: Eq + Hash> Drop for Permit<P> {
    fn drop(&mut self) {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        g.active = g.active.saturating_sub(1);
    }
}

impl<P: Eq + Hash + Clone> HandshakeLimiter<P> {
    /// At most `max_active` handshakes at once; each peer may start `burst` at once and
    /// `per_second` more per second.
    #[must_use]
    pub fn new(max_active: usize, burst: u32, per_second: f64) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                active: 0,
                buckets: HashMap::new(),
            })),
            max_active,
            burst: f64::from(burst),
            per_second,
            max_peers: 100_000,
        }
    }

    /// Handshakes in progress.
    #[must_use]
    pub fn active(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .active
    }

    /// Takes a slot for a handshake from `peer` at time `now` (seconds).
    ///
    /// # Errors
    /// [`HandshakeError::TooManyHandshakes`] at the cap; [`HandshakeError::RateLimited`] when
    /// this peer's bucket is empty.
    pub fn try_acquire(&self, peer: &P, now: f64) -> Result<Permit<P>, HandshakeError> {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if g.active >= self.max_active {
            return Err(HandshakeError::TooManyHandshakes);
        }
        if g.buckets.len() >= self.max_peers {
            let (burst, rate) = (self.burst, self.per_second);
            g.buckets
                .retain(|_, (tokens, at)| (*tokens + (now - *at) * rate) < burst);
        }
        let (burst, rate) = (self.burst, self.per_second);
        let bucket = g.buckets.entry(peer.clone()).or_insert((burst, now));
        bucket.0 = (bucket.0 + (now - bucket.1).max(0.0) * rate).min(burst);
        bucket.1 = now;
        if bucket.0 < 1.0 {
            return Err(HandshakeError::RateLimited);
        }
        bucket.0 -= 1.0;
        g.active += 1;
        Ok(Permit {
            inner: Arc::clone(&self.inner),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_peer_rate_and_global_cap() {
        let l = HandshakeLimiter::new(3, 2, 1.0);
        let a1 = l.try_acquire(&"a", 0.0).unwrap();
        let _a2 = l.try_acquire(&"a", 0.0).unwrap();
        assert_eq!(
            l.try_acquire(&"a", 0.0).unwrap_err(),
            HandshakeError::RateLimited
        );
        let _b = l.try_acquire(&"b", 0.0).unwrap();
        assert_eq!(
            l.try_acquire(&"c", 0.0).unwrap_err(),
            HandshakeError::TooManyHandshakes
        );
        drop(a1);
        assert_eq!(l.active(), 2);
        // One second later "a" has one token again.
        let _a3 = l.try_acquire(&"a", 1.0).unwrap();
        assert_eq!(
            l.try_acquire(&"a", 1.0).unwrap_err(),
            HandshakeError::TooManyHandshakes
        );
    }
}
