//! `POST /v1/auth/bootstrap` (api.md §2.5): trade the one-time setup token for the first platform
//! key. The token is consumed in the transaction that creates the key.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use openfiskal_crypto::{ApiKeyKind, apikey};
use openfiskal_store::repo::api_keys;
use serde::Deserialize;

use crate::credentials::new_key;
use crate::error::{ApiError, ErrorBody, codes};
use crate::idempotency::{self, Idem};
use crate::json::AppJson;
use crate::ratelimit::Decision;
use crate::routes::api_keys::ApiKeyBody;
use crate::state::AppState;
use crate::validate::{length, opt_length};

/// The bootstrap request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BootstrapRequest {
    /// An `ofk_setup_…` token.
    pub setup_token: String,
    /// 1–100 characters; default `Bootstrap`.
    #[serde(default)]
    pub label: Option<String>,
    /// ≤ 500 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// Exchange a setup token for a platform key (no Authorization header).
#[utoipa::path(post, path = "/v1/auth/bootstrap", tag = "auth", request_body = BootstrapRequest, security(()),
    responses((status = 201, body = ApiKeyBody), (status = 401, body = ErrorBody, description = "setup_token_invalid: the token is unknown, used or expired"), (status = 429, body = ErrorBody)))]
pub async fn bootstrap(
    State(app): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    idem: Idem,
    AppJson(req): AppJson<BootstrapRequest>,
) -> Result<Response, ApiError> {
    let addr = peer.map_or_else(|| "local".to_owned(), |Extension(ConnectInfo(a))| a.ip().to_string());
    if let Decision::Limited { retry_after } = app.bootstrap_limiter.check(&addr, app.now_us()) {
        let mut e =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMIT_EXCEEDED, "Too many bootstrap attempts.");
        e.retry_after = Some(retry_after);
        return Err(e);
    }
    let label = req.label.unwrap_or_else(|| "Bootstrap".to_owned());
    length("label", &label, 1, 100)?;
    opt_length("description", req.description.as_deref(), 500)?;
    let parsed = apikey::parse(&req.setup_token).ok_or_else(ApiError::setup_token_invalid)?;
    if parsed.kind != ApiKeyKind::Setup {
        return Err(ApiError::setup_token_invalid());
    }
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    let token = api_keys::find_by_hash(&mut tx, &apikey::hash(&req.setup_token))
        .await?
        .ok_or_else(ApiError::setup_token_invalid)?;
    if !api_keys::consume_setup_token(&mut tx, &token.id, now).await? {
        return Err(ApiError::setup_token_invalid());
    }
    let k = new_key(
        &*app.ids,
        now,
        ApiKeyKind::Platform,
        app.config.mode.key_mode(),
        None,
        None,
        Some(label),
        req.description,
    );
    api_keys::insert(&mut tx, &k.row).await?;
    let location = format!("/v1/auth/api-keys/{}", k.row.id);
    let body = ApiKeyBody::new(k.row, Some(&k.key));
    idempotency::commit(&app, tx, &idem, StatusCode::CREATED, &body, vec![("location".into(), location)]).await
}
