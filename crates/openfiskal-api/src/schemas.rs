//! OpenAPI schemas the derives cannot produce. Here: the core's text enums
//! (`openfiskal_core::state`) inline, from the enums' own variant lists (the core knows no utoipa).
//! In the submodules: schema-only types for the bodies the handlers build as JSON (the operation,
//! its `data` and fiscal document, the receipt, the closing's summary and fiscal block, the
//! operation request bodies per type) and named enum components. The API tests validate every
//! real answer against them (`openfiskal_testkit::contract`).

pub mod bodies;
pub mod closing;
pub mod enums;
pub mod fiscal_unit;
pub mod model;
pub mod operation;
pub mod receipt;
pub mod service;

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
