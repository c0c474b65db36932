//! Organizations (api.md §4.1): `POST|GET /v1/organizations`, `GET|PATCH /v1/organizations/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{OrgId, Timestamp, org};
use openfiskal_store::repo::orgs::{self, OrgRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, Patch, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::state::AppState;
use crate::validate::{self, Address, length, opt_length, path_id, to_json};

/// An organization: the merchant, a tenant of the installation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationBody {
    /// `org_…`
    pub id: String,
    /// Always `organization`.
    pub object: &'static str,
    /// Legal name, printed on receipts.
    pub legal_name: String,
    /// Trade name.
    pub trade_name: Option<String>,
    /// ISO 3166-1 alpha-2 of the legal seat; immutable.
    pub country: String,
    /// VAT id or national tax id.
    pub tax_id: Option<String>,
    /// National tax number when `tax_id` holds a VAT id.
    pub tax_number: Option<String>,
    /// Registered address.
    pub address: Address,
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

impl TryFrom<OrgRow> for OrganizationBody {
    type Error = ApiError;
    fn try_from(r: OrgRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: r.id,
            object: "organization",
            legal_name: r.legal_name,
            trade_name: r.trade_name,
            country: r.country,
            tax_id: r.tax_id,
            tax_number: r.tax_number,
            address: serde_json::from_str(&r.address).map_err(|e| ApiError::internal(&e))?,
            metadata: serde_json::from_str(&r.metadata).map_err(|e| ApiError::internal(&e))?,
            created_at: Timestamp::from_micros(r.created_at),
            updated_at: Timestamp::from_micros(r.updated_at),
        })
    }
}

/// `POST /v1/organizations`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationRequest {
    /// 1–200 characters.
    pub legal_name: String,
    /// ≤ 200 characters.
    #[serde(default)]
    pub trade_name: Option<String>,
    /// ISO 3166-1 alpha-2 of the legal seat.
    pub country: String,
    /// DE USt-IdNr or Steuernummer, AT UID, IT partita IVA.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// National tax number.
    #[serde(default)]
    pub tax_number: Option<String>,
    /// Registered address.
    pub address: Address,
    /// Arbitrary key-value pairs.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

/// `PATCH /v1/organizations/{id}`: only the fields sent change; `country` is immutable.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    /// 1–200 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub legal_name: Patch<String>,
    /// ≤ 200; null clears.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub trade_name: Patch<String>,
    /// Null clears.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub tax_id: Patch<String>,
    /// Null clears.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub tax_number: Patch<String>,
    /// Replaces the address.
    #[serde(default)]
    #[schema(value_type = Option<Address>)]
    pub address: Patch<Address>,
    /// Merged key by key; a key set to null is removed.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Patch<Map<String, Value>>,
    /// Immutable: sending it is a 400.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub country: Patch<Value>,
}

fn check_tax(country: &str, tax_id: Option<String>, tax_number: Option<&str>) -> Result<Option<String>, ApiError> {
    opt_length("tax_number", tax_number, 50)?;
    tax_id.map(|t| org::normalize_tax_id(country, &t).map_err(|m| ApiError::validation("tax_id", m))).transpose()
}

