//! Two `openfiskal serve` processes on one PostgreSQL database, completing operations on the same
//! fiscal unit at once (issue 10, "Checks"; ARCHITECTURE.md §7: the guarded row update is the last
//! word on gaplessness, so two instances cannot fork a chain). Every acknowledged operation is
//! completed exactly once, the unit's counters are gapless, every journalled log verifies.
//!
//! Needs PostgreSQL: `OPENFISKAL_TEST_POSTGRES_URL=postgres://… cargo test -p openfiskal --test
//! two_instances -- --ignored postgres`. The test creates its own database on that server (the
//! servers migrate it) and drops it at the end, also when it fails.

#![allow(clippy::unwrap_used, reason = "test code panics on failure by design")]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use base64::Engine;
use common::{Server, start_with};
use serde_json::{Value, json};

/// Cash movements started (alternately on A and B) and then completed concurrently.
const CASH_MOVEMENTS: usize = 40;
/// One-shot sales sent concurrently with the completes. 40 + 10 operations make 2 + 100 journal
/// entries: more than one page of 100, so the cursor is followed too.
const SALES: usize = 10;
/// Attempts of one request answered `503` with `retryable: true` before the test gives up.
const MAX_ATTEMPTS: usize = 20;

/// A database of its own on the test server, dropped (`WITH (FORCE)`) when this value is.
struct TempDatabase {
    /// The URL of the test server's database (`OPENFISKAL_TEST_POSTGRES_URL`), used to create and drop.
    admin_url: String,
    name: String,
    /// The URL of the new database.
    url: String,
}

impl TempDatabase {
    fn create(admin_url: &str) -> Self {
        let name = format!("of_two_{:016x}", rand::random::<u64>());
        // `CREATE DATABASE` cannot run in a transaction block, so not through `Store::execute_raw`.
        admin_sql(admin_url, &format!("CREATE DATABASE {name}")).unwrap();
        Self { admin_url: admin_url.to_owned(), url: with_database(admin_url, &name), name }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        if let Err(e) = admin_sql(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

/// Runs one statement outside a transaction on its own connection.
fn admin_sql(url: &str, sql: &str) -> Result<(), String> {
    use sqlx::{Connection, Executor};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.map_err(|e| e.to_string())?;
        c.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))).await.map_err(|e| e.to_string())?;
        c.close().await.map_err(|e| e.to_string())
    })
}

/// `url` naming database `name` instead of its own (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let host_at = base.find("://").map_or(0, |i| i + 3);
    let server = base[host_at..].find('/').map_or(base, |slash| &base[..host_at + slash]);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// The headers of a call by the platform key into `org`.
struct Caller {
    auth: String,
    org: String,
}

