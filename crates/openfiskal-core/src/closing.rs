//! The summary of a closing (api.md §10, "Summary rules"), computed purely from the stored `data`
//! blocks of the operations the closing covers. No IO: the caller loads the operations (and, for a
//! void, the type of the voided operation) and stores the result.
//!
//! Rules, each a decision where the contract leaves room:
//!
//! - Only operations whose `state` is `completed` and whose `fiscal_state` is `succeeded` or
//!   `failed` count as completed; `cancelled` ones only count in `cancelled.count`; anything else
//!   (`open`, the transient `completed` + `pending`) is ignored.
//! - `operation_count` counts the completed operations of every type, training and cash movements
//!   included (the §10 example: 119 + 2 + 1 + 3 + 3 = 128).
//! - Turnover (`total_gross`, `total_net`, `total_tax`, `tax_breakdown`): sales and deposits add
//!   their `totals`; an exchange adds `totals` − `returned_totals` per bucket; a deposit capture adds
//!   `totals` − `deposit_application.tax_breakdown` per bucket and `total_gross` − `deposit_applied`;
//!   a refund subtracts its `totals`; a void subtracts what the voided operation added (so a void of
//!   a refund adds the refund back; a void of a cash movement changes no turnover). Its type comes
//!   from `original_kind`, or from the shape of the copied block when that is unknown. Training
//!   and cash movements are never turnover. `total_net`/`total_tax` are the sums of the breakdown;
//!   `total_gross` includes IT cash rounding, which is never taxed.
//! - `tax_breakdown` rows are `{rate, category, natura, taxable_amount, tax_amount}`, ordered like
//!   an operation's breakdown (rate descending, category, natura); every bucket that appears is
//!   listed, also when it nets to zero.
//! - `total_by_payment_method` nets inbound − outbound per method over the turnover operations
//!   (a void's payments are stored flipped, so they net against the original); every method that
//!   appears is listed, in the order cash, card, wallet, voucher, gift_card, online, other,
//!   not_collected.
//! - `by_operation_type`: gross amounts are positive as stored (`refunds.total_gross` is what was
//!   refunded); `voids.total_gross` is the turnover the voids removed; `exchanges.net_payable` sums
//!   the exchanges' `net_payable` (either sign); cash movements sum their amounts per direction.
//!   So `total_gross` = sales + deposits + exchanges + (captures − deposit_applied) − refunds − voids
//!   (exactly, unless IT free-of-charge lines make an exchange's `net_payable` differ from its gross).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::operation::{PaymentDirection, PaymentMethod, TaxCategory, TaxRate};

/// One operation a closing covers, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedOperation {
    /// `op_…` (for error messages).
    pub id: String,
    /// The operation type (`sale`, `refund`, …).
    pub kind: String,
    /// `completed` or `cancelled`.
    pub state: String,
    /// `succeeded`, `failed` (or `pending`).
    pub fiscal_state: String,
    /// The stored `data` block.
    pub data: Value,
    /// For a void: the type of the voided operation; inferred from `data` when `None`.
    pub original_kind: Option<String>,
}

/// A stored `data` block the summary cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operation {id}: {message}")]
pub struct SummaryError {
    /// The operation.
    pub id: String,
    /// What is wrong.
    pub message: String,
}

/// `{count, total_gross}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CountGross {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.total_gross` (voids: the turnover removed).
    pub total_gross: i64,
}

/// `{count, net_payable}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CountNetPayable {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.net_payable`.
    pub net_payable: i64,
}

/// `{count, total_gross, deposit_applied}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Captures {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.total_gross` (the full goods).
    pub total_gross: i64,
    /// Σ `totals.deposit_applied`.
    pub deposit_applied: i64,
}

/// `{count, cash_in_total, cash_out_total}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CashMovements {
    /// Completed movements.
    pub count: i64,
    /// Σ amounts of `in` movements.
    pub cash_in_total: i64,
    /// Σ amounts of `out` movements (positive).
    pub cash_out_total: i64,
}

