//! Appending signed records to a unit's journal (api.md §6.7) with gapless counters taken from the
//! unit's row in the caller's transaction; one guarded update of that row per signing step, written
//! first, so on PostgreSQL the row stays locked until the step commits.

use openfiskal_core::regime::StartRecord;
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, ChainUpdate, FiscalUnitRow};
use openfiskal_store::repo::journal::{self, JournalRow};

use crate::{FiscalError, FiscalService, to_json};

/// The chain a step leaves on the unit's row besides the signature counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainAfter {
    /// The last transaction number handed out.
    pub transaction_counter: i64,
    /// The regime's chain state (JSON).
    pub chain_state: Option<String>,
}

impl ChainAfter {
    /// The chain as `unit` has it now (a step that hands out no transaction number).
    pub fn unchanged(unit: &FiscalUnitRow) -> Self {
        Self { transaction_counter: unit.transaction_counter, chain_state: unit.chain_state.clone() }
    }
}

impl FiscalService {
    /// Journals the records of one signing step with the counters after `unit.signature_counter`
    /// and moves the unit's whole chain (signature counter, transaction number, chain state) with
    /// one guarded update of its row: a chain moved since `unit` was read fails the update
    /// ([`FiscalError::is_stale_chain`]) instead of leaving a gap or a fork. Returns the entries' ids.
    pub async fn append_journal(
        &self,
        db: &mut impl Db,
        unit: &mut FiscalUnitRow,
        records: &[StartRecord],
        signed_at: i64,
        operation_id: Option<&str>,
        after: ChainAfter,
    ) -> Result<Vec<String>, FiscalError> {
        let last = unit.signature_counter + i64::try_from(records.len()).unwrap_or(i64::MAX);
        let unchanged = last == unit.signature_counter
            && after.transaction_counter == unit.transaction_counter
            && after.chain_state == unit.chain_state;
        if !unchanged {
            let to = ChainUpdate {
                signature_counter: last,
                transaction_counter: after.transaction_counter,
                chain_state: after.chain_state.as_deref(),
            };
            fiscal_units::advance_chain(db, &unit.id, unit.signature_counter, &to).await?;
        }
        let first = unit.signature_counter + 1;
        let mut ids = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let row = JournalRow {
                id: self.new_id("jrn_"),
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
        unit.signature_counter = last;
        unit.transaction_counter = after.transaction_counter;
        unit.chain_state = after.chain_state;
        Ok(ids)
    }
}
