//! Totals (api.md §8.4), summed from the computed lines, never recomputed from rates. Also the
//! `rounding_adjustment` rule: 0 in DE and AT (`rounding_not_allowed`); in IT 0 or exactly the
//! DL 50/2017 rounding to 0.05 (`rt_invalid_cash_rounding`; its cash-only condition needs the
//! payments and is checked in [`super::payment`]).
//!
//! Decisions: for sale-like types `net_payable` = `total_gross` − Σ `total_gross` of lines flagged
//! `free_of_charge`; the IT cash rounding applies to that payable amount (what the customer pays),
//! so `net_payable` ends on a multiple of 5 cents. `deposit_applied` is 0 (no deposit capture here).

use serde::Serialize;

use super::context::{Context, Jurisdiction};
use super::discount::Discount;
use super::error::DataError;
use super::line::LineItem;
use super::line_input::LineFlag;
use super::money::{Money, MoneyError, div_round};
use super::tax::{TaxBreakdownEntry, breakdown};

/// `data.totals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Σ line `subtotal_gross`.
    pub subtotal_gross: Money,
    /// Σ line discount amounts.
    pub total_line_discounts: Money,
    /// `subtotal_gross − total_line_discounts`.
    pub subtotal_after_line_discounts: Money,
    /// Σ cart discount amounts.
    pub total_cart_discounts: Money,
    /// `subtotal_after_line_discounts − total_cart_discounts` = Σ line `total_gross`.
    pub subtotal_after_all_discounts: Money,
    /// Cash rounding (IT only; never taxed).
    pub rounding_adjustment: Money,
    /// `subtotal_after_all_discounts + rounding_adjustment`.
    pub total_gross: Money,
    /// Σ breakdown net.
    pub total_net: Money,
    /// Σ breakdown tax.
    pub total_tax: Money,
    /// Per (rate, category, natura).
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    /// 0 for sale-like types.
    pub deposit_applied: Money,
    /// What the payments must settle.
    pub net_payable: Money,
}

/// Sums the finished lines and cart discounts; checks `rounding` against the jurisdiction.
pub fn build_totals(
    lines: &[LineItem],
    cart: &[Discount],
    rounding: Money,
    ctx: &Context,
) -> Result<Totals, DataError> {
    let range = |e: MoneyError| DataError::out_of_range("line_items", e);
    let sum = |f: fn(&LineItem) -> Money| Money::sum(lines.iter().map(f)).map_err(range);
    let subtotal_gross = sum(|l| l.subtotal_gross)?;
    let total_line_discounts = sum(|l| l.line_discount_amount)?;
    let subtotal_after_line_discounts = subtotal_gross.checked_sub(total_line_discounts).map_err(range)?;
    let total_cart_discounts = Money::sum(cart.iter().map(|d| d.amount)).map_err(range)?;
    let subtotal_after_all_discounts =
        subtotal_after_line_discounts.checked_sub(total_cart_discounts).map_err(range)?;
    let free = Money::sum(lines.iter().filter(|l| l.has_flag(LineFlag::FreeOfCharge)).map(|l| l.total_gross));
    let payable = subtotal_after_all_discounts.checked_sub(free.map_err(range)?).map_err(range)?;
    check_rounding(rounding, payable, ctx)?;
    let tax_breakdown = breakdown(lines)?;
    Ok(Totals {
        subtotal_gross,
        total_line_discounts,
        subtotal_after_line_discounts,
        total_cart_discounts,
        subtotal_after_all_discounts,
        rounding_adjustment: rounding,
        total_gross: subtotal_after_all_discounts.checked_add(rounding).map_err(range)?,
        total_net: Money::sum(tax_breakdown.iter().map(|b| b.net)).map_err(range)?,
        total_tax: Money::sum(tax_breakdown.iter().map(|b| b.tax)).map_err(range)?,
        tax_breakdown,
        deposit_applied: Money::ZERO,
        net_payable: payable.checked_add(rounding).map_err(range)?,
    })
}

/// The DL 50/2017 rounding of `amount` to the nearest 5 cents (…1, …2 down; …3, …4 up to …5;
/// …6, …7 down to …5; …8, …9 up). Integer cents never sit on a tie, so the rule is unambiguous.
pub fn round_to_five_cents(amount: Money) -> Result<Money, MoneyError> {
    Money::from_i128(div_round(i128::from(amount.minor()), 5) * 5)
}

fn check_rounding(rounding: Money, payable: Money, ctx: &Context) -> Result<(), DataError> {
    if rounding == Money::ZERO {
        return Ok(());
    }
    if ctx.jurisdiction != Jurisdiction::It {
        let msg = "rounding_adjustment must be 0 in this jurisdiction";
        return Err(DataError::fiscal("rounding_adjustment", "rounding_not_allowed", msg));
    }
    let target = round_to_five_cents(payable).map_err(|e| DataError::out_of_range("rounding_adjustment", e))?;
    if payable.checked_add(rounding) != Ok(target) {
        let msg = format!("rounding_adjustment must be 0 or {}", target.minor() - payable.minor());
        return Err(DataError::fiscal("rounding_adjustment", "rt_invalid_cash_rounding", msg));
    }
    Ok(())
}
