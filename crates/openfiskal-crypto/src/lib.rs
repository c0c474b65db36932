//! OpenFiskal's key material, synchronous and IO-free: API credentials (api.md §2.1), the
//! installation's key-encryption key and key wrapping (ARCHITECTURE.md §9), and the fiscal keys of
//! the three regimes: software signing keys and the `Signer` seam, the DE TSE serial and self-run CA
//! (de-tse.md §2, §9), the IT sandbox CA (it-rt.md §9.5), and the AT turnover-counter key
//! (at-rksv.md §5, §12.10).

pub mod apikey;
pub mod ca;
mod ca_core;
pub mod kek;
pub mod keys;
pub mod rksv;
pub mod rt;
pub mod signer;
pub mod tse;
pub mod wrap;
pub mod x509;
mod x509_parts;

#[cfg(test)]
mod openssl_cli;

pub use apikey::{ApiKeyKind, GeneratedKey, KeyMode, ParsedKey};
pub use ca::TseCa;
pub use kek::{Kek, KekError, OpenError};
pub use keys::{KeyError, KeyKind, SoftwareKey, ec_spki_from_point};
pub use rksv::{RngError, aes_key_checksum, generate_turnover_key, turnover_key_base64};
pub use rt::RtSandboxCa;
pub use signer::{SignError, SignatureAlgorithm, Signer};
pub use tse::{public_key_base64, tse_serial};
pub use wrap::{UnwrapError, WrapError, unwrap_key, unwrap_secret, wrap_aad, wrap_key, wrap_secret};
pub use x509::{CertError, IssuedCert};
