//! German TSE transactions (de-tse.md §5): StartTransaction at an operation's start,
//! FinishTransaction at complete or cancel, both for a one-shot, a closing or a fiscalize of an
//! operation whose start was never signed.
//!
//! The signing path ([`FiscalService::tse_step`]): the unit's lock, the unit read on a read
//! connection, the device check, the signature (pure: [`sign`] over [`openfiskal_de_tse::record`]),
//! and only then the write transaction, whose first statement is the guarded update of the unit's
//! chain. The transaction number and the signature counter come from the unit's row, the log time
//! never goes backwards within a unit, and every signed log is journalled before the step commits.

use openfiskal_core::codes;
use openfiskal_core::document::TseEvent;
use openfiskal_core::regime::StartRecord;
use openfiskal_core::{FiscalUnitState, Jurisdiction, Timestamp};
use openfiskal_crypto::Signer;
use openfiskal_de_tse::{TseChain, TseStep};
use openfiskal_store::Tx;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use serde_json::{Value, json};

use crate::device::{self, DeviceFailure};
use crate::journal::ChainAfter;
use crate::{FiscalError, FiscalService};

/// Signing budget of a fiscal step (api.md §1.12).
pub const SIGNING_BUDGET_MS: i64 = 2_000;

/// What one TSE step signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TsePlan {
    /// StartTransaction with the next transaction number.
    Start,
    /// FinishTransaction of a started transaction.
    Finish {
        /// The transaction being finished.
        transaction_number: i64,
        /// processType (`Kassenbeleg-V1`, `SonstigerVorgang`).
        process_type: &'static str,
        /// processData (de-tse.md §6).
        process_data: String,
    },
    /// StartTransaction and FinishTransaction in one step.
    StartFinish {
        /// processType.
        process_type: &'static str,
        /// processData.
        process_data: String,
    },
}

/// The signed logs of one step, not yet stored.
#[derive(Debug, Clone)]
pub struct TseSigned {
    /// The transaction the logs belong to.
    pub transaction_number: i64,
    /// The StartTransaction's event, if this step signed one.
    pub start: Option<TseEvent>,
    /// The FinishTransaction's event, if this step signed one.
    pub finish: Option<TseEvent>,
    records: Vec<StartRecord>,
    /// logTime of the step's last log, Unix µs.
    signed_at: i64,
    after: ChainAfter,
}

/// How a step's device call went.
#[derive(Debug, Clone)]
pub enum TseOutcome {
    /// Signed; the logs are journalled and the chain advanced in the step's transaction.
    Signed(Box<TseSigned>),
    /// The device failed: nothing is signed, and the unit is moved to `error` in the step's
    /// transaction (api.md §6.6). The caller stores its outage outcome in the same transaction.
    DeviceFailed(DeviceFailure),
}

/// Which rule refuses a unit that is not `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// An operation's start, complete or cancel: `409 fiscal_unit_not_active`.
    Operation,
    /// Fiscalize or the automatic retry: a decommissioned unit answers
    /// `409 fiscal_unit_decommissioned`.
    Fiscalize,
}

/// A step's open transaction: the journal entries and the chain update (or the unit's failure)
/// are written; the caller adds its rows and commits. The unit's lock is already let go, or goes
/// with the commit (`units.rs`).
pub struct TseStepTx {
    /// The step's write transaction.
    pub tx: Tx,
    /// The unit as the step leaves it.
    pub unit: FiscalUnitRow,
    /// Signed, or the device failed.
    pub outcome: TseOutcome,
}

fn registration(unit: &FiscalUnitRow) -> Result<Value, FiscalError> {
    serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null")).map_err(|e| FiscalError::internal(&e))
}

/// The unit's TSE chain as the regime step reads it from the row.
fn chain_of(unit: &FiscalUnitRow) -> Result<TseChain, FiscalError> {
    let last_log_time = unit
        .chain_state
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v["last_log_time"].as_i64())
        .unwrap_or(i64::MIN);
    Ok(TseChain {
        signature_counter: u64::try_from(unit.signature_counter).map_err(|e| FiscalError::internal(&e))?,
        transaction_number: u64::try_from(unit.transaction_counter).map_err(|e| FiscalError::internal(&e))?,
        last_log_time,
    })
}

