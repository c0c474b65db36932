//! Rules across the operation types (api.md §7.5, §7.6, §10): a daily closing over every type, the
//! outage path and the automatic retry, the open-operations limit, the independent Python QR
//! checker over every type, and what a wrong JSON type answers. The types themselves:
//! operation_types.rs, whose helpers these tests share.

use crate::operation_types::{Ctx, cashier, line, pay};
use crate::*;
use openfiskal_testkit::both_backends;

both_backends! {
    async fn a_daily_closing_sums_the_types_and_ends_voids(app) {
        let c = Ctx::new(app).await;
        let sale = c
            .one_shot(
                "sales",
                json!({"line_items": [line("A", "1", 1190, "0.19"), line("B", "1", 1070, "0.07")],
                       "payments": [pay("cash", "inbound", 2260)]}),
            )
            .await;
        let refund_line = json!([{"original_line_id": sale["data"]["line_items"][0]["id"], "quantity": "1"}]);
        c.one_shot(
            "refunds",
            json!({"original_operation_id": sale["id"], "line_items": refund_line, "payments": [pay("cash", "outbound", 1190)]}),
        )
        .await;
        c.one_shot("trainings", json!({"line_items": [line("T", "1", 500, "0.19")], "payments": [pay("card", "inbound", 500)]}))
            .await;
        c.one_shot("cash-movements", json!({"direction": "in", "amount": 10000, "reason": "float"})).await;
        let open = c.start("sales", json!({"cashier": cashier()})).await;
        let closings = format!("/v1/registers/{}/closings", c.reg);
        c.send("POST", &closings, Some(json!({"type": "daily"}))).await.expect(409, Some("open_operations_exist"));
        c.send("POST", &format!("/v1/sales/{}/cancel", open["id"].as_str().unwrap()), None).await.expect(200, None);
        let z = c.send("POST", &closings, Some(json!({"type": "daily"}))).await.expect(201, None);
        let s = &z["summary"];
        assert_eq!(s["operation_count"], 4);
        assert_eq!((&s["total_gross"], &s["total_net"], &s["total_tax"]), (&json!(1070), &json!(1000), &json!(70)));
        assert_eq!(s["by_operation_type"]["sales"], json!({"count": 1, "total_gross": 2260}));
        assert_eq!(s["by_operation_type"]["refunds"], json!({"count": 1, "total_gross": 1190}));
        assert_eq!(s["by_operation_type"]["trainings"]["count"], 1);
        assert_eq!(s["by_operation_type"]["cancelled"]["count"], 1);
        assert_eq!(s["by_operation_type"]["cash_movements"]["cash_in_total"], 10000);
        assert_eq!(s["total_by_payment_method"]["cash"], 1070);
        assert_eq!(z["fiscal"]["z_number"], 1);
        assert_eq!(z["fiscal"]["process_data"], "Kassenabschluss Z_NR=1");
        let covered = c.send("GET", &format!("/v1/sales/{}", sale["id"].as_str().unwrap()), None).await.expect(200, None);
        assert_eq!(covered["closing_id"], z["id"]);
        // After the daily closing a sale cannot be voided: a refund is the way.
        let v = json!({"cashier": cashier(), "original_operation_id": sale["id"]});
        let e = c.send("POST", &format!("/v1/registers/{}/voids", c.reg), Some(v)).await.expect(422, Some("original_operation_invalid"));
        assert!(e["message"].as_str().unwrap().contains("use a refund"), "{e}");
    }
}

both_backends! {
    async fn a_one_shot_sale_during_an_outage_completes_failed_and_is_fiscalized_later(app) {
        let c = Ctx::new(app).await;
        let faults = format!("/v1/sandbox/fiscal-units/{}/faults", c.fu);
        c.send("POST", &faults, Some(json!({"kind": "device_unreachable"}))).await.expect(201, None);
        let mut body = json!({"cashier": cashier(), "complete": true, "line_items": [line("A", "2", 500, "0.07")],
            "payments": [pay("cash", "inbound", 1000)]});
        let op = c.send("POST", &format!("/v1/registers/{}/sales", c.reg), Some(body.clone())).await.expect(201, None);
        assert_eq!((op["state"].as_str(), op["fiscal_state"].as_str()), (Some("completed"), Some("failed")));
        assert_eq!(op["fiscal"]["start_event"], Value::Null);
        assert_eq!(op["warnings"][0]["code"], "tse_failure");
        let id = op["id"].as_str().unwrap();
        let r = c.send("GET", &format!("/v1/operations/{id}/receipt"), None).await.expect(200, None);
        assert_eq!(r["notices"], json!(["TSE ausgefallen"]));
        // While the unit is in error, further sales are refused; a bad body still stores nothing.
        body["line_items"] = json!([]);
        c.send("POST", &format!("/v1/registers/{}/sales", c.reg), Some(body)).await.expect(422, Some("validation_error"));
        c.send("DELETE", &faults, None).await.expect(200, None);
        c.app.clock.advance_secs(120);
        c.send("POST", &format!("/v1/fiscal-units/{}/recover", c.fu), None).await.expect(200, None);
        let f = c.send("POST", &format!("/v1/sales/{id}/fiscalize"), None).await.expect(200, None);
        assert_eq!(f["fiscal_state"], "succeeded");
        assert_eq!(f["fiscal"]["start_event"]["signed_at"], "2026-02-26T10:02:00Z", "signed at the retry");
        c.check_signed(&f, "Beleg^0.00_10.00_0.00_0.00_0.00^10.00:Bar").await;
    }
}

