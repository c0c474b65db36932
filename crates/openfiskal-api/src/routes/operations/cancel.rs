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
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, kind, &id, &headers).await?;
    let cancelled = op.state.cancel().map_err(|_| {
        ApiError::conflict(codes::INVALID_STATE_TRANSITION, format!("A {} operation cannot be cancelled.", op.state))
    })?;
    let mut unit = active_unit(&mut tx, &op.organization_id, &op.fiscal_unit_id).await?;
    let mut fiscal = tse_document(&op)?;
    if let Some(n) = fiscal.transaction_number {
        let pd = openfiskal_de_tse::ProcessData::cancel().to_string();
        match tse::finish(&app, &mut tx, &mut unit, &op.id, n, openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG, &pd).await {
            Ok(e) => fiscal.end_event = Some(e),
            Err(TseStepError::Device(f)) => {
                // The operation stays open; the unit goes to error (committed), nothing is answered as stored.
                lifecycle::unit_failed(&app, &mut tx, &mut unit, &f).await?;
                tx.commit().await?;
                return Err(f.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let now = app.now_us();
    let read = op.resource_version;
    op.state = cancelled;
    op.cancelled_at = Some(now);
    op.cancellation_reason = req.reason;
    op.fiscal = to_json(&fiscal)?;
    save(&app, tx, &idem, op, read).await
}
