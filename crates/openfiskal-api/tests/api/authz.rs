//! The authorization table (api.md §2.3, §2.4): every endpoint × every kind of caller. Later
//! issues add their endpoints here; `every_documented_operation_is_in_the_table` keeps it complete.

use crate::*;

/// The callers, in column order.
const CALLERS: [&str; 7] = [
    "no key",
    "revoked key",
    "platform key, no OpenFiskal-Organization",
    "platform key with OpenFiskal-Organization",
    "organization key of another tenant",
    "setup token",
    "organization key of the tenant",
];

type Row = (&'static str, &'static str, Option<fn() -> Value>, [u16; 7]);

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
fn org() -> Value {
    org_body()
}
fn loc() -> Value {
    location_body()
}

/// `{org}`, `{loc}`, `{pkey}` (a platform key to revoke), `{okey}` (an organization key to revoke).
const TABLE: &[Row] = &[
    ("GET", "/healthz", None, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/readyz", None, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/metrics", None, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/v1/openapi.json", None, [200, 200, 200, 200, 200, 200, 200]),
    // The setup token travels in the body; a header credential is ignored (`{}` lacks it: 400).
    ("POST", "/v1/auth/bootstrap", Some(empty), [400, 400, 400, 400, 400, 400, 400]),
    ("GET", "/v1/auth/api-keys", None, [401, 401, 200, 200, 403, 401, 403]),
    ("POST", "/v1/auth/api-keys", Some(label), [401, 401, 201, 201, 403, 401, 403]),
    ("DELETE", "/v1/auth/api-keys/{pkey}", None, [401, 401, 200, 200, 403, 401, 403]),
    ("POST", "/v1/organizations", Some(org), [401, 401, 201, 201, 403, 401, 403]),
    ("GET", "/v1/organizations", None, [401, 401, 200, 200, 200, 401, 200]),
    ("GET", "/v1/organizations/{org}", None, [401, 401, 200, 200, 404, 401, 200]),
    ("PATCH", "/v1/organizations/{org}", Some(patch_org), [401, 401, 200, 200, 404, 401, 200]),
    ("GET", "/v1/organizations/{org}/api-keys", None, [401, 401, 200, 200, 404, 401, 200]),
    ("POST", "/v1/organizations/{org}/api-keys", Some(label), [401, 401, 201, 201, 404, 401, 201]),
    ("DELETE", "/v1/organizations/{org}/api-keys/{okey}", None, [401, 401, 200, 200, 404, 401, 200]),
    ("POST", "/v1/organizations/{org}/locations", Some(loc), [401, 401, 201, 201, 404, 401, 201]),
    ("GET", "/v1/organizations/{org}/locations", None, [401, 401, 200, 200, 404, 401, 200]),
    ("GET", "/v1/locations/{loc}", None, [401, 401, 400, 200, 404, 401, 200]),
    ("PATCH", "/v1/locations/{loc}", Some(patch_loc), [401, 401, 400, 200, 404, 401, 200]),
];

#[tokio::test]
async fn every_endpoint_for_every_caller() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let other_org = app.create_org(&w.platform, "Fremd GmbH").await;
    let other_key = app.org_key(&w.platform, &other_org).await;
    let revoked = app.platform_key().await;
    let list = app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&revoked))], None).await.expect(200, None);
    let revoked_id = list["data"].as_array().unwrap().iter().find(|k| revoked.ends_with(&k["api_key"].as_str().unwrap()[k["api_key"].as_str().unwrap().len() - 4..])).unwrap()["id"].as_str().unwrap().to_owned();
    app.send("DELETE", &format!("/v1/auth/api-keys/{revoked_id}"), &[("authorization", &bearer(&w.platform))], None).await.expect(200, None);
    let setup = openfiskal_api::credentials::issue_setup_token(&app.store, &*app.clock, &*app.state.ids, 3600).await.unwrap().to_string();
    let pkey = app.send("POST", "/v1/auth/api-keys", &[("authorization", &bearer(&w.platform))], Some(&label())).await.expect(201, None)["id"].as_str().unwrap().to_owned();
    let okey = app.send("POST", &format!("/v1/organizations/{}/api-keys", w.org), &[("authorization", &bearer(&w.platform))], Some(&label())).await.expect(201, None)["id"].as_str().unwrap().to_owned();

    let callers: [Vec<(&str, String)>; 7] = [
        vec![],
        vec![("authorization", bearer(&revoked))],
        vec![("authorization", bearer(&w.platform))],
        vec![("authorization", bearer(&w.platform)), ("openfiskal-organization", w.org.clone())],
        vec![("authorization", bearer(&other_key))],
        vec![("authorization", bearer(&setup))],
        vec![("authorization", bearer(&w.org_key))],
    ];
    let mut failures = Vec::new();
    for (method, template, body, expected) in TABLE {
        let path = template.replace("{org}", &w.org).replace("{loc}", &w.location).replace("{pkey}", &pkey).replace("{okey}", &okey);
        for (i, headers) in callers.iter().enumerate() {
            let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.send(method, &path, &hs, body.map(|f| f()).as_ref()).await;
            if res.status.as_u16() != expected[i] {
                failures.push(format!("{method} {template} as {}: expected {}, got {} {}", CALLERS[i], expected[i], res.status, res.json()));
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
        for method in item.as_object().unwrap().keys().filter(|k| ["get", "post", "patch", "delete", "put"].contains(&k.as_str())) {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let normalize = |p: &str| {
        p.replace("{organizationId}", "{org}").replace("{locationId}", "{loc}").replace("/api-keys/{keyId}", "/api-keys/{key}")
    };
    let mut documented: Vec<String> = documented.iter().map(|s| normalize(s)).collect();
    let mut tabled: Vec<String> =
        TABLE.iter().map(|(m, p, _, _)| format!("{m} {}", p.replace("{pkey}", "{key}").replace("{okey}", "{key}"))).collect();
    documented.sort();
    tabled.sort();
    assert_eq!(documented, tabled, "the authorization table and the OpenAPI document list the same operations");
}
