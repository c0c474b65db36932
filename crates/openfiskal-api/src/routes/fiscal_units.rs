//! Fiscal units (api.md §6.5): provision, history, get, replace, recover, decommission; and the
//! deprecated register activation (§5.6), which provisions the same way.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_core::{FiscalUnitState, Jurisdiction};
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::orgs;
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::{Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::credentials::issue_register_key;
use crate::error::{ApiError, ErrorBody, codes};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, EmptyBody, json_response};
use crate::pagination::{ListBody, ListParams};
use crate::routes::fiscal_unit_body::{FiscalUnitBody, RegisterBody};
use crate::routes::registers::load as load_register;
use crate::state::AppState;
use crate::validate::{self, opt_length, path_id};
use openfiskal_fiscal::lifecycle;
use openfiskal_fiscal::provision::{self, ProvisionInput};

/// `POST /v1/registers/{id}/fiscal-units` (body optional) and the deprecated activate.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    /// Issue a register-scoped API key (device-direct integrations).
    #[serde(default)]
    pub issue_register_credential: bool,
    /// Regime configuration; `regime` must match the jurisdiction.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::fiscal_unit::UnitConfiguration>)]
    pub configuration: Option<Value>,
    /// Metadata of the unit.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

/// `POST /v1/registers/{id}/fiscal-units/replace`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
    /// Issue a register key with the new unit.
    #[serde(default)]
    pub issue_register_credential: bool,
    /// Configuration of the new unit; defaults to the old unit's.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::fiscal_unit::UnitConfiguration>)]
    pub configuration: Option<Value>,
}

/// `POST /v1/fiscal-units/{id}/decommission`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecommissionRequest {
    /// ≤ 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The provisioning answer [seed 000].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiscalUnitResponse {
    /// Always `fiscal_unit_response`.
    pub object: &'static str,
    /// The new unit.
    pub fiscal_unit: FiscalUnitBody,
    /// The register with the unit expanded.
    pub register: RegisterBody,
    /// The register key, once, when requested.
    pub register_api_key: Option<String>,
    /// True when a register key was issued.
    pub credential_issued: bool,
}

/// The replacement answer [seed 004].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiscalUnitReplacement {
    /// Always `fiscal_unit_replacement`.
    pub object: &'static str,
    /// The retired unit.
    pub old_binding: FiscalUnitBody,
    /// The new unit.
    pub new_binding: FiscalUnitBody,
    /// The register.
    pub register: RegisterBody,
    /// The register key, once, when requested.
    pub register_api_key: Option<String>,
    /// True when a register key was issued.
    pub credential_issued: bool,
}

/// The deprecated activation answer (api.md §5.6).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisterActivation {
    /// Always `register_activation`.
    pub object: &'static str,
    /// The register.
    pub register: RegisterBody,
    /// The register key, once, when requested.
    pub register_api_key: Option<String>,
    /// True when a register key was issued.
    pub credential_issued: bool,
}

/// Loads a unit of `org` or 404.
pub(crate) async fn load_unit(db: &mut impl Db, org: &str, raw: &str) -> Result<FiscalUnitRow, ApiError> {
    let id: openfiskal_core::FiscalUnitId = path_id(raw)?;
    fiscal_units::get(db, org, &id.to_string()).await?.ok_or_else(ApiError::not_found)
}

/// Provisions a unit for `register` inside `tx`; returns the unit and, if asked, the register key.
async fn provision_unit(
    app: &AppState,
    tx: &mut Tx,
    org: &str,
    register: &mut RegisterRow,
    input: ProvisionInput,
    prepared: provision::Prepared,
    issue_credential: bool,
) -> Result<(FiscalUnitRow, Option<String>), ApiError> {
    let org_row = orgs::get(tx, org).await?.ok_or_else(ApiError::not_found)?;
    let unit_id = app.new_id(openfiskal_core::FiscalUnitId::PREFIX);
    let unit = provision::provision_in_tx(&app.fiscal, tx, &org_row, register, &unit_id, &input, prepared).await?;
    register.current_fiscal_unit_id = Some(unit.id.clone());
    register.updated_at = app.now_us();
    registers::update(tx, register).await?;
    let key =
        if issue_credential { Some(issue_register_key(app, tx, org, &register.id).await?.to_string()) } else { None };
    Ok((unit, key))
}

/// A register of `org` that accepts writes (`409 register_archived` otherwise).
async fn active_register(db: &mut impl Db, org: &str, id: &str) -> Result<RegisterRow, ApiError> {
    let register = load_register(db, org, id).await?;
    lifecycle::ensure_active_register(&register)?;
    Ok(register)
}

fn ensure_no_current_unit(register: &RegisterRow) -> Result<(), ApiError> {
    if register.current_fiscal_unit_id.is_some() {
        return Err(ApiError::conflict(
            codes::FISCAL_UNIT_ALREADY_ACTIVE,
            "The register already has a current fiscal unit; use replace.",
        ));
    }
    Ok(())
}

