//! Credentials (api.md §2.1): setup tokens, platform, organization and register keys in one table,
//! found by the SHA-256 of the full key.

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// A credential as stored. Never holds the key itself.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    /// `setup`, `platform`, `organization` or `register`.
    pub kind: String,
    /// `live` or `test`; `None` for setup tokens.
    pub mode: Option<String>,
    pub organization_id: Option<String>,
    pub register_id: Option<String>,
    pub key_hash: Vec<u8>,
    pub masked: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub used_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, kind, mode, organization_id, register_id, key_hash, masked, label, description, ",
            "created_at, expires_at, used_at, last_used_at, revoked_at FROM api_keys ",
            $tail
        )
    };
}

/// Inserts a new credential.
pub async fn insert(db: &mut impl Db, k: &ApiKeyRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO api_keys (id, kind, mode, organization_id, register_id, key_hash, masked, label, \
               description, created_at, expires_at, used_at, last_used_at, revoked_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&k.id).bind(&k.kind).bind(&k.mode).bind(&k.organization_id).bind(&k.register_id)
        .bind(&k.key_hash).bind(&k.masked).bind(&k.label).bind(&k.description).bind(k.created_at)
        .bind(k.expires_at).bind(k.used_at).bind(k.last_used_at).bind(k.revoked_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The credential whose key hashes to `hash`, revoked or not.
pub async fn find_by_hash(db: &mut impl Db, hash: &[u8]) -> Result<Option<ApiKeyRow>, StoreError> {
    let sql = select!("WHERE key_hash = $1");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, ApiKeyRow>(sql).bind(hash).fetch_optional(e).await)?)
}

/// One credential of `kind`, for `org` when given (platform keys have none).
pub async fn get(db: &mut impl Db, kind: &str, org: Option<&str>, id: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND kind = $2 AND organization_id IS NOT DISTINCT FROM $3");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, ApiKeyRow>(sql)
        .bind(id).bind(kind).bind(org).fetch_optional(e).await)?)
}

/// Active (unrevoked) credentials of `kind` for `org`, newest first.
pub async fn list_active(
    db: &mut impl Db,
    kind: &str,
    org: Option<&str>,
    q: &PageQuery,
) -> Result<Page<ApiKeyRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, kind, mode, organization_id, register_id, key_hash, masked, label, description, \
         created_at, expires_at, used_at, last_used_at, revoked_at FROM api_keys \
         WHERE revoked_at IS NULL AND kind = $7 AND organization_id IS NOT DISTINCT FROM $1"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, ApiKeyRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .bind(kind).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// Revokes a credential (no-op when already revoked); returns the row as it now is.
pub async fn revoke(db: &mut impl Db, id: &str, now: i64) -> Result<(), StoreError> {
    let sql = "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    on_backend!(db.exec(), e => sqlx::query(sql).bind(id).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a setup token used; false when it was already used, revoked or expired.
pub async fn consume_setup_token(db: &mut impl Db, id: &str, now: i64) -> Result<bool, StoreError> {
    let sql = "UPDATE api_keys SET used_at = $2 WHERE id = $1 AND kind = 'setup' AND used_at IS NULL \
               AND revoked_at IS NULL AND expires_at > $2";
    let n =
        on_backend!(db.exec(), e => sqlx::query(sql).bind(id).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records use of a credential (the caller throttles this to once a minute per key).
pub async fn touch_last_used(db: &mut impl Db, id: &str, now: i64) -> Result<(), StoreError> {
    let sql = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
    on_backend!(db.exec(), e => sqlx::query(sql).bind(id).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Number of credentials ever created: zero means a fresh installation.
pub async fn count_all(db: &mut impl Db) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM api_keys";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).fetch_one(e).await)?)
}

/// True when a register key was ever issued for the register (revoked or not).
pub async fn register_key_ever_issued(db: &mut impl Db, register: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM api_keys WHERE kind = 'register' AND register_id = $1";
    let n: i64 = on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(register).fetch_one(e).await)?;
    Ok(n > 0)
}

/// Revokes every active key of the register.
pub async fn revoke_register_keys(db: &mut impl Db, register: &str, now: i64) -> Result<u64, StoreError> {
    let sql = "UPDATE api_keys SET revoked_at = $2 WHERE kind = 'register' AND register_id = $1 AND revoked_at IS NULL";
    Ok(
        on_backend!(db.exec(), e => sqlx::query(sql).bind(register).bind(now).execute(e).await.map(|r| r.rows_affected()))?,
    )
}
