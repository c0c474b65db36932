//! Operations (api.md §7). The rule "all open operations must be completed or cancelled first" is
//! checked here, inside the transaction that retires a unit or archives a register.

use openfiskal_core::{FiscalState, OperationState};

use crate::backend::{Exec, on_backend};
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// An open operation as the register status lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OpenOperation {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub started_at: i64,
}

/// An operation as stored; `cashier`, `refs`, `data`, `fiscal`, `warnings`, `metadata` are JSON.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OperationRow {
    pub id: String,
    pub organization_id: String,
    pub location_id: String,
    pub register_id: String,
    pub fiscal_unit_id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub state: OperationState,
    #[sqlx(try_from = "String")]
    pub fiscal_state: FiscalState,
    pub client_operation_id: Option<String>,
    pub client_fingerprint: Option<Vec<u8>>,
    pub external_id: Option<String>,
    pub sequence_number: i64,
    pub cashier: String,
    pub refs: String,
    pub data: String,
    pub fiscal: String,
    pub warnings: String,
    pub metadata: String,
    pub closing_id: Option<String>,
    pub resource_version: i64,
    pub occurred_at: Option<i64>,
    pub completed_occurred_at: Option<i64>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancellation_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The merged type-specific input of the open operation (JSON).
    pub inputs: String,
    /// `references.original_operation_id`, as a column for eligibility queries.
    pub original_operation_id: Option<String>,
    /// The receipt's issuer snapshot taken at completion (JSON), `None` before.
    pub issuer: Option<String>,
}

/// The columns of [`OperationRow`], in order.
macro_rules! columns {
    () => {
        "id, organization_id, location_id, register_id, fiscal_unit_id, type, state, fiscal_state, \
         client_operation_id, client_fingerprint, external_id, sequence_number, cashier, refs, data, fiscal, \
         warnings, metadata, closing_id, resource_version, occurred_at, completed_occurred_at, started_at, \
         completed_at, cancelled_at, cancellation_reason, created_at, updated_at, inputs, original_operation_id, issuer"
    };
}

macro_rules! select {
    ($tail:literal) => {
        concat!("SELECT ", columns!(), " FROM operations ", $tail)
    };
}

/// Inserts a new operation.
pub async fn insert(db: &mut impl Db, o: &OperationRow) -> Result<(), StoreError> {
    let sql = concat!(
        "INSERT INTO operations (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
         $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)"
    );
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&o.id).bind(&o.organization_id).bind(&o.location_id).bind(&o.register_id).bind(&o.fiscal_unit_id)
        .bind(&o.kind).bind(o.state.as_str()).bind(o.fiscal_state.as_str()).bind(&o.client_operation_id).bind(&o.client_fingerprint)
        .bind(&o.external_id).bind(o.sequence_number).bind(&o.cashier).bind(&o.refs).bind(&o.data).bind(&o.fiscal)
        .bind(&o.warnings).bind(&o.metadata).bind(&o.closing_id).bind(o.resource_version).bind(o.occurred_at)
        .bind(o.completed_occurred_at).bind(o.started_at).bind(o.completed_at).bind(o.cancelled_at)
        .bind(&o.cancellation_reason).bind(o.created_at).bind(o.updated_at).bind(&o.inputs)
        .bind(&o.original_operation_id).bind(&o.issuer)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes an operation's mutable fields, guarded by the version it was read at (`resource_version`
/// is then one higher); a concurrent change makes this a stale `Conflict`.
pub async fn update(db: &mut impl Db, o: &OperationRow, read_version: i64) -> Result<(), StoreError> {
    let sql = "UPDATE operations SET state = $3, fiscal_state = $4, external_id = $5, cashier = $6, refs = $7, \
               data = $8, fiscal = $9, warnings = $10, metadata = $11, closing_id = $12, resource_version = $13, \
               completed_occurred_at = $14, completed_at = $15, cancelled_at = $16, cancellation_reason = $17, \
               updated_at = $18, inputs = $20, issuer = $21 \
               WHERE id = $1 AND organization_id = $2 AND resource_version = $19";
    let n = on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&o.id).bind(&o.organization_id).bind(o.state.as_str()).bind(o.fiscal_state.as_str()).bind(&o.external_id)
        .bind(&o.cashier).bind(&o.refs).bind(&o.data).bind(&o.fiscal).bind(&o.warnings).bind(&o.metadata)
        .bind(&o.closing_id).bind(o.resource_version).bind(o.completed_occurred_at).bind(o.completed_at)
        .bind(o.cancelled_at).bind(&o.cancellation_reason).bind(o.updated_at).bind(read_version)
        .bind(&o.inputs).bind(&o.issuer)
        .execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::stale("operations.resource_version")) }
}

/// One operation of `org` by `op_…` id or client UUID.
pub async fn get(db: &mut impl Db, org: &str, id_or_client: &str) -> Result<Option<OperationRow>, StoreError> {
    let sql = select!("WHERE organization_id = $1 AND (id = $2 OR client_operation_id = $2)");
    Ok(
        on_backend!(db.exec(), e => sqlx::query_as::<_, OperationRow>(sql).bind(org).bind(id_or_client).fetch_optional(e).await)?,
    )
}

