//! `StoreError`: what a caller can act on. sqlx types stay inside this crate.

/// A storage failure in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A unique or check constraint refused the write; carries the backend's description.
    #[error("constraint violated: {0}")]
    Conflict(String),
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

impl StoreError {
    /// True when the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Busy | Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() || db.is_check_violation() || db.is_foreign_key_violation() {
                    return Self::Conflict(db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned));
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
