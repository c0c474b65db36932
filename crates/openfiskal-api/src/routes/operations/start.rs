//! Starting an operation of any type, with the one-shot form (`"complete": true`).

use super::*;

/// Start an operation of the path's type (sale, refund, …); DE signs StartTransaction. With
/// `"complete": true` the operation is also completed in the same call.
#[utoipa::path(post, path = "/v1/registers/{registerId}/sales", tag = "operations", params(("registerId" = String, Path)),
    summary = "Start a sale",
    request_body(content = crate::schemas::bodies::SaleStartRequest, description = "The start body of the type (api.md §7.4)"),
    responses((status = 201, body = crate::schemas::operation::Operation), (status = 200, body = crate::schemas::operation::Operation, description = "The operation started earlier with this client `id` and the same body."), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    // Everything the operation is computed from, on a read connection: nothing is locked or signed
    // for a bad request.
    let mut db = app.store.read().await?;
    let register = registers::get(&mut db, &org, &reg_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    lifecycle::ensure_active_register(&register)?;
    let j = jurisdiction(&register)?;
    if (body.refs.original_document.is_some() || body.refs.original_unknown) && j != Jurisdiction::It {
        let param = if body.refs.original_unknown { "original_unknown" } else { "original_document" };
        return Err(ApiError::invalid(param, format!("{param} is accepted only in IT.")));
    }
    if let Some(client_id) = &body.id
        && let Some(existing) = operations::get(&mut db, &org, client_id).await?
    {
        if existing.client_fingerprint.as_deref() != Some(body.fingerprint.as_slice()) || existing.kind != kind.as_str()
        {
            return Err(ApiError::conflict(
                codes::OPERATION_ID_CONFLICT,
                "This operation id was used with a different body.",
            ));
        }
        let out = operation_json(&existing)?;
        let tx = app.store.begin().await?;
        return idempotency::commit(&app, tx, &idem, StatusCode::OK, &out, vec![etag(existing.resource_version)]).await;
    }
    let scope = Scope::load(&app, &mut db, kind, &register, body.refs.original_operation_id.as_deref()).await?;
    let stored = Stored { inputs: body.inputs, ids: Vec::new() };
    // The whole body first (a one-shot's complete part too): nothing is signed for a bad request.
    let stage = if body.complete { Stage::Complete } else { Stage::Open };
    let data = compute(&app, &stored, &body.settle, &scope, stage)?;
    let issuer = match body.complete {
        true => Some(issuer_snapshot(&mut db, &register, &scope.location).await?),
        false => None,
    };
    drop(db);
    let unit_id = register
        .current_fiscal_unit_id
        .clone()
        .ok_or_else(|| ApiError::conflict(codes::NO_ACTIVE_FISCAL_UNIT, "The register has no fiscal unit."))?;
    let original_id = scope.original.as_ref().map(|o| o.row.id.clone());
    let mut op = OperationRow {
        id: app.new_id("op_"),
        organization_id: org,
        location_id: register.location_id.clone(),
        register_id: register.id.clone(),
        fiscal_unit_id: unit_id,
        kind: kind.as_str().into(),
        state: OperationState::Open,
        fiscal_state: FiscalState::Pending,
        client_operation_id: body.id.clone(),
        client_fingerprint: Some(body.fingerprint.clone()),
        external_id: match &body.external_id {
            Patch::Value(v) => Some(v.clone()),
            _ => None,
        },
        sequence_number: 0,
        cashier: to_json(&body.cashier)?,
        refs: refs_json(&body.refs, original_id.as_deref())?,
        data,
        fiscal: String::new(),
        warnings: "[]".into(),
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
    // A one-shot signs its start and finish in one step, with the completion rules above; it is the
    // whole sale, so after a device failure it completes as `failed` (api.md §7.6), the till goes
    // on, and fiscalize signs it once the unit is recovered.
    let mut tx = match issuer {
        Some(issuer) => {
            mark_completed(&app, &mut op, issuer)?;
            let original_kind = scope.original.as_ref().map(|o| o.kind.as_str());
            record(&app, j, &mut op, original_kind, false, false).await?
        }
        None => {
            let step = app.fiscal.operation_step(j, op_ref(&op), OperationStep::Start).await?;
            apply_step(&mut op, &step);
            step.tx
        }
    };
    if operations::count_open_for_unit(&mut tx, &op.fiscal_unit_id).await? >= MAX_OPEN {
        return Err(ApiError::conflict(
            codes::TOO_MANY_OPEN_OPERATIONS,
            "The fiscal unit already has 2,000 open operations.",
        ));
    }
    recheck_original(&mut tx, kind, &register, &scope).await?;
    op.sequence_number = operations::next_sequence(&mut tx, &register.id).await?;
    operations::insert(&mut tx, &op).await?;
    let out = operation_json(&op)?;
    let headers = vec![("location".into(), format!("/v1/{}/{}", kind.segment(), op.id)), etag(op.resource_version)];
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &out, headers).await
}
