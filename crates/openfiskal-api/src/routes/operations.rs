//! POS operations (api.md §7), seed 002. This first slice serves the `cash_movement` type for the
//! German TSE end to end: start (and one-shot), complete, cancel, get, list. The other seven types
//! plug into the same lifecycle with the data model of api.md §8.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use openfiskal_core::{RegisterId, Timestamp};
use openfiskal_store::Tx;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::operations::{self, OperationRow};
use openfiskal_store::repo::registers::{self, RegisterRow};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::fiscal::device::DeviceFailure;
use crate::fiscal::lifecycle;
use crate::fiscal::tse::{self, Event, TseStepError};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, json_response};
use crate::pagination::ListParams;
use crate::state::AppState;
use crate::validate::{self, length, opt_length, path_id, to_json};

/// At most this many open operations per fiscal unit (api.md §7.5).
const MAX_OPEN: i64 = 2_000;

/// The cashier [docs].
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cashier {
    /// 1–100 characters.
    pub id: String,
    /// ≤ 100 characters.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /v1/registers/{id}/cash-movements`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartCashMovement {
    /// Client-chosen UUID (offline POS).
    #[serde(default)]
    pub id: Option<String>,
    /// Who operates the till.
    pub cashier: Cashier,
    /// POS reference, ≤ 255.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Device time; at most 300 s in the future.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// `EUR` only.
    #[serde(default)]
    pub currency: Option<String>,
    /// Arbitrary key-value pairs.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// One-shot: start and complete in one call.
    #[serde(default)]
    pub complete: bool,
    /// `in` or `out`.
    pub direction: Direction,
    /// Minor units, > 0.
    pub amount: i64,
    /// Why the cash moved.
    pub reason: MovementReason,
    /// ≤ 200 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// Cash in or out of the drawer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Into the drawer.
    In,
    /// Out of the drawer.
    Out,
}

/// The reason of a cash movement (DSFinV-K business case, api.md §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    /// Float.
    Float,
    /// Safe drop.
    SafeDrop,
    /// Banking.
    Banking,
    /// Payout.
    Payout,
    /// Pay-in.
    PayIn,
    /// Other.
    Other,
}

/// `POST /v1/cash-movements/{id}/complete`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// Device time of the completion.
    #[serde(default)]
    pub occurred_at: Option<String>,
}

/// `POST /v1/cash-movements/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

fn device_time(app: &AppState, raw: Option<&str>, param: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let t = Timestamp::parse_rfc3339(raw)
        .map_err(|_| ApiError::invalid(param, format!("{param} must be an RFC 3339 timestamp.")))?;
    if t.as_micros() > app.clock.now().plus_secs(300).as_micros() {
        return Err(ApiError::validation(param, format!("{param} is more than 300 s in the future.")));
    }
    Ok(Some(t.as_micros()))
}

