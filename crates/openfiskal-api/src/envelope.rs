//! The outermost layer: a request id (`req_…`) on every response and in the span, errors rendered
//! into the contract's envelope carrying that id, bare statuses from the framework (405, 413) put
//! into the envelope too, the access log line and the HTTP metrics (api.md §1.7, §3.1, §16).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use crate::error::ApiError;
use crate::json::json_response;
use crate::state::AppState;

/// The process-wide Prometheus recorder (the `metrics` facade has one global recorder).
pub fn metrics_handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            PrometheusBuilder::new().set_buckets(&buckets).ok().and_then(|b| b.install_recorder().ok())
        })
        .as_ref()
}

/// Request id, error envelope and metrics.
pub async fn request_context(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = app.new_id("req_");
    let method = req.method().as_str().to_owned();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let client_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| s.len() <= 128)
        .unwrap_or("")
        .to_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id, client_request_id = %client_id, %method, %route);
    let started = Instant::now();
    let mut res = next.run(req).instrument(span).await;

    let error = res.extensions_mut().remove::<ApiError>().or_else(|| {
        let s = res.status();
        let is_json =
            res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        ((s.is_client_error() || s.is_server_error()) && !is_json).then(|| ApiError::from_status(s))
    });
    if let Some(err) = error {
        let mut fresh = json_response(err.status, &err.body(&request_id));
        for name in [header::RETRY_AFTER, header::ALLOW] {
            if let Some(v) = res.headers().get(&name) {
                fresh.headers_mut().insert(name, v.clone());
            }
        }
        for name in ["ratelimit", "ratelimit-policy"] {
            if let Some(v) = res.headers().get(name) {
                fresh.headers_mut().insert(name, v.clone());
            }
        }
        res = fresh;
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    let elapsed = started.elapsed();
    // The access log: one line per request at `info` (`OPENFISKAL_LOG=openfiskal::access=warn` hides it).
    tracing::info!(
        target: "openfiskal::access",
        %method,
        %route,
        status = res.status().as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        %request_id,
        "request"
    );
    let status = res.status().as_u16().to_string();
    metrics::counter!("openfiskal_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("openfiskal_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    res
}
