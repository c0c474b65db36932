//! The eight operation types (api.md §7.1, §7.4) through the German TSE: the data model of §8
//! stored as computed, the processData each type signs (de-tse.md §6.4), originals and their
//! eligibility, PATCH, the payment rule, and that a refused request stores and signs nothing.

use crate::operations::de;
use crate::*;
use openfiskal_testkit::both_backends;

pub(crate) fn line(description: &str, quantity: &str, price: i64, rate: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price_gross": price, "tax": {"rate": rate}})
}

pub(crate) fn pay(method: &str, direction: &str, amount: i64) -> Value {
    json!({"method": method, "direction": direction, "amount": amount})
}

pub(crate) fn cashier() -> Value {
    json!({"id": "cashier_01", "display_name": "Maria R."})
}

/// The §7.2 example's lines: a T-shirt with 10 % off and socks, with a 3.40 cart coupon.
pub(crate) fn example_lines() -> Value {
    let mut shirt = line("T-Shirt", "2", 1800, "0.19");
    shirt["product_ref"] = json!("4006381333931");
    shirt["line_discounts"] = json!([{"type": "percentage", "rate": "0.10", "label": "Happy Hour"}]);
    json!([shirt, line("Socken", "3", 450, "0.19")])
}

pub(crate) fn example_cart() -> Value {
    json!([{"type": "fixed", "amount": 340, "label": "SAVE coupon", "source": "promotion", "code": "SAVE"}])
}

pub(crate) struct Ctx {
    pub(crate) app: TestApp,
    pub(crate) key: String,
    pub(crate) reg: String,
    pub(crate) fu: String,
    pub(crate) point: Vec<u8>,
}

impl Ctx {
    pub(crate) async fn new(app: TestApp) -> Self {
        let d = de(&app).await;
        Self { key: bearer(&d.w.org_key), reg: d.reg, fu: d.fu, point: d.point, app }
    }

    pub(crate) async fn send(&self, method: &str, path: &str, body: Option<Value>) -> openfiskal_testkit::TestResponse {
        self.app.send(method, path, &[("authorization", &self.key)], body.as_ref()).await
    }

    pub(crate) async fn start(&self, segment: &str, body: Value) -> Value {
        self.send("POST", &format!("/v1/registers/{}/{segment}", self.reg), Some(body)).await.expect(201, None)
    }

    pub(crate) async fn one_shot(&self, segment: &str, mut body: Value) -> Value {
        body["complete"] = json!(true);
        body["cashier"] = cashier();
        let op = self.start(segment, body).await;
        assert_eq!((op["state"].as_str(), op["fiscal_state"].as_str()), (Some("completed"), Some("succeeded")));
        op
    }

    pub(crate) async fn journal_len(&self) -> usize {
        let j = self.send("GET", &format!("/v1/fiscal-units/{}/journal?limit=200", self.fu), None).await;
        j.expect(200, None)["data"].as_array().unwrap().len()
    }

    /// The completed operation's QR verifies with our verifier, and every journal log verifies with
    /// the unit's key (the independent Python checker: `tool_python_checker_accepts_every_type`).
    pub(crate) async fn check_signed(&self, op: &Value, process_data: &str) {
        let f = &op["fiscal"];
        assert_eq!(f["end_event"]["process_data"], process_data);
        let qr = f["verification"]["qr_data"].as_str().unwrap();
        assert!(qr.contains(&format!(";Kassenbeleg-V1;{process_data};")), "{qr}");
        openfiskal_de_tse::verify_qr(qr).expect("our verifier accepts the QR");
        let j = self.send("GET", &format!("/v1/fiscal-units/{}/journal?limit=200", self.fu), None).await;
        for e in j.expect(200, None)["data"].as_array().unwrap() {
            let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, e["record"].as_str().unwrap())
                .unwrap();
            openfiskal_de_tse::verify_log_message(&der, &self.point).unwrap();
        }
    }
}

