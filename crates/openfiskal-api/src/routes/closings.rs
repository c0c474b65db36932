//! Closings (api.md §10): daily, shift, monthly and annual closings of a register, built
//! synchronously in the request's transaction. A DE daily closing is a Kassenabschluss: the next
//! DSFinV-K `Z_NR` and a signed `SonstigerVorgang` TSE transaction. Everything else is a summary
//! (the AT Monatsbeleg/Jahresbeleg and the IT chiusura join with those regimes). The periods, the
//! summary rules and what stays `null` are in docs/ARCHITECTURE.md, "Closings".

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use openfiskal_core::closing::{ClosedOperation, Summary, summarize};
use openfiskal_core::period::{self, Calendar};
use openfiskal_core::{FiscalUnitState, Jurisdiction, RegisterId, Timestamp};
use openfiskal_store::repo::closings::{self, ClosedOperationRow, ClosingRow};
use openfiskal_store::repo::fiscal_units;
use openfiskal_store::repo::locations;
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::{Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, codes};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::state::AppState;
use crate::validate::{self, path_id, to_json};
use openfiskal_fiscal::device::DeviceFailure;
use openfiskal_fiscal::lifecycle;

/// The kind of closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClosingType {
    /// Z report; DE: Kassenabschluss with the next `z_number`.
    Daily,
    /// Shift report (summary only).
    Shift,
    /// The last completed calendar month.
    Monthly,
    /// The last completed calendar year.
    Annual,
}

impl ClosingType {
    /// The stored and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Shift => "shift",
            Self::Monthly => "monthly",
            Self::Annual => "annual",
        }
    }
}

const TYPES: [&str; 4] = ["daily", "shift", "monthly", "annual"];
const STATES: [&str; 4] = ["pending", "completed", "transmitted", "failed"];

/// `POST /v1/registers/{id}/closings`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClosingRequest {
    /// `daily`, `shift`, `monthly` or `annual`.
    #[serde(rename = "type")]
    pub kind: ClosingType,
    /// Arbitrary key-value pairs (api.md §1.13).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

/// The covered period: `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClosingPeriod {
    /// Start.
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// End.
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
}

/// Related resources.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClosingLinks {
    /// The Z/X report (`application/pdf`); `null` until this installation renders report PDFs.
    pub pdf: Option<String>,
}

/// A closing (api.md §10).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClosingBody {
    /// `cls_…`
    pub id: String,
    /// Always `closing`.
    pub object: &'static str,
    /// The organization.
    pub organization_id: String,
    /// The register's location.
    pub location_id: String,
    /// The register.
    pub register_id: String,
    /// The register's unit at the time of the closing.
    pub fiscal_unit_id: String,
    /// `daily`, `shift`, `monthly`, `annual`.
    #[serde(rename = "type")]
    #[schema(value_type = ClosingType)]
    pub kind: String,
    /// `manual` (requested); automatic closings use `scheduled`, `safety`, `counter_exhausted`, `decommission`.
    #[schema(value_type = crate::schemas::enums::ClosingTrigger)]
    pub trigger: String,
    /// `pending`, `completed`, `transmitted`, `failed`.
    #[schema(value_type = crate::schemas::enums::ClosingState)]
    pub state: String,
    /// Local date (location time zone; AT `Europe/Vienna`) of the period's last instant.
    pub business_date: String,
    /// The covered period.
    pub period: ClosingPeriod,
    /// Counts and turnover (api.md §10, "Summary rules").
    #[schema(value_type = crate::schemas::closing::ClosingSummary)]
    pub summary: Value,
    /// The regime's block (`tse` for a DE daily closing) or `null`.
    #[schema(value_type = Option<crate::schemas::closing::TseClosingFiscal>, required = true)]
    pub fiscal: Value,
    /// Why a closing `failed`, else `null`.
    #[schema(value_type = Option<Object>, required = true)]
    pub error: Value,
    /// Arbitrary key-value pairs.
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it was built.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub completed_at: Option<Timestamp>,
    /// Related resources.
    pub links: ClosingLinks,
}

