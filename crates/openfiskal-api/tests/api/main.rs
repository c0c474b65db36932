//! API tests, in process, on real databases: one test binary for the whole HTTP contract.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod authz;
mod bootstrap;
mod conventions;
mod idempotency;
mod keys;
mod locations;
mod openapi;
mod organizations;
mod tenancy;

pub use openfiskal_testkit::{TestApp, TestBackend, bearer};
pub use serde_json::{Value, json};

/// A platform key and one organization with a location, ready for a test.
pub struct World {
    pub platform: String,
    pub org: String,
    pub org_key: String,
    pub location: String,
}

impl World {
    pub async fn new(app: &TestApp) -> Self {
        let platform = app.platform_key().await;
        let org = app.create_org(&platform, "Muster GmbH").await;
        let org_key = app.org_key(&platform, &org).await;
        let location = app.create_location(&org_key, &org).await;
        Self { platform, org, org_key, location }
    }
}

/// A valid organization body.
pub fn org_body() -> Value {
    json!({"legal_name": "Muster GmbH", "country": "DE", "tax_id": "DE123456789",
           "address": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}})
}

/// A valid location body.
pub fn location_body() -> Value {
    json!({"name": "Berlin Mitte", "timezone": "Europe/Berlin",
           "address": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}})
}
