//! Test support (dev-only): real databases for tests on both backends and an in-process
//! [`TestApp`]. SQLite runs on a temporary file; PostgreSQL on a fresh schema of the database named
//! by `OPENFISKAL_TEST_POSTGRES_URL`. Nothing here mocks the database.
//!
//! A PostgreSQL test is `#[ignore]`d with the reason "needs PostgreSQL: …", so a plain
//! `cargo test` lists it as ignored instead of passing it silently; `-- --ignored postgres` (or
//! `--include-ignored`) runs it, and then a missing `OPENFISKAL_TEST_POSTGRES_URL` fails it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use openfiskal_api::{ApiConfig, AppState, Mode};
use openfiskal_core::{ManualClock, SeqIdGen, Timestamp};
use openfiskal_crypto::Kek;
use openfiskal_store::Store;
use rand::Rng;
use serde_json::Value;
use tower::ServiceExt;

pub mod contract;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "OPENFISKAL_TEST_POSTGRES_URL";

/// The URL of the test PostgreSQL server; panics with the way to set it when missing, because a
/// PostgreSQL test runs only when asked for (`--ignored`).
pub fn postgres_url() -> String {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test runs on PostgreSQL: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/<database> \
             (.ci/run creates a fresh database and sets it)"
        ),
    }
}

/// The fixed start of every test clock: 2026-02-26T10:00:00Z.
pub const T0: Timestamp = Timestamp::from_micros(1_772_100_000_000_000);

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema on the test PostgreSQL server.
    Postgres,
}

/// A migrated store that lives as long as this value.
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// The SQLite file, if SQLite.
    pub path: Option<std::path::PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh, migrated database (PostgreSQL: panics when [`POSTGRES_ENV`] is unset).
    pub async fn new(backend: TestBackend) -> Self {
        let db = match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("openfiskal.db");
                let store = Store::connect_sqlite(path.to_str().expect("utf-8 path")).await.expect("sqlite");
                Self { store, path: Some(path), _dir: Some(dir) }
            }
            TestBackend::Postgres => {
                let url = postgres_url();
                let schema = format!("t_{:016x}", rand::rng().random::<u64>());
                let admin = Store::connect_postgres(&url, None).await.expect("postgres reachable");
                admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
                admin.close().await;
                let store = Store::connect_postgres(&url, Some(&schema)).await.expect("postgres schema");
                Self { store, path: None, _dir: None }
            }
        };
        db.store.migrate().await.expect("migrations");
        db
    }
}

/// The application in process, with a manual clock and deterministic ids.
pub struct TestApp {
    /// The router under test.
    pub router: Router,
    /// Its state (store, clock, config).
    pub state: AppState,
    /// The clock; move it with `advance_secs`.
    pub clock: Arc<ManualClock>,
    /// The store.
    pub store: Store,
    _db: TestDb,
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Asserts the status and, for errors, the envelope's code; returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16, code: Option<&str>) -> Value {
        let json = self.json();
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {json}");
        if let Some(code) = code {
            assert_eq!(json["object"], "error", "not an error envelope: {json}");
            assert_eq!(json["code"], code, "unexpected code; body: {json}");
            assert_eq!(
                json["request_id"].as_str(),
                self.header("x-request-id").as_deref(),
                "request_id must equal X-Request-Id"
            );
        }
        json
    }
}

/// Builds a [`TestApp`].
pub struct TestAppBuilder {
    backend: TestBackend,
    config: ApiConfig,
}

impl TestAppBuilder {
    /// Changes the configuration before start.
    pub fn config(mut self, f: impl FnOnce(&mut ApiConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// Starts the app (PostgreSQL: panics when [`POSTGRES_ENV`] is unset).
    pub async fn build(self) -> TestApp {
        let db = TestDb::new(self.backend).await;
        let clock = Arc::new(ManualClock::new(T0));
        let kek = Arc::new(Kek::from_bytes([42; 32]));
        let state = AppState::new(db.store.clone(), clock.clone(), Arc::new(SeqIdGen::default()), kek, self.config);
        TestApp { router: openfiskal_api::router(state.clone()), state, clock, store: db.store.clone(), _db: db }
    }
}

impl TestApp {
    /// A builder for `backend` in sandbox mode with the contract's defaults.
    pub fn builder(backend: TestBackend) -> TestAppBuilder {
        TestAppBuilder { backend, config: ApiConfig::new(Mode::Sandbox) }
    }

    /// A sandbox app on SQLite.
    pub async fn sqlite() -> Self {
        Self::builder(TestBackend::Sqlite).build().await
    }

    /// A restart with a changed configuration: a fresh state (caches, limiters) on the same
    /// database, clock, id generator and key-encryption key.
    pub fn restart_with(&mut self, f: impl FnOnce(&mut ApiConfig)) {
        let mut config = (*self.state.config).clone();
        f(&mut config);
        let s = &self.state;
        let state = AppState::new(s.store.clone(), s.clock.clone(), s.ids.clone(), s.kek.clone(), config);
        self.router = openfiskal_api::router(state.clone());
        self.state = state;
    }

    /// Sends a request. `headers` are name/value pairs; a `body` is sent as JSON.
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> TestResponse {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("json")).unwrap_or_default();
        let mut h: Vec<(&str, &str)> = headers.to_vec();
        if body.is_some() && !h.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            h.push(("content-type", "application/json"));
        }
        self.send_raw(method, path, &h, bytes).await
    }

