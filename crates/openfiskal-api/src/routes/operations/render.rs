//! The operation as the API shows it (api.md §7.2).

use super::*;

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

pub(super) fn refs_json(refs: &body::Refs, original_id: Option<&str>) -> Result<String, ApiError> {
    to_json(&json!({"original_operation_id": original_id, "reason": refs.reason,
        "original_document": refs.original_document, "original_unknown": refs.original_unknown}))
}

pub(super) fn with_etag(op: &OperationRow) -> Result<Response, ApiError> {
    let mut res = json_response(StatusCode::OK, &operation_json(op)?);
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(op.resource_version).1) {
        res.headers_mut().insert("etag", v);
    }
    Ok(res)
}