both_backends! {
    async fn sale_start_patch_complete_reproduces_the_example(app) {
    let c = Ctx::new(app).await;
    let started = c
        .start(
            "sales",
            json!({"cashier": cashier(), "external_id": "order-42", "line_items": example_lines(),
                   "metadata": {"table": "12"}}),
        )
        .await;
    assert_eq!((started["state"].as_str(), started["fiscal_state"].as_str()), (Some("open"), Some("succeeded")));
    assert_eq!(started["data"]["totals"]["total_gross"], 4590);
    assert_eq!(started["data"]["payments"], json!([]));
    let id = started["id"].as_str().unwrap().to_owned();
    let shirt_id = started["data"]["line_items"][0]["id"].clone();

    // PATCH: the cart discount; not a fiscal event (no log), line ids stay, metadata merges.
    let before = c.journal_len().await;
    let patched = c
        .send("PATCH", &format!("/v1/sales/{id}"), Some(json!({"cart_discounts": example_cart(), "metadata": {"k": 1}})))
        .await
        .expect(200, None);
    assert_eq!(c.journal_len().await, before, "PATCH signs nothing");
    assert_eq!(patched["data"]["line_items"][0]["id"], shirt_id, "unchanged lines keep their ids");
    assert_eq!(patched["metadata"], json!({"table": "12", "k": 1}));
    assert_eq!(patched["resource_version"], 2);
    let data = &patched["data"];
    let shirt = &data["line_items"][0];
    assert_eq!(
        (&shirt["subtotal_gross"], &shirt["line_discount_amount"], &shirt["cart_discount_amount"], &shirt["total_gross"]),
        (&json!(3600), &json!(360), &json!(240), &json!(3000))
    );
    assert_eq!((&shirt["total_net"], &shirt["total_tax"]), (&json!(2521), &json!(479)));
    assert_eq!(data["line_items"][1]["cart_discount_allocations"][0]["amount"], 100);
    let t = &data["totals"];
    assert_eq!(
        t["tax_breakdown"],
        json!([{"rate": "0.19", "category": "standard", "natura": null, "net": 3571, "tax": 679, "gross": 4250}])
    );
    assert_eq!((&t["total_gross"], &t["net_payable"]), (&json!(4250), &json!(4250)));

    // The payment rule: 50.00 in and 5.00 out do not settle 42.50 → 422, nothing changes.
    let wrong = json!({"payments": [pay("cash", "inbound", 5000), pay("cash", "outbound", 500)]});
    let e = c.send("POST", &format!("/v1/sales/{id}/complete"), Some(wrong)).await.expect(422, Some("payment_total_mismatch"));
    assert_eq!(e["param"], "payments");
    let still = c.send("GET", &format!("/v1/sales/{id}"), None).await.expect(200, None);
    assert_eq!((still["state"].as_str(), still["resource_version"].as_i64()), (Some("open"), Some(2)));
    assert_eq!(c.journal_len().await, before, "a refused completion signs nothing");

    c.app.clock.advance_secs(60);
    let right = json!({"payments": [pay("cash", "inbound", 5000), pay("cash", "outbound", 750)]});
    let done = c.send("POST", &format!("/v1/sales/{id}/complete"), Some(right)).await.expect(200, None);
    assert_eq!((done["state"].as_str(), done["fiscal_state"].as_str()), (Some("completed"), Some("succeeded")));
    assert_eq!(done["data"]["line_items"][0]["id"], shirt_id);
    assert_eq!(done["data"]["payments"][1]["position"], 2);
    assert_eq!(done["fiscal"]["training"], false);
    c.check_signed(&done, "Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar").await;
    // No more changes once completed.
    c.send("PATCH", &format!("/v1/sales/{id}"), Some(json!({"metadata": {"x": 1}})))
        .await
        .expect(409, Some("operation_not_open"));
}
}

both_backends! {
    async fn bad_sales_store_and_sign_nothing(app) {
    let c = Ctx::new(app).await;
    let before = (c.journal_len().await, c.app.count("operations").await);
    let path = format!("/v1/registers/{}/sales", c.reg);
    let bad_rate = json!({"cashier": cashier(), "line_items": [line("A", "1", 100, "0.16")]});
    let e = c.send("POST", &path, Some(bad_rate)).await.expect(422, Some("tax_rate_not_allowed"));
    assert_eq!(e["param"], "line_items[0].tax.rate");
    let one_shot_unpaid = json!({"cashier": cashier(), "complete": true, "line_items": [line("A", "1", 100, "0.19")]});
    c.send("POST", &path, Some(one_shot_unpaid)).await.expect(422, Some("payment_total_mismatch"));
    let no_lines = json!({"cashier": cashier(), "complete": true, "line_items": []});
    c.send("POST", &path, Some(no_lines)).await.expect(422, Some("validation_error"));
    let payments_without_complete =
        json!({"cashier": cashier(), "line_items": [line("A", "1", 100, "0.19")], "payments": [pay("cash", "inbound", 100)]});
    let e = c.send("POST", &path, Some(payments_without_complete)).await.expect(400, Some("invalid_request"));
    assert_eq!(e["param"], "payments");
    let bad_quantity = json!({"cashier": cashier(), "line_items": [line("A", "1.0001", 100, "0.19")]});
    let e = c.send("POST", &path, Some(bad_quantity)).await.expect(400, Some("invalid_request"));
    assert_eq!(e["param"], "line_items[0].quantity");
    let cash_field = json!({"cashier": cashier(), "direction": "in"});
    c.send("POST", &path, Some(cash_field)).await.expect(400, Some("invalid_request"));
    let rounding = json!({"cashier": cashier(), "complete": true, "line_items": [line("A", "1", 101, "0.19")],
        "rounding_adjustment": -1, "payments": [pay("cash", "inbound", 100)]});
    let e = c.send("POST", &path, Some(rounding)).await.expect(422, Some("validation_error"));
    assert_eq!(e["fiscal_errors"][0]["code"], "rounding_not_allowed");
    assert_eq!((c.journal_len().await, c.app.count("operations").await), before);
}
}