/// Create an organization (platform keys only).
#[utoipa::path(post, path = "/v1/organizations", tag = "organizations", request_body = CreateOrganizationRequest,
    responses((status = 201, body = OrganizationBody), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    AppJson(req): AppJson<CreateOrganizationRequest>,
) -> Result<Response, ApiError> {
    caller.require_platform()?;
    length("legal_name", &req.legal_name, 1, 200)?;
    opt_length("trade_name", req.trade_name.as_deref(), 200)?;
    validate::country("country", &req.country)?;
    req.address.check("address")?;
    let metadata = req.metadata.unwrap_or_default();
    validate::metadata(&metadata)?;
    let tax_id = check_tax(&req.country, req.tax_id, req.tax_number.as_deref())?;
    let now = app.now_us();
    let row = OrgRow {
        id: app.new_id(OrgId::PREFIX),
        legal_name: req.legal_name,
        trade_name: req.trade_name,
        country: req.country,
        tax_id,
        tax_number: req.tax_number,
        address: to_json(&req.address)?,
        metadata: to_json(&metadata)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.store.begin().await?;
    orgs::insert(&mut tx, &row).await?;
    let location = format!("/v1/organizations/{}", row.id);
    let body = OrganizationBody::try_from(row)?;
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}

/// List organizations: all for a platform key, its own for an organization key.
#[utoipa::path(get, path = "/v1/organizations", tag = "organizations",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<OrganizationBody>), (status = 400, body = ErrorBody)))]
pub async fn list_organizations(
    State(app): State<AppState>,
    caller: Caller,
    params: ListParams,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let only = caller.key_org.map(|o| o.to_string());
    let mut db = app.store.read().await?;
    let page = orgs::list(&mut db, only.as_deref(), &params.page).await?;
    let body = params.body(page, |r| (r.created_at, r.id.clone()), OrganizationBody::try_from)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Loads an organization the caller may see.
pub(crate) async fn load(app: &AppState, caller: &Caller, raw_id: &str) -> Result<OrgRow, ApiError> {
    let id: OrgId = path_id(raw_id)?;
    caller.may_access_org(id)?;
    let mut db = app.store.read().await?;
    orgs::get(&mut db, &id.to_string()).await?.ok_or_else(ApiError::not_found)
}

/// Retrieve an organization.
#[utoipa::path(get, path = "/v1/organizations/{organizationId}", tag = "organizations",
    params(("organizationId" = String, Path)),
    responses((status = 200, body = OrganizationBody), (status = 404, body = ErrorBody)))]
pub async fn get_organization(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = load(&app, &caller, &id).await?;
    Ok(json_response(StatusCode::OK, &OrganizationBody::try_from(row)?))
}

/// Update an organization; later receipts and closings use the new data.
#[utoipa::path(patch, path = "/v1/organizations/{organizationId}", tag = "organizations",
    params(("organizationId" = String, Path)), request_body = UpdateOrganizationRequest,
    responses((status = 200, body = OrganizationBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_organization(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<UpdateOrganizationRequest>,
) -> Result<Response, ApiError> {
    let org_id: OrgId = path_id(&id)?;
    caller.may_access_org(org_id)?;
    if req.country != Patch::Absent {
        return Err(ApiError::invalid("country", "country cannot be changed after creation."));
    }
    let mut tx = app.store.begin().await?;
    let mut row = orgs::get(&mut tx, &org_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    match req.legal_name {
        Patch::Value(v) => {
            length("legal_name", &v, 1, 200)?;
            row.legal_name = v;
        }
        Patch::Null => return Err(ApiError::invalid("legal_name", "legal_name cannot be null.")),
        Patch::Absent => {}
    }
    match req.trade_name {
        Patch::Value(v) => {
            length("trade_name", &v, 0, 200)?;
            row.trade_name = Some(v);
        }
        Patch::Null => row.trade_name = None,
        Patch::Absent => {}
    }
    match req.tax_number {
        Patch::Value(v) => row.tax_number = Some(v),
        Patch::Null => row.tax_number = None,
        Patch::Absent => {}
    }
    match req.tax_id {
        Patch::Value(v) => row.tax_id = check_tax(&row.country, Some(v), row.tax_number.as_deref())?,
        Patch::Null => row.tax_id = None,
        Patch::Absent => opt_length("tax_number", row.tax_number.as_deref(), 50)?,
    }
    match req.address {
        Patch::Value(a) => {
            a.check("address")?;
            row.address = to_json(&a)?;
        }
        Patch::Null => return Err(ApiError::invalid("address", "address cannot be null.")),
        Patch::Absent => {}
    }
    if let Patch::Value(m) = req.metadata {
        row.metadata = validate::merge_metadata(&row.metadata, m)?;
    }
    row.updated_at = app.now_us();
    orgs::update(&mut tx, &row).await?;
    let body = OrganizationBody::try_from(row)?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}
