//! The OpenAPI document (api.md §16): served, printed by the CLI, committed, and complete.

use crate::*;

#[tokio::test]
async fn served_document_equals_the_committed_file() {
    let app = TestApp::sqlite().await;
    let res = app.send("GET", "/v1/openapi.json", &[], None).await;
    assert_eq!(res.status, 200);
    let served = String::from_utf8(res.body).unwrap();
    assert_eq!(served, openfiskal_api::openapi_json());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json")).unwrap();
    assert!(
        committed == served,
        "openapi/openapi.json is stale: run `cargo run -p openfiskal -- openapi > openapi/openapi.json` and commit"
    );
    let doc: Value = serde_json::from_str(&served).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[tokio::test]
async fn every_documented_route_is_routed() {
    let app = TestApp::sqlite().await;
    let doc: Value = serde_json::from_str(&openfiskal_api::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{organizationId}", "org_01JN3Q8W6ZK4T5V7X9Y2B3C4D5")
            .replace("{locationId}", "loc_01JN3Q8W6ZK4T5V7X9Y2B3C4D5")
            .replace("{keyId}", "key_01JN3Q8W6ZK4T5V7X9Y2B3C4D5");
        for method in
            item.as_object().unwrap().keys().filter(|k| ["get", "post", "patch", "delete"].contains(&k.as_str()))
        {
            let res = app.send(&method.to_uppercase(), &concrete, &[], None).await;
            // An unrouted path would be 404 without authentication; routed ones answer 401 or their own status.
            assert!(
                res.status != 404 && res.status != 405,
                "{method} {path} is documented but not routed: {}",
                res.status
            );
        }
    }
}

#[tokio::test]
async fn every_operation_documents_its_error_envelope() {
    let doc: Value = serde_json::from_str(&openfiskal_api::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") || path == "/v1/openapi.json" {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let has_error = op["responses"].as_object().unwrap().keys().any(|s| s.starts_with('4'));
            assert!(has_error, "{method} {path} documents no error response");
        }
    }
}
