//! Appending signed records to a unit's journal (api.md §6.7) with gapless counters taken from
//! the unit's row in the caller's transaction.

use openfiskal_core::regime::StartRecord;
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::journal::{self, JournalRow};

use crate::error::ApiError;
use crate::state::AppState;
use crate::validate::to_json;

/// Journals `records` with the counters after `unit.signature_counter`, advances the unit's counter
/// on its row (guarded: a concurrent writer makes this fail instead of leaving a gap or a
/// duplicate) and returns the journal entries' ids.
pub async fn append(
    app: &AppState,
    db: &mut impl Db,
    unit: &mut FiscalUnitRow,
    records: &[StartRecord],
    signed_at: i64,
    operation_id: Option<&str>,
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
    if last != unit.signature_counter {
        fiscal_units::advance_signature_counter(db, &unit.id, unit.signature_counter, last).await?;
        unit.signature_counter = last;
    }
    Ok(ids)
}
