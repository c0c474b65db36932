//! The fiscal steps of a POS operation (api.md §7, §9): one entry point for every regime.
//!
//! The HTTP crate computes the operation's `data` (the regime-neutral data model) and calls
//! [`FiscalService::operation_step`]; the one `match` on the register's jurisdiction below sends the
//! step to its regime, which signs, writes its journal entries and chain, and returns the operation's
//! new fiscal document (`operation.fiscal`) in the step's open transaction. Germany records
//! operations with the TSE; Austria and Italy refuse them until their regimes record them (the
//! Austrian and Italian issues add an arm each here).

use openfiskal_core::document::TseDocument;
use openfiskal_core::{FiscalState, Jurisdiction};
use openfiskal_de_tse::document as tse_document;
use openfiskal_store::Tx;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::operations;
use serde_json::Value;

use crate::device::DeviceFailure;
use crate::tse::{StepKind, TseOutcome, TsePlan, TseStepTx};
use crate::{FiscalError, FiscalService, to_json};

/// The operation a step belongs to.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// Its organization.
    pub org: &'a str,
    /// Its register (receipt numbers are per register).
    pub register_id: &'a str,
    /// Its fiscal unit.
    pub unit_id: &'a str,
    /// Its id (journal entries name it).
    pub operation_id: &'a str,
    /// Its type (`sale`, `refund`, …).
    pub kind: &'a str,
}

/// What the step does.
#[derive(Debug, Clone, Copy)]
pub enum OperationStep<'a> {
    /// An open operation starts.
    Start,
    /// A completed operation is recorded: at complete, on a one-shot start (`stored` is `None`),
    /// by fiscalize and by the automatic retry.
    Record {
        /// Its computed `data`.
        data: &'a Value,
        /// The type of its original (a return's processData names it).
        original_kind: Option<&'a str>,
        /// Its fiscal document so far; `None` for a one-shot.
        stored: Option<&'a str>,
        /// Fiscalize and the retry answer `fiscal_unit_decommissioned` for a retired unit.
        fiscalize: bool,
    },
    /// An open operation is cancelled.
    Cancel {
        /// Its fiscal document so far.
        stored: &'a str,
    },
}

/// A warning the operation carries (api.md §7.2 `warnings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Stable code.
    pub code: &'static str,
    /// Prose for the cashier.
    pub message: &'static str,
}

/// A step's open transaction with the regime's part written: the caller adds the operation (with
/// `fiscal` and `fiscal_state`) and its answer, and commits.
pub struct OperationStepTx {
    /// The step's write transaction.
    pub tx: Tx,
    /// `operation.fiscal` after the step (JSON).
    pub fiscal: String,
    /// `operation.fiscal_state` after the step.
    pub fiscal_state: FiscalState,
    /// A warning for the operation (the outage path).
    pub warning: Option<Warning>,
    /// The device failed on a step without an outage path (a cancel): the unit's failure is in
    /// `tx`; commit it and answer `503` with this failure.
    pub failed: Option<DeviceFailure>,
}

impl FiscalService {
    /// `422` unless registers of `jurisdiction` record operations yet.
    pub fn ensure_records_operations(jurisdiction: Jurisdiction) -> Result<(), FiscalError> {
        match jurisdiction {
            Jurisdiction::De => Ok(()),
            Jurisdiction::At | Jurisdiction::It => Err(not_recorded_yet(jurisdiction)),
        }
    }

    /// One fiscal step of an operation on a register of `jurisdiction`: the regime's seam.
    pub async fn operation_step(
        &self,
        jurisdiction: Jurisdiction,
        op: OperationRef<'_>,
        step: OperationStep<'_>,
    ) -> Result<OperationStepTx, FiscalError> {
        match jurisdiction {
            Jurisdiction::De => self.tse_operation_step(op, step).await,
            Jurisdiction::At | Jurisdiction::It => Err(not_recorded_yet(jurisdiction)),
        }
    }

