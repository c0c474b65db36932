//! The `tse` fiscal document of an operation (api.md §9.2, `operation.fiscal`) and how each outcome
//! of a signing step changes it. Pure: the caller brings the signed events, the receipt number it
//! allocated and the time.

use openfiskal_core::document::{TransmissionStatus, TseDocument, TseEvent, TseFailure};
use openfiskal_core::{FiscalState, Timestamp};
use serde_json::Value;

use crate::algorithm::TseAlgorithm;
use crate::error::TseError;
use crate::qr::QrCode;

/// The warning of an operation completed while its TSE failed (api.md §7.6, AEAO § 146a No. 7.2).
pub const TSE_FAILED: &str = "The TSE failed; print \"TSE ausgefallen\" and fiscalize later.";

/// The warning of an open operation whose StartTransaction failed.
pub const TSE_FAILED_AT_START: &str = "The TSE failed at start.";

/// The document of a new operation on unit `fiscal_unit_id` with the unit's `tse` registration:
/// nothing signed yet.
pub fn initial(fiscal_unit_id: &str, registration: &Value, kind: &str) -> TseDocument {
    TseDocument::new(fiscal_unit_id, registration, kind == "training")
}

/// An open operation's StartTransaction is signed.
pub fn started(doc: &mut TseDocument, transaction_number: i64, start: TseEvent) {
    doc.transaction_number = Some(transaction_number);
    doc.start_event = Some(start);
    doc.state = FiscalState::of_step(true);
}

/// A completed operation is recorded: its FinishTransaction (and its StartTransaction, when this
/// step signed it) with the QR code of the unit's `registration`, the document number
/// `document_number` and the time of transmission.
pub fn recorded(
    doc: &mut TseDocument,
    registration: &Value,
    transaction_number: i64,
    start: Option<TseEvent>,
    finish: TseEvent,
    document_number: String,
    now: Timestamp,
) -> Result<(), TseError> {
    let start = start.or_else(|| doc.start_event.clone()).ok_or(TseError::invalid("start_event", "never signed"))?;
    doc.verification.qr_data = Some(qr_data(registration, transaction_number, &start, &finish)?);
    doc.transaction_number = Some(transaction_number);
    doc.start_event = Some(start);
    doc.end_event = Some(finish);
    doc.document_number = Some(document_number);
    doc.document_type = Some("Kassenbeleg".to_owned());
    doc.transmission_status = TransmissionStatus::Transmitted;
    doc.transmitted_at = Some(now);
    doc.state = FiscalState::of_step(true);
    Ok(())
}

/// The device failed at `since`. A completed operation (`completed`) is `failed` and fiscalized
/// later; an open one stays `pending`.
pub fn failed(doc: &mut TseDocument, reason: &str, since: Timestamp, completed: bool) {
    doc.tse_failure = Some(TseFailure { reason: format!("TSE {reason}"), since });
    if completed {
        doc.transmission_status = TransmissionStatus::Failed;
        doc.state = FiscalState::of_step(false);
    }
}

/// The 12-field DSFinV-K V0 string of a finished transaction (de-tse.md §7) for the unit's
/// `registration`.
pub fn qr_data(
    registration: &Value,
    transaction_number: i64,
    start: &TseEvent,
    finish: &TseEvent,
) -> Result<String, TseError> {
    let text = |k: &'static str| registration[k].as_str().ok_or(TseError::invalid(k, "missing in the registration"));
    // The unit's own algorithm, fixed by its curve at provisioning (de-tse.md §2.1).
    let algorithm = TseAlgorithm::from_name(text("signature_algorithm")?)
        .ok_or(TseError::invalid("signature_algorithm", "not a TSE algorithm"))?;
    let b64 = |k: &'static str, s: &str| {
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, s)
            .map_err(|_| TseError::invalid(k, "not base64"))
    };
    let count = |k: &'static str, n: i64| u64::try_from(n).map_err(|_| TseError::invalid(k, "negative"));
    let qr = QrCode {
        client_id: text("client_id")?.to_owned(),
        process_type: finish.process_type.clone(),
        process_data: finish.process_data.clone(),
        transaction_number: count("transaction_number", transaction_number)?,
        signature_counter: count("transaction_counter", finish.transaction_counter)?,
        start_time: start.signed_at.as_secs(),
        log_time: finish.signed_at.as_secs(),
        algorithm,
        signature: b64("signature", &finish.signature)?,
        public_key: b64("public_key", text("public_key")?)?,
    };
    qr.to_qr_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_fails_a_completed_operation_but_leaves_an_open_one_pending() {
        let registration = serde_json::json!({"client_id": "K1", "tse_serial": "ab"});
        let since = Timestamp::from_micros(1_700_000_000_000_000);
        let mut open = initial("fu_1", &registration, "sale");
        failed(&mut open, "device unreachable", since, false);
        assert_eq!((open.state, open.transmission_status), (FiscalState::Pending, TransmissionStatus::Pending));
        assert_eq!(open.tse_failure.as_ref().map(|f| f.reason.as_str()), Some("TSE device unreachable"));
        let mut done = initial("fu_1", &registration, "training");
        assert!(done.training);
        failed(&mut done, "device unreachable", since, true);
        assert_eq!((done.state, done.transmission_status), (FiscalState::Failed, TransmissionStatus::Failed));
    }

    #[test]
    fn recording_without_any_start_is_refused() {
        let registration = serde_json::json!({});
        let mut doc = initial("fu_1", &registration, "sale");
        let finish = TseEvent {
            signed_at: Timestamp::from_micros(0),
            transaction_counter: 2,
            signature: String::new(),
            process_type: String::new(),
            process_data: String::new(),
        };
        let r = recorded(&mut doc, &registration, 1, None, finish, "2026-000001".into(), Timestamp::from_micros(0));
        assert!(r.is_err());
        assert_eq!(doc.state, FiscalState::Pending, "nothing changed");
    }
}
