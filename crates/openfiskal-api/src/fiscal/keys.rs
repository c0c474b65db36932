//! A unit's signing key, unwrapped from storage for one signature run (ARCHITECTURE.md §9). The
//! plaintext lives only in memory, for the duration of the call.

use openfiskal_crypto::{SoftwareKey, wrap};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};

use crate::error::ApiError;
use crate::state::AppState;

/// Unwraps the unit's `signing` key.
pub async fn signing_key(app: &AppState, db: &mut impl Db, unit: &FiscalUnitRow) -> Result<SoftwareKey, ApiError> {
    let keys = fiscal_units::keys(db, &unit.organization_id, &unit.id).await?;
    let wrapped = keys
        .into_iter()
        .find(|k| k.purpose == "signing")
        .ok_or_else(|| ApiError::internal(&"unit has no signing key"))?;
    wrap::unwrap_key(&app.kek, &unit.organization_id, &unit.id, "signing", &wrapped.wrapped)
        .map_err(|e| ApiError::internal(&e))
}
