//! The contract check of every answer the test harness sees: [`TestApp::send`](crate::TestApp::send)
//! validates each response whose path, method and status `/v1/openapi.json` documents against the
//! documented JSON schema, and each request body the server accepted (`2xx`) against the documented
//! request schema, with the `jsonschema` crate (a JSON Schema 2020-12 validator that shares no code
//! with utoipa, which builds the document). A mismatch fails the test, naming the call, the status
//! and the validator's messages.
//!
//! The check is stricter than the published document in one way: every object schema that lists
//! `properties` and says nothing about other properties is closed (`additionalProperties: false`)
//! here, so a field the API returns but the document does not describe fails too. The published
//! document stays open, so clients keep working when a later version adds a field.
//!
//! Each schema is compiled once per test binary and cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// The document, its closed components and the compiled schemas.
pub struct Contract {
    doc: Value,
    components: Value,
    templates: Vec<(Vec<Option<String>>, String)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
    checked: AtomicUsize,
}

/// The contract of this build's document (`openfiskal_api::openapi_json`), built on first use.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let doc: Value = serde_json::from_str(&openfiskal_api::openapi_json()).expect("the OpenAPI document is JSON");
        Contract::new(doc)
    })
}

/// Closes every object schema under `v` that lists `properties` and leaves others open.
fn close(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("properties").is_some_and(Value::is_object) && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            m.values_mut().for_each(close);
        }
        Value::Array(a) => a.iter_mut().for_each(close),
        _ => {}
    }
}

