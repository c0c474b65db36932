//! Fiscal units for DE, AT and IT: seed 000 (provisioning), 003 (recover), 004 (replace), with
//! `fiscal_registration` per api.md §6.2.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::*;

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn sorted(names: &[&str]) -> Vec<String> {
    fields(names)
}

#[tokio::test]
async fn seed_000_provision_a_de_tse() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let res = app.provision(&w.org_key, &reg, None).await;
    let r = res.expect(201, None);
    assert_eq!(keys(&r), sorted(&["object", "fiscal_unit", "register", "register_api_key", "credential_issued"]));
    assert_eq!(r["object"], "fiscal_unit_response");
    assert_eq!(r["register_api_key"], Value::Null);
    assert_eq!(r["credential_issued"], false);
    let fu = &r["fiscal_unit"];
    assert_eq!(keys(fu), fields(FISCAL_UNIT_FIELDS));
    assert_eq!(res.header("location").unwrap(), format!("/v1/fiscal-units/{}", fu["id"].as_str().unwrap()));
    assert_eq!(
        (fu["object"].as_str(), fu["state"].as_str(), fu["jurisdiction"].as_str()),
        (Some("fiscal_unit"), Some("active"), Some("DE"))
    );
    assert_eq!(fu["register_id"], reg.as_str());
    assert_eq!(fu["provisioned_at"], "2026-02-26T10:00:00Z");
    assert_eq!(
        (fu["replaces"].clone(), fu["replaced_by"].clone(), fu["decommissioned_at"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    let tse = &fu["fiscal_registration"];
    assert_eq!(
        keys(tse),
        sorted(&[
            "regime",
            "tse_serial",
            "client_id",
            "signature_algorithm",
            "time_format",
            "public_key",
            "certificate_serial",
            "certificate_not_after",
            "registered_at"
        ])
    );
    assert_eq!(tse["regime"], "tse");
    assert_eq!(tse["client_id"], "Kasse 2");
    assert_eq!(tse["signature_algorithm"], "ecdsa-plain-SHA384");
    assert_eq!(tse["time_format"], "unixTime");
    assert_eq!(tse["registered_at"], "2026-02-26T10:00:00Z");
    assert_eq!(tse["certificate_not_after"], "2034-02-26T10:00:00Z", "8 years");
    let point = b64(tse["public_key"].as_str().unwrap());
    assert_eq!((point.len(), point[0]), (97, 4), "uncompressed brainpoolP384r1 point");
    assert_eq!(tse["public_key"].as_str().unwrap().len(), 132);
    assert_eq!(
        tse["tse_serial"].as_str().unwrap(),
        hex::encode(Sha256::digest(&point)),
        "serial = SHA-256 of the point"
    );
    assert!(
        tse["certificate_serial"].as_str().unwrap().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    // The register shows the unit expanded, and the deprecated fields follow it.
    let reg_body = &r["register"];
    assert_eq!(keys(reg_body), fields(REGISTER_FIELDS));
    assert_eq!(reg_body["active_fiscal_unit"], *fu);
    assert_eq!(reg_body["current_fiscal_unit_id"], fu["id"]);
    assert_eq!(reg_body["fiscal_state"], "active");
    assert_eq!(reg_body["fiscal_registration"], *tse);
    // Seed 003: the FiscalUnit object by id and in the history.
    let got = app
        .send(
            "GET",
            &format!("/v1/fiscal-units/{}", fu["id"].as_str().unwrap()),
            &[("authorization", &bearer(&w.org_key))],
            None,
        )
        .await
        .expect(200, None);
    assert_eq!(got, *fu);
    let hist = app
        .send("GET", &format!("/v1/registers/{reg}/fiscal-units"), &[("authorization", &bearer(&w.org_key))], None)
        .await
        .expect(200, None);
    assert_eq!(hist["data"], json!([fu]));
    // A second provisioning is refused while the unit is current.
    app.provision(&w.org_key, &reg, None).await.expect(409, Some("fiscal_unit_already_active"));
    // The TSE's initialisation logs are the unit's first journal entries, signed with its key.
    let journal = app
        .send(
            "GET",
            &format!("/v1/fiscal-units/{}/journal", fu["id"].as_str().unwrap()),
            &[("authorization", &bearer(&w.org_key))],
            None,
        )
        .await
        .expect(200, None);
    let entries = journal["data"].as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["counter"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2]);
    for e in entries {
        assert_eq!((e["kind"].as_str(), e["record_format"].as_str()), (Some("system_log"), Some("der_log_message")));
        let der = b64(e["record"].as_str().unwrap());
        let (parts, _) =
            openfiskal_de_tse::verify_log_message(&der, &point).expect("signature verifies with the unit key");
        assert_eq!(parts.signature_counter, e["counter"].as_u64().unwrap());
    }
    let one = app
        .send(
            "GET",
            &format!("/v1/fiscal-units/{}/journal/{}", fu["id"].as_str().unwrap(), entries[1]["id"].as_str().unwrap()),
            &[("authorization", &bearer(&w.org_key))],
            None,
        )
        .await
        .expect(200, None);
    assert_eq!(one, entries[1]);
    let page = app
        .send(
            "GET",
            &format!("/v1/fiscal-units/{}/journal?limit=1&from_counter=2", fu["id"].as_str().unwrap()),
            &[("authorization", &bearer(&w.org_key))],
            None,
        )
        .await
        .expect(200, None);
    assert_eq!(page["data"][0]["counter"], 2);
}

#[tokio::test]
async fn de_client_id_and_preconditions() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse_2").await;
    let bad =
        app.provision(&w.org_key, &reg, Some(&json!({"configuration": {"regime": "tse", "client_id": "a;b"}}))).await;
    let j = bad.expect(422, Some("validation_error"));
    assert_eq!(j["param"], "configuration.client_id");
    assert_eq!(
        j["fiscal_errors"],
        json!([{"code": "tse_client_id_invalid", "message": j["fiscal_errors"][0]["message"], "jurisdiction": "DE"}])
    );
    let wrong = app.provision(&w.org_key, &reg, Some(&json!({"configuration": {"regime": "rksv"}}))).await;
    assert_eq!(wrong.expect(422, Some("validation_error"))["param"], "configuration.regime");
    let typo = app.provision(&w.org_key, &reg, Some(&json!({"configuration": {"clientid": "x"}}))).await;
    assert_eq!(typo.expect(400, Some("invalid_request"))["param"], "configuration.clientid");
    assert_eq!(app.count("fiscal_units").await, 0);
    assert_eq!(app.count("fiscal_unit_keys").await, 0);
    // The label is not a valid client id, so the register id stands in.
    let ok = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    assert_eq!(ok["fiscal_unit"]["fiscal_registration"]["client_id"], reg.trim_start_matches("reg_"));
    // Without tax_id and tax_number a TSE cannot be provisioned.
    let org = format!("/v1/organizations/{}", w.org);
    app.send("PATCH", &org, &[("authorization", &a)], Some(&json!({"tax_id": null}))).await.expect(200, None);
    let reg2 = app.create_register(&w.org_key, &w.location, "DE", "Kasse 3").await;
    let e = app.provision(&w.org_key, &reg2, None).await.expect(422, Some("validation_error"));
    assert_eq!(e["param"], "organization.tax_id");
}

#[tokio::test]
async fn provision_an_at_rksv_unit() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "AT").await;
    let reg = app.create_register(&w.org_key, &w.location, "AT", "Kassa 1").await;
    let r = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let fu = &r["fiscal_unit"];
    let rksv = &fu["fiscal_registration"];
    assert_eq!(
        keys(rksv),
        sorted(&[
            "regime",
            "cash_register_id",
            "system_type",
            "rk_suite",
            "certificate_serial",
            "signature_algorithm",
            "aes_key_checksum",
            "start_receipt_id",
            "finanzonline_status",
            "finanzonline_registered_at",
            "outage_since",
            "outage_reported_at",
            "registered_at"
        ])
    );
    assert_eq!(rksv["regime"], "rksv");
    assert_eq!(rksv["cash_register_id"], format!("OF-{}", fu["id"].as_str().unwrap().trim_start_matches("fu_")));
    assert_eq!(rksv["system_type"], "closed");
    assert_eq!(rksv["rk_suite"], "R1-AT0");
    assert_eq!(rksv["certificate_serial"], "U:ATU12345678-K1");
    assert_eq!(rksv["signature_algorithm"], "ES256");
    assert_eq!(rksv["finanzonline_status"], "not_configured");
    assert!(rksv["aes_key_checksum"].as_str().unwrap().len() >= 3);
    // Replace: the new unit takes over the Kassen-ID, with the organization's next key (K2).
    let res = app
        .send(
            "POST",
            &format!("/v1/registers/{reg}/fiscal-units/replace"),
            &[("authorization", &bearer(&w.org_key))],
            Some(&json!({"reason": "card broken"})),
        )
        .await;
    let rep = res.expect(200, None);
    assert_eq!(rep["new_binding"]["fiscal_registration"]["cash_register_id"], rksv["cash_register_id"]);
    assert_eq!(rep["new_binding"]["fiscal_registration"]["certificate_serial"], "U:ATU12345678-K2");
    let e = app
        .send(
            "POST",
            &format!("/v1/registers/{reg}/fiscal-units/replace"),
            &[("authorization", &bearer(&w.org_key))],
            Some(&json!({"configuration": {"cash_register_id": "X-1"}})),
        )
        .await;
    e.expect(422, Some("validation_error"));
    // A second register cannot take a Kassen-ID already used in the organization.
    let reg2 = app.create_register(&w.org_key, &w.location, "AT", "Kassa 2").await;
    let taken = app
        .provision(&w.org_key, &reg2, Some(&json!({"configuration": {"cash_register_id": rksv["cash_register_id"]}})))
        .await;
    let j = taken.expect(422, Some("validation_error"));
    assert_eq!(j["fiscal_errors"][0]["code"], "rksv_cash_register_id_taken");
}