both_backends! {
    async fn refunds_take_the_original_amounts_and_never_more(app) {
    let c = Ctx::new(app).await;
    // 3 pieces at 3.33 and a book; the 0.10 cart discount splits 4 / 6 (largest remainder): 995 for the mugs.
    let sale = c
        .one_shot(
            "sales",
            json!({"line_items": [line("Tasse", "3", 333, "0.19"), line("Buch", "1", 1500, "0.07")],
                   "cart_discounts": [{"type": "fixed", "amount": 10, "label": "Rabatt"}],
                   "payments": [pay("card", "inbound", 2489)]}),
        )
        .await;
    let sale_id = sale["id"].as_str().unwrap();
    let mug = sale["data"]["line_items"][0].clone();
    assert_eq!(mug["total_gross"], 995);
    let mug_id = mug["id"].as_str().unwrap();
    let refund_one = json!({"cashier": cashier(), "original_operation_id": sale_id, "reason": "defekt",
        "line_items": [{"original_line_id": mug_id, "quantity": "1"}]});
    let r = c.start("refunds", refund_one.clone()).await;
    assert_eq!(r["references"]["original_operation_id"], sale_id);
    assert_eq!(r["references"]["reason"], "defekt");
    let l = &r["data"]["line_items"][0];
    assert_eq!((&l["total_gross"], &l["description"], &l["original_line_id"]), (&json!(332), &json!("Tasse"), &json!(mug_id)));
    assert_eq!(r["data"]["totals"]["net_payable"], -332);
    let rid = r["id"].as_str().unwrap();
    // A refund pays out: inbound money does not settle it.
    c.send("POST", &format!("/v1/refunds/{rid}/complete"), Some(json!({"payments": [pay("cash", "inbound", 332)]})))
        .await
        .expect(422, Some("payment_total_mismatch"));
    let done = c
        .send("POST", &format!("/v1/refunds/{rid}/complete"), Some(json!({"payments": [pay("cash", "outbound", 332)]})))
        .await
        .expect(200, None);
    c.check_signed(&done, "Beleg^-3.32_0.00_0.00_0.00_0.00^-3.32:Bar").await;
    assert_eq!(done["data"]["full_refund"], false);

    // Three more pieces than are left → refund_quantity_exceeded, nothing stored.
    let too_many = json!({"cashier": cashier(), "original_operation_id": sale_id,
        "line_items": [{"original_line_id": mug_id, "quantity": "3"}]});
    let e = c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(too_many)).await.expect(422, None);
    assert_eq!(e["fiscal_errors"][0]["code"], "refund_quantity_exceeded");
    // A refund line carries only the reference (400 otherwise).
    let extra = json!({"cashier": cashier(), "original_operation_id": sale_id,
        "line_items": [{"original_line_id": mug_id, "quantity": "1", "unit_price_gross": 1}]});
    c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(extra)).await.expect(400, Some("invalid_request"));

    // The full refund takes what is left: the exact remainder of the mugs (663) and the book.
    let full = c
        .one_shot(
            "refunds",
            json!({"original_operation_id": sale_id, "payments": [pay("card", "outbound", 663 + 1494)]}),
        )
        .await;
    assert_eq!(full["data"]["full_refund"], true);
    let lines: Vec<i64> = full["data"]["line_items"].as_array().unwrap().iter().map(|l| l["total_gross"].as_i64().unwrap()).collect();
    assert_eq!(lines, [663, 1494]);
    c.check_signed(&full, "Beleg^-6.63_-14.94_0.00_0.00_0.00^-21.57:Unbar").await;
    // Nothing left now.
    let again = json!({"original_operation_id": sale_id, "complete": true, "cashier": cashier(), "payments": []});
    let e = c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(again)).await.expect(422, None);
    assert_eq!(e["fiscal_errors"][0]["code"], "refund_quantity_exceeded");
    // Without an original (DE) → 422; an unknown original → original_operation_invalid.
    let none = json!({"cashier": cashier(), "line_items": [line("A", "1", 100, "0.19")]});
    c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(none)).await.expect(422, Some("validation_error"));
    let unknown = json!({"cashier": cashier(), "original_operation_id": "op_01JN3Q8W6ZK4T5V7X9Y2B3C4D5"});
    c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(unknown))
        .await
        .expect(422, Some("original_operation_invalid"));
    let it_only = json!({"cashier": cashier(), "original_operation_id": sale_id, "original_unknown": true});
    c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(it_only)).await.expect(400, Some("invalid_request"));
}
}

