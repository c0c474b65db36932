//! Locations (api.md §4.2).

use crate::*;

#[tokio::test]
async fn create_get_list_patch() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let path = format!("/v1/locations/{}", w.location);
    let loc = app.send("GET", &path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(
        loc,
        json!({"id": w.location, "object": "location", "organization_id": w.org, "name": "Berlin Mitte",
               "address": {"line1": "Unter den Linden 1", "line2": null, "city": "Berlin", "state": null, "postal_code": "10117", "country": "DE"},
               "timezone": "Europe/Berlin", "metadata": {}, "created_at": "2026-02-26T10:00:00Z", "updated_at": "2026-02-26T10:00:00Z"})
    );
    let list_path = format!("/v1/organizations/{}/locations", w.org);
    let list = app.send("GET", &list_path, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(list["data"][0], loc);
    let upd = app
        .send("PATCH", &path, &[("authorization", &a)], Some(&json!({"name": "Mitte", "timezone": "Europe/Vienna"})))
        .await
        .expect(200, None);
    assert_eq!((upd["name"].as_str(), upd["timezone"].as_str()), (Some("Mitte"), Some("Europe/Vienna")));
}

#[tokio::test]
async fn platform_key_needs_the_organization_header() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let p = bearer(&w.platform);
    let path = format!("/v1/locations/{}", w.location);
    let j = app.send("GET", &path, &[("authorization", &p)], None).await.expect(400, Some("invalid_request"));
    assert_eq!(j["param"], "OpenFiskal-Organization");
    app.send("GET", &path, &[("authorization", &p), ("openfiskal-organization", &w.org)], None).await.expect(200, None);
    let unknown = "org_01JN3Q8W6ZK4T5V7X9Y2B3C4D5";
    app.send("GET", &path, &[("authorization", &p), ("openfiskal-organization", unknown)], None)
        .await
        .expect(404, Some("not_found"));
    // An organization key must not name another organization.
    let a = bearer(&w.org_key);
    app.send("GET", &path, &[("authorization", &a), ("openfiskal-organization", unknown)], None)
        .await
        .expect(403, Some("forbidden"));
    app.send("GET", &path, &[("authorization", &a), ("openfiskal-organization", &w.org)], None).await.expect(200, None);
}

#[tokio::test]
async fn bad_location_bodies_write_nothing() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    let path = format!("/v1/organizations/{}/locations", w.org);
    let before = app.count("locations").await;
    let mut tz = location_body();
    tz["timezone"] = json!("Europe/Atlantis");
    assert_eq!(
        app.send("POST", &path, &[("authorization", &a)], Some(&tz)).await.expect(422, Some("validation_error"))["param"],
        "timezone"
    );
    let mut no_tz = location_body();
    no_tz.as_object_mut().unwrap().remove("timezone");
    app.send("POST", &path, &[("authorization", &a)], Some(&no_tz)).await.expect(400, Some("invalid_request"));
    let mut long = location_body();
    long["name"] = json!("n".repeat(201));
    assert_eq!(app.send("POST", &path, &[("authorization", &a)], Some(&long)).await.expect(400, None)["param"], "name");
    assert_eq!(app.count("locations").await, before);
    let loc = format!("/v1/locations/{}", w.location);
    app.send("PATCH", &loc, &[("authorization", &a)], Some(&json!({"timezone": "Mars/Base"})))
        .await
        .expect(422, Some("validation_error"));
    app.send("PATCH", &loc, &[("authorization", &a)], Some(&json!({"timezone": null})))
        .await
        .expect(400, Some("invalid_request"));
    app.send("PATCH", &loc, &[("authorization", &a)], Some(&json!({"organization_id": "org_x"})))
        .await
        .expect(400, Some("invalid_request"));
    let j = app.send("GET", &loc, &[("authorization", &a)], None).await.expect(200, None);
    assert_eq!(j["timezone"], "Europe/Berlin");
}

#[tokio::test]
async fn pagination_walks_every_location_once() {
    let app = TestApp::sqlite().await;
    let w = World::new(&app).await;
    let a = bearer(&w.org_key);
    for _ in 0..6 {
        app.clock.advance_secs(1);
        app.create_location(&w.org_key, &w.org).await;
    }
    let base = format!("/v1/organizations/{}/locations", w.org);
    let mut seen = Vec::new();
    let mut url = format!("{base}?limit=3");
    loop {
        let page = app.send("GET", &url, &[("authorization", &a)], None).await.expect(200, None);
        assert_eq!(page["cursor"], page["next_cursor"]);
        for l in page["data"].as_array().unwrap() {
            seen.push((l["created_at"].as_str().unwrap().to_owned(), l["id"].as_str().unwrap().to_owned()));
        }
        if page["has_more"] == false {
            assert_eq!(page["next_cursor"], Value::Null);
            break;
        }
        url = format!("{base}?limit=3&cursor={}", page["next_cursor"].as_str().unwrap());
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");
    // from/to filter on created_at; a cursor cannot be reused with other filters.
    let f = app
        .send(
            "GET",
            &format!("{base}?from=2026-02-26T10:00:03Z&to=2026-02-26T10:00:05Z"),
            &[("authorization", &a)],
            None,
        )
        .await
        .expect(200, None);
    assert_eq!(f["data"].as_array().unwrap().len(), 2);
    let p1 = app.send("GET", &format!("{base}?limit=1"), &[("authorization", &a)], None).await.expect(200, None);
    let c = p1["next_cursor"].as_str().unwrap();
    let bad = app
        .send("GET", &format!("{base}?limit=1&cursor={c}&from=2026-02-26T10:00:03Z"), &[("authorization", &a)], None)
        .await;
    assert_eq!(bad.expect(400, Some("invalid_request"))["param"], "cursor");
    for q in ["limit=0", "limit=201", "limit=x", "from=yesterday", "colour=red"] {
        app.send("GET", &format!("{base}?{q}"), &[("authorization", &a)], None)
            .await
            .expect(400, Some("invalid_request"));
    }
}