    async fn tse_operation_step(
        &self,
        op: OperationRef<'_>,
        step: OperationStep<'_>,
    ) -> Result<OperationStepTx, FiscalError> {
        let kassenbeleg = openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG;
        match step {
            OperationStep::Start => {
                let s =
                    self.tse_step(op.org, op.unit_id, op.operation_id, &TsePlan::Start, StepKind::Operation).await?;
                let mut doc = initial_document(&s.unit, op.kind)?;
                let warning = match &s.outcome {
                    TseOutcome::Signed(signed) => {
                        let start = signed.start.clone().ok_or_else(|| FiscalError::internal(&"a start signs"))?;
                        tse_document::started(&mut doc, signed.transaction_number, start);
                        None
                    }
                    TseOutcome::DeviceFailed(f) => {
                        tse_document::failed(&mut doc, &f.reason, self.clock.now(), false);
                        Some(Warning { code: "tse_failure", message: tse_document::TSE_FAILED_AT_START })
                    }
                };
                finish(s.tx, &doc, warning, None)
            }
            OperationStep::Record { data, original_kind, stored, fiscalize } => {
                let process_data = openfiskal_de_tse::operation_data::process_data(op.kind, data, original_kind)
                    .map_err(|e| FiscalError::internal(&e))?
                    .to_string();
                let started = stored.map(parse).transpose()?;
                let plan = match &started {
                    Some(TseDocument {
                        transaction_number: Some(transaction_number), start_event: Some(_), ..
                    }) => TsePlan::Finish {
                        transaction_number: *transaction_number,
                        process_type: kassenbeleg,
                        process_data,
                    },
                    _ => TsePlan::StartFinish { process_type: kassenbeleg, process_data },
                };
                let kind = if fiscalize { StepKind::Fiscalize } else { StepKind::Operation };
                let TseStepTx { mut tx, unit, outcome } =
                    self.tse_step(op.org, op.unit_id, op.operation_id, &plan, kind).await?;
                let mut doc = match started {
                    Some(doc) => doc,
                    None => initial_document(&unit, op.kind)?,
                };
                let warning = self.apply_record(&mut tx, op, &unit, &mut doc, &outcome).await?;
                finish(tx, &doc, warning, None)
            }
            OperationStep::Cancel { stored } => {
                let mut doc = parse(stored)?;
                let Some(transaction_number) = doc.transaction_number else {
                    // Nothing to sign (its start failed), but a cancel is still a fiscal event of the unit.
                    let mut db = self.store.read().await?;
                    let unit =
                        fiscal_units::get(&mut db, op.org, op.unit_id).await?.ok_or_else(FiscalError::not_found)?;
                    crate::tse::ensure_signing(&unit, StepKind::Operation)?;
                    drop(db);
                    return finish(self.store.begin().await?, &doc, None, None);
                };
                let process_data = openfiskal_de_tse::ProcessData::cancel().to_string();
                let plan = TsePlan::Finish { transaction_number, process_type: kassenbeleg, process_data };
                let s = self.tse_step(op.org, op.unit_id, op.operation_id, &plan, StepKind::Operation).await?;
                match s.outcome {
                    TseOutcome::Signed(signed) => {
                        doc.end_event = signed.finish;
                        finish(s.tx, &doc, None, None)
                    }
                    TseOutcome::DeviceFailed(f) => finish(s.tx, &doc, None, Some(f)),
                }
            }
        }
    }

    /// Writes a recording's outcome into `doc` (`openfiskal_de_tse::document`): signed, with the
    /// receipt number allocated here from the register's row; after a device failure `failed` and
    /// the warning (the till is never blocked, api.md §7.6; the unit is in `error` in `tx`). Times
    /// are those of the step, never back-dated (api.md §7.5).
    async fn apply_record(
        &self,
        tx: &mut Tx,
        op: OperationRef<'_>,
        unit: &FiscalUnitRow,
        doc: &mut TseDocument,
        outcome: &TseOutcome,
    ) -> Result<Option<Warning>, FiscalError> {
        let now = self.clock.now();
        match outcome {
            TseOutcome::Signed(signed) => {
                let finish =
                    signed.finish.clone().ok_or_else(|| FiscalError::internal(&"a recording signs a finish"))?;
                let receipt = operations::next_receipt_number(tx, op.register_id).await?;
                let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
                let year = now.to_jiff().to_zoned(tz).year();
                let number = format!("{year}-{receipt:06}");
                let (tx_number, start) = (signed.transaction_number, signed.start.clone());
                tse_document::recorded(doc, &registration(unit)?, tx_number, start, finish, number, now)
                    .map_err(|e| FiscalError::internal(&e))?;
                Ok(None)
            }
            TseOutcome::DeviceFailed(f) => {
                tse_document::failed(doc, &f.reason, now, true);
                Ok(Some(Warning { code: "tse_failure", message: tse_document::TSE_FAILED }))
            }
        }
    }
}

/// The AT and IT regimes record operations in their own issues; their registers refuse operations
/// until then instead of pretending to fiscalize them.
fn not_recorded_yet(jurisdiction: Jurisdiction) -> FiscalError {
    FiscalError::validation(
        "type",
        format!("Operations on {jurisdiction} registers are not available yet; DE registers record them."),
    )
}

fn registration(unit: &FiscalUnitRow) -> Result<Value, FiscalError> {
    serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null")).map_err(|e| FiscalError::internal(&e))
}

/// The initial `tse` document (api.md §9.2): nothing signed, the unit's registration copied.
fn initial_document(unit: &FiscalUnitRow, kind: &str) -> Result<TseDocument, FiscalError> {
    Ok(tse_document::initial(&unit.id, &registration(unit)?, kind))
}

fn parse(stored: &str) -> Result<TseDocument, FiscalError> {
    serde_json::from_str(stored).map_err(|e| FiscalError::internal(&e))
}

fn finish(
    tx: Tx,
    doc: &TseDocument,
    warning: Option<Warning>,
    failed: Option<DeviceFailure>,
) -> Result<OperationStepTx, FiscalError> {
    Ok(OperationStepTx { tx, fiscal: to_json(doc)?, fiscal_state: doc.state, warning, failed })
}