/// The closing as the API shows it.
pub fn closing_json(c: &ClosingRow) -> Result<ClosingBody, ApiError> {
    let parse = |s: Option<&str>| -> Result<Value, ApiError> {
        s.map_or(Ok(Value::Null), |s| serde_json::from_str(s).map_err(|e| ApiError::internal(&e)))
    };
    Ok(ClosingBody {
        id: c.id.clone(),
        object: "closing",
        organization_id: c.organization_id.clone(),
        location_id: c.location_id.clone(),
        register_id: c.register_id.clone(),
        fiscal_unit_id: c.fiscal_unit_id.clone(),
        kind: c.kind.clone(),
        trigger: c.trigger.clone(),
        state: c.state.clone(),
        business_date: c.business_date.clone(),
        period: ClosingPeriod { from: Timestamp::from_micros(c.period_from), to: Timestamp::from_micros(c.period_to) },
        summary: parse(Some(&c.summary))?,
        fiscal: parse(c.fiscal.as_deref())?,
        error: parse(c.error.as_deref())?,
        metadata: parse(Some(&c.metadata))?,
        created_at: Timestamp::from_micros(c.created_at),
        completed_at: c.completed_at.map(Timestamp::from_micros),
        // No link to a route that does not exist yet: the PDF issue fills it.
        links: ClosingLinks { pdf: None },
    })
}

/// Where a register's first daily or shift period starts: its first unit's `provisioned_at`.
async fn register_start(db: &mut impl Db, register: &RegisterRow) -> Result<i64, ApiError> {
    Ok(closings::first_provisioned_at(db, &register.id).await?.unwrap_or(register.created_at))
}

/// Daily and shift closings in every regime, and AT monthly and annual, need an active unit (§10).
fn needs_active_unit(kind: ClosingType, jurisdiction: Jurisdiction) -> bool {
    matches!(kind, ClosingType::Daily | ClosingType::Shift) || jurisdiction == Jurisdiction::At
}

/// Reads the covered operations' blocks (and a void's original type) and computes the summary.
async fn summary_of(db: &mut impl Db, org: &str, rows: Vec<ClosedOperationRow>) -> Result<Summary, ApiError> {
    let mut ops = Vec::with_capacity(rows.len());
    for r in rows {
        let data: Value = serde_json::from_str(&r.data).map_err(|e| ApiError::internal(&e))?;
        let mut original_kind = None;
        if r.kind == "void" {
            let refs: Value = serde_json::from_str(&r.refs).map_err(|e| ApiError::internal(&e))?;
            if let Some(original) = refs["original_operation_id"].as_str() {
                original_kind = closings::operation_type(db, org, original).await?;
            }
        }
        ops.push(ClosedOperation {
            id: r.id,
            kind: r.kind,
            state: r.state,
            fiscal_state: r.fiscal_state,
            data,
            original_kind,
        });
    }
    summarize(&ops).map_err(|e| ApiError::internal(&e))
}

