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
    let mut fiscal = tse_document(&op)?;
    let read = op.resource_version;
    let tx = match fiscal.transaction_number {
        Some(transaction_number) => {
            drop(db);
            let process_data = openfiskal_de_tse::ProcessData::cancel().to_string();
            let process_type = openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG;
            let plan = TsePlan::Finish { transaction_number, process_type, process_data };
            let step = app
                .fiscal
                .tse_step(&op.organization_id, &op.fiscal_unit_id, &op.id, &plan, StepKind::Operation)
                .await?;
            match step.outcome {
                TseOutcome::Signed(signed) => fiscal.end_event = signed.finish,
                TseOutcome::DeviceFailed(f) => {
                    // The operation stays open; the unit's failure is committed, nothing is answered
                    // as stored.
                    step.tx.commit().await?;
                    return Err(f.into());
                }
            }
            step.tx
        }
        None => {
            // Nothing to sign (its start failed), but a cancel is still a fiscal event of the unit.
            let unit = fiscal_units::get(&mut db, &op.organization_id, &op.fiscal_unit_id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            if unit.state != FiscalUnitState::Active {
                return Err(ApiError::conflict(
                    codes::FISCAL_UNIT_NOT_ACTIVE,
                    format!("The fiscal unit is {}.", unit.state),
                ));
            }
            drop(db);
            app.store.begin().await?
        }
    };
    op.state = cancelled;
    op.cancelled_at = Some(app.now_us());
    op.cancellation_reason = req.reason;
    op.fiscal = to_json(&fiscal)?;
    save(&app, tx, &idem, op, read).await
}
