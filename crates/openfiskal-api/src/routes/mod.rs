//! Routes, one module per resource. Each handler carries its `#[utoipa::path]`, so the router and
//! the OpenAPI document are built from the same list and cannot drift apart.

pub mod api_keys;
pub mod bootstrap;
pub mod closings;
pub mod fiscal_unit_body;
pub mod fiscal_units;
pub mod journal;
pub mod locations;
pub mod operations;
pub mod organizations;
pub mod receipts;
pub mod registers;
pub mod sandbox;
pub mod service;
pub mod status;

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
        .routes(routes!(service::docs))
        .routes(routes!(service::docs_script))
}

/// Routes that take a setup token in the body instead of a credential.
pub fn bootstrap() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bootstrap::bootstrap))
}

/// Routes behind `authenticate`.
pub fn authenticated() -> OpenApiRouter<AppState> {
    operations::routes()
        .into_iter()
        .fold(OpenApiRouter::new(), OpenApiRouter::routes)
        .routes(routes!(api_keys::list_platform_keys, api_keys::create_platform_key))
        .routes(routes!(api_keys::revoke_platform_key))
        .routes(routes!(organizations::create_organization, organizations::list_organizations))
        .routes(routes!(organizations::get_organization, organizations::update_organization))
        .routes(routes!(api_keys::list_org_keys, api_keys::create_org_key))
        .routes(routes!(api_keys::revoke_org_key))
        .routes(routes!(locations::create_location, locations::list_locations))
        .routes(routes!(locations::get_location, locations::update_location))
        .routes(routes!(registers::create_register, registers::list_registers))
        .routes(routes!(status::location_status))
        .routes(routes!(registers::get_register, registers::update_register))
        .routes(routes!(registers::deactivate_register))
        .routes(routes!(fiscal_units::activate_register))
        .routes(routes!(registers::rotate_credentials))
        .routes(routes!(status::heartbeat))
        .routes(routes!(status::register_status))
        .routes(routes!(fiscal_units::create_fiscal_unit, fiscal_units::list_fiscal_units))
        .routes(routes!(fiscal_units::replace_fiscal_unit))
        .routes(routes!(fiscal_units::get_fiscal_unit))
        .routes(routes!(fiscal_units::recover_fiscal_unit))
        .routes(routes!(fiscal_units::decommission_fiscal_unit))
        .routes(routes!(journal::list_journal))
        .routes(routes!(journal::get_journal_entry))
        .routes(routes!(sandbox::create_fault, sandbox::list_faults, sandbox::clear_faults))
        .routes(routes!(operations::read::get_operation))
        .routes(routes!(operations::read::list_operations))
        .routes(routes!(receipts::get_receipt))
        .routes(routes!(closings::create_closing, closings::list_closings))
        .routes(routes!(closings::get_closing))
}
