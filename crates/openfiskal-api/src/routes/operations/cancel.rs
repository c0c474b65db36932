//! Cancelling an open operation (DE: `AVBelegabbruch`).

use super::*;

/// `POST /v1/{type}/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Cancel an open operation: DE finishes the transaction as `AVBelegabbruch`; never a receipt.
#[utoipa::path(post, path = "/v1/sales/{operationId}/cancel", tag = "operations", params(("operationId" = String, Path)),
    summary = "Cancel an open sale",
    request_body = CancelRequest,
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<CancelRequest>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    opt_length("reason", req.reason.as_deref(), 500)?;
    let mut db = app.store.read().await?;
    let mut op = load_for_write(&mut db, &caller, kind, &id, &headers).await?;
    let cancelled = op.state.cancel().map_err(|_| {
        ApiError::conflict(codes::INVALID_STATE_TRANSITION, format!("A {} operation cannot be cancelled.", op.state))
    })?;
    let read = op.resource_version;
    let register =
        registers::get(&mut db, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    drop(db);
    let step = app
        .fiscal
        .operation_step(register.jurisdiction, op_ref(&op), OperationStep::Cancel { stored: &op.fiscal })
        .await?;
    if let Some(f) = step.failed {
        // The operation stays open; the unit's failure is committed, nothing is answered as stored.
        step.tx.commit().await?;
        return Err(f.into());
    }
    op.fiscal.clone_from(&step.fiscal);
    let tx = step.tx;
    op.state = cancelled;
    op.cancelled_at = Some(app.now_us());
    op.cancellation_reason = req.reason;
    save(&app, tx, &idem, op, read).await
}
