//! Organizations (api.md §4.1).

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// An organization as stored; `address` and `metadata` are JSON text.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub country: String,
    pub tax_id: Option<String>,
    pub tax_number: Option<String>,
    pub address: String,
    pub metadata: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Inserts a new organization.
pub async fn insert(db: &mut impl Db, o: &OrgRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO organizations (id, legal_name, trade_name, country, tax_id, tax_number, address, \
               metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&o.id).bind(&o.legal_name).bind(&o.trade_name).bind(&o.country).bind(&o.tax_id)
        .bind(&o.tax_number).bind(&o.address).bind(&o.metadata).bind(o.created_at).bind(o.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes every mutable field of an existing organization.
pub async fn update(db: &mut impl Db, o: &OrgRow) -> Result<(), StoreError> {
    let sql = "UPDATE organizations SET legal_name = $2, trade_name = $3, tax_id = $4, tax_number = $5, \
               address = $6, metadata = $7, updated_at = $8 WHERE id = $1";
    let n = on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&o.id).bind(&o.legal_name).bind(&o.trade_name).bind(&o.tax_id).bind(&o.tax_number)
        .bind(&o.address).bind(&o.metadata).bind(o.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One organization by id.
pub async fn get(db: &mut impl Db, id: &str) -> Result<Option<OrgRow>, StoreError> {
    let sql = "SELECT id, legal_name, trade_name, country, tax_id, tax_number, address, metadata, created_at, \
               updated_at FROM organizations WHERE id = $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, OrgRow>(sql).bind(id).fetch_optional(e).await)?)
}

/// True when the organization exists.
pub async fn exists(db: &mut impl Db, id: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM organizations WHERE id = $1";
    let n: i64 = on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(id).fetch_one(e).await)?;
    Ok(n > 0)
}

/// Organizations newest first; `only` restricts the list to one organization (organization keys).
pub async fn list(db: &mut impl Db, only: Option<&str>, q: &PageQuery) -> Result<Page<OrgRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, legal_name, trade_name, country, tax_id, tax_number, address, metadata, created_at, \
         updated_at FROM organizations WHERE ($1 IS NULL OR id = $1)"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, OrgRow>(sql)
        .bind(only).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}
