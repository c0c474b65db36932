//! The Austrian regime (RKSV): Kassen-ID, key identifiers and the `rksv` registration. The receipt
//! chain, JWS, turnover counter and DEP7 join it with the operations.

pub mod provision;

pub use provision::{AtKeyInfo, Configuration, SystemType, configure, provision, valid_cash_register_id};
