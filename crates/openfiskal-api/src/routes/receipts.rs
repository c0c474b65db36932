//! Receipts (api.md §11): the self-contained JSON a POS prints from, with no further API call.
//! The issuer block is the snapshot taken when the operation completed, so later organization or
//! location changes do not alter a receipt; the fiscal block is the operation's current one, so a
//! later fiscalize is reflected.
//!
//! Decisions: the receipt id is the operation's id with the `rcpt_` prefix (one receipt per
//! operation, stable across reads); `created_at` is the completion time; a cash movement's receipt
//! carries its movement under `cash_movement` and a deposit capture's its `deposit_application`,
//! since those blocks are what such a receipt prints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{OperationState, Timestamp};
use openfiskal_store::repo::operations::OperationRow;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, codes};
use crate::json::json_response;
use crate::state::AppState;

fn parse(s: &str) -> Result<Value, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::internal(&e))
}

/// Local wall-clock time `YYYY-MM-DDThh:mm:ss` in `tz`.
fn local(t: Option<i64>, tz: &jiff::tz::TimeZone) -> Value {
    t.map_or(Value::Null, |t| {
        json!(
            Timestamp::from_micros(t)
                .to_jiff()
                .to_zoned(tz.clone())
                .datetime()
                .strftime("%Y-%m-%dT%H:%M:%S")
                .to_string()
        )
    })
}

/// The printed notices (api.md §11).
fn notices(op: &OperationRow, fiscal: &Value) -> Vec<&'static str> {
    let mut n = Vec::new();
    if op.kind == "training" {
        n.push("Trainingsbuchung");
    }
    if fiscal["regime"] == "tse" && !fiscal["tse_failure"].is_null() {
        n.push("TSE ausgefallen");
    }
    n
}

/// The receipt of a completed operation.
pub fn receipt_json(op: &OperationRow) -> Result<Value, ApiError> {
    let issuer = parse(op.issuer.as_deref().ok_or_else(|| ApiError::internal(&"completed without issuer"))?)?;
    let tz = jiff::tz::TimeZone::get(issuer["timezone"].as_str().unwrap_or("UTC")).unwrap_or(jiff::tz::TimeZone::UTC);
    let data = parse(&op.data)?;
    let fiscal = parse(&op.fiscal)?;
    let ts = |t: Option<i64>| t.map_or(Value::Null, |t| json!(Timestamp::from_micros(t)));
    let list = |k: &str| if data[k].is_array() { data[k].clone() } else { json!([]) };
    let mut receipt = json!({
        "object": "receipt", "id": op.id.replacen("op_", "rcpt_", 1), "version": "1.0",
        "created_at": ts(op.completed_at), "issuer": issuer,
        "operation": {
            "id": op.id, "external_id": op.external_id, "type": op.kind, "sequence_number": op.sequence_number,
            "started_at": ts(Some(op.started_at)), "completed_at": ts(op.completed_at),
            "started_at_local": local(Some(op.started_at), &tz), "completed_at_local": local(op.completed_at, &tz),
            "currency": "EUR", "cashier": parse(&op.cashier)?, "training": op.kind == "training",
        },
        "line_items": list("line_items"), "returned_line_items": list("returned_line_items"),
        "cart_discounts": list("cart_discounts"), "totals": data["totals"], "payments": list("payments"),
        "customer": data["customer"], "fiscal": fiscal, "references": parse(&op.refs)?,
        "notices": notices(op, &fiscal),
        // `pdf` stays null until receipt PDFs exist: never a link that answers 404.
        "links": {"self": format!("/v1/operations/{}/receipt", op.id), "pdf": null},
    });
    if op.kind == "cash_movement" {
        receipt["cash_movement"] = data;
    } else if !data["deposit_application"].is_null() {
        receipt["deposit_application"] = data["deposit_application"].clone();
    }
    Ok(receipt)
}

/// The receipt JSON of a completed operation (api.md §11).
#[utoipa::path(get, path = "/v1/operations/{operationId}/receipt", tag = "receipts", params(("operationId" = String, Path)),
    responses((status = 200, body = crate::schemas::receipt::Receipt), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get_receipt(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut db = app.store.read().await?;
    let op = super::operations::load_any(&mut db, &caller, &id).await?;
    if op.state != OperationState::Completed {
        return Err(ApiError::conflict(
            codes::OPERATION_NOT_COMPLETED,
            format!("The operation is {}; only a completed operation has a receipt.", op.state),
        ));
    }
    Ok(json_response(StatusCode::OK, &receipt_json(&op)?))
}
