//! Closing summaries, the AT and IT placeholders, request checks and lists (api.md §10); the DE
//! Kassenabschluss, periods and failure paths: closings.rs, whose helpers these tests share.

use openfiskal_core::operation::SaleKind;

use crate::closings::{computed, line, list, pay, till, voided};
use crate::*;
use openfiskal_testkit::both_backends;

both_backends! {
    async fn the_summary_nets_sales_refunds_voids_and_deposits(app) {
        let t = till(&app, "DE").await;
        let sale = computed(
            SaleKind::Sale,
            json!([line("2", 1800, "0.19"), line("3", 450, "0.07")]),
            json!([pay("cash", "inbound", 5000), pay("cash", "outbound", 50)]),
        );
        let small = computed(SaleKind::Sale, json!([line("1", 450, "0.07")]), json!([pay("cash", "inbound", 450)]));
        let deposit = computed(SaleKind::Deposit, json!([line("1", 1000, "0.19")]), json!([pay("card", "inbound", 1000)]));
        let training = computed(SaleKind::Training, json!([line("1", 500, "0.19")]), json!([pay("cash", "inbound", 500)]));
        let refund = json!({"currency": "EUR", "line_items": [], "customer": null, "full_refund": true,
            "totals": {"subtotal_gross": 450, "total_line_discounts": 0, "subtotal_after_line_discounts": 450,
                "total_cart_discounts": 0, "subtotal_after_all_discounts": 450, "rounding_adjustment": 0,
                "total_gross": 450, "total_net": small["totals"]["total_net"], "total_tax": small["totals"]["total_tax"],
                "tax_breakdown": small["totals"]["tax_breakdown"], "deposit_applied": 0, "net_payable": -450},
            "payments": [{"position": 1, "method": "cash", "direction": "outbound", "amount": 450, "currency": "EUR",
                          "reference": null, "cash": null}]});
        let sale_id = t.insert(&app, "sale", sale.clone(), None).await;
        let small_id = t.insert(&app, "sale", small.clone(), None).await;
        let ids = [
            t.insert(&app, "deposit", deposit, None).await,
            t.insert(&app, "training", training, None).await,
            t.insert(&app, "void", voided(&sale), Some(&sale_id)).await,
            t.insert(&app, "refund", refund, Some(&small_id)).await,
            sale_id,
            small_id,
        ];
        t.cash(&app, "out", 300, true).await;
        app.clock.advance_secs(1);
        let c = t.close(&app, "daily").await.expect(201, None);
        let s = &c["summary"];
        // Lines: 3600 at 19 % (net 3025, tax 575), 1350 at 7 % (1262, 88); 450 at 7 % (421, 29); deposit 1000 at 19 % (840, 160).
        assert_eq!(sale["totals"]["tax_breakdown"][0]["net"], 3025);
        assert_eq!(small["totals"]["tax_breakdown"][0]["net"], 421);
        assert_eq!(
            *s,
            json!({
                "operation_count": 7, "total_gross": 1000, "total_net": 840, "total_tax": 160,
                "total_by_payment_method": {"cash": 0, "card": 1000},
                "by_operation_type": {
                    "sales": {"count": 2, "total_gross": 5400}, "refunds": {"count": 1, "total_gross": 450},
                    "exchanges": {"count": 0, "net_payable": 0}, "voids": {"count": 1, "total_gross": 4950},
                    "deposits": {"count": 1, "total_gross": 1000},
                    "deposit_captures": {"count": 0, "total_gross": 0, "deposit_applied": 0},
                    "cash_movements": {"count": 1, "cash_in_total": 0, "cash_out_total": 300},
                    "trainings": {"count": 1, "total_gross": 500}, "cancelled": {"count": 0}},
                "tax_breakdown": [
                    {"rate": "0.19", "category": "standard", "natura": null, "taxable_amount": 840, "tax_amount": 160},
                    {"rate": "0.07", "category": "reduced", "natura": null, "taxable_amount": 0, "tax_amount": 0}]
            })
        );
        for id in ids {
            assert_eq!(t.operation(&app, &id).await["closing_id"], c["id"], "{id}");
        }
    }
}

