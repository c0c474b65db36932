//! Tax per line and the tax breakdown (api.md §8.3, §8.4).
//!
//! Rule, per line: `total_net = round_half_away(total_gross / (1 + rate))`, computed exactly as
//! `round_half_away(gross × 10⁴ / (10⁴ + rate × 10⁴))` on integers, and `total_tax = total_gross −
//! total_net`, so net + tax = gross holds by construction. The breakdown sums the lines' values per
//! (rate, category, natura); it never re-rounds a group.
//!
//! Decisions: the breakdown is ordered by rate descending, then category (standard … exempt), then
//! natura (none first, then by code); natura is grouped as sent (`N3.1` and `N3` are two groups),
//! the IT regime maps it to the parent code. A `natura` on an IT line above 0 % is a `422`.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::context::{Context, Jurisdiction};
use super::error::DataError;
use super::line::LineItem;
use super::money::{Money, MoneyError, div_round};
use super::rate::TaxRate;
use super::tax_table::{TaxCategory, is_known_natura};

/// A line's `tax` as sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxInput {
    /// The rate (`"0.19"`).
    pub rate: TaxRate,
    /// The category; derived from the rate when absent.
    #[serde(default)]
    pub category: Option<TaxCategory>,
    /// IT only: the natura code of a 0 % line.
    #[serde(default)]
    pub natura: Option<String>,
}

/// A line's resolved `tax`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineTax {
    /// The rate.
    pub rate: TaxRate,
    /// The category (derived if not sent).
    pub category: TaxCategory,
    /// The natura code (IT), as sent or defaulted.
    pub natura: Option<String>,
}

/// Net and tax parts of a gross amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxSplit {
    /// `round_half_away(gross / (1 + rate))`.
    pub net: Money,
    /// `gross − net`.
    pub tax: Money,
}

/// Splits `gross` into net and tax at `rate` by the rule in the module doc.
pub fn split_gross(gross: Money, rate: TaxRate) -> Result<TaxSplit, MoneyError> {
    let per = i128::from(rate.per_ten_thousand());
    let net = Money::from_i128(div_round(i128::from(gross.minor()) * 10_000, 10_000 + per))?;
    Ok(TaxSplit { net, tax: gross.checked_sub(net)? })
}

/// Resolves a line's tax against the jurisdiction's table; `path` is `line_items[i].tax`.
pub fn resolve_tax(input: &TaxInput, ctx: &Context, path: &str) -> Result<LineTax, DataError> {
    let rule = ctx
        .rates
        .lookup(input.rate, ctx.date)
        .ok_or_else(|| DataError::TaxRateNotAllowed { param: format!("{path}.rate"), rate: input.rate })?;
    let category = match input.category {
        None => rule.categories.first().copied().unwrap_or(TaxCategory::Standard),
        Some(c) if rule.categories.contains(&c) => c,
        Some(_) => {
            return Err(DataError::invalid(format!("{path}.category"), "the category does not fit the rate"));
        }
    };
    let natura = resolve_natura(input, ctx, category, path)?;
    Ok(LineTax { rate: input.rate, category, natura })
}

fn resolve_natura(input: &TaxInput, ctx: &Context, cat: TaxCategory, path: &str) -> Result<Option<String>, DataError> {
    let param = || format!("{path}.natura");
    if ctx.jurisdiction != Jurisdiction::It {
        return match input.natura {
            Some(_) => Err(DataError::malformed(param(), "natura is accepted only for IT registers")),
            None => Ok(None),
        };
    }
    match (&input.natura, input.rate.is_zero()) {
        (Some(_), false) => Err(DataError::invalid(param(), "natura applies only to lines at 0.00")),
        (None, false) => Ok(None),
        (Some(n), true) if is_known_natura(n) => Ok(Some(n.clone())),
        (Some(_), true) => Err(DataError::fiscal(param(), "rt_unsupported_natura", "unknown natura code")),
        (None, true) if cat == TaxCategory::Exempt => Ok(Some("N4".to_owned())),
        (None, true) => Err(DataError::fiscal(param(), "rt_natura_required", "a 0.00 line needs a natura code")),
    }
}

/// One row of `totals.tax_breakdown`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaxBreakdownEntry {
    /// The rate.
    pub rate: TaxRate,
    /// The category.
    pub category: TaxCategory,
    /// The natura code (IT) or `null`.
    pub natura: Option<String>,
    /// Σ line `total_net`.
    pub net: Money,
    /// Σ line `total_tax`.
    pub tax: Money,
    /// Σ line `total_gross`.
    pub gross: Money,
}

/// Groups `lines` by (rate, category, natura) and sums their computed values.
pub fn breakdown(lines: &[LineItem]) -> Result<Vec<TaxBreakdownEntry>, DataError> {
    let mut groups: BTreeMap<(Reverse<TaxRate>, TaxCategory, Option<String>), [Money; 3]> = BTreeMap::new();
    for line in lines {
        let key = (Reverse(line.tax.rate), line.tax.category, line.tax.natura.clone());
        let sums = groups.entry(key).or_insert([Money::ZERO; 3]);
        let add = |a: Money, b: Money| a.checked_add(b).map_err(|e| DataError::out_of_range("line_items", e));
        *sums = [add(sums[0], line.total_net)?, add(sums[1], line.total_tax)?, add(sums[2], line.total_gross)?];
    }
    let rows = groups.into_iter().map(|((Reverse(rate), category, natura), [net, tax, gross])| TaxBreakdownEntry {
        rate,
        category,
        natura,
        net,
        tax,
        gross,
    });
    Ok(rows.collect())
}
