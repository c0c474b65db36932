//! The one error of the `data` computation (api.md §3.2, §3.3). Each variant names the request's
//! JSON path in `param` (§1.2: `line_items[2].tax.rate`) and maps to exactly one catalog code, so
//! the HTTP edge converts it without looking inside.

use super::money::MoneyError;
use super::rate::TaxRate;

/// Why an operation's `data` cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// `400 invalid_request`: a length, pattern or range violated, a field that does not fit
    /// (a detail object of another payment method, `natura` outside IT).
    #[error("{message}")]
    Malformed {
        /// The JSON path at fault.
        param: String,
        /// Prose for developers.
        message: String,
    },
    /// `422 validation_error`: a business rule of §8 or a limit of §1.11, with a `fiscal_errors`
    /// code (§3.3) where one applies (`rounding_not_allowed`, `rt_natura_required`, …).
    #[error("{message}")]
    Invalid {
        /// The JSON path at fault.
        param: String,
        /// The `fiscal_errors` code, if any.
        fiscal_code: Option<&'static str>,
        /// Prose for developers.
        message: String,
    },
    /// `422 tax_rate_not_allowed`: the rate is not allowed in the jurisdiction on that date (§8.3).
    #[error("tax rate {rate} is not allowed in this jurisdiction on this date")]
    TaxRateNotAllowed {
        /// The JSON path at fault (`line_items[0].tax.rate`).
        param: String,
        /// The refused rate.
        rate: TaxRate,
    },
    /// `422 payment_total_mismatch`: Σ inbound − Σ outbound ≠ `totals.net_payable` (§8.5).
    #[error("payments settle {paid} but net_payable is {net_payable}")]
    PaymentTotalMismatch {
        /// Σ inbound − Σ outbound, in minor units.
        paid: i64,
        /// `totals.net_payable`, in minor units.
        net_payable: i64,
    },
}

impl DataError {
    /// A `400 invalid_request` on `param`.
    pub fn malformed(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Malformed { param: param.into(), message: message.into() }
    }

    /// A `422 validation_error` on `param` without a fiscal code.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { param: param.into(), fiscal_code: None, message: message.into() }
    }

    /// A `422 validation_error` on `param` with a `fiscal_errors` code.
    pub fn fiscal(param: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { param: param.into(), fiscal_code: Some(code), message: message.into() }
    }

    /// A computed amount left ±99 999 999 999 (`422 validation_error` on `param`).
    pub fn out_of_range(param: impl Into<String>, _: MoneyError) -> Self {
        Self::invalid(param, "the amount computed here exceeds ±99999999999 minor units")
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed { .. } => 400,
            _ => 422,
        }
    }

    /// The catalog code (api.md §3.2).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "invalid_request",
            Self::Invalid { .. } => "validation_error",
            Self::TaxRateNotAllowed { .. } => "tax_rate_not_allowed",
            Self::PaymentTotalMismatch { .. } => "payment_total_mismatch",
        }
    }

    /// The JSON path at fault; `payments` for a mismatch.
    pub fn param(&self) -> &str {
        match self {
            Self::Malformed { param, .. } | Self::Invalid { param, .. } | Self::TaxRateNotAllowed { param, .. } => {
                param
            }
            Self::PaymentTotalMismatch { .. } => "payments",
        }
    }

    /// The `fiscal_errors` code (api.md §3.3), if any.
    pub fn fiscal_code(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { fiscal_code, .. } => *fiscal_code,
            _ => None,
        }
    }
}

/// Checks a text field's length in characters: `400 invalid_request` outside `min..=max`.
pub(crate) fn check_len(param: impl FnOnce() -> String, value: &str, min: usize, max: usize) -> Result<(), DataError> {
    let n = value.chars().count();
    if n < min || n > max {
        let p = param();
        let msg = format!("{p} must be {min}-{max} characters");
        return Err(DataError::malformed(p, msg));
    }
    Ok(())
}

/// [`check_len`] for an optional field.
pub(crate) fn check_opt_len(param: impl FnOnce() -> String, v: Option<&str>, max: usize) -> Result<(), DataError> {
    v.map_or(Ok(()), |v| check_len(param, v, 0, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_one_catalog_code_each() {
        let m = DataError::malformed("line_items[2].description", "x");
        assert_eq!((m.status(), m.code(), m.param()), (400, "invalid_request", "line_items[2].description"));
        let f = DataError::fiscal("rounding_adjustment", "rounding_not_allowed", "x");
        assert_eq!((f.status(), f.code(), f.fiscal_code()), (422, "validation_error", Some("rounding_not_allowed")));
        let t = DataError::TaxRateNotAllowed { param: "line_items[0].tax.rate".into(), rate: "0.5".parse().unwrap() };
        assert_eq!((t.code(), t.param()), ("tax_rate_not_allowed", "line_items[0].tax.rate"));
        let p = DataError::PaymentTotalMismatch { paid: 1, net_payable: 2 };
        assert_eq!((p.status(), p.code(), p.param()), (422, "payment_total_mismatch", "payments"));
        assert!(check_len(|| "x".into(), "", 1, 2).is_err());
        assert!(check_opt_len(|| "x".into(), Some("abc"), 2).is_err());
        assert!(check_opt_len(|| "x".into(), None, 2).is_ok());
    }
}
