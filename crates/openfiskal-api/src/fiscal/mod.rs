//! The fiscal services behind the routes: provisioning through the regime seam, the unit
//! lifecycle (decommission, recover), device checks and register credentials. Routes stay thin;
//! the rules of api.md §5–§6 and §17 live here.

pub mod device;
pub mod journal;
pub mod keys;
pub mod lifecycle;
pub mod provision;
pub mod tse;
