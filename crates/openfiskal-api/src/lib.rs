//! OpenFiskal's HTTP edge (ARCHITECTURE.md §5.1–5.4): routing, authentication and tenancy,
//! idempotency, the error envelope, pagination and the OpenAPI document. Handlers stay thin;
//! rules live in the domain crates and SQL in the store.

pub mod auth;
pub mod credentials;
pub mod envelope;
pub mod error;
pub mod idempotency;
pub mod json;
mod openapi_finish;
pub mod pagination;
pub mod ratelimit;
pub mod routes;
pub mod schemas;
pub mod state;
pub mod validate;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

pub use error::ApiError;
pub use state::{ApiConfig, AppState, Mode};

#[derive(OpenApi)]
#[openapi(
    info(title = "OpenFiskal API", version = "1", description = "Fiscalization for point-of-sale systems in Germany, Austria and Italy."),
    servers((url = "/")),
    security(("bearer" = [])),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "organizations"), (name = "locations"), (name = "registers"), (name = "fiscal-units"), (name = "operations"), (name = "receipts"), (name = "closings"), (name = "sandbox"), (name = "service"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

fn parts() -> (Router<AppState>, Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi) {
    let (public, mut doc) = routes::public().split_for_parts();
    let (boot, boot_doc) = routes::bootstrap().split_for_parts();
    let (authed, authed_doc) = routes::authenticated().split_for_parts();
    doc.merge(boot_doc);
    doc.merge(authed_doc);
    let mut base = ApiDoc::openapi();
    base.merge(doc);
    openapi_finish::finish(&mut base);
    (public, boot, authed, base)
}

/// The OpenAPI 3.1 document (what `GET /v1/openapi.json` serves and `openfiskal openapi` prints).
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().3
}

/// The OpenAPI document as pretty JSON with a trailing newline.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (public, boot, authed, _) = parts();
    let idem = || from_fn_with_state(state.clone(), idempotency::idempotency);
    let authed = authed.layer(idem()).layer(from_fn_with_state(state.clone(), auth::authenticate));
    Router::new()
        .merge(public)
        .merge(boot.layer(idem()))
        .merge(authed)
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(json::MAX_BODY))
        .layer(from_fn_with_state(state.clone(), envelope::request_context))
        .with_state(state)
}
