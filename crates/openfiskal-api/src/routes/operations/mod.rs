//! POS operations (api.md §7), seed 002: the eight types through one lifecycle. Every type has its
//! own paths (`/v1/registers/{id}/sales`, `/v1/sales/{id}/complete`, …); one handler serves each
//! call for every type, which it reads from the matched route ([`kind::OpKind::of_route`]). The
//! OpenAPI document lists each type's paths: [`routes`] copies the documented `sales` paths for
//! the other seven segments.
//!
//! A fiscal event (start, complete, cancel, fiscalize) runs in one store transaction: validate the
//! whole body and compute `data` first (nothing signed for a bad request), then lock the unit,
//! sign, allocate counters from the unit's row, store, store the idempotent answer, commit.

mod body;
mod data;
pub mod kind;

use std::collections::HashMap;

use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use openfiskal_core::operation::{FromIdGen, Jurisdiction, Stage};
use openfiskal_core::{FiscalState, FiscalUnitState, OperationState, RegisterId, Timestamp};
use openfiskal_store::Tx;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::locations::{self, LocationRow};
use openfiskal_store::repo::operations::{self, ListFilter, OperationRow};
use openfiskal_store::repo::orgs;
use openfiskal_store::repo::registers::{self, RegisterRow};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_axum::router::UtoipaMethodRouter;

use self::body::{Body, Call};
use self::data::{Input, Original, StableIds};
use self::kind::OpKind;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, codes};
use crate::fiscal::device::DeviceFailure;
use crate::fiscal::lifecycle;
use crate::fiscal::tse::{self, Event, TseStepError};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, Patch, json_response};
use crate::pagination::ListParams;
use crate::state::AppState;
use crate::validate::{opt_length, path_id, to_json};

pub use self::body::{Cashier, OriginalDocument};

/// The warning of an operation completed while its TSE failed (api.md §7.6, AEAO § 146a No. 7.2).
const TSE_FAILED: &str = "The TSE failed; print \"TSE ausgefallen\" and fiscalize later.";

/// At most this many open operations per fiscal unit (api.md §7.5).
const MAX_OPEN: i64 = 2_000;

/// The documented routes of every type: each `sales` path is copied for the other segments, with
/// its own `operationId` (`start_operation_refunds`).
pub fn routes() -> Vec<UtoipaMethodRouter<AppState>> {
    let documented: Vec<UtoipaMethodRouter<AppState>> = vec![
        utoipa_axum::routes!(start_operation, list_operations_of_type),
        utoipa_axum::routes!(get_operation_of_type, update_operation),
        utoipa_axum::routes!(complete_operation),
        utoipa_axum::routes!(cancel_operation),
        utoipa_axum::routes!(fiscalize_operation),
    ];
    documented
        .into_iter()
        .map(|(schemas, mut paths, method_router)| {
            let template = std::mem::take(&mut paths.paths);
            for (path, item) in template {
                for kind in OpKind::ALL {
                    let mut item = item.clone();
                    let segment = kind.segment();
                    for op in [&mut item.get, &mut item.post, &mut item.patch].into_iter().flatten() {
                        op.operation_id =
                            op.operation_id.take().map(|id| format!("{id}_{}", segment.replace('-', "_")));
                        op.summary = op.summary.take().map(|s| s.replace("sale", kind.as_str()));
                    }
                    paths.paths.insert(path.replace("/sales", &format!("/{segment}")), item);
                }
            }
            (schemas, paths, method_router)
        })
        .collect()
}

/// `POST /v1/{type}/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The operation as the API shows it (api.md §7.2).
pub fn operation_json(o: &OperationRow) -> Result<Value, ApiError> {
    let parse = |s: &str| serde_json::from_str::<Value>(s).map_err(|e| ApiError::internal(&e));
    let ts = |t: Option<i64>| t.map_or(Value::Null, |t| json!(Timestamp::from_micros(t)));
    Ok(json!({
        "id": o.id, "object": "operation", "type": o.kind, "state": o.state, "fiscal_state": o.fiscal_state,
        "organization_id": o.organization_id, "location_id": o.location_id, "register_id": o.register_id,
        "fiscal_unit_id": o.fiscal_unit_id, "client_operation_id": o.client_operation_id, "external_id": o.external_id,
        "sequence_number": o.sequence_number, "training": o.kind == "training", "cashier": parse(&o.cashier)?,
        "references": parse(&o.refs)?, "data": parse(&o.data)?, "fiscal": parse(&o.fiscal)?,
        "warnings": parse(&o.warnings)?, "metadata": parse(&o.metadata)?, "closing_id": o.closing_id,
        "resource_version": o.resource_version, "occurred_at": ts(o.occurred_at),
        "completed_occurred_at": ts(o.completed_occurred_at), "started_at": ts(Some(o.started_at)),
        "completed_at": ts(o.completed_at), "cancelled_at": ts(o.cancelled_at),
        "cancellation_reason": o.cancellation_reason, "created_at": ts(Some(o.created_at)),
        "updated_at": ts(Some(o.updated_at)),
    }))
}

fn event_json(e: &Event) -> Value {
    json!({"signed_at": Timestamp::from_micros(e.signed_at * 1_000_000),
           "transaction_counter": e.counter,
           "signature": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &e.signature),
           "process_type": e.process_type, "process_data": e.process_data})
}

