//! Organizations (api.md §4.1).

use crate::*;

#[tokio::test]
async fn create_get_list_patch() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let mut body = org_body();
    body["trade_name"] = json!("Muster");
    body["metadata"] = json!({"erp": "4711", "drop": 1});
    let res = app.send("POST", "/v1/organizations", &[("authorization", &p)], Some(&body)).await;
    let org = res.expect(201, None);
    let id = org["id"].as_str().unwrap();
    assert!(id.starts_with("org_") && id.len() == 30);
    assert_eq!(res.header("location").unwrap(), format!("/v1/organizations/{id}"));
    let expected = json!({
        "id": id, "object": "organization", "legal_name": "Muster GmbH", "trade_name": "Muster", "country": "DE",
        "tax_id": "DE123456789", "tax_number": null,
        "address": {"line1": "Unter den Linden 1", "line2": null, "city": "Berlin", "state": null, "postal_code": "10117", "country": "DE"},
        "metadata": {"erp": "4711", "drop": 1}, "created_at": "2026-02-26T10:00:00Z", "updated_at": "2026-02-26T10:00:00Z"
    });
    assert_eq!(org, expected);
    let path = format!("/v1/organizations/{id}");
    assert_eq!(app.send("GET", &path, &[("authorization", &p)], None).await.expect(200, None), expected);

    app.clock.advance_secs(60);
    let patch = json!({"trade_name": null, "tax_number": "21/815/08150", "metadata": {"drop": null, "new": true}});
    let updated = app.send("PATCH", &path, &[("authorization", &p)], Some(&patch)).await.expect(200, None);
    assert_eq!(updated["trade_name"], Value::Null);
    assert_eq!(updated["tax_number"], "21/815/08150");
    assert_eq!(updated["metadata"], json!({"erp": "4711", "new": true}));
    assert_eq!(updated["updated_at"], "2026-02-26T10:01:00Z");
    assert_eq!(updated["created_at"], "2026-02-26T10:00:00Z");
    assert_eq!(updated["legal_name"], "Muster GmbH", "absent fields stay");
}

#[tokio::test]
async fn tax_ids_per_country() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let mut it = org_body();
    it["country"] = json!("IT");
    it["tax_id"] = json!("IT01234567890");
    let j = app.send("POST", "/v1/organizations", &[("authorization", &p)], Some(&it)).await.expect(201, None);
    assert_eq!(j["tax_id"], "01234567890", "stored without the IT prefix");
    let before = app.count("organizations").await;
    for (country, tax) in [("DE", "DE12345"), ("AT", "ATU1234567"), ("IT", "123")] {
        let mut b = org_body();
        b["country"] = json!(country);
        b["tax_id"] = json!(tax);
        let e = app.send("POST", "/v1/organizations", &[("authorization", &p)], Some(&b)).await;
        assert_eq!(e.expect(422, Some("validation_error"))["param"], "tax_id");
    }
    assert_eq!(app.count("organizations").await, before);
}

#[tokio::test]
async fn malformed_bodies_are_400_and_write_nothing() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut b = org_body();
    b.as_object_mut().unwrap().remove("legal_name");
    cases.push((b, "legal_name"));
    let mut b = org_body();
    b["legal_name"] = json!("");
    cases.push((b, "legal_name"));
    let mut b = org_body();
    b["country"] = json!("Germany");
    cases.push((b, "country"));
    let mut b = org_body();
    b["address"]["city"] = json!(5);
    cases.push((b, "address.city"));
    let mut b = org_body();
    b["address"]["planet"] = json!("Earth");
    cases.push((b, "address.planet"));
    let mut b = org_body();
    b["id"] = json!("org_01JN3Q8W6ZK4T5V7X9Y2B3C4D5");
    cases.push((b, "id"));
    let mut b = org_body();
    b["created_at"] = json!("2026-01-01T00:00:00Z");
    cases.push((b, "created_at"));
    let mut b = org_body();
    b["metadata"] = json!({"k": "v".repeat(600)});
    cases.push((b, "metadata"));
    let mut b = org_body();
    b["address"]["postal_code"] = json!("");
    cases.push((b, "address.postal_code"));
    for (body, param) in cases {
        let j = app
            .send("POST", "/v1/organizations", &[("authorization", &p)], Some(&body))
            .await
            .expect(400, Some("invalid_request"));
        assert_eq!(j["param"], param, "{body}");
    }
    assert_eq!(app.count("organizations").await, 0);
}

#[tokio::test]
async fn patch_refuses_country_and_nulls_on_required_fields() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let path = format!("/v1/organizations/{}", w.org);
    let a = bearer(&w.org_key);
    let before = app.send("GET", &path, &[("authorization", &a)], None).await.expect(200, None);
    for (body, param, code) in [
        (json!({"country": "AT"}), "country", 400),
        (json!({"legal_name": null}), "legal_name", 400),
        (json!({"address": null}), "address", 400),
        (json!({"tax_id": "nope"}), "tax_id", 422),
        (json!({"object": "x"}), "object", 400),
    ] {
        let j = app.send("PATCH", &path, &[("authorization", &a)], Some(&body)).await.expect(code, None);
        assert_eq!(j["param"], param);
    }
    assert_eq!(app.send("GET", &path, &[("authorization", &a)], None).await.expect(200, None), before);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = TestApp::sqlite().await;
    let p = bearer(&app.platform_key().await);
    for id in ["org_01JN3Q8W6ZK4T5V7X9Y2B3C4D5", "org_nope", "loc_01JN3Q8W6ZK4T5V7X9Y2B3C4D5"] {
        app.send("GET", &format!("/v1/organizations/{id}"), &[("authorization", &p)], None)
            .await
            .expect(404, Some("not_found"));
        app.send(
            "PATCH",
            &format!("/v1/organizations/{id}"),
            &[("authorization", &p)],
            Some(&json!({"trade_name": "x"})),
        )
        .await
        .expect(404, Some("not_found"));
    }
}

#[tokio::test]
async fn org_key_lists_only_its_own_organization() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    app.create_org(&w.platform, "Other GmbH").await;
    let all =
        app.send("GET", "/v1/organizations", &[("authorization", &bearer(&w.platform))], None).await.expect(200, None);
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    let own =
        app.send("GET", "/v1/organizations", &[("authorization", &bearer(&w.org_key))], None).await.expect(200, None);
    let ids: Vec<&str> = own["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [w.org.as_str()]);
}
