//! The Italian regime (RT): matricola and the `rt` registration. Documents, the journal, the daily
//! XML and its signature join it with the operations.

pub mod provision;

pub use provision::{Configuration, RtKeyInfo, UnitKind, configure, provision, valid_rt_serial};
