//! Sandbox faults (api.md §15): one active fault per unit and kind.

use crate::backend::on_backend;
use crate::{Db, StoreError};

/// A fault as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FaultRow {
    pub fiscal_unit_id: String,
    pub kind: String,
    pub organization_id: String,
    pub delay_ms: Option<i64>,
    pub http_status: Option<i64>,
    pub mode: Option<String>,
    pub code: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// Sets a fault, replacing the unit's fault of the same kind.
pub async fn upsert(db: &mut impl Db, f: &FaultRow) -> Result<(), StoreError> {
    let del = "DELETE FROM sandbox_faults WHERE fiscal_unit_id = $1 AND kind = $2";
    on_backend!(db.exec(), e => sqlx::query(del).bind(&f.fiscal_unit_id).bind(&f.kind).execute(e).await.map(|r| r.rows_affected()))?;
    let sql = "INSERT INTO sandbox_faults (fiscal_unit_id, kind, organization_id, delay_ms, http_status, mode, code, \
               created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&f.fiscal_unit_id).bind(&f.kind).bind(&f.organization_id).bind(f.delay_ms).bind(f.http_status)
        .bind(&f.mode).bind(&f.code).bind(f.created_at).bind(f.expires_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The unit's faults still active at `now`, by kind.
pub async fn active(db: &mut impl Db, org: &str, unit: &str, now: i64) -> Result<Vec<FaultRow>, StoreError> {
    let sql = "SELECT fiscal_unit_id, kind, organization_id, delay_ms, http_status, mode, code, created_at, expires_at \
               FROM sandbox_faults WHERE organization_id = $1 AND fiscal_unit_id = $2 \
               AND (expires_at IS NULL OR expires_at > $3) ORDER BY kind";
    Ok(
        on_backend!(db.exec(), e => sqlx::query_as::<_, FaultRow>(sql).bind(org).bind(unit).bind(now).fetch_all(e).await)?,
    )
}

/// Clears every fault of the unit.
pub async fn clear(db: &mut impl Db, org: &str, unit: &str) -> Result<(), StoreError> {
    let sql = "DELETE FROM sandbox_faults WHERE organization_id = $1 AND fiscal_unit_id = $2";
    on_backend!(db.exec(), e => sqlx::query(sql).bind(org).bind(unit).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}
