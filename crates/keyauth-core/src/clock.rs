//! Time as Unix seconds, clocks that can be pinned, and expiry checks.
//!
//! Verification never reads the system time itself: it takes a [`UnixTime`] or a [`Clock`],
//! so vectors with fixed timestamps are reproducible and tests can move time.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
///
/// ```
/// use keyauth_core::UnixTime;
/// let t = UnixTime::new(1_700_000_000);
/// assert_eq!(t.saturating_add(60).as_secs(), 1_700_000_060);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// `secs` seconds after the epoch.
    #[must_use]
    pub const fn new(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `self + secs`, saturating at the far future instead of overflowing.
    #[must_use]
    pub const fn saturating_add(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the epoch.
    #[must_use]
    pub const fn saturating_sub(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// The distance between two times in seconds.
    #[must_use]
    pub const fn abs_diff(self, other: Self) -> u64 {
        self.0.abs_diff(other.0)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for UnixTime {
    fn from(secs: u64) -> Self {
        Self(secs)
    }
}

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The operating system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        // A clock set before 1970 reads as the epoch: everything looks expired, nothing panics.
        UnixTime(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }
}

/// A clock that says what it was told; for tests and vectors.
///
/// ```
/// use keyauth_core::{Clock, FixedClock, UnixTime};
/// let clock = FixedClock::new(UnixTime::new(100));
/// clock.advance(5);
/// assert_eq!(clock.now(), UnixTime::new(105));
/// clock.set(UnixTime::new(7));
/// assert_eq!(clock.now().as_secs(), 7);
/// ```
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    /// A clock stopped at `now`.
    #[must_use]
    pub const fn new(now: UnixTime) -> Self {
        Self(AtomicU64::new(now.0))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: UnixTime) {
        self.0.store(now.0, Ordering::SeqCst);
    }

    /// Moves the clock `secs` seconds forward.
    pub fn advance(&self, secs: u64) {
        // fetch_update never fails with a closure that always returns Some.
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(secs))
            });
    }
}

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime(self.0.load(Ordering::SeqCst))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> UnixTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> UnixTime {
        (**self).now()
    }
}

/// An expiry rule: an expiry must not be in the past, and (optionally) not more than
/// `horizon` seconds ahead.
///
/// The boundaries are inclusive: `expire == now` and `expire == now + horizon` pass.
///
/// ```
/// use keyauth_core::{Expiry, ExpiryError, UnixTime};
/// let week = Expiry::within(Expiry::ONE_WEEK);
/// let now = UnixTime::new(1_000);
/// assert!(week.check(UnixTime::new(1_000), now).is_ok());
/// assert!(week.check(UnixTime::new(1_000 + 604_800), now).is_ok());
/// assert!(matches!(week.check(UnixTime::new(999), now), Err(ExpiryError::Expired { .. })));
/// assert!(matches!(
///     week.check(UnixTime::new(1_000 + 604_801), now),
///     Err(ExpiryError::TooFar { .. })
/// ));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    horizon: Option<u64>,
}

impl Expiry {
    /// Seven days in seconds, Ninchat's horizon.
    pub const ONE_WEEK: u64 = 7 * 24 * 60 * 60;

    /// Only "not in the past".
    #[must_use]
    pub const fn unbounded() -> Self {
        Self { horizon: None }
    }

    /// Not in the past and at most `horizon` seconds ahead.
    #[must_use]
    pub const fn within(horizon: u64) -> Self {
        Self {
            horizon: Some(horizon),
        }
    }

    /// The horizon, if any.
    #[must_use]
    pub const fn horizon(&self) -> Option<u64> {
        self.horizon
    }

    /// Checks `expire` against `now`.
    ///
    /// # Errors
    /// [`ExpiryError::Expired`] when `expire < now`, [`ExpiryError::TooFar`] when
    /// `expire > now + horizon`.
    pub fn check(&self, expire: UnixTime, now: UnixTime) -> Result<(), ExpiryError> {
        if expire < now {
            return Err(ExpiryError::Expired { expire, now });
        }
        if let Some(horizon) = self.horizon {
            let limit = now.saturating_add(horizon);
            if expire > limit {
                return Err(ExpiryError::TooFar { expire, limit });
            }
        }
        Ok(())
    }

    /// [`Expiry::check`] against `clock.now()`.
    ///
    /// # Errors
    /// As [`Expiry::check`].
    pub fn check_with(&self, expire: UnixTime, clock: &dyn Clock) -> Result<(), ExpiryError> {
        self.check(expire, clock.now())
    }
}

/// Why an expiry was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpiryError {
    /// The expiry is in the past.
    #[error("expired at {expire}, now is {now}")]
    Expired {
        /// The expiry given.
        expire: UnixTime,
        /// The time it was checked at.
        now: UnixTime,
    },
    /// The expiry is further ahead than the horizon allows.
    #[error("expiry {expire} is beyond the limit {limit}")]
    TooFar {
        /// The expiry given.
        expire: UnixTime,
        /// The latest expiry allowed.
        limit: UnixTime,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_inclusive_and_distinct() {
        let rule = Expiry::within(Expiry::ONE_WEEK);
        let now = UnixTime::new(1_700_000_000);
        assert_eq!(rule.check(now, now), Ok(()));
        assert_eq!(rule.check(now.saturating_add(604_800), now), Ok(()));
        assert_eq!(
            rule.check(now.saturating_add(604_801), now),
            Err(ExpiryError::TooFar {
                expire: now.saturating_add(604_801),
                limit: now.saturating_add(604_800)
            })
        );
        assert_eq!(
            rule.check(now.saturating_sub(1), now),
            Err(ExpiryError::Expired {
                expire: now.saturating_sub(1),
                now
            })
        );
        assert_eq!(
            Expiry::unbounded().check(UnixTime::new(u64::MAX), now),
            Ok(())
        );
    }

    #[test]
    fn horizon_near_the_end_of_time_does_not_overflow() {
        let now = UnixTime::new(u64::MAX - 1);
        assert_eq!(
            Expiry::within(10).check(UnixTime::new(u64::MAX), now),
            Ok(())
        );
    }

    #[test]
    fn display_texts_are_pinned() {
        let e = ExpiryError::Expired {
            expire: UnixTime::new(1),
            now: UnixTime::new(2),
        };
        assert_eq!(e.to_string(), "expired at 1, now is 2");
        let e = ExpiryError::TooFar {
            expire: UnixTime::new(9),
            limit: UnixTime::new(8),
        };
        assert_eq!(e.to_string(), "expiry 9 is beyond the limit 8");
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > UnixTime::new(1_577_836_800));
    }
}
