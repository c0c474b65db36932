//! Allowed tax rates, categories and Italian natura codes (api.md §8.3). The table is
//! configuration; [`RateTable::defaults`] holds the contract's defaults per jurisdiction.

use jiff::civil::{Date, date};

use super::context::Jurisdiction;
use super::rate::TaxRate;

/// A tax category (api.md §8.3). The order is the breakdown's tie order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    /// Standard rate.
    Standard,
    /// Reduced rate.
    Reduced,
    /// Super-reduced rate.
    SuperReduced,
    /// Parking rate (AT 13 %).
    Parking,
    /// Zero-rated.
    Zero,
    /// Exempt.
    Exempt,
}

/// One allowed rate and the categories it may carry; the first is the derived default.
#[derive(Debug, Clone, PartialEq)]
pub struct RateRule {
    /// The rate.
    pub rate: TaxRate,
    /// Allowed categories; never empty, the first is used when a line names none.
    pub categories: Vec<TaxCategory>,
    /// The first local receipt date the rate is allowed on, if limited.
    pub valid_from: Option<Date>,
}

/// The allowed rates of one jurisdiction.
#[derive(Debug, Clone, PartialEq)]
pub struct RateTable {
    /// The rules, each rate at most once.
    pub rules: Vec<RateRule>,
}

impl RateTable {
    /// The defaults of api.md §8.3.
    pub fn defaults(jurisdiction: Jurisdiction) -> Self {
        use TaxCategory::{Exempt, Parking, Reduced, Standard, SuperReduced, Zero};
        let rows: &[(&str, &[TaxCategory], Option<Date>)] = match jurisdiction {
            Jurisdiction::De => {
                &[("0.19", &[Standard], None), ("0.07", &[Reduced], None), ("0", &[Zero, Exempt], None)]
            }
            Jurisdiction::At => &[
                ("0.20", &[Standard], None),
                ("0.19", &[Standard], None),
                ("0.13", &[Reduced, Parking], None),
                ("0.10", &[Reduced], None),
                ("0.049", &[SuperReduced], Some(date(2026, 7, 1))),
                ("0", &[Zero, Exempt], None),
            ],
            Jurisdiction::It => &[
                ("0.22", &[Standard], None),
                ("0.10", &[Reduced], None),
                ("0.05", &[Reduced], None),
                ("0.04", &[SuperReduced], None),
                ("0", &[Zero, Exempt], None),
            ],
        };
        let rules = rows
            .iter()
            .filter_map(|(r, cats, from)| {
                let rate = r.parse().ok()?;
                Some(RateRule { rate, categories: cats.to_vec(), valid_from: *from })
            })
            .collect();
        Self { rules }
    }

    /// The rule for `rate` if it is allowed on `on` (a local receipt date).
    pub fn lookup(&self, rate: TaxRate, on: Date) -> Option<&RateRule> {
        self.rules.iter().find(|r| r.rate == rate && r.valid_from.is_none_or(|from| on >= from))
    }
}

/// The Italian natura codes (api.md §8.3): `N1`–`N6` and the FatturaPA sub-codes.
pub fn is_known_natura(code: &str) -> bool {
    match code.split_once('.') {
        None => matches!(code, "N1" | "N2" | "N3" | "N4" | "N5" | "N6"),
        Some(("N2", s)) => matches!(s, "1" | "2"),
        Some(("N3", s)) => matches!(s, "1" | "2" | "3" | "4" | "5" | "6"),
        Some(("N6", s)) => matches!(s, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"),
        Some(_) => false,
    }
}

/// The parent code a natura is reported under in the IT documents (`N3.1` → `N3`).
pub fn natura_parent(code: &str) -> &str {
    code.split_once('.').map_or(code, |(parent, _)| parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> TaxRate {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_follow_the_contract() {
        let de = RateTable::defaults(Jurisdiction::De);
        let today = date(2026, 2, 25);
        assert_eq!(de.lookup(rate("0.19"), today).unwrap().categories, [TaxCategory::Standard]);
        assert_eq!(de.lookup(rate("0.0"), today).unwrap().categories[0], TaxCategory::Zero);
        assert!(de.lookup(rate("0.20"), today).is_none());
        let at = RateTable::defaults(Jurisdiction::At);
        assert!(at.lookup(rate("0.049"), date(2026, 6, 30)).is_none());
        assert!(at.lookup(rate("0.049"), date(2026, 7, 1)).is_some());
        assert_eq!(at.lookup(rate("0.13"), today).unwrap().categories[1], TaxCategory::Parking);
        assert_eq!(RateTable::defaults(Jurisdiction::It).rules.len(), 5);
    }

    #[test]
    fn natura_codes() {
        for ok in ["N1", "N2.2", "N3.6", "N4", "N6.9"] {
            assert!(is_known_natura(ok), "{ok}");
        }
        for bad in ["N7", "N2.3", "N1.1", "n4", "N", "", "N6.10"] {
            assert!(!is_known_natura(bad), "{bad}");
        }
        assert_eq!(natura_parent("N3.1"), "N3");
        assert_eq!(natura_parent("N4"), "N4");
    }
}
