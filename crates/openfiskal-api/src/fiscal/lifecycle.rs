//! Unit and register lifecycle rules (api.md §5.3, §6.5, §17), applied inside the caller's
//! transaction so the rule and the change commit together.

use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::operations;
use openfiskal_store::repo::registers::RegisterRow;

use crate::error::{ApiError, codes};
use crate::fiscal::{device, journal, keys};
use crate::state::AppState;

/// `409 register_archived` for any write on an archived register.
pub fn ensure_active_register(r: &RegisterRow) -> Result<(), ApiError> {
    if r.state == "archived" {
        return Err(ApiError::conflict(codes::REGISTER_ARCHIVED, "This register is archived; it accepts no writes."));
    }
    Ok(())
}

/// `409 open_operations_exist` while the register has open operations.
pub async fn ensure_no_open_operations(db: &mut impl Db, org: &str, register: &str) -> Result<(), ApiError> {
    let n = operations::count_open(db, org, register).await?;
    if n > 0 {
        return Err(ApiError::conflict(
            codes::OPEN_OPERATIONS_EXIST,
            format!("The register has {n} open operation(s); complete or cancel them first."),
        ));
    }
    Ok(())
}

/// Retires `unit` (`active` or `error` → `decommissioned`) and clears the register's current unit.
/// DE: the TSE signs `deregisterClient` and `disableSecureElement` (de-tse.md §3.4) when its device
/// answers; when it is down the logs are skipped and the reason says so (api.md §6.5). The AT
/// Schlussbeleg and the IT closing join here with those regimes.
pub async fn decommission(
    app: &AppState,
    db: &mut impl Db,
    register: &mut RegisterRow,
    unit: &mut FiscalUnitRow,
    reason: String,
    now: i64,
) -> Result<(), ApiError> {
    match unit.state.as_str() {
        "decommissioned" => {
            return Err(ApiError::conflict(
                codes::FISCAL_UNIT_DECOMMISSIONED,
                "This fiscal unit is already decommissioned.",
            ));
        }
        "provisioning" => {
            return Err(ApiError::conflict(
                codes::INVALID_STATE_TRANSITION,
                "A unit in provisioning cannot be decommissioned.",
            ));
        }
        _ => {}
    }
    ensure_no_open_operations(db, &unit.organization_id, &unit.register_id).await?;
    // A unit retired while its device is down keeps the failure in its reason (api.md §6.5).
    let mut reason = match (unit.state.as_str(), &unit.reason) {
        ("error", Some(failure)) => format!("{reason} (device down: {failure})"),
        _ => reason,
    };
    if unit.jurisdiction == "DE" && unit.state == "active" {
        match device::check(db, &unit.organization_id, &unit.id, "DE", now, device::CHECK_BUDGET_MS).await {
            Ok(()) => disable_tse(app, db, unit, now).await?,
            Err(f) => reason = format!("{reason} (device down: {}; disabling logs skipped)", f.reason),
        }
    }
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

/// Signs and journals the TSE's closing system logs.
async fn disable_tse(app: &AppState, db: &mut impl Db, unit: &mut FiscalUnitRow, now: i64) -> Result<(), ApiError> {
    let key = keys::signing_key(app, db, unit).await?;
    let registration: serde_json::Value = serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null"))
        .map_err(|e| ApiError::internal(&e))?;
    let client_id = registration["client_id"].as_str().unwrap_or_default();
    let first = u64::try_from(unit.signature_counter + 1).map_err(|e| ApiError::internal(&e))?;
    let logs = openfiskal_de_tse::decommission_logs(&*key, client_id, first, now.div_euclid(1_000_000))
        .map_err(|e| ApiError::internal(&e))?;
    let records = openfiskal_de_tse::system_records(logs);
    journal::append(app, db, unit, &records, now, None).await?;
    Ok(())
}

/// Moves `unit` to `error` after a device failure (api.md §6.6), in the caller's transaction.
pub async fn unit_failed(
    app: &AppState,
    tx: &mut openfiskal_store::Tx,
    unit: &mut FiscalUnitRow,
    f: &device::DeviceFailure,
) -> Result<(), ApiError> {
    unit.state = "error".into();
    unit.reason = Some(f.reason.clone());
    unit.reason_code = Some(f.code.to_owned());
    unit.state_changed_at = app.now_us();
    fiscal_units::update_lifecycle(tx, unit).await?;
    Ok(())
}