/// The TSE client id of the unit's registration.
pub fn client_id(unit: &FiscalUnitRow) -> Result<String, FiscalError> {
    Ok(registration(unit)?["client_id"].as_str().unwrap_or_default().to_owned())
}

fn int(n: u64) -> Result<i64, FiscalError> {
    i64::try_from(n).map_err(|e| FiscalError::internal(&e))
}

/// Signs `plan` on `unit`'s chain at `now_us` with `signer`: pure, no IO. The unit row is not
/// changed; storing the result ([`FiscalService::append_journal`]) moves it.
pub fn sign(plan: &TsePlan, unit: &FiscalUnitRow, signer: &dyn Signer, now_us: i64) -> Result<TseSigned, FiscalError> {
    let client = client_id(unit)?;
    let now = now_us.div_euclid(1_000_000);
    let mut chain = chain_of(unit)?;
    let (start_step, finish_step) = match plan {
        TsePlan::Start => (true, None),
        TsePlan::Finish { transaction_number, process_type, process_data } => {
            (false, Some((Some(*transaction_number), *process_type, process_data.as_str())))
        }
        TsePlan::StartFinish { process_type, process_data } => {
            (true, Some((None, *process_type, process_data.as_str())))
        }
    };
    let mut records = Vec::new();
    let mut signed_at = now_us;
    let mut event = |step: TseStep<'_>, chain: &mut TseChain| -> Result<(u64, TseEvent), FiscalError> {
        let recorded =
            openfiskal_de_tse::record(step, chain, &client, now, signer).map_err(|e| FiscalError::internal(&e))?;
        let (process_type, process_data) = match step {
            TseStep::Start => (String::new(), String::new()),
            TseStep::Finish { process_type, process_data, .. } => (process_type.to_owned(), process_data.to_owned()),
        };
        signed_at = recorded.log.signed_at_unix * 1_000_000;
        let event = TseEvent {
            signed_at: Timestamp::from_micros(signed_at),
            transaction_counter: int(recorded.log.signature_counter)?,
            signature: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &recorded.log.signature),
            process_type,
            process_data,
        };
        records.push(StartRecord {
            kind: step.journal_kind(),
            record: recorded.log.der,
            record_format: "der_log_message",
            signature: Some(recorded.log.signature),
            fiscal: None,
        });
        *chain = recorded.chain;
        Ok((recorded.transaction_number, event))
    };
    let mut transaction_number = None;
    let start = if start_step {
        let (n, e) = event(TseStep::Start, &mut chain)?;
        transaction_number = Some(n);
        Some(e)
    } else {
        None
    };
    let finish = match finish_step {
        Some((number, process_type, process_data)) => {
            let n = match number {
                Some(n) => u64::try_from(n).map_err(|e| FiscalError::internal(&e))?,
                None => transaction_number.ok_or_else(|| FiscalError::internal(&"finish without a transaction"))?,
            };
            transaction_number = Some(n);
            Some(event(TseStep::Finish { transaction_number: n, process_type, process_data }, &mut chain)?.1)
        }
        None => None,
    };
    let transaction_number = int(transaction_number.ok_or_else(|| FiscalError::internal(&"empty TSE plan"))?)?;
    let after = ChainAfter {
        transaction_counter: int(chain.transaction_number)?,
        chain_state: Some(json!({"last_log_time": chain.last_log_time}).to_string()),
    };
    Ok(TseSigned { transaction_number, start, finish, records, signed_at, after })
}

/// `409` unless the unit may sign.
pub(crate) fn ensure_signing(unit: &FiscalUnitRow, kind: StepKind) -> Result<(), FiscalError> {
    match (unit.state, kind) {
        (FiscalUnitState::Active, _) => Ok(()),
        (FiscalUnitState::Decommissioned, StepKind::Fiscalize) => Err(FiscalError::conflict(
            codes::FISCAL_UNIT_DECOMMISSIONED,
            "The operation's fiscal unit is decommissioned.",
        )),
        (state, _) => Err(FiscalError::conflict(codes::FISCAL_UNIT_NOT_ACTIVE, format!("The fiscal unit is {state}."))),
    }
}

