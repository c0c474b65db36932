//! OpenAPI schemas of the core's text enums (`openfiskal_core::state`): the core knows no utoipa, so
//! the API describes them here, from the enums' own variant lists.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

fn text_enum(values: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()))
}

/// `DE`, `AT`, `IT`.
pub fn jurisdiction() -> RefOr<Schema> {
    text_enum(openfiskal_core::Jurisdiction::ALL.iter().map(|j| j.as_str()))
}

/// `active`, `archived`.
pub fn register_state() -> RefOr<Schema> {
    text_enum(openfiskal_core::RegisterState::ALL.iter().map(|s| s.as_str()))
}

/// `provisioning`, `active`, `error`, `decommissioned`.
pub fn fiscal_unit_state() -> RefOr<Schema> {
    text_enum(openfiskal_core::FiscalUnitState::ALL.iter().map(|s| s.as_str()))
}
