//! Appending signed records to a unit's journal (api.md §6.7) with gapless counters taken from
//! the unit's row in the caller's transaction; one guarded update of that row per signing step.

use openfiskal_core::regime::StartRecord;
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, ChainUpdate, FiscalUnitRow};
use openfiskal_store::repo::journal::{self, JournalRow};

use crate::error::ApiError;
use crate::state::AppState;
use crate::validate::to_json;

/// Journals `records` with the counters after `unit.signature_counter` and advances the unit's
/// counter on its row (guarded: a concurrent writer makes this fail instead of leaving a gap or a
/// duplicate); the transaction number and chain state stay. Returns the journal entries' ids.
pub async fn append(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    records: &[StartRecord],
    signed_at: i64,
    operation_id: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let (transaction_counter, chain_state) = (unit.transaction_counter, unit.chain_state.clone());
    append_step(app, db, unit, records, signed_at, operation_id, transaction_counter, chain_state).await
}

/// Journals the records of one signing step and moves the unit's whole chain (signature counter,
/// transaction number, chain state) with one guarded update of its row (`fiscal_units::advance_chain`).
#[allow(clippy::too_many_arguments, reason = "one step's rows and its chain, written together")]
pub async fn append_step(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    records: &[StartRecord],
    signed_at: i64,
    operation_id: Option<&str>,
    transaction_counter: i64,
    chain_state: Option<String>,
) -> Result<Vec<String>, ApiError> {
    let first = unit.signature_counter + 1;
    let mut ids = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let row = JournalRow {
            id: app.new_id("jrn_"),
            organization_id: unit.organization_id.clone(),
            fiscal_unit_id: unit.id.clone(),
            counter: first + i64::try_from(i).unwrap_or(i64::MAX),
            kind: r.kind.to_owned(),
            operation_id: operation_id.map(str::to_owned),
            closing_id: None,
            signed_at: Some(signed_at),
            signature: r.signature.clone(),
            record: r.record.clone(),
            record_format: r.record_format.to_owned(),
            hash: None,
            fiscal: r.fiscal.as_ref().map(to_json).transpose()?,
            created_at: signed_at,
        };
        journal::insert(db, &row).await?;
        ids.push(row.id);
    }
    let last = unit.signature_counter + i64::try_from(records.len()).unwrap_or(i64::MAX);
    let unchanged = last == unit.signature_counter
        && transaction_counter == unit.transaction_counter
        && chain_state == unit.chain_state;
    if !unchanged {
        let to = ChainUpdate { signature_counter: last, transaction_counter, chain_state: chain_state.as_deref() };
        fiscal_units::advance_chain(db, &unit.id, unit.signature_counter, &to).await?;
        unit.signature_counter = last;
        unit.transaction_counter = transaction_counter;
        unit.chain_state = chain_state;
    }
    Ok(ids)
}
