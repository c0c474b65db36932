//! A line as sent (api.md §8.1) and the checks of its text fields and flags (`400` when violated).
//!
//! Decisions: `original_line_id` on a sale-like line is a `400` (it belongs to returned lines);
//! a flag listed twice is a `400`; `unit` must be 1–20 characters when sent.

use serde::{Deserialize, Serialize};

use super::discount::LineDiscountInput;
use super::error::{DataError, check_len, check_opt_len};
use super::money::Money;
use super::quantity::Quantity;
use super::tax::TaxInput;

/// Most line discounts per line (api.md §1.11).
pub const MAX_LINE_DISCOUNTS: usize = 10;

/// A line as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineItemInput {
    /// 1–200 characters.
    pub description: String,
    /// A decimal string, > 0.
    pub quantity: Quantity,
    /// ≥ 0, tax included, before discounts.
    pub unit_price_gross: Money,
    /// Rate, category, natura.
    pub tax: TaxInput,
    /// ≤ 20, default `piece`.
    #[serde(default)]
    pub unit: Option<String>,
    /// ≤ 10 discounts.
    #[serde(default)]
    pub line_discounts: Option<Vec<LineDiscountInput>>,
    /// SKU or GTIN, ≤ 100.
    #[serde(default)]
    pub product_ref: Option<String>,
    /// The POS line id, ≤ 100.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Line flags.
    #[serde(default)]
    pub flags: Option<Vec<LineFlag>>,
    /// Returned lines only: the original's `li_…`.
    #[serde(default)]
    pub original_line_id: Option<String>,
}

/// A line flag (api.md §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineFlag {
    /// A container deposit (Pfand); not the `deposit` operation.
    Deposit,
    /// A gift card sale.
    GiftCard,
    /// A service charge.
    ServiceCharge,
    /// A tip.
    Tip,
    /// IT omaggio: in the totals, not in `net_payable`.
    FreeOfCharge,
}

/// Checks the text fields, flags and `original_line_id` of line `path`.
pub(crate) fn check_text(input: &LineItemInput, path: &str) -> Result<(), DataError> {
    check_len(|| format!("{path}.description"), &input.description, 1, 200)?;
    if let Some(unit) = &input.unit {
        check_len(|| format!("{path}.unit"), unit, 1, 20)?;
    }
    check_opt_len(|| format!("{path}.product_ref"), input.product_ref.as_deref(), 100)?;
    check_opt_len(|| format!("{path}.external_id"), input.external_id.as_deref(), 100)?;
    let flags = input.flags.as_deref().unwrap_or(&[]);
    if flags.iter().enumerate().any(|(i, f)| flags[..i].contains(f)) {
        return Err(DataError::malformed(format!("{path}.flags"), "a flag is listed twice"));
    }
    if input.original_line_id.is_some() {
        let msg = "original_line_id belongs to returned lines of a refund or exchange";
        return Err(DataError::malformed(format!("{path}.original_line_id"), msg));
    }
    Ok(())
}
