//! Closings (api.md §10), the register's Z counter, and what a closing reads from and writes to
//! `operations` and `journal_entries`. Always filtered by organization.

use crate::backend::on_backend;
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// A closing as stored; `summary`, `fiscal`, `error` and `metadata` are JSON text.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClosingRow {
    pub id: String,
    pub organization_id: String,
    pub location_id: String,
    pub register_id: String,
    pub fiscal_unit_id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub trigger: String,
    pub state: String,
    pub business_date: String,
    pub period_from: i64,
    pub period_to: i64,
    pub z_number: Option<i64>,
    pub summary: String,
    pub fiscal: Option<String>,
    pub error: Option<String>,
    pub metadata: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, location_id, register_id, fiscal_unit_id, type, trigger, state, ",
            "business_date, period_from, period_to, z_number, summary, fiscal, error, metadata, created_at, ",
            "completed_at FROM closings ",
            $tail
        )
    };
}

/// Inserts a closing. A second monthly or annual closing of the same register and period, or a
/// repeated Z number, is a `Conflict`.
pub async fn insert(db: &mut impl Db, c: &ClosingRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO closings (id, organization_id, location_id, register_id, fiscal_unit_id, type, trigger, \
               state, business_date, period_from, period_to, z_number, summary, fiscal, error, metadata, created_at, \
               completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&c.id).bind(&c.organization_id).bind(&c.location_id).bind(&c.register_id).bind(&c.fiscal_unit_id)
        .bind(&c.kind).bind(&c.trigger).bind(&c.state).bind(&c.business_date).bind(c.period_from).bind(c.period_to)
        .bind(c.z_number).bind(&c.summary).bind(&c.fiscal).bind(&c.error).bind(&c.metadata).bind(c.created_at)
        .bind(c.completed_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One closing of `org`.
pub async fn get(db: &mut impl Db, org: &str, id: &str) -> Result<Option<ClosingRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND organization_id = $2");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, ClosingRow>(sql).bind(id).bind(org).fetch_optional(e).await)?)
}

/// The closing of a register with this type and period start (monthly and annual are unique).
pub async fn find_period(
    db: &mut impl Db,
    org: &str,
    register: &str,
    kind: &str,
    period_from: i64,
) -> Result<Option<ClosingRow>, StoreError> {
    let sql = select!(
        "WHERE organization_id = $1 AND register_id = $2 AND type = $3 AND period_from = $4 \
         ORDER BY created_at, id LIMIT 1"
    );
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, ClosingRow>(sql)
        .bind(org).bind(register).bind(kind).bind(period_from).fetch_optional(e).await)?)
}

/// A register's closings, newest first; `kind` and `state` filter when given.
pub async fn list(
    db: &mut impl Db,
    org: &str,
    register: &str,
    kind: Option<&str>,
    state: Option<&str>,
    q: &PageQuery,
) -> Result<Page<ClosingRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, organization_id, location_id, register_id, fiscal_unit_id, type, trigger, state, \
         business_date, period_from, period_to, z_number, summary, fiscal, error, metadata, created_at, \
         completed_at FROM closings \
         WHERE organization_id = $1 AND register_id = $7 AND ($8 IS NULL OR type = $8) AND ($9 IS NULL OR state = $9)"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, ClosingRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .bind(register).bind(kind).bind(state).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// The end (`period_to`) of the register's latest closing of one of `kinds`, if any.
async fn last_end_of(db: &mut impl Db, register: &str, kinds: &[&str]) -> Result<Option<i64>, StoreError> {
    let (a, b) = (kinds.first().copied().unwrap_or(""), kinds.get(1).copied().unwrap_or(""));
    let sql = "SELECT MAX(period_to) FROM closings WHERE register_id = $1 AND type IN ($2, $3)";
    Ok(
        on_backend!(db.exec(), e => sqlx::query_scalar::<_, Option<i64>>(sql).bind(register).bind(a).bind(b).fetch_one(e).await)?,
    )
}

/// The end of the register's previous daily closing (where the next daily period starts).
pub async fn last_daily_end(db: &mut impl Db, register: &str) -> Result<Option<i64>, StoreError> {
    last_end_of(db, register, &["daily"]).await
}

/// The end of the register's previous shift or daily closing (where the next shift starts).
pub async fn last_shift_or_daily_end(db: &mut impl Db, register: &str) -> Result<Option<i64>, StoreError> {
    last_end_of(db, register, &["daily", "shift"]).await
}

/// `provisioned_at` of the register's first fiscal unit (where its first period starts).
pub async fn first_provisioned_at(db: &mut impl Db, register: &str) -> Result<Option<i64>, StoreError> {
    let sql = "SELECT MIN(provisioned_at) FROM fiscal_units WHERE register_id = $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar::<_, Option<i64>>(sql).bind(register).fetch_one(e).await)?)
}

