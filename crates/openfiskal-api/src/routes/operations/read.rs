//! Reading and listing operations.

use super::*;

/// Retrieve an operation under its type's path.
#[utoipa::path(get, path = "/v1/sales/{operationId}", tag = "operations", params(("operationId" = String, Path)),
    summary = "Retrieve a sale",
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 404, body = ErrorBody)))]
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
    responses((status = 200, body = crate::schemas::operation::Operation), (status = 404, body = ErrorBody)))]
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

pub(super) async fn list(
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
    params(("registerId" = String, Path), ("state" = Option<crate::schemas::enums::OperationState>, Query), ("fiscal_state" = Option<crate::schemas::enums::FiscalState>, Query), ("external_id" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = crate::schemas::operation::OperationList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
    params(("registerId" = String, Path), ("type" = Option<crate::schemas::enums::OperationType>, Query), ("state" = Option<crate::schemas::enums::OperationState>, Query), ("fiscal_state" = Option<crate::schemas::enums::FiscalState>, Query), ("external_id" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = crate::schemas::operation::OperationList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_operations(
    State(app): State<AppState>,
    caller: Caller,
    Path(register_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Result<Response, ApiError> {
    list(&app, &caller, &register_id, None, &query, &uri).await
}