#[tokio::test]
async fn at_closed_system_needs_a_company_identifier() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "AT").await;
    app.send(
        "PATCH",
        &format!("/v1/organizations/{}", w.org),
        &[("authorization", &bearer(&w.org_key))],
        Some(&json!({"tax_id": null, "tax_number": "123456789"})),
    )
    .await
    .expect(200, None);
    let reg = app.create_register(&w.org_key, &w.location, "AT", "Kassa 1").await;
    let j = app.provision(&w.org_key, &reg, None).await.expect(422, Some("validation_error"));
    assert_eq!(j["fiscal_errors"][0]["code"], "rksv_company_identifier_missing");
    let ok = app
        .provision(
            &w.org_key,
            &reg,
            Some(&json!({"configuration": {"regime": "rksv", "company_identifier": "S:123456789"}})),
        )
        .await
        .expect(201, None);
    assert_eq!(ok["fiscal_unit"]["fiscal_registration"]["certificate_serial"], "S:123456789-K1");
}

#[tokio::test]
async fn provision_an_it_rt_unit() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "IT").await;
    let reg = app.create_register(&w.org_key, &w.location, "IT", "Cassa 1").await;
    let r = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let rt = &r["fiscal_unit"]["fiscal_registration"];
    assert_eq!(
        keys(rt),
        sorted(&[
            "regime",
            "rt_serial",
            "unit_kind",
            "environment",
            "device_model",
            "software_solution_id",
            "certificate_serial",
            "certificate_not_after",
            "z_counter",
            "transmission_counter",
            "linked_payment_terminals",
            "registered_at"
        ])
    );
    assert_eq!(rt["regime"], "rt");
    assert_eq!(rt["rt_serial"], "OFXSB000001");
    assert_eq!(rt["unit_kind"], "software");
    assert_eq!(rt["environment"], "sandbox");
    assert_eq!(rt["z_counter"], 0);
    assert_eq!(rt["linked_payment_terminals"], json!([]));
    assert_eq!(rt["certificate_not_after"], "2029-02-26T10:00:00Z", "3 years");
    // A device unit needs a reachable device; without one nothing is created.
    let reg2 = app.create_register(&w.org_key, &w.location, "IT", "Cassa 2").await;
    let before = app.count("fiscal_units").await;
    let res = app
        .provision(&w.org_key, &reg2, Some(&json!({"configuration": {"regime": "rt", "unit_kind": "device"}})))
        .await;
    res.expect(503, Some("fiscal_device_unavailable"));
    assert_eq!(res.json()["retryable"], true);
    assert_eq!(app.count("fiscal_units").await, before);
    let bad = app.provision(&w.org_key, &reg2, Some(&json!({"configuration": {"rt_serial": "bad"}}))).await;
    assert_eq!(bad.expect(422, None)["param"], "configuration.rt_serial");
    let ok = app
        .provision(&w.org_key, &reg2, Some(&json!({"configuration": {"rt_serial": "99XAB123456"}})))
        .await
        .expect(201, None);
    assert_eq!(ok["fiscal_unit"]["fiscal_registration"]["rt_serial"], "99XAB123456");
}