    /// Sends a request with a raw body. The answer is checked against the OpenAPI document
    /// ([`contract`]): a documented answer that does not match its schema fails the test.
    pub async fn send_raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> TestResponse {
        let mut req = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri(path);
        for (k, v) in headers {
            req = req
                .header(HeaderName::from_bytes(k.as_bytes()).expect("name"), HeaderValue::from_str(v).expect("value"));
        }
        let sent = body.clone();
        let res = self.router.clone().oneshot(req.body(Body::from(body)).expect("request")).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        // Every answer (and every accepted request body) against the OpenAPI document.
        contract::contract().check_exchange(method, path, &sent, status.as_u16(), &body);
        TestResponse { status, headers, body }
    }

    /// Issues a setup token and trades it for a platform key.
    pub async fn platform_key(&self) -> String {
        let token = openfiskal_api::credentials::issue_setup_token(&self.store, &*self.clock, &*self.state.ids, 3600)
            .await
            .expect("setup token");
        let res = self.send("POST", "/v1/auth/bootstrap", &[], Some(&serde_json::json!({"setup_token": *token}))).await;
        res.expect(201, None)["api_key"].as_str().expect("api_key").to_owned()
    }

    /// Creates an organization (DE) with a platform key; returns its id.
    pub async fn create_org(&self, platform: &str, legal_name: &str) -> String {
        let body = serde_json::json!({
            "legal_name": legal_name, "country": "DE", "tax_id": "DE123456789",
            "address": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}
        });
        let res = self.send("POST", "/v1/organizations", &[("authorization", &bearer(platform))], Some(&body)).await;
        res.expect(201, None)["id"].as_str().expect("id").to_owned()
    }

    /// Creates an organization key for `org`; returns the key.
    pub async fn org_key(&self, platform: &str, org: &str) -> String {
        let path = format!("/v1/organizations/{org}/api-keys");
        let res = self
            .send(
                "POST",
                &path,
                &[("authorization", &bearer(platform))],
                Some(&serde_json::json!({"label": "POS backend"})),
            )
            .await;
        res.expect(201, None)["api_key"].as_str().expect("api_key").to_owned()
    }

    /// Creates a location of `org`; returns its id.
    pub async fn create_location(&self, key: &str, org: &str) -> String {
        let body = serde_json::json!({
            "name": "Berlin Mitte", "timezone": "Europe/Berlin",
            "address": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}
        });
        let path = format!("/v1/organizations/{org}/locations");
        let res = self.send("POST", &path, &[("authorization", &bearer(key))], Some(&body)).await;
        res.expect(201, None)["id"].as_str().expect("id").to_owned()
    }

    /// The SQLite database file (`None` on PostgreSQL).
    pub fn store_path(&self) -> Option<std::path::PathBuf> {
        self._db.path.clone()
    }

    /// Creates a register of `jurisdiction` at `location` with an organization key; returns its id.
    pub async fn create_register(&self, key: &str, location: &str, jurisdiction: &str, label: &str) -> String {
        let path = format!("/v1/locations/{location}/registers");
        let body = serde_json::json!({"label": label, "jurisdiction": jurisdiction});
        let res = self.send("POST", &path, &[("authorization", &bearer(key))], Some(&body)).await;
        res.expect(201, None)["id"].as_str().expect("id").to_owned()
    }

    /// `POST /v1/registers/{id}/fiscal-units` with an organization key.
    pub async fn provision(&self, key: &str, register: &str, body: Option<&Value>) -> TestResponse {
        let path = format!("/v1/registers/{register}/fiscal-units");
        self.send("POST", &path, &[("authorization", &bearer(key))], body).await
    }

    /// Counts the rows of `table` (to prove a rejected request wrote nothing).
    pub async fn count(&self, table: &str) -> i64 {
        self.store.count_rows(table).await.expect("count")
    }
}

/// `Bearer <key>`.
pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// Defines a test that runs once on SQLite (`…::sqlite`) and once on PostgreSQL (`…::postgres`,
/// ignored unless asked for, see the crate docs; `.ci/run` always runs it). The body gets a fresh
/// [`TestApp`] on each backend.
#[macro_export]
macro_rules! both_backends {
    ($(#[$m:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$m])*
        #[allow(clippy::unwrap_used, reason = "test bodies")]
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::TestApp::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: OPENFISKAL_TEST_POSTGRES_URL=postgres://… cargo test -- --ignored postgres"]
            async fn postgres() {
                run($crate::TestApp::builder($crate::TestBackend::Postgres).build().await).await
            }
        }
    };
}

/// Like [`both_backends!`], for store-level tests: the body gets a fresh migrated [`TestDb`].
#[macro_export]
macro_rules! both_stores {
    ($(#[$m:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$m])*
        #[allow(clippy::unwrap_used, reason = "test bodies")]
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::TestDb) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::TestDb::new($crate::TestBackend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: OPENFISKAL_TEST_POSTGRES_URL=postgres://… cargo test -- --ignored postgres"]
            async fn postgres() {
                run($crate::TestDb::new($crate::TestBackend::Postgres).await).await
            }
        }
    };
}
