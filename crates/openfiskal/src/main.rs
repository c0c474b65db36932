//! The one binary: `serve`, `migrate`, `admin setup-token`, `openapi` (ARCHITECTURE.md §12).
//! Settings come from flags or `OPENFISKAL_*` environment variables; a bad value stops startup with
//! a message naming it. Logs go to stderr, so stdout carries only what a script may capture.

mod bench;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use openfiskal_api::{ApiConfig, AppState, Mode, credentials};
use openfiskal_core::{Clock, IdGen, SystemClock, UlidGen};
use openfiskal_crypto::Kek;
use openfiskal_de_tse::TseCurve;
use openfiskal_store::Store;
use openfiskal_store::repo::idempotency;

/// Default database: an embedded SQLite file, created on first start.
const DEFAULT_DATABASE: &str = "sqlite://./data/openfiskal.db";

#[derive(Parser)]
#[command(name = "openfiskal", version, about = "Fiscalization API server for DE, AT and IT point-of-sale systems")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI 3.1 document (identical to GET /v1/openapi.json).
    Openapi,
    /// Measure DE fiscal throughput and latency against this machine's signing and commit limits.
    Bench(BenchCli),
}

#[derive(Args)]
struct BenchCli {
    /// `postgres://…` benchmarks PostgreSQL (in a fresh schema); default: a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Fiscal units of the many-units run.
    #[arg(long, default_value_t = 100)]
    units: usize,
    /// Operations per throughput run.
    #[arg(long, default_value_t = 2000)]
    operations: usize,
    /// Concurrent requests.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Operations per second of the latency run.
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// Seconds of the latency run.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// TSE curve of the benchmarked units: `brainpoolP384r1` or `P-256`.
    #[arg(long, default_value = "brainpoolP384r1")]
    curve: TseCurve,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print a fresh one-time setup token for POST /v1/auth/bootstrap.
    SetupToken {
        #[command(flatten)]
        db: DbArgs,
        /// Validity in seconds.
        #[arg(long, env = "OPENFISKAL_SETUP_TOKEN_TTL_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(i64).range(60..=2_592_000))]
        ttl_secs: i64,
    },
}

#[derive(Args, Clone)]
struct DbArgs {
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "OPENFISKAL_DATABASE_URL", default_value = DEFAULT_DATABASE, hide_env_values = true)]
    database_url: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OPENFISKAL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
    /// `sandbox` (test keys, fault injection) or `production` (live keys).
    #[arg(long, env = "OPENFISKAL_MODE", default_value = "sandbox")]
    mode: Mode,
    /// The 32-byte key-encryption key file. In sandbox mode it is created when missing; in
    /// production it must exist.
    #[arg(long, env = "OPENFISKAL_KEK_FILE", default_value = "./data/kek.key")]
    kek_file: PathBuf,
    /// Requests per second per API key.
    #[arg(long, env = "OPENFISKAL_RATE_LIMIT", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    rate_limit: u32,
    /// Days stored idempotent responses are kept (at least 7).
    #[arg(long, env = "OPENFISKAL_IDEMPOTENCY_RETENTION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(7..=3650))]
    idempotency_retention_days: u32,
    /// Seconds between two automatic health checks of the fiscal units in `error`; a unit whose
    /// device answers is recovered (api.md §6.5).
    #[arg(long, env = "OPENFISKAL_PROBE_INTERVAL_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    probe_interval_secs: u64,
    /// Validity in seconds of the setup token printed on the first start.
    #[arg(long, env = "OPENFISKAL_SETUP_TOKEN_TTL_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(i64).range(60..=2_592_000))]
    setup_token_ttl_secs: i64,
    /// Curve of new German TSE units: `brainpoolP384r1` (ecdsa-plain-SHA384) or `P-256`
    /// (ecdsa-plain-SHA256). A unit keeps its curve for life; a change affects only new units.
    #[arg(long, env = "OPENFISKAL_TSE_CURVE", default_value = "brainpoolP384r1")]
    tse_curve: TseCurve,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal; a file, a pipe or a container log gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OPENFISKAL_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(db) => {
            open_store(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Admin { command: AdminCommand::SetupToken { db, ttl_secs } } => {
            let store = open_store(&db).await?;
            let clock = Arc::new(SystemClock);
            let ids = UlidGen::new(clock.clone());
            let token = credentials::issue_setup_token(&store, &*clock, &ids, ttl_secs).await?;
            println!("OPENFISKAL_SETUP_TOKEN={}", *token);
            Ok(())
        }
        Command::Bench(a) => {
            bench::run(bench::BenchArgs {
                database_url: a.database_url,
                units: a.units,
                operations: a.operations,
                concurrency: a.concurrency,
                rate: a.rate,
                seconds: a.seconds,
                curve: a.curve,
                json: a.json,
            })
            .await
        }
        Command::Openapi => {
            print!("{}", openfiskal_api::openapi_json());
            Ok(())
        }
    }
}

