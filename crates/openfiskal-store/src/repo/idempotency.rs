//! Stored responses for `Idempotency-Key` (api.md §1.9), written in the transaction of the change
//! they answer and kept until `expires_at` (at least 7 days).

use crate::backend::on_backend;
use crate::{Db, StoreError};

/// A stored response.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredResponse {
    /// SHA-256 of organization, credential, method, path and key.
    pub scope_hash: Vec<u8>,
    pub organization_id: Option<String>,
    /// SHA-256 of the RFC 8785 canonical request body.
    pub fingerprint: Vec<u8>,
    pub status: i64,
    /// JSON object of the response headers to replay (`Location`, `ETag`).
    pub headers: String,
    pub body: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The unexpired stored response for `scope_hash`.
pub async fn get(db: &mut impl Db, scope_hash: &[u8], now: i64) -> Result<Option<StoredResponse>, StoreError> {
    let sql = "SELECT scope_hash, organization_id, fingerprint, status, headers, body, created_at, expires_at \
               FROM idempotency_keys WHERE scope_hash = $1 AND expires_at > $2";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, StoredResponse>(sql)
        .bind(scope_hash).bind(now).fetch_optional(e).await)?)
}

/// Stores a response; an expired entry under the same scope is replaced. A live one makes the
/// insert fail with a unique [`StoreError::Conflict`] on `idempotency_keys_pkey` (another instance
/// stored it first).
pub async fn insert(db: &mut impl Db, r: &StoredResponse) -> Result<(), StoreError> {
    let del = "DELETE FROM idempotency_keys WHERE scope_hash = $1 AND expires_at <= $2";
    on_backend!(db.exec(), e => sqlx::query(del).bind(&r.scope_hash).bind(r.created_at).execute(e).await.map(|r| r.rows_affected()))?;
    let sql = "INSERT INTO idempotency_keys (scope_hash, organization_id, fingerprint, status, headers, body, \
               created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&r.scope_hash).bind(&r.organization_id).bind(&r.fingerprint).bind(r.status).bind(&r.headers)
        .bind(&r.body).bind(r.created_at).bind(r.expires_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes expired entries; returns how many.
pub async fn purge_expired(db: &mut impl Db, now: i64) -> Result<u64, StoreError> {
    let sql = "DELETE FROM idempotency_keys WHERE expires_at <= $1";
    Ok(on_backend!(db.exec(), e => sqlx::query(sql).bind(now).execute(e).await.map(|r| r.rows_affected()))?)
}
