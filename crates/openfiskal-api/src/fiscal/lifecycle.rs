//! Unit and register lifecycle rules (api.md §5.3, §6.5, §17), applied inside the caller's
//! transaction so the rule and the change commit together.

use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::operations;
use openfiskal_store::repo::registers::RegisterRow;

use crate::error::ApiError;

/// `409 register_archived` for any write on an archived register.
pub fn ensure_active_register(r: &RegisterRow) -> Result<(), ApiError> {
    if r.state == "archived" {
        return Err(ApiError::conflict("register_archived", "This register is archived; it accepts no writes."));
    }
    Ok(())
}

/// `409 open_operations_exist` while the register has open operations.
pub async fn ensure_no_open_operations(db: &mut impl Db, org: &str, register: &str) -> Result<(), ApiError> {
    let n = operations::count_open(db, org, register).await?;
    if n > 0 {
        return Err(ApiError::conflict(
            "open_operations_exist",
            format!("The register has {n} open operation(s); complete or cancel them first."),
        ));
    }
    Ok(())
}

/// Retires `unit` (`active` or `error` → `decommissioned`) and clears the register's current unit.
/// The regime's closing record (DE disable log, AT Schlussbeleg) joins here with the regimes.
pub async fn decommission(
    db: &mut impl Db,
    register: &mut RegisterRow,
    unit: &mut FiscalUnitRow,
    reason: String,
    now: i64,
) -> Result<(), ApiError> {
    match unit.state.as_str() {
        "decommissioned" => {
            return Err(ApiError::conflict(
                "fiscal_unit_decommissioned",
                "This fiscal unit is already decommissioned.",
            ));
        }
        "provisioning" => {
            return Err(ApiError::conflict(
                "invalid_state_transition",
                "A unit in provisioning cannot be decommissioned.",
            ));
        }
        _ => {}
    }
    ensure_no_open_operations(db, &unit.organization_id, &unit.register_id).await?;
    // A unit retired while its device is down keeps the failure in its reason (api.md §6.5).
    let reason = match (unit.state.as_str(), &unit.reason) {
        ("error", Some(failure)) => format!("{reason} (device down: {failure})"),
        _ => reason,
    };
    unit.state = "decommissioned".into();
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