#[tokio::test]
async fn seed_004_replace_is_atomic_and_keeps_the_register() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let old = app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"].clone();
    app.clock.advance_secs(3600);
    let path = format!("/v1/registers/{reg}/fiscal-units/replace");
    let r = app
        .send("POST", &path, &[("authorization", &a)], Some(&json!({"reason": "TSE hardware end-of-life"})))
        .await
        .expect(200, None);
    assert_eq!(
        keys(&r),
        sorted(&["object", "old_binding", "new_binding", "register", "register_api_key", "credential_issued"])
    );
    assert_eq!(r["object"], "fiscal_unit_replacement");
    let (o, n) = (&r["old_binding"], &r["new_binding"]);
    assert_eq!(o["id"], old["id"]);
    assert_eq!(o["state"], "decommissioned");
    assert_eq!(o["replaced_by"], n["id"]);
    assert_eq!(o["decommissioned_at"], "2026-02-26T11:00:00Z");
    assert_eq!(o["reason"], "TSE hardware end-of-life");
    assert_eq!(n["state"], "active");
    assert_eq!(n["replaces"], old["id"]);
    assert_eq!(n["provisioned_at"], "2026-02-26T11:00:00Z");
    assert_ne!(n["fiscal_registration"]["tse_serial"], old["fiscal_registration"]["tse_serial"], "a new TSE");
    assert_eq!(n["fiscal_registration"]["client_id"], "Kasse 2", "the configuration carries over");
    assert_eq!(r["register"]["id"], reg.as_str());
    assert_eq!(r["register"]["active_fiscal_unit"]["id"], n["id"]);
    let hist = app
        .send("GET", &format!("/v1/registers/{reg}/fiscal-units"), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    let ids: Vec<&Value> = hist["data"].as_array().unwrap().iter().map(|u| &u["id"]).collect();
    assert_eq!(ids, [&n["id"], &o["id"]], "newest first");
}

