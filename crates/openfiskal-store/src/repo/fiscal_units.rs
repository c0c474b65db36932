//! Fiscal units (api.md §6), their wrapped keys, and installation keys.

use openfiskal_core::{FiscalUnitState, Jurisdiction};

use crate::backend::{Exec, on_backend};
use crate::repo::page::{Page, PageQuery, keyset};
use crate::{Db, StoreError};

/// A fiscal unit as stored; `fiscal_registration`, `configuration`, `metadata` are JSON text.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FiscalUnitRow {
    pub id: String,
    pub organization_id: String,
    pub register_id: String,
    #[sqlx(try_from = "String")]
    pub jurisdiction: Jurisdiction,
    #[sqlx(try_from = "String")]
    pub state: FiscalUnitState,
    pub fiscal_registration: Option<String>,
    pub configuration: String,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub provisioned_at: Option<i64>,
    pub decommissioned_at: Option<i64>,
    pub metadata: String,
    pub signature_counter: i64,
    pub transaction_counter: i64,
    pub chain_state: Option<String>,
    pub state_changed_at: i64,
    pub created_at: i64,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, register_id, jurisdiction, state, fiscal_registration, configuration, ",
            "reason, reason_code, replaces, replaced_by, provisioned_at, decommissioned_at, metadata, ",
            "signature_counter, transaction_counter, chain_state, state_changed_at, created_at FROM fiscal_units ",
            $tail
        )
    };
}

/// Inserts a new unit.
pub async fn insert(db: &mut impl Db, u: &FiscalUnitRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO fiscal_units (id, organization_id, register_id, jurisdiction, state, fiscal_registration, \
               configuration, reason, reason_code, replaces, replaced_by, provisioned_at, decommissioned_at, metadata, \
               signature_counter, transaction_counter, chain_state, state_changed_at, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&u.id).bind(&u.organization_id).bind(&u.register_id).bind(u.jurisdiction.as_str()).bind(u.state.as_str())
        .bind(&u.fiscal_registration).bind(&u.configuration).bind(&u.reason).bind(&u.reason_code)
        .bind(&u.replaces).bind(&u.replaced_by).bind(u.provisioned_at).bind(u.decommissioned_at).bind(&u.metadata)
        .bind(u.signature_counter).bind(u.transaction_counter).bind(&u.chain_state).bind(u.state_changed_at)
        .bind(u.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes the lifecycle fields of a unit (state, registration, reason, links, times).
pub async fn update_lifecycle(db: &mut impl Db, u: &FiscalUnitRow) -> Result<(), StoreError> {
    let sql = "UPDATE fiscal_units SET state = $3, fiscal_registration = $4, reason = $5, reason_code = $6, \
               replaced_by = $7, provisioned_at = $8, decommissioned_at = $9, state_changed_at = $10 \
               WHERE id = $1 AND organization_id = $2";
    let n = on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&u.id).bind(&u.organization_id).bind(u.state.as_str()).bind(&u.fiscal_registration).bind(&u.reason)
        .bind(&u.reason_code).bind(&u.replaced_by).bind(u.provisioned_at).bind(u.decommissioned_at)
        .bind(u.state_changed_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One unit of `org`.
pub async fn get(db: &mut impl Db, org: &str, id: &str) -> Result<Option<FiscalUnitRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND organization_id = $2");
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, FiscalUnitRow>(sql).bind(id).bind(org).fetch_optional(e).await)?)
}

/// Several units of `org` by id (for expanding registers); missing ids are skipped.
pub async fn get_many(db: &mut impl Db, org: &str, ids: &[String]) -> Result<Vec<FiscalUnitRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(u) = get(db, org, id).await? {
            out.push(u);
        }
    }
    Ok(out)
}

/// A register's units, newest first (its history).
pub async fn list_for_register(
    db: &mut impl Db,
    org: &str,
    register: &str,
    q: &PageQuery,
) -> Result<Page<FiscalUnitRow>, StoreError> {
    let sql = keyset!(
        "SELECT id, organization_id, register_id, jurisdiction, state, fiscal_registration, configuration, \
         reason, reason_code, replaces, replaced_by, provisioned_at, decommissioned_at, metadata, \
         signature_counter, transaction_counter, chain_state, state_changed_at, created_at FROM fiscal_units \
         WHERE organization_id = $1 AND register_id = $7"
    );
    let rows = on_backend!(db.exec(), e => sqlx::query_as::<_, FiscalUnitRow>(sql)
        .bind(org).bind(q.from).bind(q.to).bind(q.after_time()).bind(q.after_id()).bind(q.fetch_limit())
        .bind(register).fetch_all(e).await)?;
    Ok(Page::from_rows(rows, q))
}

/// True when the register ever had a unit (for the deprecated `fiscal_state`).
pub async fn register_ever_provisioned(db: &mut impl Db, register: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM fiscal_units WHERE register_id = $1";
    let n: i64 = on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(register).fetch_one(e).await)?;
    Ok(n > 0)
}

/// A wrapped private key (and its public half and certificate).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UnitKeyRow {
    pub fiscal_unit_id: String,
    pub purpose: String,
    pub organization_id: String,
    pub wrapped: Vec<u8>,
    pub public_key: Option<Vec<u8>>,
    pub certificate: Option<Vec<u8>>,
    pub created_at: i64,
}

