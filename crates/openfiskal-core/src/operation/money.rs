//! Money (api.md §1.5): integer minor units (`1800` = 18.00 EUR), never floats. Every amount lies
//! within ±99 999 999 999; every operation is checked, so overflow is an error and never a panic.
//!
//! Rounding is half away from zero to the cent (§1.5), done exactly on integers by `div_round`.

use std::fmt;

/// The largest magnitude of any amount (api.md §1.5).
pub const MAX_MINOR: i64 = 99_999_999_999;

/// An amount in minor units of the operation's currency, within ±[`MAX_MINOR`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// An amount or a result beyond ±99 999 999 999 minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range: at most ±99999999999 minor units")]
pub struct MoneyError;

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// Wraps `minor` units, refusing values beyond ±[`MAX_MINOR`].
    pub fn new(minor: i64) -> Result<Self, MoneyError> {
        if (-MAX_MINOR..=MAX_MINOR).contains(&minor) { Ok(Self(minor)) } else { Err(MoneyError) }
    }

    /// Wraps a wide intermediate result, refusing values out of range.
    pub fn from_i128(minor: i128) -> Result<Self, MoneyError> {
        i64::try_from(minor).map_err(|_| MoneyError).and_then(Self::new)
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// `self + other`, or an error beyond the range.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        // Both operands are within ±1e11, so the i64 sum cannot overflow; only the range can fail.
        Self::new(self.0 + other.0)
    }

    /// `self - other`, or an error beyond the range.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        Self::new(self.0 - other.0)
    }

    /// `-self` (the range is symmetric, so this cannot fail).
    pub const fn neg(self) -> Money {
        Money(-self.0)
    }

    /// The sum of `items`, failing as soon as a partial sum leaves the range.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// True below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// `num / den` rounded half away from zero, exactly: no float, no intermediate rounding. Callers
/// pass a positive `den` (a constant or a sum of positive amounts) far below `i128::MAX / 2`.
pub(crate) fn div_round(num: i128, den: i128) -> i128 {
    // A non-positive divisor is a caller bug; answering as for 1 keeps this function panic-free.
    let den = den.max(1);
    let (q, r) = (num / den, num % den);
    // `r` has the sign of `num`; round away from zero when |r| is at least half of `den`.
    if 2 * r.abs() >= den { q + num.signum() } else { q }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<i64> for Money {
    type Error = MoneyError;
    fn try_from(v: i64) -> Result<Self, MoneyError> {
        Self::new(v)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A JSON float (`18.0`) fails here as a wrong type: `400 invalid_request`.
        let v = super::expect::integer(d, "an integer amount in minor units (cents), like 1990")?;
        Self::new(v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_checked() {
        assert!(Money::new(MAX_MINOR).is_ok());
        assert!(Money::new(-MAX_MINOR).is_ok());
        assert_eq!(Money::new(MAX_MINOR + 1), Err(MoneyError));
        let max = Money::new(MAX_MINOR).unwrap();
        assert_eq!(max.checked_add(Money::new(1).unwrap()), Err(MoneyError));
        assert_eq!(max.neg().checked_sub(Money::new(1).unwrap()), Err(MoneyError));
        assert_eq!(Money::sum([max, max.neg(), max]), Ok(max));
        assert_eq!(Money::from_i128(i128::MAX), Err(MoneyError));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(-4, 3), -1);
        assert_eq!(div_round(0, 7), 0);
        assert_eq!(div_round(30_000_000, 11_900), 2521);
    }

    #[test]
    fn serde_takes_integers_only() {
        assert_eq!(serde_json::from_str::<Money>("1800").unwrap().minor(), 1800);
        assert!(serde_json::from_str::<Money>("18.0").is_err());
        assert!(serde_json::from_str::<Money>("\"1800\"").is_err());
        assert!(serde_json::from_str::<Money>("100000000000").is_err());
        assert_eq!(serde_json::to_string(&Money::new(-5).unwrap()).unwrap(), "-5");
    }
}