fn check_start(app: &AppState, req: &StartCashMovement) -> Result<(), ApiError> {
    length("cashier.id", &req.cashier.id, 1, 100)?;
    opt_length("cashier.display_name", req.cashier.display_name.as_deref(), 100)?;
    opt_length("external_id", req.external_id.as_deref(), 255)?;
    opt_length("description", req.description.as_deref(), 200)?;
    if let Some(id) = &req.id
        && !is_uuid(id)
    {
        return Err(ApiError::invalid("id", "id must be a UUID."));
    }
    if req.currency.as_deref().is_some_and(|c| c != "EUR") {
        return Err(ApiError::validation("currency", "Only EUR is accepted."));
    }
    if req.amount <= 0 || req.amount > 99_999_999_999 {
        return Err(ApiError::invalid("amount", "amount must be 1 … 99 999 999 999 minor units."));
    }
    validate::metadata(req.metadata.as_ref().unwrap_or(&Map::new()))?;
    device_time(app, req.occurred_at.as_deref(), "occurred_at")?;
    Ok(())
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn fingerprint(req: &StartCashMovement) -> Vec<u8> {
    let v = json!({"cashier": req.cashier, "external_id": req.external_id, "occurred_at": req.occurred_at,
        "currency": req.currency, "metadata": req.metadata, "complete": req.complete, "direction": req.direction,
        "amount": req.amount, "reason": req.reason, "description": req.description});
    Sha256::digest(serde_json_canonicalizer::to_vec(&v).unwrap_or_default()).to_vec()
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

/// Moves the unit to `error` after a device failure (api.md §6.6), in the caller's transaction.
async fn unit_failed(app: &AppState, tx: &mut Tx, unit: &mut FiscalUnitRow, f: &DeviceFailure) -> Result<(), ApiError> {
    unit.state = "error".into();
    unit.reason = Some(f.reason.clone());
    unit.reason_code = Some(f.code.to_owned());
    unit.state_changed_at = app.now_us();
    fiscal_units::update_lifecycle(tx, unit).await?;
    Ok(())
}

fn failure_json(app: &AppState, f: &DeviceFailure) -> Value {
    json!({"reason": format!("TSE {}", f.reason), "since": Timestamp::from_micros(app.now_us())})
}

/// The operation's active unit, locked, or `409 fiscal_unit_not_active`.
async fn active_unit(tx: &mut Tx, org: &str, unit_id: &str) -> Result<FiscalUnitRow, ApiError> {
    let unit = fiscal_units::lock(tx, org, unit_id).await?.ok_or_else(ApiError::not_found)?;
    if unit.state != "active" {
        return Err(ApiError::conflict("fiscal_unit_not_active", format!("The fiscal unit is {}.", unit.state)));
    }
    Ok(unit)
}

fn signed_amount(data: &Value) -> i64 {
    let amount = data["amount"].as_i64().unwrap_or(0);
    if data["direction"] == "out" { -amount } else { amount }
}

/// Completes an open operation inside `tx`: signs the Finish (and a Start if none was signed).
async fn complete_in_tx(
    app: &AppState,
    tx: &mut Tx,
    register: &RegisterRow,
    op: &mut OperationRow,
    completed_occurred_at: Option<i64>,
) -> Result<(), ApiError> {
    let mut unit = active_unit(tx, &op.organization_id, &op.fiscal_unit_id).await?;
    op.state = "completed".into();
    op.completed_at = Some(app.now_us());
    op.completed_occurred_at = completed_occurred_at;
    record_in_tx(app, tx, register, op, &mut unit).await
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
) -> Result<(), ApiError> {
    let data: Value = serde_json::from_str(&op.data).map_err(|e| ApiError::internal(&e))?;
    let mut fiscal: Value = serde_json::from_str(&op.fiscal).map_err(|e| ApiError::internal(&e))?;
    let process =
        openfiskal_de_tse::ProcessData::cash_movement(signed_amount(&data)).map_err(|e| ApiError::internal(&e))?;
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
            fiscal["state"] = json!("succeeded");
            op.fiscal_state = "succeeded".into();
        }
        Err(TseStepError::Device(f)) => {
            // The till is never blocked: completed + failed, unit to error (api.md §7.6).
            unit_failed(app, tx, unit, &f).await?;
            fiscal["tse_failure"] = failure_json(app, &f);
            fiscal["transmission_status"] = json!("failed");
            fiscal["state"] = json!("failed");
            op.fiscal_state = "failed".into();
            op.warnings = json!([{"code": "tse_failure", "message": "The TSE failed; print \"TSE ausgefallen\" and fiscalize later."}]).to_string();
        }
        Err(TseStepError::Other(e)) => return Err(e),
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
            "precondition_failed",
            "The operation changed; re-read it and send the current version.",
        ));
    }
    Ok(())
}

