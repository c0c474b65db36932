//! Token buckets (api.md §1.11): a per-credential budget, refilled continuously, measured with the
//! injected clock so tests are deterministic. Buckets live in this instance's memory; with several
//! instances on PostgreSQL each enforces its own share (documented in docs/ARCHITECTURE.md).

use std::collections::HashMap;
use std::sync::Mutex;

/// The result of taking one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; tokens left and whole seconds until the bucket is full again.
    Allowed {
        /// Tokens left after this request.
        remaining: u64,
        /// Seconds until full.
        reset_secs: u64,
    },
    /// Refused; retry after this many whole seconds (≥ 1).
    Limited {
        /// `Retry-After`.
        retry_after: u64,
    },
}

/// Token buckets keyed by credential or client address.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_us: f64,
    buckets: Mutex<HashMap<String, (f64, i64)>>,
}

impl RateLimiter {
    /// `capacity` tokens per `window_secs`, refilled evenly.
    pub fn new(capacity: f64, window_secs: f64) -> Self {
        Self { capacity, per_us: capacity / (window_secs * 1e6), buckets: Mutex::new(HashMap::new()) }
    }

    /// The bucket size.
    pub fn capacity(&self) -> u64 {
        self.capacity as u64
    }

    /// Takes one token from `key`'s bucket at time `now_us`.
    pub fn check(&self, key: &str, now_us: i64) -> Decision {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = map.entry(key.to_owned()).or_insert((self.capacity, now_us));
        let elapsed = (now_us - *last).max(0) as f64;
        *tokens = (*tokens + elapsed * self.per_us).min(self.capacity);
        *last = now_us;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            let reset_secs = ((self.capacity - *tokens) / self.per_us / 1e6).ceil() as u64;
            Decision::Allowed { remaining: *tokens as u64, reset_secs }
        } else {
            let wait = ((1.0 - *tokens) / self.per_us / 1e6).ceil() as u64;
            Decision::Limited { retry_after: wait.max(1) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_capacity_and_refills_with_time() {
        let rl = RateLimiter::new(2.0, 1.0);
        assert!(matches!(rl.check("k", 0), Decision::Allowed { remaining: 1, .. }));
        assert!(matches!(rl.check("k", 0), Decision::Allowed { remaining: 0, .. }));
        assert_eq!(rl.check("k", 0), Decision::Limited { retry_after: 1 });
        assert!(matches!(rl.check("other", 0), Decision::Allowed { .. }), "buckets are per key");
        assert!(matches!(rl.check("k", 500_000), Decision::Allowed { .. }), "half a second refills one");
    }

    #[test]
    fn per_minute_budget_asks_to_wait_seconds() {
        let rl = RateLimiter::new(10.0, 60.0);
        for _ in 0..10 {
            assert!(matches!(rl.check("ip", 0), Decision::Allowed { .. }));
        }
        assert_eq!(rl.check("ip", 0), Decision::Limited { retry_after: 6 });
    }
}