both_backends! {
    async fn failed_operations_are_retried_oldest_first_once_the_unit_is_back(app) {
        let c = Ctx::new(app).await;
        let faults = format!("/v1/sandbox/fiscal-units/{}/faults", c.fu);
        let mut ids = Vec::new();
        for _ in 0..2 {
            let s = c.start("sales", json!({"cashier": cashier(), "line_items": [line("A", "1", 100, "0.19")]})).await;
            ids.push(s["id"].as_str().unwrap().to_owned());
        }
        c.send("POST", &faults, Some(json!({"kind": "device_unreachable"}))).await.expect(201, None);
        for id in &ids {
            let done = c
                .send("POST", &format!("/v1/sales/{id}/complete"), Some(json!({"payments": [pay("cash", "inbound", 100)]})))
                .await;
            // The first fails the TSE and puts the unit in error; the second is refused until recovery.
            if id == &ids[0] {
                assert_eq!(done.expect(200, None)["fiscal_state"], "failed");
            } else {
                done.expect(409, Some("fiscal_unit_not_active"));
            }
        }
        // Nothing is retried while the unit is in error.
        assert_eq!(openfiskal_api::routes::operations::retry_failed(&c.app.state, 10).await.unwrap(), 0);
        c.send("DELETE", &faults, None).await.expect(200, None);
        c.app.clock.advance_secs(30);
        c.send("POST", &format!("/v1/fiscal-units/{}/recover", c.fu), None).await.expect(200, None);
        assert_eq!(openfiskal_api::routes::operations::retry_failed(&c.app.state, 10).await.unwrap(), 1);
        let op = c.send("GET", &format!("/v1/sales/{}", ids[0]), None).await.expect(200, None);
        assert_eq!((op["fiscal_state"].as_str(), op["resource_version"].as_i64()), (Some("succeeded"), Some(3)));
        assert_eq!(op["fiscal"]["end_event"]["signed_at"], "2026-02-26T10:00:30Z", "signed at the retry");
        c.check_signed(&op, "Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar").await;
        assert_eq!(openfiskal_api::routes::operations::retry_failed(&c.app.state, 10).await.unwrap(), 0, "once");
    }
}

both_backends! {
    async fn a_unit_holds_at_most_2000_open_operations(app) {
        let c = Ctx::new(app).await;
        let reg = c.send("GET", &format!("/v1/registers/{}", c.reg), None).await.expect(200, None);
        let (org, loc) = (reg["organization_id"].as_str().unwrap(), reg["location_id"].as_str().unwrap());
        // 1,999 open operations stored directly (signing them through the API would only slow the test).
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1999) \
             INSERT INTO operations (id, organization_id, location_id, register_id, fiscal_unit_id, type, state, \
             fiscal_state, sequence_number, cashier, refs, data, fiscal, warnings, metadata, resource_version, \
             started_at, created_at, updated_at) \
             SELECT 'op_bulk' || i, '{org}', '{loc}', '{}', '{}', 'sale', 'open', 'pending', 100000 + i, '{{}}', \
             '{{}}', '{{}}', '{{}}', '[]', '{{}}', 1, 0, 0, 0 FROM n",
            c.reg, c.fu
        );
        c.app.store.execute_raw(&sql).await.unwrap();
        let body = json!({"cashier": cashier()});
        c.start("sales", body.clone()).await;
        let before = c.journal_len().await;
        let path = format!("/v1/registers/{}/sales", c.reg);
        c.send("POST", &path, Some(body)).await.expect(409, Some("too_many_open_operations"));
        assert_eq!(c.journal_len().await, before, "nothing signed");
    }
}

/// The QR of every operation type, and of a cash movement in each direction, judged by the
/// independent Python checker `tools/de/check_qr.py` in one run per TSE curve (brainpoolP384r1, the
/// default, and the P-256 option of de-tse.md §2.1).
#[tokio::test]
#[ignore = "needs OPENFISKAL_PYTHON (a python with tools/de/requirements.txt): cargo test -- --ignored tool_"]
async fn tool_python_checker_accepts_every_type() {
    let python = std::env::var("OPENFISKAL_PYTHON")
        .expect("set OPENFISKAL_PYTHON to a python with `pip install -r tools/de/requirements.txt`");
    for curve in openfiskal_de_tse::TseCurve::ALL {
        python_checker_accepts_every_type(&python, curve).await;
    }
}

