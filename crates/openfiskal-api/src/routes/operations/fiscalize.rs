//! Fiscalize and the automatic retry of operations whose recording failed (api.md §7.5).

use super::*;

/// Retry the recording of a completed operation whose fiscal state is `failed`.
#[utoipa::path(post, path = "/v1/sales/{operationId}/fiscalize", tag = "operations", params(("operationId" = String, Path)),
    summary = "Retry the fiscalization of a sale",
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn fiscalize_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(_empty): AppJson<crate::json::EmptyBody>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, kind, &id, &headers).await?;
    match (op.state, op.fiscal_state) {
        // Already recorded (also an open operation whose start is signed): 200 unchanged, whatever
        // the unit's state (api.md §7.5).
        (_, FiscalState::Succeeded) => {
            let body = operation_json(&op)?;
            return idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![etag(op.resource_version)]).await;
        }
        (OperationState::Completed, FiscalState::Failed) => {}
        _ => {
            return Err(ApiError::conflict(
                codes::INVALID_STATE_TRANSITION,
                "Only a completed operation whose fiscalization failed can be fiscalized.",
            ));
        }
    }
    let read = op.resource_version;
    refiscalize_in_tx(&app, &mut tx, &mut op).await?;
    save(&app, tx, &idem, op, read).await
}

/// Signs a completed + failed operation again under its unit's lock (fiscalize and the automatic
/// retry): `409` unless the unit is `active`; a new device failure leaves it `failed`.
pub(super) async fn refiscalize_in_tx(app: &AppState, tx: &mut Tx, op: &mut OperationRow) -> Result<(), ApiError> {
    let mut unit =
        fiscal_units::lock(tx, &op.organization_id, &op.fiscal_unit_id).await?.ok_or_else(ApiError::not_found)?;
    match unit.state {
        FiscalUnitState::Active => {}
        FiscalUnitState::Decommissioned => {
            return Err(ApiError::conflict(
                codes::FISCAL_UNIT_DECOMMISSIONED,
                "The operation's fiscal unit is decommissioned.",
            ));
        }
        other => return Err(ApiError::conflict(codes::FISCAL_UNIT_NOT_ACTIVE, format!("The fiscal unit is {other}."))),
    }
    let register = registers::get(tx, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let original_kind = match &op.original_operation_id {
        Some(id) => operations::get(tx, &op.organization_id, id).await?.map(|o| o.kind),
        None => None,
    };
    record_in_tx(app, tx, &register, op, &mut unit, original_kind.as_deref()).await
}

/// The automatic retry (api.md §7.5): signs up to `limit` completed operations whose
/// fiscalization failed and whose unit is `active` again, oldest first, each in its own
/// transaction (times are those of the retry). Stops at the first new device failure (that unit is
/// in `error` again). Returns how many are now `succeeded`.
pub async fn retry_failed(app: &AppState, limit: i64) -> Result<usize, ApiError> {
    let due = {
        let mut db = app.store.read().await?;
        operations::failed_on_active_units(&mut db, limit).await?
    };
    let mut done = 0;
    for (org, id) in due {
        let mut tx = app.store.begin().await?;
        let Some(mut op) = operations::get(&mut tx, &org, &id).await? else { continue };
        if (op.state, op.fiscal_state) != (OperationState::Completed, FiscalState::Failed) {
            continue; // fiscalized meanwhile
        }
        let read = op.resource_version;
        match refiscalize_in_tx(app, &mut tx, &mut op).await {
            Ok(()) => {}
            Err(e) if e.status == StatusCode::CONFLICT => continue, // the unit left `active` meanwhile
            Err(e) => return Err(e),
        }
        let succeeded = op.fiscal_state == FiscalState::Succeeded;
        op.resource_version = read + 1;
        op.updated_at = app.now_us();
        operations::update(&mut tx, &op, read).await?;
        tx.commit().await?;
        if !succeeded {
            break;
        }
        done += 1;
    }
    Ok(done)
}
