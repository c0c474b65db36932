//! Unit and register lifecycle rules (api.md §5.3, §6.5, §17), applied inside the caller's
//! transaction so the rule and the change commit together.

use openfiskal_core::{FiscalUnitState, Jurisdiction, RegisterState};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::operations;
use openfiskal_store::repo::registers::RegisterRow;

use openfiskal_core::codes;

use crate::device;
use crate::journal::ChainAfter;
use crate::{FiscalError, FiscalService};

/// `409 register_archived` for any write on an archived register.
pub fn ensure_active_register(r: &RegisterRow) -> Result<(), FiscalError> {
    if r.state == RegisterState::Archived {
        return Err(FiscalError::conflict(
            codes::REGISTER_ARCHIVED,
            "This register is archived; it accepts no writes.",
        ));
    }
    Ok(())
}

/// `409 open_operations_exist` while the register has open operations.
pub async fn ensure_no_open_operations(db: &mut impl Db, org: &str, register: &str) -> Result<(), FiscalError> {
    let n = operations::count_open(db, org, register).await?;
    if n > 0 {
        return Err(FiscalError::conflict(
            codes::OPEN_OPERATIONS_EXIST,
            format!("The register has {n} open operation(s); complete or cancel them first."),
        ));
    }
    Ok(())
}

impl FiscalService {
    /// Retires `unit` (`active` or `error` → `decommissioned`) and clears the register's current unit.
    /// DE: the TSE signs `deregisterClient` and `disableSecureElement` (de-tse.md §3.4) when its device
    /// answers; when it is down the logs are skipped and the reason says so (api.md §6.5). The AT
    /// Schlussbeleg and the IT closing join here with those regimes.
    pub async fn decommission(
        &self,
        db: &mut impl Db,
        register: &mut RegisterRow,
        unit: &mut FiscalUnitRow,
        reason: String,
        now: i64,
    ) -> Result<(), FiscalError> {
        match unit.state {
            FiscalUnitState::Decommissioned => {
                return Err(FiscalError::conflict(
                    codes::FISCAL_UNIT_DECOMMISSIONED,
                    "This fiscal unit is already decommissioned.",
                ));
            }
            FiscalUnitState::Provisioning => {
                return Err(FiscalError::conflict(
                    codes::INVALID_STATE_TRANSITION,
                    "A unit in provisioning cannot be decommissioned.",
                ));
            }
            _ => {}
        }
        ensure_no_open_operations(db, &unit.organization_id, &unit.register_id).await?;
        // A unit retired while its device is down keeps the failure in its reason (api.md §6.5).
        let mut reason = match (unit.state, &unit.reason) {
            (FiscalUnitState::Error, Some(failure)) => format!("{reason} (device down: {failure})"),
            _ => reason,
        };
        if unit.jurisdiction == Jurisdiction::De && unit.state == FiscalUnitState::Active {
            match device::check(db, &unit.organization_id, &unit.id, Jurisdiction::De, now, device::CHECK_BUDGET_MS)
                .await
            {
                Ok(()) => self.disable_tse(db, unit, now).await?,
                Err(f) => reason = format!("{reason} (device down: {}; disabling logs skipped)", f.reason),
            }
        }
        unit.state = unit.state.decommission().map_err(|e| FiscalError::internal(&e))?;
        unit.reason = Some(reason);
        unit.reason_code = None;
        unit.decommissioned_at = Some(now);
        unit.state_changed_at = now;
        fiscal_units::update_lifecycle(db, unit).await?;
        if register.current_fiscal_unit_id.as_deref() == Some(unit.id.as_str()) {
            register.current_fiscal_unit_id = None;
        }
        Ok(())
    }

    /// Signs and journals the TSE's closing system logs.
    async fn disable_tse(&self, db: &mut impl Db, unit: &mut FiscalUnitRow, now: i64) -> Result<(), FiscalError> {
        let key = self.signing_key(db, unit).await?;
        let registration: serde_json::Value =
            serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null"))
                .map_err(|e| FiscalError::internal(&e))?;
        let client_id = registration["client_id"].as_str().unwrap_or_default();
        let first = u64::try_from(unit.signature_counter + 1).map_err(|e| FiscalError::internal(&e))?;
        let logs = openfiskal_de_tse::decommission_logs(&*key, client_id, first, now.div_euclid(1_000_000))
            .map_err(|e| FiscalError::internal(&e))?;
        let records = openfiskal_de_tse::system_records(logs);
        self.append_journal(db, unit, &records, now, None, ChainAfter::unchanged(unit)).await?;
        Ok(())
    }

    /// Recovers a unit in `error` whose device answers a health check (api.md §6.5): `active`, reason
    /// cleared, in the caller's transaction. A unit in another state is left as it is. The device
    /// failure, if any, is returned and nothing changes.
    pub async fn recover_in_tx(
        &self,
        tx: &mut openfiskal_store::Tx,
        unit: &mut FiscalUnitRow,
    ) -> Result<Result<(), device::DeviceFailure>, FiscalError> {
        if unit.state != FiscalUnitState::Error {
            return Ok(Ok(()));
        }
        let now = self.now_us();
        if let Err(f) =
            device::check(tx, &unit.organization_id, &unit.id, unit.jurisdiction, now, device::CHECK_BUDGET_MS).await
        {
            return Ok(Err(f));
        }
        unit.state = unit.state.activate().map_err(|e| FiscalError::internal(&e))?;
        unit.reason = None;
        unit.reason_code = None;
        unit.state_changed_at = now;
        fiscal_units::update_lifecycle(tx, unit).await?;
        Ok(Ok(()))
    }

    /// The automatic probe (api.md §6.5): checks up to `limit` units in `error`, longest in error first,
    /// each in its own short transaction, and recovers those whose device answers. Returns how many
    /// recovered. `serve` runs it every 30 s (`--probe-interval-secs`).
    pub async fn probe_units_in_error(&self, limit: i64) -> Result<usize, FiscalError> {
        let due = {
            let mut db = self.store.read().await?;
            fiscal_units::in_error(&mut db, limit).await?
        };
        let mut recovered = 0;
        for (org, id) in due {
            let _lock = self.lock_unit(&id).await;
            let mut tx = self.store.begin().await?;
            let Some(mut unit) = fiscal_units::lock(&mut tx, &org, &id).await? else { continue };
            match self.recover_in_tx(&mut tx, &mut unit).await? {
                Ok(()) if unit.state == FiscalUnitState::Active => {
                    tx.commit().await?;
                    tracing::info!(fiscal_unit = %unit.id, "fiscal unit recovered by the automatic probe");
                    recovered += 1;
                }
                // Still failing, or no longer in error (recovered or decommissioned meanwhile).
                _ => tx.rollback().await?,
            }
        }
        Ok(recovered)
    }

    /// Moves `unit` to `error` after a device failure (api.md §6.6), in the caller's transaction.
    pub async fn unit_failed(
        &self,
        tx: &mut openfiskal_store::Tx,
        unit: &mut FiscalUnitRow,
        f: &device::DeviceFailure,
    ) -> Result<(), FiscalError> {
        unit.state = unit.state.fail().map_err(|e| FiscalError::internal(&e))?;
        unit.reason = Some(f.reason.clone());
        unit.reason_code = Some(f.code.to_owned());
        unit.state_changed_at = self.now_us();
        fiscal_units::update_lifecycle(tx, unit).await?;
        Ok(())
    }
}
