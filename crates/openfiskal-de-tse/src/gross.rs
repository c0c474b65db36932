//! The five gross amounts of processData (de-tse.md §6.2, §6.3): positions in the fixed order,
//! DSFinV-K `UST_SCHLUESSEL` 1–4 to positions 1–4 and keys 5–8 to position 5, api.md DE rates 19 % → 1,
//! 7 % → 2, 0 % → 5; signed cents with checked arithmetic (refunds, voids, deposit capture).

use crate::TseError;

/// A gross-amount position of processData (§6.2), in the fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VatPosition {
    /// 1: general rate, § 12 (1) UStG (19 %).
    General,
    /// 2: reduced rate, § 12 (2) UStG (7 %).
    Reduced,
    /// 3: average rate, § 24 (1) Nr. 3 UStG.
    AverageNr3,
    /// 4: average rate, § 24 (1) Nr. 1 UStG (5.5 %).
    AverageNr1,
    /// 5: 0 %, tax-free and everything not taxable (cash movements, vouchers sold, tips).
    ZeroOrNotTaxable,
}

impl VatPosition {
    /// The position for a DSFinV-K `UST_SCHLUESSEL` (§11.6): 1–4 → 1–4, 5–8 → 5.
    pub fn from_ust_schluessel(key: u8) -> Option<Self> {
        Some(match key {
            1 => Self::General,
            2 => Self::Reduced,
            3 => Self::AverageNr3,
            4 => Self::AverageNr1,
            5..=8 => Self::ZeroOrNotTaxable,
            _ => return None,
        })
    }

    /// The position for an api.md DE rate string (`0.19`, `0.07`, `0.00`; trailing zeros ignored).
    pub fn from_de_rate(rate: &str) -> Option<Self> {
        let trimmed = if rate.contains('.') { rate.trim_end_matches('0').trim_end_matches('.') } else { rate };
        match trimmed {
            "0.19" => Some(Self::General),
            "0.07" => Some(Self::Reduced),
            "0" => Some(Self::ZeroOrNotTaxable),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The five gross amounts in cents, by position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gross([i64; 5]);

impl Gross {
    /// From the five amounts in position order.
    pub fn from_amounts(amounts: [i64; 5]) -> Self {
        Self(amounts)
    }

    /// The five amounts in position order.
    pub fn amounts(&self) -> [i64; 5] {
        self.0
    }

    /// Adds a signed row amount (a `lines_vat.csv` `POS_BRUTTO`) to its position.
    pub fn add(&mut self, position: VatPosition, cents: i64) -> Result<(), TseError> {
        let slot = &mut self.0[position.index()];
        *slot = slot.checked_add(cents).ok_or(overflow())?;
        Ok(())
    }

    /// Every amount negated (refund lines, void).
    pub fn negated(&self) -> Result<Self, TseError> {
        self.minus_from(&Self::default())
    }

    /// `self − other` per position (deposit capture: goods minus the deposit's gross).
    pub fn minus(&self, other: &Self) -> Result<Self, TseError> {
        other.minus_from(self)
    }

    fn minus_from(&self, base: &Self) -> Result<Self, TseError> {
        let mut out = [0; 5];
        for (i, o) in out.iter_mut().enumerate() {
            *o = base.0[i].checked_sub(self.0[i]).ok_or(overflow())?;
        }
        Ok(Self(out))
    }

    /// Σ of the five amounts (= `UMS_BRUTTO`, §6.3).
    pub fn total(&self) -> Result<i64, TseError> {
        self.0.iter().try_fold(0i64, |acc, c| acc.checked_add(*c)).ok_or(overflow())
    }
}

/// The error of an amount that leaves 64-bit cents.
pub(crate) fn overflow() -> TseError {
    TseError::invalid("amount", "overflows 64-bit cents")
}