both_backends! {
    async fn voids_negate_the_original_once(app) {
    let c = Ctx::new(app).await;
    let sale = c
        .one_shot(
            "sales",
            json!({"line_items": [line("A", "1", 1190, "0.19"), line("B", "2", 535, "0.07")],
                   "payments": [pay("cash", "inbound", 2000), pay("card", "inbound", 260)]}),
        )
        .await;
    let sale_id = sale["id"].as_str().unwrap();
    let path = format!("/v1/registers/{}/voids", c.reg);
    let with_lines = json!({"cashier": cashier(), "original_operation_id": sale_id, "line_items": []});
    let e = c.send("POST", &path, Some(with_lines)).await.expect(400, Some("invalid_request"));
    assert_eq!(e["param"], "line_items");
    let v = c.one_shot("voids", json!({"original_operation_id": sale_id, "reason": "Fehlbuchung"})).await;
    assert_eq!(v["data"]["totals"]["net_payable"], -2260);
    assert_eq!(v["data"]["line_items"], sale["data"]["line_items"]);
    let dirs: Vec<&str> = v["data"]["payments"].as_array().unwrap().iter().map(|p| p["direction"].as_str().unwrap()).collect();
    assert_eq!(dirs, ["outbound", "outbound"]);
    c.check_signed(&v, "Beleg^-11.90_-10.70_0.00_0.00_0.00^-20.00:Bar_-2.60:Unbar").await;
    // Once voided: no second void, no refund.
    c.send("POST", &path, Some(json!({"cashier": cashier(), "original_operation_id": sale_id})))
        .await
        .expect(422, Some("original_operation_invalid"));
    let refund = json!({"cashier": cashier(), "original_operation_id": sale_id});
    c.send("POST", &format!("/v1/registers/{}/refunds", c.reg), Some(refund))
        .await
        .expect(422, Some("original_operation_invalid"));
    // An open operation cannot be voided; a cash movement can.
    let open = c.start("sales", json!({"cashier": cashier()})).await;
    c.send("POST", &path, Some(json!({"cashier": cashier(), "original_operation_id": open["id"]})))
        .await
        .expect(422, Some("original_operation_invalid"));
    let cm = c.one_shot("cash-movements", json!({"direction": "out", "amount": 2500, "reason": "banking"})).await;
    let vc = c.one_shot("voids", json!({"original_operation_id": cm["id"]})).await;
    c.check_signed(&vc, "Beleg^0.00_0.00_0.00_0.00_25.00^25.00:Bar").await;
    // The movement's block as it was: a block without payments gains no `"payments": null`.
    assert_eq!(vc["data"], cm["data"], "a cash movement's void copies its block");
}
}