/// A device failure during the closing: nothing of the request is kept (the caller dropped its
/// transaction), but the unit moves to `error` (api.md §6.6, §3.2 `fiscal_device_unavailable`).
async fn unit_failed(app: &AppState, org: &str, unit_id: &str, f: &DeviceFailure) -> Result<(), ApiError> {
    let mut tx = app.store.begin().await?;
    if let Some(mut unit) = fiscal_units::lock(&mut tx, org, unit_id).await?
        && unit.state == FiscalUnitState::Active
    {
        app.fiscal.unit_failed(&mut tx, &mut unit, f).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Answers an existing monthly or annual closing with `200`.
async fn existing(app: &AppState, tx: Tx, idem: &Idem, c: &ClosingRow) -> Result<Response, ApiError> {
    idempotency::commit(app, tx, idem, StatusCode::OK, &closing_json(c)?, vec![]).await
}

/// Create a closing: `daily` (DE: Kassenabschluss, signed), `shift`, `monthly` or `annual`.
#[utoipa::path(post, path = "/v1/registers/{registerId}/closings", tag = "closings", params(("registerId" = String, Path)),
    request_body = CreateClosingRequest,
    responses((status = 201, body = ClosingBody), (status = 200, body = ClosingBody, description = "the existing monthly or annual closing of that period"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_closing(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(register_id): Path<String>,
    AppJson(req): AppJson<CreateClosingRequest>,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&register_id)?.to_string();
    let reg_id: RegisterId = path_id(&register_id)?;
    let metadata = req.metadata.clone().unwrap_or_default();
    validate::metadata(&metadata)?;
    let kind = req.kind;
    // The unit's lock before the write transaction (never inside it): it orders the closing after
    // the unit's running steps in this instance; the guarded chain update orders it across instances.
    let current = {
        let mut db = app.store.read().await?;
        registers::get(&mut db, &org, &reg_id.to_string()).await?.and_then(|r| r.current_fiscal_unit_id)
    };
    let _unit = match &current {
        Some(unit) => Some(app.fiscal.lock_unit(unit).await),
        None => None,
    };
    let mut tx = app.store.begin().await?;
    let register = registers::get(&mut tx, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    lifecycle::ensure_active_register(&register)?;
    let unit_id = register
        .current_fiscal_unit_id
        .clone()
        .ok_or_else(|| ApiError::conflict(codes::NO_ACTIVE_FISCAL_UNIT, "The register has no fiscal unit."))?;
    // The unit's row lock orders a register's closings and fiscal steps across instances (FOR UPDATE
    // on PostgreSQL; the single writer on SQLite); the clock is read under it.
    let mut unit = fiscal_units::lock(&mut tx, &org, &unit_id).await?.ok_or_else(ApiError::not_found)?;
    let now = app.now_us();
    let location =
        locations::get(&mut tx, &org, &register.location_id).await?.ok_or_else(|| ApiError::internal(&"location"))?;
    let tz = period::zone(register.jurisdiction, &location.timezone);
    let (from, to) = match kind {
        ClosingType::Daily | ClosingType::Shift => {
            let previous = if kind == ClosingType::Daily {
                closings::last_daily_end(&mut tx, &register.id).await?
            } else {
                closings::last_shift_or_daily_end(&mut tx, &register.id).await?
            };
            let from = match previous {
                Some(t) => t,
                None => register_start(&mut tx, &register).await?,
            };
            period::running(from, now)
        }
        ClosingType::Monthly => {
            period::last_completed(Calendar::Month, now, &tz).map_err(|e| ApiError::internal(&e))?
        }
        ClosingType::Annual => period::last_completed(Calendar::Year, now, &tz).map_err(|e| ApiError::internal(&e))?,
    };
    if matches!(kind, ClosingType::Monthly | ClosingType::Annual)
        && let Some(c) = closings::find_period(&mut tx, &org, &register.id, kind.as_str(), from).await?
    {
        return existing(&app, tx, &idem, &c).await;
    }
    if needs_active_unit(kind, register.jurisdiction) && unit.state != FiscalUnitState::Active {
        return Err(ApiError::conflict(codes::FISCAL_UNIT_NOT_ACTIVE, format!("The fiscal unit is {}.", unit.state)));
    }
    if matches!(kind, ClosingType::Daily | ClosingType::Shift) {
        lifecycle::ensure_no_open_operations(&mut tx, &org, &register.id).await?;
    }
    let id = app.new_id("cls_");
    let rows = if kind == ClosingType::Daily {
        closings::claim_uncovered_operations(&mut tx, &org, &register.id, &id, to, now).await?
    } else {
        closings::operations_ended_in(&mut tx, &org, &register.id, from, to).await?
    };
    let summary = summary_of(&mut tx, &org, rows).await?;
    let (fiscal, z_number) = if kind == ClosingType::Daily {
        match app.fiscal.daily_closing_record(&mut tx, register.jurisdiction, &register.id, &mut unit, &id).await? {
            Ok(record) => record.map_or((None, None), |r| (Some(r.fiscal), Some(r.z_number))),
            Err(f) => {
                drop(tx);
                unit_failed(&app, &org, &unit_id, &f).await?;
                return Err(f.into());
            }
        }
    } else {
        (None, None)
    };
    let row = ClosingRow {
        id: id.clone(),
        organization_id: org.clone(),
        location_id: register.location_id.clone(),
        register_id: register.id.clone(),
        fiscal_unit_id: unit.id.clone(),
        kind: kind.as_str().into(),
        trigger: "manual".into(),
        state: "completed".into(),
        business_date: period::business_date(from, to, &tz),
        period_from: from,
        period_to: to,
        z_number,
        summary: to_json(&summary)?,
        fiscal: fiscal.as_ref().map(to_json).transpose()?,
        error: None,
        metadata: to_json(&metadata)?,
        created_at: now,
        completed_at: Some(now),
    };
    match closings::insert(&mut tx, &row).await {
        Ok(()) => {}
        // Another instance stored this month's or year's closing first: answer it.
        Err(e) if e.unique_constraint() == Some("closings_one_per_period") => {
            drop(tx);
            let mut tx = app.store.begin().await?;
            let c = closings::find_period(&mut tx, &org, &register.id, kind.as_str(), from)
                .await?
                .ok_or_else(|| ApiError::internal(&"closing conflict without a closing"))?;
            return existing(&app, tx, &idem, &c).await;
        }
        Err(e) => return Err(e.into()),
    }
    let body = closing_json(&row)?;
    let headers = vec![("location".into(), format!("/v1/closings/{id}"))];
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, headers).await
}

/// A register's closings, newest first; `type` and `state` filter.
#[utoipa::path(get, path = "/v1/registers/{registerId}/closings", tag = "closings",
    params(("registerId" = String, Path), ("type" = Option<ClosingType>, Query), ("state" = Option<crate::schemas::enums::ClosingState>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<ClosingBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_closings(
    State(app): State<AppState>,
    caller: Caller,
    Path(register_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&register_id)?.to_string();
    let params = ListParams::parse_with(uri.path(), &query, &["type", "state"])?;
    let kind = query.get("type").map(String::as_str);
    if kind.is_some_and(|k| !TYPES.contains(&k)) {
        return Err(ApiError::invalid("type", "type must be daily, shift, monthly or annual."));
    }
    let state = query.get("state").map(String::as_str);
    if state.is_some_and(|s| !STATES.contains(&s)) {
        return Err(ApiError::invalid("state", "state must be pending, completed, transmitted or failed."));
    }
    let reg_id: RegisterId = path_id(&register_id)?;
    let mut db = app.store.read().await?;
    registers::get(&mut db, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let page = closings::list(&mut db, &org, &reg_id.to_string(), kind, state, &params.page).await?;
    let body = params.body(page, |c| (c.created_at, c.id.clone()), |c| closing_json(&c))?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Retrieve a closing.
#[utoipa::path(get, path = "/v1/closings/{closingId}", tag = "closings", params(("closingId" = String, Path)),
    responses((status = 200, body = ClosingBody), (status = 404, body = ErrorBody)))]
pub async fn get_closing(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.org_scope()?.to_string();
    let mut db = app.store.read().await?;
    let c = closings::get(&mut db, &org, &id).await?.ok_or_else(ApiError::not_found)?;
    caller.register_scope(&c.register_id)?;
    Ok(json_response(StatusCode::OK, &closing_json(&c)?))
}
