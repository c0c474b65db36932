//! One in-process lock per fiscal unit, holding the unit's last known row. The lock orders a unit's
//! signing steps in this instance; the row it holds lets the next step sign without reading the
//! database.
//!
//! A step holds the lock from reading the unit's chain until no later step can write before it
//! ([`UnitLock::release_after`]): on SQLite as soon as its transaction, which holds the single writer,
//! has written the chain (later steps queue behind it for the writer), on PostgreSQL when it committed.
//! It leaves the unit's new row in the lock (only an `active` unit's) and lets go, so on SQLite the
//! unit's next step signs while this one finishes its rows and the batch commits. That is safe because
//! every step's first write is the guarded update of the unit's chain: if this step rolls back or its
//! batch fails, the next step finds the row where the database has it, not where the cache said, and
//! signs again inside its transaction (`tse.rs`). No answer is sent before its own commit is durable.
//!
//! Lock order: a unit's lock is taken **before** a database write transaction begins and never
//! while one is held (SQLite's single writer would otherwise wait for a unit whose step waits for
//! the writer). The lock is not the guard of gaplessness; the guarded `UPDATE` is (two instances on
//! one PostgreSQL database have a lock each, and their rows may be stale).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use openfiskal_core::FiscalUnitState;
use openfiskal_store::repo::fiscal_units::FiscalUnitRow;
use openfiskal_store::{Backend, Tx};
use tokio::sync::OwnedMutexGuard;

/// Above this many entries the map drops the ones nobody holds.
const PRUNE_ABOVE: usize = 4096;

type Slot = Arc<tokio::sync::Mutex<Option<FiscalUnitRow>>>;

/// The lock (and last known row) of every unit this instance has signed for.
#[derive(Debug, Default)]
pub struct UnitLocks(Mutex<HashMap<String, Slot>>);

/// Held while a unit's step runs; the next step of the unit waits until it is dropped.
#[derive(Debug)]
pub struct UnitLock(OwnedMutexGuard<Option<FiscalUnitRow>>);

impl UnitLocks {
    async fn lock(&self, unit_id: &str) -> UnitLock {
        let slot = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > PRUNE_ABOVE {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            Arc::clone(map.entry(unit_id.to_owned()).or_default())
        };
        UnitLock(slot.lock_owned().await)
    }
}

impl UnitLock {
    /// The unit's row as the last released step of this instance left it, taken out: until this
    /// step is released the unit's row is unknown here.
    pub(crate) fn take_row(&mut self) -> Option<FiscalUnitRow> {
        self.0.take()
    }

    /// Lets the unit's next step go once `tx`, which wrote this step's chain, can no longer be
    /// overtaken, leaving `row` (if `active`) for it:
    ///
    /// - SQLite: now. `tx` holds the single writer, so every later step's write queues behind it;
    ///   the next step signs while this one writes its other rows and commits.
    /// - PostgreSQL: when `tx` committed (`Tx::on_release`); a later step started earlier would
    ///   only lose the race on the guarded update and sign again.
    ///
    /// If `tx` never gets there the next step reads the row afresh, and the guarded update catches
    /// a cached row whose transaction rolled back.
    pub(crate) fn release_after(self, tx: &mut Tx, backend: Backend, row: FiscalUnitRow) {
        let mut guard = self.0;
        let keep = row.state == FiscalUnitState::Active;
        match backend {
            Backend::Sqlite => {
                if keep {
                    *guard = Some(row);
                }
            }
            Backend::Postgres => tx.on_release(move || {
                if keep {
                    *guard = Some(row);
                }
            }),
        }
    }
}

impl crate::FiscalService {
    /// Waits for `unit_id`'s lock and forgets its cached row (the caller may change the unit in a
    /// way the cache would not see). Hold it across a step that reads and advances the unit's
    /// chain, and take it before beginning the write transaction.
    pub async fn lock_unit(&self, unit_id: &str) -> UnitLock {
        let mut lock = self.units.lock(unit_id).await;
        lock.take_row();
        lock
    }

    /// The unit's lock with its cached row (for the signing path).
    pub(crate) async fn lock_unit_for_step(&self, unit_id: &str) -> UnitLock {
        self.units.lock(unit_id).await
    }
}