/// Seed 000 end to end in every jurisdiction: create, provision, heartbeat, status, replace with a
/// register credential, recover, history, decommission, archive.
#[tokio::test]
async fn seed_000_flow_in_every_jurisdiction() {
    for (country, regime) in [("DE", "tse"), ("AT", "rksv"), ("IT", "rt")] {
        let app = TestApp::sqlite().await;
        let w = World::in_country(&app, country).await;
        let a = bearer(&w.platform);
        let h = [("authorization", a.as_str()), ("openfiskal-organization", w.org.as_str())];
        let reg = app.create_register(&w.org_key, &w.location, country, "Kasse 2").await;
        let p = app.send("POST", &format!("/v1/registers/{reg}/fiscal-units"), &h, None).await.expect(201, None);
        assert_eq!(p["fiscal_unit"]["fiscal_registration"]["regime"], regime, "{country}");
        assert_eq!(p["fiscal_unit"]["jurisdiction"], country);
        let hb = json!({"timestamp": "2026-02-26T10:05:00Z", "sequence": 1, "status": "operational", "software": {"pos_vendor": "Acme POS", "pos_version": "3.2.1"}});
        app.send("POST", &format!("/v1/registers/{reg}/heartbeat"), &h, Some(&hb)).await.expect(200, None);
        let s = app.send("GET", &format!("/v1/registers/{reg}/status"), &h, None).await.expect(200, None);
        assert_eq!((s["status"].as_str(), s["fiscal_unit"]["state"].as_str()), (Some("operational"), Some("active")));
        let rep = app
            .send(
                "POST",
                &format!("/v1/registers/{reg}/fiscal-units/replace"),
                &h,
                Some(&json!({"reason": "end of life", "issue_register_credential": true})),
            )
            .await
            .expect(200, None);
        assert_eq!(keys(&rep["old_binding"]), fields(FISCAL_UNIT_FIELDS));
        assert_eq!(keys(&rep["new_binding"]), fields(FISCAL_UNIT_FIELDS));
        assert_eq!(keys(&rep["register"]), fields(REGISTER_FIELDS));
        assert_eq!(rep["credential_issued"], true);
        let reg_key = rep["register_api_key"].as_str().unwrap().to_owned();
        app.send("GET", &format!("/v1/registers/{reg}"), &[("authorization", &bearer(&reg_key))], None)
            .await
            .expect(200, None);
        let new_id = rep["new_binding"]["id"].as_str().unwrap().to_owned();
        let rec = app.send("POST", &format!("/v1/fiscal-units/{new_id}/recover"), &h, None).await.expect(200, None);
        assert_eq!(rec, rep["new_binding"], "recover of an active unit changes nothing");
        let hist = app.send("GET", &format!("/v1/registers/{reg}/fiscal-units"), &h, None).await.expect(200, None);
        assert_eq!(hist["data"].as_array().unwrap().len(), 2);
        app.send(
            "POST",
            &format!("/v1/fiscal-units/{new_id}/decommission"),
            &h,
            Some(&json!({"reason": "Location closing"})),
        )
        .await
        .expect(200, None);
        let r = app.send("POST", &format!("/v1/registers/{reg}/deactivate"), &h, None).await.expect(200, None);
        assert_eq!(
            (r["state"].as_str(), r["fiscal_state"].as_str()),
            (Some("archived"), Some("inactive")),
            "{country}"
        );
        app.send("GET", &format!("/v1/registers/{reg}"), &[("authorization", &bearer(&reg_key))], None)
            .await
            .expect(401, None);
        let journal = app.send("GET", &format!("/v1/fiscal-units/{new_id}/journal"), &h, None).await.expect(200, None);
        assert_eq!(journal["object"], "list");
    }
}

