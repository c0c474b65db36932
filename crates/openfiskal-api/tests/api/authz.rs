//! The authorization table (api.md §2.3, §2.4): every endpoint × every kind of caller. Later
//! issues add their endpoints here; `every_documented_operation_is_in_the_table` keeps it complete.

use crate::*;

/// The callers, in column order.
const CALLERS: [&str; 8] = [
    "no key",
    "revoked key",
    "platform key, no OpenFiskal-Organization",
    "platform key with OpenFiskal-Organization",
    "organization key of another tenant",
    "setup token",
    "organization key of the tenant",
    "register key of {reg}",
];

type Row = (&'static str, &'static str, Option<fn() -> Value>, [u16; 8]);

fn label() -> Value {
    json!({"label": "authz"})
}
fn patch_org() -> Value {
    json!({"trade_name": "T"})
}
fn patch_loc() -> Value {
    json!({"name": "L"})
}
fn empty() -> Value {
    json!({})
}
fn patch_reg() -> Value {
    json!({"label": "Kasse 1"})
}
fn cash() -> Value {
    json!({"cashier": {"id": "c1"}, "direction": "in", "amount": 1000, "reason": "float"})
}
fn daily() -> Value {
    json!({"type": "daily"})
}
fn register() -> Value {
    json!({"label": "Kasse 9", "jurisdiction": "DE"})
}
fn heartbeat() -> Value {
    json!({"timestamp": "2026-02-26T10:00:00Z", "sequence": 1, "status": "operational"})
}
fn fault() -> Value {
    json!({"kind": "authority_reject"})
}
fn org() -> Value {
    org_body()
}
fn loc() -> Value {
    location_body()
}

