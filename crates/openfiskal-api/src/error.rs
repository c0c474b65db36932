//! The one error type of the HTTP edge (api.md §3). Every conversion into [`ApiError`] lives here:
//! the store's errors (a unique constraint by name, [`CONSTRAINT_CODES`]), the data computation's,
//! the regimes' rules and the fiscal device's failures. Codes are the constants of [`codes`].
//! A handler returns `ApiError`; the request-id layer renders it into the envelope with the
//! request id, so the body and `X-Request-Id` always agree.

pub use openfiskal_core::codes;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use openfiskal_store::{ConflictKind, StoreError};
use serde::Serialize;

use openfiskal_fiscal::device::DeviceFailure;
use openfiskal_fiscal::{FiscalError as StepError, Refusal};

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

impl FiscalError {
    /// One item; its jurisdiction follows from the code (api.md §3.3): codes of any regime carry
    /// null, `tse_…` DE, `rksv_…` and `finanzonline_…` AT, `rt_…` and Agenzia delle Entrate's
    /// numeric codes IT.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        let jurisdiction = if codes::fiscal::ANY_JURISDICTION.contains(&code) {
            None
        } else if code.starts_with("tse_") {
            Some("DE")
        } else if code.starts_with("rksv_") || code.starts_with("finanzonline_") {
            Some("AT")
        } else if code.starts_with("rt_") || code.bytes().all(|b| b.is_ascii_digit()) {
            Some("IT")
        } else {
            None
        };
        Self { code: code.to_owned(), message: message.into(), jurisdiction: jurisdiction.map(str::to_owned) }
    }
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
        debug_assert!(codes::ALL.contains(&code), "`{code}` is not in error::codes");
        Self { status, code, message: message.into(), param: None, retry_after: None, fiscal_errors: None }
    }

    /// Names the field, header or parameter at fault.
    pub fn param(mut self, p: impl Into<String>) -> Self {
        self.param = Some(p.into());
        self
    }

    /// `400 invalid_request`.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message).param(param)
    }

    /// `422 validation_error`.
    pub fn validation(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, codes::VALIDATION_ERROR, message).param(param)
    }

    /// `401 unauthorized`: one body for every credential failure (no enumeration).
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, "A valid API key is required.")
    }

    /// `401 setup_token_invalid`: one body for an unknown, used, expired or malformed setup token
    /// (which of them is not said), with the way to a new one.
    pub fn setup_token_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::SETUP_TOKEN_INVALID,
            "The setup token is unknown, already used or expired. Print a new one on the server with \
             `openfiskal admin setup-token`; each token buys one platform key.",
        )
    }

    /// `403 forbidden`.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, "This credential may not call this endpoint.")
    }

    /// `404 not_found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "No such resource.")
    }

    /// `409` with a catalog code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// `409 idempotency_key_in_use` with `Retry-After: 1`: the same key is still running here or
    /// was stored by another instance first.
    pub fn idempotency_key_in_use() -> Self {
        let mut e = Self::conflict(
            codes::IDEMPOTENCY_KEY_IN_USE,
            "A request with this Idempotency-Key is still being processed.",
        )
        .param("Idempotency-Key");
        e.retry_after = Some(1);
        e
    }

    /// `503 fiscal_device_unavailable`: nothing of the request changed.
    pub fn device_unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, codes::FISCAL_DEVICE_UNAVAILABLE, message);
        e.retry_after = Some(1);
        e
    }

    /// A regime rule: `422 validation_error` (or `400` for a malformed configuration), with
    /// `fiscal_errors` when the regime names a code.
    pub fn regime(e: openfiskal_core::regime::RegimeError) -> Self {
        if e.malformed {
            return Self::invalid(e.param, e.message);
        }
        let fiscal = e.fiscal_code.map(|code| FiscalError::new(code, e.message.clone()));
        Self::validation(e.param, e.message).fiscal(fiscal)
    }

    /// Adds one `fiscal_errors` item, if any.
    pub fn fiscal(mut self, item: Option<FiscalError>) -> Self {
        self.fiscal_errors = item.map(|f| vec![f]);
        self
    }

    /// `500 internal_error`; the cause is logged, never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_ERROR,
            "An unexpected error occurred. Retry with the same Idempotency-Key.",
        )
    }

    /// `503 service_unavailable`.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable.",
        );
        e.retry_after = Some(1);
        e
    }

    /// Whether the catalog marks this code retryable.
    pub fn retryable(&self) -> bool {
        [codes::IDEMPOTENCY_KEY_IN_USE, codes::EXPORT_NOT_READY, codes::RATE_LIMIT_EXCEEDED, codes::INTERNAL_ERROR]
            .contains(&self.code)
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
                Self::new(status, codes::METHOD_NOT_ALLOWED, "This path does not support this method.")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(status, codes::PAYLOAD_TOO_LARGE, "The request body exceeds 1 MiB.")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(status, codes::UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json.")
            }
            s if s.is_client_error() => Self::new(s, codes::INVALID_REQUEST, "The request is malformed."),
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

/// Unique constraints (PostgreSQL's names; the store reports SQLite's violations under the same
/// names) whose violation is a client's conflict with its own code. Any other unique violation is
/// `409 conflict`; a check or foreign-key violation is a bug, `500`.
pub const CONSTRAINT_CODES: &[(&str, &str)] = &[
    // A client operation id taken by a concurrent start (api.md §1.3).
    ("operations_client_id", codes::OPERATION_ID_CONFLICT),
    // A response stored by another instance under the same idempotency key (api.md §1.9).
    ("idempotency_keys_pkey", codes::IDEMPOTENCY_KEY_IN_USE),
    // A second current fiscal unit of a register, provisioned concurrently (api.md §6.3).
    ("fiscal_units_one_current", codes::FISCAL_UNIT_ALREADY_ACTIVE),
    // A daily closing's Z number taken by a concurrent closing: the register changed meanwhile.
    ("closings_z_number", codes::INVALID_STATE_TRANSITION),
];

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Busy | StoreError::Unavailable(_) => {
                tracing::warn!(error = %e, "storage unavailable");
                Self::unavailable()
            }
            StoreError::Conflict { kind: ConflictKind::Unique, ref constraint } => {
                tracing::info!(constraint = %constraint, "unique constraint");
                match CONSTRAINT_CODES.iter().find(|(name, _)| name == constraint).map(|&(_, code)| code) {
                    Some(codes::IDEMPOTENCY_KEY_IN_USE) => Self::idempotency_key_in_use(),
                    Some(code) => Self::conflict(code, conflict_message(code)),
                    None => Self::conflict(codes::CONFLICT, conflict_message(codes::CONFLICT)),
                }
            }
            // Read before its step and changed by another request meanwhile (api.md §1.10).
            StoreError::Conflict { kind: ConflictKind::Stale, ref constraint }
                if constraint == "operations.resource_version" =>
            {
                Self::new(
                    StatusCode::PRECONDITION_FAILED,
                    codes::PRECONDITION_FAILED,
                    "The operation changed meanwhile; re-read it and retry.",
                )
            }
            // Another guarded row moved under the request (a race the request lost): retry.
            StoreError::Conflict { kind: ConflictKind::Stale, ref constraint } => {
                tracing::warn!(guard = %constraint, "guarded update lost a race");
                Self::unavailable()
            }
            StoreError::Conflict { .. } | StoreError::Other(_) => Self::internal(&e),
        }
    }
}

