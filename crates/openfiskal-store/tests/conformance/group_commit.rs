//! SQLite's group commit (`writer.rs`): transactions that queue for the single writer share one
//! durable `COMMIT`, and each still succeeds or fails on its own terms, or all together when the
//! `COMMIT` fails.

use std::time::Duration;

use super::*;

async fn sqlite() -> TestDb {
    TestDb::new(TestBackend::Sqlite).await
}

/// Starts `n` writers at once, each inserting one organization; `fail` names the ones that roll
/// back, `drop` those that are dropped without an end. Returns each writer's commit outcome.
async fn writers(store: &openfiskal_store::Store, n: usize, fail: &[usize], drop: &[usize]) -> Vec<Result<(), String>> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = store.clone();
        let (fail, drop) = (fail.contains(&i), drop.contains(&i));
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.map_err(|e| e.to_string())?;
            orgs::insert(&mut tx, &org(&format!("org_{i:03}"), i as i64)).await.map_err(|e| e.to_string())?;
            if fail {
                tx.rollback().await.map_err(|e| e.to_string())?;
                return Err("rolled back".to_owned());
            }
            if drop {
                std::mem::drop(tx);
                return Err("dropped".to_owned());
            }
            tx.commit().await.map_err(|e| e.to_string())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_transactions_share_commits_and_all_land() {
    let db = sqlite().await;
    let (c0, j0) = db.store.commit_stats();
    let out = writers(&db.store, 200, &[], &[]).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(db.store.count_rows("organizations").await.unwrap(), 200);
    let (c1, j1) = db.store.commit_stats();
    assert_eq!(j1 - j0, 200, "every transaction was carried by a COMMIT");
    assert!(c1 - c0 < 200, "200 queued writers made {} commits: no batching", c1 - c0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_or_dropped_job_undoes_only_itself() {
    let db = sqlite().await;
    let fail = [3, 17, 40];
    let dropped = [5, 41, 63];
    let out = writers(&db.store, 64, &fail, &dropped).await;
    for (i, r) in out.iter().enumerate() {
        if fail.contains(&i) || dropped.contains(&i) {
            assert!(r.is_err(), "writer {i}");
        } else {
            assert!(r.is_ok(), "writer {i}: {r:?}");
        }
    }
    assert_eq!(db.store.count_rows("organizations").await.unwrap(), 58);
    let mut c = db.store.read().await.unwrap();
    for i in fail.iter().chain(&dropped) {
        assert!(orgs::get(&mut c, &format!("org_{i:03}")).await.unwrap().is_none(), "org_{i:03} stored");
    }
    // The writer is usable afterwards.
    let mut tx = db.store.begin().await.unwrap();
    orgs::insert(&mut tx, &org("org_after", 1)).await.unwrap();
    tx.commit().await.unwrap();
}

/// Waits (yielding, never sleeping) until `n` writers queue for SQLite's writer.
async fn until_queued(store: &openfiskal_store::Store, n: usize) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while store.writers_queued() < n {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("writers queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_acknowledges_no_job_of_its_batch() {
    let db = sqlite().await;
    // Three writers queue behind a blocker, so they form one batch when it ends.
    let blocker = db.store.begin().await.unwrap();
    let store = db.store.clone();
    let three = tokio::spawn(async move { writers(&store, 3, &[], &[]).await });
    until_queued(&db.store, 3).await;
    db.store.fail_next_commits(1);
    blocker.rollback().await.unwrap();
    let out = three.await.unwrap();
    assert!(out.iter().all(Result::is_err), "a job of a failed COMMIT was acknowledged: {out:?}");
    assert_eq!(db.store.count_rows("organizations").await.unwrap(), 0);
    // Nothing is left half-open: the next writer commits.
    assert!(writers(&db.store, 1, &[], &[]).await[0].is_ok());
    assert_eq!(db.store.count_rows("organizations").await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_cancelled_while_queued_strands_nobody() {
    let db = sqlite().await;
    let mut holder = db.store.begin().await.unwrap();
    orgs::insert(&mut holder, &org("org_holder", 1)).await.unwrap();
    // Queued behind the holder, then cancelled.
    let store = db.store.clone();
    let queued = tokio::spawn(async move { store.begin().await.map(|_| ()) });
    until_queued(&db.store, 1).await;
    queued.abort();
    let _ = queued.await;
    // The holder's commit still returns, and a later writer gets the connection.
    tokio::time::timeout(Duration::from_secs(5), holder.commit()).await.expect("commit returned").unwrap();
    let mut tx = tokio::time::timeout(Duration::from_secs(5), db.store.begin()).await.expect("writer free").unwrap();
    orgs::insert(&mut tx, &org("org_next", 2)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.store.count_rows("organizations").await.unwrap(), 2);
}
