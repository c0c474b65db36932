//! OpenFiskal's pure domain: identifiers, time, the injected clock and id generator, and the
//! validation rules of organizations and locations (api.md §1.3–§1.5, §1.13, §4). No IO, no async.

pub mod clock;
pub mod closing;
pub mod codes;
pub mod document;
pub mod id;
pub mod metadata;
pub mod operation;
pub mod org;
pub mod period;
pub mod regime;
pub mod state;
pub mod time;

pub use clock::{Clock, IdGen, ManualClock, SeqIdGen, SystemClock, UlidGen};
pub use id::{FiscalUnitId, IdError, KeyId, LocationId, OrgId, RegisterId};
pub use state::{
    FiscalState, FiscalUnitState, Jurisdiction, OperationState, RegisterState, TransitionError, UnknownValue,
};
pub use time::Timestamp;
