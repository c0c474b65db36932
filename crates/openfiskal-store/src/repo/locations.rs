//! Locations (api.md §4.2), always filtered by organization.

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// A location as stored; `address` and `metadata` are JSON text.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LocationRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub metadata: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Inserts a new location.
pub async fn insert(db: &mut impl Db, l: &LocationRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO locations (id, organization_id, name, address, timezone, metadata, created_at, \
               updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&l.id).bind(&l.organization_id).bind(&l.name).bind(&l.address).bind(&l.timezone)
        .bind(&l.metadata).bind(l.created_at).bind(l.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes every mutable field of a location of `org`.
pub async fn update(db: &mut impl Db, l: &LocationRow) -> Result<(), StoreError> {
    let sql = "UPDATE locations SET name = $3, address = $4, timezone = $5, metadata = $6, updated_at = $7 \
               WHERE id = $1 AND organization_id = $2";
    let n = on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&l.id).bind(&l.organization_id).bind(&l.name).bind(&l.address).bind(&l.timezone)
        .bind(&l.metadata).bind(l.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One location of `org`; another organization's location is `None`.
pub async fn get(db: &mut impl Db, org: &str, id: &str) -> Result<Option<LocationRow>, StoreError> {
    let sql = "SELECT id, organization_id, name, address, timezone, metadata, created_at, updated_at \
               FROM locations WHERE id = $1 AND organization_id = $2";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, LocationRow>(sql).bind(id).bind(org).fetch_optional(e).await)?)
}

/// The locations of `org`, newest first.
pub async fn list(db: &mut impl Db, org: &str, q: &PageQuery) -> Result<Page<LocationRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, organization_id, name, address, timezone, metadata, created_at, updated_at \
         FROM locations WHERE organization_id = $1"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, LocationRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}
