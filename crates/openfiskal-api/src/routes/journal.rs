//! The journal (api.md §6.7): `GET /v1/fiscal-units/{id}/journal` in counter order and one entry.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openfiskal_core::Timestamp;
use openfiskal_store::repo::journal::{self, JournalRow};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::json::json_response;
use crate::pagination::{ListBody, ListParams};
use crate::routes::fiscal_units::load_unit;
use crate::state::AppState;

/// One signed record of a unit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JournalEntryBody {
    /// `jrn_…`
    pub id: String,
    /// Always `journal_entry`.
    pub object: &'static str,
    /// The unit.
    pub fiscal_unit_id: String,
    /// DE signature counter, AT Belegnummer, IT journal sequence: gapless.
    pub counter: i64,
    /// Regime-specific kind.
    pub kind: String,
    /// The operation it belongs to.
    pub operation_id: Option<String>,
    /// The closing it belongs to.
    pub closing_id: Option<String>,
    /// Signing time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_at: Option<Timestamp>,
    /// Base64 signature.
    pub signature: Option<String>,
    /// Base64 of the exact stored bytes.
    pub record: String,
    /// `der_log_message`, `jws_compact`, `jcs_json`, `xml`.
    pub record_format: String,
    /// Chain hash (IT).
    pub hash: Option<String>,
    /// The regime's fiscal block.
    #[schema(value_type = Option<Object>)]
    pub fiscal: Value,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl JournalEntryBody {
    fn from_row(j: JournalRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: j.id,
            object: "journal_entry",
            fiscal_unit_id: j.fiscal_unit_id,
            counter: j.counter,
            kind: j.kind,
            operation_id: j.operation_id,
            closing_id: j.closing_id,
            signed_at: j.signed_at.map(Timestamp::from_micros),
            signature: j.signature.map(|s| STANDARD.encode(s)),
            record: STANDARD.encode(&j.record),
            record_format: j.record_format,
            hash: j.hash,
            fiscal: match j.fiscal {
                Some(f) => serde_json::from_str(&f).map_err(|e| ApiError::internal(&e))?,
                None => Value::Null,
            },
            created_at: Timestamp::from_micros(j.created_at),
        })
    }
}

/// The unit's signed records in counter order (`from_counter` inclusive, `kind` filters).
#[utoipa::path(get, path = "/v1/fiscal-units/{fiscalUnitId}/journal", tag = "fiscal-units",
    params(("fiscalUnitId" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("from_counter" = Option<i64>, Query), ("kind" = Option<String>, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = ListBody<JournalEntryBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_journal(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let params = ListParams::parse_with(uri.path(), &query, &["from_counter", "kind"])?;
    let from_counter = match query.get("from_counter") {
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::invalid("from_counter", "from_counter must be an integer ≥ 1."))?,
        None => 1,
    };
    let after = params.page.after.as_ref().map_or(from_counter - 1, |(c, _)| *c);
    let mut db = app.store.read().await?;
    let unit = load_unit(&mut db, &org, &id).await?;
    let page =
        journal::list(&mut db, &org, &unit.id, after, query.get("kind").map(String::as_str), &params.page).await?;
    let body = params.body(page, |j| (j.counter, j.id.clone()), JournalEntryBody::from_row)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// One journal entry.
#[utoipa::path(get, path = "/v1/fiscal-units/{fiscalUnitId}/journal/{entryId}", tag = "fiscal-units",
    params(("fiscalUnitId" = String, Path), ("entryId" = String, Path)),
    responses((status = 200, body = JournalEntryBody), (status = 404, body = ErrorBody)))]
pub async fn get_journal_entry(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = caller.admin_scope()?.to_string();
    let mut db = app.store.read().await?;
    let unit = load_unit(&mut db, &org, &id).await?;
    let row = journal::get(&mut db, &org, &unit.id, &entry).await?.ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &JournalEntryBody::from_row(row)?))
}
