//! What every regime crate shares (ARCHITECTURE.md §4): the inputs of provisioning, the error a
//! regime raises (a `422` with a `fiscal_errors` code at the edge), and the start records a regime
//! signs when a unit is provisioned.

use serde_json::Value;

use crate::Timestamp;

/// A regime rule was violated: `422 validation_error` with `param` and a `fiscal_errors` code, or
/// (`malformed`) the regime's part of the body does not parse: `400 invalid_request`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegimeError {
    /// True when the input is malformed rather than against a rule.
    pub malformed: bool,
    /// The request field at fault (`configuration.client_id`).
    pub param: String,
    /// The `fiscal_errors` code (api.md §3.3), if one applies.
    pub fiscal_code: Option<&'static str>,
    /// Prose for developers.
    pub message: String,
}

impl RegimeError {
    /// An error on `param`.
    pub fn new(param: &str, fiscal_code: Option<&'static str>, message: impl Into<String>) -> Self {
        Self { malformed: false, param: param.to_owned(), fiscal_code, message: message.into() }
    }

    /// A `configuration` that does not parse (unknown field, wrong type).
    pub fn malformed(e: &serde_json::Error) -> Self {
        let msg = e.to_string();
        let field = msg
            .strip_prefix("unknown field `")
            .or_else(|| msg.strip_prefix("missing field `"))
            .and_then(|r| r.split('`').next())
            .map_or_else(|| "configuration".to_owned(), |f| format!("configuration.{f}"));
        Self { malformed: true, param: field, fiscal_code: None, message: format!("Invalid configuration: {msg}.") }
    }

    /// Parses a regime's configuration object (`null`/absent = all defaults).
    pub fn parse<T: serde::de::DeserializeOwned + Default>(input: Option<&Value>) -> Result<T, Self> {
        match input {
            None | Some(Value::Null) => Ok(T::default()),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| Self::malformed(&e)),
        }
    }
}

/// What a regime needs to know to provision a unit (all read before any key is made).
#[derive(Debug, Clone)]
pub struct ProvisionContext {
    /// `reg_…`
    pub register_id: String,
    /// `fu_…` of the new unit.
    pub unit_id: String,
    /// The register's label.
    pub register_label: String,
    /// The register's serial number.
    pub register_serial: Option<String>,
    /// The organization's legal name.
    pub legal_name: String,
    /// The organization's tax id (normalised).
    pub tax_id: Option<String>,
    /// The organization's national tax number.
    pub tax_number: Option<String>,
    /// True in production mode.
    pub production: bool,
    /// The provisioning time.
    pub now: Timestamp,
}

/// A signed record a regime creates at provisioning (DE initialisation logs, AT Startbeleg).
#[derive(Debug, Clone, PartialEq)]
pub struct StartRecord {
    /// Journal kind.
    pub kind: &'static str,
    /// The exact signed bytes.
    pub record: Vec<u8>,
    /// `der_log_message`, `jws_compact`, `jcs_json`, `xml`.
    pub record_format: &'static str,
    /// The signature, if separate from the record.
    pub signature: Option<Vec<u8>>,
    /// The regime's fiscal block, if any.
    pub fiscal: Option<Value>,
}

/// The outcome of a regime's provisioning step.
#[derive(Debug, Clone, PartialEq)]
pub struct Provisioned {
    /// `fiscal_registration` (api.md §6.2).
    pub registration: Value,
    /// The effective configuration (defaults filled), kept for replace.
    pub configuration: Value,
    /// Signed start records, in counter order (none until the regime's issue adds them).
    pub start_records: Vec<StartRecord>,
}
