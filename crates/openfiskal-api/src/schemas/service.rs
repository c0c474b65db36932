//! Schemas of the service endpoints' bodies (api.md §16) that `routes::service` builds dynamically.

use utoipa::ToSchema;

/// `/readyz`: one verdict per check: `ok`, or why not (`unavailable`, `pending`, `not_durable`).
#[derive(ToSchema)]
pub struct ReadyChecks {
    /// The database answers.
    pub database: String,
    /// Every migration is applied (`pending` otherwise).
    pub migrations: String,
    /// Commits are durable (`not_durable` otherwise).
    pub durability: String,
    /// The key-encryption key seals and opens.
    pub keystore: String,
}

/// The OpenAPI 3.1 document itself: its top-level fields (see <https://spec.openapis.org/oas/v3.1.0>).
#[derive(ToSchema)]
pub struct OpenApiDocument {
    /// `3.1.0`.
    #[schema(pattern = r"^3\.1\.\d+$")]
    pub openapi: String,
    /// Title and version.
    #[schema(value_type = Object)]
    pub info: serde_json::Value,
    /// The default `$schema` of the schemas.
    #[serde(rename = "jsonSchemaDialect")]
    pub json_schema_dialect: Option<String>,
    /// Where the API is served.
    #[schema(value_type = Option<Vec<Object>>)]
    pub servers: serde_json::Value,
    /// Every path.
    #[schema(value_type = Object)]
    pub paths: serde_json::Value,
    /// Webhooks.
    #[schema(value_type = Option<Object>)]
    pub webhooks: serde_json::Value,
    /// Schemas and security schemes.
    #[schema(value_type = Option<Object>)]
    pub components: serde_json::Value,
    /// The default security requirements.
    #[schema(value_type = Option<Vec<Object>>)]
    pub security: serde_json::Value,
    /// The tags.
    #[schema(value_type = Option<Vec<Object>>)]
    pub tags: serde_json::Value,
    /// More documentation.
    #[serde(rename = "externalDocs")]
    #[schema(value_type = Option<Object>)]
    pub external_docs: serde_json::Value,
}
