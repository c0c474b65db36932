//! Key material that is not fiscal: API credentials (api.md §2.1) and the installation's
//! key-encryption key (ARCHITECTURE.md §9). Synchronous and IO-light.

pub mod apikey;
pub mod kek;

pub use apikey::{ApiKeyKind, GeneratedKey, KeyMode, ParsedKey};
pub use kek::{Kek, KekError, OpenError};
