//! Operations (api.md §7) through the German TSE, on cash movements: the lifecycle, the outage path,
//! client ids, If-Match and gapless counters under concurrency (every type: operation_types.rs).

use base64::Engine;

use crate::*;
use openfiskal_testkit::both_backends;

pub(crate) fn cash(direction: &str, amount: i64) -> Value {
    json!({"cashier": {"id": "c1", "display_name": "Maria R."}, "direction": direction, "amount": amount, "reason": "float"})
}

/// A DE organization with one register and its provisioned unit (qr_tools.rs uses it too).
pub(crate) struct De {
    pub(crate) w: World,
    pub(crate) reg: String,
    pub(crate) fu: String,
    pub(crate) point: Vec<u8>,
}

pub(crate) async fn de(app: &TestApp) -> De {
    let w = World::in_country(app, "DE").await;
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let p = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let fu = p["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let point = base64::engine::general_purpose::STANDARD
        .decode(p["fiscal_unit"]["fiscal_registration"]["public_key"].as_str().unwrap())
        .unwrap();
    De { w, reg, fu, point }
}

#[tokio::test]
async fn cash_movement_start_complete_with_a_verifiable_receipt() {
    let app = TestApp::sqlite().await;
    let d = de(&app).await;
    let h = [("authorization", bearer(&d.w.org_key))];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.send("POST", &format!("/v1/registers/{}/cash-movements", d.reg), &h, Some(&cash("in", 5000))).await;
    let op = res.expect(201, None);
    let id = op["id"].as_str().unwrap().to_owned();
    assert_eq!(res.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(res.header("location").unwrap(), format!("/v1/cash-movements/{id}"));
    assert_eq!(
        (op["state"].as_str(), op["fiscal_state"].as_str(), op["type"].as_str()),
        (Some("open"), Some("succeeded"), Some("cash_movement"))
    );
    assert_eq!(op["sequence_number"], 1);
    assert_eq!(
        op["data"],
        json!({"direction": "in", "amount": 5000, "currency": "EUR", "reason": "float", "description": null})
    );
    let f = &op["fiscal"];
    assert_eq!(f["transaction_number"], 1);
    assert_eq!(f["start_event"]["transaction_counter"], 3, "after the two initialisation logs");
    assert_eq!(
        (f["start_event"]["process_type"].as_str(), f["start_event"]["process_data"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(f["end_event"], Value::Null);

    app.clock.advance_secs(30);
    let c = app.send("POST", &format!("/v1/cash-movements/{id}/complete"), &h, None).await.expect(200, None);
    assert_eq!(
        (c["state"].as_str(), c["fiscal_state"].as_str(), c["resource_version"].as_i64()),
        (Some("completed"), Some("succeeded"), Some(2))
    );
    let f = &c["fiscal"];
    assert_eq!(f["end_event"]["transaction_counter"], 4);
    assert_eq!(f["end_event"]["process_type"], "Kassenbeleg-V1");
    assert_eq!(f["end_event"]["process_data"], "Beleg^0.00_0.00_0.00_0.00_50.00^50.00:Bar");
    assert_eq!(f["end_event"]["signed_at"], "2026-02-26T10:00:30Z");
    assert_eq!(
        (f["document_number"].as_str(), f["document_type"].as_str()),
        (Some("2026-000001"), Some("Kassenbeleg"))
    );
    assert_eq!(f["transmission_status"], "transmitted");
    let qr = f["verification"]["qr_data"].as_str().unwrap();
    assert!(qr.starts_with("V0;Kasse 1;Kassenbeleg-V1;Beleg^0.00_0.00_0.00_0.00_50.00^50.00:Bar;1;4;2026-02-26T10:00:00.000Z;2026-02-26T10:00:30.000Z;ecdsa-plain-SHA384;unixTime;"));
    openfiskal_de_tse::verify_qr(qr).expect("our own verifier accepts the QR");

    // The journal holds every signed log, gapless, each verifying with the unit's key.
    let j = app.send("GET", &format!("/v1/fiscal-units/{}/journal", d.fu), &h, None).await.expect(200, None);
    let entries = j["data"].as_array().unwrap();
    let kinds: Vec<(i64, &str)> =
        entries.iter().map(|e| (e["counter"].as_i64().unwrap(), e["kind"].as_str().unwrap())).collect();
    assert_eq!(kinds, [(1, "system_log"), (2, "system_log"), (3, "transaction_start"), (4, "transaction_finish")]);
    for e in entries {
        let der = base64::engine::general_purpose::STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
        openfiskal_de_tse::verify_log_message(&der, &d.point).unwrap();
    }
    assert_eq!(entries[3]["operation_id"], id.as_str());

    // One-shot; an outbound movement carries a negative amount.
    let mut one = cash("out", 2000);
    one["complete"] = json!(true);
    let o =
        app.send("POST", &format!("/v1/registers/{}/cash-movements", d.reg), &h, Some(&one)).await.expect(201, None);
    assert_eq!(o["state"], "completed");
    assert_eq!(o["fiscal"]["end_event"]["process_data"], "Beleg^0.00_0.00_0.00_0.00_-20.00^-20.00:Bar");
    assert_eq!(
        (
            o["fiscal"]["transaction_number"].as_i64(),
            o["fiscal"]["start_event"]["transaction_counter"].as_i64(),
            o["fiscal"]["end_event"]["transaction_counter"].as_i64()
        ),
        (Some(2), Some(5), Some(6))
    );
    assert_eq!(o["fiscal"]["document_number"], "2026-000002");

    // Reads: by type path, by the generic path, in the list.
    let got = app.send("GET", &format!("/v1/cash-movements/{id}"), &h, None).await;
    assert_eq!(got.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(got.json(), c);
    assert_eq!(app.send("GET", &format!("/v1/operations/{id}"), &h, None).await.expect(200, None), c);
    let list = app.send("GET", &format!("/v1/registers/{}/cash-movements", d.reg), &h, None).await.expect(200, None);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    // One-way states.
    app.send("POST", &format!("/v1/cash-movements/{id}/complete"), &h, None)
        .await
        .expect(409, Some("operation_not_open"));
    app.send("POST", &format!("/v1/cash-movements/{id}/cancel"), &h, None)
        .await
        .expect(409, Some("invalid_state_transition"));
}

#[tokio::test]
async fn cancel_finishes_the_transaction_as_avbelegabbruch() {
    let app = TestApp::sqlite().await;
    let d = de(&app).await;
    let a = bearer(&d.w.org_key);
    let op = app
        .send(
            "POST",
            &format!("/v1/registers/{}/cash-movements", d.reg),
            &[("authorization", &a)],
            Some(&cash("in", 100)),
        )
        .await
        .expect(201, None);
    let id = op["id"].as_str().unwrap();
    app.send("POST", &format!("/v1/cash-movements/{id}/cancel"), &[("authorization", &a), ("if-match", "\"7\"")], None)
        .await
        .expect(412, Some("precondition_failed"));
    app.send("POST", &format!("/v1/cash-movements/{id}/cancel"), &[("authorization", &a), ("if-match", "seven")], None)
        .await
        .expect(400, Some("invalid_request"));
    let c = app
        .send(
            "POST",
            &format!("/v1/cash-movements/{id}/cancel"),
            &[("authorization", &a), ("if-match", "\"1\"")],
            Some(&json!({"reason": "mistake"})),
        )
        .await
        .expect(200, None);
    assert_eq!(
        (c["state"].as_str(), c["fiscal_state"].as_str(), c["cancellation_reason"].as_str()),
        (Some("cancelled"), Some("succeeded"), Some("mistake"))
    );
    assert_eq!(c["fiscal"]["end_event"]["process_data"], "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^");
    assert_eq!(
        (c["fiscal"]["document_number"].clone(), c["fiscal"]["verification"]["qr_data"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn client_ids_and_bad_input() {
    let app = TestApp::sqlite().await;
    let d = de(&app).await;
    let a = bearer(&d.w.org_key);
    let path = format!("/v1/registers/{}/cash-movements", d.reg);
    let mut body = cash("in", 100);
    body["id"] = json!("6f1c2b9e-8a4d-4c1e-9b7a-2d3e4f5a6b7c");
    let first = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(201, None);
    let again = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(200, None);
    assert_eq!(again, first, "a repeated start with the same client id returns the operation");
    let by_uuid = app
        .send("GET", "/v1/cash-movements/6f1c2b9e-8a4d-4c1e-9b7a-2d3e4f5a6b7c", &[("authorization", &a)], None)
        .await
        .expect(200, None);
    assert_eq!(by_uuid["client_operation_id"], "6f1c2b9e-8a4d-4c1e-9b7a-2d3e4f5a6b7c");
    body["amount"] = json!(200);
    app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(409, Some("operation_id_conflict"));
    let before = (app.count("operations").await, app.count("journal_entries").await);
    for (b, status, param) in [
        (json!({"direction": "in", "amount": 1, "reason": "float"}), 400, "cashier"),
        (json!({"cashier": {"id": "c"}, "direction": "sideways", "amount": 1, "reason": "float"}), 400, "direction"),
        (json!({"cashier": {"id": "c"}, "direction": "in", "amount": 0, "reason": "float"}), 400, "amount"),
        (
            json!({"cashier": {"id": "c"}, "direction": "in", "amount": 1, "reason": "float", "currency": "USD"}),
            422,
            "currency",
        ),
        (
            json!({"cashier": {"id": "c"}, "direction": "in", "amount": 1, "reason": "float", "occurred_at": "2030-01-01T00:00:00Z"}),
            422,
            "occurred_at",
        ),
        (
            json!({"cashier": {"id": "c"}, "direction": "in", "amount": 1, "reason": "float", "id": "not-a-uuid"}),
            400,
            "id",
        ),
    ] {
        let j = app.send("POST", &path, &[("authorization", &a)], Some(&b)).await.expect(status, None);
        assert_eq!(j["param"], param, "{b}");
    }
    assert_eq!(
        before,
        (app.count("operations").await, app.count("journal_entries").await),
        "no counter step, no signature"
    );
    // Another type's path does not show it.
    let id = first["id"].as_str().unwrap();
    app.send("GET", &format!("/v1/sales/{id}"), &[("authorization", &a)], None).await.expect(404, Some("not_found"));
}

#[tokio::test]
async fn a_failing_tse_never_blocks_the_till() {
    let app = TestApp::sqlite().await;
    let d = de(&app).await;
    let a = bearer(&d.w.org_key);
    let h = [("authorization", a.as_str())];
    let path = format!("/v1/registers/{}/cash-movements", d.reg);
    let first =
        app.send("POST", &path, &h, Some(&cash("in", 100))).await.expect(201, None)["id"].as_str().unwrap().to_owned();
    let second =
        app.send("POST", &path, &h, Some(&cash("in", 200))).await.expect(201, None)["id"].as_str().unwrap().to_owned();
    let faults = format!("/v1/sandbox/fiscal-units/{}/faults", d.fu);
    app.send("POST", &faults, &h, Some(&json!({"kind": "device_unreachable"}))).await.expect(201, None);
    // Complete: answered at once, completed + failed, the unit goes to error.
    let c = app.send("POST", &format!("/v1/cash-movements/{first}/complete"), &h, None).await.expect(200, None);
    assert_eq!((c["state"].as_str(), c["fiscal_state"].as_str()), (Some("completed"), Some("failed")));
    assert_eq!(c["fiscal"]["tse_failure"]["reason"], "TSE device unreachable");
    assert_eq!(c["warnings"][0]["code"], "tse_failure");
    let unit = app.send("GET", &format!("/v1/fiscal-units/{}", d.fu), &h, None).await.expect(200, None);
    assert_eq!((unit["state"].as_str(), unit["reason_code"].as_str()), (Some("error"), Some("tse_unreachable")));
    // Fiscal events are refused until the unit recovers; the open operation stays open.
    app.send("POST", &path, &h, Some(&cash("in", 1))).await.expect(409, Some("fiscal_unit_not_active"));
    app.send("POST", &format!("/v1/cash-movements/{second}/cancel"), &h, None)
        .await
        .expect(409, Some("fiscal_unit_not_active"));
    app.send("POST", &format!("/v1/fiscal-units/{}/recover", d.fu), &h, None)
        .await
        .expect(503, Some("fiscal_device_unavailable"));
    app.send("POST", &format!("/v1/cash-movements/{first}/fiscalize"), &h, None)
        .await
        .expect(409, Some("fiscal_unit_not_active"));
    // An operation already recorded (open, its start signed) answers 200 unchanged, whatever the unit's
    // state (api.md §7.5): no signature, no new version.
    let open = app.send("GET", &format!("/v1/cash-movements/{second}"), &h, None).await;
    let same = app.send("POST", &format!("/v1/cash-movements/{second}/fiscalize"), &h, None).await;
    assert_eq!((same.expect(200, None), same.header("etag")), (open.json(), open.header("etag")));
    app.send("DELETE", &faults, &h, None).await.expect(200, None);
    app.clock.advance_secs(600);
    app.send("POST", &format!("/v1/fiscal-units/{}/recover", d.fu), &h, None).await.expect(200, None);
    // After recovery, fiscalize signs it now (never back-dated) and keeps the failure on record.
    let f = app.send("POST", &format!("/v1/cash-movements/{first}/fiscalize"), &h, None).await.expect(200, None);
    assert_eq!(f["fiscal_state"], "succeeded");
    assert_eq!(f["fiscal"]["end_event"]["signed_at"], "2026-02-26T10:10:00Z");
    assert_eq!(f["fiscal"]["tse_failure"]["reason"], "TSE device unreachable");
    openfiskal_de_tse::verify_qr(f["fiscal"]["verification"]["qr_data"].as_str().unwrap()).unwrap();
    let again = app.send("POST", &format!("/v1/cash-movements/{first}/fiscalize"), &h, None).await.expect(200, None);
    assert_eq!(again, f, "succeeded: unchanged");
    // A cancel whose AVBelegabbruch cannot be signed: 503, the operation stays open, the unit in error.
    app.send("POST", &faults, &h, Some(&json!({"kind": "device_unreachable"}))).await.expect(201, None);
    app.send("POST", &format!("/v1/cash-movements/{second}/cancel"), &h, None)
        .await
        .expect(503, Some("fiscal_device_unavailable"));
    assert_eq!(app.send("GET", &format!("/v1/cash-movements/{second}"), &h, None).await.json()["state"], "open");
    assert_eq!(app.send("GET", &format!("/v1/fiscal-units/{}", d.fu), &h, None).await.json()["state"], "error");
}

both_backends! {
    async fn concurrent_starts_take_gapless_counters(app) {
        let d = de(&app).await;
        let a = bearer(&d.w.org_key);
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (app, a, reg) = (app.clone(), a.clone(), d.reg.clone());
            tasks.push(tokio::spawn(async move {
                let path = format!("/v1/registers/{reg}/cash-movements");
                app.send("POST", &path, &[("authorization", &a)], Some(&cash("in", 100))).await.expect(201, None)
            }));
        }
        let mut numbers = Vec::new();
        let mut counters = Vec::new();
        let mut sequences = Vec::new();
        for t in tasks {
            let op = t.await.unwrap();
            numbers.push(op["fiscal"]["transaction_number"].as_i64().unwrap());
            counters.push(op["fiscal"]["start_event"]["transaction_counter"].as_i64().unwrap());
            sequences.push(op["sequence_number"].as_i64().unwrap());
        }
        numbers.sort_unstable();
        counters.sort_unstable();
        sequences.sort_unstable();
        assert_eq!(numbers, (1..=12).collect::<Vec<_>>());
        assert_eq!(counters, (3..=14).collect::<Vec<_>>());
        assert_eq!(sequences, (1..=12).collect::<Vec<_>>());
        assert_eq!(app.count("journal_entries").await, 14);
    }
}

both_backends! {
    /// Units in `error` are probed and recover by themselves once the device answers (api.md §6.5);
    /// then the automatic retry signs what failed (§7.5).
    async fn the_probe_recovers_units_in_error_and_the_retry_signs_what_failed(app) {
        let d = de(&app).await;
        let a = bearer(&d.w.org_key);
        let h = [("authorization", a.as_str())];
        let path = format!("/v1/registers/{}/cash-movements", d.reg);
        let faults = format!("/v1/sandbox/fiscal-units/{}/faults", d.fu);
        let unit_state = || async {
            let u = app.send("GET", &format!("/v1/fiscal-units/{}", d.fu), &h, None).await.expect(200, None);
            (u["state"].as_str().unwrap().to_owned(), u["reason_code"].clone())
        };
        let mut one = cash("in", 700);
        one["complete"] = json!(true);
        app.send("POST", &faults, &h, Some(&json!({"kind": "device_unreachable"}))).await.expect(201, None);
        let failed = app.send("POST", &path, &h, Some(&one)).await.expect(201, None);
        assert_eq!(failed["fiscal_state"], "failed");
        assert_eq!(unit_state().await.0, "error");
        // Still unreachable: the probe leaves the unit in error and changes nothing.
        let journal = app.count("journal_entries").await;
        assert_eq!(app.state.fiscal.probe_units_in_error(100).await.unwrap(), 0);
        assert_eq!(unit_state().await, ("error".to_owned(), json!("tse_unreachable")));
        // The device answers again: the next probe recovers it, with no POS action.
        app.send("DELETE", &faults, &h, None).await.expect(200, None);
        app.clock.advance_secs(30);
        assert_eq!(app.state.fiscal.probe_units_in_error(100).await.unwrap(), 1);
        assert_eq!(unit_state().await, ("active".to_owned(), Value::Null));
        assert_eq!(app.count("journal_entries").await, journal, "a health check signs nothing");
        assert_eq!(app.state.fiscal.probe_units_in_error(100).await.unwrap(), 0);
        // The retry then signs the failed operation.
        assert_eq!(openfiskal_api::routes::operations::retry_failed(&app.state, 100).await.unwrap(), 1);
        let id = failed["id"].as_str().unwrap();
        let op = app.send("GET", &format!("/v1/cash-movements/{id}"), &h, None).await.expect(200, None);
        assert_eq!(op["fiscal_state"], "succeeded");
        openfiskal_de_tse::verify_qr(op["fiscal"]["verification"]["qr_data"].as_str().unwrap()).unwrap();
    }
}
