//! The fiscal application layer (docs/ARCHITECTURE.md "The fiscal service"): every fiscal step of
//! a unit (provisioning and its start records, an operation's start, finish and cancel, fiscalize
//! and the automatic retry, a closing's record, decommissioning) goes through a [`FiscalService`]
//! method, which
//!
//! - orders the unit's steps with a per-unit in-process lock ([`units`]), taken **before** the
//!   database writer and never while holding it;
//! - reads the unit's chain on a read connection and signs outside any database transaction, so
//!   units sign in parallel on every core and SQLite's single writer only writes;
//! - journals the signed records and advances the unit's chain in one guarded `UPDATE` as the first
//!   write of a short transaction; a chain moved meanwhile (another instance, an earlier batch that
//!   did not commit) is re-read and the step signed again;
//! - answers nothing before the commit is durable, and a failed commit leaves no counter consumed.
//!
//! The pure, IO-free regime steps live in the regime crates (`openfiskal-de-tse`, later
//! `openfiskal-at-rksv` and `openfiskal-it-rt`); this crate calls them through one `match` on the
//! unit's jurisdiction. It knows no HTTP: its [`FiscalError`] becomes the HTTP answer in the API
//! crate, in one `From`.

pub mod closing;
pub mod device;
mod error;
pub mod journal;
pub mod keys;
pub mod lifecycle;
pub mod operation;
pub mod provision;
pub mod tse;
pub mod units;

use std::sync::Arc;

use openfiskal_core::{Clock, IdGen};
use openfiskal_crypto::Kek;
use openfiskal_de_tse::TseCurve;
use openfiskal_store::Store;
use serde::Serialize;

pub use error::{FiscalError, Refusal};

/// Installation settings the fiscal steps read.
#[derive(Debug, Clone, Copy)]
pub struct FiscalConfig {
    /// A production installation (live keys; no sandbox certificates for production units).
    pub production: bool,
    /// The curve of new DE units' TSE keys (de-tse.md §2.1). A unit keeps the curve it was
    /// provisioned with.
    pub tse_curve: TseCurve,
}

/// Every dependency of a fiscal step. Cheap to clone.
#[derive(Clone)]
pub struct FiscalService {
    /// SQLite or PostgreSQL.
    pub store: Store,
    /// The fiscal clock (a `ManualClock` in tests).
    pub clock: Arc<dyn Clock>,
    /// Id generator (seeded in tests).
    pub ids: Arc<dyn IdGen>,
    /// Wraps the units' keys at rest.
    pub kek: Arc<Kek>,
    /// Settings.
    pub config: FiscalConfig,
    /// Unwrapped signing keys of the units this instance signs for.
    keys: Arc<keys::KeyCache>,
    /// One lock per unit this instance signs for.
    units: Arc<units::UnitLocks>,
}

impl FiscalService {
    /// Wires the service.
    pub fn new(store: Store, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>, kek: Arc<Kek>, config: FiscalConfig) -> Self {
        Self { store, clock, ids, kek, config, keys: Arc::default(), units: Arc::default() }
    }

    /// Now, in Unix microseconds.
    pub fn now_us(&self) -> i64 {
        self.clock.now().as_micros()
    }

    /// A new id with `prefix` (`op_`, `jrn_`, …).
    pub fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.ids.next())
    }
}

/// Serialises a stored JSON column.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, FiscalError> {
    serde_json::to_string(v).map_err(|e| FiscalError::internal(&e))
}
