//! Registers (api.md §5.1–§5.3): create under a location, list, get, PATCH, deactivate (archive),
//! credential rotation.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{Jurisdiction, LocationId, RegisterId, RegisterState, Timestamp};
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::repo::{api_keys, fiscal_units, locations};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::credentials::issue_register_key;
use crate::error::{ApiError, ErrorBody, codes};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, EmptyBody, Patch, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::routes::fiscal_unit_body::RegisterBody;
use crate::state::AppState;
use crate::validate::{self, length, opt_length, path_id, to_json};
use openfiskal_fiscal::lifecycle;

/// POS hardware data for the DE § 146a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// ≤ 100 characters.
    #[serde(default)]
    pub manufacturer: Option<String>,
    /// ≤ 100 characters.
    #[serde(default)]
    pub model: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub acquired_on: Option<String>,
}

impl Device {
    fn check(&self) -> Result<(), ApiError> {
        opt_length("device.manufacturer", self.manufacturer.as_deref(), 100)?;
        opt_length("device.model", self.model.as_deref(), 100)?;
        if let Some(d) = &self.acquired_on
            && d.parse::<jiff::civil::Date>().is_err()
        {
            return Err(ApiError::invalid("device.acquired_on", "acquired_on must be a date YYYY-MM-DD."));
        }
        Ok(())
    }
}

/// `POST /v1/locations/{id}/registers` [seed 001].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegisterRequest {
    /// 1–100 characters.
    pub label: String,
    /// `IT`, `DE` or `AT`.
    #[schema(value_type = crate::schemas::enums::Jurisdiction)]
    pub jurisdiction: Jurisdiction,
    /// ≤ 70 characters.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// Arbitrary key-value pairs.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// 15–3600, default 60.
    #[serde(default)]
    pub heartbeat_interval_seconds: Option<i64>,
    /// POS hardware data.
    #[serde(default)]
    pub device: Option<Device>,
}

/// `PATCH /v1/registers/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRegisterRequest {
    /// 1–100 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub label: Patch<String>,
    /// ≤ 70; null clears.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub serial_number: Patch<String>,
    /// Merged key by key.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Patch<Map<String, Value>>,
    /// 15–3600.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub heartbeat_interval_seconds: Patch<i64>,
    /// Replaces the device data; null clears.
    #[serde(default)]
    #[schema(value_type = Option<Device>)]
    pub device: Patch<Device>,
    /// Immutable.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub jurisdiction: Patch<Value>,
    /// Immutable.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub location_id: Patch<Value>,
}

/// `POST /v1/registers/{id}/deactivate` (body optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /v1/registers/{id}/credentials/rotate` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialRotationBody {
    /// Always `register_credential_rotation`.
    pub object: &'static str,
    /// The register.
    pub register_id: String,
    /// The new key, shown once.
    pub register_api_key: String,
    /// When the old key stopped working.
    #[schema(value_type = String, format = DateTime)]
    pub rotated_at: Timestamp,
}

fn interval(v: Option<i64>) -> Result<i64, ApiError> {
    let i = v.unwrap_or(60);
    if (15..=3600).contains(&i) {
        Ok(i)
    } else {
        Err(ApiError::invalid("heartbeat_interval_seconds", "heartbeat_interval_seconds must be 15-3600."))
    }
}

/// Loads a register of `org` or 404.
pub(crate) async fn load(db: &mut impl openfiskal_store::Db, org: &str, raw_id: &str) -> Result<RegisterRow, ApiError> {
    let id: RegisterId = path_id(raw_id)?;
    registers::get(db, org, &id.to_string()).await?.ok_or_else(ApiError::not_found)
}

