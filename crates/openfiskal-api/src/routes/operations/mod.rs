//! POS operations (api.md §7), seed 002: the eight types through one lifecycle. Every type has its
//! own paths (`/v1/registers/{id}/sales`, `/v1/sales/{id}/complete`, …); one handler serves each
//! call for every type, which it reads from the matched route ([`kind::OpKind::of_route`]). The
//! OpenAPI document lists each type's paths: [`routes`] copies the documented `sales` paths for
//! the other seven segments.
//!
//! A fiscal event (start, complete, cancel, fiscalize) follows the signing path of
//! `openfiskal-fiscal`: the whole body is validated and `data` computed on a read connection first
//! (nothing signed for a bad request); then the fiscal service locks the unit, signs outside any
//! transaction and opens the step's short write transaction with the journal and the unit's chain
//! written; the handler adds the operation and its idempotent answer to it and commits. The
//! operation's own guarded update (its `resource_version`) and a re-check of the original in that
//! transaction catch a change made meanwhile.
//!
//! One file per action (`start`, `change` for PATCH and complete, `cancel`, `fiscalize`, `read`) and
//! per shared step (`scope`: what `data` is computed from; `original`: the checked original;
//! `record`: the TSE plan of a completion and its outcome; `render`: the JSON views). This module
//! holds the routes and the small checks every action shares; the action modules see it through
//! `use super::*`.

mod body;
pub mod cancel;
pub mod change;
mod data;
pub mod fiscalize;
pub mod kind;
mod original;
pub mod read;
mod record;
mod render;
mod scope;
pub mod start;

use std::collections::HashMap;

use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use openfiskal_core::operation::{FromIdGen, Jurisdiction, Stage};
use openfiskal_core::{FiscalState, OperationState, RegisterId, Timestamp};
use openfiskal_fiscal::FiscalService;
use openfiskal_fiscal::operation::{OperationRef, OperationStep, OperationStepTx};
use openfiskal_store::repo::locations::{self, LocationRow};
use openfiskal_store::repo::operations::{self, ListFilter, OperationRow};
use openfiskal_store::repo::orgs;
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::{Db, Tx};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_axum::router::UtoipaMethodRouter;

use self::body::{Body, Call};
use self::data::{Input, Original, StableIds};
use self::kind::OpKind;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, codes};
use crate::idempotency::{self, Idem};
use crate::json::{AppJson, Patch, json_response};
use crate::pagination::ListParams;
use crate::state::AppState;
use crate::validate::{opt_length, path_id, to_json};
use openfiskal_fiscal::lifecycle;

pub use self::body::{Cashier, OriginalDocument};
pub use self::cancel::CancelRequest;
pub use self::fiscalize::retry_failed;
pub(crate) use self::read::load_any;
pub use self::render::operation_json;
use self::{original::*, record::*, render::*, scope::*};

/// At most this many open operations per fiscal unit (api.md §7.5).
const MAX_OPEN: i64 = 2_000;

/// The documented routes of every type: each `sales` path is copied for the other segments, with
/// its own `operationId` (`start_operation_refunds`).
pub fn routes() -> Vec<UtoipaMethodRouter<AppState>> {
    let documented: Vec<UtoipaMethodRouter<AppState>> = vec![
        utoipa_axum::routes!(start::start_operation, read::list_operations_of_type),
        utoipa_axum::routes!(read::get_operation_of_type, change::update_operation),
        utoipa_axum::routes!(change::complete_operation),
        utoipa_axum::routes!(cancel::cancel_operation),
        utoipa_axum::routes!(fiscalize::fiscalize_operation),
    ];
    documented
        .into_iter()
        .map(|(schemas, mut paths, method_router)| {
            let template = std::mem::take(&mut paths.paths);
            for (path, item) in template {
                for kind in OpKind::ALL {
                    let mut item = item.clone();
                    let segment = kind.segment();
                    for op in [&mut item.get, &mut item.post, &mut item.patch].into_iter().flatten() {
                        op.operation_id =
                            op.operation_id.take().map(|id| format!("{id}_{}", segment.replace('-', "_")));
                        op.summary = op.summary.take().map(|s| s.replace("sale", kind.as_str()));
                    }
                    paths.paths.insert(path.replace("/sales", &format!("/{segment}")), item);
                }
            }
            (schemas, paths, method_router)
        })
        .collect()
}

fn etag(version: i64) -> (String, String) {
    ("etag".into(), format!("\"{version}\""))
}

fn check_if_match(headers: &HeaderMap, version: i64) -> Result<(), ApiError> {
    let Some(v) = headers.get("if-match") else { return Ok(()) };
    let v = v.to_str().map_err(|_| ApiError::invalid("If-Match", "If-Match is malformed."))?.trim();
    if v == "*" {
        return Ok(());
    }
    let n: i64 = v
        .trim_matches('"')
        .parse()
        .map_err(|_| ApiError::invalid("If-Match", "If-Match must be a quoted resource_version."))?;
    if n != version {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            codes::PRECONDITION_FAILED,
            "The operation changed; re-read it and send the current version.",
        ));
    }
    Ok(())
}

/// The register's jurisdiction, if its registers record operations yet (the fiscal service says).
fn jurisdiction(register: &RegisterRow) -> Result<Jurisdiction, ApiError> {
    FiscalService::ensure_records_operations(register.jurisdiction)?;
    Ok(register.jurisdiction)
}

/// Writes a changed operation (one version up, guarded by the version it was read at), stores the
/// answer under the idempotency key and commits.
async fn save(app: &AppState, mut tx: Tx, idem: &Idem, mut op: OperationRow, read: i64) -> Result<Response, ApiError> {
    op.resource_version = read + 1;
    op.updated_at = app.now_us();
    operations::update(&mut tx, &op, read).await?;
    let body = operation_json(&op)?;
    idempotency::commit(app, tx, idem, StatusCode::OK, &body, vec![etag(op.resource_version)]).await
}

/// Loads an operation of `kind` (404 under another type's path) visible to the caller.
async fn load_op(tx: &mut impl Db, caller: &Caller, kind: OpKind, raw: &str) -> Result<OperationRow, ApiError> {
    let op = load_any(tx, caller, raw).await?;
    if op.kind != kind.as_str() {
        return Err(ApiError::not_found());
    }
    Ok(op)
}

/// Loads an operation for a write and checks `If-Match` against its version (api.md §1.10).
async fn load_for_write(
    tx: &mut impl Db,
    caller: &Caller,
    kind: OpKind,
    raw: &str,
    headers: &HeaderMap,
) -> Result<OperationRow, ApiError> {
    let op = load_op(tx, caller, kind, raw).await?;
    check_if_match(headers, op.resource_version)?;
    Ok(op)
}

fn not_open() -> ApiError {
    ApiError::conflict(codes::OPERATION_NOT_OPEN, "This operation is not in open status and cannot be modified.")
}

fn ensure_open(op: &OperationRow) -> Result<(), ApiError> {
    if op.state != OperationState::Open {
        return Err(not_open());
    }
    Ok(())
}