both_backends! {
    async fn exchanges_report_new_minus_returned_per_rate(app) {
    let c = Ctx::new(app).await;
    let sale = c
        .one_shot("sales", json!({"line_items": [line("Hemd M", "1", 3000, "0.19")], "payments": [pay("cash", "inbound", 3000)]}))
        .await;
    let returned = json!([{"original_line_id": sale["data"]["line_items"][0]["id"], "quantity": "1"}]);
    let x = c
        .start(
            "exchanges",
            json!({"cashier": cashier(), "original_operation_id": sale["id"], "returned_line_items": returned,
                   "line_items": [line("Hemd L", "1", 3500, "0.19"), line("Buch", "1", 1000, "0.07")]}),
        )
        .await;
    assert_eq!(x["data"]["returned_totals"]["total_gross"], 3000);
    assert_eq!(x["data"]["totals"]["net_payable"], 1500);
    let id = x["id"].as_str().unwrap();
    let done = c
        .send("POST", &format!("/v1/exchanges/{id}/complete"), Some(json!({"payments": [pay("card", "inbound", 1500)]})))
        .await
        .expect(200, None);
    c.check_signed(&done, "Beleg^5.00_10.00_0.00_0.00_0.00^15.00:Unbar").await;
    // No cash rounding in DE, on an exchange either.
    let rounded = json!({"cashier": cashier(), "complete": true, "returned_line_items": [line("A", "1", 100, "0.19")],
        "line_items": [line("B", "1", 101, "0.19")], "rounding_adjustment": -1, "payments": []});
    let e = c.send("POST", &format!("/v1/registers/{}/exchanges", c.reg), Some(rounded)).await.expect(422, None);
    assert_eq!(e["fiscal_errors"][0]["code"], "rounding_not_allowed");
    // An exchange needs a returned line.
    let none = json!({"cashier": cashier(), "complete": true, "line_items": [line("A", "1", 100, "0.19")],
        "payments": [pay("cash", "inbound", 100)]});
    let e = c.send("POST", &format!("/v1/registers/{}/exchanges", c.reg), Some(none)).await.expect(422, None);
    assert_eq!(e["param"], "returned_line_items");
}
}

both_backends! {
    async fn deposits_are_captured_once_net_of_the_prepayment(app) {
    let c = Ctx::new(app).await;
    let dep = c
        .one_shot("deposits", json!({"line_items": [line("Anzahlung Sofa", "1", 20000, "0.19")], "payments": [pay("card", "inbound", 20000)]}))
        .await;
    c.check_signed(&dep, "Beleg^200.00_0.00_0.00_0.00_0.00^200.00:Unbar").await;
    let path = format!("/v1/registers/{}/deposit-captures", c.reg);
    // The goods at 7 % cannot absorb a deposit taxed at 19 %.
    let mismatch = json!({"cashier": cashier(), "complete": true, "original_operation_id": dep["id"],
        "line_items": [line("Sofa", "1", 90000, "0.07")], "payments": [pay("card", "inbound", 70000)]});
    let e = c.send("POST", &path, Some(mismatch)).await.expect(422, Some("validation_error"));
    assert_eq!(e["fiscal_errors"][0]["code"], "deposit_rate_mismatch");
    let cap = c
        .one_shot(
            "deposit-captures",
            json!({"original_operation_id": dep["id"], "line_items": [line("Sofa", "1", 90000, "0.19")],
                   "payments": [pay("card", "inbound", 70000)]}),
        )
        .await;
    let d = &cap["data"];
    assert_eq!((&d["totals"]["deposit_applied"], &d["totals"]["net_payable"]), (&json!(20000), &json!(70000)));
    assert_eq!(d["deposit_application"]["deposit_operation_id"], dep["id"]);
    assert_eq!(d["deposit_application"]["amount"], 20000);
    c.check_signed(&cap, "Beleg^700.00_0.00_0.00_0.00_0.00^700.00:Unbar").await;
    // Captured once only; a sale is no deposit.
    let again = json!({"cashier": cashier(), "original_operation_id": dep["id"]});
    c.send("POST", &path, Some(again)).await.expect(422, Some("original_operation_invalid"));
}
}

