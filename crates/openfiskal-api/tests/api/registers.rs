//! Registers, heartbeats and status: seed 000 and 001 flows (api.md §5).

use crate::*;

#[tokio::test]
async fn seed_001_create_register_shape() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.platform);
    let path = format!("/v1/locations/{}/registers", w.location);
    let body = json!({"label": "Kasse 1", "jurisdiction": "DE", "serial_number": "SN-4711", "metadata": {"lane": 3}});
    let res = app.send("POST", &path, &[("authorization", &a), ("openfiskal-organization", &w.org)], Some(&body)).await;
    let r = res.expect(201, None);
    assert_eq!(keys(&r), fields(REGISTER_FIELDS));
    let id = r["id"].as_str().unwrap();
    assert!(id.starts_with("reg_") && id.len() == 30);
    assert_eq!(res.header("location").unwrap(), format!("/v1/registers/{id}"));
    assert_eq!(r["object"], "register");
    assert_eq!(r["label"], "Kasse 1");
    assert_eq!(r["jurisdiction"], "DE");
    assert_eq!(r["serial_number"], "SN-4711");
    assert_eq!(r["metadata"], json!({"lane": 3}));
    assert_eq!(r["state"], "active");
    assert_eq!(r["active_fiscal_unit"], Value::Null);
    assert_eq!(r["current_fiscal_unit_id"], Value::Null);
    assert_eq!(r["fiscal_state"], "pending");
    assert_eq!(r["fiscal_registration"], Value::Null);
    assert_eq!(r["heartbeat_interval_seconds"], 60);
    assert_eq!(r["location_id"], w.location.as_str());
    assert_eq!(r["organization_id"], w.org.as_str());
    assert_eq!(r["created_at"], "2026-02-26T10:00:00Z");
    let got = app
        .send("GET", &format!("/v1/registers/{id}"), &[("authorization", &bearer(&w.org_key))], None)
        .await
        .expect(200, None);
    assert_eq!(got, r);
    let list = app.send("GET", &path, &[("authorization", &bearer(&w.org_key))], None).await.expect(200, None);
    assert_eq!(list["data"][0], r);
}

#[tokio::test]
async fn register_input_is_checked_and_nothing_is_written() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let path = format!("/v1/locations/{}/registers", w.location);
    for (body, status, param) in [
        (json!({"jurisdiction": "DE"}), 400, "label"),
        (json!({"label": "", "jurisdiction": "DE"}), 400, "label"),
        (json!({"label": "K", "jurisdiction": "FR"}), 400, "jurisdiction"),
        (json!({"label": "K", "jurisdiction": "AT"}), 422, "jurisdiction"),
        (
            json!({"label": "K", "jurisdiction": "DE", "issue_register_credential": true}),
            400,
            "issue_register_credential",
        ),
        (json!({"label": "K", "jurisdiction": "DE", "serial_number": "s".repeat(71)}), 400, "serial_number"),
        (
            json!({"label": "K", "jurisdiction": "DE", "heartbeat_interval_seconds": 10}),
            400,
            "heartbeat_interval_seconds",
        ),
        (
            json!({"label": "K", "jurisdiction": "DE", "device": {"acquired_on": "yesterday"}}),
            400,
            "device.acquired_on",
        ),
    ] {
        let j = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(status, None);
        assert_eq!(j["param"], param, "{body}");
    }
    assert_eq!(app.count("registers").await, 0);
    let unknown = "/v1/locations/loc_01JN3Q8W6ZK4T5V7X9Y2B3C4D5/registers";
    app.send("POST", unknown, &[("authorization", &a)], Some(&json!({"label": "K", "jurisdiction": "DE"})))
        .await
        .expect(404, Some("not_found"));
}

