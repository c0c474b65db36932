//! The `data` block of each operation type (api.md §7.4, §8), computed from the merged inputs,
//! the settlement and, for refunds, exchanges, voids and deposit captures, the original operation.
//! Sale-like types use [`openfiskal_core::operation::compute`]; returned lines use
//! [`build_returned_lines`]; totals are summed by the core. Everything computed is stored; nothing
//! is derived at render time.

use openfiskal_core::operation::{
    self as model, ChildIds, ChildKind, Context, Customer, DataError, Jurisdiction, LineItem, LineItemInput, Money,
    Payment, PaymentInput, ReturnLineInput, ReturnedSoFar, SaleInput, SaleKind, Stage, StoredLine, Totals,
    build_returned_lines, remaining_lines,
};
use openfiskal_store::repo::operations::OperationRow;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::kind::OpKind;
use crate::error::ApiError;
use crate::json::from_value;

/// The original operation of a refund, exchange, void or deposit capture.
pub struct Original {
    /// As stored.
    pub row: OperationRow,
    /// Its type.
    pub kind: OpKind,
    /// Its `data`.
    pub data: Value,
    /// What completed refunds and exchanges already took from its lines.
    pub returned: ReturnedSoFar,
}

impl Original {
    fn lines(&self) -> Result<Vec<StoredLine>, ApiError> {
        serde_json::from_value(self.data["line_items"].clone()).map_err(|e| ApiError::internal(&e))
    }
}

/// Child ids that replay the ids of the last computation, kind by kind in order, then fresh ones;
/// so `li_`, `ldsc_` and `cdsc_` ids stay stable unless their list is replaced (api.md §8.1).
pub struct StableIds<'a> {
    replay: Vec<std::collections::VecDeque<String>>,
    fresh: &'a mut dyn ChildIds,
}

const KINDS: [ChildKind; 3] = [ChildKind::LineItem, ChildKind::LineDiscount, ChildKind::CartDiscount];

impl<'a> StableIds<'a> {
    /// Replays `previous` (per kind, in order), then asks `fresh`.
    pub fn new(previous: &[String], fresh: &'a mut dyn ChildIds) -> Self {
        let replay =
            KINDS.iter().map(|k| previous.iter().filter(|id| id.starts_with(k.prefix())).cloned().collect()).collect();
        Self { replay, fresh }
    }
}

impl ChildIds for StableIds<'_> {
    fn next_id(&mut self, kind: ChildKind) -> String {
        let queue = KINDS.iter().position(|k| *k == kind).and_then(|i| self.replay.get_mut(i));
        queue.and_then(std::collections::VecDeque::pop_front).unwrap_or_else(|| self.fresh.next_id(kind))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CashInput {
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    reason: Option<MovementReason>,
    #[serde(default)]
    description: Option<String>,
}

/// Cash in or out of the drawer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Direction {
    In,
    Out,
}

/// The reason of a cash movement (api.md §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum MovementReason {
    Float,
    SafeDrop,
    Banking,
    Payout,
    PayIn,
    Other,
}

/// Returned lines: references to the original's lines, or free lines without an original.
#[derive(Debug, Default, Deserialize)]
struct ReturnsInput {
    #[serde(default)]
    line_items: Option<Value>,
    #[serde(default)]
    returned_line_items: Option<Value>,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    payments: Option<Vec<PaymentInput>>,
    #[serde(default)]
    rounding_adjustment: Option<Money>,
}

/// What a computation needs besides the inputs.
pub struct Input<'a> {
    /// The type.
    pub kind: OpKind,
    /// The merged inputs of the operation.
    pub inputs: &'a Map<String, Value>,
    /// `payments`, `rounding_adjustment` (complete only).
    pub settle: &'a Map<String, Value>,
    /// The original, for the types that have one.
    pub original: Option<&'a Original>,
    /// The register's jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// The receipt's local date.
    pub date: jiff::civil::Date,
    /// Open or completing.
    pub stage: Stage,
}

fn merged(a: &Map<String, Value>, b: &Map<String, Value>, drop: &[&str]) -> Value {
    let mut m = a.clone();
    m.extend(b.clone());
    for k in drop {
        m.remove(*k);
    }
    Value::Object(m)
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::internal(&e))
}

/// Computes the `data` block.
pub fn compute(i: &Input<'_>, ids: &mut dyn ChildIds) -> Result<Value, ApiError> {
    match i.kind {
        OpKind::CashMovement => cash_movement(i.inputs),
        OpKind::Sale | OpKind::Training | OpKind::Deposit => {
            let kind = match i.kind {
                OpKind::Training => SaleKind::Training,
                OpKind::Deposit => SaleKind::Deposit,
                _ => SaleKind::Sale,
            };
            let input: SaleInput = from_value(merged(i.inputs, i.settle, &[]))?;
            let ctx = Context::new(i.jurisdiction, kind, i.stage, i.date);
            to_value(&model::compute(&input, &ctx, ids)?)
        }
        OpKind::DepositCapture => deposit_capture(i, ids),
        OpKind::Refund | OpKind::Exchange => returns(i, ids),
        OpKind::Void => void(i.original.ok_or_else(|| ApiError::internal(&"void without original"))?),
    }
}