async fn python_checker_accepts_every_type(python: &str, curve: openfiskal_de_tse::TseCurve) {
    let c = Ctx::new(TestApp::builder(TestBackend::Sqlite).config(|cfg| cfg.tse_curve = curve).build().await).await;
    let sale = |desc: &str, price: i64| {
        json!({"line_items": [line(desc, "1", price, "0.19"), line("Buch", "2", 750, "0.07")],
               "payments": [pay("cash", "inbound", price + 1500)]})
    };
    let mut ops = vec![c.one_shot("sales", sale("Hemd", 3000)).await];
    let refunded = ops[0]["id"].clone();
    ops.push(
        c.one_shot("refunds", json!({"original_operation_id": refunded, "payments": [pay("cash", "outbound", 4500)]}))
            .await,
    );
    let voided = c.one_shot("sales", sale("Hose", 5000)).await;
    ops.push(c.one_shot("voids", json!({"original_operation_id": voided["id"]})).await);
    ops.push(voided);
    let exchanged = c.one_shot("sales", sale("Jacke", 8000)).await;
    let returned = json!([{"original_line_id": exchanged["data"]["line_items"][0]["id"], "quantity": "1"}]);
    ops.push(
        c.one_shot(
            "exchanges",
            json!({"original_operation_id": exchanged["id"], "returned_line_items": returned,
                   "line_items": [line("Jacke L", "1", 9000, "0.19")], "payments": [pay("card", "inbound", 1000)]}),
        )
        .await,
    );
    ops.push(exchanged);
    let dep = c
        .one_shot(
            "deposits",
            json!({"line_items": [line("Anzahlung", "1", 10000, "0.19")], "payments": [pay("card", "inbound", 10000)]}),
        )
        .await;
    ops.push(
        c.one_shot(
            "deposit-captures",
            json!({"original_operation_id": dep["id"], "line_items": [line("Sofa", "1", 30000, "0.19")],
                   "payments": [pay("card", "inbound", 20000)]}),
        )
        .await,
    );
    ops.push(dep);
    ops.push(
        c.one_shot(
            "trainings",
            json!({"line_items": [line("Übung", "1", 500, "0.19")], "payments": [pay("cash", "inbound", 500)]}),
        )
        .await,
    );
    ops.push(c.one_shot("cash-movements", json!({"direction": "in", "amount": 10000, "reason": "float"})).await);
    ops.push(c.one_shot("cash-movements", json!({"direction": "out", "amount": 2500, "reason": "banking"})).await);
    let qrs: Vec<&str> = ops.iter().map(|o| o["fiscal"]["verification"]["qr_data"].as_str().unwrap()).collect();
    assert_eq!(qrs.len(), 11);
    let algorithm = format!(";{};", curve.algorithm().name());
    assert!(qrs.iter().all(|q| q.contains(&algorithm)), "every QR names {algorithm}");

    let checker = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/de/check_qr.py");
    let check = |input: String| {
        use std::io::Write as _;
        let mut child = std::process::Command::new(python)
            .arg(checker)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = check(qrs.iter().map(|q| format!("{q}\n")).collect());
    assert!(ok, "the Python checker rejects our QR codes:\n{out}");
    // The checker names the curve it verified on: it takes it from the key alone (65 or 97 bytes).
    let on_curve = |l: &&str| l.starts_with("OK ") && l.ends_with(&format!(", {}", curve.name()));
    assert_eq!(out.lines().filter(on_curve).count(), qrs.len(), "{out}");
    // Negative control: the same checker refuses one of them with a changed amount.
    let tampered = qrs[0].replacen("Beleg^", "Beleg^1", 1);
    let (ok, out) = check(format!("{tampered}\n"));
    assert!(!ok && out.starts_with("FAIL"), "{out}");
}

/// A wrong JSON type names the field and the format it wants (400, nothing stored).
#[tokio::test]
async fn a_wrong_type_names_the_field_and_the_wanted_format() {
    let c = Ctx::new(TestApp::sqlite().await).await;
    let path = format!("/v1/registers/{}/sales", c.reg);
    for (field, value, param, wants) in [
        ("quantity", json!(1), "line_items[0].quantity", r#"expected a decimal string like "1""#),
        (
            "unit_price_gross",
            json!(19.9),
            "line_items[0].unit_price_gross",
            "expected an integer amount in minor units (cents), like 1990",
        ),
    ] {
        let mut l = line("Hemd", "1", 1990, "0.19");
        l[field] = value;
        let e = c
            .send("POST", &path, Some(json!({"cashier": cashier(), "line_items": [l]})))
            .await
            .expect(400, Some("invalid_request"));
        assert_eq!(e["param"], param);
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("Invalid request body: `{param}`: invalid type:")) && msg.contains(wants),
            "{msg}"
        );
    }
    let mut l = line("Hemd", "1", 1990, "0.19");
    l["tax"]["rate"] = json!(0.19);
    let e = c
        .send("POST", &path, Some(json!({"cashier": cashier(), "line_items": [l]})))
        .await
        .expect(400, Some("invalid_request"));
    assert!(e["message"].as_str().unwrap().contains(r#"expected a decimal string like "0.19""#), "{e}");
    let ops = c.send("GET", &format!("/v1/registers/{}/operations", c.reg), None).await.expect(200, None);
    assert_eq!(ops["data"], json!([]), "nothing stored");
}
