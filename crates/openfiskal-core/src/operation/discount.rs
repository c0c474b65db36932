//! Discounts (api.md §8.2): the shapes, and line discounts, which apply in list order, each to
//! what is left of the line. Percentage amounts are `round_half_away(base × rate)`; a fixed amount
//! larger than its base is a `422`. Cart discounts are in [`super::allocation`].
//!
//! Decision: `rate` on a fixed discount or `amount` on a percentage one is a `400` (a field that
//! does not fit the type), like a missing one.

use serde::{Deserialize, Serialize};

use super::error::{DataError, check_len, check_opt_len};
use super::ids::{ChildIds, ChildKind};
use super::money::{Money, div_round};
use super::rate::DiscountRate;

/// A discount as sent; `line_items[i].line_discounts[j]` and `cart_discounts[j]` share the shape.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountInput {
    /// `percentage` or `fixed`.
    #[serde(rename = "type")]
    pub kind: DiscountType,
    /// Percentage only: 0 < rate ≤ 1.
    #[serde(default)]
    pub rate: Option<DiscountRate>,
    /// Fixed only: > 0.
    #[serde(default)]
    pub amount: Option<Money>,
    /// 1–100 characters.
    pub label: String,
    /// Default `manual`.
    #[serde(default)]
    pub source: Option<DiscountSource>,
    /// ≤ 50 characters.
    #[serde(default)]
    pub code: Option<String>,
}

/// A line discount as sent (api.md §8.2).
pub type LineDiscountInput = DiscountInput;
/// A cart discount as sent (api.md §8.2).
pub type CartDiscountInput = DiscountInput;

/// How a discount's amount is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountType {
    /// A share of the base.
    Percentage,
    /// A fixed amount.
    Fixed,
}

/// Where a discount comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountSource {
    /// Given by the cashier (default).
    #[default]
    Manual,
    /// A promotion or coupon.
    Promotion,
    /// A loyalty scheme.
    Loyalty,
    /// An employee discount.
    Employee,
    /// Anything else.
    Other,
}

/// A computed discount (`line_discounts[]`, `cart_discounts[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discount {
    /// `ldsc_…` or `cdsc_…`.
    pub id: String,
    /// The source.
    pub source: DiscountSource,
    /// The type.
    #[serde(rename = "type")]
    pub kind: DiscountType,
    /// The rate of a percentage discount, else `null`.
    pub rate: Option<DiscountRate>,
    /// The computed amount.
    pub amount: Money,
    /// The label.
    pub label: String,
    /// The code, if sent.
    pub code: Option<String>,
}

/// Checks a discount's fields and computes its amount on `base` (what is left); `path` names it.
pub(crate) fn amount_on(d: &DiscountInput, base: Money, path: &str) -> Result<Money, DataError> {
    check_len(|| format!("{path}.label"), &d.label, 1, 100)?;
    check_opt_len(|| format!("{path}.code"), d.code.as_deref(), 50)?;
    let stray = |f: &str| DataError::malformed(format!("{path}.{f}"), format!("{f} does not fit this discount type"));
    let missing = |f: &str| DataError::malformed(format!("{path}.{f}"), format!("{f} is required for this type"));
    match (d.kind, d.rate, d.amount) {
        (DiscountType::Percentage, _, Some(_)) => Err(stray("amount")),
        (DiscountType::Percentage, None, None) => Err(missing("rate")),
        (DiscountType::Percentage, Some(r), None) => {
            let per = i128::from(r.rate().per_ten_thousand());
            // rate ≤ 1, so the amount never exceeds the base.
            Money::from_i128(div_round(i128::from(base.minor()) * per, 10_000))
                .map_err(|e| DataError::out_of_range(path, e))
        }
        (DiscountType::Fixed, Some(_), _) => Err(stray("rate")),
        (DiscountType::Fixed, None, None) => Err(missing("amount")),
        (DiscountType::Fixed, None, Some(a)) if !a.is_positive() => {
            Err(DataError::malformed(format!("{path}.amount"), "amount must be greater than 0"))
        }
        (DiscountType::Fixed, None, Some(a)) if a > base => Err(DataError::invalid(
            format!("{path}.amount"),
            format!("discount {a} is larger than what is left ({base})"),
        )),
        (DiscountType::Fixed, None, Some(a)) => Ok(a),
    }
}

/// The computed form of `d`.
pub(crate) fn output(d: &DiscountInput, id: String, amount: Money) -> Discount {
    let (source, kind, rate, label, code) =
        (d.source.unwrap_or_default(), d.kind, d.rate, d.label.clone(), d.code.clone());
    Discount { id, source, kind, rate, amount, label, code }
}

/// Applies a line's discounts in order to `subtotal`; returns them and their sum. `path` is
/// `line_items[i]`.
pub fn apply_line_discounts(
    inputs: &[DiscountInput],
    subtotal: Money,
    path: &str,
    ids: &mut dyn ChildIds,
) -> Result<(Vec<Discount>, Money), DataError> {
    let (mut out, mut left) = (Vec::with_capacity(inputs.len()), subtotal);
    for (j, d) in inputs.iter().enumerate() {
        let amount = amount_on(d, left, &format!("{path}.line_discounts[{j}]"))?;
        left = left.checked_sub(amount).map_err(|e| DataError::out_of_range(path, e))?;
        out.push(output(d, ids.next_id(ChildKind::LineDiscount), amount));
    }
    let total = subtotal.checked_sub(left).map_err(|e| DataError::out_of_range(path, e))?;
    Ok((out, total))
}
