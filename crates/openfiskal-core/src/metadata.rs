//! `metadata` limits (api.md §1.13): at most 50 keys, each key 1–40 characters, each value at most
//! 500 characters when serialised as JSON. Values are stored as-is and never interpreted.

use serde_json::{Map, Value};

/// Maximum number of keys.
pub const MAX_KEYS: usize = 50;
/// Maximum key length in characters.
pub const MAX_KEY_CHARS: usize = 40;
/// Maximum serialised value length in characters.
pub const MAX_VALUE_CHARS: usize = 500;

/// Checks the limits; the error names the offending key.
pub fn check(meta: &Map<String, Value>) -> Result<(), String> {
    if meta.len() > MAX_KEYS {
        return Err(format!("metadata may hold at most {MAX_KEYS} keys"));
    }
    for (k, v) in meta {
        let n = k.chars().count();
        if n == 0 || n > MAX_KEY_CHARS {
            return Err(format!("metadata keys must be 1-{MAX_KEY_CHARS} characters"));
        }
        if v.to_string().chars().count() > MAX_VALUE_CHARS {
            return Err(format!("metadata value of `{k}` exceeds {MAX_VALUE_CHARS} characters"));
        }
    }
    Ok(())
}

/// PATCH merge (api.md §1.13): keys are merged one by one; a key set to `null` is removed.
pub fn merge(base: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            base.remove(&k);
        } else {
            base.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits() {
        let ok = json!({"a": 1, "b": {"nested": [1, 2]}});
        assert!(check(ok.as_object().unwrap()).is_ok());
        let long_key = json!({"k".repeat(41): 1});
        assert!(check(long_key.as_object().unwrap()).is_err());
        let long_val = json!({"k": "x".repeat(499)});
        assert!(check(long_val.as_object().unwrap()).is_err(), "quotes count too");
        let many: Map<String, Value> = (0..51).map(|i| (i.to_string(), json!(i))).collect();
        assert!(check(&many).is_err());
    }

    #[test]
    fn merge_removes_nulls() {
        let mut base = json!({"a": 1, "b": 2}).as_object().unwrap().clone();
        merge(&mut base, json!({"a": null, "c": 3}).as_object().unwrap().clone());
        assert_eq!(Value::Object(base), json!({"b": 2, "c": 3}));
    }
}