both_backends! {
    async fn trainings_sign_av_training_and_types_keep_their_paths(app) {
    let c = Ctx::new(app).await;
    let t = c
        .one_shot("trainings", json!({"line_items": [line("Übung", "1", 500, "0.19")], "payments": [pay("cash", "inbound", 500)]}))
        .await;
    assert_eq!((t["training"].as_bool(), t["fiscal"]["training"].as_bool()), (Some(true), Some(true)));
    c.check_signed(&t, "AVTraining^5.00_0.00_0.00_0.00_0.00^5.00:Bar").await;
    let id = t["id"].as_str().unwrap();
    c.send("GET", &format!("/v1/trainings/{id}"), None).await.expect(200, None);
    c.send("GET", &format!("/v1/sales/{id}"), None).await.expect(404, Some("not_found"));
    c.send("POST", &format!("/v1/sales/{id}/cancel"), None).await.expect(404, Some("not_found"));
    c.send("GET", &format!("/v1/operations/{id}"), None).await.expect(200, None);

    // Lists: per type, all types with filters.
    let open = c.start("sales", json!({"cashier": cashier(), "external_id": "order-7"})).await;
    let all = c.send("GET", &format!("/v1/registers/{}/operations", c.reg), None).await.expect(200, None);
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    let q = format!("/v1/registers/{}/operations?type=sale&state=open&external_id=order-7", c.reg);
    let found = c.send("GET", &q, None).await.expect(200, None);
    assert_eq!(found["data"][0]["id"], open["id"]);
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    let trainings = c.send("GET", &format!("/v1/registers/{}/trainings?fiscal_state=succeeded", c.reg), None).await;
    assert_eq!(trainings.expect(200, None)["data"].as_array().unwrap().len(), 1);
    c.send("GET", &format!("/v1/registers/{}/sales?state=done", c.reg), None).await.expect(400, Some("invalid_request"));
    c.send("GET", &format!("/v1/registers/{}/operations?type=gift", c.reg), None)
        .await
        .expect(400, Some("invalid_request"));
    c.send("GET", &format!("/v1/registers/{}/sales?type=sale", c.reg), None).await.expect(400, Some("invalid_request"));
    // Cancel of an open sale: AVBelegabbruch, no document number.
    let oid = open["id"].as_str().unwrap();
    let x = c.send("POST", &format!("/v1/sales/{oid}/cancel"), None).await.expect(200, None);
    assert_eq!(x["fiscal"]["end_event"]["process_data"], "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^");
    assert_eq!(x["fiscal"]["document_number"], Value::Null);
}
}

both_backends! {
    async fn receipts_are_snapshots_of_the_completion(app) {
        let c = Ctx::new(app).await;
        let open = c.start("sales", json!({"cashier": cashier(), "line_items": example_lines()})).await;
        let oid = open["id"].as_str().unwrap();
        c.send("GET", &format!("/v1/operations/{oid}/receipt"), None).await.expect(409, Some("operation_not_completed"));
        c.app.clock.advance_secs(90);
        let body = json!({"cart_discounts": example_cart(),
            "payments": [pay("cash", "inbound", 5000), pay("cash", "outbound", 750)]});
        let done = c.send("POST", &format!("/v1/sales/{oid}/complete"), Some(body)).await.expect(200, None);
        let r = c.send("GET", &format!("/v1/operations/{oid}/receipt"), None).await.expect(200, None);
        assert_eq!((r["object"].as_str(), r["version"].as_str()), (Some("receipt"), Some("1.0")));
        assert_eq!(r["id"].as_str().unwrap(), oid.replacen("op_", "rcpt_", 1));
        assert_eq!(r["fiscal"], done["fiscal"]);
        assert_eq!((&r["line_items"], &r["totals"], &r["payments"]), (&done["data"]["line_items"], &done["data"]["totals"], &done["data"]["payments"]));
        assert_eq!(r["operation"]["completed_at"], "2026-02-26T10:01:30Z");
        assert_eq!(r["operation"]["completed_at_local"], "2026-02-26T11:01:30", "Europe/Berlin wall time");
        assert_eq!(r["issuer"]["register_label"], "Kasse 1");
        assert_eq!(r["notices"], json!([]));
        // A later organization change does not alter the receipt.
        let org = r["issuer"]["organization_id"].as_str().unwrap().to_owned();
        c.send("PATCH", &format!("/v1/organizations/{org}"), Some(json!({"trade_name": "Neu"}))).await.expect(200, None);
        let again = c.send("GET", &format!("/v1/operations/{oid}/receipt"), None).await.expect(200, None);
        assert_eq!(again, r);

        // A completion while the TSE is down: the receipt says so.
        let faults = format!("/v1/sandbox/fiscal-units/{}/faults", c.fu);
        let t = c.start("trainings", json!({"cashier": cashier(), "line_items": [line("A", "1", 100, "0.19")]})).await;
        c.send("POST", &faults, Some(json!({"kind": "device_unreachable"}))).await.expect(201, None);
        let tid = t["id"].as_str().unwrap();
        let failed = c
            .send("POST", &format!("/v1/trainings/{tid}/complete"), Some(json!({"payments": [pay("cash", "inbound", 100)]})))
            .await
            .expect(200, None);
        assert_eq!(failed["fiscal_state"], "failed");
        let fr = c.send("GET", &format!("/v1/operations/{tid}/receipt"), None).await.expect(200, None);
        assert_eq!(fr["notices"], json!(["Trainingsbuchung", "TSE ausgefallen"]));
        assert_eq!(fr["fiscal"]["verification"]["qr_data"], Value::Null);
    }
}
