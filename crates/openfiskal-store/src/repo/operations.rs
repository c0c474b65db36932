//! Operations: what registers and fiscal units need to know of them (open operations). The rule
//! "all open operations must be completed or cancelled first" is checked here, inside the
//! transaction that retires a unit or archives a register.

use crate::backend::on_backend;
use crate::{Db, StoreError};

/// An open operation as the register status lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OpenOperation {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub started_at: i64,
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

/// Number of open operations in the installation (for metrics).
pub async fn count_all_open(db: &mut impl Db) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM operations WHERE state = 'open'";
    Ok(on_backend!(db.exec(), e => sqlx::query_scalar(sql).fetch_one(e).await)?)
}
