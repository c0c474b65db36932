//! The typed states of api.md §17 and the one [`Jurisdiction`]: what the store keeps as text and
//! the API shows, parsed once at the edge of the store, with every allowed transition a method.
//! A transition the state machine does not have is an error value ([`TransitionError`]), so code
//! never compares or writes state strings.

use std::fmt;
use std::str::FromStr;

/// A value of a text enum that is not one of its variants (a corrupt row or a bad parameter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownValue {
    /// Which enum.
    pub kind: &'static str,
    /// What was read.
    pub value: String,
}

/// A transition the state machine does not allow (api.md §17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{machine}: no transition from {from} to {to}")]
pub struct TransitionError {
    /// Which machine.
    pub machine: &'static str,
    /// The current state.
    pub from: &'static str,
    /// The state asked for.
    pub to: &'static str,
}

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $kind:literal { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The text the store keeps and the API shows.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownValue { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, UnknownValue> {
                s.parse()
            }
        }
    };
}

text_enum! {
    /// A register's jurisdiction: the country whose fiscal law applies.
    Jurisdiction, "jurisdiction" {
        /// Germany: KassenSichV, a TSE.
        De = "DE",
        /// Austria: RKSV, a signature chain.
        At = "AT",
        /// Italy: an RT (registratore telematico).
        It = "IT",
    }
}

impl Jurisdiction {
    /// The name of the regime in fiscal documents (`operation.fiscal.regime`, api.md §9).
    pub const fn regime(self) -> &'static str {
        match self {
            Self::De => "tse",
            Self::At => "rksv",
            Self::It => "rt",
        }
    }
}

text_enum! {
    /// A register's lifecycle (api.md §5.3): `active` → `archived` (final).
    RegisterState, "register state" {
        /// Takes operations (with an active fiscal unit).
        Active = "active",
        /// Deactivated for good; every write answers `409 register_archived`.
        Archived = "archived",
    }
}

impl RegisterState {
    /// `active` → `archived`.
    pub fn archive(self) -> Result<Self, TransitionError> {
        if self == Self::Active {
            Ok(Self::Archived)
        } else {
            Err(TransitionError { machine: "register", from: self.as_str(), to: Self::Archived.as_str() })
        }
    }
}

text_enum! {
    /// An operation's lifecycle (api.md §17): `open` → `completed` | `cancelled`.
    OperationState, "operation state" {
        /// Started; PATCH, complete and cancel are allowed.
        Open = "open",
        /// Completed; final.
        Completed = "completed",
        /// Cancelled; final, never a receipt.
        Cancelled = "cancelled",
    }
}

impl OperationState {
    fn to(self, to: Self, allowed: bool) -> Result<Self, TransitionError> {
        if allowed {
            Ok(to)
        } else {
            Err(TransitionError { machine: "operation", from: self.as_str(), to: to.as_str() })
        }
    }

    /// `open` → `completed`.
    pub fn complete(self) -> Result<Self, TransitionError> {
        self.to(Self::Completed, self == Self::Open)
    }

    /// `open` → `cancelled`.
    pub fn cancel(self) -> Result<Self, TransitionError> {
        self.to(Self::Cancelled, self == Self::Open)
    }
}

text_enum! {
    /// Whether an operation's latest fiscal step happened (api.md §17): each step (a DE start, a
    /// completion, a fiscalize) ends `succeeded` or `failed`; which steps may run is the operation's
    /// rule ([`OperationState`] and the callers' matches on both states).
    FiscalState, "fiscal state" {
        /// Not recorded yet (or being recorded).
        Pending = "pending",
        /// Recorded and signed.
        Succeeded = "succeeded",
        /// The device failed; fiscalize records it later.
        Failed = "failed",
    }
}

impl FiscalState {
    /// The outcome of a fiscal step: `succeeded` or `failed`.
    pub const fn of_step(ok: bool) -> Self {
        if ok { Self::Succeeded } else { Self::Failed }
    }
}

text_enum! {
    /// A fiscal unit's lifecycle (api.md §17): `provisioning` → `active` ⇄ `error`, and
    /// `active` | `error` → `decommissioned` (final).
    FiscalUnitState, "fiscal unit state" {
        /// Waiting for its device.
        Provisioning = "provisioning",
        /// The only state that accepts fiscal events.
        Active = "active",
        /// Its device failed; recovered by the probe or `recover`.
        Error = "error",
        /// Retired for good.
        Decommissioned = "decommissioned",
    }
}

impl FiscalUnitState {
    fn to(self, to: Self, allowed: bool) -> Result<Self, TransitionError> {
        if allowed {
            Ok(to)
        } else {
            Err(TransitionError { machine: "fiscal unit", from: self.as_str(), to: to.as_str() })
        }
    }

    /// `provisioning` | `error` → `active`.
    pub fn activate(self) -> Result<Self, TransitionError> {
        self.to(Self::Active, matches!(self, Self::Provisioning | Self::Error))
    }

    /// `active` (or already `error`) → `error`, after a device failure.
    pub fn fail(self) -> Result<Self, TransitionError> {
        self.to(Self::Error, matches!(self, Self::Active | Self::Error))
    }

    /// `active` | `error` → `decommissioned`.
    pub fn decommission(self) -> Result<Self, TransitionError> {
        self.to(Self::Decommissioned, matches!(self, Self::Active | Self::Error))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_unknown_text_is_an_error() {
        for s in OperationState::ALL {
            assert_eq!(s.as_str().parse::<OperationState>().unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for j in Jurisdiction::ALL {
            assert_eq!(Jurisdiction::try_from(j.to_string()).unwrap(), *j);
        }
        assert_eq!(FiscalUnitState::ALL.len(), 4);
        let e = "Completed".parse::<OperationState>().unwrap_err();
        assert_eq!(e.to_string(), "unknown operation state `Completed`");
        assert!(serde_json::from_str::<Jurisdiction>("\"FR\"").is_err());
        assert_eq!(Jurisdiction::At.regime(), "rksv");
    }

    #[test]
    fn only_the_transitions_of_the_state_machines_exist() {
        use FiscalState as F;
        use FiscalUnitState as U;
        use OperationState as O;
        assert_eq!(O::Open.complete(), Ok(O::Completed));
        assert_eq!(O::Open.cancel(), Ok(O::Cancelled));
        for s in [O::Completed, O::Cancelled] {
            assert!(s.complete().is_err() && s.cancel().is_err(), "{s} is final");
        }
        assert_eq!((F::of_step(true), F::of_step(false)), (F::Succeeded, F::Failed));
        assert_eq!(RegisterState::Active.archive(), Ok(RegisterState::Archived));
        assert!(RegisterState::Archived.archive().is_err());
        assert_eq!(U::Provisioning.activate(), Ok(U::Active));
        assert_eq!(U::Error.activate(), Ok(U::Active));
        assert_eq!(U::Active.fail(), Ok(U::Error));
        assert!(U::Provisioning.fail().is_err() && U::Decommissioned.activate().is_err());
        assert!(U::Provisioning.decommission().is_err() && U::Decommissioned.decommission().is_err());
        let e = U::Decommissioned.activate().unwrap_err();
        assert_eq!(e.to_string(), "fiscal unit: no transition from decommissioned to active");
    }
}
