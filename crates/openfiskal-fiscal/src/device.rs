//! The device check (api.md §6.5 recover, §15): every device call of a unit goes through here, so
//! a sandbox fault drives exactly the production failure path. OpenFiskal's software units have no
//! hardware to fail; what can fail is a fault injected in sandbox mode (and, with the operations,
//! signing itself).

use openfiskal_core::Jurisdiction;
use openfiskal_store::Db;
use openfiskal_store::repo::faults;

use openfiskal_core::codes::fiscal;

/// Budget of a device health check (api.md §6.5: at most 10 s).
pub const CHECK_BUDGET_MS: i64 = 10_000;

/// Why a device call failed: `(reason, reason_code)` for the unit. Its answer, where the request
/// has no outage path, is `503 fiscal_device_unavailable` ([`crate::FiscalError::Device`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFailure {
    /// Prose.
    pub reason: String,
    /// Code of api.md §3.3.
    pub code: &'static str,
}

fn unreachable_code(jurisdiction: Jurisdiction) -> &'static str {
    match jurisdiction {
        Jurisdiction::De => fiscal::TSE_UNREACHABLE,
        Jurisdiction::At => fiscal::RKSV_SIGNATURE_DEVICE_FAILED,
        Jurisdiction::It => fiscal::RT_DEVICE_ERROR,
    }
}

/// Runs a device call of `unit` within `budget_ms`: fails when a `device_unreachable` fault is
/// active, or a `slow_device` fault is slower than the budget (the call would time out).
pub async fn check(
    db: &mut impl Db,
    org: &str,
    unit: &str,
    jurisdiction: Jurisdiction,
    now: i64,
    budget_ms: i64,
) -> Result<(), DeviceFailure> {
    let active = faults::active(db, org, unit, now).await.map_err(|e| DeviceFailure {
        reason: format!("device state unreadable ({e})"),
        code: unreachable_code(jurisdiction),
    })?;
    for f in active {
        match f.kind.as_str() {
            "device_unreachable" => {
                return Err(DeviceFailure {
                    reason: "device unreachable".into(),
                    code: unreachable_code(jurisdiction),
                });
            }
            "slow_device" if f.delay_ms.unwrap_or(3000) > budget_ms => {
                let code =
                    if jurisdiction == Jurisdiction::De { fiscal::TSE_TIMEOUT } else { unreachable_code(jurisdiction) };
                return Err(DeviceFailure { reason: "device did not answer within the budget".into(), code });
            }
            _ => {}
        }
    }
    Ok(())
}
