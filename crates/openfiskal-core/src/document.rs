//! The fiscal document of an operation (`operation.fiscal`, api.md §9) as serde types, one per
//! regime: what the receipt prints and the auditor reads. Stored as JSON on the operation and shown
//! as it is stored; the field order is the order of api.md §9.2.

use serde::{Deserialize, Serialize};

use crate::state::FiscalState;
use crate::time::Timestamp;

/// Whether the record reached the authority or its device (api.md §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransmissionStatus {
    /// Not recorded yet.
    Pending,
    /// Recorded (DE: signed by the TSE).
    Transmitted,
    /// The device failed; fiscalize records it later.
    Failed,
}

/// A signed TSE log as the document shows it (api.md §9.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TseEvent {
    /// logTime (whole seconds).
    pub signed_at: Timestamp,
    /// The log's signature counter.
    pub transaction_counter: i64,
    /// Plain r‖s, Base64.
    pub signature: String,
    /// processType (empty at StartTransaction).
    pub process_type: String,
    /// processData (empty at StartTransaction).
    pub process_data: String,
}

/// Why the TSE could not sign (api.md §7.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TseFailure {
    /// Prose, `TSE …`.
    pub reason: String,
    /// When it failed.
    pub since: Timestamp,
}

/// What the receipt's QR code carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The DSFinV-K V0 string.
    pub qr_data: Option<String>,
    /// A verification URL (none in DE).
    pub url: Option<String>,
}

/// The German document: `fiscal.regime = "tse"` (api.md §9.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TseDocument {
    /// Always `tse`.
    pub regime: String,
    /// The operation's fiscal state.
    pub state: FiscalState,
    /// The unit that signed.
    pub fiscal_unit_id: String,
    /// `YYYY-NNNNNN`, per register and year, once completed.
    pub document_number: Option<String>,
    /// `Kassenbeleg` once completed.
    pub document_type: Option<String>,
    /// Whether the TSE recorded it.
    pub transmission_status: TransmissionStatus,
    /// When it was recorded.
    pub transmitted_at: Option<Timestamp>,
    /// A training operation (`AVTraining`).
    pub training: bool,
    /// The TSE's serial (hex of SHA-256 of its public key).
    pub tse_serial: Option<String>,
    /// The register's client id at the TSE.
    pub client_id: Option<String>,
    /// `ecdsa-plain-SHA384` or `ecdsa-plain-SHA256`.
    pub signature_algorithm: Option<String>,
    /// `unixTime`.
    pub time_format: Option<String>,
    /// The TSE transaction, shared by start and finish.
    pub transaction_number: Option<i64>,
    /// The TSE's public key, Base64.
    pub public_key: Option<String>,
    /// The StartTransaction log.
    pub start_event: Option<TseEvent>,
    /// The FinishTransaction log.
    pub end_event: Option<TseEvent>,
    /// Set when the TSE failed; stays after a later fiscalize.
    pub tse_failure: Option<TseFailure>,
    /// The QR code.
    pub verification: Verification,
}

impl TseDocument {
    /// The document of a new operation on the unit `fiscal_unit_id`: nothing signed yet, the
    /// unit's registration data copied from its `tse` registration.
    pub fn new(fiscal_unit_id: &str, registration: &serde_json::Value, training: bool) -> Self {
        let text = |k: &str| registration[k].as_str().map(str::to_owned);
        Self {
            regime: "tse".to_owned(),
            state: FiscalState::Pending,
            fiscal_unit_id: fiscal_unit_id.to_owned(),
            document_number: None,
            document_type: None,
            transmission_status: TransmissionStatus::Pending,
            transmitted_at: None,
            training,
            tse_serial: text("tse_serial"),
            client_id: text("client_id"),
            signature_algorithm: text("signature_algorithm"),
            time_format: text("time_format"),
            transaction_number: None,
            public_key: text("public_key"),
            start_event: None,
            end_event: None,
            tse_failure: None,
            verification: Verification::default(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_new_document_serialises_in_the_contract_order_and_reads_back() {
        let reg = serde_json::json!({"tse_serial": "ab", "client_id": "Kasse 1", "signature_algorithm": "ecdsa-plain-SHA384",
                                     "time_format": "unixTime", "public_key": "BA=="});
        let mut doc = TseDocument::new("fu_1", &reg, false);
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"regime":"tse","state":"pending","fiscal_unit_id":"fu_1","document_number":null,"document_type":null,"transmission_status":"pending","transmitted_at":null,"training":false,"tse_serial":"ab","client_id":"Kasse 1","signature_algorithm":"ecdsa-plain-SHA384","time_format":"unixTime","transaction_number":null,"public_key":"BA==","start_event":null,"end_event":null,"tse_failure":null,"verification":{"qr_data":null,"url":null}}"#
        );
        doc.start_event = Some(TseEvent {
            signed_at: Timestamp::parse_rfc3339("2026-02-26T10:00:00Z").unwrap(),
            transaction_counter: 3,
            signature: "c2ln".into(),
            process_type: String::new(),
            process_data: String::new(),
        });
        let back: TseDocument = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(back, doc);
        assert!(serde_json::from_str::<TseDocument>(r#"{"regime":"tse"}"#).is_err(), "every field is required");
    }
}