#[tokio::test]
async fn patch_changes_only_what_is_sent() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let path = format!("/v1/registers/{reg}");
    let body = json!({"label": "Kasse 3", "device": {"manufacturer": "Acme", "model": "T1", "acquired_on": "2025-01-02"}, "heartbeat_interval_seconds": 30});
    let r = app.send("PATCH", &path, &[("authorization", &a)], Some(&body)).await.expect(200, None);
    assert_eq!(r["label"], "Kasse 3");
    assert_eq!(r["device"], json!({"manufacturer": "Acme", "model": "T1", "acquired_on": "2025-01-02"}));
    assert_eq!(r["heartbeat_interval_seconds"], 30);
    for (body, param) in [
        (json!({"jurisdiction": "AT"}), "jurisdiction"),
        (json!({"location_id": "loc_x"}), "location_id"),
        (json!({"state": "archived"}), "state"),
    ] {
        assert_eq!(
            app.send("PATCH", &path, &[("authorization", &a)], Some(&body)).await.expect(400, None)["param"],
            param
        );
    }
    let after = app.send("GET", &path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(after, r);
}

#[tokio::test]
async fn heartbeat_status_and_fleet_status() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let other = app.create_register(&w.org_key, &w.location, "DE", "Kasse 3").await;
    let status_path = format!("/v1/registers/{reg}/status");
    let s = app.send("GET", &status_path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(s["status"], "stale", "never seen");
    assert_eq!(s["last_heartbeat_at"], Value::Null);
    assert_eq!(s["software"], Value::Null);

    app.clock.advance_secs(300);
    let hb = json!({"timestamp": "2026-02-26T10:04:58Z", "sequence": 1, "status": "operational",
                    "metrics": {"pending_operations": 1, "unsynced_operations": 0}, "software": {"pos_vendor": "Acme POS", "pos_version": "3.2.1"}});
    let r = app
        .send("POST", &format!("/v1/registers/{reg}/heartbeat"), &[("authorization", &a)], Some(&hb))
        .await
        .expect(200, None);
    assert_eq!(
        r,
        json!({"object": "heartbeat_response", "received_at": "2026-02-26T10:05:00Z", "server_time": "2026-02-26T10:05:00Z", "clock_skew_seconds": -2})
    );
    let s = app.send("GET", &status_path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(s["object"], "register_status");
    assert_eq!(s["register_id"], reg.as_str());
    assert_eq!(s["status"], "operational");
    assert_eq!(s["last_heartbeat_at"], "2026-02-26T10:05:00Z");
    assert_eq!(s["last_heartbeat_sequence"], 1);
    assert_eq!(s["clock_skew_seconds"], -2);
    assert_eq!(s["pending_operations"], 1);
    assert_eq!(s["unsynced_operations"], 0);
    assert_eq!(s["open_operations"], json!([]));
    assert_eq!(s["software"], json!({"pos_vendor": "Acme POS", "pos_version": "3.2.1", "agent_version": null}));
    assert_eq!(s["checked_at"], "2026-02-26T10:05:00Z");

    // Degraded is self-reported; silence makes it offline, then stale.
    let degraded = json!({"timestamp": "2026-02-26T10:05:00Z", "sequence": 2, "status": "degraded"});
    app.send("POST", &format!("/v1/registers/{reg}/heartbeat"), &[("authorization", &a)], Some(&degraded))
        .await
        .expect(200, None);
    assert_eq!(app.send("GET", &status_path, &[("authorization", &a)], None).await.json()["status"], "degraded");
    app.clock.advance_secs(121);
    assert_eq!(app.send("GET", &status_path, &[("authorization", &a)], None).await.json()["status"], "offline");
    app.clock.advance_secs(3600);
    assert_eq!(app.send("GET", &status_path, &[("authorization", &a)], None).await.json()["status"], "stale");

    let fleet = app
        .send("GET", &format!("/v1/locations/{}/registers/status", w.location), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    assert_eq!(fleet["object"], "location_status");
    assert_eq!(fleet["counts"], json!({"operational": 0, "degraded": 0, "offline": 0, "stale": 2}));
    let ids: Vec<&str> = fleet["data"].as_array().unwrap().iter().map(|d| d["register_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [reg.as_str(), other.as_str()]);

    for (body, param) in [
        (json!({"timestamp": "now", "sequence": 1, "status": "operational"}), "timestamp"),
        (json!({"timestamp": "2026-02-26T10:05:00Z", "sequence": -1, "status": "operational"}), "sequence"),
        (json!({"timestamp": "2026-02-26T10:05:00Z", "sequence": 1, "status": "fine"}), "status"),
        (
            json!({"timestamp": "2026-02-26T10:05:00Z", "sequence": 1, "status": "operational", "metrics": {"battery_level": 101}}),
            "metrics.battery_level",
        ),
    ] {
        let j = app
            .send("POST", &format!("/v1/registers/{reg}/heartbeat"), &[("authorization", &a)], Some(&body))
            .await
            .expect(400, None);
        assert_eq!(j["param"], param);
    }
}

#[tokio::test]
async fn register_keys_reach_only_their_own_register() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let other = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let p = app.provision(&w.org_key, &reg, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
    let key = p["register_api_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ofk_reg_test_"));
    assert_eq!(p["credential_issued"], true);
    let by_header = [("x-register-api-key", key.as_str())];
    app.send("GET", &format!("/v1/registers/{reg}"), &by_header, None).await.expect(200, None);
    app.send("GET", &format!("/v1/registers/{other}"), &by_header, None).await.expect(404, Some("not_found"));
    app.send("GET", &format!("/v1/registers/{other}/status"), &by_header, None).await.expect(404, Some("not_found"));
    app.send("GET", "/v1/organizations", &by_header, None).await.expect(403, Some("forbidden"));
    // Another key type in the register header is refused like an unknown key.
    app.send("GET", &format!("/v1/registers/{reg}"), &[("x-register-api-key", w.org_key.as_str())], None)
        .await
        .expect(401, None);
}

#[tokio::test]
async fn rotate_revokes_the_old_key_at_once() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let rotate = format!("/v1/registers/{reg}/credentials/rotate");
    app.send("POST", &rotate, &[("authorization", &a)], None).await.expect(409, Some("no_register_credential"));
    let p = app.provision(&w.org_key, &reg, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
    let old = p["register_api_key"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    let r = app.send("POST", &rotate, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(keys(&r), fields(&["object", "register_id", "register_api_key", "rotated_at"]));
    assert_eq!(r["object"], "register_credential_rotation");
    assert_eq!(r["rotated_at"], "2026-02-26T10:00:10Z");
    let new = r["register_api_key"].as_str().unwrap();
    app.send("GET", &format!("/v1/registers/{reg}"), &[("authorization", &bearer(&old))], None)
        .await
        .expect(401, Some("unauthorized"));
    app.send("GET", &format!("/v1/registers/{reg}"), &[("authorization", &bearer(new))], None).await.expect(200, None);
    app.send("POST", &rotate, &[("authorization", &a)], Some(&json!({"extra": 1})))
        .await
        .expect(400, Some("invalid_request"));
}

#[tokio::test]
async fn deprecated_activate_provisions_once() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let path = format!("/v1/registers/{reg}/activate");
    let res =
        app.send("POST", &path, &[("authorization", &a)], Some(&json!({"issue_register_credential": true}))).await;
    let r = res.expect(200, None);
    assert_eq!(res.header("deprecation").as_deref(), Some("true"));
    assert_eq!(res.header("link").unwrap(), format!("</v1/registers/{reg}/fiscal-units>; rel=\"successor-version\""));
    assert_eq!(keys(&r), fields(&["object", "register", "register_api_key", "credential_issued"]));
    assert_eq!(r["register"]["fiscal_state"], "active");
    assert_eq!(r["register"]["fiscal_registration"]["regime"], "tse");
    assert_eq!(r["credential_issued"], true);
    let again = app
        .send("POST", &path, &[("authorization", &a)], Some(&json!({"issue_register_credential": true})))
        .await
        .expect(200, None);
    assert_eq!(again["credential_issued"], false);
    assert_eq!(again["register_api_key"], Value::Null);
    assert_eq!(again["register"]["current_fiscal_unit_id"], r["register"]["current_fiscal_unit_id"]);
    assert_eq!(app.count("fiscal_units").await, 1);
}