/// Create a register under a location; it starts `active` without a fiscal unit.
#[utoipa::path(post, path = "/v1/locations/{locationId}/registers", tag = "registers",
    params(("locationId" = String, Path)), request_body = CreateRegisterRequest,
    responses((status = 201, body = RegisterBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_register(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(location_id): Path<String>,
    AppJson(req): AppJson<CreateRegisterRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let loc_id: LocationId = path_id(&location_id)?;
    length("label", &req.label, 1, 100)?;
    opt_length("serial_number", req.serial_number.as_deref(), 70)?;
    let metadata = req.metadata.unwrap_or_default();
    validate::metadata(&metadata)?;
    let heartbeat = interval(req.heartbeat_interval_seconds)?;
    if let Some(d) = &req.device {
        d.check()?;
    }
    let mut tx = app.store.begin().await?;
    let loc = locations::get(&mut tx, &org, &loc_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let country =
        serde_json::from_str::<Value>(&loc.address).ok().and_then(|a| a["country"].as_str().map(str::to_owned));
    if country.as_deref() != Some(req.jurisdiction.as_str()) {
        return Err(ApiError::validation(
            "jurisdiction",
            format!(
                "The location is in {}; a register there cannot be {}.",
                country.unwrap_or_default(),
                req.jurisdiction.as_str()
            ),
        ));
    }
    let now = app.now_us();
    let row = RegisterRow {
        id: app.new_id(RegisterId::PREFIX),
        organization_id: org,
        location_id: loc.id,
        label: req.label,
        jurisdiction: req.jurisdiction,
        serial_number: req.serial_number,
        metadata: to_json(&metadata)?,
        heartbeat_interval_seconds: heartbeat,
        device: req.device.as_ref().map(to_json).transpose()?,
        state: RegisterState::Active,
        current_fiscal_unit_id: None,
        archived_at: None,
        last_heartbeat_at: None,
        last_heartbeat_sequence: None,
        self_reported_status: None,
        clock_skew_seconds: None,
        heartbeat_metrics: None,
        software: None,
        created_at: now,
        updated_at: now,
    };
    registers::insert(&mut tx, &row).await?;
    let body = RegisterBody::build(&row, None, false)?;
    let location = format!("/v1/registers/{}", row.id);
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}

/// List a location's registers, optionally by `state`.
#[utoipa::path(get, path = "/v1/locations/{locationId}/registers", tag = "registers",
    params(("locationId" = String, Path), ("state" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<RegisterBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_registers(
    State(app): State<AppState>,
    caller: Caller,
    Path(location_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let params = ListParams::parse_with(uri.path(), &query, &["state"])?;
    let state = query.get("state").map(String::as_str);
    if state.is_some_and(|s| s.parse::<RegisterState>().is_err()) {
        return Err(ApiError::invalid("state", "state must be active or archived."));
    }
    let loc_id: LocationId = path_id(&location_id)?;
    let mut db = app.store.read().await?;
    locations::get(&mut db, &org, &loc_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let page = registers::list(&mut db, &org, &loc_id.to_string(), state, &params.page).await?;
    let mut bodies = Vec::with_capacity(page.items.len());
    for r in &page.items {
        bodies.push(RegisterBody::load(&mut db, r).await?);
    }
    let keys: Vec<(i64, String)> = page.items.iter().map(|r| (r.created_at, r.id.clone())).collect();
    let page =
        openfiskal_store::Page { items: keys.into_iter().zip(bodies).collect::<Vec<_>>(), has_more: page.has_more };
    let body = params.body(page, |(k, _)| k.clone(), |(_, b)| Ok(b))?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Retrieve a register (register keys: their own only).
#[utoipa::path(get, path = "/v1/registers/{registerId}", tag = "registers", params(("registerId" = String, Path)),
    responses((status = 200, body = RegisterBody), (status = 404, body = ErrorBody)))]
pub async fn get_register(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&id)?.to_string();
    let mut db = app.store.read().await?;
    let row = load(&mut db, &org, &id).await?;
    Ok(json_response(StatusCode::OK, &RegisterBody::load(&mut db, &row).await?))
}

/// Update a register; `jurisdiction` and `location_id` are immutable.
#[utoipa::path(patch, path = "/v1/registers/{registerId}", tag = "registers", params(("registerId" = String, Path)),
    request_body = UpdateRegisterRequest,
    responses((status = 200, body = RegisterBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_register(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<UpdateRegisterRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    for (field, v) in [("jurisdiction", &req.jurisdiction), ("location_id", &req.location_id)] {
        if *v != Patch::Absent {
            return Err(ApiError::invalid(field, format!("{field} cannot be changed.")));
        }
    }
    let mut tx = app.store.begin().await?;
    let mut row = load(&mut tx, &org, &id).await?;
    lifecycle::ensure_active_register(&row)?;
    match req.label {
        Patch::Value(v) => {
            length("label", &v, 1, 100)?;
            row.label = v;
        }
        Patch::Null => return Err(ApiError::invalid("label", "label cannot be null.")),
        Patch::Absent => {}
    }
    match req.serial_number {
        Patch::Value(v) => {
            length("serial_number", &v, 0, 70)?;
            row.serial_number = Some(v);
        }
        Patch::Null => row.serial_number = None,
        Patch::Absent => {}
    }
    match req.heartbeat_interval_seconds {
        Patch::Value(v) => row.heartbeat_interval_seconds = interval(Some(v))?,
        Patch::Null => return Err(ApiError::invalid("heartbeat_interval_seconds", "cannot be null.")),
        Patch::Absent => {}
    }
    match req.device {
        Patch::Value(d) => {
            d.check()?;
            row.device = Some(to_json(&d)?);
        }
        Patch::Null => row.device = None,
        Patch::Absent => {}
    }
    if let Patch::Value(m) = req.metadata {
        row.metadata = validate::merge_metadata(&row.metadata, m)?;
    }
    row.updated_at = app.now_us();
    registers::update(&mut tx, &row).await?;
    let body = RegisterBody::load(&mut tx, &row).await?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}

/// Archive a register: permanent; decommissions its current unit and revokes its register key.
#[utoipa::path(post, path = "/v1/registers/{registerId}/deactivate", tag = "registers", params(("registerId" = String, Path)),
    request_body = DeactivateRequest,
    responses((status = 200, body = RegisterBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_register(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<DeactivateRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    opt_length("reason", req.reason.as_deref(), 500)?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let mut row = load(&mut tx, &org, &id).await?;
    lifecycle::ensure_active_register(&row)?;
    lifecycle::ensure_no_open_operations(&mut tx, &org, &row.id).await?;
    if let Some(unit_id) = row.current_fiscal_unit_id.clone() {
        let mut unit = fiscal_units::get(&mut tx, &org, &unit_id).await?.ok_or_else(ApiError::not_found)?;
        let reason = req.reason.clone().unwrap_or_else(|| "Register archived".into());
        app.fiscal.decommission(&mut tx, &mut row, &mut unit, reason, now).await?;
    }
    api_keys::revoke_register_keys(&mut tx, &row.id, now).await?;
    row.state = row.state.archive().map_err(|e| ApiError::internal(&e))?;
    row.archived_at = Some(now);
    row.updated_at = now;
    registers::update(&mut tx, &row).await?;
    let body = RegisterBody::load(&mut tx, &row).await?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}

/// Rotate the register key: the old one stops working at once.
#[utoipa::path(post, path = "/v1/registers/{registerId}/credentials/rotate", tag = "registers", params(("registerId" = String, Path)),
    responses((status = 200, body = CredentialRotationBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rotate_credentials(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(_empty): AppJson<EmptyBody>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let mut tx = app.store.begin().await?;
    let row = load(&mut tx, &org, &id).await?;
    lifecycle::ensure_active_register(&row)?;
    if !api_keys::register_key_ever_issued(&mut tx, &row.id).await? {
        return Err(ApiError::conflict(
            codes::NO_REGISTER_CREDENTIAL,
            "No register key was ever issued for this register.",
        ));
    }
    let key = issue_register_key(&app, &mut tx, &org, &row.id).await?;
    let body = CredentialRotationBody {
        object: "register_credential_rotation",
        register_id: row.id,
        register_api_key: key.to_string(),
        rotated_at: Timestamp::from_micros(app.now_us()),
    };
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}
