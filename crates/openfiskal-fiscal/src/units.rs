//! One in-process lock per fiscal unit: it orders a unit's signing steps in this instance, from
//! reading the unit's chain until the step's commit is durable, so the next step of the unit signs
//! on the chain the previous one stored. Different units sign in parallel.
//!
//! Lock order: a unit's lock is taken **before** a database write transaction begins and never
//! while one is held (SQLite's single writer would otherwise wait for a unit whose step waits for
//! the writer). The lock is an optimisation of order, not the guard of gaplessness: the guarded
//! `UPDATE` of the unit's row is (two instances on one PostgreSQL database have a lock each).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// Above this many idle entries the map drops the unused ones.
const PRUNE_ABOVE: usize = 4096;

/// The lock of every unit this instance has signed for.
#[derive(Debug, Default)]
pub struct UnitLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

/// Held while a unit's step runs; the next step of the unit waits until it is dropped.
#[derive(Debug)]
pub struct UnitLock(#[allow(dead_code, reason = "held for its Drop")] OwnedMutexGuard<()>);

impl UnitLocks {
    /// Waits for `unit_id`'s lock (in arrival order).
    pub async fn lock(&self, unit_id: &str) -> UnitLock {
        let m = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > PRUNE_ABOVE {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            Arc::clone(map.entry(unit_id.to_owned()).or_default())
        };
        UnitLock(m.lock_owned().await)
    }
}

impl crate::FiscalService {
    /// Waits for `unit_id`'s lock; hold it across every step that reads and advances the unit's
    /// chain, and take it before beginning the write transaction.
    pub async fn lock_unit(&self, unit_id: &str) -> UnitLock {
        self.units.lock(unit_id).await
    }
}
