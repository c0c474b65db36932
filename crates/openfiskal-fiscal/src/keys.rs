//! A unit's signing key, unwrapped from storage (ARCHITECTURE.md §9). Unwrapping parses PKCS#8 and
//! derives the public point, which costs more than a signature, so each instance keeps the unwrapped
//! keys of the units it signs for in memory (never on disk, never logged). A unit's key never changes
//! during its life, so the cache needs no invalidation.

use std::sync::Arc;

use openfiskal_crypto::{SoftwareKey, wrap};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};

use crate::error::ApiError;
use crate::state::AppState;

/// The unit's `signing` key, unwrapped once per instance.
pub async fn signing_key(app: &AppState, db: &mut impl Db, unit: &FiscalUnitRow) -> Result<Arc<SoftwareKey>, ApiError> {
    if let Some(k) = app.signing_keys.lock().unwrap_or_else(|p| p.into_inner()).get(&unit.id) {
        return Ok(Arc::clone(k));
    }
    let keys = fiscal_units::keys(db, &unit.organization_id, &unit.id).await?;
    let wrapped = keys
        .into_iter()
        .find(|k| k.purpose == "signing")
        .ok_or_else(|| ApiError::internal(&"unit has no signing key"))?;
    let key = wrap::unwrap_key(&app.kek, &unit.organization_id, &unit.id, "signing", &wrapped.wrapped)
        .map_err(|e| ApiError::internal(&e))?;
    let key = Arc::new(key);
    app.signing_keys.lock().unwrap_or_else(|p| p.into_inner()).insert(unit.id.clone(), Arc::clone(&key));
    Ok(key)
}