/// Start a cash movement (float, safe drop, banking, payout, pay-in); DE signs StartTransaction.
#[utoipa::path(post, path = "/v1/registers/{registerId}/cash-movements", tag = "operations", params(("registerId" = String, Path)),
    request_body = StartCashMovement,
    responses((status = 201, body = Object), (status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_cash_movement(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(register_id): Path<String>,
    AppJson(req): AppJson<StartCashMovement>,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&register_id)?.to_string();
    let reg_id: RegisterId = path_id(&register_id)?;
    check_start(&app, &req)?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let register = registers::get(&mut tx, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    lifecycle::ensure_active_register(&register)?;
    if register.jurisdiction != "DE" {
        return Err(ApiError::validation("type", "This slice records cash movements for DE registers only."));
    }
    let fp = fingerprint(&req);
    if let Some(client_id) = &req.id
        && let Some(existing) = operations::get(&mut tx, &org, client_id).await?
    {
        if existing.client_fingerprint.as_deref() != Some(fp.as_slice()) || existing.kind != "cash_movement" {
            return Err(ApiError::conflict(
                "operation_id_conflict",
                "This operation id was used with a different body.",
            ));
        }
        let body = operation_json(&existing)?;
        return idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![etag(existing.resource_version)])
            .await;
    }
    let unit_id = register
        .current_fiscal_unit_id
        .clone()
        .ok_or_else(|| ApiError::conflict("no_active_fiscal_unit", "The register has no fiscal unit."))?;
    let mut unit = active_unit(&mut tx, &org, &unit_id).await?;
    if operations::count_open_for_unit(&mut tx, &unit.id).await? >= MAX_OPEN {
        return Err(ApiError::conflict(
            "too_many_open_operations",
            "The fiscal unit already has 2,000 open operations.",
        ));
    }
    let op_id = app.new_id("op_");
    let mut fiscal = initial_fiscal(&unit)?;
    let mut warnings = json!([]);
    let mut fiscal_state = "pending";
    match tse::start(&app, &mut tx, &mut unit, &op_id).await {
        Ok((n, start)) => {
            fiscal["transaction_number"] = json!(n);
            fiscal["start_event"] = event_json(&start);
            fiscal["state"] = json!("succeeded");
            fiscal_state = "succeeded";
        }
        Err(TseStepError::Device(f)) => {
            unit_failed(&app, &mut tx, &mut unit, &f).await?;
            fiscal["tse_failure"] = failure_json(&app, &f);
            warnings = json!([{"code": "tse_failure", "message": "The TSE failed at start."}]);
        }
        Err(TseStepError::Other(e)) => return Err(e),
    }
    let data = json!({"direction": req.direction, "amount": req.amount, "currency": "EUR", "reason": req.reason, "description": req.description});
    let mut op = OperationRow {
        id: op_id,
        organization_id: org,
        location_id: register.location_id.clone(),
        register_id: register.id.clone(),
        fiscal_unit_id: unit.id.clone(),
        kind: "cash_movement".into(),
        state: "open".into(),
        fiscal_state: fiscal_state.into(),
        client_operation_id: req.id.clone(),
        client_fingerprint: Some(fp),
        external_id: req.external_id.clone(),
        sequence_number: operations::next_sequence(&mut tx, &register.id).await?,
        cashier: to_json(&req.cashier)?,
        refs:
            json!({"original_operation_id": null, "reason": null, "original_document": null, "original_unknown": false})
                .to_string(),
        data: to_json(&data)?,
        fiscal: to_json(&fiscal)?,
        warnings: warnings.to_string(),
        metadata: to_json(&req.metadata.clone().unwrap_or_default())?,
        closing_id: None,
        resource_version: 1,
        occurred_at: device_time(&app, req.occurred_at.as_deref(), "occurred_at")?,
        completed_occurred_at: None,
        started_at: now,
        completed_at: None,
        cancelled_at: None,
        cancellation_reason: None,
        created_at: now,
        updated_at: now,
    };
    if req.complete && op.fiscal_state == "succeeded" {
        complete_in_tx(&app, &mut tx, &register, &mut op, None).await?;
    }
    operations::insert(&mut tx, &op).await?;
    let body = operation_json(&op)?;
    let headers = vec![("location".into(), format!("/v1/cash-movements/{}", op.id)), etag(op.resource_version)];
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, headers).await
}

async fn load_op(tx: &mut impl openfiskal_store::Db, caller: &Caller, raw: &str) -> Result<OperationRow, ApiError> {
    let org = caller.org_scope()?.to_string();
    let op = operations::get(tx, &org, raw).await?.ok_or_else(ApiError::not_found)?;
    if op.kind != "cash_movement" {
        return Err(ApiError::not_found());
    }
    caller.register_scope(&op.register_id)?;
    Ok(op)
}

/// Loads an operation for a write and checks `If-Match` against its version (api.md §1.10).
async fn load_for_write(
    tx: &mut Tx,
    caller: &Caller,
    raw: &str,
    headers: &HeaderMap,
) -> Result<OperationRow, ApiError> {
    let op = load_op(tx, caller, raw).await?;
    check_if_match(headers, op.resource_version)?;
    Ok(op)
}

/// Complete a cash movement: DE signs FinishTransaction; the answer carries the full fiscal document.
#[utoipa::path(post, path = "/v1/cash-movements/{operationId}/complete", tag = "operations", params(("operationId" = String, Path)),
    request_body = CompleteRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn complete_cash_movement(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<CompleteRequest>,
) -> Result<Response, ApiError> {
    let occurred = device_time(&app, req.occurred_at.as_deref(), "occurred_at")?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, &id, &headers).await?;
    if op.state != "open" {
        return Err(ApiError::conflict(
            "operation_not_open",
            "This operation is not in open status and cannot be modified.",
        ));
    }
    let register =
        registers::get(&mut tx, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let read = op.resource_version;
    complete_in_tx(&app, &mut tx, &register, &mut op, occurred).await?;
    save(&app, tx, &idem, op, read).await
}

