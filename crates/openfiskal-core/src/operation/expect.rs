//! Deserialisation that says what a field wants: a wrong JSON type reads
//! ``invalid type: integer `1`, expected a decimal string like "1"`` instead of serde's generic
//! "expected a string", so the API's 400 names both the field and its format.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads a JSON string; any other type fails with `expecting` as the wanted format.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D, expecting: &'static str) -> Result<String, D::Error> {
    d.deserialize_str(Str(expecting))
}

/// Reads a JSON integer that fits `i64`; any other type fails with `expecting` as the wanted format.
pub(crate) fn integer<'de, D: Deserializer<'de>>(d: D, expecting: &'static str) -> Result<i64, D::Error> {
    d.deserialize_i64(Int(expecting))
}

struct Str(&'static str);

impl Visitor<'_> for Str {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

struct Int(&'static str);

impl Visitor<'_> for Int {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Money, Quantity, TaxRate};

    #[test]
    fn a_wrong_type_names_the_wanted_format() {
        let e = serde_json::from_str::<Quantity>("1").unwrap_err().to_string();
        assert!(e.starts_with(r#"invalid type: integer `1`, expected a decimal string like "1""#), "{e}");
        let e = serde_json::from_str::<Money>("19.9").unwrap_err().to_string();
        assert!(e.starts_with("invalid type: floating point `19.9`, expected an integer amount in minor units"), "{e}");
        let e = serde_json::from_str::<TaxRate>("0.19").unwrap_err().to_string();
        assert!(e.starts_with(r#"invalid type: floating point `0.19`, expected a decimal string like "0.19""#), "{e}");
    }
}