#[tokio::test]
async fn at_and_it_closings_are_summaries_for_now() {
    let app = TestApp::sqlite().await;
    for country in ["AT", "IT"] {
        let t = till(&app, country).await;
        app.clock.advance_secs(60);
        let d = t.close(&app, "daily").await.expect(201, None);
        assert_eq!((d["fiscal"].clone(), d["state"].as_str()), (Value::Null, Some("completed")), "{country}");
        assert_eq!(d["summary"]["operation_count"], 0);
        let m = t.close(&app, "monthly").await.expect(201, None);
        assert_eq!(m["fiscal"], Value::Null);
    }
    // AT periods use Europe/Vienna: 2026-02-26 10:00 UTC is 11:00 there.
    let t = till(&app, "AT").await;
    assert_eq!(t.close(&app, "shift").await.expect(201, None)["business_date"], "2026-02-26");
}

both_backends! {
    async fn requests_are_checked_and_scoped(app) {
        let t = till(&app, "DE").await;
        let a = t.auth();
        let path = format!("/v1/registers/{}/closings", t.reg);
        for (body, param) in [
            (json!({"type": "weekly"}), "type"),
            (json!({}), "type"),
            (json!({"type": "daily", "period": "x"}), "period"),
            (json!({"type": 1}), "type"),
        ] {
            let e = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(400, Some("invalid_request"));
            assert_eq!(e["param"], param, "{body}");
        }
        let mut big = serde_json::Map::new();
        for i in 0..60 {
            big.insert(format!("k{i}"), json!("v"));
        }
        let e = app.send("POST", &path, &[("authorization", &a)], Some(&json!({"type": "shift", "metadata": big}))).await;
        assert!(e.status.is_client_error());
        assert_eq!(app.count("closings").await, 0);

        // Metadata is kept; Idempotency-Key replays.
        let h = [("authorization", a.as_str()), ("idempotency-key", "close-1")];
        let body = json!({"type": "shift", "metadata": {"till": "front"}});
        let first = app.send("POST", &path, &h, Some(&body)).await.expect(201, None);
        assert_eq!(first["metadata"], json!({"till": "front"}));
        let replay = app.send("POST", &path, &h, Some(&body)).await;
        assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(replay.expect(201, None), first);
        assert_eq!(app.count("closings").await, 1);

        // Another tenant, another register's key: 404. The register's own key may close it.
        let other_org = app.create_org(&t.w.platform, "Fremd GmbH").await;
        let other = bearer(&app.org_key(&t.w.platform, &other_org).await);
        let id = first["id"].as_str().unwrap();
        app.send("POST", &path, &[("authorization", &other)], Some(&json!({"type": "shift"}))).await.expect(404, Some("not_found"));
        app.send("GET", &path, &[("authorization", &other)], None).await.expect(404, Some("not_found"));
        app.send("GET", &format!("/v1/closings/{id}"), &[("authorization", &other)], None).await.expect(404, Some("not_found"));
        let reg2 = app.create_register(&t.w.org_key, &t.w.location, "DE", "Kasse 2").await;
        let p = app.provision(&t.w.org_key, &reg2, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
        let key2 = bearer(p["register_api_key"].as_str().unwrap());
        app.send("POST", &path, &[("authorization", &key2)], Some(&json!({"type": "shift"}))).await.expect(404, Some("not_found"));
        app.send("GET", &path, &[("authorization", &key2)], None).await.expect(404, Some("not_found"));
        app.send("GET", &format!("/v1/closings/{id}"), &[("authorization", &key2)], None).await.expect(404, Some("not_found"));
        let own = app
            .send("POST", &format!("/v1/registers/{reg2}/closings"), &[("authorization", &key2)], Some(&json!({"type": "daily"})))
            .await
            .expect(201, None);
        app.send("GET", &format!("/v1/closings/{}", own["id"].as_str().unwrap()), &[("authorization", &key2)], None)
            .await
            .expect(200, None);
        app.send("GET", "/v1/closings/cls_01JN3Q8W6ZK4T5V7X9Y2B3C4D5", &[("authorization", &a)], None).await.expect(404, Some("not_found"));
        app.send("POST", "/v1/registers/reg_01JN3Q8W6ZK4T5V7X9Y2B3C4D5/closings", &[("authorization", &a)], Some(&json!({"type": "daily"})))
            .await
            .expect(404, Some("not_found"));

        // No unit, archived register.
        let bare = app.create_register(&t.w.org_key, &t.w.location, "DE", "Kasse 3").await;
        let bare_path = format!("/v1/registers/{bare}/closings");
        for kind in ["daily", "monthly"] {
            app.send("POST", &bare_path, &[("authorization", &a)], Some(&json!({"type": kind}))).await.expect(409, Some("no_active_fiscal_unit"));
        }
        app.send("POST", &format!("/v1/registers/{bare}/deactivate"), &[("authorization", &a)], None).await.expect(200, None);
        app.send("POST", &bare_path, &[("authorization", &a)], Some(&json!({"type": "daily"}))).await.expect(409, Some("register_archived"));
    }
}

both_backends! {
    async fn lists_filter_and_page(app) {
        let t = till(&app, "DE").await;
        let a = t.auth();
        let mut ids = Vec::new();
        for kind in ["daily", "shift", "daily", "shift", "shift"] {
            app.clock.advance_secs(1);
            ids.push(t.close(&app, kind).await.expect(201, None)["id"].as_str().unwrap().to_owned());
        }
        app.clock.set(openfiskal_testkit::T0.plus_secs(40 * 86_400));
        ids.push(t.close(&app, "monthly").await.expect(201, None)["id"].as_str().unwrap().to_owned());
        let all = list(&app, &a, &t.reg, "").await.expect(200, None);
        let got: Vec<&str> = all["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        let mut newest_first: Vec<&str> = ids.iter().map(String::as_str).collect();
        newest_first.reverse();
        assert_eq!(got, newest_first);
        assert_eq!((all["object"].as_str(), all["has_more"].as_bool()), (Some("list"), Some(false)));
        let shifts = list(&app, &a, &t.reg, "?type=shift").await.expect(200, None);
        assert_eq!(shifts["data"].as_array().unwrap().len(), 3);
        assert!(shifts["data"].as_array().unwrap().iter().all(|c| c["type"] == "shift"));
        assert_eq!(list(&app, &a, &t.reg, "?type=daily&state=completed").await.expect(200, None)["data"].as_array().unwrap().len(), 2);
        assert_eq!(list(&app, &a, &t.reg, "?state=failed").await.expect(200, None)["data"], json!([]));
        assert_eq!(list(&app, &a, &t.reg, "?type=weekly").await.expect(400, Some("invalid_request"))["param"], "type");
        assert_eq!(list(&app, &a, &t.reg, "?state=done").await.expect(400, Some("invalid_request"))["param"], "state");
        assert_eq!(list(&app, &a, &t.reg, "?colour=red").await.expect(400, Some("invalid_request"))["param"], "colour");
        // Pages of two, each closing once; the cursor is bound to the filter.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("?limit=2&cursor={c}"),
                None => "?limit=2".to_owned(),
            };
            let page = app.send("GET", &format!("/v1/registers/{}/closings{q}", t.reg), &[("authorization", &a)], None).await.expect(200, None);
            seen.extend(page["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => {
                    let c = c.to_owned();
                    app.send("GET", &format!("/v1/registers/{}/closings?type=shift&limit=2&cursor={c}", t.reg), &[("authorization", &a)], None)
                        .await
                        .expect(400, Some("invalid_request"));
                    cursor = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(seen, newest_first);
    }
}
