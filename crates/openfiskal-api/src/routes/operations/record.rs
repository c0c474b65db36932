//! Completing and recording an operation with the TSE inside the request's transaction.

use super::*;

/// Completes an open operation whose `data` was computed at [`Stage::Complete`] inside `tx`: takes
/// the issuer snapshot, then signs the Finish (and a Start if none was signed).
pub(super) async fn complete_in_tx(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    scope: &Scope,
) -> Result<(), ApiError> {
    let mut unit = active_unit(tx, &op.organization_id, &op.fiscal_unit_id).await?;
    mark_completed(app, tx, register, op, scope).await?;
    let orig_kind = scope.original.as_ref().map(|o| o.kind.as_str());
    record_in_tx(app, tx, register, op, &mut unit, orig_kind).await
}

/// State `completed`, completion time and the receipt's issuer snapshot.
pub(super) async fn mark_completed(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    scope: &Scope,
) -> Result<(), ApiError> {
    op.state = op.state.complete().map_err(|_| not_open())?;
    op.completed_at = Some(app.now_us());
    op.issuer = Some(issuer_snapshot(tx, register, &scope.location).await?);
    Ok(())
}

/// Records a completed operation with the TSE: the Finish (and a Start if none was signed), the
/// receipt number and the QR code; a device failure leaves it `failed` and the unit in `error`.
/// Times are those of this call, never back-dated (api.md §7.5).
pub(super) async fn record_in_tx(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    unit: &mut FiscalUnitRow,
    original_kind: Option<&str>,
) -> Result<(), ApiError> {
    let data: Value = serde_json::from_str(&op.data).map_err(|e| ApiError::internal(&e))?;
    let mut fiscal = tse_document(op)?;
    let process = openfiskal_de_tse::operation_data::process_data(&op.kind, &data, original_kind)
        .map_err(|e| ApiError::internal(&e))?;
    let now = app.now_us();
    let result = async {
        let (tx_number, start) = match (fiscal.transaction_number, &fiscal.start_event) {
            (Some(n), Some(e)) => (n, e.clone()),
            _ => tse::start(app, tx, unit, &op.id).await?,
        };
        let finish = tse::finish(
            app,
            tx,
            unit,
            &op.id,
            tx_number,
            openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG,
            &process.to_string(),
        )
        .await?;
        Ok::<_, TseStepError>((tx_number, start, finish))
    }
    .await;
    match result {
        Ok((tx_number, start, finish)) => {
            let receipt = operations::next_receipt_number(tx, &register.id).await?;
            let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
            let year = Timestamp::from_micros(now).to_jiff().to_zoned(tz).year();
            fiscal.transaction_number = Some(tx_number);
            fiscal.verification.qr_data = Some(tse::qr_data(unit, tx_number, &start, &finish)?);
            fiscal.start_event = Some(start);
            fiscal.end_event = Some(finish);
            fiscal.document_number = Some(format!("{year}-{receipt:06}"));
            fiscal.document_type = Some("Kassenbeleg".to_owned());
            fiscal.transmission_status = TransmissionStatus::Transmitted;
            fiscal.transmitted_at = Some(Timestamp::from_micros(now));
            fiscal.state = FiscalState::of_step(true);
        }
        Err(TseStepError::Device(f)) => {
            // The till is never blocked: completed + failed, unit to error (api.md §7.6).
            lifecycle::unit_failed(app, tx, unit, &f).await?;
            fiscal.tse_failure = Some(failure(app, &f));
            fiscal.transmission_status = TransmissionStatus::Failed;
            fiscal.state = FiscalState::of_step(false);
            op.warnings = json!([{"code": "tse_failure", "message": TSE_FAILED}]).to_string();
        }
        Err(e) => return Err(e.into()),
    }
    op.fiscal_state = fiscal.state;
    op.fiscal = to_json(&fiscal)?;
    Ok(())
}