/// The register's last allocated Z number (0 before its first daily closing).
pub async fn z_counter(db: &mut impl Db, register: &str) -> Result<i64, StoreError> {
    let sql = "SELECT z_counter FROM registers WHERE id = $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(register).fetch_one(e).await)?)
}

/// Moves the register's Z counter from `from` to `from + 1` and returns the new number; a
/// a stale `Conflict` when the row no longer holds `from`, so a Z number can neither repeat nor skip.
pub async fn advance_z_counter(db: &mut impl Db, register: &str, from: i64) -> Result<i64, StoreError> {
    let sql = "UPDATE registers SET z_counter = $2 WHERE id = $1 AND z_counter = $3";
    let to = from + 1;
    let n = on_backend!(db.exec(), e => sqlx::query(sql).bind(register).bind(to).bind(from).execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(to) } else { Err(StoreError::stale("registers.z_counter")) }
}

/// What a closing reads of an operation.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClosedOperationRow {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub state: String,
    pub fiscal_state: String,
    pub refs: String,
    pub data: String,
    pub closing_id: Option<String>,
    /// `completed_at` or `cancelled_at`.
    pub ended_at: Option<i64>,
}

/// Operations of a register that ended in `[from, to)`: completed (fiscal state `succeeded` or
/// `failed`) by `completed_at`, cancelled by `cancelled_at`. Oldest first.
pub async fn operations_ended_in(
    db: &mut impl Db,
    org: &str,
    register: &str,
    from: i64,
    to: i64,
) -> Result<Vec<ClosedOperationRow>, StoreError> {
    let sql = "SELECT id, type, state, fiscal_state, refs, data, closing_id, \
               COALESCE(completed_at, cancelled_at) AS ended_at FROM operations \
               WHERE organization_id = $1 AND register_id = $2 AND ( \
               (state = 'completed' AND fiscal_state IN ('succeeded', 'failed') AND completed_at >= $3 AND completed_at < $4) \
               OR (state = 'cancelled' AND cancelled_at >= $3 AND cancelled_at < $4)) \
               ORDER BY COALESCE(completed_at, cancelled_at), id";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, ClosedOperationRow>(sql)
        .bind(org).bind(register).bind(from).bind(to).fetch_all(e).await)?)
}

/// Claims for the daily closing `closing` every operation of a register that no daily closing
/// covers yet and that ended before `to` (completed with fiscal state `succeeded` or `failed`, or
/// cancelled): sets their `closing_id` (one version up, `updated_at` = `now`) and returns them,
/// oldest first. Not bounded below, so an operation whose commit raced the previous closing is
/// swept into this one instead of being lost; claiming and reading are one statement, so the
/// summary covers exactly the operations that got the id.
pub async fn claim_uncovered_operations(
    db: &mut impl Db,
    org: &str,
    register: &str,
    closing: &str,
    to: i64,
    now: i64,
) -> Result<Vec<ClosedOperationRow>, StoreError> {
    let sql = "UPDATE operations SET closing_id = $3, resource_version = resource_version + 1, updated_at = $5 \
               WHERE organization_id = $1 AND register_id = $2 AND closing_id IS NULL AND state <> 'open' AND ( \
               (state = 'completed' AND fiscal_state IN ('succeeded', 'failed') AND completed_at < $4) \
               OR (state = 'cancelled' AND cancelled_at < $4)) \
               RETURNING id, type, state, fiscal_state, refs, data, closing_id, \
               COALESCE(completed_at, cancelled_at) AS ended_at";
    let mut rows = on_backend!(db.exec(), e => sqlx::query_as::<_, ClosedOperationRow>(sql)
        .bind(org).bind(register).bind(closing).bind(to).bind(now).fetch_all(e).await)?;
    rows.sort_by(|a, b| (a.ended_at, &a.id).cmp(&(b.ended_at, &b.id)));
    Ok(rows)
}

/// The type of an operation of `org` (a void's original), if it exists.
pub async fn operation_type(db: &mut impl Db, org: &str, id: &str) -> Result<Option<String>, StoreError> {
    let sql = "SELECT type FROM operations WHERE organization_id = $1 AND id = $2";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(org).bind(id).fetch_optional(e).await)?)
}

/// Marks the journal entries of a unit with these counters as the closing's (and no operation's).
pub async fn claim_journal_entries(
    db: &mut impl Db,
    unit: &str,
    closing: &str,
    counters: &[i64],
) -> Result<(), StoreError> {
    let sql =
        "UPDATE journal_entries SET closing_id = $2, operation_id = NULL WHERE fiscal_unit_id = $1 AND counter = $3";
    for c in counters {
        on_backend!(db.exec(), e => sqlx::query(sql).bind(unit).bind(closing).bind(*c).execute(e).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
