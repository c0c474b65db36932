//! Routes, one module per resource. Each handler carries its `#[utoipa::path]`, so the router and
//! the OpenAPI document are built from the same list and cannot drift apart.

pub mod api_keys;
pub mod bootstrap;
pub mod locations;
pub mod organizations;
pub mod service;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Routes that need no credential.
pub fn public() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(service::healthz))
        .routes(routes!(service::readyz))
        .routes(routes!(service::metrics))
        .routes(routes!(service::openapi_json))
}

/// Routes that take a setup token in the body instead of a credential.
pub fn bootstrap() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bootstrap::bootstrap))
}

/// Routes behind `authenticate`.
pub fn authenticated() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_keys::list_platform_keys, api_keys::create_platform_key))
        .routes(routes!(api_keys::revoke_platform_key))
        .routes(routes!(organizations::create_organization, organizations::list_organizations))
        .routes(routes!(organizations::get_organization, organizations::update_organization))
        .routes(routes!(api_keys::list_org_keys, api_keys::create_org_key))
        .routes(routes!(api_keys::revoke_org_key))
        .routes(routes!(locations::create_location, locations::list_locations))
        .routes(routes!(locations::get_location, locations::update_location))
}
