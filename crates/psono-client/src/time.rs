//! ISO 8601 timestamps with microseconds, as Django writes them and `dateutil` reads them.

use core::fmt;

use keyauth_core::UnixTime;

use crate::Error;

/// A point in time with microsecond precision (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    micros: i64,
}

const MICROS: i64 = 1_000_000;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let part = self.s.get(self.i..self.i + n)?;
        let mut v = 0i64;
        for &b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(b - b'0');
        }
        self.i += n;
        Some(v)
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
}

impl Timestamp {
    /// Microseconds since the Unix epoch.
    #[must_use]
    pub const fn from_micros(micros: i64) -> Self {
        Self { micros }
    }

    /// Whole seconds since the Unix epoch.
    #[must_use]
    pub const fn from_unix(time: UnixTime) -> Self {
        let secs = time.as_secs();
        Self {
            micros: if secs > (i64::MAX / MICROS) as u64 {
                i64::MAX
            } else {
                secs as i64 * MICROS
            },
        }
    }

    /// Microseconds since the Unix epoch.
    #[must_use]
    pub const fn as_micros(self) -> i64 {
        self.micros
    }

    /// Whole seconds since the epoch, rounded down (0 before the epoch).
    #[must_use]
    pub fn to_unix(self) -> UnixTime {
        UnixTime::new(u64::try_from(self.micros.div_euclid(MICROS)).unwrap_or(0))
    }

    /// `self - other` in seconds.
    #[must_use]
    pub fn seconds_since(self, other: Self) -> f64 {
        (i128::from(self.micros) - i128::from(other.micros)) as f64 / MICROS as f64
    }

    /// `self + secs`.
    #[must_use]
    pub const fn plus_seconds(self, secs: i64) -> Self {
        Self {
            micros: self.micros.saturating_add(secs.saturating_mul(MICROS)),
        }
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]`. A time without offset is
    /// taken as UTC.
    ///
    /// # Errors
    /// [`Error::InvalidTimestamp`] naming `field`.
    pub fn parse(text: &str, field: &'static str) -> Result<Self, Error> {
        Self::parse_inner(text.trim()).ok_or(Error::InvalidTimestamp { field })
    }

    fn parse_inner(text: &str) -> Option<Self> {
        let mut c = Cursor {
            s: text.as_bytes(),
            i: 0,
        };
        let year = c.digits(4)?;
        if !c.eat(b'-') {
            return None;
        }
        let month = c.digits(2)?;
        if !c.eat(b'-') {
            return None;
        }
        let day = c.digits(2)?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0);
        if c.eat(b'T') || c.eat(b't') || c.eat(b' ') {
            h = c.digits(2)?;
            if !c.eat(b':') {
                return None;
            }
            mi = c.digits(2)?;
            if c.eat(b':') {
                sec = c.digits(2)?;
                if c.eat(b'.') || c.eat(b',') {
                    let start = c.i;
                    let mut scale = 100_000;
                    while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                        frac += i64::from(b - b'0') * scale;
                        scale /= 10;
                        c.i += 1;
                    }
                    if c.i == start {
                        return None;
                    }
                }
            }
            if h > 23 || mi > 59 || sec > 60 {
                return None;
            }
        }
        let mut offset = 0i64;
        match c.peek() {
            None => {}
            Some(b'Z' | b'z') => c.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c.digits(2)?;
                c.eat(b':');
                let om = if c.i < c.s.len() { c.digits(2)? } else { 0 };
                if oh > 23 || om > 59 {
                    return None;
                }
                offset = (oh * 3600 + om * 60) * if sign == b'-' { -1 } else { 1 };
            }
            Some(_) => return None,
        }
        if c.i != c.s.len() {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
        Some(Self {
            micros: secs * MICROS + frac,
        })
    }

    /// Python's `isoformat()` of an aware UTC datetime: `2026-01-01T00:10:00.123456+00:00`,
    /// without the fraction when it is zero.
    #[must_use]
    pub fn to_iso(self) -> String {
        let (date_time, frac) = self.date_time();
        if frac == 0 {
            format!("{date_time}+00:00")
        } else {
            format!("{date_time}.{frac:06}+00:00")
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` and the microseconds.
    fn date_time(self) -> (String, i64) {
        let secs = self.micros.div_euclid(MICROS);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
        (
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
            self.micros.rem_euclid(MICROS),
        )
    }
}

impl Timestamp {
    /// RFC 3339 in UTC as chrono serializes a `DateTime<Utc>` (what psonoci prints): `Z`,
    /// and the fraction only as long as it needs to be (none, 3 or 6 digits):
    /// `2026-01-01T00:10:00.120Z`.
    #[must_use]
    pub fn to_rfc3339_z(self) -> String {
        let (date_time, frac) = self.date_time();
        let fraction = match frac {
            0 => String::new(),
            f if f % 1000 == 0 => format!(".{:03}", f / 1000),
            f => format!(".{f:06}"),
        };
        format!("{date_time}{fraction}Z")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_django_and_js_formats() {
        let a = Timestamp::parse("2026-01-01T00:10:00+00:00", "t").unwrap();
        let b = Timestamp::parse("2026-01-01T00:10:00.000000+00:00", "t").unwrap();
        let c = Timestamp::parse("2026-01-01T00:10:00.000Z", "t").unwrap();
        let d = Timestamp::parse("2026-01-01T01:10:00+01:00", "t").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(a.to_unix().as_secs(), 1_767_226_200);
        let e = Timestamp::parse("2026-11-23T00:41:25.188133+00:00", "t").unwrap();
        assert_eq!(e.to_iso(), "2026-11-23T00:41:25.188133+00:00");
        assert_eq!(a.to_iso(), "2026-01-01T00:10:00+00:00");
        // chrono's DateTime<Utc> (psonoci's JSON).
        assert_eq!(e.to_rfc3339_z(), "2026-11-23T00:41:25.188133Z");
        assert_eq!(a.to_rfc3339_z(), "2026-01-01T00:10:00Z");
        let f = Timestamp::parse("2026-01-01T00:10:00.120000+00:00", "t").unwrap();
        assert_eq!(f.to_rfc3339_z(), "2026-01-01T00:10:00.120Z");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-01-01T25:00",
            "2026-01-01T00:00:00x",
            "x",
        ] {
            assert!(Timestamp::parse(bad, "t").is_err(), "{bad}");
        }
    }
}