fn cash_movement(inputs: &Map<String, Value>) -> Result<Value, ApiError> {
    let c: CashInput = from_value(Value::Object(inputs.clone()))?;
    let direction = c.direction.ok_or_else(|| ApiError::invalid("direction", "direction is required."))?;
    let amount = c.amount.ok_or_else(|| ApiError::invalid("amount", "amount is required."))?;
    let reason = c.reason.ok_or_else(|| ApiError::invalid("reason", "reason is required."))?;
    if !(1..=99_999_999_999).contains(&amount) {
        return Err(ApiError::invalid("amount", "amount must be 1 … 99 999 999 999 minor units."));
    }
    crate::validate::opt_length("description", c.description.as_deref(), 200)?;
    Ok(
        json!({"direction": direction, "amount": amount, "currency": "EUR", "reason": reason, "description": c.description}),
    )
}

fn deposit_capture(i: &Input<'_>, ids: &mut dyn ChildIds) -> Result<Value, ApiError> {
    let deposit = i.original.ok_or_else(|| ApiError::internal(&"capture without deposit"))?;
    let input: SaleInput = from_value(merged(i.inputs, i.settle, &[]))?;
    // The payment rule differs (goods minus deposit): compute as open, check completion here.
    let ctx = Context::new(i.jurisdiction, SaleKind::Deposit, Stage::Open, i.date);
    let mut data = model::compute(&input, &ctx, ids)?;
    let applied: Money =
        serde_json::from_value(deposit.data["totals"]["total_gross"].clone()).map_err(|e| ApiError::internal(&e))?;
    let deposit_breakdown = &deposit.data["totals"]["tax_breakdown"];
    data.totals.deposit_applied = applied;
    data.totals.net_payable = data.totals.total_gross.checked_sub(applied).map_err(|e| out_of_range("totals", e))?;
    if i.stage == Stage::Complete {
        if data.line_items.is_empty() {
            return Err(DataError::invalid("line_items", "a completed operation needs at least one line item").into());
        }
        for bucket in deposit_breakdown.as_array().into_iter().flatten() {
            let gross_here = data
                .totals
                .tax_breakdown
                .iter()
                .filter(|b| to_value(&b.rate).ok() == Some(bucket["rate"].clone()))
                .filter(|b| to_value(&b.category).ok() == Some(bucket["category"].clone()))
                .map(|b| b.gross.minor())
                .sum::<i64>();
            if gross_here < bucket["gross"].as_i64().unwrap_or(0) {
                let msg = format!(
                    "the goods at rate {} hold less gross than the deposit did; capture the deposit with the goods it prepaid",
                    bucket["rate"]
                );
                return Err(DataError::fiscal("line_items", "deposit_rate_mismatch", msg).into());
            }
        }
        model::completion::check_settles(&data.payments, data.totals.net_payable)?;
    }
    let mut v = to_value(&data)?;
    v["deposit_application"] = json!({
        "deposit_operation_id": deposit.row.id, "amount": applied, "tax_breakdown": deposit_breakdown,
    });
    Ok(v)
}

fn out_of_range(param: &str, e: model::MoneyError) -> ApiError {
    DataError::out_of_range(param, e).into()
}

/// Refund lines or an exchange's returned lines at `key`.
fn returned_lines(
    i: &Input<'_>,
    raw: Option<&Value>,
    key: &str,
    ctx: &Context,
    ids: &mut dyn ChildIds,
) -> Result<(Vec<LineItem>, bool), ApiError> {
    match (i.original, raw) {
        (Some(orig), Some(raw)) => {
            let refs: Vec<ReturnLineInput> = from_value(raw.clone()).map_err(|e| prefix(e, key))?;
            Ok((build_returned_lines(&refs, &orig.lines()?, &orig.returned, key, ids)?, false))
        }
        // Nothing sent against an original: at completion everything still refundable (full refund).
        (Some(orig), None) if i.stage == Stage::Complete && i.kind == OpKind::Refund => {
            let lines = orig.lines()?;
            let all = remaining_lines(&lines, &orig.returned);
            if all.is_empty() {
                let msg = "nothing of the original operation is left to refund";
                return Err(DataError::fiscal(key, "refund_quantity_exceeded", msg).into());
            }
            Ok((build_returned_lines(&all, &lines, &orig.returned, key, ids)?, true))
        }
        (None, Some(raw)) => {
            let free: Vec<LineItemInput> = from_value(raw.clone()).map_err(|e| prefix(e, key))?;
            let mut lines = Vec::with_capacity(free.len());
            for (n, l) in free.iter().enumerate() {
                if l.line_discounts.as_ref().is_some_and(|d| !d.is_empty()) {
                    return Err(ApiError::invalid(
                        format!("{key}[{n}].line_discounts"),
                        "Returned lines carry no discounts of their own.",
                    ));
                }
                let mut line = model::line::build_line(n, l, ctx, ids)?;
                line.finish(n)?;
                lines.push(line);
            }
            Ok((lines, false))
        }
        _ => Ok((Vec::new(), false)),
    }
}

