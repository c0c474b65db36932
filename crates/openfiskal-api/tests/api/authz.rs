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
    ("GET", "/docs", None, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/docs/rapidoc-min.js", None, [200, 200, 200, 200, 200, 200, 200, 200]),
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
    ("GET", "/v1/operations/{op}", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("GET", "/v1/registers/{regop}/operations", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("GET", "/v1/operations/{opdone}/receipt", None, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("POST", "/v1/registers/{reg}/closings", Some(daily), [401, 401, 400, 201, 404, 401, 201, 201]),
    ("GET", "/v1/registers/{reg}/closings", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("GET", "/v1/closings/{cls}", None, [401, 401, 400, 200, 404, 401, 200, 200]),
    ("POST", "/v1/fiscal-units/{fudec}/decommission", None, [401, 401, 400, 200, 404, 401, 409, 403]),
    ("POST", "/v1/registers/{regarch}/deactivate", None, [401, 401, 400, 200, 404, 401, 409, 403]),
    ("POST", "/v1/registers/{reg}/fiscal-units/replace", None, [401, 401, 400, 200, 404, 401, 200, 403]),
];

/// The rows every operation type has (api.md §7.3), for its path segment `{type}`; `{op}` stays
/// open, `{opc}` is completed and `{opx}` cancelled by the first caller allowed to.
const PER_TYPE: &[(&str, &str, bool, [u16; 8])] = &[
    ("POST", "/v1/registers/{regop}/{type}", true, [401, 401, 400, 201, 404, 401, 201, 404]),
    ("GET", "/v1/registers/{regop}/{type}", false, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("GET", "/v1/{type}/{op}", false, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("PATCH", "/v1/{type}/{op}", true, [401, 401, 400, 200, 404, 401, 200, 404]),
    ("POST", "/v1/{type}/{opc}/complete", true, [401, 401, 400, 200, 404, 401, 409, 404]),
    ("POST", "/v1/{type}/{opx}/cancel", false, [401, 401, 400, 200, 404, 401, 409, 404]),
    ("POST", "/v1/{type}/{op}/fiscalize", false, [401, 401, 400, 200, 404, 401, 200, 404]),
];

const SEGMENTS: [&str; 8] =
    ["sales", "refunds", "exchanges", "voids", "cash-movements", "deposits", "deposit-captures", "trainings"];

fn line(gross: i64) -> Value {
    json!({"description": "Ware", "quantity": "1", "unit_price_gross": gross, "tax": {"rate": "0.19"}})
}

fn cash(direction: &str, amount: i64) -> Value {
    json!([{"method": "cash", "direction": direction, "amount": amount}])
}

/// The body of a row of `PER_TYPE` for a type: `(start, patch, complete)`; `o` holds completed
/// originals on `{regop}`: a sale to refund, one to void, and a deposit.
fn bodies(segment: &str, o: &Originals) -> (Value, Value, Value) {
    let (sale, sale_line, deposit) = (&o.refundable, &o.refundable_line, &o.deposit);
    let c = json!({"id": "c1"});
    let patch = json!({"metadata": {"k": "v"}});
    match segment {
        "sales" | "deposits" | "trainings" => {
            (json!({"cashier": c, "line_items": [line(1000)]}), patch, json!({"payments": cash("inbound", 1000)}))
        }
        "refunds" => (
            json!({"cashier": c, "original_operation_id": sale, "line_items": [{"original_line_id": sale_line, "quantity": "1"}]}),
            patch,
            json!({"payments": cash("outbound", 1000)}),
        ),
        "exchanges" => {
            (json!({"cashier": c, "returned_line_items": [line(1000)], "line_items": [line(1000)]}), patch, json!({}))
        }
        "voids" => (json!({"cashier": c, "original_operation_id": o.voidable}), patch, json!({})),
        "deposit-captures" => (
            json!({"cashier": c, "original_operation_id": deposit, "line_items": [line(1500)]}),
            patch,
            json!({"payments": cash("inbound", 500)}),
        ),
        _ => (
            json!({"cashier": c, "direction": "in", "amount": 1000, "reason": "float"}),
            json!({"amount": 1200}),
            json!({}),
        ),
    }
}

struct Originals {
    refundable: String,
    refundable_line: String,
    voidable: String,
    deposit: String,
}

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
    let org_auth = [("authorization", bearer(&w.org_key))];
    let org_h: Vec<(&str, &str)> = org_auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let one_shot = json!({"cashier": {"id": "c1"}, "complete": true, "line_items": [line(1000)], "payments": cash("inbound", 1000)});
    let mut made = Vec::new();
    for segment in ["sales", "sales", "deposits"] {
        let path = format!("/v1/registers/{regop}/{segment}");
        made.push(app.send("POST", &path, &org_h, Some(&one_shot)).await.expect(201, None));
    }
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let originals = Originals {
        refundable: id(&made[0]),
        refundable_line: made[0]["data"]["line_items"][0]["id"].as_str().unwrap().to_owned(),
        voidable: id(&made[1]),
        deposit: id(&made[2]),
    };
    let mut rows: Vec<(String, String, Option<Value>, [u16; 8])> =
        TABLE.iter().map(|(m, p, b, e)| (m.to_string(), p.to_string(), b.map(|f| f()), *e)).collect();
    let mut op = String::new();
    for segment in SEGMENTS {
        let (start, patch, complete) = bodies(segment, &originals);
        let mut ids = Vec::new();
        for _ in 0..3 {
            let path = format!("/v1/registers/{regop}/{segment}");
            let r = app.send("POST", &path, &org_h, Some(&start)).await.expect(201, None);
            ids.push(r["id"].as_str().unwrap().to_owned());
        }
        op = ids[0].clone();
        for (method, template, with_body, expected) in PER_TYPE {
            let body = with_body.then(|| match *method {
                "PATCH" => patch.clone(),
                _ if template.ends_with("/complete") => complete.clone(),
                _ => start.clone(),
            });
            let path = template
                .replace("{type}", segment)
                .replace("{opc}", &ids[1])
                .replace("{opx}", &ids[2])
                .replace("{op}", &ids[0]);
            rows.push((method.to_string(), path, body, *expected));
        }
    }
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
    for (method, template, body, expected) in &rows {
        let path = template
            .replace("{org}", &w.org)
            .replace("{loc}", &w.location)
            .replace("{pkey}", &pkey)
            .replace("{okey}", &okey)
            .replace("{regnew}", &regnew)
            .replace("{regrot}", &regrot)
            .replace("{regarch}", &regarch)
            .replace("{regop}", &regop)
            .replace("{opdone}", &originals.refundable)
            .replace("{op}", &op)
            .replace("{reg}", &reg)
            .replace("{fudec}", &fudec)
            .replace("{fu}", &fu)
            .replace("{jrn}", jrn)
            .replace("{cls}", &cls);
        for (i, headers) in callers.iter().enumerate() {
            let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.send(method, &path, &hs, body.as_ref()).await;
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
    let per_type =
        SEGMENTS.iter().flat_map(|seg| PER_TYPE.iter().map(move |(m, p, _, _)| (*m, p.replace("{type}", seg))));
    let mut tabled: Vec<String> = TABLE
        .iter()
        .map(|(m, p, _, _)| (*m, p.to_string()))
        .chain(per_type)
        .map(|(m, p)| {
            let p = p.replace("{pkey}", "{key}").replace("{okey}", "{key}");
            let p = p.replace("{regnew}", "{reg}").replace("{regrot}", "{reg}").replace("{regarch}", "{reg}");
            let p = p.replace("{regop}", "{reg}").replace("{opc}", "{op}").replace("{opx}", "{op}");
            let p = p.replace("{opdone}", "{op}");
            format!("{m} {}", p.replace("{fudec}", "{fu}"))
        })
        .collect();
    documented.sort();
    tabled.sort();
    assert_eq!(documented, tabled, "the authorization table and the OpenAPI document list the same operations");
}
