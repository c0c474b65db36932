//! Issuing credentials: setup tokens for the CLI and first start, API keys for the endpoints.

use openfiskal_core::{Clock, IdGen};
use openfiskal_crypto::{ApiKeyKind, KeyMode, apikey};
use openfiskal_store::repo::api_keys::{self, ApiKeyRow};
use openfiskal_store::{Store, StoreError};
use zeroize::Zeroizing;

/// A new credential row plus the key to show once.
pub struct NewKey {
    /// The row to insert.
    pub row: ApiKeyRow,
    /// The full key.
    pub key: Zeroizing<String>,
}

/// Generates a credential of `kind`; the caller inserts `row` in its transaction.
#[allow(clippy::too_many_arguments)]
pub fn new_key(
    ids: &dyn IdGen,
    now: i64,
    kind: ApiKeyKind,
    mode: KeyMode,
    organization_id: Option<String>,
    register_id: Option<String>,
    label: Option<String>,
    description: Option<String>,
) -> NewKey {
    let g = apikey::generate(kind, mode);
    let row = ApiKeyRow {
        id: format!("key_{}", ids.next()),
        kind: kind.as_str().to_owned(),
        mode: (kind != ApiKeyKind::Setup).then(|| mode.as_str().to_owned()),
        organization_id,
        register_id,
        key_hash: g.hash.to_vec(),
        masked: g.masked,
        label,
        description,
        created_at: now,
        expires_at: None,
        used_at: None,
        last_used_at: None,
        revoked_at: None,
    };
    NewKey { row, key: g.key }
}

/// Creates and stores a one-time setup token valid for `ttl_secs`; returns the token.
pub async fn issue_setup_token(
    store: &Store,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    ttl_secs: i64,
) -> Result<Zeroizing<String>, StoreError> {
    let now = clock.now();
    let mut k = new_key(ids, now.as_micros(), ApiKeyKind::Setup, KeyMode::Live, None, None, None, None);
    k.row.expires_at = Some(now.plus_secs(ttl_secs).as_micros());
    let mut tx = store.begin().await?;
    api_keys::insert(&mut tx, &k.row).await?;
    tx.commit().await?;
    Ok(k.key)
}

/// Issues a new register key inside `tx`, revoking the register's existing ones (a register holds
/// at most one, api.md §5.3). Returns the key, shown once.
pub async fn issue_register_key(
    app: &crate::AppState,
    tx: &mut openfiskal_store::Tx,
    org: &str,
    register: &str,
) -> Result<Zeroizing<String>, StoreError> {
    let now = app.now_us();
    api_keys::revoke_register_keys(tx, register, now).await?;
    let k = new_key(
        &*app.ids,
        now,
        ApiKeyKind::Register,
        app.config.mode.key_mode(),
        Some(org.to_owned()),
        Some(register.to_owned()),
        None,
        None,
    );
    api_keys::insert(tx, &k.row).await?;
    Ok(k.key)
}

/// True when no credential was ever created: a fresh installation.
pub async fn is_fresh_install(store: &Store) -> Result<bool, StoreError> {
    let mut db = store.read().await?;
    Ok(api_keys::count_all(&mut db).await? == 0)
}
