//! Heartbeats and derived status (api.md §5.4, §5.5): `POST /v1/registers/{id}/heartbeat`,
//! `GET /v1/registers/{id}/status`, `GET /v1/locations/{id}/registers/status`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{LocationId, Timestamp};
use openfiskal_store::Db;
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::repo::{fiscal_units, locations, operations};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, json_response};
use crate::routes::registers::load as load_register;
use crate::state::AppState;
use crate::validate::{opt_length, path_id, to_json};
use openfiskal_fiscal::lifecycle;

/// Self-reported status of a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SelfReported {
    /// All well.
    Operational,
    /// Something is off.
    Degraded,
}

/// Device metrics of a heartbeat.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatMetrics {
    /// ≥ 0.
    #[serde(default)]
    pub pending_operations: Option<u64>,
    /// ≥ 0.
    #[serde(default)]
    pub unsynced_operations: Option<u64>,
    /// ≥ 0.
    #[serde(default)]
    pub disk_free_bytes: Option<u64>,
    /// 0–100.
    #[serde(default)]
    pub battery_level: Option<u8>,
}

/// POS software of a heartbeat.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Software {
    /// ≤ 100.
    #[serde(default)]
    pub pos_vendor: Option<String>,
    /// ≤ 100.
    #[serde(default)]
    pub pos_version: Option<String>,
    /// ≤ 100.
    #[serde(default)]
    pub agent_version: Option<String>,
}

/// `POST /v1/registers/{id}/heartbeat`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    /// The device clock (never signed).
    pub timestamp: String,
    /// Increasing per device; a lower value is a restart.
    pub sequence: u64,
    /// Self-reported status.
    pub status: SelfReported,
    /// Device metrics.
    #[serde(default)]
    pub metrics: Option<HeartbeatMetrics>,
    /// POS software.
    #[serde(default)]
    pub software: Option<Software>,
}

/// The heartbeat answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeartbeatResponse {
    /// Always `heartbeat_response`.
    pub object: &'static str,
    /// The server's receive time (becomes `last_heartbeat_at`).
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    /// The server's time.
    #[schema(value_type = String, format = DateTime)]
    pub server_time: Timestamp,
    /// Device `timestamp` − `received_at`, whole seconds (positive: device ahead).
    pub clock_skew_seconds: i64,
}

/// One register's derived status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisterStatus {
    /// Always `register_status`.
    pub object: &'static str,
    /// The register.
    pub register_id: String,
    /// Its label.
    pub label: String,
    /// `active` or `archived`.
    #[schema(value_type = crate::schemas::enums::RegisterState)]
    pub state: openfiskal_core::RegisterState,
    /// `operational`, `degraded`, `offline`, `stale`.
    #[schema(value_type = crate::schemas::enums::RegisterHealth)]
    pub status: &'static str,
    /// From the last heartbeat.
    pub self_reported_status: Option<String>,
    /// Server receive time of the last heartbeat.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_heartbeat_at: Option<Timestamp>,
    /// Sequence of the last heartbeat.
    pub last_heartbeat_sequence: Option<i64>,
    /// Expected interval.
    pub heartbeat_interval_seconds: i64,
    /// From the last heartbeat.
    pub clock_skew_seconds: Option<i64>,
    /// From the last heartbeat.
    pub unsynced_operations: Option<u64>,
    /// From the last heartbeat.
    pub pending_operations: Option<u64>,
    /// The authoritative list of open operations, oldest first.
    #[schema(value_type = Vec<crate::schemas::fiscal_unit::OpenOperationRef>)]
    pub open_operations: Vec<Value>,
    /// From the last heartbeat.
    #[schema(value_type = Option<Software>, required = true)]
    pub software: Value,
    /// `{id, state, reason}` of the current unit.
    #[schema(value_type = Option<crate::schemas::fiscal_unit::StatusFiscalUnit>, required = true)]
    pub fiscal_unit: Value,
    /// When this status was computed.
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: Timestamp,
}

/// Fleet status of a location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LocationStatus {
    /// Always `location_status`.
    pub object: &'static str,
    /// The location.
    pub location_id: String,
    /// Registers per status.
    #[schema(value_type = crate::schemas::fiscal_unit::RegisterStatusCounts)]
    pub counts: Value,
    /// Every register of the location, archived ones included.
    pub data: Vec<RegisterStatus>,
}

/// Derived status (api.md §5.5), I = the register's heartbeat interval.
pub fn derive_status(last: Option<i64>, self_reported: Option<&str>, interval_s: i64, now: i64) -> &'static str {
    let Some(last) = last else { return "stale" };
    let age = now.saturating_sub(last);
    let i = interval_s.saturating_mul(1_000_000);
    if age > (3_600_000_000_i64).max(i.saturating_mul(4)) {
        "stale"
    } else if age > i.saturating_mul(2) {
        "offline"
    } else if self_reported == Some("degraded") {
        "degraded"
    } else {
        "operational"
    }
}

