//! The original of a refund, exchange, void or deposit capture: loaded and checked (api.md §7.4).

use super::*;

pub(super) fn invalid_original(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::ORIGINAL_OPERATION_INVALID, message)
        .param("original_operation_id")
}

/// Loads and checks the original of a refund, exchange, void or deposit capture (api.md §7.4),
/// at start and again at complete; also what completed returns already took from its lines. Each
/// time on a read connection before signing (to compute `data`) and once more in the step's write
/// transaction ([`recheck_original`]), so two returns of one original racing on different units
/// cannot both take the same quantity.
pub(super) async fn load_original(
    tx: &mut impl Db,
    kind: OpKind,
    register: &RegisterRow,
    original_id: Option<&str>,
) -> Result<Option<Original>, ApiError> {
    let Some(id) = original_id else {
        return match kind {
            OpKind::Refund | OpKind::Void | OpKind::DepositCapture => {
                Err(ApiError::validation("original_operation_id", "original_operation_id is required."))
            }
            _ => Ok(None),
        };
    };
    let row = operations::lock(tx, &register.organization_id, id)
        .await?
        .ok_or_else(|| invalid_original("No operation with this id exists in the organization."))?;
    let orig_kind = OpKind::parse(&row.kind).ok_or_else(|| ApiError::internal(&"stored operation type"))?;
    if row.state != OperationState::Completed || row.fiscal_state != FiscalState::Succeeded {
        return Err(invalid_original("The original operation must be completed and fiscally succeeded."));
    }
    let fiscal: Value = serde_json::from_str(&row.fiscal).map_err(|e| ApiError::internal(&e))?;
    if fiscal["regime"] != register.jurisdiction.regime() {
        return Err(invalid_original("The original operation belongs to another jurisdiction."));
    }
    let later: Vec<OperationRow> = operations::referencing(tx, &register.organization_id, &row.id)
        .await?
        .into_iter()
        .filter(|o| o.state == OperationState::Completed)
        .collect();
    let voided = later.iter().any(|o| o.kind == "void");
    match kind {
        OpKind::Refund | OpKind::Exchange => {
            if !matches!(orig_kind, OpKind::Sale | OpKind::Exchange | OpKind::Deposit | OpKind::DepositCapture) {
                return Err(invalid_original("Only a sale, exchange, deposit or deposit capture can be returned."));
            }
            if voided {
                return Err(invalid_original("The original operation was voided."));
            }
        }
        OpKind::Void => {
            let why = if row.register_id != register.id {
                Some("A void must be on the original's register")
            } else if row.closing_id.is_some() {
                Some("The original is covered by a daily closing")
            } else if voided {
                Some("The original was voided already")
            } else if !later.is_empty() {
                Some("The original was partly refunded, exchanged or captured")
            } else if matches!(orig_kind, OpKind::Void | OpKind::Training) {
                Some("A void or a training cannot be voided")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(invalid_original(format!("{why}; use a refund instead.")));
            }
        }
        OpKind::DepositCapture => {
            if orig_kind != OpKind::Deposit {
                return Err(invalid_original("A deposit capture needs a deposit."));
            }
            if !later.is_empty() {
                return Err(invalid_original("The deposit was captured, voided or refunded already."));
            }
        }
        _ => return Err(ApiError::internal(&"original for a type without one")),
    }
    let mut returned = openfiskal_core::operation::ReturnedSoFar::new();
    for o in later.iter().filter(|o| o.kind == "refund" || o.kind == "exchange") {
        let d: Value = serde_json::from_str(&o.data).map_err(|e| ApiError::internal(&e))?;
        let key = if o.kind == "refund" { "line_items" } else { "returned_line_items" };
        for l in d[key].as_array().into_iter().flatten() {
            let Some(line_id) = l["original_line_id"].as_str() else { continue };
            let q = serde_json::from_value(l["quantity"].clone()).map_err(|e| ApiError::internal(&e))?;
            let a = serde_json::from_value(l["total_gross"].clone()).map_err(|e| ApiError::internal(&e))?;
            let entry = returned.entry(line_id.to_owned()).or_default();
            *entry = entry.add(q, a).map_err(|e| ApiError::internal(&e))?;
        }
    }
    let data = serde_json::from_str(&row.data).map_err(|e| ApiError::internal(&e))?;
    Ok(Some(Original { row, kind: orig_kind, data, returned }))
}

/// The check of [`load_original`] again inside the step's write transaction (on PostgreSQL the
/// original's row is locked until the step commits).
pub(super) async fn recheck_original(
    tx: &mut Tx,
    kind: OpKind,
    register: &RegisterRow,
    scope: &Scope,
) -> Result<(), ApiError> {
    let Some(original) = &scope.original else { return Ok(()) };
    let now = load_original(tx, kind, register, Some(&original.row.id)).await?;
    // Only what later returns took can have changed; the computed `data` must still fit.
    if now.as_ref().map(|o| &o.returned) != Some(&original.returned) {
        return Err(invalid_original("The original operation changed meanwhile; retry."));
    }
    Ok(())
}
