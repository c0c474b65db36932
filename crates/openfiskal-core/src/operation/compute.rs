//! The `data` block of a sale, training or deposit (api.md §7.2, §7.4, §8): lines with their line
//! discounts, cart discounts allocated to lines, tax per line, the breakdown, totals and payments.
//! Pure: the ids come from the caller, nothing reads a clock.
//!
//! Steps, each on the result of the one before: check the limits (§1.11); build every line up to
//! its line discounts; apply the cart discounts; finish each line (`total_gross`, net, tax); sum
//! the totals; echo the payments; at completion apply [`check_completion`].

use serde::{Deserialize, Serialize};

use super::allocation::apply_cart_discounts;
use super::completion::check_completion;
use super::context::{Context, Stage};
use super::customer::{Customer, check_customer};
use super::discount::{CartDiscountInput, Discount};
use super::error::DataError;
use super::ids::ChildIds;
use super::line::{LineItem, build_line};
use super::line_input::LineItemInput;
use super::money::Money;
use super::payment::{MAX_PAYMENTS, Payment, PaymentInput};
use super::payment_rules::build_payment;
use super::totals::{Totals, build_totals};

/// Most line items per list (api.md §1.11).
pub const MAX_LINE_ITEMS: usize = 1000;
/// Most cart discounts (api.md §1.11).
pub const MAX_CART_DISCOUNTS: usize = 20;

/// The sale-like part of a start, PATCH (after merging) or complete body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    /// `EUR` (default).
    #[serde(default)]
    pub currency: Option<String>,
    /// The lines.
    #[serde(default)]
    pub line_items: Option<Vec<LineItemInput>>,
    /// The cart discounts.
    #[serde(default)]
    pub cart_discounts: Option<Vec<CartDiscountInput>>,
    /// The customer.
    #[serde(default)]
    pub customer: Option<Customer>,
    /// Complete only: the payments.
    #[serde(default)]
    pub payments: Option<Vec<PaymentInput>>,
    /// Complete only, IT only: cash rounding.
    #[serde(default)]
    pub rounding_adjustment: Option<Money>,
}

/// The computed `data` block (api.md §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleData {
    /// `EUR`.
    pub currency: String,
    /// The computed lines.
    pub line_items: Vec<LineItem>,
    /// The computed cart discounts.
    pub cart_discounts: Vec<Discount>,
    /// The totals.
    pub totals: Totals,
    /// The echoed payments (`[]` before completion).
    pub payments: Vec<Payment>,
    /// The customer or `null`.
    pub customer: Option<Customer>,
}

/// Computes the `data` block; at [`Stage::Complete`] also checks the completion rules.
pub fn compute(input: &SaleInput, ctx: &Context, ids: &mut dyn ChildIds) -> Result<SaleData, DataError> {
    let currency = input.currency.clone().unwrap_or_else(|| "EUR".to_owned());
    if currency != "EUR" {
        return Err(DataError::invalid("currency", "only EUR is accepted"));
    }
    let lines_in = input.line_items.as_deref().unwrap_or(&[]);
    let cart_in = input.cart_discounts.as_deref().unwrap_or(&[]);
    let payments_in = input.payments.as_deref().unwrap_or(&[]);
    for (param, len, max) in [
        ("line_items", lines_in.len(), MAX_LINE_ITEMS),
        ("cart_discounts", cart_in.len(), MAX_CART_DISCOUNTS),
        ("payments", payments_in.len(), MAX_PAYMENTS),
    ] {
        if len > max {
            return Err(DataError::invalid(param, format!("{param} may hold at most {max} entries")));
        }
    }
    if let Some(c) = &input.customer {
        check_customer(c, ctx)?;
    }
    let mut lines =
        lines_in.iter().enumerate().map(|(i, l)| build_line(i, l, ctx, ids)).collect::<Result<Vec<_>, _>>()?;
    let cart_discounts = apply_cart_discounts(&mut lines, cart_in, ids)?;
    for (i, line) in lines.iter_mut().enumerate() {
        line.finish(i)?;
    }
    let totals = build_totals(&lines, &cart_discounts, input.rounding_adjustment.unwrap_or_default(), ctx)?;
    let payments =
        payments_in.iter().enumerate().map(|(i, p)| build_payment(i, p, ctx)).collect::<Result<Vec<_>, _>>()?;
    let data =
        SaleData { currency, line_items: lines, cart_discounts, totals, payments, customer: input.customer.clone() };
    if ctx.stage == Stage::Complete {
        check_completion(&data, ctx)?;
    }
    Ok(data)
}
