//! The injected clock and id generator (ARCHITECTURE.md §11). Production uses [`SystemClock`] and
//! [`UlidGen`]; tests use [`ManualClock`] and [`SeqIdGen`], so every output is reproducible.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use rand::Rng;
use ulid::Ulid;

use crate::time::Timestamp;

/// The fiscal clock: the only source of "now" in OpenFiskal.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The only source of new identifiers.
pub trait IdGen: Send + Sync + 'static {
    /// A fresh ULID.
    fn next(&self) -> Ulid;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the one place that reads the real time")]
    fn now(&self) -> Timestamp {
        Timestamp::from_jiff(jiff::Timestamp::now())
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self { micros: AtomicI64::new(start.as_micros()) }
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance_secs(&self, seconds: i64) {
        self.micros.fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }

    /// Moves the clock forward by `micros` microseconds.
    pub fn advance_micros(&self, micros: i64) {
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, t: Timestamp) {
        self.micros.store(t.as_micros(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.micros.load(Ordering::SeqCst))
    }
}

/// Random ULIDs whose time part comes from the injected clock, monotonic within a millisecond.
pub struct UlidGen<C: Clock> {
    clock: std::sync::Arc<C>,
    last: Mutex<Ulid>,
}

impl<C: Clock> UlidGen<C> {
    /// A generator reading time from `clock`.
    pub fn new(clock: std::sync::Arc<C>) -> Self {
        Self { clock, last: Mutex::new(Ulid::nil()) }
    }
}

impl<C: Clock> IdGen for UlidGen<C> {
    fn next(&self) -> Ulid {
        let ms = u64::try_from(self.clock.now().as_micros() / 1000).unwrap_or(0);
        let random: u128 = rand::rng().random();
        let fresh = Ulid::from_parts(ms, random);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        // Within one millisecond keep ids increasing, so ids sort in creation order.
        let id = if fresh <= *last { last.increment().unwrap_or(fresh) } else { fresh };
        *last = id;
        id
    }
}

/// Deterministic ids for tests: a fixed time part and a counter.
#[derive(Debug, Default)]
pub struct SeqIdGen {
    n: AtomicU64,
}

impl IdGen for SeqIdGen {
    fn next(&self) -> Ulid {
        let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
        Ulid::from_parts(1_767_225_600_000, u128::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::from_micros(1_000_000));
        assert_eq!(c.now().as_micros(), 1_000_000);
        c.advance_secs(2);
        assert_eq!(c.now().as_micros(), 3_000_000);
    }

    #[test]
    fn ulid_gen_is_monotonic_on_a_stopped_clock() {
        let g = UlidGen::new(Arc::new(ManualClock::new(Timestamp::from_micros(5_000_000))));
        let a = g.next();
        let b = g.next();
        assert!(b > a);
        assert_eq!(a.timestamp_ms(), 5_000);
    }

    #[test]
    fn seq_ids_are_deterministic() {
        let g = SeqIdGen::default();
        assert_eq!(g.next().to_string(), SeqIdGen::default().next().to_string());
    }
}