impl FiscalService {
    /// One TSE step on the fast path (module docs): locks `unit_id`, signs `plan` outside any
    /// transaction on the unit's cached (or freshly read) row, and returns the step's open
    /// transaction with the logs journalled and the chain advanced, or with the unit moved to
    /// `error` when its device failed. A chain that moved under the step (another instance, a
    /// closing, a batch that did not commit) is read again inside the transaction and signed there,
    /// where it cannot move again.
    pub async fn tse_step(
        &self,
        org: &str,
        unit_id: &str,
        operation_id: &str,
        plan: &TsePlan,
        kind: StepKind,
    ) -> Result<TseStepTx, FiscalError> {
        let mut lock = self.lock_unit_for_step(unit_id).await;
        let mut db = self.store.read().await?;
        let mut unit = match lock.take_row().filter(|u| u.organization_id == org) {
            Some(unit) => unit,
            None => fiscal_units::get(&mut db, org, unit_id).await?.ok_or_else(FiscalError::not_found)?,
        };
        ensure_signing(&unit, kind)?;
        let now = self.now_us();
        let signed = match device::check(&mut db, org, unit_id, Jurisdiction::De, now, SIGNING_BUDGET_MS).await {
            Ok(()) => {
                let key = self.signing_key(&mut db, &unit).await?;
                drop(db);
                Ok(sign(plan, &unit, &*key, now)?)
            }
            Err(f) => {
                drop(db);
                Err(f)
            }
        };
        let mut tx = self.store.begin().await?;
        let outcome = match signed {
            Ok(signed) => {
                let stored = self
                    .append_journal(
                        &mut tx,
                        &mut unit,
                        &signed.records,
                        signed.signed_at,
                        Some(operation_id),
                        signed.after.clone(),
                    )
                    .await;
                match stored {
                    Ok(_) => TseOutcome::Signed(Box::new(signed)),
                    Err(e) if e.is_stale_chain() => {
                        tracing::debug!(
                            fiscal_unit = unit_id,
                            "chain moved under the step; signing inside the transaction"
                        );
                        tx.rollback().await?;
                        tx = self.store.begin().await?;
                        unit = fiscal_units::lock(&mut tx, org, unit_id).await?.ok_or_else(FiscalError::not_found)?;
                        ensure_signing(&unit, kind)?;
                        let outcome = self.tse_step_in_tx(&mut tx, &mut unit, operation_id, plan).await?;
                        if let TseOutcome::DeviceFailed(f) = &outcome {
                            self.unit_failed(&mut tx, &mut unit, f).await?;
                        }
                        outcome
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(f) => {
                // Fail the unit as the database has it (the cached row may be behind a lifecycle change).
                unit = fiscal_units::lock(&mut tx, org, unit_id).await?.ok_or_else(FiscalError::not_found)?;
                ensure_signing(&unit, kind)?;
                self.unit_failed(&mut tx, &mut unit, &f).await?;
                TseOutcome::DeviceFailed(f)
            }
        };
        lock.release_after(&mut tx, self.store.backend(), unit.clone());
        Ok(TseStepTx { tx, unit, outcome })
    }

    /// One TSE step inside the caller's transaction, on a unit the caller read in it (a closing,
    /// decommissioning): the device check, the signature and the journal. A device failure is
    /// returned and nothing is written; the caller decides what it means.
    pub async fn tse_step_in_tx(
        &self,
        tx: &mut Tx,
        unit: &mut FiscalUnitRow,
        operation_id: &str,
        plan: &TsePlan,
    ) -> Result<TseOutcome, FiscalError> {
        let now = self.now_us();
        if let Err(f) =
            device::check(tx, &unit.organization_id, &unit.id, Jurisdiction::De, now, SIGNING_BUDGET_MS).await
        {
            return Ok(TseOutcome::DeviceFailed(f));
        }
        let key = self.signing_key(tx, unit).await?;
        let signed = sign(plan, unit, &*key, now)?;
        self.append_journal(tx, unit, &signed.records, signed.signed_at, Some(operation_id), signed.after.clone())
            .await?;
        Ok(TseOutcome::Signed(Box::new(signed)))
    }
}
