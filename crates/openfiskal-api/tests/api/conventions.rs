//! Conventions every endpoint shares (api.md §1, §3, §16).

use crate::*;

#[tokio::test]
async fn every_response_has_a_request_id_and_errors_carry_it() {
    let app = TestApp::sqlite().await;
    let ok = app.send("GET", "/healthz", &[], None).await;
    assert_eq!(ok.expect(200, None), json!({"status": "ok"}));
    assert!(ok.header("x-request-id").unwrap().starts_with("req_"));
    let err = app.send("GET", "/v1/nothing-here", &[("x-request-id", "client-123")], None).await;
    err.expect(404, Some("not_found"));
    assert_ne!(err.header("x-request-id").as_deref(), Some("client-123"), "never echoed");
    let j = err.json();
    assert_eq!(j["retryable"], false);
    assert_eq!(j["fiscal_errors"], Value::Null);
    assert_eq!(err.header("content-type").as_deref(), Some("application/json; charset=utf-8"));
}

#[tokio::test]
async fn method_not_allowed_lists_allow() {
    let app = TestApp::sqlite().await;
    let res = app.send("DELETE", "/healthz", &[], None).await;
    res.expect(405, Some("method_not_allowed"));
    assert!(res.header("allow").unwrap().contains("GET"));
}

#[tokio::test]
async fn media_type_size_and_json_errors() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let body = serde_json::to_vec(&org_body()).unwrap();
    let res = app
        .send_raw("POST", "/v1/organizations", &[("authorization", &p), ("content-type", "text/plain")], body.clone())
        .await;
    res.expect(415, Some("unsupported_media_type"));
    let res = app.send_raw("POST", "/v1/organizations", &[("authorization", &p)], body).await;
    res.expect(415, Some("unsupported_media_type"));
    let big = vec![b' '; 1024 * 1024 + 1];
    let res = app
        .send_raw("POST", "/v1/organizations", &[("authorization", &p), ("content-type", "application/json")], big)
        .await;
    res.expect(413, Some("payload_too_large"));
    let res = app
        .send_raw(
            "POST",
            "/v1/organizations",
            &[("authorization", &p), ("content-type", "application/json")],
            b"{\"legal_name\":".to_vec(),
        )
        .await;
    res.expect(400, Some("invalid_request"));
    let dup = br#"{"legal_name":"A","legal_name":"B","country":"DE","address":{"line1":"x","city":"y","postal_code":"1","country":"DE"}}"#;
    let res = app
        .send_raw(
            "POST",
            "/v1/organizations",
            &[("authorization", &p), ("content-type", "application/json; charset=utf-8")],
            dup.to_vec(),
        )
        .await;
    assert_eq!(res.expect(400, Some("invalid_request"))["param"], "legal_name");
    assert_eq!(app.count("organizations").await, 0);
}

#[tokio::test]
async fn rate_limit_per_key_with_headers() {
    let app = TestApp::builder(TestBackend::Sqlite).config(|c| c.rate_limit_per_sec = 2).build().await;
    let p = app.platform_key().await;
    let a = bearer(&p);
    let first = app.send("GET", "/v1/organizations", &[("authorization", &a)], None).await;
    first.expect(200, None);
    assert_eq!(first.header("ratelimit-policy").as_deref(), Some("\"default\";q=2;w=1"));
    assert_eq!(first.header("ratelimit").as_deref(), Some("\"default\";r=1;t=1"));
    app.send("GET", "/v1/organizations", &[("authorization", &a)], None).await.expect(200, None);
    let limited = app.send("GET", "/v1/organizations", &[("authorization", &a)], None).await;
    limited.expect(429, Some("rate_limit_exceeded"));
    assert_eq!(limited.json()["retryable"], true);
    assert_eq!(limited.header("retry-after").as_deref(), Some("1"));
    // Time refills the bucket; another key has its own.
    app.clock.advance_secs(1);
    app.send("GET", "/v1/organizations", &[("authorization", &a)], None).await.expect(200, None);
}

#[tokio::test]
async fn readyz_reports_each_check() {
    let app = TestApp::sqlite().await;
    let j = app.send("GET", "/readyz", &[], None).await.expect(200, None);
    assert_eq!(
        j,
        json!({"status": "ready", "checks": {"database": "ok", "migrations": "ok", "durability": "ok", "keystore": "ok"}})
    );
    app.store.close().await;
    let j = app.send("GET", "/readyz", &[], None).await.expect(503, None);
    assert_eq!(j["status"], "not_ready");
    assert_eq!(j["checks"]["database"], "unavailable");
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::sqlite().await;
    app.send("GET", "/healthz", &[], None).await.expect(200, None);
    let res = app.send("GET", "/metrics", &[], None).await;
    assert_eq!(res.status, 200);
    let text = String::from_utf8(res.body).unwrap();
    assert!(
        text.contains("openfiskal_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("openfiskal_http_request_duration_seconds_bucket"));
    assert!(text.contains("openfiskal_open_operations"), "{text}");
}

#[tokio::test]
async fn storage_down_is_503_service_unavailable() {
    let app = TestApp::sqlite().await;
    let p = app.platform_key().await;
    app.store.close().await;
    let res = app.send("POST", "/v1/organizations", &[("authorization", &bearer(&p))], Some(&org_body())).await;
    res.expect(503, Some("service_unavailable"));
    assert_eq!(res.json()["retryable"], true);
    assert!(res.header("retry-after").is_some());
}
