//! The two backends and the handles the repositories run on.
//!
//! SQLite: one write connection owned by the group-committing [`crate::writer`] (each write
//! transaction a savepoint in a shared `BEGIN IMMEDIATE … COMMIT`) and a small read-only pool; WAL,
//! `synchronous=FULL`, foreign keys on.
//! PostgreSQL: one pool, `synchronous_commit=on` on every connection. A commit returns only once
//! it is durable on either backend.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::StoreError;
use crate::writer::{ReleaseHook, SqliteTx, Writer};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one process, one writer.
    Sqlite,
    /// Several stateless instances on one database.
    Postgres,
}

#[derive(Clone)]
enum Pools {
    Sqlite { writer: Arc<Writer>, read: SqlitePool },
    Postgres(PgPool),
}

/// The database behind OpenFiskal. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
    /// Commits still to fail on purpose ([`Store::fail_next_commits`]); 0 outside tests.
    failing_commits: Arc<AtomicU32>,
    /// PostgreSQL commits made through [`Tx::commit`] (each one transaction).
    pg_commits: Arc<AtomicU64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print connection strings: they may carry passwords.
        write!(f, "Store({:?})", self.backend())
    }
}

impl Store {
    /// Opens `sqlite://PATH` (created if missing) or `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Self::connect_sqlite(path).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, None).await
        } else {
            Err(StoreError::Other("database URL must start with sqlite:// or postgres://".into()))
        }
    }

    /// Opens (and creates) the SQLite file at `path`.
    pub async fn connect_sqlite(path: &str) -> Result<Self, StoreError> {
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        }
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let write = base.clone().create_if_missing(true).connect().await?;
        let failing_commits = Arc::<AtomicU32>::default();
        let writer = Writer::new(write, Arc::clone(&failing_commits));
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(base.read_only(true))
            .await?;
        Ok(Self { pools: Pools::Sqlite { writer, read }, failing_commits, pg_commits: Arc::default() })
    }

    /// Opens PostgreSQL; with `schema`, every connection works in that schema (used by tests to
    /// get a fresh, isolated database per run).
    pub async fn connect_postgres(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
        if let Some(s) = schema {
            opts = opts.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Self { pools: Pools::Postgres(pool), failing_commits: Arc::default(), pg_commits: Arc::default() })
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pools {
            Pools::Sqlite { .. } => &SQLITE_MIGRATIONS,
            Pools::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer.exclusive().await.conn()).await?,
            Pools::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// The migration versions this build knows.
    pub fn known_migrations(&self) -> Vec<i64> {
        self.migrator().iter().map(|m| m.version).collect()
    }

    /// True when every migration this build knows has been applied successfully.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version";
        let mut c = self.read().await?;
        let applied: Vec<i64> = on_backend!(c.exec(), e => sqlx::query_scalar(sql).fetch_all(e).await)?;
        Ok(applied == self.known_migrations())
    }

    /// Checks that the database answers and commits durably (`synchronous=FULL` on SQLite,
    /// `synchronous_commit=on` on PostgreSQL).
    pub async fn check_durability(&self) -> Result<bool, StoreError> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => {
                let mut w = writer.exclusive().await;
                let mode: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(w.conn()).await?;
                Ok(mode >= 2)
            }
            Pools::Postgres(p) => {
                let v: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(p).await?;
                Ok(v == "on" || v == "remote_apply" || v == "remote_write")
            }
        }
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(Conn(match &self.pools {
            Pools::Sqlite { read, .. } => ConnInner::Sqlite(read.acquire().await?),
            Pools::Postgres(p) => ConnInner::Postgres(p.acquire().await?),
        }))
    }

    /// Begins a write transaction. On SQLite this waits for the single writer and opens a
    /// savepoint in its current batch (group commit, [`crate::writer`]).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { writer, .. } => TxInner::Sqlite(writer.begin().await?),
            Pools::Postgres(p) => {
                TxInner::Postgres(p.begin().await?, self.failing_commits.clone(), self.pg_commits.clone(), Vec::new())
            }
        };
        Ok(Tx(inner))
    }

    /// `(durable commits made, write transactions they carried)` since the store opened: on SQLite
    /// one `COMMIT` carries a batch of transactions; on PostgreSQL each transaction commits itself.
    pub fn commit_stats(&self) -> (u64, u64) {
        match &self.pools {
            Pools::Sqlite { writer, .. } => writer.stats(),
            Pools::Postgres(_) => {
                let n = self.pg_commits.load(Ordering::Relaxed);
                (n, n)
            }
        }
    }

    /// Write transactions waiting for SQLite's single writer right now (0 on PostgreSQL). For tests
    /// that need writers queued behind one another, without sleeping.
    #[doc(hidden)]
    pub fn writers_queued(&self) -> usize {
        match &self.pools {
            Pools::Sqlite { writer, .. } => writer.queued(),
            Pools::Postgres(_) => 0,
        }
    }

    /// A fault hook for tests: the next `n` commits of this store (and its clones) fail as a lost
    /// connection would: the transaction is rolled back and `commit` answers
    /// [`StoreError::Unavailable`]. Proves that a failed commit acknowledges nothing and leaves no
    /// counter consumed.
    #[doc(hidden)]
    pub fn fail_next_commits(&self, n: u32) {
        self.failing_commits.store(n, Ordering::SeqCst);
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { writer, read } => {
                read.close().await;
                // Settles an open batch; the connection closes with the last clone of the store.
                drop(writer.exclusive().await);
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// A connection of either backend, borrowed for one query.
pub enum Exec<'c> {
    /// SQLite.
    Sqlite(&'c mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'c mut PgConnection),
}

/// Something repository functions can run queries on: a read [`Conn`] or a write [`Tx`].
pub trait Db: Send {
    /// The connection for the next query.
    fn exec(&mut self) -> Exec<'_>;
}

/// Runs the same query code on whichever backend `$exec` is; `$e` is the executor. The body is
/// compiled once per backend, so one repository function serves both.
macro_rules! on_backend {
    ($exec:expr, $e:ident => $body:expr) => {
        match $exec {
            crate::backend::Exec::Sqlite($e) => $body,
            crate::backend::Exec::Postgres($e) => $body,
        }
    };
}
pub(crate) use on_backend;

enum ConnInner {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A pooled read connection.
pub struct Conn(ConnInner);

impl Db for Conn {
    fn exec(&mut self) -> Exec<'_> {
        match &mut self.0 {
            ConnInner::Sqlite(c) => Exec::Sqlite(c),
            ConnInner::Postgres(c) => Exec::Postgres(c),
        }
    }
}

enum TxInner {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>, Arc<AtomicU32>, Arc<AtomicU64>, Vec<ReleaseHook>),
}

