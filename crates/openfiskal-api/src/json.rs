//! JSON in and out (api.md §1.2). [`AppJson`] parses a request body strictly: media type, duplicate
//! keys, unknown fields, wrong types and missing fields all become `400 invalid_request` with
//! `param` naming the JSON path. [`json_response`] writes `application/json; charset=utf-8`.

use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, codes};

/// Request body limit (api.md §1.2).
pub const MAX_BODY: usize = 1024 * 1024;

/// A strictly parsed JSON body. An empty body parses as `{}` (bodies marked *optional*).
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let has_json_type = is_json(req.headers());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| ApiError::from_status(e.status()))?;
        if bytes.is_empty() {
            return parse(b"{}").map(AppJson);
        }
        if !has_json_type {
            return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        parse(&bytes).map(AppJson)
    }
}

/// True for `application/json` with at most a `charset=utf-8` parameter.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mut parts = ct.split(';').map(str::trim);
    let essence_ok = parts.next().is_some_and(|m| m.eq_ignore_ascii_case("application/json"));
    essence_ok
        && parts.all(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("charset") && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            })
        })
}

/// Parses bytes into `T` with duplicate-key detection and JSON-path errors.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    from_value(parse_value(bytes)?)
}

/// Deserialises an already parsed value into `T`; errors as [`parse`] (the path is relative to
/// `value`, which for a body part is the body itself).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names a missing field only in its message; an unknown one may or may not be in the path.
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| inner.strip_prefix(p).and_then(|r| r.split('`').next()));
        let param = match named {
            Some(field) if path == "." => field.to_owned(),
            Some(field) if path == field || path.ends_with(&format!(".{field}")) => path,
            Some(field) => format!("{path}.{field}"),
            None if path == "." => String::new(),
            None => path,
        };
        // serde's "invalid type: integer `1`, expected a decimal string like \"1\"" keeps what the
        // field wants; its " at line … column …" suffix (from the raw parser) is dropped.
        let msg = inner.split(" at line ").next().unwrap_or(&inner);
        let msg = if param.is_empty() || named.is_some() { msg.to_owned() } else { format!("`{param}`: {msg}") };
        let mut err =
            ApiError::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, format!("Invalid request body: {msg}."));
        if !param.is_empty() {
            err = err.param(param);
        }
        err
    })
}

/// Parses bytes into a JSON value, refusing duplicate keys at any depth.
pub fn parse_value(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = StrictValue.deserialize(&mut de).and_then(|v| de.end().map(|()| v)).map_err(|e| {
        let msg = e.to_string();
        match msg.strip_prefix("duplicate key `").and_then(|r| r.split('`').next()) {
            Some(k) => ApiError::invalid(k, format!("Duplicate key `{k}` in the request body.")),
            None => ApiError::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, format!("Malformed JSON: {msg}.")),
        }
    })?;
    Ok(v)
}

/// A `serde_json::Value` seed that errors on duplicate object keys (serde_json keeps the last).
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(serde::de::Error::custom(format!("duplicate key `{k}`")));
            }
            let v = map.next_value_seed(StrictValue)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A body that must be empty or `{}` (endpoints whose body is optional and has no fields).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// A PATCH field: absent (leave as is), `null` (clear) or a value (api.md §1.13).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent with a value.
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|o| o.map_or(Patch::Null, Patch::Value))
    }
}

/// Serialises `body` as `application/json; charset=utf-8`.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => bytes_response(status, bytes),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// Wraps serialised JSON bytes.
pub fn bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut res = (status, bytes).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be parsed")]
    struct Body {
        name: String,
        address: Addr,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be parsed")]
    struct Addr {
        city: String,
    }

    #[test]
    fn errors_name_the_json_path() {
        let e = parse::<Body>(br#"{"name":"a","address":{"city":1}}"#).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("address.city"));
        let e = parse::<Body>(br#"{"name":"a","address":{"city":"x","zip":1}}"#).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("address.zip"));
        let e = parse::<Body>(br#"{"name":"a","nam":"b","address":{"city":"x"}}"#).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("nam"));
        let e = parse::<Body>(br#"{"name":"a","name":"b","address":{"city":"x"}}"#).unwrap_err();
        assert_eq!((e.code, e.param.as_deref()), ("invalid_request", Some("name")));
        let e = parse::<Body>(b"{not json").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(parse::<Body>(br#"{"name":"a","address":{"city":"x"}}"#).is_ok());
    }

    #[test]
    fn media_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
        assert!(is_json(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=latin1"));
        assert!(!is_json(&h));
    }
}
