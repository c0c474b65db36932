//! Every transition of the register and fiscal-unit state machines (api.md §17), allowed and
//! refused, on both backends.

use crate::*;
use openfiskal_testkit::both_backends;

async fn set_unit_state(app: &TestApp, unit: &str, state: &str, reason: Option<&str>) {
    let reason = reason.map_or("NULL".to_owned(), |r| format!("'{r}'"));
    app.store
        .execute_raw(&format!("UPDATE fiscal_units SET state = '{state}', reason = {reason} WHERE id = '{unit}'"))
        .await
        .unwrap();
}

both_backends! {
    async fn fiscal_unit_state_machine(app) {
        let w = World::in_country(&app, "DE").await;
        let a = bearer(&w.org_key);
        let h = [("authorization", a.as_str())];
        let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
        let fu = app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"]["id"].as_str().unwrap().to_owned();
        let recover = format!("/v1/fiscal-units/{fu}/recover");
        let faults = format!("/v1/sandbox/fiscal-units/{fu}/faults");
        let reg_path = format!("/v1/registers/{reg}");

        // active → recover: unchanged.
        assert_eq!(app.send("POST", &recover, &h, None).await.expect(200, None)["state"], "active");

        // active → error (what a failed signature does), then the register hides the unit.
        set_unit_state(&app, &fu, "error", Some("TSE unreachable")).await;
        let r = app.send("GET", &reg_path, &h, None).await.expect(200, None);
        assert_eq!((r["active_fiscal_unit"].clone(), r["current_fiscal_unit_id"].as_str(), r["fiscal_state"].as_str()), (Value::Null, Some(fu.as_str()), Some("error")));

        // error + unreachable device → 503, stays error; a slow device beyond the budget too.
        let f = app.send("POST", &faults, &h, Some(&json!({"kind": "device_unreachable"}))).await.expect(201, None);
        assert_eq!(keys(&f), fields(&["object", "fiscal_unit_id", "kind", "delay_ms", "http_status", "mode", "code", "created_at", "expires_at"]));
        let e = app.send("POST", &recover, &h, None).await.expect(503, Some("fiscal_device_unavailable"));
        // The device's code travels in fiscal_errors, as on the unit (api.md §3.3).
        assert_eq!((e["fiscal_errors"][0]["code"].as_str(), e["fiscal_errors"][0]["jurisdiction"].as_str()), (Some("tse_unreachable"), Some("DE")));
        let unit = app.send("GET", &format!("/v1/fiscal-units/{fu}"), &h, None).await.expect(200, None);
        assert_eq!((unit["state"].as_str(), unit["reason"].as_str()), (Some("error"), Some("TSE unreachable")));
        app.send("DELETE", &faults, &h, None).await.expect(200, None);
        app.send("POST", &faults, &h, Some(&json!({"kind": "slow_device", "delay_ms": 30000}))).await.expect(201, None);
        let e = app.send("POST", &recover, &h, None).await.expect(503, Some("fiscal_device_unavailable"));
        assert_eq!(e["fiscal_errors"][0]["code"], "tse_timeout");
        // A fault that expired no longer counts.
        app.send("POST", &faults, &h, Some(&json!({"kind": "slow_device", "delay_ms": 30000, "duration_seconds": 60}))).await.expect(201, None);
        app.clock.advance_secs(61);
        assert_eq!(app.send("GET", &faults, &h, None).await.expect(200, None)["data"], json!([]));

        // error + healthy → active, reason cleared.
        let u = app.send("POST", &recover, &h, None).await.expect(200, None);
        assert_eq!((u["state"].as_str(), u["reason"].clone()), (Some("active"), Value::Null));

        // provisioning cannot be recovered or decommissioned.
        set_unit_state(&app, &fu, "provisioning", None).await;
        app.send("POST", &recover, &h, None).await.expect(409, Some("invalid_state_transition"));
        app.send("POST", &format!("/v1/fiscal-units/{fu}/decommission"), &h, None).await.expect(409, Some("invalid_state_transition"));
        set_unit_state(&app, &fu, "active", None).await;

        // Open operations block decommission, replace and deactivate.
        let cash = json!({"cashier": {"id": "c1"}, "direction": "in", "amount": 5000, "reason": "float"});
        let op = app.send("POST", &format!("{reg_path}/cash-movements"), &h, Some(&cash)).await.expect(201, None);
        let op_id = op["id"].as_str().unwrap().to_owned();
        let status = app.send("GET", &format!("{reg_path}/status"), &h, None).await.expect(200, None);
        assert_eq!(status["open_operations"], json!([{"id": op_id, "type": "cash_movement", "started_at": op["started_at"]}]));
        app.send("POST", &format!("/v1/fiscal-units/{fu}/decommission"), &h, None).await.expect(409, Some("open_operations_exist"));
        app.send("POST", &format!("{reg_path}/fiscal-units/replace"), &h, None).await.expect(409, Some("open_operations_exist"));
        app.send("POST", &format!("{reg_path}/deactivate"), &h, None).await.expect(409, Some("open_operations_exist"));
        assert_eq!(app.send("GET", &format!("/v1/fiscal-units/{fu}"), &h, None).await.json()["state"], "active", "nothing changed");
        app.send("POST", &format!("/v1/cash-movements/{op_id}/complete"), &h, None).await.expect(200, None);

        // active → decommissioned; the register stays active and has no unit.
        let d = app.send("POST", &format!("/v1/fiscal-units/{fu}/decommission"), &h, Some(&json!({"reason": "Location closing"}))).await.expect(200, None);
        assert_eq!((d["state"].as_str(), d["reason"].as_str()), (Some("decommissioned"), Some("Location closing")));
        let r = app.send("GET", &reg_path, &h, None).await.expect(200, None);
        assert_eq!((r["state"].as_str(), r["fiscal_state"].as_str(), r["current_fiscal_unit_id"].clone()), (Some("active"), Some("inactive"), Value::Null));
        app.send("POST", &format!("/v1/fiscal-units/{fu}/decommission"), &h, None).await.expect(409, Some("fiscal_unit_decommissioned"));
        app.send("POST", &recover, &h, None).await.expect(409, Some("fiscal_unit_decommissioned"));
        app.send("POST", &format!("{reg_path}/fiscal-units/replace"), &h, None).await.expect(409, Some("no_active_fiscal_unit"));

        // The register can be provisioned again; an error unit can be replaced.
        let fu2 = app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"]["id"].as_str().unwrap().to_owned();
        set_unit_state(&app, &fu2, "error", Some("TSE unreachable")).await;
        let rep = app.send("POST", &format!("{reg_path}/fiscal-units/replace"), &h, None).await.expect(200, None);
        assert_eq!(rep["old_binding"]["state"], "decommissioned");
        assert!(rep["old_binding"]["reason"].as_str().unwrap().contains("TSE unreachable"), "the failure stays on record");
        assert_eq!(app.count("fiscal_units").await, 3);
    }
}