async fn status_of(db: &mut impl Db, r: &RegisterRow, now: i64) -> Result<RegisterStatus, ApiError> {
    let open = operations::open_for_register(db, &r.organization_id, &r.id).await?;
    let unit = match &r.current_fiscal_unit_id {
        Some(id) => fiscal_units::get(db, &r.organization_id, id).await?,
        None => None,
    };
    let metrics: HeartbeatMetrics =
        r.heartbeat_metrics.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    let software = match &r.software {
        Some(s) => serde_json::from_str(s).map_err(|e| ApiError::internal(&e))?,
        None => Value::Null,
    };
    Ok(RegisterStatus {
        object: "register_status",
        register_id: r.id.clone(),
        label: r.label.clone(),
        state: r.state,
        status: derive_status(
            r.last_heartbeat_at,
            r.self_reported_status.as_deref(),
            r.heartbeat_interval_seconds,
            now,
        ),
        self_reported_status: r.self_reported_status.clone(),
        last_heartbeat_at: r.last_heartbeat_at.map(Timestamp::from_micros),
        last_heartbeat_sequence: r.last_heartbeat_sequence,
        heartbeat_interval_seconds: r.heartbeat_interval_seconds,
        clock_skew_seconds: r.clock_skew_seconds,
        unsynced_operations: metrics.unsynced_operations,
        pending_operations: metrics.pending_operations,
        open_operations: open
            .iter()
            .map(|o| json!({"id": o.id, "type": o.kind, "started_at": Timestamp::from_micros(o.started_at)}))
            .collect(),
        software,
        fiscal_unit: unit.map_or(Value::Null, |u| json!({"id": u.id, "state": u.state, "reason": u.reason})),
        checked_at: Timestamp::from_micros(now),
    })
}

/// Report liveness (platform, organization, or the register's own key).
#[utoipa::path(post, path = "/v1/registers/{registerId}/heartbeat", tag = "registers", params(("registerId" = String, Path)),
    request_body = HeartbeatRequest,
    responses((status = 200, body = HeartbeatResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn heartbeat(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<HeartbeatRequest>,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&id)?.to_string();
    let device_time = Timestamp::parse_rfc3339(&req.timestamp)
        .map_err(|_| ApiError::invalid("timestamp", "timestamp must be an RFC 3339 timestamp."))?;
    if i64::try_from(req.sequence).is_err() {
        return Err(ApiError::invalid("sequence", "sequence must be 0 … 2^63-1."));
    }
    if let Some(m) = &req.metrics
        && m.battery_level.is_some_and(|b| b > 100)
    {
        return Err(ApiError::invalid("metrics.battery_level", "battery_level must be 0-100."));
    }
    if let Some(s) = &req.software {
        opt_length("software.pos_vendor", s.pos_vendor.as_deref(), 100)?;
        opt_length("software.pos_version", s.pos_version.as_deref(), 100)?;
        opt_length("software.agent_version", s.agent_version.as_deref(), 100)?;
    }
    let received = app.clock.now();
    let skew = device_time.as_secs() - received.as_secs();
    let mut tx = app.store.begin().await?;
    let mut row = load_register(&mut tx, &org, &id).await?;
    lifecycle::ensure_active_register(&row)?;
    row.last_heartbeat_at = Some(received.as_micros());
    row.last_heartbeat_sequence = i64::try_from(req.sequence).ok();
    row.self_reported_status =
        Some(if req.status == SelfReported::Degraded { "degraded" } else { "operational" }.into());
    row.clock_skew_seconds = Some(skew);
    row.heartbeat_metrics = req.metrics.as_ref().map(to_json).transpose()?;
    if let Some(s) = &req.software {
        row.software = Some(to_json(s)?);
    }
    registers::update(&mut tx, &row).await?;
    let body = HeartbeatResponse {
        object: "heartbeat_response",
        received_at: received,
        server_time: received,
        clock_skew_seconds: skew,
    };
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}

/// A register's liveness and open operations (platform, organization, or its own register key).
#[utoipa::path(get, path = "/v1/registers/{registerId}/status", tag = "registers", params(("registerId" = String, Path)),
    responses((status = 200, body = RegisterStatus), (status = 404, body = ErrorBody)))]
pub async fn register_status(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&id)?.to_string();
    let mut db = app.store.read().await?;
    let row = load_register(&mut db, &org, &id).await?;
    Ok(json_response(StatusCode::OK, &status_of(&mut db, &row, app.now_us()).await?))
}

/// The status of every register at a location.
#[utoipa::path(get, path = "/v1/locations/{locationId}/registers/status", tag = "registers", params(("locationId" = String, Path)),
    responses((status = 200, body = LocationStatus), (status = 404, body = ErrorBody)))]
pub async fn location_status(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let loc: LocationId = path_id(&id)?;
    let mut db = app.store.read().await?;
    let loc = locations::get(&mut db, &org, &loc.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let now = app.now_us();
    let mut data = Vec::new();
    for r in registers::all_of_location(&mut db, &org, &loc.id).await? {
        data.push(status_of(&mut db, &r, now).await?);
    }
    let count = |s: &str| data.iter().filter(|d| d.status == s).count();
    let counts = json!({"operational": count("operational"), "degraded": count("degraded"), "offline": count("offline"), "stale": count("stale")});
    Ok(json_response(StatusCode::OK, &LocationStatus { object: "location_status", location_id: loc.id, counts, data }))
}

#[cfg(test)]
mod tests {
    use super::derive_status;

    #[test]
    fn status_from_heartbeat_age() {
        let s = 1_000_000;
        assert_eq!(derive_status(None, None, 60, 0), "stale");
        assert_eq!(derive_status(Some(0), Some("operational"), 60, 120 * s), "operational");
        assert_eq!(derive_status(Some(0), Some("degraded"), 60, 120 * s), "degraded");
        assert_eq!(derive_status(Some(0), Some("operational"), 60, 121 * s), "offline");
        assert_eq!(derive_status(Some(0), Some("operational"), 60, 3600 * s), "offline");
        assert_eq!(derive_status(Some(0), Some("operational"), 60, 3601 * s), "stale");
        assert_eq!(derive_status(Some(0), Some("operational"), 1800, 7200 * s), "offline", "4·I beyond an hour");
        assert_eq!(derive_status(Some(0), Some("operational"), 1800, 7201 * s), "stale");
    }
}
