//! `StoreError`: what a caller can act on. sqlx types stay inside this crate.

/// A storage failure in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A constraint refused the write, or a guarded update found its row changed.
    #[error("{kind:?} conflict on {constraint}")]
    Conflict {
        /// What refused the write.
        kind: ConflictKind,
        /// A unique constraint's PostgreSQL name on both backends (see [`UNIQUE_CONSTRAINTS`]);
        /// for a check or foreign key the backend's name or message; for a guard `table.column`.
        constraint: String,
    },
    /// The database is locked or a lock timed out; retrying may succeed.
    #[error("database busy")]
    Busy,
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("database error: {0}")]
    Other(String),
}

/// The kind of a [`StoreError::Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// A unique index or primary key: the row (or its natural key) exists already.
    Unique,
    /// A check constraint.
    Check,
    /// A foreign key.
    ForeignKey,
    /// A guarded `UPDATE … WHERE column = $read` matched no row: the row changed since it was read.
    Stale,
}

/// Every unique index and primary key of the schema: `(PostgreSQL name, table, columns)`. SQLite
/// names only the table and columns of a violated index ("UNIQUE constraint failed: t.a, t.b"),
/// so its violations are reported under the PostgreSQL name found here, and both backends give the
/// same name. A conformance test checks this list against both schemas.
pub const UNIQUE_CONSTRAINTS: &[(&str, &str, &[&str])] = &[
    ("organizations_pkey", "organizations", &["id"]),
    ("locations_pkey", "locations", &["id"]),
    ("api_keys_pkey", "api_keys", &["id"]),
    ("api_keys_key_hash_key", "api_keys", &["key_hash"]),
    ("idempotency_keys_pkey", "idempotency_keys", &["scope_hash"]),
    ("registers_pkey", "registers", &["id"]),
    ("fiscal_units_pkey", "fiscal_units", &["id"]),
    ("fiscal_units_one_current", "fiscal_units", &["register_id"]),
    ("fiscal_unit_keys_pkey", "fiscal_unit_keys", &["fiscal_unit_id", "purpose"]),
    ("installation_keys_pkey", "installation_keys", &["purpose"]),
    ("journal_entries_pkey", "journal_entries", &["id"]),
    ("journal_entries_fiscal_unit_id_counter_key", "journal_entries", &["fiscal_unit_id", "counter"]),
    ("sandbox_faults_pkey", "sandbox_faults", &["fiscal_unit_id", "kind"]),
    ("operations_pkey", "operations", &["id"]),
    ("operations_register_id_sequence_number_key", "operations", &["register_id", "sequence_number"]),
    ("operations_client_id", "operations", &["organization_id", "client_operation_id"]),
    ("closings_pkey", "closings", &["id"]),
    ("closings_one_per_period", "closings", &["register_id", "type", "period_from"]),
    ("closings_z_number", "closings", &["register_id", "z_number"]),
];

impl StoreError {
    /// True when the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Busy | Self::Unavailable(_))
    }

    /// A guarded update of `what` (`table.column`) matched no row.
    pub fn stale(what: &str) -> Self {
        Self::Conflict { kind: ConflictKind::Stale, constraint: what.to_owned() }
    }

    /// True for a guarded update that found its row changed since it was read.
    pub fn is_stale(&self) -> bool {
        matches!(self, Self::Conflict { kind: ConflictKind::Stale, .. })
    }

    /// The unique constraint this error violated, if it is one.
    pub fn unique_constraint(&self) -> Option<&str> {
        match self {
            Self::Conflict { kind: ConflictKind::Unique, constraint } => Some(constraint),
            _ => None,
        }
    }
}

/// The PostgreSQL name of the unique index SQLite describes as "UNIQUE constraint failed: t.a, t.b".
/// An index missing from [`UNIQUE_CONSTRAINTS`] gets PostgreSQL's default name `t_a_b_key`.
fn sqlite_unique_name(message: &str) -> String {
    let list = message.rsplit_once(": ").map_or(message, |(_, l)| l);
    let mut table = "";
    let mut columns = Vec::new();
    for item in list.split(", ") {
        let (t, c) = item.split_once('.').unwrap_or(("", item));
        table = t;
        columns.push(c);
    }
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|(_, t, cols)| *t == table && *cols == columns.as_slice())
        .map_or_else(|| format!("{table}_{}_key", columns.join("_")), |(name, _, _)| (*name).to_owned())
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) => {
                let named = || db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned);
                if db.is_unique_violation() {
                    let constraint = db.constraint().map_or_else(|| sqlite_unique_name(db.message()), str::to_owned);
                    return Self::Conflict { kind: ConflictKind::Unique, constraint };
                }
                if db.is_check_violation() {
                    return Self::Conflict { kind: ConflictKind::Check, constraint: named() };
                }
                if db.is_foreign_key_violation() {
                    return Self::Conflict { kind: ConflictKind::ForeignKey, constraint: named() };
                }
                match db.code().as_deref() {
                    // SQLITE_BUSY, SQLITE_LOCKED (and extended codes); PostgreSQL lock_not_available,
                    // serialization_failure, deadlock_detected.
                    Some("5" | "6" | "261" | "517" | "55P03" | "40001" | "40P01") => Self::Busy,
                    // PostgreSQL admin_shutdown, cannot_connect_now; SQLITE_FULL, SQLITE_IOERR.
                    Some("57P01" | "57P03" | "13" | "10") => Self::Unavailable(db.message().to_owned()),
                    _ => Self::Other(e.to_string()),
                }
            }
            _ => Self::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Other(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_unique_name;

    #[test]
    fn sqlite_messages_map_to_postgres_names() {
        let name = |m| sqlite_unique_name(m);
        assert_eq!(name("UNIQUE constraint failed: organizations.id"), "organizations_pkey");
        assert_eq!(
            name("UNIQUE constraint failed: operations.organization_id, operations.client_operation_id"),
            "operations_client_id"
        );
        assert_eq!(name("UNIQUE constraint failed: closings.register_id, closings.z_number"), "closings_z_number");
        assert_eq!(name("UNIQUE constraint failed: widgets.a, widgets.b"), "widgets_a_b_key");
    }
}
