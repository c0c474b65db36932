//! API keys (api.md §2.1, §2.2, §2.5): create, list masked, revoke, and what a key may call.

use crate::*;

#[tokio::test]
async fn platform_keys_create_list_masked_revoke() {
    let app = TestApp::sqlite().await;
    let p = app.platform_key().await;
    let auth = bearer(&p);
    let res = app
        .send(
            "POST",
            "/v1/auth/api-keys",
            &[("authorization", &auth)],
            Some(&json!({"label": "CI", "description": "for CI"})),
        )
        .await;
    let created = res.expect(201, None);
    let full = created["api_key"].as_str().unwrap().to_owned();
    assert!(full.starts_with("ofk_platform_test_") && full.len() == "ofk_platform_test_".len() + 38);
    let list = app.send("GET", "/v1/auth/api-keys", &[("authorization", &auth)], None).await.expect(200, None);
    assert_eq!(list["object"], "list");
    let listed: Vec<&Value> = list["data"].as_array().unwrap().iter().filter(|k| k["id"] == created["id"]).collect();
    assert_eq!(listed.len(), 1);
    let masked = listed[0]["api_key"].as_str().unwrap();
    assert_eq!(masked, format!("ofk_platform_test_…{}", &full[full.len() - 4..]));
    assert!(!list.to_string().contains(&full), "the full key appears only once");

    let path = format!("/v1/auth/api-keys/{}", created["id"].as_str().unwrap());
    let revoked = app.send("DELETE", &path, &[("authorization", &auth)], None).await.expect(200, None);
    assert_eq!(revoked["revoked_at"], "2026-02-26T10:00:00Z");
    assert_eq!(revoked["api_key"], masked);
    let again = app.send("DELETE", &path, &[("authorization", &auth)], None).await.expect(200, None);
    assert_eq!(again, revoked, "repeating returns the same object");
    // Revoked takes effect for the next request; the list shows only active keys.
    app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&full))], None)
        .await
        .expect(401, Some("unauthorized"));
    let list = app.send("GET", "/v1/auth/api-keys", &[("authorization", &auth)], None).await.expect(200, None);
    assert!(list["data"].as_array().unwrap().iter().all(|k| k["id"] != created["id"]));
}

#[tokio::test]
async fn revoking_the_key_in_use_completes_the_request() {
    let app = TestApp::sqlite().await;
    let p = app.platform_key().await;
    let list = app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&p))], None).await.expect(200, None);
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/auth/api-keys/{id}");
    app.send("DELETE", &path, &[("authorization", &bearer(&p))], None).await.expect(200, None);
    app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&p))], None).await.expect(401, None);
}

#[tokio::test]
async fn organization_keys_are_scoped_to_their_organization() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let ok = bearer(&w.org_key);
    let path = format!("/v1/organizations/{}/api-keys", w.org);
    let created =
        app.send("POST", &path, &[("authorization", &ok)], Some(&json!({"label": "second"}))).await.expect(201, None);
    assert_eq!(created["object"], "organization_api_key");
    assert_eq!(created["organization_id"], w.org.as_str());
    assert!(created["api_key"].as_str().unwrap().starts_with("ofk_org_test_"));
    let list = app.send("GET", &path, &[("authorization", &ok)], None).await.expect(200, None);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    // An organization key cannot reach platform key management or create organizations.
    app.send("GET", "/v1/auth/api-keys", &[("authorization", &ok)], None).await.expect(403, Some("forbidden"));
    app.send("POST", "/v1/organizations", &[("authorization", &ok)], Some(&org_body()))
        .await
        .expect(403, Some("forbidden"));
    // A platform key's id is not an organization key.
    let pl =
        app.send("GET", "/v1/auth/api-keys", &[("authorization", &bearer(&w.platform))], None).await.expect(200, None);
    let pid = pl["data"][0]["id"].as_str().unwrap();
    app.send("DELETE", &format!("{path}/{pid}"), &[("authorization", &ok)], None).await.expect(404, Some("not_found"));
    let del = format!("{path}/{}", created["id"].as_str().unwrap());
    app.send("DELETE", &del, &[("authorization", &ok)], None).await.expect(200, None);
}

#[tokio::test]
async fn key_bodies_are_checked() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let before = app.count("api_keys").await;
    for (body, param) in [
        (json!({}), "label"),
        (json!({"label": ""}), "label"),
        (json!({"label": "x", "mode": "live"}), "mode"),
        (json!({"label": "x", "description": "d".repeat(501)}), "description"),
    ] {
        let j = app
            .send("POST", "/v1/auth/api-keys", &[("authorization", &p)], Some(&body))
            .await
            .expect(400, Some("invalid_request"));
        if body != json!({}) {
            assert_eq!(j["param"], param);
        }
    }
    assert_eq!(app.count("api_keys").await, before);
}

#[tokio::test]
async fn credential_failures_share_one_body() {
    let app = TestApp::sqlite().await;
    let live =
        openfiskal_crypto::apikey::generate(openfiskal_crypto::ApiKeyKind::Platform, openfiskal_crypto::KeyMode::Live);
    let unknown =
        openfiskal_crypto::apikey::generate(openfiskal_crypto::ApiKeyKind::Platform, openfiskal_crypto::KeyMode::Test);
    let mut bodies = Vec::new();
    for h in [
        vec![],
        vec![("authorization", "Bearer nonsense".to_owned())],
        vec![("authorization", "Basic abc".to_owned())],
        vec![("authorization", bearer(&live.key))],
        vec![("authorization", bearer(&unknown.key))],
    ] {
        let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut j = app.send("GET", "/v1/organizations", &hs, None).await.expect(401, Some("unauthorized"));
        j.as_object_mut().unwrap().remove("request_id");
        bodies.push(j);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn both_credential_headers_is_400() {
    let app = TestApp::sqlite().await;
    let p = app.platform_key().await;
    let res = app
        .send(
            "GET",
            "/v1/organizations",
            &[("authorization", &bearer(&p)), ("x-register-api-key", "ofk_reg_test_x")],
            None,
        )
        .await;
    assert_eq!(res.expect(400, Some("invalid_request"))["param"], "X-Register-Api-Key");
}

#[tokio::test]
async fn secrets_never_reach_the_database() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let p = bearer(&w.platform);
    let created = app
        .send(
            "POST",
            "/v1/auth/api-keys",
            &[("authorization", &p), ("idempotency-key", "k1")],
            Some(&json!({"label": "x"})),
        )
        .await
        .expect(201, None);
    let full = created["api_key"].as_str().unwrap().to_owned();
    // The idempotent replay still returns the key, although only ciphertext is stored.
    let replay = app
        .send(
            "POST",
            "/v1/auth/api-keys",
            &[("authorization", &p), ("idempotency-key", "k1")],
            Some(&json!({"label": "x"})),
        )
        .await;
    assert_eq!(replay.json()["api_key"], full.as_str());
    app.store.close().await;
    let dir = app.store_path().expect("sqlite file");
    let mut haystack = Vec::new();
    for entry in std::fs::read_dir(dir.parent().unwrap()).unwrap() {
        haystack.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for secret in [&full, &w.platform, &w.org_key] {
        let needle = secret.as_bytes();
        let tail = &needle[needle.len() - 20..];
        assert!(!haystack.windows(tail.len()).any(|win| win == tail), "a key's secret part is in the database files");
    }
}
