//! Tenant walls (api.md §2.4) on both backends: another organization's objects are 404.

use crate::*;
use openfiskal_testkit::both_backends;

both_backends! {
    async fn another_tenant_is_invisible(app) {
        let a = World::new(&app).await;
        let b_org = app.create_org(&a.platform, "Fremd GmbH").await;
        let b_key = app.org_key(&a.platform, &b_org).await;
        let b = bearer(&b_key);
        let before = (app.count("organizations").await, app.count("locations").await, app.count("api_keys").await);
        for (m, path, body) in [
            ("GET", format!("/v1/organizations/{}", a.org), None),
            ("PATCH", format!("/v1/organizations/{}", a.org), Some(json!({"trade_name": "hijack"}))),
            ("GET", format!("/v1/organizations/{}/locations", a.org), None),
            ("POST", format!("/v1/organizations/{}/locations", a.org), Some(location_body())),
            ("GET", format!("/v1/organizations/{}/api-keys", a.org), None),
            ("POST", format!("/v1/organizations/{}/api-keys", a.org), Some(json!({"label": "x"}))),
            ("GET", format!("/v1/locations/{}", a.location), None),
            ("PATCH", format!("/v1/locations/{}", a.location), Some(json!({"name": "hijack"}))),
        ] {
            app.send(m, &path, &[("authorization", &b)], body.as_ref()).await.expect(404, Some("not_found"));
        }
        // A platform key acting for B does not see A's location either.
        let p = bearer(&a.platform);
        let path = format!("/v1/locations/{}", a.location);
        app.send("GET", &path, &[("authorization", &p), ("openfiskal-organization", &b_org)], None).await.expect(404, Some("not_found"));
        let after = (app.count("organizations").await, app.count("locations").await, app.count("api_keys").await);
        assert_eq!(before, after, "nothing written");
        let org = app.send("GET", &format!("/v1/organizations/{}", a.org), &[("authorization", &p)], None).await.expect(200, None);
        assert_eq!(org["trade_name"], Value::Null);
    }
}
