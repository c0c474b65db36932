//! API tests, in process, on real databases: one test binary for the whole HTTP contract.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod authz;
mod bootstrap;
mod closing_summaries;
mod closings;
mod constraints;
mod conventions;
mod custody;
mod durability;
mod fiscal_units;
mod idempotency;
mod keys;
mod lifecycle;
mod locations;
mod openapi;
mod operation_rules;
mod operation_types;
mod operations;
mod organizations;
mod qr_tools;
mod registers;
mod tenancy;
mod tse_curve;

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
    /// An organization seated in `country` with a location there (DE, AT or IT).
    pub async fn in_country(app: &TestApp, country: &str) -> Self {
        let platform = app.platform_key().await;
        let (tax_id, city, tz) = match country {
            "AT" => ("ATU12345678", "Wien", "Europe/Vienna"),
            "IT" => ("IT01234567890", "Roma", "Europe/Rome"),
            _ => ("DE123456789", "Berlin", "Europe/Berlin"),
        };
        let address = json!({"line1": "Hauptstrasse 1", "city": city, "postal_code": "1010", "country": country});
        let body = json!({"legal_name": "Muster", "country": country, "tax_id": tax_id, "address": address});
        let org = app
            .send("POST", "/v1/organizations", &[("authorization", &bearer(&platform))], Some(&body))
            .await
            .expect(201, None)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let org_key = app.org_key(&platform, &org).await;
        let loc = json!({"name": "Filiale", "timezone": tz, "address": address});
        let path = format!("/v1/organizations/{org}/locations");
        let location =
            app.send("POST", &path, &[("authorization", &bearer(&org_key))], Some(&loc)).await.expect(201, None)["id"]
                .as_str()
                .unwrap()
                .to_owned();
        Self { platform, org, org_key, location }
    }

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

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

/// Sorted field names.
pub fn fields(names: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

pub const REGISTER_FIELDS: &[&str] = &[
    "id",
    "object",
    "label",
    "jurisdiction",
    "serial_number",
    "metadata",
    "location_id",
    "organization_id",
    "state",
    "active_fiscal_unit",
    "current_fiscal_unit_id",
    "heartbeat_interval_seconds",
    "device",
    "fiscal_state",
    "fiscal_registration",
    "archived_at",
    "created_at",
    "updated_at",
];

pub const FISCAL_UNIT_FIELDS: &[&str] = &[
    "id",
    "object",
    "register_id",
    "organization_id",
    "state",
    "jurisdiction",
    "fiscal_registration",
    "reason",
    "reason_code",
    "replaces",
    "replaced_by",
    "provisioned_at",
    "decommissioned_at",
    "metadata",
    "state_changed_at",
    "created_at",
];