fn event_from_json(v: &Value) -> Option<Event> {
    Some(Event {
        signed_at: Timestamp::parse_rfc3339(v["signed_at"].as_str()?).ok()?.as_secs(),
        counter: v["transaction_counter"].as_i64()?,
        signature: base64::Engine::decode(&base64::engine::general_purpose::STANDARD, v["signature"].as_str()?).ok()?,
        process_type: v["process_type"].as_str()?.to_owned(),
        process_data: v["process_data"].as_str()?.to_owned(),
    })
}

/// The initial `tse` fiscal document (api.md §9.2): fields null until known.
fn initial_fiscal(unit: &FiscalUnitRow) -> Result<Value, ApiError> {
    let reg: Value = serde_json::from_str(unit.fiscal_registration.as_deref().unwrap_or("null"))
        .map_err(|e| ApiError::internal(&e))?;
    Ok(json!({
        "regime": "tse", "state": "pending", "fiscal_unit_id": unit.id, "document_number": null,
        "document_type": null, "transmission_status": "pending", "transmitted_at": null, "training": false,
        "tse_serial": reg["tse_serial"], "client_id": reg["client_id"], "signature_algorithm": reg["signature_algorithm"],
        "time_format": reg["time_format"], "transaction_number": null, "public_key": reg["public_key"],
        "start_event": null, "end_event": null, "tse_failure": null, "verification": {"qr_data": null, "url": null},
    }))
}

fn failure_json(app: &AppState, f: &DeviceFailure) -> Value {
    json!({"reason": format!("TSE {}", f.reason), "since": Timestamp::from_micros(app.now_us())})
}

/// The operation's active unit, locked, or `409 fiscal_unit_not_active`.
async fn active_unit(tx: &mut Tx, org: &str, unit_id: &str) -> Result<FiscalUnitRow, ApiError> {
    let unit = fiscal_units::lock(tx, org, unit_id).await?.ok_or_else(ApiError::not_found)?;
    if unit.state != FiscalUnitState::Active {
        return Err(ApiError::conflict(codes::FISCAL_UNIT_NOT_ACTIVE, format!("The fiscal unit is {}.", unit.state)));
    }
    Ok(unit)
}

fn etag(version: i64) -> (String, String) {
    ("etag".into(), format!("\"{version}\""))
}

fn check_if_match(headers: &HeaderMap, version: i64) -> Result<(), ApiError> {
    let Some(v) = headers.get("if-match") else { return Ok(()) };
    let v = v.to_str().map_err(|_| ApiError::invalid("If-Match", "If-Match is malformed."))?.trim();
    if v == "*" {
        return Ok(());
    }
    let n: i64 = v
        .trim_matches('"')
        .parse()
        .map_err(|_| ApiError::invalid("If-Match", "If-Match must be a quoted resource_version."))?;
    if n != version {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            codes::PRECONDITION_FAILED,
            "The operation changed; re-read it and send the current version.",
        ));
    }
    Ok(())
}

fn jurisdiction(register: &RegisterRow) -> Result<Jurisdiction, ApiError> {
    match register.jurisdiction {
        Jurisdiction::De => Ok(Jurisdiction::De),
        // The AT and IT regimes record operations in their own issues; their registers refuse
        // operations until then instead of pretending to fiscalize them.
        Jurisdiction::At | Jurisdiction::It => Err(ApiError::validation(
            "type",
            format!(
                "Operations on {} registers are not available yet; DE registers record them.",
                register.jurisdiction
            ),
        )),
    }
}

fn invalid_original(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::ORIGINAL_OPERATION_INVALID, message)
        .param("original_operation_id")
}

