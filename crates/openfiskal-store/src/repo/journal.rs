//! The journal (api.md §6.7): every record a unit signs, gapless and in counter order.

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery};
use crate::{Db, StoreError};

/// A journal entry as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JournalRow {
    pub id: String,
    pub organization_id: String,
    pub fiscal_unit_id: String,
    pub counter: i64,
    pub kind: String,
    pub operation_id: Option<String>,
    pub closing_id: Option<String>,
    pub signed_at: Option<i64>,
    pub signature: Option<Vec<u8>>,
    pub record: Vec<u8>,
    pub record_format: String,
    pub hash: Option<String>,
    pub fiscal: Option<String>,
    pub created_at: i64,
}

/// Appends an entry; a duplicate counter is a `Conflict` (the counter was not allocated gaplessly).
pub async fn insert(db: &mut impl Db, j: &JournalRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO journal_entries (id, organization_id, fiscal_unit_id, counter, kind, operation_id, \
               closing_id, signed_at, signature, record, record_format, hash, fiscal, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&j.id).bind(&j.organization_id).bind(&j.fiscal_unit_id).bind(j.counter).bind(&j.kind)
        .bind(&j.operation_id).bind(&j.closing_id).bind(j.signed_at).bind(&j.signature).bind(&j.record)
        .bind(&j.record_format).bind(&j.hash).bind(&j.fiscal).bind(j.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Entries of a unit with `counter > after`, optionally of one `kind` and within `q.from`/`q.to`
/// (created_at), in counter order; `q.after` is ignored (the counter is the position).
pub async fn list(
    db: &mut impl Db,
    org: &str,
    unit: &str,
    after: i64,
    kind: Option<&str>,
    q: &PageQuery,
) -> Result<Page<JournalRow>, StoreError> {
    let sql = "SELECT id, organization_id, fiscal_unit_id, counter, kind, operation_id, closing_id, signed_at, \
               signature, record, record_format, hash, fiscal, created_at FROM journal_entries \
               WHERE organization_id = $1 AND fiscal_unit_id = $2 AND counter > $3 AND ($4 IS NULL OR kind = $4) \
               AND ($5 IS NULL OR created_at >= $5) AND ($6 IS NULL OR created_at < $6) ORDER BY counter LIMIT $7";
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, JournalRow>(sql)
        .bind(org).bind(unit).bind(after).bind(kind).bind(q.from).bind(q.to).bind(q.fetch_limit()).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// One entry of a unit.
pub async fn get(db: &mut impl Db, org: &str, unit: &str, id: &str) -> Result<Option<JournalRow>, StoreError> {
    let sql = "SELECT id, organization_id, fiscal_unit_id, counter, kind, operation_id, closing_id, signed_at, \
               signature, record, record_format, hash, fiscal, created_at FROM journal_entries \
               WHERE organization_id = $1 AND fiscal_unit_id = $2 AND id = $3";
    Ok(
        on_backend!(db.exec(), e => sqlx::query_as::<_, JournalRow>(sql).bind(org).bind(unit).bind(id).fetch_optional(e).await)?,
    )
}
