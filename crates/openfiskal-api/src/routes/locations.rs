//! Locations (api.md §4.2): created and listed under their organization, read and changed by id.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{LocationId, Timestamp, org};
use openfiskal_store::repo::locations::{self, LocationRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, Patch, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::routes::organizations;
use crate::state::AppState;
use crate::validate::{self, Address, length, path_id, to_json};

/// A store, branch or site of an organization.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LocationBody {
    /// `loc_…`
    pub id: String,
    /// Always `location`.
    pub object: &'static str,
    /// Owning organization.
    pub organization_id: String,
    /// 1–200 characters.
    pub name: String,
    /// Where it is.
    pub address: Address,
    /// IANA zone: business dates and local receipt times.
    pub timezone: String,
    /// Arbitrary key-value pairs.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last change.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl TryFrom<LocationRow> for LocationBody {
    type Error = ApiError;
    fn try_from(r: LocationRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: r.id,
            object: "location",
            organization_id: r.organization_id,
            name: r.name,
            address: serde_json::from_str(&r.address).map_err(|e| ApiError::internal(&e))?,
            timezone: r.timezone,
            metadata: serde_json::from_str(&r.metadata).map_err(|e| ApiError::internal(&e))?,
            created_at: Timestamp::from_micros(r.created_at),
            updated_at: Timestamp::from_micros(r.updated_at),
        })
    }
}

/// `POST /v1/organizations/{id}/locations`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocationRequest {
    /// 1–200 characters.
    pub name: String,
    /// Where it is.
    pub address: Address,
    /// IANA zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Arbitrary key-value pairs.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

/// `PATCH /v1/locations/{id}`
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocationRequest {
    /// 1–200 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// Replaces the address.
    #[serde(default)]
    #[schema(value_type = Option<Address>)]
    pub address: Patch<Address>,
    /// Applies from the next closing period.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    /// Merged key by key; a key set to null is removed.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Patch<Map<String, Value>>,
}

fn check_timezone(tz: &str) -> Result<(), ApiError> {
    if org::is_known_timezone(tz) {
        Ok(())
    } else {
        Err(ApiError::validation("timezone", format!("`{tz}` is not an IANA time zone.")))
    }
}

/// Create a location.
#[utoipa::path(post, path = "/v1/organizations/{organizationId}/locations", tag = "locations",
    params(("organizationId" = String, Path)), request_body = CreateLocationRequest,
    responses((status = 201, body = LocationBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_location(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(org_id): Path<String>,
    AppJson(req): AppJson<CreateLocationRequest>,
) -> Result<Response, ApiError> {
    let org = organizations::load(&app, &caller, &org_id).await?;
    length("name", &req.name, 1, 200)?;
    req.address.check("address")?;
    let metadata = req.metadata.unwrap_or_default();
    validate::metadata(&metadata)?;
    check_timezone(&req.timezone)?;
    let now = app.now_us();
    let row = LocationRow {
        id: app.new_id(LocationId::PREFIX),
        organization_id: org.id,
        name: req.name,
        address: to_json(&req.address)?,
        timezone: req.timezone,
        metadata: to_json(&metadata)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.store.begin().await?;
    locations::insert(&mut tx, &row).await?;
    let location = format!("/v1/locations/{}", row.id);
    let body = LocationBody::try_from(row)?;
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}

/// List an organization's locations.
#[utoipa::path(get, path = "/v1/organizations/{organizationId}/locations", tag = "locations",
    params(("organizationId" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<LocationBody>), (status = 404, body = ErrorBody)))]
pub async fn list_locations(
    State(app): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let org = organizations::load(&app, &caller, &org_id).await?;
    let mut db = app.store.read().await?;
    let page = locations::list(&mut db, &org.id, &params.page).await?;
    let body = params.body(page, |r| (r.created_at, r.id.clone()), LocationBody::try_from)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Retrieve a location.
#[utoipa::path(get, path = "/v1/locations/{locationId}", tag = "locations",
    params(("locationId" = String, Path)),
    responses((status = 200, body = LocationBody), (status = 404, body = ErrorBody)))]
pub async fn get_location(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let org = caller.org_scope()?;
    let id: LocationId = path_id(&id)?;
    let mut db = app.store.read().await?;
    let row = locations::get(&mut db, &org.to_string(), &id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &LocationBody::try_from(row)?))
}

/// Update a location.
#[utoipa::path(patch, path = "/v1/locations/{locationId}", tag = "locations",
    params(("locationId" = String, Path)), request_body = UpdateLocationRequest,
    responses((status = 200, body = LocationBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_location(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<UpdateLocationRequest>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let org = caller.org_scope()?;
    let id: LocationId = path_id(&id)?;
    let mut tx = app.store.begin().await?;
    let mut row = locations::get(&mut tx, &org.to_string(), &id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    match req.name {
        Patch::Value(v) => {
            length("name", &v, 1, 200)?;
            row.name = v;
        }
        Patch::Null => return Err(ApiError::invalid("name", "name cannot be null.")),
        Patch::Absent => {}
    }
    match req.address {
        Patch::Value(a) => {
            a.check("address")?;
            row.address = to_json(&a)?;
        }
        Patch::Null => return Err(ApiError::invalid("address", "address cannot be null.")),
        Patch::Absent => {}
    }
    match req.timezone {
        Patch::Value(tz) => {
            check_timezone(&tz)?;
            row.timezone = tz;
        }
        Patch::Null => return Err(ApiError::invalid("timezone", "timezone cannot be null.")),
        Patch::Absent => {}
    }
    if let Patch::Value(m) = req.metadata {
        row.metadata = validate::merge_metadata(&row.metadata, m)?;
    }
    row.updated_at = app.now_us();
    locations::update(&mut tx, &row).await?;
    let body = LocationBody::try_from(row)?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}