/// Loads and checks the original of a refund, exchange, void or deposit capture (api.md §7.4),
/// at start and again at complete; also what completed returns already took from its lines.
async fn load_original(
    tx: &mut Tx,
    kind: OpKind,
    register: &RegisterRow,
    original_id: Option<&str>,
) -> Result<Option<Original>, ApiError> {
    let Some(id) = original_id else {
        return match kind {
            OpKind::Refund | OpKind::Void | OpKind::DepositCapture => {
                Err(ApiError::validation("original_operation_id", "original_operation_id is required."))
            }
            _ => Ok(None),
        };
    };
    let row = operations::lock(tx, &register.organization_id, id)
        .await?
        .ok_or_else(|| invalid_original("No operation with this id exists in the organization."))?;
    let orig_kind = OpKind::parse(&row.kind).ok_or_else(|| ApiError::internal(&"stored operation type"))?;
    if row.state != OperationState::Completed || row.fiscal_state != FiscalState::Succeeded {
        return Err(invalid_original("The original operation must be completed and fiscally succeeded."));
    }
    let fiscal: Value = serde_json::from_str(&row.fiscal).map_err(|e| ApiError::internal(&e))?;
    if fiscal["regime"] != "tse" {
        return Err(invalid_original("The original operation belongs to another jurisdiction."));
    }
    let later: Vec<OperationRow> = operations::referencing(tx, &register.organization_id, &row.id)
        .await?
        .into_iter()
        .filter(|o| o.state == OperationState::Completed)
        .collect();
    let voided = later.iter().any(|o| o.kind == "void");
    match kind {
        OpKind::Refund | OpKind::Exchange => {
            if !matches!(orig_kind, OpKind::Sale | OpKind::Exchange | OpKind::Deposit | OpKind::DepositCapture) {
                return Err(invalid_original("Only a sale, exchange, deposit or deposit capture can be returned."));
            }
            if voided {
                return Err(invalid_original("The original operation was voided."));
            }
        }
        OpKind::Void => {
            let why = if row.register_id != register.id {
                Some("A void must be on the original's register")
            } else if row.closing_id.is_some() {
                Some("The original is covered by a daily closing")
            } else if voided {
                Some("The original was voided already")
            } else if !later.is_empty() {
                Some("The original was partly refunded, exchanged or captured")
            } else if matches!(orig_kind, OpKind::Void | OpKind::Training) {
                Some("A void or a training cannot be voided")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(invalid_original(format!("{why}; use a refund instead.")));
            }
        }
        OpKind::DepositCapture => {
            if orig_kind != OpKind::Deposit {
                return Err(invalid_original("A deposit capture needs a deposit."));
            }
            if !later.is_empty() {
                return Err(invalid_original("The deposit was captured, voided or refunded already."));
            }
        }
        _ => return Err(ApiError::internal(&"original for a type without one")),
    }
    let mut returned = openfiskal_core::operation::ReturnedSoFar::new();
    for o in later.iter().filter(|o| o.kind == "refund" || o.kind == "exchange") {
        let d: Value = serde_json::from_str(&o.data).map_err(|e| ApiError::internal(&e))?;
        let key = if o.kind == "refund" { "line_items" } else { "returned_line_items" };
        for l in d[key].as_array().into_iter().flatten() {
            let Some(line_id) = l["original_line_id"].as_str() else { continue };
            let q = serde_json::from_value(l["quantity"].clone()).map_err(|e| ApiError::internal(&e))?;
            let a = serde_json::from_value(l["total_gross"].clone()).map_err(|e| ApiError::internal(&e))?;
            let entry = returned.entry(line_id.to_owned()).or_default();
            *entry = entry.add(q, a).map_err(|e| ApiError::internal(&e))?;
        }
    }
    let data = serde_json::from_str(&row.data).map_err(|e| ApiError::internal(&e))?;
    Ok(Some(Original { row, kind: orig_kind, data, returned }))
}

/// The stored merged inputs and the ids of the last computation.
struct Stored {
    inputs: Map<String, Value>,
    /// The child ids of the stored `data`, to replay (api.md §8.1).
    ids: Vec<String>,
}

impl Stored {
    /// The stored inputs and the child ids of the stored `data` (returned lines, lines with their
    /// line discounts, cart discounts: the order the computation asks for them, per kind).
    fn parse(inputs: &str, data: &str) -> Result<Self, ApiError> {
        let inputs = serde_json::from_str(inputs).map_err(|e| ApiError::internal(&e))?;
        let data: Value = serde_json::from_str(data).map_err(|e| ApiError::internal(&e))?;
        let mut ids = Vec::new();
        let items = |k: &str| data[k].as_array().cloned().unwrap_or_default();
        for line in items("returned_line_items").iter().chain(items("line_items").iter()) {
            ids.extend(line["id"].as_str().map(str::to_owned));
            let discounts = line["line_discounts"].as_array().into_iter().flatten();
            ids.extend(discounts.filter_map(|d| d["id"].as_str().map(str::to_owned)));
        }
        ids.extend(items("cart_discounts").iter().filter_map(|d| d["id"].as_str().map(str::to_owned)));
        Ok(Self { inputs, ids })
    }

    fn to_json(&self) -> Result<String, ApiError> {
        to_json(&self.inputs)
    }

    /// Applies the inputs of a PATCH or complete: fields replace; a replaced list gets new ids
    /// (lines: `li_` and `ldsc_`; cart discounts: `cdsc_`).
    fn apply(&mut self, inputs: Map<String, Value>) {
        if inputs.contains_key("line_items") || inputs.contains_key("returned_line_items") {
            self.ids.retain(|id| !id.starts_with("li_") && !id.starts_with("ldsc_"));
        }
        if inputs.contains_key("cart_discounts") {
            self.ids.retain(|id| !id.starts_with("cdsc_"));
        }
        self.inputs.extend(inputs);
    }
}

/// What a computation of `data` depends on besides the inputs.
struct Scope {
    kind: OpKind,
    original: Option<Original>,
    jurisdiction: Jurisdiction,
    /// Today's date in the register's location (rates valid from a date, api.md §8.3).
    date: jiff::civil::Date,
    /// The register's location (its time zone; the receipt's issuer block).
    location: LocationRow,
}