impl Contract {
    /// The contract of `doc`, an OpenAPI 3.1 document.
    pub fn new(doc: Value) -> Self {
        let mut components = doc.get("components").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        close(&mut components);
        let templates = doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .keys()
                    .map(|t| {
                        let segments = t
                            .split('/')
                            .map(|s| if s.starts_with('{') && s.ends_with('}') { None } else { Some(s.to_owned()) })
                            .collect();
                        (segments, t.clone())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { doc, components, templates, validators: Mutex::new(HashMap::new()), checked: AtomicUsize::new(0) }
    }

    /// How many answers and request bodies were validated so far.
    pub fn checked(&self) -> usize {
        self.checked.load(Ordering::Relaxed)
    }

    /// The documented path template `path` (query ignored) falls under: the one with the most
    /// literal segments among those that match.
    pub fn template(&self, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.templates
            .iter()
            .filter(|(t, _)| {
                t.len() == segments.len() && t.iter().zip(&segments).all(|(t, s)| t.as_deref().is_none_or(|t| t == *s))
            })
            .max_by_key(|(t, _)| t.iter().filter(|s| s.is_some()).count())
            .map(|(_, name)| name.as_str())
    }

    fn operation(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let template = self.template(path)?;
        let op = self.doc["paths"][template].get(method.to_ascii_lowercase())?;
        Some((template, op))
    }

    /// Checks an answer: `Ok(true)` when its path, method and status are documented with a JSON
    /// body and it matches; `Ok(false)` when nothing is documented for it; `Err` naming the call,
    /// the status and the validator's messages otherwise.
    pub fn check_response(&self, method: &str, path: &str, status: u16, body: &[u8]) -> Result<bool, String> {
        let Some((template, op)) = self.operation(method, path) else { return Ok(false) };
        let Some(schema) =
            op["responses"].get(status.to_string()).and_then(|r| r["content"]["application/json"].get("schema"))
        else {
            return Ok(false);
        };
        let instance: Value = serde_json::from_slice(body).map_err(|e| {
            format!("{method} {path} → {status}: documented as JSON ({template}), but the body is not JSON: {e}")
        })?;
        self.validate(schema, &instance).map_err(|errors| {
            format!(
                "{method} {path} → {status}: the answer does not match the OpenAPI schema of {} {template} {status}:\n  {}\nbody: {}",
                method.to_ascii_uppercase(),
                errors.join("\n  "),
                shorten(&String::from_utf8_lossy(body)),
            )
        })?;
        Ok(true)
    }

    /// Checks a request body the server accepted against the documented request schema; as
    /// [`Contract::check_response`]. An empty or non-JSON body is not checked.
    pub fn check_request(&self, method: &str, path: &str, body: &[u8]) -> Result<bool, String> {
        let Some((template, op)) = self.operation(method, path) else { return Ok(false) };
        let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") else { return Ok(false) };
        let Ok(instance) = serde_json::from_slice::<Value>(body) else { return Ok(false) };
        self.validate(schema, &instance).map_err(|errors| {
            format!(
                "{method} {path}: the server accepted a request body that its OpenAPI schema ({} {template}) refuses:\n  {}\nbody: {}",
                method.to_ascii_uppercase(),
                errors.join("\n  "),
                shorten(&String::from_utf8_lossy(body)),
            )
        })?;
        Ok(true)
    }

    /// Checks one exchange of the harness; panics with the message of the first mismatch.
    pub fn check_exchange(&self, method: &str, path: &str, request: &[u8], status: u16, response: &[u8]) {
        if (200..300).contains(&status)
            && !request.is_empty()
            && let Err(e) = self.check_request(method, path, request)
        {
            panic!("{e}");
        }
        if let Err(e) = self.check_response(method, path, status, response) {
            panic!("{e}");
        }
    }

    /// Validates `instance` against `schema` (a schema of the document, its `$ref`s into
    /// `#/components`); the validator's messages with their JSON pointers on failure.
    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let key = schema.to_string();
        let validator = {
            let mut cache = self.validators.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let mut root = schema.clone();
                    close(&mut root);
                    if let Value::Object(m) = &mut root {
                        m.insert("components".into(), self.components.clone());
                    }
                    let v = jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .should_validate_formats(true)
                        .build(&root)
                        .map_err(|e| vec![format!("the documented schema does not compile: {e}")])?;
                    let v = Arc::new(v);
                    cache.insert(key, v.clone());
                    v
                }
            }
        };
        self.checked.fetch_add(1, Ordering::Relaxed);
        let errors: Vec<String> =
            validator.iter_errors(instance).take(8).map(|e| format!("at `{}`: {e}", e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 2000 { s.to_owned() } else { s.chars().take(2000).collect::<String>() + "…" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use serde_json::json;

    use super::*;

    fn tiny() -> Contract {
        Contract::new(json!({
            "openapi": "3.1.0",
            "paths": {
                "/v1/things/{id}": {"get": {"responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "404": {"description": "no"}}}},
                "/v1/things/special": {"get": {"responses": {
                    "200": {"content": {"application/json": {"schema": {"type": "string"}}}}}}},
                "/v1/things": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}
            },
            "components": {"schemas": {
                "Thing": {"type": "object", "required": ["id", "state"], "properties": {
                    "id": {"type": "string"},
                    "state": {"type": "string", "enum": ["open", "done"]},
                    "at": {"type": ["string", "null"], "format": "date-time"},
                    "meta": {"type": "object"}}}}}
        }))
    }

    #[test]
    fn a_matching_answer_passes_and_an_undocumented_one_is_skipped() {
        let c = tiny();
        let ok = br#"{"id":"t1","state":"open","at":"2026-02-26T10:00:00Z","meta":{"free":1}}"#;
        assert_eq!(c.check_response("GET", "/v1/things/t1?x=1", 200, ok), Ok(true));
        assert_eq!(c.template("/v1/things/special"), Some("/v1/things/special"), "literals win");
        assert_eq!(c.check_response("GET", "/v1/things/t1", 404, b"whatever"), Ok(false), "no content documented");
        assert_eq!(c.check_response("GET", "/v1/things/t1", 500, ok), Ok(false), "status not documented");
        assert_eq!(c.check_response("DELETE", "/v1/things/t1", 200, ok), Ok(false), "method not documented");
        assert_eq!(c.check_response("GET", "/v1/other", 200, ok), Ok(false), "path not documented");
        assert!(c.checked() >= 1);
    }

    #[test]
    fn a_wrong_answer_fails_naming_the_call_status_and_reason() {
        let c = tiny();
        for (body, reason) in [
            (&br#"{"id":"t1"}"#[..], "\"state\" is a required property"),
            (br#"{"id":"t1","state":"closed"}"#, "is not one of"),
            (br#"{"id":7,"state":"open"}"#, "is not of type"),
            (br#"{"id":"t1","state":"open","at":"yesterday"}"#, "is not a \"date-time\""),
            (br#"{"id":"t1","state":"open","colour":"red"}"#, "colour"),
            (b"not json", "not JSON"),
        ] {
            let e = c.check_response("GET", "/v1/things/t1", 200, body).unwrap_err();
            assert!(e.contains("GET /v1/things/t1 → 200"), "{e}");
            assert!(e.contains(reason), "expected {reason:?} in {e}");
        }
        assert!(c.check_response("GET", "/v1/things/special", 200, br#"{"id":"t1","state":"open"}"#).is_err());
    }

    #[test]
    fn an_accepted_request_body_is_checked_too() {
        let c = tiny();
        assert_eq!(c.check_request("POST", "/v1/things", br#"{"id":"t1","state":"open"}"#), Ok(true));
        let e = c.check_request("POST", "/v1/things", br#"{"id":"t1"}"#).unwrap_err();
        assert!(e.contains("POST /v1/things") && e.contains("state"), "{e}");
        let r = std::panic::catch_unwind(|| c.check_exchange("POST", "/v1/things", br#"{"id":"t1"}"#, 201, b"{}"));
        assert!(r.is_err(), "the harness fails the test");
        // A refused request (4xx) is not held against the schema.
        c.check_exchange("POST", "/v1/things", br#"{"id":"t1"}"#, 400, b"{}");
    }
}
