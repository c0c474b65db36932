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
    let mut db = app.store.read().await?;
    let mut op = load_for_write(&mut db, &caller, kind, &id, &headers).await?;
    match (op.state, op.fiscal_state) {
        // Already recorded (also an open operation whose start is signed): 200 unchanged, whatever
        // the unit's state (api.md §7.5).
        (_, FiscalState::Succeeded) => {
            let body = operation_json(&op)?;
            let tx = app.store.begin().await?;
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
    let original_kind = original_kind(&mut db, &op).await?;
    let jurisdiction = register_jurisdiction(&mut db, &op).await?;
    drop(db);
    let tx = record(&app, jurisdiction, &mut op, original_kind.as_deref(), true, true).await?;
    save(&app, tx, &idem, op, read).await
}

/// The type of `op`'s original, which the processData of a return names.
async fn original_kind(db: &mut impl Db, op: &OperationRow) -> Result<Option<String>, ApiError> {
    Ok(match &op.original_operation_id {
        Some(id) => operations::get(db, &op.organization_id, id).await?.map(|o| o.kind),
        None => None,
    })
}

/// The jurisdiction of `op`'s register.
async fn register_jurisdiction(db: &mut impl Db, op: &OperationRow) -> Result<Jurisdiction, ApiError> {
    let register = registers::get(db, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    Ok(register.jurisdiction)
}

/// The automatic retry (api.md §7.5): signs up to `limit` completed operations whose
/// fiscalization failed and whose unit is `active` again, oldest first, each in its own step
/// (times are those of the retry). Stops at the first new device failure (that unit is in `error`
/// again). Returns how many are now `succeeded`.
pub async fn retry_failed(app: &AppState, limit: i64) -> Result<usize, ApiError> {
    let mut db = app.store.read().await?;
    let due = operations::failed_on_active_units(&mut db, limit).await?;
    let mut done = 0;
    for (org, id) in due {
        let Some(mut op) = operations::get(&mut db, &org, &id).await? else { continue };
        if (op.state, op.fiscal_state) != (OperationState::Completed, FiscalState::Failed) {
            continue; // fiscalized meanwhile
        }
        let read = op.resource_version;
        let original_kind = original_kind(&mut db, &op).await?;
        let jurisdiction = register_jurisdiction(&mut db, &op).await?;
        let mut tx = match record(app, jurisdiction, &mut op, original_kind.as_deref(), true, true).await {
            Ok(step) => step,
            Err(e) if e.status == StatusCode::CONFLICT => continue, // the unit left `active` meanwhile
            Err(e) => return Err(e),
        };
        let succeeded = op.fiscal_state == FiscalState::Succeeded;
        op.resource_version = read + 1;
        op.updated_at = app.now_us();
        match operations::update(&mut tx, &op, read).await {
            Ok(()) => tx.commit().await?,
            // Fiscalized by a request meanwhile: its step stands, this one is dropped.
            Err(e) if e.is_stale() => continue,
            Err(e) => return Err(e.into()),
        }
        if !succeeded {
            break;
        }
        done += 1;
    }
    Ok(done)
}