fn prefix(mut e: ApiError, key: &str) -> ApiError {
    e.param = Some(match e.param.take() {
        Some(p) if p.starts_with('[') => format!("{key}{p}"),
        Some(p) => format!("{key}.{p}"),
        None => key.to_owned(),
    });
    e
}

fn returns(i: &Input<'_>, ids: &mut dyn ChildIds) -> Result<Value, ApiError> {
    let r: ReturnsInput = from_value(merged(i.inputs, i.settle, &["cart_discounts"]))?;
    let ctx = Context::new(i.jurisdiction, SaleKind::Sale, Stage::Open, i.date);
    if let Some(c) = &r.customer {
        model::customer::check_customer(c, &ctx)?;
    }
    let payments = r
        .payments
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(n, p)| model::payment_rules::build_payment(n, p, &ctx))
        .collect::<Result<Vec<Payment>, _>>()?;
    let rounding = r.rounding_adjustment.unwrap_or_default();
    if i.kind == OpKind::Refund {
        let (lines, full_refund) = returned_lines(i, r.line_items.as_ref(), "line_items", &ctx, ids)?;
        let mut totals = model::totals::build_totals(&lines, &[], rounding, &ctx)?;
        totals.net_payable = negate(totals.total_gross)?;
        complete_checks(i, &lines, &payments, &totals)?;
        return Ok(json!({"currency": "EUR", "line_items": to_value(&lines)?, "totals": to_value(&totals)?,
            "payments": to_value(&payments)?, "customer": r.customer, "full_refund": full_refund}));
    }
    let (returned, _) = returned_lines(i, r.returned_line_items.as_ref(), "returned_line_items", &ctx, ids)?;
    // The new lines carry the cash rounding (checked against the jurisdiction by the core).
    let rounding_part: Map<String, Value> =
        i.settle.iter().filter(|(k, _)| *k == "rounding_adjustment").map(|(k, v)| (k.clone(), v.clone())).collect();
    let sale_part = merged(i.inputs, &rounding_part, &["returned_line_items", "customer"]);
    let new: SaleInput = from_value(sale_part)?;
    let mut sale = model::compute(&new, &ctx, ids)?;
    let returned_totals = model::totals::build_totals(&returned, &[], Money::ZERO, &ctx)?;
    sale.totals.net_payable =
        sale.totals.total_gross.checked_sub(returned_totals.total_gross).map_err(|e| out_of_range("totals", e))?;
    if i.stage == Stage::Complete && returned.is_empty() {
        return Err(DataError::invalid("returned_line_items", "an exchange needs at least one returned line").into());
    }
    complete_checks(i, &sale.line_items, &payments, &sale.totals)?;
    Ok(
        json!({"currency": "EUR", "returned_line_items": to_value(&returned)?, "line_items": to_value(&sale.line_items)?,
        "cart_discounts": to_value(&sale.cart_discounts)?, "returned_totals": to_value(&returned_totals)?,
        "totals": to_value(&sale.totals)?, "payments": to_value(&payments)?, "customer": r.customer}),
    )
}

fn negate(m: Money) -> Result<Money, ApiError> {
    Money::ZERO.checked_sub(m).map_err(|e| out_of_range("totals", e))
}

fn complete_checks(i: &Input<'_>, lines: &[LineItem], payments: &[Payment], totals: &Totals) -> Result<(), ApiError> {
    if i.stage != Stage::Complete {
        return Ok(());
    }
    if lines.is_empty() {
        return Err(DataError::invalid("line_items", "a completed operation needs at least one line item").into());
    }
    Ok(model::completion::check_settles(payments, totals.net_payable)?)
}

/// A void's `data` (api.md §7.4): the original's block, `net_payable` negated, payments reversed.
fn void(orig: &Original) -> Result<Value, ApiError> {
    let mut data = orig.data.clone();
    if let Some(n) = data["totals"]["net_payable"].as_i64() {
        data["totals"]["net_payable"] = json!(-n);
    }
    // `get_mut`, not indexing: a block without payments (a cash movement's) must not gain a `null`.
    for p in data.get_mut("payments").and_then(Value::as_array_mut).into_iter().flatten() {
        let flipped = if p["direction"] == "inbound" { "outbound" } else { "inbound" };
        p["direction"] = json!(flipped);
    }
    Ok(data)
}