both_backends! {
    async fn archived_registers_refuse_every_write(app) {
        let w = World::in_country(&app, "DE").await;
        let a = bearer(&w.org_key);
        let h = [("authorization", a.as_str())];
        let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
        let p = app.provision(&w.org_key, &reg, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
        let fu = p["fiscal_unit"]["id"].as_str().unwrap().to_owned();
        let reg_key = p["register_api_key"].as_str().unwrap().to_owned();
        app.clock.advance_secs(5);
        let reg_path = format!("/v1/registers/{reg}");
        let r = app.send("POST", &format!("{reg_path}/deactivate"), &h, Some(&json!({"reason": "Hardware replaced"}))).await.expect(200, None);
        assert_eq!((r["state"].as_str(), r["fiscal_state"].as_str(), r["archived_at"].as_str()), (Some("archived"), Some("inactive"), Some("2026-02-26T10:00:05Z")));
        assert_eq!(r["active_fiscal_unit"], Value::Null);
        let u = app.send("GET", &format!("/v1/fiscal-units/{fu}"), &h, None).await.expect(200, None);
        assert_eq!((u["state"].as_str(), u["reason"].as_str()), (Some("decommissioned"), Some("Hardware replaced")));
        app.send("GET", &reg_path, &[("authorization", &bearer(&reg_key))], None).await.expect(401, Some("unauthorized"));
        let before = (app.count("fiscal_units").await, app.count("api_keys").await);
        let hb = json!({"timestamp": "2026-02-26T10:00:00Z", "sequence": 1, "status": "operational"});
        for (m, path, body) in [
            ("PATCH", reg_path.clone(), Some(json!({"label": "x"}))),
            ("POST", format!("{reg_path}/heartbeat"), Some(hb)),
            ("POST", format!("{reg_path}/fiscal-units"), None),
            ("POST", format!("{reg_path}/fiscal-units/replace"), None),
            ("POST", format!("{reg_path}/activate"), None),
            ("POST", format!("{reg_path}/credentials/rotate"), None),
            ("POST", format!("{reg_path}/deactivate"), None),
        ] {
            app.send(m, &path, &h, body.as_ref()).await.expect(409, Some("register_archived"));
        }
        assert_eq!(before, (app.count("fiscal_units").await, app.count("api_keys").await));
        app.send("GET", &reg_path, &h, None).await.expect(200, None);
        let list = app.send("GET", &format!("/v1/locations/{}/registers?state=archived", w.location), &h, None).await.expect(200, None);
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        let active = app.send("GET", &format!("/v1/locations/{}/registers?state=active", w.location), &h, None).await.expect(200, None);
        assert_eq!(active["data"], json!([]));
    }
}

#[tokio::test]
async fn sandbox_faults_are_404_in_production() {
    let app = TestApp::builder(TestBackend::Sqlite).config(|c| c.mode = openfiskal_api::Mode::Production).build().await;
    let w = World::in_country(&app, "DE").await;
    assert!(w.platform.starts_with("ofk_platform_live_"));
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let fu =
        app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/sandbox/fiscal-units/{fu}/faults");
    let a = bearer(&w.org_key);
    app.send("POST", &path, &[("authorization", &a)], Some(&json!({"kind": "device_unreachable"})))
        .await
        .expect(404, Some("not_found"));
    app.send("GET", &path, &[("authorization", &a)], None).await.expect(404, Some("not_found"));
    app.send("DELETE", &path, &[("authorization", &a)], None).await.expect(404, Some("not_found"));
}

#[tokio::test]
async fn fault_bodies_are_checked() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let fu =
        app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/sandbox/fiscal-units/{fu}/faults");
    let a = bearer(&w.org_key);
    for (body, param) in [
        (json!({"kind": "meteor"}), "kind"),
        (json!({"kind": "slow_device", "delay_ms": 0}), "delay_ms"),
        (json!({"kind": "device_unreachable", "delay_ms": 10}), "delay_ms"),
        (json!({"kind": "authority_down", "http_status": 418}), "http_status"),
        (json!({"kind": "authority_down", "mode": "sleep"}), "mode"),
        (json!({"kind": "device_unreachable", "duration_seconds": 0}), "duration_seconds"),
    ] {
        assert_eq!(
            app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(400, None)["param"],
            param,
            "{body}"
        );
    }
    let f = app
        .send("POST", &path, &[("authorization", &a)], Some(&json!({"kind": "authority_down"})))
        .await
        .expect(201, None);
    assert_eq!((f["http_status"].as_i64(), f["expires_at"].clone()), (Some(503), Value::Null));
    let f = app
        .send("POST", &path, &[("authorization", &a)], Some(&json!({"kind": "authority_reject"})))
        .await
        .expect(201, None);
    assert_eq!(f["code"], "00000");
    let list = app.send("GET", &path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    let cleared = app.send("DELETE", &path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(cleared, json!({"object": "list", "data": [], "has_more": false, "next_cursor": null, "cursor": null}));
    assert_eq!(app.send("DELETE", &path, &[("authorization", &a)], None).await.expect(200, None), cleared);
}
