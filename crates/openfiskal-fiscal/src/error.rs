//! [`FiscalError`]: why a fiscal step did not happen, in terms of the contract but not of HTTP.
//! The HTTP edge turns it into its answer in one place (`From<FiscalError> for ApiError`).

use openfiskal_core::codes;
use openfiskal_core::regime::RegimeError;
use openfiskal_store::StoreError;

use crate::device::DeviceFailure;

/// Which answer a refused step gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request is malformed (`400`).
    Invalid,
    /// No such resource visible to the caller (`404`).
    NotFound,
    /// The resource's state forbids the step (`409`).
    Conflict,
    /// The request breaks a rule of the contract (`422`).
    Unprocessable,
}

/// Why a fiscal step did not happen. Nothing of the step is stored.
#[derive(Debug, thiserror::Error)]
pub enum FiscalError {
    /// The store failed or refused the write (its own mapping: a named constraint to its `409`,
    /// an outage to `503`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A rule of the contract refused the step.
    #[error("{code}: {message}")]
    Refused {
        /// Which answer.
        refusal: Refusal,
        /// Catalog code (`openfiskal_core::codes`).
        code: &'static str,
        /// Prose for developers.
        message: String,
        /// The field at fault.
        param: Option<String>,
        /// One regime-specific code (api.md §3.3) with its prose.
        fiscal: Option<(&'static str, String)>,
    },
    /// The fiscal device failed and the step has no outage path: `503 fiscal_device_unavailable`.
    #[error("fiscal device unavailable: {}", .0.reason)]
    Device(DeviceFailure),
    /// No fiscal device can be reached for the step: `503 fiscal_device_unavailable` with the prose
    /// only.
    #[error("fiscal device unavailable: {0}")]
    Unavailable(String),
    /// A regime's rule on its configuration or data.
    #[error("{}", .0.message)]
    Regime(RegimeError),
    /// A broken invariant: `500`, the cause logged.
    #[error("internal: {0}")]
    Internal(String),
}

impl FiscalError {
    fn refused(refusal: Refusal, code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused { refusal, code, message: message.into(), param: None, fiscal: None }
    }

    /// `409` with a catalog code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Refusal::Conflict, code, message)
    }

    /// `404 not_found`.
    pub fn not_found() -> Self {
        Self::refused(Refusal::NotFound, codes::NOT_FOUND, "No such resource.")
    }

    /// `422 validation_error` on `param`.
    pub fn validation(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::refused(Refusal::Unprocessable, codes::VALIDATION_ERROR, message).param(param)
    }

    /// `400 invalid_request` on `param`.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::refused(Refusal::Invalid, codes::INVALID_REQUEST, message).param(param)
    }

    /// A broken invariant.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// Names the field at fault.
    pub fn param(mut self, p: impl Into<String>) -> Self {
        if let Self::Refused { param, .. } = &mut self {
            *param = Some(p.into());
        }
        self
    }

    /// Adds one regime-specific code.
    pub fn fiscal(mut self, code: &'static str, message: impl Into<String>) -> Self {
        if let Self::Refused { fiscal, .. } = &mut self {
            *fiscal = Some((code, message.into()));
        }
        self
    }

    /// A guarded update of the unit's chain found it moved (another instance signed first, or an
    /// earlier batch did not commit): the step is retried on the fresh chain.
    pub fn is_stale_chain(&self) -> bool {
        matches!(self, Self::Store(StoreError::Conflict { kind: openfiskal_store::ConflictKind::Stale, constraint })
            if constraint.starts_with("fiscal_units."))
    }
}

impl From<DeviceFailure> for FiscalError {
    fn from(f: DeviceFailure) -> Self {
        Self::Device(f)
    }
}

impl From<RegimeError> for FiscalError {
    fn from(e: RegimeError) -> Self {
        Self::Regime(e)
    }
}
