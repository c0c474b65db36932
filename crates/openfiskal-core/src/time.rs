//! Timestamps (api.md §1.4): stored as Unix microseconds, shown as RFC 3339 UTC with `Z` and whole
//! seconds. Inputs may carry an offset or fractions; they are converted to UTC and truncated.

use std::fmt;

/// A point in time, in microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A timestamp string that is not RFC 3339.
#[derive(Debug, thiserror::Error)]
#[error("not an RFC 3339 timestamp")]
pub struct TimestampError;

impl Timestamp {
    /// From Unix microseconds.
    pub const fn from_micros(us: i64) -> Self {
        Self(us)
    }

    /// Unix microseconds.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// From a jiff timestamp.
    pub fn from_jiff(t: jiff::Timestamp) -> Self {
        Self(t.as_microsecond())
    }

    /// As a jiff timestamp.
    pub fn to_jiff(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Parses RFC 3339 with any offset; the result is truncated to whole seconds (api.md §1.4).
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        let t: jiff::Timestamp = s.parse().map_err(|_| TimestampError)?;
        Ok(Self(t.as_second() * 1_000_000))
    }

    /// Whole seconds since the epoch.
    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// This time plus `seconds`.
    pub fn plus_secs(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }
}

impl fmt::Display for Timestamp {
    /// `2026-02-26T10:00:00Z`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = jiff::Timestamp::from_second(self.as_secs()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        write!(f, "{}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    /// An RFC 3339 string, as [`Timestamp::parse_rfc3339`] reads it.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Self::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_whole_seconds() {
        let t = Timestamp::parse_rfc3339("2026-02-26T11:00:00.987+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-02-26T10:00:00Z");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        assert!(Timestamp::parse_rfc3339("2026-02-26").is_err());
    }

    #[test]
    fn negative_micros_floor_to_the_second_before() {
        assert_eq!(Timestamp::from_micros(-1).as_secs(), -1);
    }
}
