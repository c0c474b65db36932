//! A unit's signing key, unwrapped from storage (docs/ARCHITECTURE.md "Key protection"). Unwrapping
//! parses PKCS#8 and derives the public point, which costs more than a signature, so each instance
//! keeps the unwrapped keys of the units it signs for in memory (never on disk, never logged). A
//! unit's key never changes during its life, so the cache needs no invalidation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use openfiskal_crypto::{SoftwareKey, wrap};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};

use crate::{FiscalError, FiscalService};

/// Unwrapped signing keys by unit id.
#[derive(Default)]
pub struct KeyCache(Mutex<HashMap<String, Arc<SoftwareKey>>>);

impl FiscalService {
    /// The unit's `signing` key, unwrapped once per instance.
    pub async fn signing_key(&self, db: &mut impl Db, unit: &FiscalUnitRow) -> Result<Arc<SoftwareKey>, FiscalError> {
        if let Some(k) = self.keys.0.lock().unwrap_or_else(|p| p.into_inner()).get(&unit.id) {
            return Ok(Arc::clone(k));
        }
        let keys = fiscal_units::keys(db, &unit.organization_id, &unit.id).await?;
        let wrapped = keys
            .into_iter()
            .find(|k| k.purpose == "signing")
            .ok_or_else(|| FiscalError::internal(&"unit has no signing key"))?;
        let key = wrap::unwrap_key(&self.kek, &unit.organization_id, &unit.id, "signing", &wrapped.wrapped)
            .map_err(|e| FiscalError::internal(&e))?;
        let key = Arc::new(key);
        self.keys.0.lock().unwrap_or_else(|p| p.into_inner()).insert(unit.id.clone(), Arc::clone(&key));
        Ok(key)
    }
}
