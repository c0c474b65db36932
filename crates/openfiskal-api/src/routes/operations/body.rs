//! Operation request bodies (api.md §7.4): one JSON object split by the operation type into the
//! common fields, the references (start only), the type's inputs (replaced field by field by PATCH
//! and complete while the operation is open) and the settlement (`payments`,
//! `rounding_adjustment`: complete and one-shot only). A field the type or the call does not take
//! is a `400 invalid_request` naming it (a void's body with `line_items`, `payments` on a start
//! that does not complete).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::kind::OpKind;
use crate::error::ApiError;
use crate::json::{Patch, from_value};
use crate::validate::{self, length, opt_length};

/// The call a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `POST /v1/registers/{id}/{type}`.
    Start,
    /// `PATCH /v1/{type}/{id}`.
    Patch,
    /// `POST /v1/{type}/{id}/complete`.
    Complete,
}

/// The cashier [docs].
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cashier {
    /// 1–100 characters.
    pub id: String,
    /// ≤ 100 characters.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// An original issued outside OpenFiskal (IT only, api.md §7.4).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginalDocument {
    /// The original's document number.
    pub document_number: String,
    /// Its date, `YYYY-MM-DD`.
    pub date: String,
    /// The RT serial that issued it.
    pub rt_serial: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    cashier: Option<Cashier>,
    #[serde(default)]
    external_id: Patch<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    complete: bool,
}

/// `references` as set at start (api.md §8.6).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Refs {
    /// `op_…` (or the client UUID) of the original operation.
    #[serde(default)]
    pub original_operation_id: Option<String>,
    /// Free text, ≤ 500.
    #[serde(default)]
    pub reason: Option<String>,
    /// IT only.
    #[serde(default)]
    pub original_document: Option<OriginalDocument>,
    /// IT only.
    #[serde(default)]
    pub original_unknown: bool,
}

/// A body, split.
#[derive(Debug, Default)]
pub struct Body {
    /// Start: the client UUID.
    pub id: Option<String>,
    /// Required at start; PATCH and complete may replace it.
    pub cashier: Option<Cashier>,
    /// PATCH semantics.
    pub external_id: Patch<String>,
    /// Device time (start, complete).
    pub occurred_at: Option<String>,
    /// Merged key by key.
    pub metadata: Option<Map<String, Value>>,
    /// Start: one-shot.
    pub complete: bool,
    /// Start: the references.
    pub refs: Refs,
    /// The type's inputs sent in this call.
    pub inputs: Map<String, Value>,
    /// `payments` and `rounding_adjustment`, if sent.
    pub settle: Map<String, Value>,
    /// SHA-256 of the canonical body (client-id repeats must match it).
    pub fingerprint: Vec<u8>,
}

const COMMON: [&str; 7] = ["id", "cashier", "external_id", "occurred_at", "currency", "metadata", "complete"];
const SETTLE: [&str; 2] = ["payments", "rounding_adjustment"];

fn allowed_common(call: Call, key: &str) -> bool {
    match call {
        Call::Start => COMMON.contains(&key),
        Call::Patch => ["cashier", "external_id", "metadata"].contains(&key),
        Call::Complete => ["cashier", "external_id", "metadata", "occurred_at"].contains(&key),
    }
}

/// Splits and checks `body` for a `call` of `kind` (everything but the inputs' content, which the
/// data computation checks).
pub fn split(kind: OpKind, call: Call, body: Map<String, Value>, max_future: i64) -> Result<Body, ApiError> {
    let fingerprint = Sha256::digest(serde_json_canonicalizer::to_vec(&body).unwrap_or_default()).to_vec();
    let fields = kind.fields();
    let one_shot = call == Call::Start && body.get("complete") == Some(&Value::Bool(true));
    let (mut common, mut refs, mut inputs, mut settle) = (Map::new(), Map::new(), Map::new(), Map::new());
    for (k, v) in body {
        let key = k.as_str();
        if allowed_common(call, key) {
            common.insert(k, v);
        } else if call == Call::Start && fields.refs.contains(&key) {
            refs.insert(k, v);
        } else if fields.inputs.contains(&key) {
            inputs.insert(k, v);
        } else if fields.payments && SETTLE.contains(&key) && (call == Call::Complete || one_shot) {
            settle.insert(k, v);
        } else {
            let why = if SETTLE.contains(&key) && fields.payments {
                "is sent with complete (or a start with \"complete\": true)"
            } else {
                "is not a field of this call"
            };
            return Err(ApiError::invalid(key, format!("`{key}` {why} for a {} operation.", kind.as_str())));
        }
    }
    let c: CommonBody = from_value(Value::Object(common))?;
    let refs: Refs = from_value(Value::Object(refs))?;
    if call == Call::Start && c.cashier.is_none() {
        return Err(ApiError::invalid("cashier", "cashier is required."));
    }
    if let Some(cashier) = &c.cashier {
        length("cashier.id", &cashier.id, 1, 100)?;
        opt_length("cashier.display_name", cashier.display_name.as_deref(), 100)?;
    }
    if let Patch::Value(e) = &c.external_id {
        opt_length("external_id", Some(e), 255)?;
    }
    opt_length("reason", refs.reason.as_deref(), 500)?;
    if let Some(id) = &c.id
        && !is_uuid(id)
    {
        return Err(ApiError::invalid("id", "id must be a UUID."));
    }
    if c.currency.as_deref().is_some_and(|c| c != "EUR") {
        return Err(ApiError::validation("currency", "Only EUR is accepted."));
    }
    if let Some(m) = &c.metadata {
        validate::metadata(m)?;
    }
    if let Some(t) = &c.occurred_at {
        device_time(t, "occurred_at", max_future)?;
    }
    Ok(Body {
        id: c.id,
        cashier: c.cashier,
        external_id: c.external_id,
        occurred_at: c.occurred_at,
        metadata: c.metadata,
        complete: c.complete,
        refs,
        inputs,
        settle,
        fingerprint,
    })
}

/// A device time in µs: RFC 3339, at most `max_future` µs (now + 300 s) ahead (api.md §7.4).
pub fn device_time(raw: &str, param: &str, max_future: i64) -> Result<i64, ApiError> {
    let t = openfiskal_core::Timestamp::parse_rfc3339(raw)
        .map_err(|_| ApiError::invalid(param, format!("{param} must be an RFC 3339 timestamp.")))?;
    if t.as_micros() > max_future {
        return Err(ApiError::validation(param, format!("{param} is more than 300 s in the future.")));
    }
    Ok(t.as_micros())
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
}