/// `{count}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Operations.
    pub count: i64,
}

/// `summary.by_operation_type`, in the order of the §10 example.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByOperationType {
    /// `sale`.
    pub sales: CountGross,
    /// `refund`.
    pub refunds: CountGross,
    /// `exchange`.
    pub exchanges: CountNetPayable,
    /// `void`.
    pub voids: CountGross,
    /// `deposit`.
    pub deposits: CountGross,
    /// `deposit_capture`.
    pub deposit_captures: Captures,
    /// `cash_movement`.
    pub cash_movements: CashMovements,
    /// `training`.
    pub trainings: CountGross,
    /// Cancelled operations of any type.
    pub cancelled: Count,
}

/// One row of `summary.tax_breakdown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryTaxEntry {
    /// The rate.
    pub rate: TaxRate,
    /// The category.
    pub category: TaxCategory,
    /// The natura code (IT) or `null`.
    pub natura: Option<String>,
    /// Net turnover.
    pub taxable_amount: i64,
    /// Tax.
    pub tax_amount: i64,
}

/// The payment methods in the order `total_by_payment_method` lists them.
const METHODS: [PaymentMethod; 8] = [
    PaymentMethod::Cash,
    PaymentMethod::Card,
    PaymentMethod::Wallet,
    PaymentMethod::Voucher,
    PaymentMethod::GiftCard,
    PaymentMethod::Online,
    PaymentMethod::Other,
    PaymentMethod::NotCollected,
];

/// `summary.total_by_payment_method`: net per method, serialised as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentTotals(BTreeMap<usize, i64>);

impl PaymentTotals {
    /// The net of `method`, if it appeared.
    pub fn get(&self, method: PaymentMethod) -> Option<i64> {
        METHODS.iter().position(|m| *m == method).and_then(|i| self.0.get(&i).copied())
    }

    fn add(&mut self, method: PaymentMethod, amount: i64, id: &str) -> Result<(), SummaryError> {
        let i = METHODS.iter().position(|m| *m == method).unwrap_or(METHODS.len());
        acc(self.0.entry(i).or_insert(0), amount, id)
    }
}

impl Serialize for PaymentTotals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (i, v) in &self.0 {
            if let Some(method) = METHODS.get(*i) {
                m.serialize_entry(method.as_str(), v)?;
            }
        }
        m.end()
    }
}

/// `closing.summary` (api.md §10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Completed operations of every type.
    pub operation_count: i64,
    /// Turnover, gross.
    pub total_gross: i64,
    /// Turnover, net (Σ `tax_breakdown.taxable_amount`).
    pub total_net: i64,
    /// Turnover, tax (Σ `tax_breakdown.tax_amount`).
    pub total_tax: i64,
    /// Inbound − outbound per method over the turnover operations.
    pub total_by_payment_method: PaymentTotals,
    /// Counts and sums per type.
    pub by_operation_type: ByOperationType,
    /// Turnover per (rate, category, natura).
    pub tax_breakdown: Vec<SummaryTaxEntry>,
}

#[derive(Deserialize)]
struct BucketView {
    rate: TaxRate,
    category: TaxCategory,
    #[serde(default)]
    natura: Option<String>,
    net: i64,
    tax: i64,
}

#[derive(Deserialize)]
struct TotalsView {
    total_gross: i64,
    tax_breakdown: Vec<BucketView>,
    #[serde(default)]
    deposit_applied: i64,
    #[serde(default)]
    net_payable: i64,
}

#[derive(Deserialize)]
struct PaymentView {
    method: PaymentMethod,
    direction: PaymentDirection,
    amount: i64,
}

#[derive(Deserialize)]
struct DepositApplicationView {
    tax_breakdown: Vec<BucketView>,
}

