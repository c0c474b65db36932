//! List parameters and cursors (api.md §1.8). `limit` 1–200 (default 50); `from` inclusive and
//! `to` exclusive on `created_at`; the cursor is opaque (base64url JSON) and bound to the query, so
//! reusing it with other filters is a `400`.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openfiskal_core::Timestamp;
use openfiskal_store::{Page, PageQuery};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::error::ApiError;

/// Parsed list parameters of a request.
#[derive(Debug, Clone)]
pub struct ListParams {
    /// What the store needs.
    pub page: PageQuery,
    binding: String,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    t: i64,
    i: String,
    q: String,
}

/// The query parameters every list accepts.
const KNOWN: [&str; 4] = ["limit", "cursor", "from", "to"];

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(q) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::invalid("query", "Malformed query string."))?;
        if let Some(k) = q.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(ApiError::invalid(k.clone(), format!("Unknown query parameter `{k}`.")));
        }
        Self::parse(parts.uri.path(), &q)
    }
}

impl ListParams {
    /// Parses the parameters of a list that also takes the filters `extra`; unknown parameters are
    /// refused, and the cursor is bound to the filters' values too.
    pub fn parse_with(path: &str, q: &HashMap<String, String>, extra: &[&str]) -> Result<Self, ApiError> {
        if let Some(k) = q.keys().find(|k| !KNOWN.contains(&k.as_str()) && !extra.contains(&k.as_str())) {
            return Err(ApiError::invalid(k.clone(), format!("Unknown query parameter `{k}`.")));
        }
        let filters: Vec<String> = extra.iter().map(|k| format!("{k}={:?}", q.get(*k))).collect();
        Self::parse(&format!("{path}|{}", filters.join("&")), q)
    }

    /// Parses and checks the parameters for the list at `path`.
    pub fn parse(path: &str, q: &HashMap<String, String>) -> Result<Self, ApiError> {
        let limit = match q.get("limit") {
            None => 50,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| ApiError::invalid("limit", "limit must be an integer from 1 to 200."))?,
        };
        let time = |name: &str| -> Result<Option<i64>, ApiError> {
            q.get(name)
                .map(|s| {
                    Timestamp::parse_rfc3339(s)
                        .map(Timestamp::as_micros)
                        .map_err(|_| ApiError::invalid(name, format!("{name} must be an RFC 3339 timestamp.")))
                })
                .transpose()
        };
        let (from, to) = (time("from")?, time("to")?);
        let binding = hex::encode(Sha256::digest(format!("{path}|{from:?}|{to:?}")));
        let after = match q.get("cursor") {
            None => None,
            Some(c) => {
                let bad = || ApiError::invalid("cursor", "The cursor is invalid or belongs to another query.");
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
                let cur: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
                if cur.q != binding {
                    return Err(bad());
                }
                Some((cur.t, cur.i))
            }
        };
        Ok(Self { page: PageQuery { limit, after, from, to }, binding })
    }

    /// The list body for a page whose rows have `(created_at, id)` given by `key`.
    pub fn body<R, T: Serialize>(
        &self,
        page: Page<R>,
        key: impl Fn(&R) -> (i64, String),
        map: impl Fn(R) -> Result<T, ApiError>,
    ) -> Result<ListBody<T>, ApiError> {
        let next_cursor = match (page.has_more, page.items.last()) {
            (true, Some(last)) => {
                let (t, i) = key(last);
                let json = serde_json::to_vec(&Cursor { t, i, q: self.binding.clone() })
                    .map_err(|e| ApiError::internal(&e))?;
                Some(URL_SAFE_NO_PAD.encode(json))
            }
            _ => None,
        };
        let data = page.items.into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
        Ok(ListBody { object: "list", data, has_more: page.has_more, cursor: next_cursor.clone(), next_cursor })
    }
}

/// `{"object":"list","data":[…],"has_more":…,"next_cursor":…,"cursor":…}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListBody<T> {
    /// Always `list`.
    pub object: &'static str,
    /// The page, newest first.
    pub data: Vec<T>,
    /// True when another page follows.
    pub has_more: bool,
    /// Cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
    /// Same as `next_cursor`.
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn limits_and_times() {
        assert_eq!(ListParams::parse("/x", &q(&[])).unwrap().page.limit, 50);
        for bad in ["0", "201", "-1", "abc"] {
            assert_eq!(ListParams::parse("/x", &q(&[("limit", bad)])).unwrap_err().param.as_deref(), Some("limit"));
        }
        assert!(ListParams::parse("/x", &q(&[("from", "yesterday")])).is_err());
        assert!(ListParams::parse("/x", &q(&[("from", "2026-01-01T00:00:00Z")])).is_ok());
    }

    #[test]
    fn cursor_is_bound_to_the_query() {
        let p = ListParams::parse("/x", &q(&[("from", "2026-01-01T00:00:00Z")])).unwrap();
        let page = Page { items: vec![(5_i64, "a".to_owned())], has_more: true };
        let body = p.body(page, |r| r.clone(), |r| Ok(r.1)).unwrap();
        let c = body.next_cursor.unwrap();
        let same = ListParams::parse("/x", &q(&[("from", "2026-01-01T00:00:00Z"), ("cursor", &c)])).unwrap();
        assert_eq!(same.page.after, Some((5, "a".to_owned())));
        assert!(ListParams::parse("/x", &q(&[("cursor", &c)])).is_err(), "filters changed");
        assert!(ListParams::parse("/y", &q(&[("from", "2026-01-01T00:00:00Z"), ("cursor", &c)])).is_err());
        assert!(ListParams::parse("/x", &q(&[("cursor", "garbage")])).is_err());
    }
}
