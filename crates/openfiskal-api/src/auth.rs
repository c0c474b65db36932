//! Credentials and tenancy (api.md §2). The [`authenticate`] layer turns the bearer key into a
//! [`Caller`] (checksum first, so garbage never reaches the database), applies the per-key rate
//! limit and adds the rate-limit headers. Every handler states its access rule on its first line
//! with one of the `Caller` methods.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openfiskal_core::OrgId;
use openfiskal_crypto::{ApiKeyKind, apikey};
use openfiskal_store::repo::{api_keys, orgs};

use crate::error::{ApiError, codes};
use crate::ratelimit::Decision;
use crate::state::AppState;

/// Header naming the organization a platform key acts for.
pub const ORG_HEADER: &str = "openfiskal-organization";
/// Alias header for register keys.
pub const REGISTER_KEY_HEADER: &str = "x-register-api-key";

/// How often `last_used_at` may be written per key (api.md §2.5: at most once a minute).
const LAST_USED_EVERY_US: i64 = 60_000_000;

/// What `OpenFiskal-Organization` said, resolved once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HeaderOrg {
    Absent,
    Known(OrgId),
    Unknown,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The credential's id (`key_…`).
    pub key_id: String,
    /// Platform, organization or register key.
    pub kind: ApiKeyKind,
    /// The organization an organization or register key belongs to.
    pub key_org: Option<OrgId>,
    /// The register a register key belongs to.
    pub register_id: Option<String>,
    header_org: HeaderOrg,
}