#[derive(Deserialize)]
struct SaleLikeView {
    totals: TotalsView,
    #[serde(default)]
    payments: Vec<PaymentView>,
    #[serde(default)]
    returned_totals: Option<TotalsView>,
    #[serde(default)]
    deposit_application: Option<DepositApplicationView>,
}

#[derive(Deserialize)]
struct CashView {
    direction: String,
    amount: i64,
}

type BucketKey = (Reverse<TaxRate>, TaxCategory, Option<String>);

/// A signed turnover contribution.
#[derive(Default)]
struct Turnover {
    gross: i64,
    buckets: Vec<(BucketKey, i64, i64)>,
}

impl Turnover {
    fn add_buckets(&mut self, rows: &[BucketView], sign: i64) {
        for b in rows {
            let key = (Reverse(b.rate), b.category, b.natura.clone());
            self.buckets.push((key, sign * b.net, sign * b.tax));
        }
    }

    fn negate(mut self) -> Self {
        self.gross = -self.gross;
        for b in &mut self.buckets {
            b.1 = -b.1;
            b.2 = -b.2;
        }
        self
    }
}

fn err(id: &str, message: impl Into<String>) -> SummaryError {
    SummaryError { id: id.to_owned(), message: message.into() }
}

fn acc(total: &mut i64, v: i64, id: &str) -> Result<(), SummaryError> {
    *total = total.checked_add(v).ok_or_else(|| err(id, "sum out of range"))?;
    Ok(())
}

fn view<T: for<'de> Deserialize<'de>>(op: &ClosedOperation) -> Result<T, SummaryError> {
    T::deserialize(&op.data).map_err(|e| err(&op.id, format!("unreadable {} data: {e}", op.kind)))
}

/// The type a void's copied block came from, when the caller does not know it.
fn infer_original(data: &Value) -> Option<&'static str> {
    let has = |k: &str| data.get(k).is_some_and(|v| !v.is_null());
    if has("returned_totals") {
        Some("exchange")
    } else if has("deposit_application") {
        Some("deposit_capture")
    } else if has("full_refund") {
        Some("refund")
    } else if has("totals") {
        Some("sale")
    } else if has("direction") && has("amount") {
        Some("cash_movement")
    } else {
        None
    }
}

/// What an operation of `kind` with block `v` adds to turnover.
fn turnover(kind: &str, v: &SaleLikeView, id: &str) -> Result<Turnover, SummaryError> {
    let mut t = Turnover::default();
    match kind {
        "sale" | "deposit" => {
            t.gross = v.totals.total_gross;
            t.add_buckets(&v.totals.tax_breakdown, 1);
        }
        "refund" => {
            t.gross = -v.totals.total_gross;
            t.add_buckets(&v.totals.tax_breakdown, -1);
        }
        "exchange" => {
            let returned =
                v.returned_totals.as_ref().ok_or_else(|| err(id, "exchange data without returned_totals"))?;
            t.gross = v.totals.total_gross.checked_sub(returned.total_gross).ok_or_else(|| err(id, "out of range"))?;
            t.add_buckets(&v.totals.tax_breakdown, 1);
            t.add_buckets(&returned.tax_breakdown, -1);
        }
        "deposit_capture" => {
            let applied =
                v.deposit_application.as_ref().ok_or_else(|| err(id, "capture data without deposit_application"))?;
            t.gross =
                v.totals.total_gross.checked_sub(v.totals.deposit_applied).ok_or_else(|| err(id, "out of range"))?;
            t.add_buckets(&v.totals.tax_breakdown, 1);
            t.add_buckets(&applied.tax_breakdown, -1);
        }
        other => return Err(err(id, format!("a void of a {other} cannot be summarised"))),
    }
    Ok(t)
}

