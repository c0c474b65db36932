//! `Idempotency-Key` conformance (api.md §1.9), on both backends.

use crate::*;
use openfiskal_testkit::both_backends;

both_backends! {
    async fn replay_is_byte_identical(app) {
        let p = bearer(&app.platform_key().await);
        let h = [("authorization", p.as_str()), ("idempotency-key", "a7c3b1e2-0000-4000-8000-000000000001")];
        let first = app.send("POST", "/v1/organizations", &h, Some(&org_body())).await;
        first.expect(201, None);
        assert_eq!(first.header("idempotent-replayed"), None);
        // Whitespace and key order do not matter.
        let reordered = br#"{ "address": {"country":"DE","postal_code":"10117","city":"Berlin","line1":"Unter den Linden 1"},
            "tax_id":"DE123456789", "country":"DE", "legal_name":"Muster GmbH" }"#;
        let second = app.send_raw("POST", "/v1/organizations", &[h[0], h[1], ("content-type", "application/json")], reordered.to_vec()).await;
        assert_eq!(second.status, 201);
        assert_eq!(second.body, first.body, "byte for byte");
        assert_eq!(second.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(second.header("location"), first.header("location"));
        assert_ne!(second.header("x-request-id"), first.header("x-request-id"), "the request id is fresh");
        assert_eq!(app.count("organizations").await, 1);
    }
}

both_backends! {
    async fn different_body_is_a_conflict(app) {
        let p = bearer(&app.platform_key().await);
        let h = [("authorization", p.as_str()), ("idempotency-key", "key-1")];
        app.send("POST", "/v1/organizations", &h, Some(&org_body())).await.expect(201, None);
        let mut other = org_body();
        other["legal_name"] = json!("Other GmbH");
        let res = app.send("POST", "/v1/organizations", &h, Some(&other)).await;
        assert_eq!(res.expect(409, Some("idempotency_key_conflict"))["param"], "Idempotency-Key");
        assert_eq!(app.count("organizations").await, 1);
    }
}

both_backends! {
    async fn rejected_requests_leave_the_key_unused(app) {
        let p = bearer(&app.platform_key().await);
        let h = [("authorization", p.as_str()), ("idempotency-key", "retry-me")];
        let mut bad = org_body();
        bad["tax_id"] = json!("DE1");
        app.send("POST", "/v1/organizations", &h, Some(&bad)).await.expect(422, Some("validation_error"));
        assert_eq!(app.count("idempotency_keys").await, 0);
        // The corrected request with the same key runs normally.
        app.send("POST", "/v1/organizations", &h, Some(&org_body())).await.expect(201, None);
        assert_eq!(app.count("idempotency_keys").await, 1);
    }
}

both_backends! {
    async fn keys_are_scoped_by_credential_and_path(app) {
        let p1 = bearer(&app.platform_key().await);
        let p2 = bearer(&app.platform_key().await);
        app.send("POST", "/v1/organizations", &[("authorization", &p1), ("idempotency-key", "same")], Some(&org_body())).await.expect(201, None);
        let res = app.send("POST", "/v1/organizations", &[("authorization", &p2), ("idempotency-key", "same")], Some(&org_body())).await;
        res.expect(201, None);
        assert_eq!(res.header("idempotent-replayed"), None, "another credential's key is another key");
        assert_eq!(app.count("organizations").await, 2);
    }
}

both_backends! {
    async fn twenty_parallel_requests_execute_once(app) {
        let p = bearer(&app.platform_key().await);
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let app = app.clone();
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                app.send("POST", "/v1/organizations", &[("authorization", &p), ("idempotency-key", "parallel")], Some(&org_body())).await
            }));
        }
        let mut created = Vec::new();
        for t in tasks {
            let res = t.await.unwrap();
            match res.status.as_u16() {
                201 => created.push(res.body.clone()),
                409 => assert_eq!(res.json()["code"], "idempotency_key_in_use"),
                s => panic!("unexpected {s}: {}", res.json()),
            }
        }
        assert!(!created.is_empty());
        assert!(created.windows(2).all(|w| w[0] == w[1]), "every 201 is the same response");
        assert_eq!(app.count("organizations").await, 1, "exactly one execution");
    }
}

#[tokio::test]
async fn malformed_keys_are_400() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let long = "k".repeat(256);
    for k in ["", "has space", long.as_str()] {
        let res = app
            .send("POST", "/v1/organizations", &[("authorization", &p), ("idempotency-key", k)], Some(&org_body()))
            .await;
        assert_eq!(res.expect(400, Some("invalid_request"))["param"], "Idempotency-Key");
    }
    assert_eq!(app.count("organizations").await, 0);
}

#[tokio::test]
async fn stored_responses_expire_after_the_retention() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let h = [("authorization", p.as_str()), ("idempotency-key", "old")];
    app.send("POST", "/v1/organizations", &h, Some(&org_body())).await.expect(201, None);
    app.clock.advance_secs(7 * 86_400 - 1);
    let replay = app.send("POST", "/v1/organizations", &h, Some(&org_body())).await;
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"), "kept at least 7 days");
    app.clock.advance_secs(2);
    let fresh = app.send("POST", "/v1/organizations", &h, Some(&org_body())).await;
    fresh.expect(201, None);
    assert_eq!(fresh.header("idempotent-replayed"), None, "after expiry the request runs again");
    assert_eq!(app.count("organizations").await, 2);
}

#[tokio::test]
async fn patch_replays_too() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let path = format!("/v1/organizations/{}", w.org);
    let h = [("authorization", bearer(&w.org_key)), ("idempotency-key", "p1".to_owned())];
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = app.send("PATCH", &path, &hs, Some(&json!({"metadata": {"n": 1}}))).await.expect(200, None);
    app.clock.advance_secs(5);
    let b = app.send("PATCH", &path, &hs, Some(&json!({"metadata": {"n": 1}}))).await;
    assert_eq!(b.json(), a);
    assert_eq!(b.header("idempotent-replayed").as_deref(), Some("true"));
}
