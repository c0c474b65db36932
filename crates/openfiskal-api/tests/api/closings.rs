//! Closings (api.md §10): DE daily closings signed as Kassenabschluss with gapless Z numbers,
//! shift/monthly/annual summaries, the blocking rules, the outage path, tenancy and lists.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openfiskal_core::Clock;
use openfiskal_core::operation::{ChildKind, Context, Jurisdiction, SaleInput, SaleKind, Stage, compute};
use openfiskal_store::repo::operations::{self, OperationRow};

use crate::*;
use openfiskal_testkit::{TestResponse, both_backends};

pub(crate) struct Till {
    pub(crate) w: World,
    pub(crate) reg: String,
    pub(crate) fu: String,
    pub(crate) point: Vec<u8>,
}

pub(crate) async fn till(app: &TestApp, country: &str) -> Till {
    let w = World::in_country(app, country).await;
    let reg = app.create_register(&w.org_key, &w.location, country, "Kasse 1").await;
    let p = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let fu = p["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let point = p["fiscal_unit"]["fiscal_registration"]["public_key"]
        .as_str()
        .map(|k| STANDARD.decode(k).unwrap())
        .unwrap_or_default();
    Till { w, reg, fu, point }
}

impl Till {
    pub(crate) fn auth(&self) -> String {
        bearer(&self.w.org_key)
    }

    pub(crate) async fn close(&self, app: &TestApp, kind: &str) -> TestResponse {
        let a = self.auth();
        let path = format!("/v1/registers/{}/closings", self.reg);
        app.send("POST", &path, &[("authorization", &a)], Some(&json!({"type": kind}))).await
    }

    /// A cash movement: one-shot (`complete`) or left open; returns its id.
    pub(crate) async fn cash(&self, app: &TestApp, direction: &str, amount: i64, complete: bool) -> String {
        let a = self.auth();
        let body = json!({"cashier": {"id": "c1"}, "direction": direction, "amount": amount, "reason": "float", "complete": complete});
        let path = format!("/v1/registers/{}/cash-movements", self.reg);
        let op = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(201, None);
        op["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn operation(&self, app: &TestApp, id: &str) -> Value {
        app.send("GET", &format!("/v1/operations/{id}"), &[("authorization", &self.auth())], None)
            .await
            .expect(200, None)
    }

    pub(crate) async fn journal(&self, app: &TestApp) -> Vec<Value> {
        let path = format!("/v1/fiscal-units/{}/journal?limit=200", self.fu);
        let j = app.send("GET", &path, &[("authorization", &self.auth())], None).await.expect(200, None);
        j["data"].as_array().unwrap().clone()
    }

    pub(crate) async fn unit_state(&self, app: &TestApp) -> String {
        let path = format!("/v1/fiscal-units/{}", self.fu);
        let u = app.send("GET", &path, &[("authorization", &self.auth())], None).await.expect(200, None);
        u["state"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn fault(&self, app: &TestApp, on: bool) {
        let path = format!("/v1/sandbox/fiscal-units/{}/faults", self.fu);
        let a = self.auth();
        if on {
            app.send("POST", &path, &[("authorization", &a)], Some(&json!({"kind": "device_unreachable"})))
                .await
                .expect(201, None);
        } else {
            app.send("DELETE", &path, &[("authorization", &a)], None).await.expect(200, None);
        }
    }

    /// Inserts a completed operation directly, to give the summary exact fixtures of every type
    /// (operation_types.rs checks a closing over operations made through the API).
    pub(crate) async fn insert(&self, app: &TestApp, kind: &str, data: Value, original: Option<&str>) -> String {
        let mut tx = app.store.begin().await.unwrap();
        let seq = operations::next_sequence(&mut tx, &self.reg).await.unwrap();
        let now = app.clock.now().as_micros();
        let id = format!("op_{kind}_{seq}");
        let refs = json!({"original_operation_id": original, "reason": null, "original_document": null, "original_unknown": false});
        let row = OperationRow {
            id: id.clone(),
            organization_id: self.w.org.clone(),
            location_id: self.w.location.clone(),
            register_id: self.reg.clone(),
            fiscal_unit_id: self.fu.clone(),
            kind: kind.into(),
            state: openfiskal_core::OperationState::Completed,
            fiscal_state: openfiskal_core::FiscalState::Succeeded,
            client_operation_id: None,
            client_fingerprint: None,
            external_id: None,
            sequence_number: seq,
            cashier: json!({"id": "c1", "display_name": null}).to_string(),
            refs: refs.to_string(),
            data: data.to_string(),
            fiscal: fiscal_document(&self.fu, kind),
            warnings: "[]".into(),
            metadata: "{}".into(),
            closing_id: None,
            resource_version: 1,
            occurred_at: None,
            completed_occurred_at: None,
            started_at: now,
            completed_at: Some(now),
            cancelled_at: None,
            cancellation_reason: None,
            created_at: now,
            updated_at: now,
            inputs: "{}".into(),
            original_operation_id: original.map(str::to_owned),
            issuer: None,
        };
        operations::insert(&mut tx, &row).await.unwrap();
        tx.commit().await.unwrap();
        id
    }
}

/// The fiscal document of an inserted operation: what a signed one carries, without the logs.
fn fiscal_document(unit: &str, kind: &str) -> String {
    let mut doc = openfiskal_core::document::TseDocument::new(unit, &Value::Null, kind == "training");
    doc.state = openfiskal_core::FiscalState::Succeeded;
    serde_json::to_string(&doc).unwrap()
}

/// `GET /v1/registers/{reg}/closings{query}`.
pub(crate) async fn list(app: &TestApp, auth: &str, reg: &str, query: &str) -> TestResponse {
    app.send("GET", &format!("/v1/registers/{reg}/closings{query}"), &[("authorization", auth)], None).await
}

/// The `data` block of a completed sale-like operation, computed by openfiskal-core.
pub(crate) fn computed(kind: SaleKind, lines: Value, payments: Value) -> Value {
    let input: SaleInput = serde_json::from_value(json!({"line_items": lines, "payments": payments})).unwrap();
    let ctx = Context::new(Jurisdiction::De, kind, Stage::Complete, jiff::civil::date(2026, 2, 26));
    let mut n = 0;
    let mut ids = |k: ChildKind| {
        n += 1;
        format!("{}{n}", k.prefix())
    };
    serde_json::to_value(compute(&input, &ctx, &mut ids).unwrap()).unwrap()
}

pub(crate) fn line(qty: &str, price: i64, rate: &str) -> Value {
    json!({"description": "Item", "quantity": qty, "unit_price_gross": price, "tax": {"rate": rate}})
}

pub(crate) fn pay(method: &str, direction: &str, amount: i64) -> Value {
    json!({"method": method, "direction": direction, "amount": amount})
}

/// A void's block (api.md §7.4): the original's, `net_payable` negated, payments flipped.
pub(crate) fn voided(original: &Value) -> Value {
    let mut v = original.clone();
    let np = v["totals"]["net_payable"].as_i64().unwrap();
    v["totals"]["net_payable"] = json!(-np);
    for p in v["payments"].as_array_mut().unwrap() {
        p["direction"] = json!(if p["direction"] == "inbound" { "outbound" } else { "inbound" });
    }
    v
}

pub(crate) const CLOSING_FIELDS: &[&str] = &[
    "id",
    "object",
    "organization_id",
    "location_id",
    "register_id",
    "fiscal_unit_id",
    "type",
    "trigger",
    "state",
    "business_date",
    "period",
    "summary",
    "fiscal",
    "error",
    "metadata",
    "created_at",
    "completed_at",
    "links",
];

both_backends! {
    async fn de_daily_closing_is_a_signed_kassenabschluss(app) {
        let t = till(&app, "DE").await;
        let a = t.auth();
        let h = [("authorization", a.as_str())];
        let done = t.cash(&app, "in", 5000, true).await;
        let cancelled = t.cash(&app, "out", 700, false).await;
        app.send("POST", &format!("/v1/cash-movements/{cancelled}/cancel"), &h, None).await.expect(200, None);
        let before = t.operation(&app, &done).await;
        app.clock.advance_secs(60);

        let res = t.close(&app, "daily").await;
        let c = res.expect(201, None);
        let id = c["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("cls_"));
        assert_eq!(res.header("location").unwrap(), format!("/v1/closings/{id}"));
        assert_eq!(keys(&c), fields(CLOSING_FIELDS));
        assert_eq!(
            (c["object"].as_str(), c["type"].as_str(), c["trigger"].as_str(), c["state"].as_str()),
            (Some("closing"), Some("daily"), Some("manual"), Some("completed"))
        );
        assert_eq!((c["register_id"].as_str(), c["fiscal_unit_id"].as_str()), (Some(t.reg.as_str()), Some(t.fu.as_str())));
        assert_eq!(c["location_id"], t.w.location.as_str());
        assert_eq!(c["organization_id"], t.w.org.as_str());
        // From the unit's provisioning to now; business date in Berlin.
        assert_eq!(c["period"], json!({"from": "2026-02-26T10:00:00Z", "to": "2026-02-26T10:01:00Z"}));
        assert_eq!(c["business_date"], "2026-02-26");
        assert_eq!((c["created_at"].as_str(), c["completed_at"].as_str()), (Some("2026-02-26T10:01:00Z"), Some("2026-02-26T10:01:00Z")));
        assert_eq!((c["error"].clone(), c["metadata"].clone()), (Value::Null, json!({})));
        assert_eq!(c["links"], json!({"pdf": null}), "no link to a report that does not exist yet");
        let s = &c["summary"];
        assert_eq!((s["operation_count"].as_i64(), s["total_gross"].as_i64()), (Some(1), Some(0)));
        assert_eq!(s["by_operation_type"]["cash_movements"], json!({"count": 1, "cash_in_total": 5000, "cash_out_total": 0}));
        assert_eq!(s["by_operation_type"]["cancelled"], json!({"count": 1}));
        assert_eq!((s["total_by_payment_method"].clone(), s["tax_breakdown"].clone()), (json!({}), json!([])));

        // The TSE block: cash movements took transactions 1 and 2 (counters 3–6); the closing is 3.
        let f = &c["fiscal"];
        assert_eq!(keys(f), fields(&["regime", "z_number", "tse_serial", "transaction_number", "transaction_counter",
            "signature", "signed_at", "process_type", "process_data", "dsfinvk_export_id"]));
        assert_eq!((f["regime"].as_str(), f["z_number"].as_i64()), (Some("tse"), Some(1)));
        assert_eq!((f["transaction_number"].as_i64(), f["transaction_counter"].as_i64()), (Some(3), Some(8)));
        assert_eq!((f["process_type"].as_str(), f["process_data"].as_str()), (Some("SonstigerVorgang"), Some("Kassenabschluss Z_NR=1")));
        assert_eq!(f["signed_at"], "2026-02-26T10:01:00Z");
        assert_eq!(f["dsfinvk_export_id"], Value::Null);
        let unit = app.send("GET", &format!("/v1/fiscal-units/{}", t.fu), &h, None).await.expect(200, None);
        assert_eq!(f["tse_serial"], unit["fiscal_registration"]["tse_serial"]);

        // The signed logs are the closing's journal entries and verify with the unit's key.
        let journal = t.journal(&app).await;
        assert_eq!(journal.len(), 8);
        let (start, finish) = (&journal[6], &journal[7]);
        assert_eq!((start["kind"].as_str(), finish["kind"].as_str()), (Some("transaction_start"), Some("transaction_finish")));
        for e in [start, finish] {
            assert_eq!((e["closing_id"].as_str(), e["operation_id"].clone()), (Some(id.as_str()), Value::Null));
            let der = STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
            let (parts, _) = openfiskal_de_tse::verify_log_message(&der, &t.point).expect("verifies with the unit key");
            assert_eq!(parts.signature_counter, e["counter"].as_u64().unwrap());
        }
        assert_eq!(finish["counter"], f["transaction_counter"]);
        assert_eq!(finish["signature"], f["signature"]);
        let der = STANDARD.decode(finish["record"].as_str().unwrap()).unwrap();
        let contains = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
        assert!(contains(b"SonstigerVorgang") && contains(b"Kassenabschluss Z_NR=1"));

        // The covered operations carry the closing (one version up); reads agree.
        let after = t.operation(&app, &done).await;
        assert_eq!(after["closing_id"], id.as_str());
        assert_eq!(after["resource_version"].as_i64(), before["resource_version"].as_i64().map(|v| v + 1));
        assert_eq!(t.operation(&app, &cancelled).await["closing_id"], id.as_str());
        assert_eq!(app.send("GET", &format!("/v1/closings/{id}"), &h, None).await.expect(200, None), c);

        // The next daily closing starts where this one ended, covers nothing new, takes Z 2.
        app.clock.advance_secs(3600);
        let later = t.cash(&app, "in", 100, true).await;
        let c2 = t.close(&app, "daily").await.expect(201, None);
        assert_eq!(c2["period"]["from"], c["period"]["to"]);
        assert_eq!(c2["fiscal"]["z_number"], 2);
        assert_eq!(c2["summary"]["operation_count"], 1);
        assert_eq!(t.operation(&app, &later).await["closing_id"], c2["id"]);
        assert_eq!(t.operation(&app, &done).await["closing_id"], id.as_str(), "never moved to a later closing");
    }
}

both_backends! {
    async fn concurrent_daily_closings_take_gapless_z_numbers(app) {
        let t = till(&app, "DE").await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (app, a, reg) = (app.clone(), t.auth(), t.reg.clone());
            tasks.push(tokio::spawn(async move {
                let path = format!("/v1/registers/{reg}/closings");
                app.send("POST", &path, &[("authorization", &a)], Some(&json!({"type": "daily"}))).await.expect(201, None)
            }));
        }
        let mut z = Vec::new();
        let mut counters = Vec::new();
        for task in tasks {
            let c = task.await.unwrap();
            z.push(c["fiscal"]["z_number"].as_i64().unwrap());
            counters.push(c["fiscal"]["transaction_counter"].as_i64().unwrap());
        }
        z.sort_unstable();
        counters.sort_unstable();
        assert_eq!(z, (1..=6).collect::<Vec<_>>());
        assert_eq!(counters, (2..=7).map(|i| 2 * i).collect::<Vec<_>>(), "finish counters after the two initialisation logs");
        assert_eq!(app.count("closings").await, 6);
        assert_eq!(app.count("journal_entries").await, 14);
    }
}

both_backends! {
    async fn open_operations_block_daily_and_shift_not_monthly(app) {
        let t = till(&app, "DE").await;
        let open = t.cash(&app, "in", 100, false).await;
        for kind in ["daily", "shift"] {
            t.close(&app, kind).await.expect(409, Some("open_operations_exist"));
        }
        app.clock.set(openfiskal_testkit::T0.plus_secs(40 * 86_400));
        t.close(&app, "monthly").await.expect(201, None);
        assert_eq!(app.count("closings").await, 1);
        let a = t.auth();
        app.send("POST", &format!("/v1/cash-movements/{open}/complete"), &[("authorization", &a)], None)
            .await
            .expect(200, None);
        let c = t.close(&app, "daily").await.expect(201, None);
        assert_eq!(c["summary"]["operation_count"], 1);
    }
}

both_backends! {
    async fn a_device_failure_stores_nothing_and_the_unit_refuses_until_recovered(app) {
        let t = till(&app, "DE").await;
        let a = t.auth();
        let h = [("authorization", a.as_str())];
        let op = t.cash(&app, "in", 100, true).await;
        let journal = app.count("journal_entries").await;
        t.fault(&app, true).await;
        t.close(&app, "daily").await.expect(503, Some("fiscal_device_unavailable"));
        assert_eq!(app.count("closings").await, 0, "no closing stored");
        assert_eq!(app.count("journal_entries").await, journal, "nothing signed");
        assert_eq!(t.operation(&app, &op).await["closing_id"], Value::Null);
        assert_eq!(t.unit_state(&app).await, "error");
        // While the unit is in error: daily and shift are refused; DE monthly and annual are summaries.
        for kind in ["daily", "shift"] {
            t.close(&app, kind).await.expect(409, Some("fiscal_unit_not_active"));
        }
        let m = t.close(&app, "monthly").await.expect(201, None);
        assert_eq!(m["fiscal"], Value::Null);
        // Recovered: the daily closing takes Z 1 (the failed attempt used no number) and covers the operation.
        t.fault(&app, false).await;
        app.clock.advance_secs(600);
        app.send("POST", &format!("/v1/fiscal-units/{}/recover", t.fu), &h, None).await.expect(200, None);
        let c = t.close(&app, "daily").await.expect(201, None);
        assert_eq!(c["fiscal"]["z_number"], 1);
        assert_eq!(c["summary"]["operation_count"], 1);
        assert_eq!(t.operation(&app, &op).await["closing_id"], c["id"]);
    }
}

#[tokio::test]
async fn a_failed_operation_puts_the_unit_in_error_and_closings_wait() {
    let app = TestApp::sqlite().await;
    let t = till(&app, "DE").await;
    let op = t.cash(&app, "in", 100, false).await;
    t.fault(&app, true).await;
    let a = t.auth();
    let c = app
        .send("POST", &format!("/v1/cash-movements/{op}/complete"), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    assert_eq!(c["fiscal_state"], "failed");
    t.close(&app, "daily").await.expect(409, Some("fiscal_unit_not_active"));
    t.fault(&app, false).await;
    app.send("POST", &format!("/v1/fiscal-units/{}/recover", t.fu), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    // A completed + failed operation counts (it happened; its recording is retried later).
    let c = t.close(&app, "daily").await.expect(201, None);
    assert_eq!(c["summary"]["by_operation_type"]["cash_movements"]["count"], 1);
}

both_backends! {
    async fn monthly_and_annual_exist_once_per_period(app) {
        let t = till(&app, "DE").await;
        let february = t.cash(&app, "in", 1000, true).await;
        // 2026-03-10: the last completed month is February (Berlin), the last completed year 2025.
        app.clock.set(openfiskal_testkit::T0.plus_secs(12 * 86_400));
        let march = t.cash(&app, "in", 50, true).await;
        let res = t.close(&app, "monthly").await;
        let m = res.expect(201, None);
        assert_eq!(m["period"], json!({"from": "2026-01-31T23:00:00Z", "to": "2026-02-28T23:00:00Z"}));
        assert_eq!((m["business_date"].as_str(), m["fiscal"].clone()), (Some("2026-02-28"), Value::Null));
        assert_eq!(m["summary"]["by_operation_type"]["cash_movements"]["cash_in_total"], 1000, "March is not in February");
        assert_eq!(t.operation(&app, &february).await["closing_id"], Value::Null, "only daily closings set closing_id");
        let again = t.close(&app, "monthly").await;
        assert_eq!(again.expect(200, None), m, "a repeat returns the same closing");
        assert!(again.header("location").is_none());
        let y = t.close(&app, "annual").await.expect(201, None);
        assert_eq!(y["period"], json!({"from": "2024-12-31T23:00:00Z", "to": "2025-12-31T23:00:00Z"}));
        assert_eq!((y["business_date"].as_str(), y["summary"]["operation_count"].as_i64()), (Some("2025-12-31"), Some(0)));
        assert_eq!(t.close(&app, "annual").await.expect(200, None)["id"], y["id"]);
        assert_eq!(app.count("closings").await, 2);
        // Next month, a new monthly closing covers March.
        app.clock.set(openfiskal_testkit::T0.plus_secs(40 * 86_400));
        let april = t.close(&app, "monthly").await.expect(201, None);
        assert_eq!(april["period"]["from"], "2026-02-28T23:00:00Z");
        assert_eq!(april["summary"]["by_operation_type"]["cash_movements"]["cash_in_total"], 50);
        let _ = march;
    }
}

both_backends! {
    async fn shift_periods_chain_on_shift_and_daily_closings(app) {
        let t = till(&app, "DE").await;
        t.cash(&app, "in", 100, true).await;
        app.clock.advance_secs(60);
        let s1 = t.close(&app, "shift").await.expect(201, None);
        assert_eq!(s1["period"], json!({"from": "2026-02-26T10:00:00Z", "to": "2026-02-26T10:01:00Z"}));
        assert_eq!((s1["fiscal"].clone(), s1["summary"]["operation_count"].as_i64()), (Value::Null, Some(1)));
        app.clock.advance_secs(1);
        let op = t.cash(&app, "in", 200, true).await;
        app.clock.advance_secs(60);
        let s2 = t.close(&app, "shift").await.expect(201, None);
        assert_eq!(s2["period"]["from"], s1["period"]["to"]);
        assert_eq!(s2["summary"]["by_operation_type"]["cash_movements"]["cash_in_total"], 200);
        assert_eq!(t.operation(&app, &op).await["closing_id"], Value::Null, "a shift closing sets no closing_id");
        // The daily closing ignores shifts: it starts at provisioning and covers both movements.
        app.clock.advance_secs(60);
        let d = t.close(&app, "daily").await.expect(201, None);
        assert_eq!(d["period"]["from"], "2026-02-26T10:00:00Z");
        assert_eq!(d["summary"]["by_operation_type"]["cash_movements"]["cash_in_total"], 300);
        app.clock.advance_secs(60);
        let s3 = t.close(&app, "shift").await.expect(201, None);
        assert_eq!(s3["period"]["from"], d["period"]["to"]);
    }
}
