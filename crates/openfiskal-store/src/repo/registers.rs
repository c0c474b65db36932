//! Registers (api.md §5), always filtered by organization.

use openfiskal_core::{Jurisdiction, RegisterState};

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// A register as stored; `metadata`, `device`, `heartbeat_metrics` and `software` are JSON text.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RegisterRow {
    pub id: String,
    pub organization_id: String,
    pub location_id: String,
    pub label: String,
    #[sqlx(try_from = "String")]
    pub jurisdiction: Jurisdiction,
    pub serial_number: Option<String>,
    pub metadata: String,
    pub heartbeat_interval_seconds: i64,
    pub device: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: RegisterState,
    pub current_fiscal_unit_id: Option<String>,
    pub archived_at: Option<i64>,
    pub last_heartbeat_at: Option<i64>,
    pub last_heartbeat_sequence: Option<i64>,
    pub self_reported_status: Option<String>,
    pub clock_skew_seconds: Option<i64>,
    pub heartbeat_metrics: Option<String>,
    pub software: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, location_id, label, jurisdiction, serial_number, metadata, ",
            "heartbeat_interval_seconds, device, state, current_fiscal_unit_id, archived_at, last_heartbeat_at, ",
            "last_heartbeat_sequence, self_reported_status, clock_skew_seconds, heartbeat_metrics, software, ",
            "created_at, updated_at FROM registers ",
            $tail
        )
    };
}

/// Inserts a new register.
pub async fn insert(db: &mut impl Db, r: &RegisterRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO registers (id, organization_id, location_id, label, jurisdiction, serial_number, metadata, \
               heartbeat_interval_seconds, device, state, current_fiscal_unit_id, archived_at, last_heartbeat_at, \
               last_heartbeat_sequence, self_reported_status, clock_skew_seconds, heartbeat_metrics, software, \
               created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
               $16, $17, $18, $19, $20)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&r.id).bind(&r.organization_id).bind(&r.location_id).bind(&r.label).bind(r.jurisdiction.as_str())
        .bind(&r.serial_number).bind(&r.metadata).bind(r.heartbeat_interval_seconds).bind(&r.device)
        .bind(r.state.as_str()).bind(&r.current_fiscal_unit_id).bind(r.archived_at).bind(r.last_heartbeat_at)
        .bind(r.last_heartbeat_sequence).bind(&r.self_reported_status).bind(r.clock_skew_seconds)
        .bind(&r.heartbeat_metrics).bind(&r.software).bind(r.created_at).bind(r.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes every mutable field of a register of its organization.
pub async fn update(db: &mut impl Db, r: &RegisterRow) -> Result<(), StoreError> {
    let sql = "UPDATE registers SET label = $3, serial_number = $4, metadata = $5, heartbeat_interval_seconds = $6, \
               device = $7, state = $8, current_fiscal_unit_id = $9, archived_at = $10, last_heartbeat_at = $11, \
               last_heartbeat_sequence = $12, self_reported_status = $13, clock_skew_seconds = $14, \
               heartbeat_metrics = $15, software = $16, updated_at = $17 WHERE id = $1 AND organization_id = $2";
    let n = on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&r.id).bind(&r.organization_id).bind(&r.label).bind(&r.serial_number).bind(&r.metadata)
        .bind(r.heartbeat_interval_seconds).bind(&r.device).bind(r.state.as_str()).bind(&r.current_fiscal_unit_id)
        .bind(r.archived_at).bind(r.last_heartbeat_at).bind(r.last_heartbeat_sequence).bind(&r.self_reported_status)
        .bind(r.clock_skew_seconds).bind(&r.heartbeat_metrics).bind(&r.software).bind(r.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One register of `org`.
pub async fn get(db: &mut impl Db, org: &str, id: &str) -> Result<Option<RegisterRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND organization_id = $2");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, RegisterRow>(sql).bind(id).bind(org).fetch_optional(e).await)?)
}

/// The registers of a location, newest first; `state` filters when given.
pub async fn list(
    db: &mut impl Db,
    org: &str,
    location: &str,
    state: Option<&str>,
    q: &PageQuery,
) -> Result<Page<RegisterRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, organization_id, location_id, label, jurisdiction, serial_number, metadata, \
         heartbeat_interval_seconds, device, state, current_fiscal_unit_id, archived_at, last_heartbeat_at, \
         last_heartbeat_sequence, self_reported_status, clock_skew_seconds, heartbeat_metrics, software, \
         created_at, updated_at FROM registers \
         WHERE organization_id = $1 AND location_id = $7 AND ($8 IS NULL OR state = $8)"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, RegisterRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .bind(location).bind(state).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// Every register of a location, oldest first (fleet status is unpaginated).
pub async fn all_of_location(db: &mut impl Db, org: &str, location: &str) -> Result<Vec<RegisterRow>, StoreError> {
    let sql = select!("WHERE organization_id = $1 AND location_id = $2 ORDER BY created_at, id");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, RegisterRow>(sql).bind(org).bind(location).fetch_all(e).await)?)
}
