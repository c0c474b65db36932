//! The refund amount rule (api.md §7.4): a refund line referencing an original line is worth
//! `round_half_away(original total_gross × quantity / original quantity)`, except the return that
//! exhausts the line, which takes the exact remainder (original `total_gross` − what earlier
//! refunds of that line took). So the refunds of a line always add up to its `total_gross`.
//! A quantity beyond what is left is a `422` with `fiscal_errors: refund_quantity_exceeded`.
//!
//! Decision: a partial return never takes more than is left of the line's amount (its rounded
//! share is capped at that). Without the cap, four returns of 1 of 4 pieces worth 2 cents in all
//! would take 1 + 1 + 1 cents and leave the last one −1.

use super::error::DataError;
use super::money::{Money, div_round};
use super::quantity::Quantity;

/// The original line's values a refund needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginalLine {
    /// The original line's `total_gross` (after discounts).
    pub total_gross: Money,
    /// The original line's quantity.
    pub quantity: Quantity,
}

/// What earlier refunds already took from one original line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Returned {
    /// Σ returned quantity, in thousandths.
    pub thousandths: u64,
    /// Σ refunded amount.
    pub amount: Money,
}

/// Why a refund line cannot be valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// More than is left of the line.
    #[error("at most {remaining_thousandths} thousandths of this line are left to refund")]
    QuantityExceeded {
        /// What is left, in thousandths.
        remaining_thousandths: u64,
    },
    /// The earlier refunds took more than the line holds, or a stored amount is negative
    /// (stored data is inconsistent).
    #[error("earlier refunds exceed the original line")]
    Inconsistent,
}

impl RefundError {
    /// The contract error on `param` (`line_items[2].quantity`): both are a `422`, the first with
    /// `refund_quantity_exceeded`.
    pub fn at(self, param: impl Into<String>) -> DataError {
        match self {
            Self::QuantityExceeded { .. } => DataError::fiscal(param, "refund_quantity_exceeded", self.to_string()),
            Self::Inconsistent => DataError::invalid(param, self.to_string()),
        }
    }
}

impl Returned {
    /// Adds one refund of `quantity` worth `amount`.
    pub fn add(self, quantity: Quantity, amount: Money) -> Result<Self, RefundError> {
        let thousandths =
            self.thousandths.checked_add(u64::from(quantity.thousandths())).ok_or(RefundError::Inconsistent)?;
        let amount = self.amount.checked_add(amount).map_err(|_| RefundError::Inconsistent)?;
        Ok(Self { thousandths, amount })
    }
}

/// What is left of `original` after `before`, in thousandths.
pub fn remaining(original: OriginalLine, before: Returned) -> u64 {
    u64::from(original.quantity.thousandths()).saturating_sub(before.thousandths)
}

/// The amount of refunding `quantity` of `original` after the refunds in `before`.
pub fn refund_amount(original: OriginalLine, before: Returned, quantity: Quantity) -> Result<Money, RefundError> {
    let total = u64::from(original.quantity.thousandths());
    let (gross, taken) = (original.total_gross, before.amount);
    if before.thousandths > total || gross.is_negative() || taken.is_negative() || taken > gross {
        return Err(RefundError::Inconsistent);
    }
    let amount_left = gross.checked_sub(taken).map_err(|_| RefundError::Inconsistent)?;
    let left = total - before.thousandths;
    let q = u64::from(quantity.thousandths());
    if q > left {
        return Err(RefundError::QuantityExceeded { remaining_thousandths: left });
    }
    if q == left {
        return Ok(amount_left);
    }
    let share = div_round(i128::from(gross.minor()) * i128::from(q), i128::from(total));
    let share = Money::from_i128(share).map_err(|_| RefundError::Inconsistent)?;
    Ok(share.min(amount_left))
}
