//! PATCH and complete: the body applied to an open operation and `data` recomputed in one step.

use super::*;

/// Applies the PATCH-like fields of a PATCH or complete body to `op` (not a fiscal event).
pub(super) fn apply_changes(op: &mut OperationRow, body: &mut Body) -> Result<(), ApiError> {
    if let Some(c) = &body.cashier {
        op.cashier = to_json(c)?;
    }
    match std::mem::take(&mut body.external_id) {
        Patch::Value(v) => op.external_id = Some(v),
        Patch::Null => op.external_id = None,
        Patch::Absent => {}
    }
    if let Some(m) = body.metadata.take() {
        op.metadata = crate::validate::merge_metadata(&op.metadata, m)?;
    }
    Ok(())
}

/// An open operation loaded for a PATCH or complete: the body applied and `data` recomputed
/// (with the completion rules and payments for a complete).
pub(super) struct Change {
    pub(super) op: OperationRow,
    pub(super) register: RegisterRow,
    /// The version it was read at.
    pub(super) read: i64,
    pub(super) scope: Scope,
}

/// Loads the operation from `db` (a PATCH's write transaction, or a complete's read connection:
/// the step's guarded update of the operation catches a change made meanwhile) and applies `raw`.
#[allow(clippy::too_many_arguments, reason = "the request's parts, passed through")]
pub(super) async fn begin_change(
    app: &AppState,
    db: &mut impl Db,
    caller: &Caller,
    kind: OpKind,
    call: Call,
    id: &str,
    headers: &HeaderMap,
    raw: Map<String, Value>,
) -> Result<Change, ApiError> {
    let max_future = app.clock.now().plus_secs(300).as_micros();
    let mut body = body::split(kind, call, raw, max_future)?;
    let mut op = load_for_write(db, caller, kind, id, headers).await?;
    ensure_open(&op)?;
    let register = registers::get(db, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let read = op.resource_version;
    apply_changes(&mut op, &mut body)?;
    if call == Call::Complete {
        op.completed_occurred_at =
            body.occurred_at.as_deref().map(|t| body::device_time(t, "occurred_at", max_future)).transpose()?;
    }
    let mut stored = Stored::parse(&op.inputs, &op.data)?;
    stored.apply(std::mem::take(&mut body.inputs));
    let scope = Scope::load(app, db, kind, &register, op.original_operation_id.as_deref()).await?;
    let stage = if call == Call::Complete { Stage::Complete } else { Stage::Open };
    op.data = compute(app, &stored, &body.settle, &scope, stage)?;
    op.inputs = stored.to_json()?;
    Ok(Change { op, register, read, scope })
}

/// Change an open operation (lines, discounts, customer, cashier, metadata, …); not a fiscal
/// event: nothing is signed, whatever the unit's state.
#[utoipa::path(patch, path = "/v1/sales/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    summary = "Update an open sale",
    request_body(content = crate::schemas::bodies::SaleUpdateRequest, description = "The PATCH body of the type (api.md §7.4)"),
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(raw): AppJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    // Not a fiscal event: read and written in one short transaction.
    let mut tx = app.store.begin().await?;
    let Change { op, read, .. } = begin_change(&app, &mut tx, &caller, kind, Call::Patch, &id, &headers, raw).await?;
    save(&app, tx, &idem, op, read).await
}

/// Complete an operation: the body's fields are applied first, then DE signs FinishTransaction;
/// the answer carries the full fiscal document.
#[utoipa::path(post, path = "/v1/sales/{operationId}/complete", tag = "operations", params(("operationId" = String, Path)),
    summary = "Complete a sale",
    request_body(content = crate::schemas::bodies::SaleCompleteRequest, description = "The complete body of the type (api.md §7.4)"),
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(raw): AppJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let mut db = app.store.read().await?;
    let Change { mut op, register, read, scope } =
        begin_change(&app, &mut db, &caller, kind, Call::Complete, &id, &headers, raw).await?;
    let issuer = issuer_snapshot(&mut db, &register, &scope.location).await?;
    drop(db);
    mark_completed(&app, &mut op, issuer)?;
    let original_kind = scope.original.as_ref().map(|o| o.kind.as_str());
    let mut tx = record(&app, register.jurisdiction, &mut op, original_kind, true, false).await?;
    recheck_original(&mut tx, kind, &register, &scope).await?;
    save(&app, tx, &idem, op, read).await
}
