//! Field checks shared by request bodies: lengths and patterns are `400 invalid_request`
//! (api.md §3.2); business rules are `422 validation_error`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Checks a string's length in characters.
pub fn length(param: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ApiError::invalid(param, format!("{param} must be {min}-{max} characters.")));
    }
    Ok(())
}

/// Checks an optional string's length.
pub fn opt_length(param: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| length(param, v, 0, max))
}

/// Checks `metadata` limits (api.md §1.13).
pub fn metadata(value: &Map<String, Value>) -> Result<(), ApiError> {
    openfiskal_core::metadata::check(value).map_err(|m| ApiError::invalid("metadata", m))
}

/// A postal address (api.md §4.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number (1–100).
    pub line1: String,
    /// Second line (≤ 100).
    #[serde(default)]
    pub line2: Option<String>,
    /// City (1–100).
    pub city: String,
    /// State or region (≤ 100).
    #[serde(default)]
    pub state: Option<String>,
    /// Postal code (1–100).
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Address {
    /// Checks lengths and the country code; `param` is the field's path (`address`).
    pub fn check(&self, param: &str) -> Result<(), ApiError> {
        length(&format!("{param}.line1"), &self.line1, 1, 100)?;
        opt_length(&format!("{param}.line2"), self.line2.as_deref(), 100)?;
        length(&format!("{param}.city"), &self.city, 1, 100)?;
        opt_length(&format!("{param}.state"), self.state.as_deref(), 100)?;
        length(&format!("{param}.postal_code"), &self.postal_code, 1, 100)?;
        country(&format!("{param}.country"), &self.country)
    }
}

/// Checks an ISO 3166-1 alpha-2 code.
pub fn country(param: &str, value: &str) -> Result<(), ApiError> {
    if openfiskal_core::org::is_country_code(value) {
        Ok(())
    } else {
        Err(ApiError::invalid(param, format!("{param} must be an ISO 3166-1 alpha-2 code such as DE.")))
    }
}

/// Parses a path id; a malformed id is simply not found.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Serialises a value for a JSON text column.
pub fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::internal(&e))
}

/// Applies a PATCH to stored metadata (merge by key, `null` removes) and checks the result.
pub fn merge_metadata(stored: &str, patch: Map<String, Value>) -> Result<String, ApiError> {
    let mut current: Map<String, Value> = serde_json::from_str(stored).map_err(|e| ApiError::internal(&e))?;
    openfiskal_core::metadata::merge(&mut current, patch);
    metadata(&current)?;
    to_json(&current)
}
