//! Repository functions, one module per table family. Each takes a [`crate::Db`] (a read
//! connection or a write transaction) and, for tenant data, the organization id: SQLite has no
//! row-level security, so every query filters by organization itself.

pub mod api_keys;
pub mod closings;
pub mod faults;
pub mod fiscal_units;
pub mod idempotency;
pub mod journal;
pub mod locations;
pub mod operations;
pub mod orgs;
pub mod page;
pub mod registers;
