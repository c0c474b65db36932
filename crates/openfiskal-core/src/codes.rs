//! Every error `code` the API answers with (api.md §3.2), each once, shared by the fiscal service
//! (`openfiskal-fiscal`) and the HTTP edge (`openfiskal-api`). Callers name a constant,
//! never a string; [`ALL`] is generated from the same list and becomes the `code` enum of the
//! OpenAPI document's `ErrorBody`.

macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $name:ident = $code:literal;)+) => {
        $($(#[doc = $doc])+ pub const $name: &str = $code;)+
        /// Every code above, in catalog order.
        pub const ALL: &[&str] = &[$($name),+];
    };
}

codes! {
    /// 400: malformed JSON, unknown or read-only field, wrong type, bad header or query parameter.
    INVALID_REQUEST = "invalid_request";
    /// 401: a missing, malformed, unknown, wrong-mode, revoked or expired credential.
    UNAUTHORIZED = "unauthorized";
    /// 401: an unknown, used, expired or malformed setup token (`POST /v1/auth/bootstrap`).
    SETUP_TOKEN_INVALID = "setup_token_invalid";
    /// 403: the credential is valid but the endpoint is outside its reach.
    FORBIDDEN = "forbidden";
    /// 404: unknown route or id, or an object of another tenant.
    NOT_FOUND = "not_found";
    /// 405: known path, other method.
    METHOD_NOT_ALLOWED = "method_not_allowed";
    /// 409: PATCH or complete of an operation that is not `open`.
    OPERATION_NOT_OPEN = "operation_not_open";
    /// 409: any other forbidden transition.
    INVALID_STATE_TRANSITION = "invalid_state_transition";
    /// 409: a closing, replace, decommission or deactivate while the register has open operations.
    OPEN_OPERATIONS_EXIST = "open_operations_exist";
    /// 409: a start while the fiscal unit already has 2,000 open operations.
    TOO_MANY_OPEN_OPERATIONS = "too_many_open_operations";
    /// 409: a fiscal event while the fiscal unit is `provisioning` or `error`.
    FISCAL_UNIT_NOT_ACTIVE = "fiscal_unit_not_active";
    /// 409: provisioning while the register has a current fiscal unit.
    FISCAL_UNIT_ALREADY_ACTIVE = "fiscal_unit_already_active";
    /// 409: start, closing or replace on a register without a current fiscal unit.
    NO_ACTIVE_FISCAL_UNIT = "no_active_fiscal_unit";
    /// 409: any write on an archived register.
    REGISTER_ARCHIVED = "register_archived";
    /// 409: recover, decommission, null receipt or fiscalize on a decommissioned unit.
    FISCAL_UNIT_DECOMMISSIONED = "fiscal_unit_decommissioned";
    /// 409: rotate on a register that has no register key.
    NO_REGISTER_CREDENTIAL = "no_register_credential";
    /// 409: the same `Idempotency-Key` with a different request.
    IDEMPOTENCY_KEY_CONFLICT = "idempotency_key_conflict";
    /// 409: the same `Idempotency-Key` while the first request still runs (retryable).
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use";
    /// 409: a start with a client `id` already used with a different body.
    OPERATION_ID_CONFLICT = "operation_id_conflict";
    /// 409: receipt, PDF or send for an operation that is not `completed`.
    OPERATION_NOT_COMPLETED = "operation_not_completed";
    /// 409: download of an export that is still `pending` (retryable).
    EXPORT_NOT_READY = "export_not_ready";
    /// 409: a write refused by a uniqueness rule that has no more specific code.
    CONFLICT = "conflict";
    /// 412: `If-Match` differs from the current `resource_version`.
    PRECONDITION_FAILED = "precondition_failed";
    /// 413: a body over 1 MiB.
    PAYLOAD_TOO_LARGE = "payload_too_large";
    /// 415: a body without `application/json`.
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    /// 422: well-formed but against a business rule.
    VALIDATION_ERROR = "validation_error";
    /// 422: the original operation is missing, unknown or ineligible.
    ORIGINAL_OPERATION_INVALID = "original_operation_invalid";
    /// 422: Σ inbound − Σ outbound ≠ `totals.net_payable`.
    PAYMENT_TOTAL_MISMATCH = "payment_total_mismatch";
    /// 422: a tax rate not allowed in the register's jurisdiction on that date.
    TAX_RATE_NOT_ALLOWED = "tax_rate_not_allowed";
    /// 422: receipt send without a configured delivery channel.
    DELIVERY_NOT_CONFIGURED = "delivery_not_configured";
    /// 429: too many requests (retryable).
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded";
    /// 500: an unexpected fault (retryable with the same `Idempotency-Key`).
    INTERNAL_ERROR = "internal_error";
    /// 503: the fiscal device could not be reached; nothing of the request changed.
    FISCAL_DEVICE_UNAVAILABLE = "fiscal_device_unavailable";
    /// 503: storage unavailable, server starting or shutting down.
    SERVICE_UNAVAILABLE = "service_unavailable";
}

/// `fiscal_errors` codes (api.md §3.3) that the HTTP crate names itself; the regimes name theirs.
pub mod fiscal {
    /// DE: the TSE did not answer.
    pub const TSE_UNREACHABLE: &str = "tse_unreachable";
    /// DE: the TSE answered too late.
    pub const TSE_TIMEOUT: &str = "tse_timeout";
    /// AT: the signature device failed.
    pub const RKSV_SIGNATURE_DEVICE_FAILED: &str = "rksv_signature_device_failed";
    /// IT: the RT device failed.
    pub const RT_DEVICE_ERROR: &str = "rt_device_error";
    /// AT: the Kassen-ID is already used in the organization.
    pub const RKSV_CASH_REGISTER_ID_TAKEN: &str = "rksv_cash_register_id_taken";
    /// Codes of every regime (`jurisdiction: null`).
    pub const ANY_JURISDICTION: &[&str] =
        &["deposit_rate_mismatch", "rounding_not_allowed", "refund_quantity_exceeded"];
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in super::ALL {
            assert!(seen.insert(c), "{c} twice");
            assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
        }
    }
}
