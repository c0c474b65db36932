//! `Idempotency-Key` (api.md §1.9). The [`idempotency`] layer answers replays, conflicts and
//! in-flight duplicates before a handler runs; a handler that commits a change stores its response
//! through [`commit`] in the same transaction as the change, so a response exists exactly when the
//! change does. Stored bodies are sealed under the key-encryption key: some (new API keys) carry
//! secrets, and none should sit in the database in clear.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openfiskal_store::Tx;
use openfiskal_store::repo::idempotency::{self as repo, StoredResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{ApiError, codes};
use crate::json::{MAX_BODY, bytes_response, parse_value};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// Keys whose first request is still running in this instance.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<[u8; 32]>>);

impl InFlight {
    fn claim(self: &Arc<Self>, scope: [u8; 32]) -> Option<InFlightGuard> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(scope).then(|| InFlightGuard { set: Arc::clone(self), scope })
    }
}

struct InFlightGuard {
    set: Arc<InFlight>,
    scope: [u8; 32],
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.set.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.scope);
    }
}

/// The idempotency context of a request that sent a key and is not a replay.
#[derive(Debug, Clone)]
pub struct IdemCtx {
    scope: [u8; 32],
    fingerprint: [u8; 32],
    org: Option<String>,
}

/// Extractor: `Some` when the request carries a fresh `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Idem(pub Option<IdemCtx>);

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(parts.extensions.get::<IdemCtx>().cloned()))
    }
}

/// A value is a UUID or 1–255 printable ASCII characters (a UUID is such a string too).
fn valid_key(v: &HeaderValue) -> Option<&str> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x21..=0x7e).contains(&b))).then_some(s)
}

/// SHA-256 of the RFC 8785 form of the body (`{}` when empty); a body that is not JSON is hashed
/// as sent (the handler refuses it anyway, and nothing is stored).
fn fingerprint(body: &[u8]) -> [u8; 32] {
    let canonical = if body.is_empty() {
        b"{}".to_vec()
    } else {
        parse_value(body).ok().and_then(|v| serde_json_canonicalizer::to_vec(&v).ok()).unwrap_or_else(|| body.to_vec())
    };
    Sha256::digest(&canonical).into()
}

fn scope_hash(org: Option<&str>, credential: &str, method: &Method, path: &str, key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [org.unwrap_or(""), credential, method.as_str(), path, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

fn aad(scope: &[u8]) -> Vec<u8> {
    format!("openfiskal:v1:idempotency:{}", hex::encode(scope)).into_bytes()
}

/// The layer in front of every route (behind `authenticate` where there is one).
pub async fn idempotency(State(app): State<AppState>, req: Request, next: Next) -> Response {
    match run(&app, req, next).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run(app: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    if !matches!(*req.method(), Method::POST | Method::PATCH) {
        return Ok(next.run(req).await);
    }
    let Some(raw) = req.headers().get(HEADER) else { return Ok(next.run(req).await) };
    let key = valid_key(raw)
        .ok_or_else(|| {
            ApiError::invalid("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters.")
                .into_response()
        })?
        .to_owned();
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE).into_response())?;
    let caller = parts.extensions.get::<Caller>();
    let org = caller.and_then(Caller::idempotency_org);
    let credential = caller.map_or("anonymous", |c| c.key_id.as_str());
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let scope = scope_hash(org.as_deref(), credential, &parts.method, path, &key);
    let fingerprint = fingerprint(&bytes);

    if let Some(stored) = lookup(app, &scope).await.map_err(IntoResponse::into_response)? {
        return if stored.fingerprint == fingerprint {
            replay(app, &stored).map_err(IntoResponse::into_response)
        } else {
            Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::IDEMPOTENCY_KEY_CONFLICT,
                "This Idempotency-Key was used with a different request.",
            )
            .param("Idempotency-Key")
            .into_response())
        };
    }
    let Some(_guard) = app.inflight.claim(scope) else {
        return Err(ApiError::idempotency_key_in_use().into_response());
    };
    parts.extensions.insert(IdemCtx { scope, fingerprint, org });
    Ok(next.run(Request::from_parts(parts, Body::from(bytes))).await)
}

async fn lookup(app: &AppState, scope: &[u8; 32]) -> Result<Option<StoredResponse>, ApiError> {
    let mut db = app.store.read().await?;
    Ok(repo::get(&mut db, scope, app.now_us()).await?)
}

fn replay(app: &AppState, stored: &StoredResponse) -> Result<Response, ApiError> {
    let body = app.kek.open(&aad(&stored.scope_hash), &stored.body).map_err(|e| ApiError::internal(&e))?;
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ApiError::internal(&"stored status"))?;
    let mut res = bytes_response(status, body.to_vec());
    let headers: Vec<(String, String)> = serde_json::from_str(&stored.headers).map_err(|e| ApiError::internal(&e))?;
    apply_headers(res.headers_mut(), &headers);
    res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(res)
}

fn apply_headers(map: &mut HeaderMap, headers: &[(String, String)]) {
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
            map.insert(k, v);
        }
    }
}

/// Serialises `body`, stores it under the request's idempotency key inside `tx`, commits durably,
/// and returns the response. `headers` (e.g. `Location`) are stored and replayed too.
pub async fn commit<T: Serialize>(
    app: &AppState,
    mut tx: Tx,
    idem: &Idem,
    status: StatusCode,
    body: &T,
    headers: Vec<(String, String)>,
) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::internal(&e))?;
    if let Some(ctx) = &idem.0 {
        let now = app.now_us();
        let days = i64::from(app.config.idempotency_retention_days.max(7));
        let stored = StoredResponse {
            scope_hash: ctx.scope.to_vec(),
            organization_id: ctx.org.clone(),
            fingerprint: ctx.fingerprint.to_vec(),
            status: i64::from(status.as_u16()),
            headers: serde_json::to_string(&headers).map_err(|e| ApiError::internal(&e))?,
            body: app.kek.seal(&aad(&ctx.scope), &bytes),
            created_at: now,
            expires_at: now + days * 86_400_000_000,
        };
        // Another instance committed this key first: the primary key's violation answers
        // `409 idempotency_key_in_use` (error.rs), and the client's retry replays.
        repo::insert(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    let mut res = bytes_response(status, bytes);
    apply_headers(res.headers_mut(), &headers);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_whitespace_and_key_order() {
        assert_eq!(fingerprint(br#"{"a":1,"b":[1,2]}"#), fingerprint(b"{ \"b\": [1, 2],\n \"a\": 1 }"));
        assert_ne!(fingerprint(br#"{"a":1}"#), fingerprint(br#"{"a":2}"#));
        assert_eq!(fingerprint(b""), fingerprint(b"{}"));
    }

    #[test]
    fn scope_separates_its_parts() {
        let m = Method::POST;
        assert_ne!(scope_hash(Some("ab"), "c", &m, "/p", "k"), scope_hash(Some("a"), "bc", &m, "/p", "k"));
        assert_ne!(scope_hash(None, "c", &m, "/p", "k"), scope_hash(None, "c", &Method::PATCH, "/p", "k"));
    }

    #[test]
    fn key_syntax() {
        assert!(valid_key(&HeaderValue::from_static("4f1b8c3e-1d2a-4b5c-9d6e-7f8a9b0c1d2e")).is_some());
        assert!(valid_key(&HeaderValue::from_static("has space")).is_none());
        let long = "x".repeat(256);
        assert!(valid_key(&HeaderValue::from_str(&long).unwrap()).is_none());
    }
}