/// Cancel an open cash movement: DE finishes the transaction as `AVBelegabbruch`.
#[utoipa::path(post, path = "/v1/cash-movements/{operationId}/cancel", tag = "operations", params(("operationId" = String, Path)),
    request_body = CancelRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel_cash_movement(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<CancelRequest>,
) -> Result<Response, ApiError> {
    opt_length("reason", req.reason.as_deref(), 500)?;
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, &id, &headers).await?;
    if op.state != "open" {
        return Err(ApiError::conflict(
            "invalid_state_transition",
            format!("A {} operation cannot be cancelled.", op.state),
        ));
    }
    let mut unit = active_unit(&mut tx, &op.organization_id, &op.fiscal_unit_id).await?;
    let mut fiscal: Value = serde_json::from_str(&op.fiscal).map_err(|e| ApiError::internal(&e))?;
    if let Some(n) = fiscal["transaction_number"].as_i64() {
        let pd = openfiskal_de_tse::ProcessData::cancel().to_string();
        match tse::finish(&app, &mut tx, &mut unit, &op.id, n, openfiskal_de_tse::PROCESS_TYPE_KASSENBELEG, &pd).await {
            Ok(e) => fiscal["end_event"] = event_json(&e),
            Err(TseStepError::Device(f)) => {
                // The operation stays open; the unit goes to error (committed), nothing is answered as stored.
                unit_failed(&app, &mut tx, &mut unit, &f).await?;
                tx.commit().await?;
                return Err(f.to_error());
            }
            Err(TseStepError::Other(e)) => return Err(e),
        }
    }
    let now = app.now_us();
    let read = op.resource_version;
    op.state = "cancelled".into();
    op.cancelled_at = Some(now);
    op.cancellation_reason = req.reason;
    op.fiscal = to_json(&fiscal)?;
    save(&app, tx, &idem, op, read).await
}

/// Retry the recording of a completed operation whose fiscal state is `failed`.
#[utoipa::path(post, path = "/v1/cash-movements/{operationId}/fiscalize", tag = "operations", params(("operationId" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn fiscalize_cash_movement(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(_empty): AppJson<crate::json::EmptyBody>,
) -> Result<Response, ApiError> {
    let mut tx = app.store.begin().await?;
    let mut op = load_for_write(&mut tx, &caller, &id, &headers).await?;
    match (op.state.as_str(), op.fiscal_state.as_str()) {
        ("completed" | "cancelled", "succeeded") => {
            let body = operation_json(&op)?;
            return idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![etag(op.resource_version)]).await;
        }
        ("completed", "failed") => {}
        _ => {
            return Err(ApiError::conflict(
                "invalid_state_transition",
                "Only a completed operation whose fiscalization failed can be fiscalized.",
            ));
        }
    }
    let mut unit =
        fiscal_units::lock(&mut tx, &op.organization_id, &op.fiscal_unit_id).await?.ok_or_else(ApiError::not_found)?;
    match unit.state.as_str() {
        "active" => {}
        "decommissioned" => {
            return Err(ApiError::conflict(
                "fiscal_unit_decommissioned",
                "The operation's fiscal unit is decommissioned.",
            ));
        }
        other => return Err(ApiError::conflict("fiscal_unit_not_active", format!("The fiscal unit is {other}."))),
    }
    let register =
        registers::get(&mut tx, &op.organization_id, &op.register_id).await?.ok_or_else(ApiError::not_found)?;
    let read = op.resource_version;
    record_in_tx(&app, &mut tx, &register, &mut op, &mut unit).await?;
    save(&app, tx, &idem, op, read).await
}

/// Retrieve a cash movement.
#[utoipa::path(get, path = "/v1/cash-movements/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_cash_movement(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut db = app.store.read().await?;
    let op = load_op(&mut db, &caller, &id).await?;
    let mut res = json_response(StatusCode::OK, &operation_json(&op)?);
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(op.resource_version).1) {
        res.headers_mut().insert("etag", v);
    }
    Ok(res)
}

/// Retrieve an operation of any type.
#[utoipa::path(get, path = "/v1/operations/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_operation(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.org_scope()?.to_string();
    let mut db = app.store.read().await?;
    let op = operations::get(&mut db, &org, &id).await?.ok_or_else(ApiError::not_found)?;
    caller.register_scope(&op.register_id)?;
    Ok(json_response(StatusCode::OK, &operation_json(&op)?))
}

/// A register's cash movements, newest first.
#[utoipa::path(get, path = "/v1/registers/{registerId}/cash-movements", tag = "operations",
    params(("registerId" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn list_cash_movements(
    State(app): State<AppState>,
    caller: Caller,
    Path(register_id): Path<String>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let org = caller.register_scope(&register_id)?.to_string();
    let reg_id: RegisterId = path_id(&register_id)?;
    let mut db = app.store.read().await?;
    registers::get(&mut db, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    let page = operations::list(&mut db, &org, &reg_id.to_string(), Some("cash_movement"), &params.page).await?;
    let body = params.body(page, |o| (o.created_at, o.id.clone()), |o| operation_json(&o))?;
    Ok(json_response(StatusCode::OK, &body))
}