/// `{org}`, `{loc}`, `{pkey}` (a platform key to revoke), `{okey}` (an organization key to revoke),
/// `{reg}` (a DE register with an active unit `{fu}` and a register key), `{regnew}` (no unit yet),
/// `{regrot}` (to rotate), `{regarch}` (to archive), `{fudec}` (a unit to decommission), `{jrn}`,
/// `{cls}` (a closing of `{reg}`).
const TABLE: &[Row] = &[
    ("GET", "/healthz", None, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/readyz", None, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/metrics", None, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/v1/openapi.json", None, [200, 200, 200, 200, 200, 200, 200, 200]),
    // The setup token travels in the body; a header credential is ignored (`{}` lacks it: 400).
    ("POST", "/v1/auth/bootstrap", Some(empty), [400, 400, 400, 400, 400, 400, 400, 400]),
    ("GET", "/v1/auth/api-keys", None, [401, 401, 200, 200, 403, 401, 403, 403]),
    ("POST", "/v1/auth/api-keys", Some(label), [401, 401, 201, 201, 403, 401, 403, 403]),
    ("DELETE", "/v1/auth/api-keys/{pkey}", None, [401, 401, 200, 200, 403, 401, 403, 403]),
    ("POST", "/v1/organizations", Some(org), [401, 401, 201, 201, 403, 401, 403, 403]),
    ("GET", "/v1/organizations", None, [401, 401, 200, 200, 200, 401, 200, 403]),
    ("GET", "/v1/organizations/{org}", None, [401, 401, 200, 200, 404, 401, 200, 403]),
    ("PATCH", "/v1/organizations/{org}", Some(patch_org), [401, 401, 200, 200, 404, 401, 200, 403]),
    ("GET", "/v1/organizations/{org}/api-keys", None, [401, 401, 200, 200, 404, 401, 200, 403]),
    ("POST", "/v1/organizations/{org}/api-keys", Some(label), [401, 401, 201, 201, 404, 401, 201, 403]),
    ("DELETE", "/v1/organizations/{org}/api-keys/{okey}", None, [401, 401, 200, 200, 404, 401, 200, 403]),
    ("POST", "/v1/organizations/{org}/locations", Some(loc), [401, 401, 201, 201, 404, 401, 201, 403]),
    ("GET", "/v1/organizations/{org}/locations", None, [401, 401, 200, 200, 404, 401, 200, 403]),
    ("GET", "/v1/locations/{loc}", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("PATCH", "/v1/locations/{loc}", Some(patch_loc), [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/locations/{loc}/registers", Some(register), [401, 401, 400, 201, 404, 401, 201, 403]),
    ("GET", "/v1/locations/{loc}/registers", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("GET", "/v1/locations/{loc}/registers/status", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("GET", "/v1/registers/{reg}", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("PATCH", "/v1/registers/{reg}", Some(patch_reg), [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/registers/{reg}/heartbeat", Some(heartbeat), [401, 401, 400, 200, 404, 401, 200, 200]),
    ("GET", "/v1/registers/{reg}/status", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("POST", "/v1/registers/{reg}/activate", Some(empty), [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/registers/{regrot}/credentials/rotate", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/registers/{regnew}/fiscal-units", None, [401, 401, 400, 201, 404, 401, 409, 403]),
    ("GET", "/v1/registers/{reg}/fiscal-units", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("GET", "/v1/fiscal-units/{fu}", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/fiscal-units/{fu}/recover", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("GET", "/v1/fiscal-units/{fu}/journal", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("GET", "/v1/fiscal-units/{fu}/journal/{jrn}", None, [401, 401, 400, 404, 404, 401, 404, 403]),
    ("POST", "/v1/sandbox/fiscal-units/{fu}/faults", Some(fault), [401, 401, 400, 201, 404, 401, 201, 403]),
    ("GET", "/v1/sandbox/fiscal-units/{fu}/faults", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("DELETE", "/v1/sandbox/fiscal-units/{fu}/faults", None, [401, 401, 400, 200, 404, 401, 200, 403]),
    ("POST", "/v1/registers/{regop}/cash-movements", Some(cash), [401, 401, 400, 201, 404, 401, 201, 404]),
    ("GET", "/v1/registers/{regop}/cash-movements", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("GET", "/v1/cash-movements/{op}", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("GET", "/v1/operations/{op}", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("POST", "/v1/cash-movements/{opc}/complete", None, [401, 401, 400, 200, 404, 401, 409, 404]),
    ("POST", "/v1/cash-movements/{opx}/cancel", None, [401, 401, 400, 200, 404, 401, 409, 404]),
    ("POST", "/v1/cash-movements/{op}/fiscalize", None, [401, 401, 400, 409, 404, 401, 409, 404]),
    ("POST", "/v1/registers/{reg}/closings", Some(daily), [401, 401, 400, 201, 404, 401, 201, 201]),
    ("GET", "/v1/registers/{reg}/closings", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("GET", "/v1/closings/{cls}", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("POST", "/v1/fiscal-units/{fudec}/decommission", None, [401, 401, 400, 200, 404, 401, 409, 403]),
    ("POST", "/v1/registers/{regarch}/deactivate", None, [401, 401, 400, 200, 404, 401, 409, 403]),
    ("POST", "/v1/registers/{reg}/fiscal-units/replace", None, [401, 401, 400, 200, 404, 401, 200, 403]),
];

#[tokio::test]
async fn every_endpoint_for_every_caller() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let other_org = app.create_org(&w.platform, "Fremd GmbH").await;
    let other_key = app.org_key(&w.platform, &other_org).await;
    let revoked = app.platform_key().await;
    let list =
        app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&revoked))], None).await.expect(200, None);
    let revoked_id = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| revoked.ends_with(&k["api_key"].as_str().unwrap()[k["api_key"].as_str().unwrap().len() - 4..]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send("DELETE", &format!("/v1/auth/api-keys/{revoked_id}"), &[("authorization", &bearer(&w.platform))], None)
        .await
        .expect(200, None);
    let setup = openfiskal_api::credentials::issue_setup_token(&app.store, &*app.clock, &*app.state.ids, 3600)
        .await
        .unwrap()
        .to_string();
    let pkey = app
        .send("POST", "/v1/auth/api-keys", &[("authorization", &bearer(&w.platform))], Some(&label()))
        .await
        .expect(201, None)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let okey = app
        .send(
            "POST",
            &format!("/v1/organizations/{}/api-keys", w.org),
            &[("authorization", &bearer(&w.platform))],
            Some(&label()),
        )
        .await
        .expect(201, None)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let reg = app.create_register(&w.org_key, &w.location, "DE", "Kasse 1").await;
    let provisioned =
        app.provision(&w.org_key, &reg, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
    let fu = provisioned["fiscal_unit"]["id"].as_str().unwrap().to_owned();
    let reg_key = provisioned["register_api_key"].as_str().unwrap().to_owned();
    let regnew = app.create_register(&w.org_key, &w.location, "DE", "Kasse 2").await;
    let regrot = app.create_register(&w.org_key, &w.location, "DE", "Kasse 3").await;
    app.provision(&w.org_key, &regrot, Some(&json!({"issue_register_credential": true}))).await.expect(201, None);
    let regarch = app.create_register(&w.org_key, &w.location, "DE", "Kasse 4").await;
    let regdec = app.create_register(&w.org_key, &w.location, "DE", "Kasse 5").await;
    let fudec = app.provision(&w.org_key, &regdec, None).await.expect(201, None)["fiscal_unit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jrn = "jrn_01JN3Q8W6ZK4T5V7X9Y2B3C4D5";
    let regop = app.create_register(&w.org_key, &w.location, "DE", "Kasse 6").await;
    app.provision(&w.org_key, &regop, None).await.expect(201, None);
    let mut ops = Vec::new();
    for _ in 0..3 {
        let path = format!("/v1/registers/{regop}/cash-movements");
        let r =
            app.send("POST", &path, &[("authorization", &bearer(&w.org_key))], Some(&cash())).await.expect(201, None);
        ops.push(r["id"].as_str().unwrap().to_owned());
    }
    let (op, opc, opx) = (ops[0].clone(), ops[1].clone(), ops[2].clone());
    let cls = app
        .send(
            "POST",
            &format!("/v1/registers/{reg}/closings"),
            &[("authorization", &bearer(&w.org_key))],
            Some(&json!({"type": "shift"})),
        )
        .await
        .expect(201, None)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let callers: [Vec<(&str, String)>; 8] = [
        vec![],
        vec![("authorization", bearer(&revoked))],
        vec![("authorization", bearer(&w.platform))],
        vec![("authorization", bearer(&w.platform)), ("openfiskal-organization", w.org.clone())],
        vec![("authorization", bearer(&other_key))],
        vec![("authorization", bearer(&setup))],
        vec![("authorization", bearer(&w.org_key))],
        vec![("authorization", bearer(&reg_key))],
    ];
    let mut failures = Vec::new();
    for (method, template, body, expected) in TABLE {
        let path = template
            .replace("{org}", &w.org)
            .replace("{loc}", &w.location)
            .replace("{pkey}", &pkey)
            .replace("{okey}", &okey)
            .replace("{regnew}", &regnew)
            .replace("{regrot}", &regrot)
            .replace("{regarch}", &regarch)
            .replace("{regop}", &regop)
            .replace("{opc}", &opc)
            .replace("{opx}", &opx)
            .replace("{op}", &op)
            .replace("{reg}", &reg)
            .replace("{fudec}", &fudec)
            .replace("{fu}", &fu)
            .replace("{jrn}", jrn)
            .replace("{cls}", &cls);
        for (i, headers) in callers.iter().enumerate() {
            let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.send(method, &path, &hs, body.map(|f| f()).as_ref()).await;
            if res.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{method} {template} as {}: expected {}, got {} {}",
                    CALLERS[i],
                    expected[i],
                    res.status,
                    res.json()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_documented_operation_is_in_the_table() {
    let doc: Value = serde_json::from_str(&openfiskal_api::openapi_json()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in
            item.as_object().unwrap().keys().filter(|k| ["get", "post", "patch", "delete", "put"].contains(&k.as_str()))
        {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let normalize = |p: &str| {
        p.replace("{organizationId}", "{org}")
            .replace("{locationId}", "{loc}")
            .replace("/api-keys/{keyId}", "/api-keys/{key}")
            .replace("{registerId}", "{reg}")
            .replace("{fiscalUnitId}", "{fu}")
            .replace("{entryId}", "{jrn}")
            .replace("{operationId}", "{op}")
            .replace("{closingId}", "{cls}")
    };
    let mut documented: Vec<String> = documented.iter().map(|s| normalize(s)).collect();
    let mut tabled: Vec<String> = TABLE
        .iter()
        .map(|(m, p, _, _)| {
            let p = p.replace("{pkey}", "{key}").replace("{okey}", "{key}");
            let p = p.replace("{regnew}", "{reg}").replace("{regrot}", "{reg}").replace("{regarch}", "{reg}");
            let p = p.replace("{regop}", "{reg}").replace("{opc}", "{op}").replace("{opx}", "{op}");
            format!("{m} {}", p.replace("{fudec}", "{fu}"))
        })
        .collect();
    documented.sort();
    tabled.sort();
    assert_eq!(documented, tabled, "the authorization table and the OpenAPI document list the same operations");
}
