//! API keys (api.md §2.5): platform keys under `/v1/auth/api-keys`, organization keys under
//! `/v1/organizations/{id}/api-keys`. The full key is in the creating response only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{KeyId, Timestamp};
use openfiskal_crypto::ApiKeyKind;
use openfiskal_store::repo::api_keys::{self, ApiKeyRow};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::credentials::new_key;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::routes::organizations;
use crate::state::AppState;
use crate::validate::{length, opt_length, path_id};

/// A platform or organization API key. `api_key` is the full key only in the creating response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyBody {
    /// `key_…`
    pub id: String,
    /// `platform_api_key` or `organization_api_key`.
    pub object: &'static str,
    /// Organization of an organization key (absent on platform keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The full key once, masked afterwards (`ofk_platform_live_…9xQ2`).
    pub api_key: String,
    /// 1–100 characters.
    pub label: Option<String>,
    /// ≤ 500 characters.
    pub description: Option<String>,
    /// `live` or `test`.
    pub mode: String,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last use, updated at most once a minute.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    /// Revocation time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl ApiKeyBody {
    /// The body of a stored key; `full` replaces the masked key in the creating response.
    pub fn new(r: ApiKeyRow, full: Option<&str>) -> Self {
        let object = if r.kind == "organization" { "organization_api_key" } else { "platform_api_key" };
        Self {
            id: r.id,
            object,
            organization_id: r.organization_id,
            api_key: full.map_or(r.masked, str::to_owned),
            label: r.label,
            description: r.description,
            mode: r.mode.unwrap_or_default(),
            created_at: Timestamp::from_micros(r.created_at),
            last_used_at: r.last_used_at.map(Timestamp::from_micros),
            revoked_at: r.revoked_at.map(Timestamp::from_micros),
        }
    }
}

/// `POST …/api-keys`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// 1–100 characters.
    pub label: String,
    /// ≤ 500 characters.
    #[serde(default)]
    pub description: Option<String>,
}

async fn create(
    app: &AppState,
    idem: &Idem,
    kind: ApiKeyKind,
    org: Option<String>,
    req: CreateApiKeyRequest,
) -> Result<Response, ApiError> {
    length("label", &req.label, 1, 100)?;
    opt_length("description", req.description.as_deref(), 500)?;
    let k =
        new_key(&*app.ids, app.now_us(), kind, app.config.mode.key_mode(), org, None, Some(req.label), req.description);
    let mut tx = app.store.begin().await?;
    api_keys::insert(&mut tx, &k.row).await?;
    let location = match &k.row.organization_id {
        Some(o) => format!("/v1/organizations/{o}/api-keys/{}", k.row.id),
        None => format!("/v1/auth/api-keys/{}", k.row.id),
    };
    let body = ApiKeyBody::new(k.row, Some(&k.key));
    idempotency::commit(app, tx, idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}

async fn list(app: &AppState, kind: ApiKeyKind, org: Option<&str>, params: &ListParams) -> Result<Response, ApiError> {
    let mut db = app.store.read().await?;
    let page = api_keys::list_active(&mut db, kind.as_str(), org, &params.page).await?;
    let body = params.body(page, |r| (r.created_at, r.id.clone()), |r| Ok(ApiKeyBody::new(r, None)))?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn revoke(
    app: &AppState,
    idem: &Idem,
    kind: ApiKeyKind,
    org: Option<&str>,
    raw_id: &str,
) -> Result<Response, ApiError> {
    let id: KeyId = path_id(raw_id)?;
    let mut tx = app.store.begin().await?;
    let id = id.to_string();
    api_keys::get(&mut tx, kind.as_str(), org, &id).await?.ok_or_else(ApiError::not_found)?;
    api_keys::revoke(&mut tx, &id, app.now_us()).await?;
    let row = api_keys::get(&mut tx, kind.as_str(), org, &id).await?.ok_or_else(ApiError::not_found)?;
    idempotency::commit(app, tx, idem, StatusCode::OK, &ApiKeyBody::new(row, None), vec![]).await
}

/// List active platform keys.
#[utoipa::path(get, path = "/v1/auth/api-keys", tag = "auth",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<ApiKeyBody>), (status = 403, body = ErrorBody)))]
pub async fn list_platform_keys(
    State(app): State<AppState>,
    caller: Caller,
    params: ListParams,
) -> Result<Response, ApiError> {
    caller.require_platform()?;
    list(&app, ApiKeyKind::Platform, None, &params).await
}

/// Create a platform key.
#[utoipa::path(post, path = "/v1/auth/api-keys", tag = "auth", request_body = CreateApiKeyRequest,
    responses((status = 201, body = ApiKeyBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_platform_key(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    AppJson(req): AppJson<CreateApiKeyRequest>,
) -> Result<Response, ApiError> {
    caller.require_platform()?;
    create(&app, &idem, ApiKeyKind::Platform, None, req).await
}

/// Revoke a platform key; repeating returns the same object.
#[utoipa::path(delete, path = "/v1/auth/api-keys/{keyId}", tag = "auth", params(("keyId" = String, Path)),
    responses((status = 200, body = ApiKeyBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_platform_key(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(key_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_platform()?;
    revoke(&app, &idem, ApiKeyKind::Platform, None, &key_id).await
}

async fn org_of(app: &AppState, caller: &Caller, raw: &str) -> Result<String, ApiError> {
    Ok(organizations::load(app, caller, raw).await?.id)
}

/// List an organization's active keys.
#[utoipa::path(get, path = "/v1/organizations/{organizationId}/api-keys", tag = "auth",
    params(("organizationId" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<ApiKeyBody>), (status = 404, body = ErrorBody)))]
pub async fn list_org_keys(
    State(app): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let org = org_of(&app, &caller, &org).await?;
    list(&app, ApiKeyKind::Organization, Some(&org), &params).await
}

/// Create an organization key.
#[utoipa::path(post, path = "/v1/organizations/{organizationId}/api-keys", tag = "auth",
    params(("organizationId" = String, Path)), request_body = CreateApiKeyRequest,
    responses((status = 201, body = ApiKeyBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_org_key(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(org): Path<String>,
    AppJson(req): AppJson<CreateApiKeyRequest>,
) -> Result<Response, ApiError> {
    let org = org_of(&app, &caller, &org).await?;
    create(&app, &idem, ApiKeyKind::Organization, Some(org), req).await
}

/// Revoke an organization key; repeating returns the same object.
#[utoipa::path(delete, path = "/v1/organizations/{organizationId}/api-keys/{keyId}", tag = "auth",
    params(("organizationId" = String, Path), ("keyId" = String, Path)),
    responses((status = 200, body = ApiKeyBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_org_key(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((org, key_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = org_of(&app, &caller, &org).await?;
    revoke(&app, &idem, ApiKeyKind::Organization, Some(&org), &key_id).await
}
