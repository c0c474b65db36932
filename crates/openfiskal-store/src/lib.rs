//! The store seam (ARCHITECTURE.md §8): one [`Store`] over two real backends, SQLite (the embedded
//! default) and PostgreSQL (the scale-out engine). Each repository function is written once and
//! compiled for both through [`on_backend!`]; migrations live in `migrations/{sqlite,postgres}/` with
//! the same versions. Writes go through a [`Tx`] so a change and its stored idempotent response
//! commit together (api.md §1.9, §3.4).

pub(crate) mod backend;
mod error;
pub mod repo;
mod writer;

pub use backend::{Backend, Conn, Db, Store, Tx};
pub use error::{ConflictKind, StoreError, UNIQUE_CONSTRAINTS};
pub use repo::page::{Page, PageQuery};