async fn open_store(db: &DbArgs) -> anyhow::Result<Store> {
    let store = Store::connect(&db.database_url).await.context("opening the database (OPENFISKAL_DATABASE_URL)")?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

fn load_kek(mode: Mode, path: &std::path::Path) -> anyhow::Result<Kek> {
    match mode {
        Mode::Production => {
            Kek::load(path).with_context(|| format!("production needs a key-encryption key at {}", path.display()))
        }
        Mode::Sandbox => {
            let (kek, created) = Kek::load_or_create(path)?;
            if created {
                tracing::warn!(path = %path.display(), "sandbox: generated a new key-encryption key; keep this file, it protects every stored key");
            }
            Ok(kek)
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&args.db).await?;
    let kek = load_kek(args.mode, &args.kek_file)?;
    let clock: Arc<SystemClock> = Arc::new(SystemClock);
    let ids: Arc<dyn IdGen> = Arc::new(UlidGen::new(clock.clone()));
    let mut config = ApiConfig::new(args.mode);
    config.rate_limit_per_sec = args.rate_limit;
    config.idempotency_retention_days = args.idempotency_retention_days;
    config.setup_token_ttl_secs = args.setup_token_ttl_secs;
    config.tse_curve = args.tse_curve;
    // Bind first: a setup token is printed only when the server can be reached to use it.
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal().context("installing the signal handlers")?;
    if credentials::is_fresh_install(&store).await? {
        let token = credentials::issue_setup_token(&store, &*clock, &*ids, config.setup_token_ttl_secs).await?;
        println!("OPENFISKAL_SETUP_TOKEN={}", *token);
    }
    let clock: Arc<dyn Clock> = clock;
    let state = AppState::new(store.clone(), clock.clone(), ids, Arc::new(kek), config);
    tokio::spawn(purge_idempotency_keys(store.clone(), clock));
    tokio::spawn(retry_failed_operations(state.clone()));
    tokio::spawn(probe_units_in_error(state.clone(), args.probe_interval_secs));

    tracing::info!(
        listen = %addr,
        mode = args.mode.as_str(),
        backend = ?store.backend(),
        tse_curve = %args.tse_curve,
        "openfiskal serving"
    );
    let app = openfiskal_api::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Signs operations whose fiscalization failed once their unit is active again (api.md §7.5),
/// every 10 s, at most 100 a round, oldest first.
async fn retry_failed_operations(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
    loop {
        tick.tick().await;
        match openfiskal_api::routes::operations::retry_failed(&state, 100).await {
            Ok(n) if n > 0 => tracing::info!(fiscalized = n, "failed operations fiscalized"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.message, "automatic fiscalize failed"),
        }
    }
}

/// Health-checks the fiscal units in `error` every `secs` and recovers those whose device answers
/// (at most 100 a round); their failed operations are then signed by the retry above.
async fn probe_units_in_error(state: AppState, secs: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs));
    loop {
        tick.tick().await;
        if let Err(e) = state.fiscal.probe_units_in_error(100).await {
            tracing::warn!(error = %e, "automatic probe of fiscal units failed");
        }
    }
}

/// Deletes expired idempotency entries once an hour.
async fn purge_idempotency_keys(store: Store, clock: Arc<dyn Clock>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let res = async {
            let mut tx = store.begin().await?;
            let n = idempotency::purge_expired(&mut tx, clock.now().as_micros()).await?;
            tx.commit().await?;
            Ok::<_, openfiskal_store::StoreError>(n)
        }
        .await;
        match res {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "expired idempotency keys purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "idempotency purge failed"),
        }
    }
}

/// Registers the shutdown signals now (a SIGTERM right after the "serving" line must already shut
/// down gracefully, not kill the process) and returns the future that waits for one of them.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?)
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests");
    })
}
