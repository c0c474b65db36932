//! `POST /v1/auth/bootstrap` and setup tokens (api.md §2.1, §2.5).

use crate::*;
use openfiskal_api::credentials::issue_setup_token;

async fn token(app: &TestApp, ttl: i64) -> String {
    issue_setup_token(&app.store, &*app.clock, &*app.state.ids, ttl).await.unwrap().to_string()
}

#[tokio::test]
async fn setup_token_buys_one_platform_key_once() {
    let app = TestApp::sqlite().await;
    let t = token(&app, 3600).await;
    let res =
        app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": t, "label": "Production"}))).await;
    let key = res.expect(201, None);
    assert_eq!(key["object"], "platform_api_key");
    assert_eq!(key["label"], "Production");
    assert_eq!(key["mode"], "test");
    assert!(key["api_key"].as_str().unwrap().starts_with("ofk_platform_test_"));
    assert_eq!(res.header("location").unwrap(), format!("/v1/auth/api-keys/{}", key["id"].as_str().unwrap()));
    // The key works.
    let k = key["api_key"].as_str().unwrap();
    app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(k))], None).await.expect(200, None);
    // The token is spent.
    let before = app.count("api_keys").await;
    let again = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": t}))).await;
    let e = again.expect(401, Some("setup_token_invalid"));
    assert!(e["message"].as_str().unwrap().contains("openfiskal admin setup-token"), "says how to get a new one: {e}");
    assert_eq!(app.count("api_keys").await, before, "nothing written");
}

#[tokio::test]
async fn default_label_is_bootstrap() {
    let app = TestApp::sqlite().await;
    let t = token(&app, 3600).await;
    let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": t}))).await;
    assert_eq!(res.expect(201, None)["label"], "Bootstrap");
}

#[tokio::test]
async fn expired_unknown_and_malformed_tokens_look_the_same_and_say_how_to_get_a_new_one() {
    let app = TestApp::sqlite().await;
    let expired = token(&app, 60).await;
    app.clock.advance_secs(61);
    let unknown =
        openfiskal_crypto::apikey::generate(openfiskal_crypto::ApiKeyKind::Setup, openfiskal_crypto::KeyMode::Test);
    let platform_as_token = app.platform_key().await;
    let mut bodies = Vec::new();
    for t in [expired.as_str(), unknown.key.as_str(), "ofk_setup_garbage", platform_as_token.as_str()] {
        let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": t}))).await;
        let mut j = res.expect(401, Some("setup_token_invalid"));
        j.as_object_mut().unwrap().remove("request_id");
        bodies.push(j);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "no credential enumeration: {bodies:?}");
    assert!(bodies[0]["message"].as_str().unwrap().contains("`openfiskal admin setup-token`"), "{}", bodies[0]);
}

#[tokio::test]
async fn bad_bodies_are_400_and_consume_nothing() {
    let app = TestApp::sqlite().await;
    let t = token(&app, 3600).await;
    for (body, param) in [
        (json!({}), None),
        (json!({"setup_token": t, "label": ""}), Some("label")),
        (json!({"setup_token": t, "label": "x".repeat(101)}), Some("label")),
        (json!({"setup_token": t, "description": "x".repeat(501)}), Some("description")),
        (json!({"setup_token": t, "admin": true}), Some("admin")),
        (json!({"setup_token": 5}), Some("setup_token")),
    ] {
        let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&body)).await;
        let j = res.expect(400, Some("invalid_request"));
        if let Some(p) = param {
            assert_eq!(j["param"], p, "{body}");
        }
    }
    // A wrong type names the field and what it wants.
    let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": 5}))).await;
    let msg = res.expect(400, Some("invalid_request"))["message"].as_str().unwrap().to_owned();
    assert_eq!(msg, "Invalid request body: `setup_token`: invalid type: integer `5`, expected a string.");
    // The token still works after all those refusals.
    let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": t}))).await;
    res.expect(201, None);
}

#[tokio::test]
async fn bootstrap_is_rate_limited_per_address() {
    let app = TestApp::builder(TestBackend::Sqlite).config(|c| c.bootstrap_per_minute = 3).build().await;
    for _ in 0..3 {
        app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": "ofk_setup_x"})))
            .await
            .expect(401, None);
    }
    let res = app.send("POST", "/v1/auth/bootstrap", &[], Some(&json!({"setup_token": "ofk_setup_x"}))).await;
    res.expect(429, Some("rate_limit_exceeded"));
    assert_eq!(res.header("retry-after").as_deref(), Some("20"));
}
