//! SQLite: one writer connection, opportunistic group commit (docs/ARCHITECTURE.md "SQLite: one
//! writer, group commit").
//!
//! Every write transaction ([`crate::Tx`]) of a SQLite store is a `SAVEPOINT` inside a *batch*: one
//! `BEGIN IMMEDIATE … COMMIT` on the single write connection. A transaction holds the connection
//! (a fair async mutex) only while it runs its statements; `commit` releases its savepoint and
//! either hands the connection to the next transaction already queued (the batch takes the jobs
//! that were waiting when it began, at most [`MAX_BATCH`]) or, when nobody is queued or the batch is
//! full, issues the one `COMMIT`. Every job of the batch is answered only after that `COMMIT`
//! returned (`synchronous=FULL`), all with its result: a failed `COMMIT` fails every job of the
//! batch, and nothing of it is stored. There is no timer: a quiet server commits each transaction at
//! once.
//!
//! One job's error or rollback undoes only its savepoint. A job whose future is dropped mid-way
//! (a cancelled request) leaves its savepoint marked dirty; the next holder rolls it back before
//! anything else, and a spawned task makes sure a batch with answered-for jobs is always committed.
//! Releasing, committing and rolling back run in spawned tasks, so a cancelled caller cannot stop a
//! `COMMIT` half-way or strand the jobs waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use sqlx::SqliteConnection;
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::StoreError;

/// At most this many transactions share one `COMMIT`.
const MAX_BATCH: usize = 256;

/// A transaction waits at most this long for the write connection, then answers busy (a retryable
/// `503`), as the pool's acquire timeout did.
const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The single write connection and its batching state.
pub(crate) struct Writer {
    conn: Arc<Mutex<WriterConn>>,
    /// Transactions queued for the connection (not yet holding it).
    waiting: AtomicUsize,
    /// Commits still to fail on purpose (`Store::fail_next_commits`), shared with the store.
    failing_commits: Arc<AtomicU32>,
    /// `COMMIT`s issued, and transactions they carried (`Store::commit_stats`).
    commits: AtomicU64,
    jobs: AtomicU64,
}

pub(crate) struct WriterConn {
    pub(crate) conn: SqliteConnection,
    batch: Option<Batch>,
    /// A savepoint of a dropped transaction is still open and must be rolled back first.
    dirty: bool,
}

struct Batch {
    /// One reply per released job, sent after the `COMMIT`.
    replies: Vec<oneshot::Sender<Result<(), String>>>,
    /// The jobs this batch takes: the first plus those queued when it began.
    quota: usize,
    /// Jobs begun in it so far.
    started: usize,
}

impl Writer {
    pub(crate) fn new(conn: SqliteConnection, failing_commits: Arc<AtomicU32>) -> Arc<Self> {
        Arc::new(Self {
            conn: Arc::new(Mutex::new(WriterConn { conn, batch: None, dirty: false })),
            waiting: AtomicUsize::new(0),
            failing_commits,
            commits: AtomicU64::new(0),
            jobs: AtomicU64::new(0),
        })
    }

    /// Transactions queued for the connection now.
    pub(crate) fn queued(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// `(COMMIT`s issued, transactions committed by them)`.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (self.commits.load(Ordering::Relaxed), self.jobs.load(Ordering::Relaxed))
    }

    /// The connection outside any job (migrations, pragmas): whatever batch is open is settled
    /// before it is handed back.
    pub(crate) async fn exclusive(self: &Arc<Self>) -> Exclusive {
        let mut g = self.conn.clone().lock_owned().await;
        let _ = clean(&mut g).await;
        if g.batch.is_some() {
            commit_batch(&mut g, self).await;
        }
        Exclusive(g)
    }

    /// Begins a job: waits for the connection (in arrival order), opens a batch if none is open,
    /// and a savepoint for the job.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<SqliteTx, StoreError> {
        let mut queued = Queued::new(self);
        let mut g =
            tokio::time::timeout(LOCK_TIMEOUT, self.conn.clone().lock_owned()).await.map_err(|_| StoreError::Busy)?;
        queued.acquired = true;
        drop(queued);
        match start_job(&mut g, self).await {
            Ok(()) => Ok(SqliteTx { guard: Some(g), writer: Arc::clone(self), hooks: Vec::new() }),
            Err(e) => {
                settle(&mut g, self).await;
                Err(e)
            }
        }
    }
}

/// The connection held outside any batch.
pub(crate) struct Exclusive(OwnedMutexGuard<WriterConn>);

impl Exclusive {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.0.conn
    }
}

/// Counts a transaction as queued until it holds the connection. Dropped before that (a cancelled
/// request), it makes sure the open batch is not left waiting for it.
struct Queued<'a> {
    writer: &'a Arc<Writer>,
    acquired: bool,
}