/// Filters of an operation list (api.md §7.3); `None` matches everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub kind: Option<&'a str>,
    pub state: Option<&'a str>,
    pub fiscal_state: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// One operation of `org` by `op_…` id or client UUID, locked until the transaction ends on
/// PostgreSQL (SQLite's single writer already serialises): the original of a refund, void,
/// exchange or capture, so two returns of it cannot both take the same remainder.
pub async fn lock(db: &mut impl Db, org: &str, id_or_client: &str) -> Result<Option<OperationRow>, StoreError> {
    let row = match db.exec() {
        Exec::Sqlite(e) => {
            sqlx::query_as::<_, OperationRow>(select!(
                "WHERE organization_id = $1 AND (id = $2 OR client_operation_id = $2)"
            ))
            .bind(org)
            .bind(id_or_client)
            .fetch_optional(e)
            .await?
        }
        Exec::Postgres(e) => {
            sqlx::query_as::<_, OperationRow>(select!(
                "WHERE organization_id = $1 AND (id = $2 OR client_operation_id = $2) FOR UPDATE"
            ))
            .bind(org)
            .bind(id_or_client)
            .fetch_optional(e)
            .await?
        }
    };
    Ok(row)
}

/// Completed operations whose fiscalization failed and whose unit is `active` again, oldest
/// completion first: what the automatic retry signs (api.md §7.5). `(organization_id, id)`.
pub async fn failed_on_active_units(db: &mut impl Db, limit: i64) -> Result<Vec<(String, String)>, StoreError> {
    let sql = "SELECT o.organization_id, o.id FROM operations o JOIN fiscal_units f ON f.id = o.fiscal_unit_id \
               WHERE o.state = 'completed' AND o.fiscal_state = 'failed' AND f.state = 'active' \
               ORDER BY o.completed_at, o.id LIMIT $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, (String, String)>(sql).bind(limit).fetch_all(e).await)?)
}

/// A register's operations matching `f`, newest first.
pub async fn list(
    db: &mut impl Db,
    org: &str,
    register: &str,
    f: ListFilter<'_>,
    q: &PageQuery,
) -> Result<Page<OperationRow>, StoreError> {
    let sql = keyset!(concat!(
        "SELECT ",
        columns!(),
        " FROM operations WHERE organization_id = $1 AND register_id = $7 AND ($8 IS NULL OR type = $8) \
         AND ($9 IS NULL OR state = $9) AND ($10 IS NULL OR fiscal_state = $10) \
         AND ($11 IS NULL OR external_id = $11)"
    ));
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, OperationRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .bind(register).bind(f.kind).bind(f.state).bind(f.fiscal_state).bind(f.external_id).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// The operations of `org` that reference `original` and are not cancelled (refunds, voids,
/// exchanges, captures of it), oldest first.
pub async fn referencing(db: &mut impl Db, org: &str, original: &str) -> Result<Vec<OperationRow>, StoreError> {
    let sql = select!(
        "WHERE organization_id = $1 AND original_operation_id = $2 AND state <> 'cancelled' \
         ORDER BY started_at, id"
    );
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, OperationRow>(sql).bind(org).bind(original).fetch_all(e).await)?)
}

/// Takes the register's next gapless sequence number.
pub async fn next_sequence(db: &mut impl Db, register: &str) -> Result<i64, StoreError> {
    let sql =
        "UPDATE registers SET operation_sequence = operation_sequence + 1 WHERE id = $1 RETURNING operation_sequence";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(register).fetch_one(e).await)?)
}

/// The register's open operations, oldest first.
pub async fn open_for_register(db: &mut impl Db, org: &str, register: &str) -> Result<Vec<OpenOperation>, StoreError> {
    let sql = "SELECT id, type, started_at FROM operations WHERE organization_id = $1 AND register_id = $2 \
               AND state = 'open' ORDER BY started_at, id";
    Ok(
        on_backend!(db.exec(), e => sqlx::query_as::<_, OpenOperation>(sql).bind(org).bind(register).fetch_all(e).await)?,
    )
}

/// Number of open operations of the register.
pub async fn count_open(db: &mut impl Db, org: &str, register: &str) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM operations WHERE organization_id = $1 AND register_id = $2 AND state = 'open'";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(org).bind(register).fetch_one(e).await)?)
}

/// Number of open operations of a fiscal unit (at most 2,000, api.md §7.5).
pub async fn count_open_for_unit(db: &mut impl Db, unit: &str) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM operations WHERE fiscal_unit_id = $1 AND state = 'open'";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(unit).fetch_one(e).await)?)
}

/// Number of open operations in the installation (for metrics).
pub async fn count_all_open(db: &mut impl Db) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM operations WHERE state = 'open'";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).fetch_one(e).await)?)
}

/// Takes the register's next gapless receipt number.
pub async fn next_receipt_number(db: &mut impl Db, register: &str) -> Result<i64, StoreError> {
    let sql = "UPDATE registers SET receipt_counter = receipt_counter + 1 WHERE id = $1 RETURNING receipt_counter";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(register).fetch_one(e).await)?)
}