impl Caller {
    /// One call; a `503` with `retryable: true` is sent again with the same `Idempotency-Key`
    /// (counted in `retries`). Returns the status and the JSON body.
    fn call(
        &self,
        server: &Server,
        method: &str,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
        retries: &AtomicUsize,
    ) -> (u16, Value) {
        let mut headers = vec![("Authorization", self.auth.as_str())];
        if !self.org.is_empty() {
            headers.push(("OpenFiskal-Organization", self.org.as_str()));
        }
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        if let Some(k) = idempotency_key {
            headers.push(("Idempotency-Key", k));
        }
        let body = body.map(Value::to_string).unwrap_or_default();
        for _ in 0..MAX_ATTEMPTS {
            let (status, text) = server.request(method, path, &headers, &body);
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if status == 503 && json["retryable"] == true && idempotency_key.is_some() {
                retries.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            return (status, json);
        }
        panic!("{method} {path} on {}: still 503 after {MAX_ATTEMPTS} attempts", server.addr);
    }
}

#[track_caller]
fn expect(status: u16, (got, body): (u16, Value)) -> Value {
    assert_eq!(got, status, "unexpected status; body: {body}");
    body
}

/// Every journal entry of `fu` (all pages, read through `server`): its counter and operation id,
/// after checking that its log message verifies under `point` and carries that counter.
fn journal(server: &Server, caller: &Caller, fu: &str, point: &[u8]) -> Vec<(u64, Option<String>)> {
    let none = AtomicUsize::new(0);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/fiscal-units/{fu}/journal?limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = expect(200, caller.call(server, "GET", &path, None, None, &none));
        for e in page["data"].as_array().unwrap() {
            let der = base64::engine::general_purpose::STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
            let (parts, _) = openfiskal_de_tse::verify_log_message(&der, point)
                .unwrap_or_else(|err| panic!("journal entry does not verify ({err:?}): {e}"));
            let counter = e["counter"].as_u64().unwrap();
            assert_eq!(parts.signature_counter, counter, "the log's signature counter is the entry's: {e}");
            out.push((counter, e["operation_id"].as_str().map(str::to_owned)));
        }
        if page["has_more"] != true {
            break;
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        assert!(cursor.is_some(), "has_more without a cursor: {page}");
    }
    out.sort();
    out
}

/// What one concurrent request was and what it answered.
struct Done {
    kind: &'static str,
    on: usize,
    status: u16,
    body: Value,
}

#[test]
#[ignore = "needs PostgreSQL: OPENFISKAL_TEST_POSTGRES_URL=postgres://… cargo test -- --ignored postgres"]
fn two_serve_processes_on_one_postgres_database_complete_on_one_unit_gaplessly() {
    let db = TempDatabase::create(&openfiskal_testkit::postgres_url());
    // One key-encryption key for both: each must open the signing key the other wrapped.
    let kek_dir = tempfile::tempdir().unwrap();
    let kek = kek_dir.path().join("kek.key");
    std::fs::write(&kek, rand::random::<[u8; 32]>()).unwrap();
    let kek = kek.to_str().unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let flags = ["--database-url", db.url.as_str(), "--kek-file", kek];

    // A migrates the empty database and prints the setup token; B starts on the migrated one.
    let a = start_with(dir_a.path(), &flags);
    let token_line = a.stdout_line().expect("the first start on an empty database prints the setup token");
    let token = token_line.strip_prefix("OPENFISKAL_SETUP_TOKEN=").expect("the token line").to_owned();
    let b = start_with(dir_b.path(), &flags);
    let servers = [&a, &b];
    let retries = AtomicUsize::new(0);

    // Setup through A.
    let (status, text) = a.request(
        "POST",
        "/v1/auth/bootstrap",
        &[("Content-Type", "application/json")],
        &json!({"setup_token": token}).to_string(),
    );
    assert_eq!(status, 201, "{text}");
    let key: Value = serde_json::from_str(&text).unwrap();
    let platform = Caller { auth: format!("Bearer {}", key["api_key"].as_str().unwrap()), org: String::new() };
    let address = json!({"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"});
    let org_body =
        json!({"legal_name": "Zwei Instanzen GmbH", "country": "DE", "tax_id": "DE123456789", "address": address});
    let org = expect(201, platform.call(&a, "POST", "/v1/organizations", Some(&org_body), None, &retries));
    let caller = Caller { auth: platform.auth.clone(), org: org["id"].as_str().unwrap().to_owned() };
    let location_body = json!({"name": "Berlin Mitte", "timezone": "Europe/Berlin", "address": address});
    let path = format!("/v1/organizations/{}/locations", caller.org);
    let location = expect(201, caller.call(&a, "POST", &path, Some(&location_body), None, &retries));
    let path = format!("/v1/locations/{}/registers", location["id"].as_str().unwrap());
    let register_body = json!({"label": "Kasse 1", "jurisdiction": "DE"});
    let register = expect(201, caller.call(&a, "POST", &path, Some(&register_body), None, &retries));
    let reg = register["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/registers/{reg}/fiscal-units");
    let provisioned = expect(201, caller.call(&a, "POST", &path, None, None, &retries));
    let fu = provisioned["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let point = base64::engine::general_purpose::STANDARD
        .decode(provisioned["fiscal_unit"]["fiscal_registration"]["public_key"].as_str().unwrap())
        .unwrap();

    // Start the cash movements, alternately on A and B.
    let cash = json!({"cashier": {"id": "c1"}, "direction": "in", "amount": 100, "reason": "float"});
    let path = format!("/v1/registers/{reg}/cash-movements");
    let mut open = Vec::new();
    for i in 0..CASH_MOVEMENTS {
        let op = expect(201, caller.call(servers[i % 2], "POST", &path, Some(&cash), None, &retries));
        assert_eq!((op["state"].as_str(), op["fiscal_state"].as_str()), (Some("open"), Some("succeeded")), "{op}");
        open.push(op["id"].as_str().unwrap().to_owned());
    }

    // Complete them all at once, alternately through A and B, with one-shot sales on both among them.
    let sale = json!({
        "cashier": {"id": "c1"}, "complete": true,
        "line_items": [{"description": "T", "quantity": "1", "unit_price_gross": 100, "tax": {"rate": "0.19"}}],
        "payments": [{"method": "cash", "direction": "inbound", "amount": 100}]
    });
    let requests = CASH_MOVEMENTS + SALES;
    let barrier = Arc::new(Barrier::new(requests));
    let done: Vec<Done> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for (i, id) in open.iter().enumerate() {
            // The instance that did not start it completes it: alternately B and A.
            let on = (i + 1) % 2;
            let (barrier, caller, retries, server) = (barrier.clone(), &caller, &retries, servers[on]);
            handles.push(s.spawn(move || {
                let path = format!("/v1/cash-movements/{id}/complete");
                let key = format!("complete-{id}");
                barrier.wait();
                let (status, body) = caller.call(server, "POST", &path, None, Some(&key), retries);
                Done { kind: "cash_movement", on, status, body }
            }));
        }
        for i in 0..SALES {
            let (barrier, caller, retries, sale, on) = (barrier.clone(), &caller, &retries, &sale, i % 2);
            let server = servers[on];
            let path = format!("/v1/registers/{reg}/sales");
            handles.push(s.spawn(move || {
                let key = format!("sale-{i}");
                barrier.wait();
                let (status, body) = caller.call(server, "POST", &path, Some(sale), Some(&key), retries);
                Done { kind: "sale", on, status, body }
            }));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut failures = Vec::new();
    let mut operations: Vec<(&'static str, String)> = Vec::new();
    for d in &done {
        let want = if d.kind == "sale" { 201 } else { 200 };
        let name = ["A", "B"][d.on];
        if d.status != want {
            failures.push(format!("{} on {name}: {} {}", d.kind, d.status, d.body));
            continue;
        }
        let states = (d.body["state"].as_str(), d.body["fiscal_state"].as_str());
        if states != (Some("completed"), Some("succeeded")) {
            failures.push(format!("{} on {name}: {states:?} {}", d.kind, d.body));
            continue;
        }
        operations.push((d.kind, d.body["id"].as_str().unwrap().to_owned()));
    }
    assert!(
        failures.is_empty(),
        "{} of {requests} concurrent requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(operations.len(), requests);

    // Each operation is completed, signed, read back the same from either instance.
    let mut tx_numbers = HashSet::new();
    for (i, (kind, id)) in operations.iter().enumerate() {
        let path = match *kind {
            "sale" => format!("/v1/sales/{id}"),
            _ => format!("/v1/cash-movements/{id}"),
        };
        let op = expect(200, caller.call(servers[i % 2], "GET", &path, None, None, &retries));
        assert_eq!((op["state"].as_str(), op["fiscal_state"].as_str()), (Some("completed"), Some("succeeded")), "{op}");
        let other = expect(200, caller.call(servers[(i + 1) % 2], "GET", &path, None, None, &retries));
        assert_eq!(op, other, "both instances read the same operation");
        let number =
            op["fiscal"]["transaction_number"].as_i64().unwrap_or_else(|| panic!("no transaction number: {op}"));
        assert!(tx_numbers.insert(number), "transaction number {number} twice (again on {id})");
    }

    // The unit's journal: counters 1..n, every log verifies, each operation exactly a start and a finish.
    let entries = journal(&b, &caller, &fu, &point);
    let n = u64::try_from(2 + 2 * requests).unwrap();
    let counters: Vec<u64> = entries.iter().map(|(c, _)| *c).collect();
    assert_eq!(counters, (1..=n).collect::<Vec<u64>>(), "gapless counters without duplicates");
    let mut per_op = HashMap::<&str, usize>::new();
    for op in entries.iter().filter_map(|(_, op)| op.as_deref()) {
        *per_op.entry(op).or_default() += 1;
    }
    let ids: HashSet<&str> = operations.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(per_op.keys().copied().collect::<HashSet<&str>>(), ids, "the journal names exactly these operations");
    assert!(per_op.values().all(|n| *n == 2), "one start and one finish each: {per_op:?}");
    assert_eq!(journal(&a, &caller, &fu, &point), entries, "both instances read the same journal");

    let retries = retries.into_inner();
    eprintln!(
        "two instances: {requests} concurrent requests ({CASH_MOVEMENTS} completes, {SALES} one-shot sales), \
         {n} journal entries, {retries} retries after a retryable 503"
    );
    let (_, log_b) = b.stop_with_log();
    let (_, log_a) = a.stop_with_log();
    for (name, log) in [("A", &log_a), ("B", &log_b)] {
        let errors: Vec<&String> = log.iter().filter(|l| l.contains("ERROR")).collect();
        assert!(
            errors.is_empty(),
            "instance {name} logged errors:\n{}",
            errors.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
}
