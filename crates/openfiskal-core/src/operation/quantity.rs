//! Quantities (api.md §1.5): decimal strings with up to 3 decimals, pattern
//! `^[0-9]{1,6}(\.[0-9]{1,3})?$`, value > 0. A JSON number is refused (`400`): no float can hold
//! `0.1` exactly. Kept as an integer count of thousandths.
//!
//! Decision: the echo is canonical, not the string as sent: no leading zeros in the integer part
//! and no trailing zeros in the fraction (`"002.500"` → `"2.5"`, `"2.000"` → `"2"`).

use std::fmt;
use std::str::FromStr;

/// A positive quantity with at most 3 decimals, below one million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

/// Why a string is not a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The string does not match `^[0-9]{1,6}(\.[0-9]{1,3})?$`.
    #[error("quantity must be a decimal string with up to 6 digits and 3 decimals, such as \"1.5\"")]
    Pattern,
    /// The value is zero.
    #[error("quantity must be greater than 0")]
    Zero,
}

impl Quantity {
    /// One piece.
    pub const ONE: Quantity = Quantity(1000);

    /// The largest quantity the pattern allows (999999.999).
    pub const MAX_THOUSANDTHS: u32 = 999_999_999;

    /// From a count of thousandths (`2500` = 2.5); zero or more than 999999.999 is refused.
    pub fn from_thousandths(t: u32) -> Result<Self, QuantityError> {
        match t {
            0 => Err(QuantityError::Zero),
            t if t > Self::MAX_THOUSANDTHS => Err(QuantityError::Pattern),
            t => Ok(Self(t)),
        }
    }

    /// The quantity in thousandths (`"2.5"` → 2500).
    pub const fn thousandths(self) -> u32 {
        self.0
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, QuantityError> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        let frac_ok = if s.contains('.') { (1..=3).contains(&frac.len()) } else { true };
        if !(1..=6).contains(&int.len()) || !frac_ok || !digits(int) || !digits(frac) {
            return Err(QuantityError::Pattern);
        }
        // At most 6 + 3 digits: the value fits u32 and the parses cannot fail.
        let whole: u32 = int.parse().map_err(|_| QuantityError::Pattern)?;
        let mut part: u32 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| QuantityError::Pattern)? };
        for _ in frac.len()..3 {
            part *= 10;
        }
        Self::from_thousandths(whole * 1000 + part)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.0 / 1000, self.0 % 1000);
        if part == 0 {
            return write!(f, "{whole}");
        }
        let frac = format!("{part:03}");
        write!(f, "{whole}.{}", frac.trim_end_matches('0'))
    }
}

impl TryFrom<String> for Quantity {
    type Error = QuantityError;
    fn try_from(s: String) -> Result<Self, QuantityError> {
        s.parse()
    }
}

impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = super::expect::string(d, r#"a decimal string like "1""#)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_pattern() {
        assert_eq!("2".parse::<Quantity>().unwrap().thousandths(), 2000);
        assert_eq!("0.001".parse::<Quantity>().unwrap().thousandths(), 1);
        assert_eq!("1.5".parse::<Quantity>().unwrap().thousandths(), 1500);
        assert_eq!("999999.999".parse::<Quantity>().unwrap().thousandths(), 999_999_999);
        for bad in ["", ".5", "1.", "1.2345", "1234567", "-1", "+1", "1e3", " 1", "1,5", "0x1", "１"] {
            assert_eq!(bad.parse::<Quantity>(), Err(QuantityError::Pattern), "{bad}");
        }
        assert_eq!("0".parse::<Quantity>(), Err(QuantityError::Zero));
        assert_eq!("0.000".parse::<Quantity>(), Err(QuantityError::Zero));
    }

    #[test]
    fn echoes_canonically() {
        for (input, out) in [("2", "2"), ("002.500", "2.5"), ("2.000", "2"), ("0.05", "0.05"), ("10.010", "10.01")] {
            assert_eq!(input.parse::<Quantity>().unwrap().to_string(), out);
        }
    }

    #[test]
    fn serde_takes_strings_only() {
        assert_eq!(serde_json::from_str::<Quantity>("\"3\"").unwrap().thousandths(), 3000);
        assert!(serde_json::from_str::<Quantity>("3").is_err());
        assert!(serde_json::from_str::<Quantity>("0.5").is_err());
        assert_eq!(serde_json::to_string(&Quantity::ONE).unwrap(), "\"1\"");
    }
}
