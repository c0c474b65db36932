//! Returned lines (api.md §7.4): a refund line, or an exchange's returned line, that references a
//! line of the original operation is `{original_line_id, quantity}` and nothing else. Description,
//! unit, price, flags and tax come from the original line; the amount follows [`refund_amount`]
//! (the return that exhausts a line takes the exact remainder). A returned line carries no
//! discounts of its own: its `subtotal_gross` and `total_gross` are that amount.

use std::collections::HashMap;

use serde::Deserialize;

use super::error::DataError;
use super::ids::{ChildIds, ChildKind};
use super::line::LineItem;
use super::line_input::LineFlag;
use super::money::Money;
use super::quantity::Quantity;
use super::refund::{OriginalLine, Returned, refund_amount, remaining};
use super::tax::{LineTax, split_gross};

/// A returned line that references an original line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// `li_…` of the original operation.
    pub original_line_id: String,
    /// How much of it comes back.
    pub quantity: Quantity,
}

/// The fields of a stored original line a return needs (other stored fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredLine {
    /// `li_…`.
    pub id: String,
    /// As sold.
    pub description: String,
    /// As sold.
    pub quantity: Quantity,
    /// As sold.
    pub unit: String,
    /// As sold.
    pub unit_price_gross: Money,
    /// As sold.
    #[serde(default)]
    pub product_ref: Option<String>,
    /// As sold.
    #[serde(default)]
    pub flags: Vec<LineFlag>,
    /// As sold.
    pub tax: LineTax,
    /// After every discount.
    pub total_gross: Money,
}

/// What earlier returns took from each original line, by `li_` id.
pub type ReturnedSoFar = HashMap<String, Returned>;

/// Builds the returned lines `inputs` (at JSON path `path`, e.g. `line_items`) against the
/// original's `lines`, after the earlier returns in `before`; several returns of one line in the
/// same body count one after the other.
pub fn build_returned_lines(
    inputs: &[ReturnLineInput],
    lines: &[StoredLine],
    before: &ReturnedSoFar,
    path: &str,
    ids: &mut dyn ChildIds,
) -> Result<Vec<LineItem>, DataError> {
    let mut taken = before.clone();
    let mut out = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let orig = lines.iter().find(|l| l.id == input.original_line_id).ok_or_else(|| {
            DataError::invalid(format!("{at}.original_line_id"), "no such line in the original operation")
        })?;
        let so_far = taken.get(&orig.id).copied().unwrap_or_default();
        let original = OriginalLine { total_gross: orig.total_gross, quantity: orig.quantity };
        let amount = refund_amount(original, so_far, input.quantity).map_err(|e| e.at(format!("{at}.quantity")))?;
        let next = so_far.add(input.quantity, amount).map_err(|e| e.at(format!("{at}.quantity")))?;
        taken.insert(orig.id.clone(), next);
        out.push(returned_line(i, orig, input.quantity, amount, ids.next_id(ChildKind::LineItem), &at)?);
    }
    Ok(out)
}

/// Everything still returnable of every original line (a full refund), in the original's order.
pub fn remaining_lines(lines: &[StoredLine], before: &ReturnedSoFar) -> Vec<ReturnLineInput> {
    lines
        .iter()
        .filter_map(|l| {
            let left = remaining(
                OriginalLine { total_gross: l.total_gross, quantity: l.quantity },
                before.get(&l.id).copied().unwrap_or_default(),
            );
            // Nothing left (0) is not a quantity: the line is skipped.
            let quantity = Quantity::from_thousandths(u32::try_from(left).ok()?).ok()?;
            Some(ReturnLineInput { original_line_id: l.id.clone(), quantity })
        })
        .collect()
}

fn returned_line(
    index: usize,
    orig: &StoredLine,
    quantity: Quantity,
    amount: Money,
    id: String,
    at: &str,
) -> Result<LineItem, DataError> {
    let split = split_gross(amount, orig.tax.rate).map_err(|e| DataError::out_of_range(at, e))?;
    Ok(LineItem {
        id,
        position: u32::try_from(index + 1).unwrap_or(u32::MAX),
        description: orig.description.clone(),
        quantity,
        unit: orig.unit.clone(),
        unit_price_gross: orig.unit_price_gross,
        product_ref: orig.product_ref.clone(),
        external_id: None,
        flags: orig.flags.clone(),
        original_line_id: Some(orig.id.clone()),
        tax: orig.tax.clone(),
        subtotal_gross: amount,
        line_discounts: Vec::new(),
        line_discount_amount: Money::ZERO,
        subtotal_after_line_discounts: amount,
        cart_discount_allocations: Vec::new(),
        cart_discount_amount: Money::ZERO,
        total_gross: amount,
        total_net: split.net,
        total_tax: split.tax,
    })
}
