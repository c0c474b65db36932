//! Line items (api.md §8.1): the computed line, with every intermediate value stored
//! (`subtotal_gross` = round_half_away(quantity × unit_price_gross), line discounts, cart
//! allocations, `total_gross`, `total_net`, `total_tax`). Nothing is derived at render time.
//! The input and its checks are in [`super::line_input`].

use serde::Serialize;

use super::allocation::CartDiscountAllocation;
use super::context::Context;
use super::discount::{Discount, apply_line_discounts};
use super::error::DataError;
use super::ids::{ChildIds, ChildKind};
use super::line_input::{LineFlag, LineItemInput, MAX_LINE_DISCOUNTS, check_text};
use super::money::{Money, MoneyError, div_round};
use super::quantity::Quantity;
use super::tax::{LineTax, resolve_tax, split_gross};

/// A computed line (the `line_items[]` of api.md §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineItem {
    /// `li_…`.
    pub id: String,
    /// 1-based list position.
    pub position: u32,
    /// As sent.
    pub description: String,
    /// Canonical form.
    pub quantity: Quantity,
    /// As sent or `piece`.
    pub unit: String,
    /// As sent.
    pub unit_price_gross: Money,
    /// As sent.
    pub product_ref: Option<String>,
    /// As sent.
    pub external_id: Option<String>,
    /// As sent (`[]` if absent).
    pub flags: Vec<LineFlag>,
    /// The original line of a return, else `null`.
    pub original_line_id: Option<String>,
    /// The resolved tax.
    pub tax: LineTax,
    /// round_half_away(quantity × unit_price_gross).
    pub subtotal_gross: Money,
    /// The computed line discounts.
    pub line_discounts: Vec<Discount>,
    /// Σ line discounts.
    pub line_discount_amount: Money,
    /// `subtotal_gross − line_discount_amount`.
    pub subtotal_after_line_discounts: Money,
    /// This line's shares of the cart discounts.
    pub cart_discount_allocations: Vec<CartDiscountAllocation>,
    /// Σ allocations.
    pub cart_discount_amount: Money,
    /// `subtotal_after_line_discounts − cart_discount_amount`.
    pub total_gross: Money,
    /// round_half_away(total_gross / (1 + rate)).
    pub total_net: Money,
    /// `total_gross − total_net`.
    pub total_tax: Money,
}

impl LineItem {
    /// What cart discounts may still take: `subtotal_after_line_discounts − cart_discount_amount`.
    pub fn remaining(&self) -> Result<Money, MoneyError> {
        self.subtotal_after_line_discounts.checked_sub(self.cart_discount_amount)
    }

    /// True when the line carries `flag`.
    pub fn has_flag(&self, flag: LineFlag) -> bool {
        self.flags.contains(&flag)
    }

    /// Sets `total_gross`, `total_net` and `total_tax` once the cart discounts are allocated.
    pub fn finish(&mut self, index: usize) -> Result<(), DataError> {
        let err = |e| DataError::out_of_range(format!("line_items[{index}]"), e);
        self.total_gross = self.remaining().map_err(err)?;
        let split = split_gross(self.total_gross, self.tax.rate).map_err(err)?;
        (self.total_net, self.total_tax) = (split.net, split.tax);
        Ok(())
    }
}

/// Checks line `index` and computes it up to its line discounts; cart fields start at zero.
pub fn build_line(
    index: usize,
    input: &LineItemInput,
    ctx: &Context,
    ids: &mut dyn ChildIds,
) -> Result<LineItem, DataError> {
    let path = format!("line_items[{index}]");
    check_text(input, &path)?;
    let discounts = input.line_discounts.as_deref().unwrap_or(&[]);
    if discounts.len() > MAX_LINE_DISCOUNTS {
        return Err(DataError::invalid(format!("{path}.line_discounts"), "at most 10 line discounts per line"));
    }
    if input.unit_price_gross.is_negative() {
        return Err(DataError::malformed(format!("{path}.unit_price_gross"), "unit_price_gross must be ≥ 0"));
    }
    let tax = resolve_tax(&input.tax, ctx, &format!("{path}.tax"))?;
    let product = i128::from(input.quantity.thousandths()) * i128::from(input.unit_price_gross.minor());
    let subtotal = Money::from_i128(div_round(product, 1000)).map_err(|e| DataError::out_of_range(&path, e))?;
    let id = ids.next_id(ChildKind::LineItem);
    let (line_discounts, line_discount_amount) = apply_line_discounts(discounts, subtotal, &path, ids)?;
    let after = subtotal.checked_sub(line_discount_amount).map_err(|e| DataError::out_of_range(&path, e))?;
    Ok(LineItem {
        id,
        position: u32::try_from(index + 1).unwrap_or(u32::MAX),
        description: input.description.clone(),
        quantity: input.quantity,
        unit: input.unit.clone().unwrap_or_else(|| "piece".to_owned()),
        unit_price_gross: input.unit_price_gross,
        product_ref: input.product_ref.clone(),
        external_id: input.external_id.clone(),
        flags: input.flags.clone().unwrap_or_default(),
        original_line_id: None,
        tax,
        subtotal_gross: subtotal,
        line_discounts,
        line_discount_amount,
        subtotal_after_line_discounts: after,
        cart_discount_allocations: Vec::new(),
        cart_discount_amount: Money::ZERO,
        total_gross: after,
        total_net: Money::ZERO,
        total_tax: Money::ZERO,
    })
}
