//! The signed record of a daily closing, per regime (api.md §10): one entry point, one `match`.

use openfiskal_core::Jurisdiction;
use openfiskal_store::Tx;
use openfiskal_store::repo::closings;
use openfiskal_store::repo::fiscal_units::FiscalUnitRow;
use serde_json::{Value, json};

use crate::device::DeviceFailure;
use crate::tse::{TseOutcome, TsePlan};
use crate::{FiscalError, FiscalService};

/// What a daily closing's regime record adds to the closing.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosingRecord {
    /// The closing's `fiscal` block.
    pub fiscal: Value,
    /// Its Z number.
    pub z_number: i64,
}

impl FiscalService {
    /// Signs a daily closing's record in the caller's transaction on `unit` (read and locked in
    /// it): DE the Kassenabschluss; AT and IT none yet (their closings come with their regimes).
    /// A device failure is returned and nothing is written.
    pub async fn daily_closing_record(
        &self,
        tx: &mut Tx,
        jurisdiction: Jurisdiction,
        register_id: &str,
        unit: &mut FiscalUnitRow,
        closing_id: &str,
    ) -> Result<Result<Option<ClosingRecord>, DeviceFailure>, FiscalError> {
        match jurisdiction {
            Jurisdiction::De => Ok(self.kassenabschluss(tx, register_id, unit, closing_id).await?.map(Some)),
            Jurisdiction::At | Jurisdiction::It => Ok(Ok(None)),
        }
    }

    /// The DE Kassenabschluss (de-tse.md §6.5): the next Z number, a StartTransaction and a
    /// FinishTransaction `SonstigerVorgang` / `Kassenabschluss Z_NR=<n>` on the locked unit,
    /// journalled as the closing's; the Z counter advances only once both are signed.
    async fn kassenabschluss(
        &self,
        tx: &mut Tx,
        register_id: &str,
        unit: &mut FiscalUnitRow,
        closing_id: &str,
    ) -> Result<Result<ClosingRecord, DeviceFailure>, FiscalError> {
        let last = closings::z_counter(tx, register_id).await?;
        let z = last + 1;
        let process_data =
            openfiskal_de_tse::closing_process_data(u64::try_from(z).map_err(|e| FiscalError::internal(&e))?);
        let process_type = openfiskal_de_tse::PROCESS_TYPE_SONSTIGER_VORGANG;
        let plan = TsePlan::StartFinish { process_type, process_data };
        let signed = match self.tse_step_in_tx(tx, unit, closing_id, &plan).await? {
            TseOutcome::Signed(s) => s,
            TseOutcome::DeviceFailed(f) => return Ok(Err(f)),
        };
        let (Some(start), Some(finish)) = (&signed.start, &signed.finish) else {
            return Err(FiscalError::internal(&"a closing signs start and finish"));
        };
        let counters = [start.transaction_counter, finish.transaction_counter];
        closings::claim_journal_entries(tx, &unit.id, closing_id, &counters).await?;
        closings::advance_z_counter(tx, register_id, last).await?;
        let registration: Value = serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null"))
            .map_err(|e| FiscalError::internal(&e))?;
        let fiscal = json!({
            "regime": "tse", "z_number": z, "tse_serial": registration["tse_serial"],
            "transaction_number": signed.transaction_number, "transaction_counter": finish.transaction_counter,
            "signature": finish.signature, "signed_at": finish.signed_at, "process_type": finish.process_type,
            "process_data": finish.process_data, "dsfinvk_export_id": null,
        });
        Ok(Ok(ClosingRecord { fiscal, z_number: z }))
    }
}
