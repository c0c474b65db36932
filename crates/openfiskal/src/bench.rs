//! `openfiskal bench`: fiscal throughput and latency of this machine, measured through the real
//! application (router, auth, idempotency, TSE signing, durable commits) in process, without a
//! socket. It reports, on the chosen backend and TSE curve (`--curve`, de-tse.md §2.1):
//!
//! - the machine's limits: signatures/s on one core on the curve, and durable commits/s of a
//!   one-row transaction on one connection;
//! - DE sales/s (start + complete, each signed and committed) over many units and on one unit, with
//!   the ratio to the limit signing and commits allow (for one unit: one core's signing rate, since a
//!   unit's steps are ordered);
//! - p50/p99/max of `complete` at a fixed request rate.
//!
//! The operation is a DE sale of two lines at two rates, paid in cash with change: the data model
//! (lines, tax, totals, payment rule), StartTransaction, FinishTransaction, journal, counters, QR.
//! Without `--json` it prints a table; with it, exactly one JSON object on stdout (see [`Report`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use openfiskal_api::{ApiConfig, AppState, Mode, credentials};
use openfiskal_core::{SystemClock, UlidGen};
use openfiskal_crypto::{Kek, Signer, SoftwareKey};
use openfiskal_de_tse::TseCurve;
use openfiskal_store::Store;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Settings of one run.
pub struct BenchArgs {
    /// `sqlite://…` (a fresh temp file when absent) or `postgres://…` (a fresh schema).
    pub database_url: Option<String>,
    /// Fiscal units for the many-units run.
    pub units: usize,
    /// Operations in each throughput run.
    pub operations: usize,
    /// Concurrent requests.
    pub concurrency: usize,
    /// Requests per second of the latency run.
    pub rate: u32,
    /// Seconds of the latency run.
    pub seconds: u32,
    /// The TSE curve of the benchmarked units (the installation setting `serve --tse-curve`).
    pub curve: TseCurve,
    /// Print one JSON object instead of the table.
    pub json: bool,
}

/// Write transactions per sale: each fiscal step (start, complete) commits its own. On SQLite
/// several transactions share one durable `COMMIT` (group commit, `openfiskal-store`'s writer); the
/// limit counts the batching measured during the many-units run.
const TRANSACTIONS_PER_SALE: f64 = 2.0;
/// Signatures per sale: StartTransaction and FinishTransaction.
const SIGNATURES_PER_SALE: f64 = 2.0;

/// What one run found; `--json` prints exactly these keys.
struct Report {
    /// `sqlite` or `postgres`.
    backend: &'static str,
    /// `brainpoolP384r1` or `P-256`.
    curve: TseCurve,
    /// Logical cores signing may use.
    cores: usize,
    units: usize,
    concurrency: usize,
    seconds: u32,
    /// Signatures per second on one core.
    sign_per_s_core: f64,
    /// Durable one-row commits per second on one connection.
    commits_per_s: f64,
    /// Write transactions per durable commit during the many-units run (1 on PostgreSQL, which
    /// batches inside the server where we cannot count it).
    txs_per_commit: f64,
    /// min(signing over all cores / 2, commits × transactions per commit / transactions per sale),
    /// in sales/s.
    limit_ops_per_s: f64,
    many_units_ops_per_s: f64,
    one_unit_ops_per_s: f64,
    /// One core's signing rate / 2: a unit's steps are ordered, so it signs on one core at a time.
    one_unit_limit_ops_per_s: f64,
    complete_p50_ms: f64,
    complete_p99_ms: f64,
    complete_max_ms: f64,
    /// Sales per second of the latency run.
    rate: u32,
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

impl Report {
    fn ratio_many(&self) -> f64 {
        self.many_units_ops_per_s / self.limit_ops_per_s
    }

    fn ratio_one(&self) -> f64 {
        self.one_unit_ops_per_s / self.one_unit_limit_ops_per_s
    }

