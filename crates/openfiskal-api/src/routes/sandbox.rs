//! Sandbox fault injection (api.md §15): only in sandbox mode (404 in production). Faults drive
//! exactly the production failure paths through `fiscal::device`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::Timestamp;
use openfiskal_store::repo::faults::{self, FaultRow};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, json_response};
use crate::pagination::ListBody;
use crate::routes::fiscal_units::load_unit;
use crate::state::{AppState, Mode};

/// The fault kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Every device call fails at once.
    DeviceUnreachable,
    /// Device calls take `delay_ms`.
    SlowDevice,
    /// The authority simulators answer `http_status` or time out.
    AuthorityDown,
    /// The authority simulator rejects with `code`.
    AuthorityReject,
}

impl FaultKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::DeviceUnreachable => "device_unreachable",
            Self::SlowDevice => "slow_device",
            Self::AuthorityDown => "authority_down",
            Self::AuthorityReject => "authority_reject",
        }
    }
}

/// `POST /v1/sandbox/fiscal-units/{id}/faults`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFaultRequest {
    /// What fails.
    pub kind: FaultKind,
    /// 1–86400; absent = until cleared.
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// `slow_device`: 1–30000, default 3000.
    #[serde(default)]
    pub delay_ms: Option<i64>,
    /// `authority_down`: 403, 406, 409, 415, 429, 500 or 503 (default).
    #[serde(default)]
    pub http_status: Option<i64>,
    /// `authority_down`: `timeout` or `drop_answer` instead of a status.
    #[serde(default)]
    pub mode: Option<String>,
    /// `authority_reject`: the authority's error code (IT default `00000`).
    #[serde(default)]
    pub code: Option<String>,
}

/// An active fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaultBody {
    /// Always `sandbox_fault`.
    pub object: &'static str,
    /// The unit.
    pub fiscal_unit_id: String,
    /// The kind.
    pub kind: String,
    /// Delay of `slow_device`.
    pub delay_ms: Option<i64>,
    /// Status of `authority_down`.
    pub http_status: Option<i64>,
    /// Mode of `authority_down`.
    pub mode: Option<String>,
    /// Code of `authority_reject`.
    pub code: Option<String>,
    /// When set.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it ends by itself.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

impl From<FaultRow> for FaultBody {
    fn from(f: FaultRow) -> Self {
        Self {
            object: "sandbox_fault",
            fiscal_unit_id: f.fiscal_unit_id,
            kind: f.kind,
            delay_ms: f.delay_ms,
            http_status: f.http_status,
            mode: f.mode,
            code: f.code,
            created_at: Timestamp::from_micros(f.created_at),
            expires_at: f.expires_at.map(Timestamp::from_micros),
        }
    }
}

fn sandbox_only(app: &AppState) -> Result<(), ApiError> {
    if app.config.mode == Mode::Sandbox { Ok(()) } else { Err(ApiError::not_found()) }
}

fn list(rows: Vec<FaultRow>) -> ListBody<FaultBody> {
    ListBody {
        object: "list",
        data: rows.into_iter().map(FaultBody::from).collect(),
        has_more: false,
        next_cursor: None,
        cursor: None,
    }
}

fn check(req: &CreateFaultRequest) -> Result<(), ApiError> {
    if req.duration_seconds.is_some_and(|d| !(1..=86_400).contains(&d)) {
        return Err(ApiError::invalid("duration_seconds", "duration_seconds must be 1-86400."));
    }
    let only = |field: &str, present: bool, kind: FaultKind| -> Result<(), ApiError> {
        if present && req.kind != kind {
            return Err(ApiError::invalid(field, format!("{field} applies to {} only.", kind.as_str())));
        }
        Ok(())
    };
    only("delay_ms", req.delay_ms.is_some(), FaultKind::SlowDevice)?;
    only("http_status", req.http_status.is_some(), FaultKind::AuthorityDown)?;
    only("mode", req.mode.is_some(), FaultKind::AuthorityDown)?;
    only("code", req.code.is_some(), FaultKind::AuthorityReject)?;
    if req.delay_ms.is_some_and(|d| !(1..=30_000).contains(&d)) {
        return Err(ApiError::invalid("delay_ms", "delay_ms must be 1-30000."));
    }
    if req.http_status.is_some_and(|s| ![403, 406, 409, 415, 429, 500, 503].contains(&s)) {
        return Err(ApiError::invalid("http_status", "http_status must be 403, 406, 409, 415, 429, 500 or 503."));
    }
    if req.mode.as_deref().is_some_and(|m| m != "timeout" && m != "drop_answer") {
        return Err(ApiError::invalid("mode", "mode must be timeout or drop_answer."));
    }
    if req.code.as_deref().is_some_and(|c| c.is_empty() || c.len() > 20) {
        return Err(ApiError::invalid("code", "code must be 1-20 characters."));
    }
    Ok(())
}

/// Inject a fault into a unit's device or authority calls (one per kind; a new one replaces it).
#[utoipa::path(post, path = "/v1/sandbox/fiscal-units/{fiscalUnitId}/faults", tag = "sandbox", params(("fiscalUnitId" = String, Path)),
    request_body = CreateFaultRequest,
    responses((status = 201, body = FaultBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_fault(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<CreateFaultRequest>,
) -> Result<Response, ApiError> {
    sandbox_only(&app)?;
    let org = caller.admin_scope()?.to_string();
    check(&req)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let unit = load_unit(&mut tx, &org, &id).await?;
    let row = FaultRow {
        fiscal_unit_id: unit.id,
        kind: req.kind.as_str().to_owned(),
        organization_id: org,
        delay_ms: (req.kind == FaultKind::SlowDevice).then(|| req.delay_ms.unwrap_or(3000)),
        http_status: (req.kind == FaultKind::AuthorityDown && req.mode.is_none())
            .then(|| req.http_status.unwrap_or(503)),
        mode: req.mode,
        code: (req.kind == FaultKind::AuthorityReject).then(|| req.code.unwrap_or_else(|| "00000".into())),
        created_at: now.as_micros(),
        expires_at: req.duration_seconds.map(|d| now.plus_secs(d).as_micros()),
    };
    faults::upsert(&mut tx, &row).await?;
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &FaultBody::from(row), vec![]).await
}

/// The unit's active faults.
#[utoipa::path(get, path = "/v1/sandbox/fiscal-units/{fiscalUnitId}/faults", tag = "sandbox", params(("fiscalUnitId" = String, Path)),
    responses((status = 200, body = ListBody<FaultBody>), (status = 404, body = ErrorBody)))]
pub async fn list_faults(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    sandbox_only(&app)?;
    let org = caller.admin_scope()?.to_string();
    let mut db = app.store.read().await?;
    let unit = load_unit(&mut db, &org, &id).await?;
    let rows = faults::active(&mut db, &org, &unit.id, app.now_us()).await?;
    Ok(json_response(StatusCode::OK, &list(rows)))
}

/// Clear every fault of the unit; answers the now-empty list.
#[utoipa::path(delete, path = "/v1/sandbox/fiscal-units/{fiscalUnitId}/faults", tag = "sandbox", params(("fiscalUnitId" = String, Path)),
    responses((status = 200, body = ListBody<FaultBody>), (status = 404, body = ErrorBody)))]
pub async fn clear_faults(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    sandbox_only(&app)?;
    let org = caller.admin_scope()?.to_string();
    let mut tx = app.store.begin().await?;
    let unit = load_unit(&mut tx, &org, &id).await?;
    faults::clear(&mut tx, &org, &unit.id).await?;
    tx.commit().await?;
    Ok(json_response(StatusCode::OK, &list(Vec::new())))
}