fn conflict_message(code: &str) -> &'static str {
    match code {
        codes::OPERATION_ID_CONFLICT => "An operation with this id already exists.",
        codes::FISCAL_UNIT_ALREADY_ACTIVE => "The register already has a current fiscal unit.",
        codes::INVALID_STATE_TRANSITION => "The register changed meanwhile; retry.",
        _ => "The request conflicts with an existing resource.",
    }
}

impl From<openfiskal_core::operation::DataError> for ApiError {
    /// The data computation's one error (api.md §8): its status, code, JSON path and, for rule
    /// codes, one `fiscal_errors` item.
    fn from(e: openfiskal_core::operation::DataError) -> Self {
        use openfiskal_core::operation::DataError as D;
        let (status, code) = match &e {
            D::Malformed { .. } => (StatusCode::BAD_REQUEST, codes::INVALID_REQUEST),
            D::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, codes::VALIDATION_ERROR),
            D::TaxRateNotAllowed { .. } => (StatusCode::UNPROCESSABLE_ENTITY, codes::TAX_RATE_NOT_ALLOWED),
            D::PaymentTotalMismatch { .. } => (StatusCode::UNPROCESSABLE_ENTITY, codes::PAYMENT_TOTAL_MISMATCH),
        };
        let fiscal = e.fiscal_code().map(|c| FiscalError::new(c, e.to_string()));
        Self::new(status, code, e.to_string()).param(e.param()).fiscal(fiscal)
    }
}

impl From<DeviceFailure> for ApiError {
    /// `503 fiscal_device_unavailable`: nothing of the request is kept (moving the unit to
    /// `error`, api.md §6.6, is the caller's step before it answers).
    fn from(f: DeviceFailure) -> Self {
        let message = format!("The fiscal device is unavailable: {}.", f.reason);
        Self::device_unavailable(message.clone()).fiscal(Some(FiscalError::new(f.code, message)))
    }
}

impl From<StepError> for ApiError {
    /// The one conversion of the fiscal service's errors into answers.
    fn from(e: StepError) -> Self {
        match e {
            StepError::Store(e) => e.into(),
            StepError::Refused { refusal, code, message, param, fiscal } => {
                let status = match refusal {
                    Refusal::Invalid => StatusCode::BAD_REQUEST,
                    Refusal::NotFound => StatusCode::NOT_FOUND,
                    Refusal::Conflict => StatusCode::CONFLICT,
                    Refusal::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let mut out = Self::new(status, code, message).fiscal(fiscal.map(|(c, m)| FiscalError::new(c, m)));
                out.param = param;
                out
            }
            StepError::Device(f) => f.into(),
            StepError::Unavailable(message) => Self::device_unavailable(message),
            StepError::Regime(e) => Self::regime(e),
            StepError::Internal(cause) => Self::internal(&cause),
        }
    }
}
