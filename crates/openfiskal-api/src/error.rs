//! The one error type of the HTTP edge (api.md §3). Every conversion into [`ApiError`] lives here.
//! A handler returns `ApiError`; the request-id layer renders it into the envelope with the
//! request id, so the body and `X-Request-Id` always agree.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use openfiskal_store::StoreError;
use serde::Serialize;

/// An error answer in the contract's envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Catalog code (api.md §3.2).
    pub code: &'static str,
    /// English prose for developers.
    pub message: String,
    /// The field, header or query parameter at fault.
    pub param: Option<String>,
    /// `Retry-After` seconds, where the catalog asks for it.
    pub retry_after: Option<u64>,
    /// Regime-specific detail (api.md §3.3).
    pub fiscal_errors: Option<Vec<FiscalError>>,
}

/// One `fiscal_errors` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FiscalError {
    /// A code of api.md §3.3.
    pub code: String,
    /// Prose.
    pub message: String,
    /// `DE`, `AT`, `IT` or null for codes of any regime.
    pub jurisdiction: Option<String>,
}

/// The envelope as serialised (api.md §3.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Always `error`.
    pub object: &'static str,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Prose for developers; may change.
    pub message: String,
    /// The field at fault or null.
    pub param: Option<String>,
    /// Regime-specific detail or null.
    pub fiscal_errors: Option<Vec<FiscalError>>,
    /// The request id, equal to `X-Request-Id`.
    pub request_id: String,
    /// Whether the same request may succeed later unchanged.
    pub retryable: bool,
}

impl ApiError {
    /// An error with a catalog code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), param: None, retry_after: None, fiscal_errors: None }
    }

    /// Names the field, header or parameter at fault.
    pub fn param(mut self, p: impl Into<String>) -> Self {
        self.param = Some(p.into());
        self
    }

    /// `400 invalid_request`.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message).param(param)
    }

    /// `422 validation_error`.
    pub fn validation(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", message).param(param)
    }

    /// `401 unauthorized`: one body for every credential failure (no enumeration).
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "A valid API key is required.")
    }

    /// `401 setup_token_invalid`: one body for an unknown, used, expired or malformed setup token
    /// (which of them is not said), with the way to a new one.
    pub fn setup_token_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "setup_token_invalid",
            "The setup token is unknown, already used or expired. Print a new one on the server with \
             `openfiskal admin setup-token`; each token buys one platform key.",
        )
    }

    /// `403 forbidden`.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "This credential may not call this endpoint.")
    }

    /// `404 not_found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }

    /// `409` with a catalog code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// `503 fiscal_device_unavailable`: nothing of the request changed.
    pub fn device_unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "fiscal_device_unavailable", message);
        e.retry_after = Some(1);
        e
    }

    /// A regime rule: `422 validation_error` (or `400` for a malformed configuration), with
    /// `fiscal_errors` when the regime names a code.
    pub fn regime(e: openfiskal_core::regime::RegimeError, jurisdiction: &str) -> Self {
        if e.malformed {
            return Self::invalid(e.param, e.message);
        }
        let mut err = Self::validation(e.param, e.message.clone());
        if let Some(code) = e.fiscal_code {
            let jurisdiction =
                (!matches!(code, "deposit_rate_mismatch" | "rounding_not_allowed" | "refund_quantity_exceeded"))
                    .then(|| jurisdiction.to_owned());
            err.fiscal_errors = Some(vec![FiscalError { code: code.to_owned(), message: e.message, jurisdiction }]);
        }
        err
    }

    /// `500 internal_error`; the cause is logged, never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred. Retry with the same Idempotency-Key.",
        )
    }

    /// `503 service_unavailable`.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The service is temporarily unavailable.",
        );
        e.retry_after = Some(1);
        e
    }

    /// Whether the catalog marks this code retryable.
    pub fn retryable(&self) -> bool {
        matches!(self.code, "idempotency_key_in_use" | "export_not_ready" | "rate_limit_exceeded" | "internal_error")
            || self.status == StatusCode::SERVICE_UNAVAILABLE
    }

    /// The envelope for `request_id`.
    pub fn body(&self, request_id: &str) -> ErrorBody {
        ErrorBody {
            object: "error",
            code: self.code,
            message: self.message.clone(),
            param: self.param.clone(),
            fiscal_errors: self.fiscal_errors.clone(),
            request_id: request_id.to_owned(),
            retryable: self.retryable(),
        }
    }

    /// The error for a bare status produced outside our handlers (axum's 405, a body-limit 413).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, "method_not_allowed", "This path does not support this method.")
            }
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(status, "payload_too_large", "The request body exceeds 1 MiB."),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(status, "unsupported_media_type", "Request bodies must be application/json.")
            }
            s if s.is_client_error() => Self::new(s, "invalid_request", "The request is malformed."),
            _ => Self::internal(&format!("bare status {status}")),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    /// The body is rendered by the request-id layer, which knows the request id.
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res.extensions_mut().insert(self);
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Busy | StoreError::Unavailable(_) => {
                tracing::warn!(error = %e, "storage unavailable");
                Self::unavailable()
            }
            StoreError::Conflict(_) | StoreError::Other(_) => Self::internal(&e),
        }
    }
}

impl From<openfiskal_core::operation::DataError> for ApiError {
    /// The data computation's one error (api.md §8): its status, code, JSON path and, for rule
    /// codes, one `fiscal_errors` item (`rt_…` codes belong to IT, the others to every regime).
    fn from(e: openfiskal_core::operation::DataError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        let mut err = Self::new(status, e.code(), e.to_string()).param(e.param());
        if let Some(code) = e.fiscal_code() {
            let jurisdiction = code.starts_with("rt_").then(|| "IT".to_owned());
            err.fiscal_errors = Some(vec![FiscalError { code: code.to_owned(), message: e.to_string(), jurisdiction }]);
        }
        err
    }
}
