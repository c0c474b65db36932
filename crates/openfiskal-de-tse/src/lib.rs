//! The German regime (KassenSichV): OpenFiskal's software TSE. This crate turns key material and
//! configuration into the unit's `fiscal_registration` (api.md §6.2 `tse`, de-tse.md §2); log
//! messages, counters and QR codes join it with the operations.

pub mod provision;

pub use provision::{Configuration, TseKeyInfo, configure, provision, valid_client_id};
