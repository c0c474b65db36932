//! Typed identifiers (api.md §1.3): a type prefix plus a ULID (Crockford base32, upper case,
//! 26 characters). Parsed once at the edge; past it an id is valid by construction.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

/// Why a string is not an id of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix is missing or another type's.
    #[error("expected an id starting with `{0}`")]
    WrongPrefix(&'static str),
    /// The part after the prefix is not an upper-case ULID.
    #[error("malformed id")]
    Malformed,
}

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            /// The type prefix, e.g. `org_`.
            pub const PREFIX: &'static str = $prefix;

            /// Wraps a freshly generated ULID.
            pub fn from_ulid(u: Ulid) -> Self {
                Self(u)
            }

            /// The ULID inside.
            pub fn ulid(self) -> Ulid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                let body = s.strip_prefix($prefix).ok_or(IdError::WrongPrefix($prefix))?;
                parse_ulid(body).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Ids are case-sensitive: only the canonical upper-case form is accepted.
fn parse_ulid(body: &str) -> Result<Ulid, IdError> {
    if body.len() != 26 || body.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(IdError::Malformed);
    }
    Ulid::from_string(body).map_err(|_| IdError::Malformed)
}

define_id!(
    /// An organization (`org_…`).
    OrgId, "org_"
);
define_id!(
    /// A location (`loc_…`).
    LocationId, "loc_"
);
define_id!(
    /// A register (`reg_…`).
    RegisterId, "reg_"
);
define_id!(
    /// A fiscal unit (`fu_…`).
    FiscalUnitId, "fu_"
);
define_id!(
    /// An API key or setup token record (`key_…`).
    KeyId, "key_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = OrgId::from_ulid(Ulid::from_parts(1, 2));
        let s = id.to_string();
        assert!(s.starts_with("org_") && s.len() == 30);
        assert_eq!(s.parse::<OrgId>().unwrap(), id);
    }

    #[test]
    fn rejects_other_prefixes_and_case() {
        assert_eq!("loc_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".parse::<OrgId>(), Err(IdError::WrongPrefix("org_")));
        assert_eq!("org_01jn3q8w6zk4t5v7x9y2b3c4d5".parse::<OrgId>(), Err(IdError::Malformed));
        assert_eq!("org_01JN3Q8W6ZK4".parse::<OrgId>(), Err(IdError::Malformed));
        assert!("org_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".parse::<OrgId>().is_ok());
    }
}