    fn to_json(&self) -> Value {
        json!({
            "backend": self.backend,
            "curve": self.curve.name(),
            "sign_per_s_core": round(self.sign_per_s_core, 1),
            "commits_per_s": round(self.commits_per_s, 1),
            "limit_ops_per_s": round(self.limit_ops_per_s, 1),
            "many_units_ops_per_s": round(self.many_units_ops_per_s, 1),
            "one_unit_ops_per_s": round(self.one_unit_ops_per_s, 1),
            "one_unit_limit_ops_per_s": round(self.one_unit_limit_ops_per_s, 1),
            "ratio_many": round(self.ratio_many(), 3),
            "ratio_one": round(self.ratio_one(), 3),
            "complete_p50_ms": round(self.complete_p50_ms, 3),
            "complete_p99_ms": round(self.complete_p99_ms, 3),
            "complete_max_ms": round(self.complete_max_ms, 3),
            "rate": self.rate,
        })
    }

    fn table(&self) -> String {
        let c = self.curve;
        let row = |what: String, value: f64, note: String| format!("{what:<58} {value:>8.0}  {note}\n");
        let mut t = format!(
            "DE sales (start + complete, each signed and committed durably)\nbackend {}, curve {} ({}), {} cores\n\n",
            self.backend,
            c.name(),
            c.algorithm().name(),
            self.cores
        );
        t += &format!("{:<58} {:>8}\n", "", "sales/s");
        t += &row(
            format!("signing, all cores ({:.0} signatures/s per core, 2 a sale)", self.sign_per_s_core),
            self.sign_per_s_core * self.cores as f64 / SIGNATURES_PER_SALE,
            String::new(),
        );
        t += &row(
            format!(
                "durable commits ({:.0}/s, {:.1} requests each, 2 a sale)",
                self.commits_per_s, self.txs_per_commit
            ),
            self.commits_per_s * self.txs_per_commit / TRANSACTIONS_PER_SALE,
            String::new(),
        );
        t += &row("limit (the lower of the two)".into(), self.limit_ops_per_s, String::new());
        t += &row(
            format!("over {} units, {} concurrent", self.units, self.concurrency),
            self.many_units_ops_per_s,
            format!("{:.2} of the limit", self.ratio_many()),
        );
        t += &row("one unit's limit (one core signs)".into(), self.one_unit_limit_ops_per_s, String::new());
        t += &row(
            format!("on one unit, {} concurrent", self.concurrency),
            self.one_unit_ops_per_s,
            format!(
                "{:.2} of one unit's limit ({:.2} of the limit)",
                self.ratio_one(),
                self.one_unit_ops_per_s / self.limit_ops_per_s
            ),
        );
        t += &format!(
            "\ncomplete at {} sales/s for {} s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
            self.rate, self.seconds, self.complete_p50_ms, self.complete_p99_ms, self.complete_max_ms
        );
        t
    }
}

struct Bench {
    router: axum::Router,
    key: String,
}

impl Bench {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        let mut req =
            Request::builder().method(method).uri(path).header("authorization", format!("Bearer {}", self.key));
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&b)?)
            }
            None => Body::empty(),
        };
        let res = self.router.clone().oneshot(req.body(body)?).await?;
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let (status, v) = self.call(method, path, body).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path}: {status} {v}");
        }
        Ok(v)
    }

    /// One DE sale: start with two lines, then complete with cash tendered and change. Returns the
    /// latency of the complete.
    async fn operation(&self, register: &str) -> anyhow::Result<Duration> {
        let line = |d: &str, q: &str, p: i64, r: &str| json!({"description": d, "quantity": q, "unit_price_gross": p, "tax": {"rate": r}});
        let body = json!({"cashier": {"id": "bench"},
            "line_items": [line("T-Shirt", "2", 1800, "0.19"), line("Buch", "1", 1250, "0.07")]});
        let op = self.ok("POST", &format!("/v1/registers/{register}/sales"), Some(body)).await?;
        let id = op["id"].as_str().context("operation id")?;
        let pay = json!({"payments": [{"method": "cash", "direction": "inbound", "amount": 5000},
            {"method": "cash", "direction": "outbound", "amount": 150}]});
        let t = Instant::now();
        let done = self.ok("POST", &format!("/v1/sales/{id}/complete"), Some(pay)).await?;
        if done["fiscal_state"] != "succeeded" {
            bail!("complete was not fiscalized: {}", done["fiscal"]["tse_failure"]);
        }
        Ok(t.elapsed())
    }
}

