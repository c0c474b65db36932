//! Finishing the OpenAPI document after utoipa built it, from rules rather than per-handler
//! annotations:
//! - each operation type's own request bodies on its copied paths (`schemas::bodies::per_type`);
//! - the security of every operation, explicit (`[]` for the public ones);
//! - the request headers of the contract that no handler signature shows (api.md §1.9, §1.10, §2.4);
//! - request bodies marked optional where an empty body is accepted (every body parses an empty
//!   request as `{}`, see `json.rs`);
//! - a `description` on every response (OpenAPI 3.1 requires one): the status's meaning, and for
//!   an error the envelope of api.md §3;
//! - the error envelope's `code` as an enum of every code in `error::codes`.

use axum::http::StatusCode;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi, RefOr, Required};

use crate::error::codes;

/// Applies every finishing step to `doc`.
pub(crate) fn finish(doc: &mut OpenApi) {
    crate::schemas::bodies::per_type(doc);
    explicit_security(doc);
    add_headers_and_body_optionality(doc);
    describe_responses(doc);
    enumerate_error_codes(doc);
}

/// Says on every operation whether it takes a key: `[]` (none; utoipa writes `security(())` as
/// `[{}]`, "optional") on the public ones, the bearer key on the others instead of leaving it to
/// the document's default, so generated clients type each call with or without a key.
fn explicit_security(doc: &mut OpenApi) {
    let bearer = || vec![SecurityRequirement::new("bearer", Vec::<String>::new())];
    for item in doc.paths.paths.values_mut() {
        for method in [HttpMethod::Get, HttpMethod::Post, HttpMethod::Patch, HttpMethod::Delete] {
            let Some(op) = operation(item, &method) else { continue };
            op.security = match op.security.take() {
                None => Some(bearer()),
                Some(reqs) if reqs.iter().all(|r| r == &SecurityRequirement::default()) => Some(Vec::new()),
                Some(reqs) => Some(reqs),
            };
        }
    }
}

/// Gives every response without a description one from its status.
fn describe_responses(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for method in [HttpMethod::Get, HttpMethod::Post, HttpMethod::Patch, HttpMethod::Delete] {
            let Some(op) = operation(item, &method) else { continue };
            for (status, response) in &mut op.responses.responses {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = response_description(status);
                }
            }
        }
    }
}

/// `"201"` → "Created."; an error status → its reason and the envelope.
fn response_description(status: &str) -> String {
    let code = status.parse::<u16>().ok().and_then(|s| StatusCode::from_u16(s).ok());
    let reason = code.and_then(|c| c.canonical_reason()).unwrap_or("Response");
    if code.is_some_and(|c| c.is_client_error() || c.is_server_error()) {
        format!("{reason}: the error envelope (api.md §3); `code` says which.")
    } else {
        format!("{reason}.")
    }
}

/// `ErrorBody.code`: one of [`codes::ALL`].
fn enumerate_error_codes(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else { return };
    let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut("ErrorBody") else { return };
    if let Some(RefOr::T(Schema::Object(code))) = body.properties.get_mut("code") {
        code.enum_values = Some(codes::ALL.iter().map(|c| serde_json::Value::from(*c)).collect());
    }
}

/// Adds the headers and body optionality to every operation of `doc`.
fn add_headers_and_body_optionality(doc: &mut OpenApi) {
    let no_required_field: Vec<String> = doc
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter(|(_, s)| matches!(s, RefOr::T(Schema::Object(o)) if o.required.is_empty()))
        .map(|(name, _)| format!("#/components/schemas/{name}"))
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        for method in [HttpMethod::Get, HttpMethod::Post, HttpMethod::Patch, HttpMethod::Delete] {
            let Some(op) = operation(item, &method) else { continue };
            let params = op.parameters.get_or_insert_with(Vec::new);
            if organization_scoped(path) {
                params.push(RefOr::T(header(
                    "OpenFiskal-Organization",
                    "The organization (`org_…`) a platform key acts for; required with a platform key, \
                     optional with an organization or register key (then it must name the key's own).",
                )));
            }
            let writes = matches!(method, HttpMethod::Post | HttpMethod::Patch);
            if writes && path.starts_with("/v1/") {
                params.push(RefOr::T(header(
                    "Idempotency-Key",
                    "A UUID or 1–255 printable ASCII characters. A retry with the same key and body replays \
                     the stored answer byte for byte (`Idempotent-Replayed: true`); kept at least 7 days.",
                )));
            }
            if writes && operation_write(path, &method) {
                params.push(RefOr::T(header(
                    "If-Match",
                    "The operation's `ETag` (`\"7\"`) or `*`: the write runs only on that `resource_version`, \
                     otherwise `412 precondition_failed`.",
                )));
            }
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                let optional = body.content.values().all(|c| match c {
                    RefOr::T(c) => match &c.schema {
                        Some(RefOr::Ref(r)) => no_required_field.contains(&r.ref_location),
                        _ => false,
                    },
                    RefOr::Ref(_) => false,
                });
                body.required = Some(if optional { Required::False } else { Required::True });
            }
        }
    }
}

fn operation<'a>(item: &'a mut utoipa::openapi::PathItem, method: &HttpMethod) -> Option<&'a mut Operation> {
    match method {
        HttpMethod::Get => item.get.as_mut(),
        HttpMethod::Post => item.post.as_mut(),
        HttpMethod::Patch => item.patch.as_mut(),
        HttpMethod::Delete => item.delete.as_mut(),
        _ => None,
    }
}

/// Everything under `/v1` except platform-level endpoints and paths that name the organization.
fn organization_scoped(path: &str) -> bool {
    path.starts_with("/v1/")
        && !path.starts_with("/v1/auth/")
        && !path.starts_with("/v1/organizations")
        && path != "/v1/openapi.json"
}

/// PATCH, complete, cancel and fiscalize of an operation (`/v1/{type}/{operationId}…`).
fn operation_write(path: &str, method: &HttpMethod) -> bool {
    let Some(rest) = path.strip_prefix("/v1/") else { return false };
    let mut parts = rest.split('/');
    let (_, id, action) = (parts.next(), parts.next(), parts.next());
    id == Some("{operationId}")
        && match (method, action) {
            (HttpMethod::Patch, None) => true,
            (HttpMethod::Post, Some(a)) => ["complete", "cancel", "fiscalize"].contains(&a),
            _ => false,
        }
}

fn header(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(Schema::Object(Object::with_type(Type::String))))
        .build()
}