/// Stores a unit key.
pub async fn insert_key(db: &mut impl Db, k: &UnitKeyRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO fiscal_unit_keys (fiscal_unit_id, purpose, organization_id, wrapped, public_key, \
               certificate, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&k.fiscal_unit_id).bind(&k.purpose).bind(&k.organization_id).bind(&k.wrapped).bind(&k.public_key)
        .bind(&k.certificate).bind(k.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The keys of a unit.
pub async fn keys(db: &mut impl Db, org: &str, unit: &str) -> Result<Vec<UnitKeyRow>, StoreError> {
    let sql = "SELECT fiscal_unit_id, purpose, organization_id, wrapped, public_key, certificate, created_at \
               FROM fiscal_unit_keys WHERE fiscal_unit_id = $1 AND organization_id = $2 ORDER BY purpose";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, UnitKeyRow>(sql).bind(unit).bind(org).fetch_all(e).await)?)
}

/// An installation-wide key (a CA).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InstallationKeyRow {
    pub purpose: String,
    pub wrapped: Vec<u8>,
    pub certificate: Vec<u8>,
    pub created_at: i64,
}

/// Reads an installation key.
pub async fn installation_key(db: &mut impl Db, purpose: &str) -> Result<Option<InstallationKeyRow>, StoreError> {
    let sql = "SELECT purpose, wrapped, certificate, created_at FROM installation_keys WHERE purpose = $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, InstallationKeyRow>(sql).bind(purpose).fetch_optional(e).await)?)
}

/// Stores an installation key; a concurrent creator makes this a `Conflict`.
pub async fn insert_installation_key(db: &mut impl Db, k: &InstallationKeyRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO installation_keys (purpose, wrapped, certificate, created_at) VALUES ($1, $2, $3, $4)";
    on_backend!(db.exec(), e => sqlx::query(sql)
        .bind(&k.purpose).bind(&k.wrapped).bind(&k.certificate).bind(k.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// `(unit id, configuration)` of an organization's units of one jurisdiction (any state).
pub async fn configurations_of(
    db: &mut impl Db,
    org: &str,
    jurisdiction: &str,
) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
    let sql = "SELECT id, configuration FROM fiscal_units WHERE organization_id = $1 AND jurisdiction = $2 \
               ORDER BY created_at, id";
    let rows: Vec<(String, String)> =
        on_backend!(db.exec(), e => sqlx::query_as(sql).bind(org).bind(jurisdiction).fetch_all(e).await)?;
    Ok(rows.into_iter().filter_map(|(id, c)| serde_json::from_str(&c).ok().map(|v| (id, v))).collect())
}

/// Number of units of a jurisdiction in the whole installation (numbers sandbox matricole).
pub async fn count_of_jurisdiction(db: &mut impl Db, jurisdiction: &str) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM fiscal_units WHERE jurisdiction = $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).bind(jurisdiction).fetch_one(e).await)?)
}

/// The unit's chain after a signing step: the signature counter, the transaction number and the
/// regime's chain state, moved together by [`advance_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainUpdate<'a> {
    /// The signature counter after the step.
    pub signature_counter: i64,
    /// The transaction number after the step.
    pub transaction_counter: i64,
    /// The regime's chain state after the step (JSON).
    pub chain_state: Option<&'a str>,
}

/// Advances the unit's chain in one guarded update: it applies only while the row still holds the
/// signature counter `from` that the step was computed from and the unit is `active`, and fails
/// with a stale `Conflict` otherwise (another writer advanced it, or retired or failed the unit),
/// so counters never skip or repeat and a retired unit never signs.
pub async fn advance_chain(db: &mut impl Db, id: &str, from: i64, to: &ChainUpdate<'_>) -> Result<(), StoreError> {
    let sql = "UPDATE fiscal_units SET signature_counter = $3, transaction_counter = $4, chain_state = $5 \
               WHERE id = $1 AND signature_counter = $2 AND state = 'active'";
    let n = on_backend!(db.exec(), e => sqlx::query(sql).bind(id).bind(from).bind(to.signature_counter)
        .bind(to.transaction_counter).bind(to.chain_state).execute(e).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::stale("fiscal_units.signature_counter")) }
}

/// `(organization, id)` of up to `limit` units in `error`, longest in error first (the automatic probe).
pub async fn in_error(db: &mut impl Db, limit: i64) -> Result<Vec<(String, String)>, StoreError> {
    let sql =
        "SELECT organization_id, id FROM fiscal_units WHERE state = 'error' ORDER BY state_changed_at, id LIMIT $1";
    Ok(on_backend!(db.exec(), e => sqlx::query_as::<_, (String, String)>(sql).bind(limit).fetch_all(e).await)?)
}

/// `(jurisdiction, state, count)` of every unit in the installation (for metrics; no tenant labels).
pub async fn count_by_state(db: &mut impl Db) -> Result<Vec<(String, String, i64)>, StoreError> {
    let sql = "SELECT jurisdiction, state, COUNT(*) FROM fiscal_units GROUP BY jurisdiction, state ORDER BY 1, 2";
    Ok(on_backend!(db.exec(), e => sqlx::query_as(sql).fetch_all(e).await)?)
}

/// Reads the unit's row for a fiscal step and locks it until the transaction ends: `FOR UPDATE` on
/// PostgreSQL (orders the unit across instances); on SQLite the single writer already holds the lock.
pub async fn lock(db: &mut impl Db, org: &str, id: &str) -> Result<Option<FiscalUnitRow>, StoreError> {
    let row = match db.exec() {
        Exec::Sqlite(e) => {
            sqlx::query_as::<_, FiscalUnitRow>(select!("WHERE id = $1 AND organization_id = $2"))
                .bind(id)
                .bind(org)
                .fetch_optional(e)
                .await?
        }
        Exec::Postgres(e) => {
            sqlx::query_as::<_, FiscalUnitRow>(select!("WHERE id = $1 AND organization_id = $2 FOR UPDATE"))
                .bind(id)
                .bind(org)
                .fetch_optional(e)
                .await?
        }
    };
    Ok(row)
}
