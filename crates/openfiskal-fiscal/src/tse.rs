//! German TSE transactions inside the caller's transaction (de-tse.md §5): StartTransaction at an
//! operation's start, FinishTransaction at complete or cancel. The transaction number and the
//! signature counter come from the unit's row (guarded updates), the log time never goes backwards
//! within a unit, and every signed log is journalled before the transaction commits.

use openfiskal_core::document::TseEvent;
use openfiskal_core::regime::StartRecord;
use openfiskal_core::{Jurisdiction, Timestamp};
use openfiskal_de_tse::{QrCode, TseAlgorithm, TseChain, TseStep};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::FiscalUnitRow;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::fiscal::device::{self, DeviceFailure};
use crate::fiscal::{journal, keys};
use crate::state::AppState;

/// Signing budget of a fiscal step (api.md §1.12).
pub const SIGNING_BUDGET_MS: i64 = 2_000;

/// Why a TSE step did not happen.
#[derive(Debug)]
pub enum TseStepError {
    /// The device failed or timed out: the regime's outage path applies.
    Device(DeviceFailure),
    /// Anything else: nothing may be stored.
    Other(ApiError),
}

impl From<openfiskal_store::StoreError> for TseStepError {
    fn from(e: openfiskal_store::StoreError) -> Self {
        Self::Other(e.into())
    }
}

impl From<ApiError> for TseStepError {
    fn from(e: ApiError) -> Self {
        Self::Other(e)
    }
}

fn registration(unit: &FiscalUnitRow) -> Result<Value, ApiError> {
    serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null")).map_err(|e| ApiError::internal(&e))
}

fn last_log_time(unit: &FiscalUnitRow) -> i64 {
    unit.chain_state
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v["last_log_time"].as_i64())
        .unwrap_or(i64::MIN)
}

/// The unit's TSE chain as the regime step reads it from the row.
fn chain_of(unit: &FiscalUnitRow) -> Result<TseChain, ApiError> {
    Ok(TseChain {
        signature_counter: u64::try_from(unit.signature_counter).map_err(|e| ApiError::internal(&e))?,
        transaction_number: u64::try_from(unit.transaction_counter).map_err(|e| ApiError::internal(&e))?,
        last_log_time: last_log_time(unit),
    })
}

/// One TSE signing step in the caller's transaction: the device check, the pure regime step
/// ([`openfiskal_de_tse::record`]), the journal entry and one guarded update of the unit's chain.
/// Returns the transaction number and the event.
async fn step(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    operation_id: &str,
    step: TseStep<'_>,
) -> Result<(i64, TseEvent), TseStepError> {
    let now = app.now_us();
    device::check(db, &unit.organization_id, &unit.id, Jurisdiction::De, now, SIGNING_BUDGET_MS)
        .await
        .map_err(TseStepError::Device)?;
    let key = keys::signing_key(app, db, unit).await?;
    let recorded =
        openfiskal_de_tse::record(step, &chain_of(unit)?, &client_id(unit)?, now.div_euclid(1_000_000), &*key)
            .map_err(|e| ApiError::internal(&e))?;
    let (process_type, process_data) = match step {
        TseStep::Start => (String::new(), String::new()),
        TseStep::Finish { process_type, process_data, .. } => (process_type.to_owned(), process_data.to_owned()),
    };
    let event = TseEvent {
        signed_at: Timestamp::from_micros(recorded.log.signed_at_unix * 1_000_000),
        transaction_counter: i64::try_from(recorded.log.signature_counter).map_err(|e| ApiError::internal(&e))?,
        signature: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &recorded.log.signature),
        process_type,
        process_data,
    };
    let record = StartRecord {
        kind: step.journal_kind(),
        record: recorded.log.der,
        record_format: "der_log_message",
        signature: Some(recorded.log.signature),
        fiscal: None,
    };
    let tx_number = i64::try_from(recorded.transaction_number).map_err(|e| ApiError::internal(&e))?;
    let chain_tx = i64::try_from(recorded.chain.transaction_number).map_err(|e| ApiError::internal(&e))?;
    let chain = json!({"last_log_time": recorded.chain.last_log_time}).to_string();
    journal::append_step(
        app,
        db,
        unit,
        &[record],
        recorded.log.signed_at_unix * 1_000_000,
        Some(operation_id),
        chain_tx,
        Some(chain),
    )
    .await?;
    Ok((tx_number, event))
}

fn client_id(unit: &FiscalUnitRow) -> Result<String, ApiError> {
    Ok(registration(unit)?["client_id"].as_str().unwrap_or_default().to_owned())
}

/// Signs a StartTransaction with a new transaction number; returns the number and the event.
pub async fn start(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    operation_id: &str,
) -> Result<(i64, TseEvent), TseStepError> {
    step(app, db, unit, operation_id, TseStep::Start).await
}

/// Signs the FinishTransaction of transaction `tx_number`.
pub async fn finish(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    operation_id: &str,
    tx_number: i64,
    process_type: &str,
    process_data: &str,
) -> Result<TseEvent, TseStepError> {
    let transaction_number = u64::try_from(tx_number).map_err(|e| ApiError::internal(&e))?;
    let finish = TseStep::Finish { transaction_number, process_type, process_data };
    Ok(step(app, db, unit, operation_id, finish).await?.1)
}

/// The 12-field DSFinV-K V0 string of a finished transaction (api.md §9.2, de-tse.md §7).
pub fn qr_data(unit: &FiscalUnitRow, tx_number: i64, start: &TseEvent, finish: &TseEvent) -> Result<String, ApiError> {
    let reg = registration(unit)?;
    // The unit's own algorithm, fixed by its curve at provisioning (de-tse.md §2.1).
    let algorithm = reg["signature_algorithm"]
        .as_str()
        .and_then(TseAlgorithm::from_name)
        .ok_or_else(|| ApiError::internal(&"the unit's registration names no TSE signature algorithm"))?;
    let public_key = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        reg["public_key"].as_str().unwrap_or_default(),
    )
    .map_err(|e| ApiError::internal(&e))?;
    let qr = QrCode {
        client_id: reg["client_id"].as_str().unwrap_or_default().to_owned(),
        process_type: finish.process_type.clone(),
        process_data: finish.process_data.clone(),
        transaction_number: u64::try_from(tx_number).map_err(|e| ApiError::internal(&e))?,
        signature_counter: u64::try_from(finish.transaction_counter).map_err(|e| ApiError::internal(&e))?,
        start_time: start.signed_at.as_secs(),
        log_time: finish.signed_at.as_secs(),
        algorithm,
        signature: base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &finish.signature)
            .map_err(|e| ApiError::internal(&e))?,
        public_key,
    };
    qr.to_qr_data().map_err(|e| ApiError::internal(&e))
}
