//! Completing an operation and recording it through the fiscal service's regime seam.

use super::*;

/// State `completed`, completion time and the receipt's issuer snapshot (read before the step).
pub(super) fn mark_completed(app: &AppState, op: &mut OperationRow, issuer: String) -> Result<(), ApiError> {
    op.state = op.state.complete().map_err(|_| not_open())?;
    op.completed_at = Some(app.now_us());
    op.issuer = Some(issuer);
    Ok(())
}

/// The operation as the fiscal service names it.
pub(super) fn op_ref(op: &OperationRow) -> OperationRef<'_> {
    OperationRef {
        org: &op.organization_id,
        register_id: &op.register_id,
        unit_id: &op.fiscal_unit_id,
        operation_id: &op.id,
        kind: &op.kind,
    }
}

/// Takes a step's fiscal document, state and warning into `op`.
pub(super) fn apply_step(op: &mut OperationRow, step: &OperationStepTx) {
    op.fiscal.clone_from(&step.fiscal);
    op.fiscal_state = step.fiscal_state;
    if let Some(w) = &step.warning {
        op.warnings = json!([{"code": w.code, "message": w.message}]).to_string();
    }
}

/// Records completed `op` (its `data` computed) through the fiscal service, a one-shot's
/// `data` included (`started` false): signed, or `failed` with the outage warning. Returns the
/// step's transaction, which the caller completes and commits.
pub(super) async fn record(
    app: &AppState,
    jurisdiction: Jurisdiction,
    op: &mut OperationRow,
    original_kind: Option<&str>,
    started: bool,
    fiscalize: bool,
) -> Result<Tx, ApiError> {
    let data: Value = serde_json::from_str(&op.data).map_err(|e| ApiError::internal(&e))?;
    let stored = started.then_some(op.fiscal.as_str());
    let step = OperationStep::Record { data: &data, original_kind, stored, fiscalize };
    let step = app.fiscal.operation_step(jurisdiction, op_ref(op), step).await?;
    apply_step(op, &step);
    Ok(step.tx)
}
