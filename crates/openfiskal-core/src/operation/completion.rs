//! The rules that apply only when an operation completes (api.md §7.4, §8.4, §8.5, §8.6): at least
//! one line; the payments settle `net_payable` exactly (Σ inbound − Σ outbound,
//! `422 payment_total_mismatch`); an IT cash rounding only when every inbound payment is cash
//! (`rt_invalid_cash_rounding`); the IT lottery code only on a sale of ≥ 1.00 EUR paid wholly by
//! card, wallet or online and without `tax_id` (`rt_lottery_not_eligible`).
//!
//! Decision: "paid wholly" needs at least one inbound payment, and only inbound ones are looked at
//! (change handed back in cash does not disqualify a card payment).

use super::compute::SaleData;
use super::context::{Context, SaleKind};
use super::error::DataError;
use super::money::Money;
use super::payment::{Payment, PaymentDirection, PaymentMethod};

/// Checks every completion rule on computed `data`.
pub fn check_completion(data: &SaleData, ctx: &Context) -> Result<(), DataError> {
    if data.line_items.is_empty() {
        return Err(DataError::invalid("line_items", "a completed operation needs at least one line item"));
    }
    let inbound = || data.payments.iter().filter(|p| p.direction == PaymentDirection::Inbound);
    if data.totals.rounding_adjustment != Money::ZERO && inbound().any(|p| p.method != PaymentMethod::Cash) {
        let msg = "a cash rounding needs every inbound payment to be cash";
        return Err(DataError::fiscal("rounding_adjustment", "rt_invalid_cash_rounding", msg));
    }
    if let Some(c) = data.customer.as_ref().filter(|c| c.lottery_code.is_some()) {
        let electronic =
            |p: &Payment| matches!(p.method, PaymentMethod::Card | PaymentMethod::Wallet | PaymentMethod::Online);
        let eligible = ctx.kind == SaleKind::Sale
            && data.totals.total_gross.minor() >= 100
            && c.tax_id.is_none()
            && inbound().next().is_some()
            && inbound().all(electronic);
        if !eligible {
            let msg =
                "the lottery needs a sale of at least 1.00 EUR paid wholly by card, wallet or online, without tax_id";
            return Err(DataError::fiscal("customer.lottery_code", "rt_lottery_not_eligible", msg));
        }
    }
    check_settles(&data.payments, data.totals.net_payable)
}

/// Σ inbound − Σ outbound, in minor units (at most 50 × 1e11: no overflow in i128).
pub fn settled(payments: &[Payment]) -> i128 {
    payments
        .iter()
        .map(|p| match p.direction {
            PaymentDirection::Inbound => i128::from(p.amount.minor()),
            PaymentDirection::Outbound => -i128::from(p.amount.minor()),
        })
        .sum()
}

/// The payment rule (api.md §8.5): the payments settle `net_payable` exactly.
pub fn check_settles(payments: &[Payment], net_payable: Money) -> Result<(), DataError> {
    let paid = settled(payments);
    if paid == i128::from(net_payable.minor()) {
        return Ok(());
    }
    let paid = i64::try_from(paid).unwrap_or(if paid < 0 { i64::MIN } else { i64::MAX });
    Err(DataError::PaymentTotalMismatch { paid, net_payable: net_payable.minor() })
}