fn check_provision_request(req: &ProvisionRequest) -> Result<Map<String, Value>, ApiError> {
    let metadata = req.metadata.clone().unwrap_or_default();
    validate::metadata(&metadata)?;
    Ok(metadata)
}

/// Provision a fiscal unit: keys, certificate and registration for the register's jurisdiction.
#[utoipa::path(post, path = "/v1/registers/{registerId}/fiscal-units", tag = "fiscal-units", params(("registerId" = String, Path)),
    request_body = ProvisionRequest,
    responses((status = 201, body = FiscalUnitResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_fiscal_unit(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<ProvisionRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let metadata = check_provision_request(&req)?;
    let register = active_register(&mut app.store.read().await?, &org, &id).await?;
    // Checked again in the transaction; here it spares the key generation.
    ensure_no_current_unit(&register)?;
    provision::check_regime(register.jurisdiction, req.configuration.as_ref())?;
    let prepared = provision::prepare(&app.fiscal, register.jurisdiction).await?;
    let mut tx = app.store.begin().await?;
    let mut register = active_register(&mut tx, &org, &id).await?;
    ensure_no_current_unit(&register)?;
    let input = ProvisionInput { configuration: req.configuration, metadata, replaces: None };
    let (unit, key) =
        provision_unit(&app, &mut tx, &org, &mut register, input, prepared, req.issue_register_credential).await?;
    let body = FiscalUnitResponse {
        object: "fiscal_unit_response",
        fiscal_unit: FiscalUnitBody::from_row(&unit)?,
        register: RegisterBody::build(&register, Some(&unit), true)?,
        credential_issued: key.is_some(),
        register_api_key: key,
    };
    let location = format!("/v1/fiscal-units/{}", unit.id);
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}

/// Deprecated: provisions a unit like `POST …/fiscal-units`; on a register that has one it
/// changes nothing.
#[utoipa::path(post, path = "/v1/registers/{registerId}/activate", tag = "registers", params(("registerId" = String, Path)),
    request_body = ProvisionRequest,
    responses((status = 200, body = RegisterActivation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn activate_register(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<ProvisionRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let metadata = check_provision_request(&req)?;
    let register = active_register(&mut app.store.read().await?, &org, &id).await?;
    let prepared = if register.current_fiscal_unit_id.is_none() {
        provision::check_regime(register.jurisdiction, req.configuration.as_ref())?;
        Some(provision::prepare(&app.fiscal, register.jurisdiction).await?)
    } else {
        None
    };
    let mut tx = app.store.begin().await?;
    let mut register = active_register(&mut tx, &org, &id).await?;
    let key = match (register.current_fiscal_unit_id.is_some(), prepared) {
        (false, Some(prepared)) => {
            let input = ProvisionInput { configuration: req.configuration, metadata, replaces: None };
            provision_unit(&app, &mut tx, &org, &mut register, input, prepared, req.issue_register_credential).await?.1
        }
        (false, None) => {
            return Err(ApiError::conflict(codes::INVALID_STATE_TRANSITION, "The register changed meanwhile; retry."));
        }
        (true, _) => None,
    };
    let body = RegisterActivation {
        object: "register_activation",
        register: RegisterBody::load(&mut tx, &register).await?,
        credential_issued: key.is_some(),
        register_api_key: key,
    };
    let link = format!("</v1/registers/{}/fiscal-units>; rel=\"successor-version\"", register.id);
    idempotency::commit(
        &app,
        tx,
        &idem,
        StatusCode::OK,
        &body,
        vec![("deprecation".into(), "true".into()), ("link".into(), link)],
    )
    .await
}

/// A register's fiscal units, past and present, newest first.
#[utoipa::path(get, path = "/v1/registers/{registerId}/fiscal-units", tag = "fiscal-units",
    params(("registerId" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<FiscalUnitBody>), (status = 404, body = ErrorBody)))]
pub async fn list_fiscal_units(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let mut db = app.store.read().await?;
    let register = load_register(&mut db, &org, &id).await?;
    let page = fiscal_units::list_for_register(&mut db, &org, &register.id, &params.page).await?;
    let body = params.body(page, |u| (u.created_at, u.id.clone()), |u| FiscalUnitBody::from_row(&u))?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Retrieve a fiscal unit.
#[utoipa::path(get, path = "/v1/fiscal-units/{fiscalUnitId}", tag = "fiscal-units", params(("fiscalUnitId" = String, Path)),
    responses((status = 200, body = FiscalUnitBody), (status = 404, body = ErrorBody)))]
pub async fn get_fiscal_unit(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let mut db = app.store.read().await?;
    let unit = load_unit(&mut db, &org, &id).await?;
    Ok(json_response(StatusCode::OK, &FiscalUnitBody::from_row(&unit)?))
}

/// Replace the register's current unit atomically: the old one is decommissioned and a new one
/// active in one transaction; the register id never changes.
#[utoipa::path(post, path = "/v1/registers/{registerId}/fiscal-units/replace", tag = "fiscal-units", params(("registerId" = String, Path)),
    request_body = ReplaceRequest,
    responses((status = 200, body = FiscalUnitReplacement), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn replace_fiscal_unit(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<ReplaceRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    opt_length("reason", req.reason.as_deref(), 500)?;
    let register = active_register(&mut app.store.read().await?, &org, &id).await?;
    if register.current_fiscal_unit_id.is_none() {
        return Err(ApiError::conflict(
            codes::NO_ACTIVE_FISCAL_UNIT,
            "The register has no current fiscal unit to replace.",
        ));
    }
    provision::check_regime(register.jurisdiction, req.configuration.as_ref())?;
    if register.jurisdiction == Jurisdiction::At
        && req.configuration.as_ref().and_then(|c| c.get("cash_register_id")).is_some()
    {
        return Err(ApiError::validation(
            "configuration.cash_register_id",
            "The new Austrian unit takes over the chain and its Kassen-ID; it cannot be changed.",
        ));
    }
    let prepared = provision::prepare(&app.fiscal, register.jurisdiction).await?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let mut register = active_register(&mut tx, &org, &id).await?;
    let old_id = register.current_fiscal_unit_id.clone().ok_or_else(|| {
        ApiError::conflict(codes::NO_ACTIVE_FISCAL_UNIT, "The register has no current fiscal unit to replace.")
    })?;
    let mut old = fiscal_units::get(&mut tx, &org, &old_id).await?.ok_or_else(ApiError::not_found)?;
    // The new unit's configuration defaults to the old one's (same client id, same Kassen-ID).
    let configuration = req.configuration.or_else(|| serde_json::from_str(&old.configuration).ok());
    let reason = req.reason.unwrap_or_else(|| "Replaced".into());
    // `replaced_by` is set once the new unit exists, in this same transaction.
    app.fiscal.decommission(&mut tx, &mut register, &mut old, reason, now).await?;
    let input = ProvisionInput { configuration, metadata: Map::new(), replaces: Some(old.id.clone()) };
    let (unit, key) =
        provision_unit(&app, &mut tx, &org, &mut register, input, prepared, req.issue_register_credential).await?;
    old.replaced_by = Some(unit.id.clone());
    fiscal_units::update_lifecycle(&mut tx, &old).await?;
    let body = FiscalUnitReplacement {
        object: "fiscal_unit_replacement",
        old_binding: FiscalUnitBody::from_row(&old)?,
        new_binding: FiscalUnitBody::from_row(&unit)?,
        register: RegisterBody::build(&register, Some(&unit), true)?,
        credential_issued: key.is_some(),
        register_api_key: key,
    };
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}

/// Recover a unit in `error` when its device check passes; otherwise `503` and it stays `error`.
#[utoipa::path(post, path = "/v1/fiscal-units/{fiscalUnitId}/recover", tag = "fiscal-units", params(("fiscalUnitId" = String, Path)),
    responses((status = 200, body = FiscalUnitBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn recover_fiscal_unit(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(_empty): AppJson<EmptyBody>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let mut tx = app.store.begin().await?;
    let mut unit = load_unit(&mut tx, &org, &id).await?;
    match unit.state {
        FiscalUnitState::Decommissioned => {
            return Err(ApiError::conflict(codes::FISCAL_UNIT_DECOMMISSIONED, "This fiscal unit is decommissioned."));
        }
        FiscalUnitState::Provisioning => {
            return Err(ApiError::conflict(
                codes::INVALID_STATE_TRANSITION,
                "A unit in provisioning cannot be recovered.",
            ));
        }
        _ => app.fiscal.recover_in_tx(&mut tx, &mut unit).await?.map_err(ApiError::from)?,
    }
    let body = FiscalUnitBody::from_row(&unit)?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}

/// Retire a unit permanently; the register stays active and may be provisioned again.
#[utoipa::path(post, path = "/v1/fiscal-units/{fiscalUnitId}/decommission", tag = "fiscal-units", params(("fiscalUnitId" = String, Path)),
    request_body = DecommissionRequest,
    responses((status = 200, body = FiscalUnitBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decommission_fiscal_unit(
    State(app): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<String>,
    AppJson(req): AppJson<DecommissionRequest>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    opt_length("reason", req.reason.as_deref(), 500)?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let mut unit = load_unit(&mut tx, &org, &id).await?;
    let mut register = registers::get(&mut tx, &org, &unit.register_id).await?.ok_or_else(ApiError::not_found)?;
    let reason = req.reason.unwrap_or_else(|| "Decommissioned".into());
    app.fiscal.decommission(&mut tx, &mut register, &mut unit, reason, now).await?;
    register.updated_at = now;
    registers::update(&mut tx, &register).await?;
    let body = FiscalUnitBody::from_row(&unit)?;
    idempotency::commit(&app, tx, &idem, StatusCode::OK, &body, vec![]).await
}