/// A write transaction; dropped without [`Tx::commit`], it rolls back.
pub struct Tx(TxInner);

impl Tx {
    /// Runs `hook` once this transaction's changes are final for the writers that follow it: on
    /// SQLite when its savepoint is released into the batch (later transactions of the batch, and
    /// of later batches, build on it; the batch's `COMMIT` may still fail, and then every
    /// transaction that built on it fails too or finds its guarded rows moved); on PostgreSQL when
    /// it committed. Never when it rolls back or fails before that point. [`Tx::commit`] still
    /// answers only once the commit is durable.
    pub fn on_release(&mut self, hook: impl FnOnce() + Send + 'static) {
        match &mut self.0 {
            TxInner::Sqlite(t) => t.hooks.push(Box::new(hook)),
            TxInner::Postgres(.., hooks) => hooks.push(Box::new(hook)),
        }
    }

    /// Commits; returns only once the commit is durable (on SQLite: once the `COMMIT` of the
    /// batch this transaction joined returned).
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.0 {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t, failing, commits, hooks) => {
                if failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                    t.rollback().await?;
                    return Err(StoreError::Unavailable("injected commit failure".into()));
                }
                t.commit().await?;
                commits.fetch_add(1, Ordering::Relaxed);
                for hook in hooks {
                    hook();
                }
                Ok(())
            }
        }
    }

    /// Rolls back explicitly.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.0 {
            TxInner::Sqlite(t) => t.rollback().await,
            TxInner::Postgres(t, ..) => Ok(t.rollback().await?),
        }
    }
}

impl Db for Tx {
    fn exec(&mut self) -> Exec<'_> {
        match &mut self.0 {
            TxInner::Sqlite(t) => Exec::Sqlite(t.conn()),
            TxInner::Postgres(t, ..) => Exec::Postgres(t),
        }
    }
}

/// Test and maintenance helpers that take table names or statements as text.
impl Store {
    /// Runs one statement (schema setup in tests and tools). Never pass user input.
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let mut tx = self.begin().await?;
        on_backend!(tx.exec(), e => sqlx::query(sql).execute(e).await.map(|_| ()))?;
        tx.commit().await
    }

    /// Counts the rows of a table; `table` must be a plain identifier.
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        if !table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(StoreError::Other(format!("not a table name: {table}")));
        }
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        let mut c = self.read().await?;
        Ok(on_backend!(c.exec(), e => sqlx::query_scalar(sql).fetch_one(e).await)?)
    }
}

impl Store {
    /// Every `(table, column)` of the application schema, sorted: lets a test prove both dialects
    /// define the same tables.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut c = self.read().await?;
        let mut cols: Vec<(String, String)> = match c.exec() {
            Exec::Sqlite(e) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(e)
                .await?
            }
            Exec::Postgres(e) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(e)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }

    /// Every unique index and primary key of the application schema as `(name, table, columns)`,
    /// sorted: lets a test prove [`crate::UNIQUE_CONSTRAINTS`] names each one on both dialects.
    /// SQLite calls the indexes of inline `PRIMARY KEY`/`UNIQUE` clauses `sqlite_autoindex_…`.
    pub async fn unique_indexes(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut c = self.read().await?;
        let mut rows: Vec<(String, String, String)> = match c.exec() {
            Exec::Sqlite(e) => {
                sqlx::query_as(
                    "SELECT l.name, m.name, (SELECT group_concat(name, ',') FROM \
                       (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) \
                     FROM sqlite_master m JOIN pragma_index_list(m.name) l \
                     WHERE m.type = 'table' AND l.\"unique\" = 1 AND m.name NOT LIKE 'sqlite_%' \
                       AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(e)
                .await?
            }
            Exec::Postgres(e) => {
                sqlx::query_as(
                    "SELECT i.relname::text, t.relname::text, \
                       (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                        FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) \
                        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) \
                     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                     JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                     WHERE x.indisunique AND n.nspname = current_schema() AND t.relname <> '_sqlx_migrations'",
                )
                .fetch_all(e)
                .await?
            }
        };
        rows.sort();
        Ok(rows)
    }
}