async fn setup(args: &BenchArgs, dir: &tempfile::TempDir) -> anyhow::Result<(Bench, Store)> {
    let store = match &args.database_url {
        None => Store::connect_sqlite(dir.path().join("bench.db").to_str().context("path")?).await?,
        Some(url) if url.starts_with("postgres") => {
            let schema = format!("bench_{}", std::process::id());
            let admin = Store::connect_postgres(url, None).await?;
            admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await?;
            admin.close().await;
            Store::connect_postgres(url, Some(&schema)).await?
        }
        Some(url) => Store::connect(url).await?,
    };
    store.migrate().await?;
    let clock = Arc::new(SystemClock);
    let ids = Arc::new(UlidGen::new(clock.clone()));
    let mut kek = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut kek);
    let mut config = ApiConfig::new(Mode::Sandbox);
    config.rate_limit_per_sec = 1_000_000;
    config.tse_curve = args.curve;
    let token = credentials::issue_setup_token(&store, &*clock, &*ids, 3600).await?;
    let state = AppState::new(store.clone(), clock, ids, Arc::new(Kek::from_bytes(kek)), config);
    let router = openfiskal_api::router(state);
    let res = router
        .clone()
        .oneshot(
            Request::post("/v1/auth/bootstrap")
                .header("content-type", "application/json")
                .body(Body::from(json!({"setup_token": *token}).to_string()))?,
        )
        .await?;
    let v: Value = serde_json::from_slice(&res.into_body().collect().await?.to_bytes())?;
    let key = v["api_key"].as_str().context("bootstrap")?.to_owned();
    let b = Bench { router, key };
    let address = json!({"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"});
    let org = b
        .ok(
            "POST",
            "/v1/organizations",
            Some(json!({"legal_name": "Bench GmbH", "country": "DE", "tax_id": "DE123456789", "address": address})),
        )
        .await?;
    let org_id = org["id"].as_str().context("org")?;
    let key = b.ok("POST", &format!("/v1/organizations/{org_id}/api-keys"), Some(json!({"label": "bench"}))).await?;
    let b = Bench { router: b.router, key: key["api_key"].as_str().context("org key")?.to_owned() };
    Ok((b, store))
}

async fn registers(b: &Bench, n: usize, curve: TseCurve) -> anyhow::Result<Vec<String>> {
    let address = json!({"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"});
    let orgs = b.ok("GET", "/v1/organizations", None).await?;
    let org = orgs["data"][0]["id"].as_str().context("org")?.to_owned();
    let loc = b
        .ok(
            "POST",
            &format!("/v1/organizations/{org}/locations"),
            Some(json!({"name": "Bench", "timezone": "Europe/Berlin", "address": address})),
        )
        .await?;
    let loc = loc["id"].as_str().context("location")?.to_owned();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = b
            .ok(
                "POST",
                &format!("/v1/locations/{loc}/registers"),
                Some(json!({"label": format!("Kasse {i}"), "jurisdiction": "DE"})),
            )
            .await?;
        let id = r["id"].as_str().context("register")?.to_owned();
        let unit = b.ok("POST", &format!("/v1/registers/{id}/fiscal-units"), None).await?;
        let algorithm = &unit["fiscal_unit"]["fiscal_registration"]["signature_algorithm"];
        if algorithm != curve.algorithm().name() {
            bail!("a unit on {curve} signs with {algorithm}");
        }
        out.push(id);
    }
    Ok(out)
}

/// Runs `total` operations with `concurrency` workers spread over `registers`; returns ops/s.
async fn throughput(b: &Arc<Bench>, registers: &[String], total: usize, concurrency: usize) -> anyhow::Result<f64> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (b, next, registers) = (b.clone(), next.clone(), registers.to_vec());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= total {
                    return Ok::<_, anyhow::Error>(());
                }
                b.operation(&registers[i % registers.len()]).await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

