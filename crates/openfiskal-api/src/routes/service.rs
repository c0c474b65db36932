//! Service endpoints (api.md §16): liveness, readiness, Prometheus metrics, the OpenAPI document,
//! and a browsable reference over it at `/docs`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::envelope::metrics_handle;
use crate::json::{bytes_response, json_response};
use crate::state::AppState;

/// `{"status":"ok"}`
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthBody {
    /// `ok`
    pub status: &'static str,
}

/// Readiness with one entry per check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyBody {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// `ok` or the reason per check (`database`, `migrations`, `durability`, `keystore`).
    #[schema(value_type = crate::schemas::service::ReadyChecks)]
    pub checks: serde_json::Map<String, serde_json::Value>,
}

/// The process runs.
#[utoipa::path(get, path = "/healthz", tag = "service", security(()), responses((status = 200, body = HealthBody)))]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &HealthBody { status: "ok" })
}

/// Storage, migrations, durable commits and the key store are ready.
#[utoipa::path(get, path = "/readyz", tag = "service", security(()),
    responses((status = 200, body = ReadyBody), (status = 503, body = ReadyBody)))]
pub async fn readyz(State(app): State<AppState>) -> Response {
    let mut checks = serde_json::Map::new();
    let verdict = |ok: Result<bool, openfiskal_store::StoreError>, bad: &str| match ok {
        Ok(true) => json!("ok"),
        Ok(false) => json!(bad),
        Err(_) => json!("unavailable"),
    };
    let db = app.store.read().await.map(|_| true);
    checks.insert("database".into(), verdict(db, "unavailable"));
    checks.insert("migrations".into(), verdict(app.store.migrations_current().await, "pending"));
    checks.insert("durability".into(), verdict(app.store.check_durability().await, "not_durable"));
    // The key-encryption key must seal and open: proves it is loaded and usable.
    let probe = app.kek.open(b"openfiskal:v1:readyz", &app.kek.seal(b"openfiskal:v1:readyz", b"probe"));
    checks.insert("keystore".into(), json!(if probe.is_ok() { "ok" } else { "unavailable" }));
    let ready = checks.values().all(|v| v == "ok");
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    json_response(status, &ReadyBody { status: if ready { "ready" } else { "not_ready" }, checks })
}

/// Sets the gauges read from the database at scrape time (no tenant labels).
async fn refresh_gauges(app: &AppState) -> Result<(), openfiskal_store::StoreError> {
    let mut db = app.store.read().await?;
    for (jurisdiction, state, n) in openfiskal_store::repo::fiscal_units::count_by_state(&mut db).await? {
        let regime = jurisdiction.parse::<openfiskal_core::Jurisdiction>().map_or("unknown", |j| j.regime());
        ::metrics::gauge!("openfiskal_fiscal_units", "regime" => regime, "state" => state).set(n as f64);
    }
    let open = openfiskal_store::repo::operations::count_all_open(&mut db).await?;
    ::metrics::gauge!("openfiskal_open_operations").set(open as f64);
    Ok(())
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "service", security(()), responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): State<AppState>) -> Response {
    if let Err(e) = refresh_gauges(&app).await {
        tracing::warn!(error = %e, "metrics gauges not refreshed");
    }
    let text = metrics_handle().map(|h| h.render()).unwrap_or_default();
    let mut res = (StatusCode::OK, text).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}

/// The OpenAPI 3.1 document of this contract.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "service", security(()), responses((status = 200, content_type = "application/json", body = crate::schemas::service::OpenApiDocument)))]
pub async fn openapi_json() -> Response {
    bytes_response(StatusCode::OK, crate::openapi_json().into_bytes())
}

/// The page of the browsable reference: RapiDoc reading `/v1/openapi.json`, its script from this
/// binary (no CDN), system fonts (no font download).
const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenFiskal API reference</title>
<script type="module" src="/docs/rapidoc-min.js"></script>
</head>
<body>
<rapi-doc spec-url="/v1/openapi.json" render-style="focused" show-header="false" allow-try="true"
  allow-server-selection="false" regular-font="system-ui, sans-serif" mono-font="ui-monospace, monospace"
  schema-style="table" default-schema-tab="schema"></rapi-doc>
</body>
</html>
"#;

/// RapiDoc 9.3.8 (MIT), vendored in `assets/rapidoc/`.
const RAPIDOC_JS: &[u8] = include_bytes!("../../assets/rapidoc/rapidoc-min.js");

/// A browsable API reference (HTML) over the OpenAPI document.
#[utoipa::path(get, path = "/docs", tag = "service", security(()), responses((status = 200, description = "An HTML page", content_type = "text/html", body = String)))]
pub async fn docs() -> Response {
    static_response(DOCS_HTML.as_bytes(), "text/html; charset=utf-8")
}

/// The script of the reference page.
#[utoipa::path(get, path = "/docs/rapidoc-min.js", tag = "service", security(()), responses((status = 200, description = "JavaScript", content_type = "text/javascript", body = String)))]
pub async fn docs_script() -> Response {
    static_response(RAPIDOC_JS, "text/javascript; charset=utf-8")
}

fn static_response(body: &'static [u8], content_type: &'static str) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}
