//! Cart discounts (api.md §8.2): applied in list order to what is left of the eligible lines
//! (`subtotal_after_line_discounts` minus earlier cart allocations; lines flagged `gift_card`,
//! `deposit` or `tip` are excluded) and allocated to them by largest remainder ([`allocate`]).
//!
//! Decision: an allocation of 0 is not stored; a line lists only the cart discounts it carries.

use serde::Serialize;

use super::discount::{Discount, DiscountInput, amount_on, output};
use super::error::DataError;
use super::ids::{ChildIds, ChildKind};
use super::line::LineItem;
use super::line_input::LineFlag;
use super::money::Money;

/// One cart discount's share of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartDiscountAllocation {
    /// The cart discount's `cdsc_…`.
    pub discount_id: String,
    /// The share, > 0.
    pub amount: Money,
    /// The cart discount's label.
    pub label: String,
}

/// Splits `amount` over `weights` by largest remainder (api.md §8.2): each gets ⌊A·wᵢ/W⌋, the
/// missing cents go one each to the largest remainders `A·wᵢ mod W`, ties to the lower index.
/// `None` when `amount` is negative, a weight is negative, or `amount` exceeds W. The result sums
/// exactly to `amount` and never exceeds a weight.
pub fn allocate(amount: Money, weights: &[Money]) -> Option<Vec<Money>> {
    let a = i128::from(amount.minor());
    let w: i128 = weights.iter().map(|m| i128::from(m.minor())).sum();
    if a < 0 || a > w || weights.iter().any(|m| m.is_negative()) {
        return None;
    }
    if a == 0 {
        return Some(vec![Money::ZERO; weights.len()]);
    }
    let mut shares: Vec<(i128, i128)> =
        weights.iter().map(|m| i128::from(m.minor()) * a).map(|p| (p / w, p % w)).collect();
    let missing = a - shares.iter().map(|s| s.0).sum::<i128>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&x, &y| shares[y].1.cmp(&shares[x].1).then(x.cmp(&y)));
    for &i in order.iter().take(usize::try_from(missing).unwrap_or(0)) {
        shares[i].0 += 1;
    }
    shares.into_iter().map(|(q, _)| Money::from_i128(q).ok()).collect()
}

/// Lines a cart discount never touches (api.md §8.2): voucher sales, bottle deposits, tips.
fn eligible(line: &LineItem) -> bool {
    !line.flags.iter().any(|f| matches!(f, LineFlag::GiftCard | LineFlag::Deposit | LineFlag::Tip))
}

/// Applies cart discounts in order to the eligible lines, storing each line's allocations.
pub fn apply_cart_discounts(
    lines: &mut [LineItem],
    inputs: &[DiscountInput],
    ids: &mut dyn ChildIds,
) -> Result<Vec<Discount>, DataError> {
    let mut out = Vec::with_capacity(inputs.len());
    for (j, d) in inputs.iter().enumerate() {
        let path = format!("cart_discounts[{j}]");
        let targets: Vec<usize> = (0..lines.len()).filter(|&i| eligible(&lines[i])).collect();
        let weights = targets.iter().map(|&i| lines[i].remaining()).collect::<Result<Vec<_>, _>>();
        let weights = weights.map_err(|e| DataError::out_of_range(&path, e))?;
        let base = Money::sum(weights.iter().copied()).map_err(|e| DataError::out_of_range(&path, e))?;
        let amount = amount_on(d, base, &path)?;
        let shares = allocate(amount, &weights).ok_or_else(|| DataError::invalid(&path, "cannot allocate"))?;
        let discount = output(d, ids.next_id(ChildKind::CartDiscount), amount);
        for (&i, share) in targets.iter().zip(shares).filter(|(_, s)| s.is_positive()) {
            let line = &mut lines[i];
            line.cart_discount_amount =
                line.cart_discount_amount.checked_add(share).map_err(|e| DataError::out_of_range(&path, e))?;
            let alloc =
                CartDiscountAllocation { discount_id: discount.id.clone(), amount: share, label: d.label.clone() };
            line.cart_discount_allocations.push(alloc);
        }
        out.push(discount);
    }
    Ok(out)
}