/// Computes the summary of the operations a closing covers.
pub fn summarize(ops: &[ClosedOperation]) -> Result<Summary, SummaryError> {
    let mut s = Summary::default();
    let mut buckets: BTreeMap<BucketKey, (i64, i64)> = BTreeMap::new();
    for op in ops {
        let id = op.id.as_str();
        if op.state == "cancelled" {
            s.by_operation_type.cancelled.count += 1;
            continue;
        }
        if op.state != "completed" || !matches!(op.fiscal_state.as_str(), "succeeded" | "failed") {
            continue;
        }
        s.operation_count += 1;
        let by = &mut s.by_operation_type;
        if op.kind == "cash_movement" {
            let c: CashView = view(op)?;
            by.cash_movements.count += 1;
            match c.direction.as_str() {
                "in" => acc(&mut by.cash_movements.cash_in_total, c.amount, id)?,
                "out" => acc(&mut by.cash_movements.cash_out_total, c.amount, id)?,
                other => return Err(err(id, format!("unknown cash movement direction {other}"))),
            }
            continue;
        }
        if !matches!(
            op.kind.as_str(),
            "sale" | "training" | "deposit" | "deposit_capture" | "refund" | "exchange" | "void"
        ) {
            return Err(err(id, format!("unknown operation type {}", op.kind)));
        }
        if op.kind == "void"
            && (op.original_kind.as_deref().or_else(|| infer_original(&op.data)) == Some("cash_movement"))
        {
            // A voided cash movement: no turnover, no payments.
            by.voids.count += 1;
            continue;
        }
        let v: SaleLikeView = view(op)?;
        let effect = match op.kind.as_str() {
            "training" => {
                by.trainings.count += 1;
                acc(&mut by.trainings.total_gross, v.totals.total_gross, id)?;
                continue;
            }
            "sale" => {
                by.sales.count += 1;
                acc(&mut by.sales.total_gross, v.totals.total_gross, id)?;
                turnover("sale", &v, id)?
            }
            "deposit" => {
                by.deposits.count += 1;
                acc(&mut by.deposits.total_gross, v.totals.total_gross, id)?;
                turnover("deposit", &v, id)?
            }
            "refund" => {
                by.refunds.count += 1;
                acc(&mut by.refunds.total_gross, v.totals.total_gross, id)?;
                turnover("refund", &v, id)?
            }
            "exchange" => {
                by.exchanges.count += 1;
                acc(&mut by.exchanges.net_payable, v.totals.net_payable, id)?;
                turnover("exchange", &v, id)?
            }
            "deposit_capture" => {
                by.deposit_captures.count += 1;
                acc(&mut by.deposit_captures.total_gross, v.totals.total_gross, id)?;
                acc(&mut by.deposit_captures.deposit_applied, v.totals.deposit_applied, id)?;
                turnover("deposit_capture", &v, id)?
            }
            _ => {
                let original = op
                    .original_kind
                    .as_deref()
                    .or_else(|| infer_original(&op.data))
                    .ok_or_else(|| err(id, "the voided operation's type is unknown"))?;
                let effect = turnover(original, &v, id)?.negate();
                by.voids.count += 1;
                acc(&mut by.voids.total_gross, -effect.gross, id)?;
                effect
            }
        };
        acc(&mut s.total_gross, effect.gross, id)?;
        for (key, net, tax) in effect.buckets {
            let e = buckets.entry(key).or_insert((0, 0));
            acc(&mut e.0, net, id)?;
            acc(&mut e.1, tax, id)?;
        }
        for p in &v.payments {
            let signed = match p.direction {
                PaymentDirection::Inbound => p.amount,
                PaymentDirection::Outbound => -p.amount,
            };
            s.total_by_payment_method.add(p.method, signed, id)?;
        }
    }
    for ((Reverse(rate), category, natura), (net, tax)) in buckets {
        acc(&mut s.total_net, net, "summary")?;
        acc(&mut s.total_tax, tax, "summary")?;
        s.tax_breakdown.push(SummaryTaxEntry { rate, category, natura, taxable_amount: net, tax_amount: tax });
    }
    Ok(s)
}

#[cfg(test)]
#[path = "closing_tests.rs"]
mod tests;
