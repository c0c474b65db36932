//! Completing an operation and recording it with the TSE through the fiscal service.

use super::*;

/// State `completed`, completion time and the receipt's issuer snapshot (read before the step).
pub(super) fn mark_completed(app: &AppState, op: &mut OperationRow, issuer: String) -> Result<(), ApiError> {
    op.state = op.state.complete().map_err(|_| not_open())?;
    op.completed_at = Some(app.now_us());
    op.issuer = Some(issuer);
    Ok(())
}

/// The processData of completed `op`, from its computed `data` (de-tse.md §6).
pub(super) fn process_data(op: &OperationRow, original_kind: Option<&str>) -> Result<String, ApiError> {
    let data: Value = serde_json::from_str(&op.data).map_err(|e| ApiError::internal(&e))?;
    Ok(openfiskal_de_tse::operation_data::process_data(&op.kind, &data, original_kind)
        .map_err(|e| ApiError::internal(&e))?
        .to_string())
}

/// What recording a completed operation signs: its Finish, and a Start if none was signed (its
/// start failed).
fn record_plan(op: &OperationRow, original_kind: Option<&str>) -> Result<TsePlan, ApiError> {
    let process_data = process_data(op, original_kind)?;
    let process_type = openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG;
    let fiscal = tse_document(op)?;
    Ok(match (fiscal.transaction_number, &fiscal.start_event) {
        (Some(transaction_number), Some(_)) => TsePlan::Finish { transaction_number, process_type, process_data },
        _ => TsePlan::StartFinish { process_type, process_data },
    })
}

/// Signs the recording of completed `op` through the fiscal service and writes its outcome into
/// `op`; returns the step, whose transaction the caller completes and commits.
pub(super) async fn record(
    app: &AppState,
    op: &mut OperationRow,
    original_kind: Option<&str>,
    kind: StepKind,
) -> Result<TseStepTx, ApiError> {
    let plan = record_plan(op, original_kind)?;
    let mut step = app.fiscal.tse_step(&op.organization_id, &op.fiscal_unit_id, &op.id, &plan, kind).await?;
    apply_record(app, &mut step.tx, op, &step.unit, &step.outcome).await?;
    Ok(step)
}

/// Writes a recording's outcome into `op`: signed, the Finish (and a Start if this step signed
/// one), the receipt number and the QR code; after a device failure `failed` and the warning (the
/// till is never blocked, api.md §7.6; the service moved the unit to `error`). Times are those of
/// the step, never back-dated (api.md §7.5).
pub(super) async fn apply_record(
    app: &AppState,
    tx: &mut Tx,
    op: &mut OperationRow,
    unit: &FiscalUnitRow,
    outcome: &TseOutcome,
) -> Result<(), ApiError> {
    let mut fiscal = tse_document(op)?;
    let now = app.now_us();
    match outcome {
        TseOutcome::Signed(signed) => {
            let start = signed.start.clone().or_else(|| fiscal.start_event.clone());
            let (Some(start), Some(finish)) = (start, signed.finish.clone()) else {
                return Err(ApiError::internal(&"a recording signs a finish after a start"));
            };
            let tx_number = signed.transaction_number;
            let receipt = operations::next_receipt_number(tx, &op.register_id).await?;
            let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
            let year = Timestamp::from_micros(now).to_jiff().to_zoned(tz).year();
            fiscal.transaction_number = Some(tx_number);
            fiscal.verification.qr_data = Some(openfiskal_fiscal::tse::qr_data(unit, tx_number, &start, &finish)?);
            fiscal.start_event = Some(start);
            fiscal.end_event = Some(finish);
            fiscal.document_number = Some(format!("{year}-{receipt:06}"));
            fiscal.document_type = Some("Kassenbeleg".to_owned());
            fiscal.transmission_status = TransmissionStatus::Transmitted;
            fiscal.transmitted_at = Some(Timestamp::from_micros(now));
            fiscal.state = FiscalState::of_step(true);
        }
        TseOutcome::DeviceFailed(f) => {
            fiscal.tse_failure = Some(failure(app, f));
            fiscal.transmission_status = TransmissionStatus::Failed;
            fiscal.state = FiscalState::of_step(false);
            op.warnings = json!([{"code": "tse_failure", "message": TSE_FAILED}]).to_string();
        }
    }
    op.fiscal_state = fiscal.state;
    op.fiscal = to_json(&fiscal)?;
    Ok(())
}