async fn journal_counters(app: &TestApp, key: &str, unit: &str) -> Vec<(i64, String)> {
    let j = app
        .send("GET", &format!("/v1/fiscal-units/{unit}/journal"), &[("authorization", &bearer(key))], None)
        .await
        .expect(200, None);
    j["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["counter"].as_i64().unwrap(), e["kind"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn de_decommission_disables_the_tse_unless_its_device_is_down() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let a = bearer(&w.org_key);
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let p = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let fu = p["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let point = b64(p["fiscal_unit"]["fiscal_registration"]["public_key"].as_str().unwrap());
    app.send("POST", &format!("/v1/fiscal-units/{fu}/decommission"), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    let counters = journal_counters(&app, &w.org_key, &fu).await;
    assert_eq!(
        counters.iter().map(|c| c.0).collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "gapless, continuing the initialisation"
    );
    let j = app
        .send("GET", &format!("/v1/fiscal-units/{fu}/journal?from_counter=3"), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    for e in j["data"].as_array().unwrap() {
        let der = b64(e["record"].as_str().unwrap());
        let (parts, _) = openfiskal_de_tse::verify_log_message(&der, &point).expect("closing log verifies");
        assert_eq!(parts.signature_counter, e["counter"].as_u64().unwrap());
    }

    // A unit whose device is down is retired without the logs; its reason says so.
    let p2 = app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let fu2 = p2["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    app.send(
        "POST",
        &format!("/v1/sandbox/fiscal-units/{fu2}/faults"),
        &[("authorization", &a)],
        Some(&json!({"kind": "device_unreachable"})),
    )
    .await
    .expect(201, None);
    let d = app
        .send("POST", &format!("/v1/fiscal-units/{fu2}/decommission"), &[("authorization", &a)], None)
        .await
        .expect(200, None);
    assert!(d["reason"].as_str().unwrap().contains("disabling logs skipped"));
    assert_eq!(journal_counters(&app, &w.org_key, &fu2).await.len(), 2);
}

#[tokio::test]
async fn metrics_count_units_by_regime_and_state() {
    let app = TestApp::sqlite().await;
    let w = World::in_country(&app, "DE").await;
    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    app.provision(&w.org_key, &reg, None).await.expect(201, None);
    let res = app.send("GET", "/metrics", &[], None).await;
    let text = String::from_utf8(res.body).unwrap();
    assert!(text.contains("openfiskal_fiscal_units{regime=\"tse\",state=\"active\"}"), "{text}");
}