impl<'a> Queued<'a> {
    fn new(writer: &'a Arc<Writer>) -> Self {
        writer.waiting.fetch_add(1, Ordering::SeqCst);
        Self { writer, acquired: false }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.writer.waiting.fetch_sub(1, Ordering::SeqCst);
        if !self.acquired {
            spawn_settle(Arc::clone(self.writer), None);
        }
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::raw_sql(sql).execute(conn).await?;
    Ok(())
}

/// Rolls back the savepoint a dropped job left open.
async fn clean(g: &mut WriterConn) -> Result<(), StoreError> {
    if g.dirty {
        exec(&mut g.conn, "ROLLBACK TO job; RELEASE job").await?;
        g.dirty = false;
    }
    Ok(())
}

async fn start_job(g: &mut WriterConn, writer: &Writer) -> Result<(), StoreError> {
    if let Err(e) = clean(g).await {
        // The open batch cannot be trusted any more: undo all of it.
        abort_batch(g, &e.to_string()).await;
        return Err(e);
    }
    if g.batch.is_none() {
        exec(&mut g.conn, "BEGIN IMMEDIATE").await?;
        let quota = (writer.waiting.load(Ordering::SeqCst) + 1).min(MAX_BATCH);
        g.batch = Some(Batch { replies: Vec::new(), quota, started: 0 });
    }
    if let Some(batch) = g.batch.as_mut() {
        batch.started += 1;
    }
    exec(&mut g.conn, "SAVEPOINT job").await
}

/// Commits the open batch if nobody queued for it will.
async fn settle(g: &mut WriterConn, writer: &Writer) {
    let _ = clean(g).await;
    let Some(batch) = &g.batch else { return };
    if batch.started >= batch.quota || writer.waiting.load(Ordering::SeqCst) == 0 {
        commit_batch(g, writer).await;
    }
}

/// `COMMIT`s the open batch and answers every job in it with the outcome.
async fn commit_batch(g: &mut WriterConn, writer: &Writer) {
    let Some(batch) = g.batch.take() else { return };
    // The test hook fails commits that carry transactions (an empty batch's COMMIT does not count).
    let inject = !batch.replies.is_empty()
        && writer.failing_commits.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let outcome = if inject {
        Err("injected commit failure".to_owned())
    } else {
        exec(&mut g.conn, "COMMIT").await.map_err(|e| e.to_string())
    };
    if outcome.is_err() {
        // After a failed COMMIT SQLite may keep the transaction open: nothing of it may stay.
        let _ = exec(&mut g.conn, "ROLLBACK").await;
    } else {
        writer.commits.fetch_add(1, Ordering::Relaxed);
        writer.jobs.fetch_add(batch.replies.len() as u64, Ordering::Relaxed);
    }
    for reply in batch.replies {
        let _ = reply.send(outcome.clone());
    }
}

/// Rolls back the whole open batch; every job released into it fails.
async fn abort_batch(g: &mut WriterConn, why: &str) {
    let Some(batch) = g.batch.take() else { return };
    let _ = exec(&mut g.conn, "ROLLBACK").await;
    g.dirty = false;
    for reply in batch.replies {
        let _ = reply.send(Err(format!("batch rolled back: {why}")));
    }
}

/// Cleans and settles in a task of its own (from `Drop`, where nothing can be awaited). Without a
/// runtime (process shutdown) the next holder cleans instead.
fn spawn_settle(writer: Arc<Writer>, guard: Option<OwnedMutexGuard<WriterConn>>) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
    rt.spawn(async move {
        let mut g = match guard {
            Some(g) => g,
            None => writer.conn.clone().lock_owned().await,
        };
        settle(&mut g, &writer).await;
    });
}

/// Runs once a transaction's changes are released into its batch, before the batch commits.
pub(crate) type ReleaseHook = Box<dyn FnOnce() + Send>;

/// One job on the write connection: a savepoint in the open batch.
pub(crate) struct SqliteTx {
    guard: Option<OwnedMutexGuard<WriterConn>>,
    writer: Arc<Writer>,
    /// Run when the savepoint is released (`crate::Tx::on_release`); dropped unrun otherwise.
    pub(crate) hooks: Vec<ReleaseHook>,
}

impl SqliteTx {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        // The guard is taken only by `commit`/`rollback`, which consume the job.
        &mut self.guard.as_mut().expect("a job holds the connection until it ends").conn
    }

    /// Releases the job into its batch and waits until the batch's `COMMIT` returned.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let (Some(mut g), writer) = (self.guard.take(), Arc::clone(&self.writer)) else {
            return Err(StoreError::Other("job already ended".into()));
        };
        let (reply, answer) = oneshot::channel();
        let hooks = std::mem::take(&mut self.hooks);
        let finish = tokio::spawn(async move {
            if let Err(e) = exec(&mut g.conn, "RELEASE job").await {
                g.dirty = true;
                settle(&mut g, &writer).await;
                return Err(e);
            }
            // Released into the batch: what follows in the batch builds on it.
            for hook in hooks {
                hook();
            }
            let Some(batch) = g.batch.as_mut() else {
                return Err(StoreError::Other("no open batch".into()));
            };
            batch.replies.push(reply);
            settle(&mut g, &writer).await;
            Ok(())
        });
        finish.await.map_err(|e| StoreError::Other(e.to_string()))??;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Unavailable(e)),
            Err(_) => Err(StoreError::Unavailable("the batch ended without an answer".into())),
        }
    }

    /// Undoes the job's savepoint; the rest of the batch goes on.
    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        let (Some(mut g), writer) = (self.guard.take(), Arc::clone(&self.writer)) else { return Ok(()) };
        g.dirty = true;
        let done = tokio::spawn(async move {
            let r = clean(&mut g).await;
            settle(&mut g, &writer).await;
            r
        });
        done.await.map_err(|e| StoreError::Other(e.to_string()))?
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(mut g) = self.guard.take() {
            g.dirty = true;
            spawn_settle(Arc::clone(&self.writer), Some(g));
        }
    }
}
