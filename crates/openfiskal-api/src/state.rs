//! [`AppState`]: every dependency of a request, cheap to clone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use openfiskal_core::{Clock, IdGen};
use openfiskal_crypto::{Kek, KeyMode};
use openfiskal_de_tse::TseCurve;
use openfiskal_fiscal::{FiscalConfig, FiscalService};
use openfiskal_store::Store;

use crate::idempotency::InFlight;
use crate::ratelimit::RateLimiter;

/// `sandbox` (test keys, fault injection) or `production` (live keys), fixed per installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Test keys; sandbox routes enabled.
    Sandbox,
    /// Live keys.
    Production,
}

impl Mode {
    /// The key mode this installation accepts and issues.
    pub fn key_mode(self) -> KeyMode {
        match self {
            Self::Sandbox => KeyMode::Test,
            Self::Production => KeyMode::Live,
        }
    }

    /// `sandbox` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            _ => Err(format!("mode must be `sandbox` or `production`, not `{s}`")),
        }
    }
}

/// Range-checked settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Installation mode.
    pub mode: Mode,
    /// Requests per second per credential (api.md §1.11; default 500).
    pub rate_limit_per_sec: u32,
    /// Unauthenticated bootstrap calls per minute per client address (default 10).
    pub bootstrap_per_minute: u32,
    /// Days a stored idempotent response is kept (never less than 7).
    pub idempotency_retention_days: u32,
    /// Seconds a setup token stays valid (default 24 h).
    pub setup_token_ttl_secs: i64,
    /// The curve of new DE units' TSE keys (de-tse.md §2.1; default brainpoolP384r1). A unit keeps
    /// the curve it was provisioned with; changing this affects only units provisioned afterwards.
    pub tse_curve: TseCurve,
}

impl ApiConfig {
    /// The defaults of the contract for `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            rate_limit_per_sec: 500,
            bootstrap_per_minute: 10,
            idempotency_retention_days: 7,
            setup_token_ttl_secs: 24 * 3600,
            tse_curve: TseCurve::default(),
        }
    }
}

/// Every dependency a handler may use.
#[derive(Clone)]
pub struct AppState {
    /// SQLite or PostgreSQL, chosen by the database URL.
    pub store: Store,
    /// The fiscal clock; a `ManualClock` in tests.
    pub clock: Arc<dyn Clock>,
    /// Id generator; seeded in tests.
    pub ids: Arc<dyn IdGen>,
    /// The key-encryption key (stored idempotent responses, later the fiscal keys).
    pub kek: Arc<Kek>,
    /// Settings.
    pub config: Arc<ApiConfig>,
    /// Per-credential token buckets.
    pub limiter: Arc<RateLimiter>,
    /// Per-address buckets for the unauthenticated bootstrap.
    pub bootstrap_limiter: Arc<RateLimiter>,
    /// Idempotency keys whose first request is still running (this instance).
    pub inflight: Arc<InFlight>,
    /// When each credential's `last_used_at` was last written (throttles that write).
    pub last_used: Arc<Mutex<HashMap<String, i64>>>,
    /// The fiscal application layer: every fiscal step goes through it.
    pub fiscal: FiscalService,
}

impl AppState {
    /// Wires the state.
    pub fn new(store: Store, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>, kek: Arc<Kek>, config: ApiConfig) -> Self {
        // Install the metrics recorder before the first request is counted.
        crate::envelope::metrics_handle();
        let limiter = RateLimiter::new(f64::from(config.rate_limit_per_sec), 1.0);
        let bootstrap_limiter = RateLimiter::new(f64::from(config.bootstrap_per_minute), 60.0);
        let fiscal = FiscalService::new(
            store.clone(),
            clock.clone(),
            ids.clone(),
            kek.clone(),
            FiscalConfig { production: config.mode == Mode::Production, tse_curve: config.tse_curve },
        );
        Self {
            fiscal,
            store,
            clock,
            ids,
            kek,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            bootstrap_limiter: Arc::new(bootstrap_limiter),
            inflight: Arc::new(InFlight::default()),
            last_used: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Now, in Unix microseconds.
    pub fn now_us(&self) -> i64 {
        self.clock.now().as_micros()
    }

    /// A new id with `prefix` (`org_`, `key_`, …).
    pub fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.ids.next())
    }
}
