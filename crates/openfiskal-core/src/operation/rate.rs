//! Tax and discount rates (api.md §1.5, §8.2, §8.3): decimal strings, pattern
//! `^(0|1)(\.[0-9]{1,4})?$`, compared numerically (`"0.2"` = `"0.20"`) and echoed with at least
//! two decimals and no trailing zeros beyond that (`"0.20"`, `"0.049"`). Exact decimals
//! (`rust_decimal`); arithmetic uses the exact integer [`TaxRate::per_ten_thousand`].
//!
//! Decision: a discount rate (§8.2, "0 < rate ≤ 1") uses the same pattern, so at most 4 decimals.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// A tax rate such as `0.19`, normalised so equal values compare and hash equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxRate(Decimal);

/// A percentage discount's rate: `0 < rate ≤ 1` (api.md §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiscountRate(TaxRate);

/// Why a string is not a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// The string does not match `^(0|1)(\.[0-9]{1,4})?$`.
    #[error("rate must be a decimal string such as \"0.19\" (0 or 1, then up to 4 decimals)")]
    Pattern,
    /// A discount rate of zero or above one.
    #[error("discount rate must be greater than 0 and at most 1")]
    OutOfRange,
}

impl TaxRate {
    /// The rate times 10 000, exactly (`0.19` → 1900, `0.049` → 490); always in `0..20_000`.
    pub fn per_ten_thousand(self) -> i64 {
        let mut d = self.0;
        d.rescale(4);
        // At most 4 decimals and a value below 2: the mantissa is below 20 000.
        i64::try_from(d.mantissa()).unwrap_or(0)
    }

    /// The exact decimal value.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// True for `0`, `0.0`, `0.00`, …
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl FromStr for TaxRate {
    type Err = RateError;
    fn from_str(s: &str) -> Result<Self, RateError> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let frac_ok = if s.contains('.') { (1..=4).contains(&frac.len()) } else { true };
        if !matches!(int, "0" | "1") || !frac_ok || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RateError::Pattern);
        }
        let d = Decimal::from_str(s).map_err(|_| RateError::Pattern)?;
        Ok(Self(d.normalize()))
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.0.normalize();
        if d.scale() < 2 {
            d.rescale(2);
        }
        write!(f, "{d}")
    }
}

impl DiscountRate {
    /// The rate as a [`TaxRate`]-shaped decimal (for its exact integer form).
    pub fn rate(self) -> TaxRate {
        self.0
    }
}

impl FromStr for DiscountRate {
    type Err = RateError;
    fn from_str(s: &str) -> Result<Self, RateError> {
        let r: TaxRate = s.parse()?;
        if r.is_zero() || r.0 > Decimal::ONE {
            return Err(RateError::OutOfRange);
        }
        Ok(Self(r))
    }
}

impl fmt::Display for DiscountRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! string_serde {
    ($t:ty, $expecting:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = super::expect::string(d, $expecting)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_serde!(TaxRate, r#"a decimal string like "0.19""#);
string_serde!(DiscountRate, r#"a decimal string like "0.10""#);

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> TaxRate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_compares_and_echoes() {
        assert_eq!(r("0.2"), r("0.20"));
        assert_eq!(r("0.2").to_string(), "0.20");
        assert_eq!(r("0.049").to_string(), "0.049");
        assert_eq!(r("0.0490").to_string(), "0.049");
        assert_eq!(r("0").to_string(), "0.00");
        assert_eq!(r("1").to_string(), "1.00");
        assert_eq!(r("0.19").per_ten_thousand(), 1900);
        assert_eq!(r("0.049").per_ten_thousand(), 490);
        assert_eq!(r("1.9999").per_ten_thousand(), 19_999);
        assert!(r("0.00").is_zero());
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in ["", "2", "0.", ".19", "0.12345", "00.1", "-0.1", "0,19", "19%", "1e-1", " 0.1"] {
            assert_eq!(bad.parse::<TaxRate>(), Err(RateError::Pattern), "{bad}");
        }
    }

    #[test]
    fn discount_rates_are_in_range() {
        assert_eq!("0.10".parse::<DiscountRate>().unwrap().to_string(), "0.10");
        assert!("1".parse::<DiscountRate>().is_ok());
        assert_eq!("0".parse::<DiscountRate>(), Err(RateError::OutOfRange));
        assert_eq!("1.5".parse::<DiscountRate>(), Err(RateError::OutOfRange));
        assert_eq!(serde_json::to_string(&r("0.1")).unwrap(), "\"0.10\"");
        assert!(serde_json::from_str::<TaxRate>("0.19").is_err());
    }
}