impl Scope {
    /// The register's jurisdiction, location and local date, and the checked original (if any).
    async fn load(
        app: &AppState,
        tx: &mut Tx,
        kind: OpKind,
        register: &RegisterRow,
        original_id: Option<&str>,
    ) -> Result<Self, ApiError> {
        let jurisdiction = jurisdiction(register)?;
        let location = locations::get(tx, &register.organization_id, &register.location_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let tz = jiff::tz::TimeZone::get(&location.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let date = Timestamp::from_micros(app.now_us()).to_jiff().to_zoned(tz).date();
        let original = load_original(tx, kind, register, original_id).await?;
        Ok(Self { kind, original, jurisdiction, date, location })
    }
}

/// Computes `data` from the stored inputs (ids replayed where lists are unchanged).
fn compute(
    app: &AppState,
    stored: &Stored,
    settle: &Map<String, Value>,
    scope: &Scope,
    stage: Stage,
) -> Result<String, ApiError> {
    let mut fresh = FromIdGen(&*app.ids);
    let mut ids = StableIds::new(&stored.ids, &mut fresh);
    let input = Input {
        kind: scope.kind,
        inputs: &stored.inputs,
        settle,
        original: scope.original.as_ref(),
        jurisdiction: scope.jurisdiction,
        date: scope.date,
        stage,
    };
    to_json(&data::compute(&input, &mut ids)?)
}

/// The issuer block of the receipt, snapshotted at completion (api.md §11).
async fn issuer_snapshot(tx: &mut Tx, register: &RegisterRow, loc: &LocationRow) -> Result<String, ApiError> {
    let org = orgs::get(tx, &register.organization_id).await?.ok_or_else(ApiError::not_found)?;
    let parse = |s: &str| serde_json::from_str::<Value>(s).map_err(|e| ApiError::internal(&e));
    to_json(&json!({
        "organization_id": org.id, "legal_name": org.legal_name, "trade_name": org.trade_name, "tax_id": org.tax_id,
        "tax_number": org.tax_number, "address": parse(&org.address)?, "location_id": &loc.id,
        "location_name": &loc.name, "location_address": parse(&loc.address)?, "timezone": &loc.timezone,
        "register_id": register.id, "register_label": register.label,
    }))
}

/// Completes an open operation whose `data` was computed at [`Stage::Complete`] inside `tx`: takes
/// the issuer snapshot, then signs the Finish (and a Start if none was signed).
async fn complete_in_tx(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    scope: &Scope,
) -> Result<(), ApiError> {
    let mut unit = active_unit(tx, &op.organization_id, &op.fiscal_unit_id).await?;
    mark_completed(app, tx, register, op, scope).await?;
    let orig_kind = scope.original.as_ref().map(|o| o.kind.as_str());
    record_in_tx(app, tx, register, op, &mut unit, orig_kind).await
}

/// State `completed`, completion time and the receipt's issuer snapshot.
async fn mark_completed(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    scope: &Scope,
) -> Result<(), ApiError> {
    op.state = op.state.complete().map_err(|_| not_open())?;
    op.completed_at = Some(app.now_us());
    op.issuer = Some(issuer_snapshot(tx, register, &scope.location).await?);
    Ok(())
}

/// Records a completed operation with the TSE: the Finish (and a Start if none was signed), the
/// receipt number and the QR code; a device failure leaves it `failed` and the unit in `error`.
/// Times are those of this call, never back-dated (api.md §7.5).
async fn record_in_tx(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    unit: &mut FiscalUnitRow,
    original_kind: Option<&str>,
) -> Result<(), ApiError> {
    let data: Value = serde_json::from_str(&op.data).map_err(|e| ApiError::internal(&e))?;
    let mut fiscal: Value = serde_json::from_str(&op.fiscal).map_err(|e| ApiError::internal(&e))?;
    let process = tse::process_data(&op.kind, &data, original_kind)?;
    let now = app.now_us();
    let result = async {
        let (tx_number, start) = match (fiscal["transaction_number"].as_i64(), event_from_json(&fiscal["start_event"]))
        {
            (Some(n), Some(e)) => (n, e),
            _ => tse::start(app, tx, unit, &op.id).await?,
        };
        let finish = tse::finish(
            app,
            tx,
            unit,
            &op.id,
            tx_number,
            openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG,
            &process.to_string(),
        )
        .await?;
        Ok::<_, TseStepError>((tx_number, start, finish))
    }
    .await;
    match result {
        Ok((tx_number, start, finish)) => {
            let receipt = operations::next_receipt_number(tx, &register.id).await?;
            let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
            let year = Timestamp::from_micros(now).to_jiff().to_zoned(tz).year();
            fiscal["transaction_number"] = json!(tx_number);
            fiscal["start_event"] = event_json(&start);
            fiscal["end_event"] = event_json(&finish);
            fiscal["verification"]["qr_data"] = json!(tse::qr_data(unit, tx_number, &start, &finish)?);
            fiscal["document_number"] = json!(format!("{year}-{receipt:06}"));
            fiscal["document_type"] = json!("Kassenbeleg");
            fiscal["transmission_status"] = json!("transmitted");
            fiscal["transmitted_at"] = json!(Timestamp::from_micros(now));
            op.fiscal_state = FiscalState::of_step(true);
            fiscal["state"] = json!(op.fiscal_state);
        }
        Err(TseStepError::Device(f)) => {
            // The till is never blocked: completed + failed, unit to error (api.md §7.6).
            lifecycle::unit_failed(app, tx, unit, &f).await?;
            fiscal["tse_failure"] = failure_json(app, &f);
            fiscal["transmission_status"] = json!("failed");
            op.fiscal_state = FiscalState::of_step(false);
            fiscal["state"] = json!(op.fiscal_state);
            op.warnings = json!([{"code": "tse_failure", "message": TSE_FAILED}]).to_string();
        }
        Err(e) => return Err(e.into()),
    }
    op.fiscal = to_json(&fiscal)?;
    Ok(())
}

/// Writes a changed operation (one version up, guarded by the version it was read at), stores the
/// answer under the idempotency key and commits.
async fn save(app: &AppState, mut tx: Tx, idem: &Idem, mut op: OperationRow, read: i64) -> Result<Response, ApiError> {
    op.resource_version = read + 1;
    op.updated_at = app.now_us();
    operations::update(&mut tx, &op, read).await?;
    let body = operation_json(&op)?;
    idempotency::commit(app, tx, idem, StatusCode::OK, &body, vec![etag(op.resource_version)]).await
}

fn refs_json(refs: &body::Refs, original_id: Option<&str>) -> Result<String, ApiError> {
    to_json(&json!({"original_operation_id": original_id, "reason": refs.reason,
        "original_document": refs.original_document, "original_unknown": refs.original_unknown}))
}

/// Start an operation of the path's type (sale, refund, …); DE signs StartTransaction. With
/// `"complete": true` the operation is also completed in the same call.
#[utoipa::path(post, path = "/v1/registers/{registerId}/sales", tag = "operations", params(("registerId" = String, Path)),
    summary = "Start a sale",
    request_body(content = Object, description = "The start body of the type (api.md §7.4)"),
    responses((status = 201, body = Object), (status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    Path(register_id): Path<String>,
    AppJson(raw): AppJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let org = caller.register_scope(&register_id)?.to_string();
    let reg_id: RegisterId = path_id(&register_id)?;
    let max_future = app.clock.now().plus_secs(300).as_micros();
    let body: Body = body::split(kind, Call::Start, raw, max_future)?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let register = registers::get(&mut tx, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    lifecycle::ensure_active_register(&register)?;
    let j = jurisdiction(&register)?;
    if (body.refs.original_document.is_some() || body.refs.original_unknown) && j != Jurisdiction::It {
        let param = if body.refs.original_unknown { "original_unknown" } else { "original_document" };
        return Err(ApiError::invalid(param, format!("{param} is accepted only in IT.")));
    }
    if let Some(client_id) = &body.id
        && let Some(existing) = operations::get(&mut tx, &org, client_id).await?
    {
        if existing.client_fingerprint.as_deref() != Some(body.fingerprint.as_slice()) || existing.kind != kind.as_str()
        {
            return Err(ApiError::conflict(
                codes::OPERATION_ID_CONFLICT,
                "This operation id was used with a different body.",
            ));
        }
        let out = operation_json(&existing)?;
        return idempotency::commit(&app, tx, &idem, StatusCode::OK, &out, vec![etag(existing.resource_version)]).await;
    }
    let scope = Scope::load(&app, &mut tx, kind, &register, body.refs.original_operation_id.as_deref()).await?;
    let stored = Stored { inputs: body.inputs, ids: Vec::new() };
    // The whole body first (a one-shot's complete part too): nothing is signed for a bad request.
    let stage = if body.complete { Stage::Complete } else { Stage::Open };
    let data = compute(&app, &stored, &body.settle, &scope, stage)?;
    let unit_id = register
        .current_fiscal_unit_id
        .clone()
        .ok_or_else(|| ApiError::conflict(codes::NO_ACTIVE_FISCAL_UNIT, "The register has no fiscal unit."))?;
    let mut unit = active_unit(&mut tx, &org, &unit_id).await?;
    if operations::count_open_for_unit(&mut tx, &unit.id).await? >= MAX_OPEN {
        return Err(ApiError::conflict(
            codes::TOO_MANY_OPEN_OPERATIONS,
            "The fiscal unit already has 2,000 open operations.",
        ));
    }
    let op_id = app.new_id("op_");
    let mut fiscal = initial_fiscal(&unit)?;
    fiscal["training"] = json!(kind == OpKind::Training);
    let mut warnings = json!([]);
    let mut fiscal_state = FiscalState::Pending;
    match tse::start(&app, &mut tx, &mut unit, &op_id).await {
        Ok((n, start)) => {
            fiscal["transaction_number"] = json!(n);
            fiscal["start_event"] = event_json(&start);
            fiscal_state = FiscalState::of_step(true);
            fiscal["state"] = json!(fiscal_state);
        }
        Err(TseStepError::Device(f)) => {
            lifecycle::unit_failed(&app, &mut tx, &mut unit, &f).await?;
            fiscal["tse_failure"] = failure_json(&app, &f);
            if body.complete {
                // A one-shot is the whole sale: it completes as `failed` (api.md §7.6), the till goes
                // on, and fiscalize signs start and finish once the unit is recovered.
                fiscal_state = FiscalState::of_step(false);
                fiscal["state"] = json!(fiscal_state);
                fiscal["transmission_status"] = json!("failed");
                warnings = json!([{"code": "tse_failure", "message": TSE_FAILED}]);
            } else {
                warnings = json!([{"code": "tse_failure", "message": "The TSE failed at start."}]);
            }
        }
        Err(e) => return Err(e.into()),
    }
    let original_id = scope.original.as_ref().map(|o| o.row.id.clone());
    let mut op = OperationRow {
        id: op_id,
        organization_id: org,
        location_id: register.location_id.clone(),
        register_id: register.id.clone(),
        fiscal_unit_id: unit.id.clone(),
        kind: kind.as_str().into(),
        state: OperationState::Open,
        fiscal_state,
        client_operation_id: body.id.clone(),
        client_fingerprint: Some(body.fingerprint.clone()),
        external_id: match &body.external_id {
            Patch::Value(v) => Some(v.clone()),
            _ => None,
        },
        sequence_number: operations::next_sequence(&mut tx, &register.id).await?,
        cashier: to_json(&body.cashier)?,
        refs: refs_json(&body.refs, original_id.as_deref())?,
        data,
        fiscal: to_json(&fiscal)?,
        warnings: warnings.to_string(),
        metadata: to_json(&body.metadata.clone().unwrap_or_default())?,
        closing_id: None,
        resource_version: 1,
        occurred_at: body
            .occurred_at
            .as_deref()
            .map(|t| body::device_time(t, "occurred_at", max_future))
            .transpose()?,
        completed_occurred_at: None,
        started_at: now,
        completed_at: None,
        cancelled_at: None,
        cancellation_reason: None,
        created_at: now,
        updated_at: now,
        inputs: stored.to_json()?,
        original_operation_id: original_id,
        issuer: None,
    };
    // A one-shot's data was computed with the completion rules above.
    match (body.complete, op.fiscal_state) {
        (true, FiscalState::Succeeded) => complete_in_tx(&app, &mut tx, &register, &mut op, &scope).await?,
        (true, _) => mark_completed(&app, &mut tx, &register, &mut op, &scope).await?,
        _ => {}
    }
    operations::insert(&mut tx, &op).await?;
    let out = operation_json(&op)?;
    let headers = vec![("location".into(), format!("/v1/{}/{}", kind.segment(), op.id)), etag(op.resource_version)];
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &out, headers).await
}

/// Loads an operation of `kind` (404 under another type's path) visible to the caller.
async fn load_op(
    tx: &mut impl openfiskal_store::Db,
    caller: &Caller,
    kind: OpKind,
    raw: &str,
) -> Result<OperationRow, ApiError> {
    let op = load_any(tx, caller, raw).await?;
    if op.kind != kind.as_str() {
        return Err(ApiError::not_found());
    }
    Ok(op)
}

/// Loads an operation for a write and checks `If-Match` against its version (api.md §1.10).
async fn load_for_write(
    tx: &mut Tx,
    caller: &Caller,
    kind: OpKind,
    raw: &str,
    headers: &HeaderMap,
) -> Result<OperationRow, ApiError> {
    let op = load_op(tx, caller, kind, raw).await?;
    check_if_match(headers, op.resource_version)?;
    Ok(op)
}

fn not_open() -> ApiError {
    ApiError::conflict(codes::OPERATION_NOT_OPEN, "This operation is not in open status and cannot be modified.")
}

fn ensure_open(op: &OperationRow) -> Result<(), ApiError> {
    if op.state != OperationState::Open {
        return Err(not_open());
    }
    Ok(())
}

/// Applies the PATCH-like fields of a PATCH or complete body to `op` (not a fiscal event).
fn apply_changes(op: &mut OperationRow, body: &mut Body) -> Result<(), ApiError> {
    if let Some(c) = &body.cashier {
        op.cashier = to_json(c)?;
    }
    match std::mem::take(&mut body.external_id) {
        Patch::Value(v) => op.external_id = Some(v),
        Patch::Null => op.external_id = None,
        Patch::Absent => {}
    }
    if let Some(m) = body.metadata.take() {
        op.metadata = crate::validate::merge_metadata(&op.metadata, m)?;
    }
    Ok(())
}

/// An open operation loaded for a PATCH or complete: the body applied and `data` recomputed
/// (with the completion rules and payments for a complete).
struct Change {
    tx: Tx,
    op: OperationRow,
    register: RegisterRow,
    /// The version it was read at.
    read: i64,
    scope: Scope,
}

async fn begin_change(
    app: &AppState,
    caller: &Caller,
    kind: OpKind,
    call: Call,
    id: &str,
    headers: &HeaderMap,
    raw: Map<String, Value>,
) -> Result<Change, ApiError> {
    let max_future = app.clock.now().plus_secs(300).as_micros();
    let mut body = body::split(kind, call, raw, max_future)?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, caller, kind, id, headers).await?;
    ensure_open(&op)?;
    let register =
        registers::get(&mut tx, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let read = op.resource_version;
    apply_changes(&mut op, &mut body)?;
    if call == Call::Complete {
        op.completed_occurred_at =
            body.occurred_at.as_deref().map(|t| body::device_time(t, "occurred_at", max_future)).transpose()?;
    }
    let mut stored = Stored::parse(&op.inputs, &op.data)?;
    stored.apply(std::mem::take(&mut body.inputs));
    let scope = Scope::load(app, &mut tx, kind, &register, op.original_operation_id.as_deref()).await?;
    let stage = if call == Call::Complete { Stage::Complete } else { Stage::Open };
    op.data = compute(app, &stored, &body.settle, &scope, stage)?;
    op.inputs = stored.to_json()?;
    Ok(Change { tx, op, register, read, scope })
}

/// Change an open operation (lines, discounts, customer, cashier, metadata, …); not a fiscal
/// event: nothing is signed, whatever the unit's state.
#[utoipa::path(patch, path = "/v1/sales/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    summary = "Update an open sale",
    request_body(content = Object, description = "The PATCH body of the type (api.md §7.4)"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(raw): AppJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let Change { tx, op, read, .. } = begin_change(&app, &caller, kind, Call::Patch, &id, &headers, raw).await?;
    save(&app, tx, &idem, op, read).await
}

/// Complete an operation: the body's fields are applied first, then DE signs FinishTransaction;
/// the answer carries the full fiscal document.
#[utoipa::path(post, path = "/v1/sales/{operationId}/complete", tag = "operations", params(("operationId" = String, Path)),
    summary = "Complete a sale",
    request_body(content = Object, description = "The complete body of the type (api.md §7.4)"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(raw): AppJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let Change { mut tx, mut op, register, read, scope } =
        begin_change(&app, &caller, kind, Call::Complete, &id, &headers, raw).await?;
    complete_in_tx(&app, &mut tx, &register, &mut op, &scope).await?;
    save(&app, tx, &idem, op, read).await
}

/// Cancel an open operation: DE finishes the transaction as `AVBelegabbruch`; never a receipt.
#[utoipa::path(post, path = "/v1/sales/{operationId}/cancel", tag = "operations", params(("operationId" = String, Path)),
    summary = "Cancel an open sale",
    request_body = CancelRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<CancelRequest>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    opt_length("reason", req.reason.as_deref(), 500)?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, kind, &id, &headers).await?;
    let cancelled = op.state.cancel().map_err(|_| {
        ApiError::conflict(codes::INVALID_STATE_TRANSITION, format!("A {} operation cannot be cancelled.", op.state))
    })?;
    let mut unit = active_unit(&mut tx, &op.organization_id, &op.fiscal_unit_id).await?;
    let mut fiscal: Value = serde_json::from_str(&op.fiscal).map_err(|e| ApiError::internal(&e))?;
    if let Some(n) = fiscal["transaction_number"].as_i64() {
        let pd = openfiskal_de_tse::ProcessData::cancel().to_string();
        match tse::finish(&app, &mut tx, &mut unit, &op.id, n, openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG, &pd).await {
            Ok(e) => fiscal["end_event"] = event_json(&e),
            Err(TseStepError::Device(f)) => {
                // The operation stays open; the unit goes to error (committed), nothing is answered as stored.
                lifecycle::unit_failed(&app, &mut tx, &mut unit, &f).await?;
                tx.commit().await?;
                return Err(f.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let now = app.now_us();
    let read = op.resource_version;
    op.state = cancelled;
    op.cancelled_at = Some(now);
    op.cancellation_reason = req.reason;
    op.fiscal = to_json(&fiscal)?;
    save(&app, tx, &idem, op, read).await
}

/// Retry the recording of a completed operation whose fiscal state is `failed`.
#[utoipa::path(post, path = "/v1/sales/{operationId}/fiscalize", tag = "operations", params(("operationId" = String, Path)),
    summary = "Retry the fiscalization of a sale",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn fiscalize_operation(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    route: MatchedPath,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(_empty): AppJson<crate::json::EmptyBody>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, kind, &id, &headers).await?;
    match (op.state, op.fiscal_state) {
        // Already recorded (also an open operation whose start is signed): 200 unchanged, whatever
        // the unit's state (api.md §7.5).
        (_, FiscalState::Succeeded) => {
            let body = operation_json(&op)?;
            return idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![etag(op.resource_version)]).await;
        }
        (OperationState::Completed, FiscalState::Failed) => {}
        _ => {
            return Err(ApiError::conflict(
                codes::INVALID_STATE_TRANSITION,
                "Only a completed operation whose fiscalization failed can be fiscalized.",
            ));
        }
    }
    let read = op.resource_version;
    refiscalize_in_tx(&app, &mut tx, &mut op).await?;
    save(&app, tx, &idem, op, read).await
}

/// Signs a completed + failed operation again under its unit's lock (fiscalize and the automatic
/// retry): `409` unless the unit is `active`; a new device failure leaves it `failed`.
async fn refiscalize_in_tx(app: &AppState, tx: &mut Tx, op: &mut OperationRow) -> Result<(), ApiError> {
    let mut unit =
        fiscal_units::lock(tx, &op.organization_id, &op.fiscal_unit_id).await?.ok_or_else(ApiError::not_found)?;
    match unit.state {
        FiscalUnitState::Active => {}
        FiscalUnitState::Decommissioned => {
            return Err(ApiError::conflict(
                codes::FISCAL_UNIT_DECOMMISSIONED,
                "The operation's fiscal unit is decommissioned.",
            ));
        }
        other => return Err(ApiError::conflict(codes::FISCAL_UNIT_NOT_ACTIVE, format!("The fiscal unit is {other}."))),
    }
    let register = registers::get(tx, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let original_kind = match &op.original_operation_id {
        Some(id) => operations::get(tx, &op.organization_id, id).await?.map(|o| o.kind),
        None => None,
    };
    record_in_tx(app, tx, &register, op, &mut unit, original_kind.as_deref()).await
}

/// The automatic retry (api.md §7.5): signs up to `limit` completed operations whose
/// fiscalization failed and whose unit is `active` again, oldest first, each in its own
/// transaction (times are those of the retry). Stops at the first new device failure (that unit is
/// in `error` again). Returns how many are now `succeeded`.
pub async fn retry_failed(app: &AppState, limit: i64) -> Result<usize, ApiError> {
    let due = {
        let mut db = app.store.read().await?;
        operations::failed_on_active_units(&mut db, limit).await?
    };
    let mut done = 0;
    for (org, id) in due {
        let mut tx = app.store.begin().await?;
        let Some(mut op) = operations::get(&mut tx, &org, &id).await? else { continue };
        if (op.state, op.fiscal_state) != (OperationState::Completed, FiscalState::Failed) {
            continue; // fiscalized meanwhile
        }
        let read = op.resource_version;
        match refiscalize_in_tx(app, &mut tx, &mut op).await {
            Ok(()) => {}
            Err(e) if e.status == StatusCode::CONFLICT => continue, // the unit left `active` meanwhile
            Err(e) => return Err(e),
        }
        let succeeded = op.fiscal_state == FiscalState::Succeeded;
        op.resource_version = read + 1;
        op.updated_at = app.now_us();
        operations::update(&mut tx, &op, read).await?;
        tx.commit().await?;
        if !succeeded {
            break;
        }
        done += 1;
    }
    Ok(done)
}

fn with_etag(op: &OperationRow) -> Result<Response, ApiError> {
    let mut res = json_response(StatusCode::OK, &operation_json(op)?);
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(op.resource_version).1) {
        res.headers_mut().insert("etag", v);
    }
    Ok(res)
}

/// Retrieve an operation under its type's path.
#[utoipa::path(get, path = "/v1/sales/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    summary = "Retrieve a sale",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_operation_of_type(
    State(app): State<AppState>,
    caller: Caller,
    route: MatchedPath,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    let mut db = app.store.read().await?;
    with_etag(&load_op(&mut db, &caller, kind, &id).await?)
}

/// Retrieve an operation of any type.
#[utoipa::path(get, path = "/v1/operations/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_operation(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut db = app.store.read().await?;
    with_etag(&load_any(&mut db, &caller, &id).await?)
}

/// Loads an operation of any type visible to the caller (404 otherwise).
pub(crate) async fn load_any(
    db: &mut impl openfiskal_store::Db,
    caller: &Caller,
    id: &str,
) -> Result<OperationRow, ApiError> {
    let org = caller.org_scope()?.to_string();
    let op = operations::get(db, &org, id).await?.ok_or_else(ApiError::not_found)?;
    caller.register_scope(&op.register_id)?;
    Ok(op)
}

async fn list(
    app: &AppState,
    caller: &Caller,
    register_id: &str,
    kind: Option<OpKind>,
    query: &HashMap<String, String>,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(register_id)?.to_string();
    let reg_id: RegisterId = path_id(register_id)?;
    let mut extra = vec!["state", "fiscal_state", "external_id"];
    if kind.is_none() {
        extra.push("type");
    }
    let params = ListParams::parse_with(uri.path(), query, &extra)?;
    let get = |k: &str| query.get(k).map(String::as_str);
    if get("state").is_some_and(|s| s.parse::<OperationState>().is_err()) {
        return Err(ApiError::invalid("state", "state must be open, completed or cancelled."));
    }
    if get("fiscal_state").is_some_and(|s| s.parse::<FiscalState>().is_err()) {
        return Err(ApiError::invalid("fiscal_state", "fiscal_state must be pending, succeeded or failed."));
    }
    let kind = match (kind, get("type")) {
        (Some(k), _) => Some(k),
        (None, Some(t)) => Some(OpKind::parse(t).ok_or_else(|| ApiError::invalid("type", "Unknown operation type."))?),
        (None, None) => None,
    };
    let mut db = app.store.read().await?;
    registers::get(&mut db, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let filter = ListFilter {
        kind: kind.map(OpKind::as_str),
        state: get("state"),
        fiscal_state: get("fiscal_state"),
        external_id: get("external_id"),
    };
    let page = operations::list(&mut db, &org, &reg_id.to_string(), filter, &params.page).await?;
    let body = params.body(page, |o| (o.created_at, o.id.clone()), |o| operation_json(&o))?;
    Ok(json_response(StatusCode::OK, &body))
}

/// A register's operations of the path's type, newest first.
#[utoipa::path(get, path = "/v1/registers/{registerId}/sales", tag = "operations",
    summary = "List a register's sales",
    params(("registerId" = String, Path), ("state" = Option<String>, Query), ("fiscal_state" = Option<String>, Query), ("external_id" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_operations_of_type(
    State(app): State<AppState>,
    caller: Caller,
    route: MatchedPath,
    Path(register_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let kind = OpKind::of_route(&route)?;
    list(&app, &caller, &register_id, Some(kind), &query, &uri).await
}

/// A register's operations of every type (filter `type`), newest first.
#[utoipa::path(get, path = "/v1/registers/{registerId}/operations", tag = "operations",
    params(("registerId" = String, Path), ("type" = Option<String>, Query), ("state" = Option<String>, Query), ("fiscal_state" = Option<String>, Query), ("external_id" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_operations(
    State(app): State<AppState>,
    caller: Caller,
    Path(register_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Result<Response, ApiError> {
    list(&app, &caller, &register_id, None, &query, &uri).await
}