impl Caller {
    /// Only platform keys (`/v1/auth/api-keys`, `POST /v1/organizations`).
    pub fn require_platform(&self) -> Result<(), ApiError> {
        if self.kind == ApiKeyKind::Platform { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// Platform and organization keys; register keys never reach admin endpoints.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.kind == ApiKeyKind::Register { Err(ApiError::forbidden()) } else { Ok(()) }
    }

    /// The organization of an organization-scoped endpoint (api.md §2.4): a platform key names it
    /// in `OpenFiskal-Organization` (missing → 400, unknown → 404); other keys carry their own.
    pub fn org_scope(&self) -> Result<OrgId, ApiError> {
        match (self.kind, &self.header_org, self.key_org) {
            (ApiKeyKind::Platform, HeaderOrg::Known(o), _) => Ok(*o),
            (ApiKeyKind::Platform, HeaderOrg::Unknown, _) => Err(ApiError::not_found()),
            (ApiKeyKind::Platform, HeaderOrg::Absent, _) => Err(ApiError::invalid(
                "OpenFiskal-Organization",
                "A platform key must name the organization in the OpenFiskal-Organization header.",
            )),
            (_, _, Some(o)) => Ok(o),
            _ => Err(ApiError::forbidden()),
        }
    }

    /// For register endpoints a register key may call (get, status, heartbeat; later operations):
    /// the organization, with a register key limited to its own register (others are 404).
    pub fn register_scope(&self, register_id: &str) -> Result<OrgId, ApiError> {
        if self.kind == ApiKeyKind::Register && self.register_id.as_deref() != Some(register_id) {
            return Err(ApiError::not_found());
        }
        self.org_scope()
    }

    /// For organization-scoped admin endpoints: platform and organization keys only.
    pub fn admin_scope(&self) -> Result<OrgId, ApiError> {
        self.require_admin()?;
        self.org_scope()
    }

    /// For paths that name the organization (`/v1/organizations/{id}…`): platform keys reach
    /// every organization, organization keys only their own (others are 404, never 403).
    pub fn may_access_org(&self, org: OrgId) -> Result<(), ApiError> {
        self.require_admin()?;
        match self.kind {
            ApiKeyKind::Platform => Ok(()),
            _ if self.key_org == Some(org) => Ok(()),
            _ => Err(ApiError::not_found()),
        }
    }

    /// The organization that scopes idempotency keys: the key's own, or the header's.
    pub fn idempotency_org(&self) -> Option<String> {
        match (&self.header_org, self.key_org) {
            (_, Some(o)) => Some(o.to_string()),
            (HeaderOrg::Known(o), None) => Some(o.to_string()),
            _ => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Present on every route behind `authenticate`; absent means a wiring mistake.
        parts.extensions.get::<Caller>().cloned().ok_or_else(ApiError::unauthorized)
    }
}

/// The credential sent with a request, if any.
fn presented_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let bearer = headers.get(axum::http::header::AUTHORIZATION);
    let reg = headers.get(REGISTER_KEY_HEADER);
    match (bearer, reg) {
        (Some(_), Some(_)) => {
            Err(ApiError::invalid("X-Register-Api-Key", "Send either Authorization or X-Register-Api-Key, not both."))
        }
        (Some(v), None) => {
            let v = v.to_str().map_err(|_| ApiError::unauthorized())?;
            let (scheme, token) = v.split_once(' ').ok_or_else(ApiError::unauthorized)?;
            if !scheme.eq_ignore_ascii_case("bearer") {
                return Err(ApiError::unauthorized());
            }
            Ok(Some(token.trim()))
        }
        (None, Some(v)) => Ok(Some(v.to_str().map_err(|_| ApiError::unauthorized())?.trim())),
        (None, None) => Ok(None),
    }
}

/// Resolves the caller or fails with the one `401` body (api.md §2.2).
async fn resolve(app: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let key = presented_key(headers)?.ok_or_else(ApiError::unauthorized)?;
    let parsed = apikey::parse(key).ok_or_else(ApiError::unauthorized)?;
    if parsed.kind == ApiKeyKind::Setup || parsed.mode != Some(app.config.mode.key_mode()) {
        return Err(ApiError::unauthorized());
    }
    if headers.contains_key(REGISTER_KEY_HEADER) && parsed.kind != ApiKeyKind::Register {
        return Err(ApiError::unauthorized());
    }
    let mut db = app.store.read().await?;
    let row = api_keys::find_by_hash(&mut db, &apikey::hash(key)).await?.ok_or_else(ApiError::unauthorized)?;
    if row.revoked_at.is_some() || row.kind != parsed.kind.as_str() {
        return Err(ApiError::unauthorized());
    }
    let key_org =
        row.organization_id.as_deref().map(str::parse::<OrgId>).transpose().map_err(|e| ApiError::internal(&e))?;
    let header = headers.get(ORG_HEADER).map(|v| v.to_str().unwrap_or_default().trim().to_owned());
    let header_org = match (&header, key_org) {
        (None, _) => HeaderOrg::Absent,
        (Some(h), Some(own)) => {
            if h.parse::<OrgId>().ok() != Some(own) {
                return Err(ApiError::forbidden().param("OpenFiskal-Organization"));
            }
            HeaderOrg::Known(own)
        }
        (Some(h), None) => match h.parse::<OrgId>() {
            Ok(o) if orgs::exists(&mut db, &o.to_string()).await? => HeaderOrg::Known(o),
            _ => HeaderOrg::Unknown,
        },
    };
    drop(db);
    touch_last_used(app, &row.id, row.last_used_at);
    Ok(Caller { key_id: row.id, kind: parsed.kind, key_org, register_id: row.register_id, header_org })
}

/// Writes `last_used_at` off the request path, at most once a minute per key.
fn touch_last_used(app: &AppState, key_id: &str, stored: Option<i64>) {
    let now = app.now_us();
    {
        let mut seen = app.last_used.lock().unwrap_or_else(|p| p.into_inner());
        let last = seen.get(key_id).copied().or(stored).unwrap_or(i64::MIN);
        if now.saturating_sub(last) < LAST_USED_EVERY_US {
            return;
        }
        seen.insert(key_id.to_owned(), now);
    }
    let store = app.store.clone();
    let id = key_id.to_owned();
    tokio::spawn(async move {
        let res = async {
            let mut tx = store.begin().await?;
            api_keys::touch_last_used(&mut tx, &id, now).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = res {
            tracing::debug!(error = %e, "last_used_at not written");
        }
    });
}

/// The layer in front of every authenticated route.
pub async fn authenticate(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match resolve(&app, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let policy = HeaderValue::from_str(&format!("\"default\";q={};w=1", app.limiter.capacity()));
    let decision = app.limiter.check(&caller.key_id, app.now_us());
    req.extensions_mut().insert(caller);
    let mut res = match decision {
        Decision::Allowed { .. } => next.run(req).await,
        Decision::Limited { retry_after } => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::RATE_LIMIT_EXCEEDED,
                "Too many requests for this API key.",
            );
            e.retry_after = Some(retry_after);
            e.into_response()
        }
    };
    let (remaining, reset) = match decision {
        Decision::Allowed { remaining, reset_secs } => (remaining, reset_secs),
        Decision::Limited { retry_after } => (0, retry_after),
    };
    let h = res.headers_mut();
    if let Ok(p) = policy {
        h.insert("ratelimit-policy", p);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"default\";r={remaining};t={reset}")) {
        h.insert("ratelimit", v);
    }
    res
}
