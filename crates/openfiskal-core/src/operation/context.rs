//! What the `data` computation needs to know besides the body (api.md §7.4, §8.3, §8.4): the
//! register's jurisdiction, the operation type, whether the call completes the operation, the
//! receipt's local date (for rates valid from a date) and the allowed-rate table. All injected:
//! the computation reads no clock and no configuration of its own.

use jiff::civil::Date;

use super::tax_table::RateTable;

pub use crate::state::Jurisdiction;

/// The sale-like operation types whose `data` block [`super::compute()`] builds (api.md §7.4):
/// `{currency, line_items, cart_discounts, totals, payments, customer}`, `net_payable` = `total_gross`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaleKind {
    /// `sale`.
    Sale,
    /// `training`: as a sale, never turnover.
    Training,
    /// `deposit`: a customer prepayment.
    Deposit,
}

/// Which call the body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Start or PATCH of an open operation: lines, discounts and customer are checked, the
    /// completion rules (≥ 1 line, payments settle `net_payable`, cash-only rounding, lottery
    /// eligibility) are not yet.
    Open,
    /// Complete (or a one-shot start): every rule applies.
    Complete,
}

/// The injected facts a computation depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The register's jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// The operation type.
    pub kind: SaleKind,
    /// Open or completing.
    pub stage: Stage,
    /// The receipt's local date (the location's time zone; `Europe/Vienna` in AT).
    pub date: Date,
    /// The allowed rates (§8.3); configuration with per-jurisdiction defaults.
    pub rates: RateTable,
}

impl Context {
    /// A context with the default rate table of `jurisdiction`.
    pub fn new(jurisdiction: Jurisdiction, kind: SaleKind, stage: Stage, date: Date) -> Self {
        Self { jurisdiction, kind, stage, date, rates: RateTable::defaults(jurisdiction) }
    }
}