fn signing_limit(curve: TseCurve) -> anyhow::Result<f64> {
    let key = SoftwareKey::generate(curve.key_kind())?;
    let t = Instant::now();
    let mut n = 0u32;
    while t.elapsed() < Duration::from_secs(2) {
        key.sign(&n.to_be_bytes())?;
        n += 1;
    }
    Ok(f64::from(n) / t.elapsed().as_secs_f64())
}

async fn commit_limit(store: &Store) -> anyhow::Result<f64> {
    store.execute_raw("CREATE TABLE bench_commits (n BIGINT NOT NULL)").await?;
    let t = Instant::now();
    let mut n = 0u32;
    while t.elapsed() < Duration::from_secs(2) {
        store.execute_raw(&format!("INSERT INTO bench_commits (n) VALUES ({n})")).await?;
        n += 1;
    }
    Ok(f64::from(n) / t.elapsed().as_secs_f64())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs the benchmark and prints the table, or with `json` one JSON object, on stdout.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.units == 0 || args.concurrency == 0 {
        bail!("--units and --concurrency must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let (b, store) = setup(&args, &dir).await?;
    let backend = match store.backend() {
        openfiskal_store::Backend::Sqlite => "sqlite",
        openfiskal_store::Backend::Postgres => "postgres",
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let curve = args.curve;
    tracing::info!(backend, %curve, cores, "measuring the signing and commit limits");
    let sign = tokio::task::spawn_blocking(move || signing_limit(curve)).await??;
    let commits = commit_limit(&store).await?;

    let b = Arc::new(b);
    let many = registers(&b, args.units, curve).await?;
    let one = vec![many[0].clone()];
    b.operation(&many[0]).await?; // warm up
    tracing::info!(units = many.len(), operations = args.operations, "sales over many units");
    let (commits_before, txs_before) = store.commit_stats();
    let rate_many = throughput(&b, &many, args.operations, args.concurrency).await?;
    let (commits_after, txs_after) = store.commit_stats();
    let txs_per_commit = match commits_after - commits_before {
        0 => 1.0,
        n => (txs_after - txs_before) as f64 / n as f64,
    };
    // Signing runs on every core; SQLite's single writer shares each commit among the queued
    // transactions (PostgreSQL group-commits across connections itself, so there this bound is a floor).
    let limit = (sign * cores as f64 / SIGNATURES_PER_SALE).min(commits * txs_per_commit / TRANSACTIONS_PER_SALE);
    tracing::info!(operations = args.operations / 2, "sales on one unit");
    let rate_one = throughput(&b, &one, args.operations / 2, args.concurrency).await?;

    // Fixed rate: one operation every 1/rate s, each on the next unit; latency of `complete`.
    tracing::info!(rate = args.rate, seconds = args.seconds, "latency of complete at a fixed rate");
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let total = args.rate as usize * args.seconds as usize;
    let mut tick = tokio::time::interval(interval);
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tick.tick().await;
        let (b, reg) = (b.clone(), many[i % many.len()].clone());
        tasks.push(tokio::spawn(async move { b.operation(&reg).await }));
    }
    let mut lat = Vec::with_capacity(total);
    for t in tasks {
        lat.push(t.await??);
    }
    lat.sort_unstable();
    store.close().await;
    let report = Report {
        backend,
        curve,
        cores,
        units: many.len(),
        concurrency: args.concurrency,
        seconds: args.seconds,
        sign_per_s_core: sign,
        commits_per_s: commits,
        txs_per_commit,
        limit_ops_per_s: limit,
        many_units_ops_per_s: rate_many,
        one_unit_ops_per_s: rate_one,
        one_unit_limit_ops_per_s: sign / SIGNATURES_PER_SALE,
        complete_p50_ms: percentile(&lat, 0.50),
        complete_p99_ms: percentile(&lat, 0.99),
        complete_max_ms: percentile(&lat, 1.0),
        rate: args.rate,
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
