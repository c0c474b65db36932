//! The eight operation types (api.md §7.1), their path segments, and which body fields each takes
//! (§7.4). One handler serves every type; the type comes from the matched route.

use axum::extract::MatchedPath;

use crate::error::ApiError;

/// An operation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `sale`.
    Sale,
    /// `refund`.
    Refund,
    /// `exchange`.
    Exchange,
    /// `void`.
    Void,
    /// `cash_movement`.
    CashMovement,
    /// `deposit`.
    Deposit,
    /// `deposit_capture`.
    DepositCapture,
    /// `training`.
    Training,
}

impl OpKind {
    /// Every type, in the order of api.md §7.1.
    pub const ALL: [Self; 8] = [
        Self::Sale,
        Self::Refund,
        Self::Exchange,
        Self::Void,
        Self::CashMovement,
        Self::Deposit,
        Self::DepositCapture,
        Self::Training,
    ];

    /// The `type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Refund => "refund",
            Self::Exchange => "exchange",
            Self::Void => "void",
            Self::CashMovement => "cash_movement",
            Self::Deposit => "deposit",
            Self::DepositCapture => "deposit_capture",
            Self::Training => "training",
        }
    }

    /// The path segment `{type}`.
    pub const fn segment(self) -> &'static str {
        match self {
            Self::Sale => "sales",
            Self::Refund => "refunds",
            Self::Exchange => "exchanges",
            Self::Void => "voids",
            Self::CashMovement => "cash-movements",
            Self::Deposit => "deposits",
            Self::DepositCapture => "deposit-captures",
            Self::Training => "trainings",
        }
    }

    /// The type of a `type` value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The type whose segment appears in a matched route (`/v1/registers/{registerId}/sales`,
    /// `/v1/sales/{operationId}/complete`).
    pub fn of_route(path: &MatchedPath) -> Result<Self, ApiError> {
        path.as_str()
            .split('/')
            .find_map(|seg| Self::ALL.into_iter().find(|k| k.segment() == seg))
            .ok_or_else(ApiError::not_found)
    }

    /// Types whose lines, discounts and customer follow the sale rules (§7.4 "sale-like").
    pub const fn sale_like(self) -> bool {
        matches!(self, Self::Sale | Self::Training | Self::Deposit | Self::DepositCapture)
    }

    /// The body fields this type's start takes besides the common ones, split into what is
    /// mutable while open (`inputs`) and the references set once at start.
    pub fn fields(self) -> Fields {
        const SALE: &[&str] = &["line_items", "cart_discounts", "customer"];
        const REFS: &[&str] = &["original_operation_id", "original_document", "original_unknown", "reason"];
        match self {
            Self::Sale | Self::Training | Self::Deposit => Fields { inputs: SALE, refs: &[], payments: true },
            Self::DepositCapture => Fields { inputs: SALE, refs: &["original_operation_id"], payments: true },
            Self::Refund => Fields { inputs: &["line_items", "customer"], refs: REFS, payments: true },
            Self::Exchange => Fields {
                inputs: &["line_items", "cart_discounts", "customer", "returned_line_items"],
                refs: REFS,
                payments: true,
            },
            Self::Void => Fields { inputs: &[], refs: &["original_operation_id", "reason"], payments: false },
            Self::CashMovement => {
                Fields { inputs: &["direction", "amount", "reason", "description"], refs: &[], payments: false }
            }
        }
    }
}

/// The type-specific body fields of one type.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Set at start, replaced by PATCH and complete while open.
    pub inputs: &'static [&'static str],
    /// Set at start only (`references`).
    pub refs: &'static [&'static str],
    /// Whether complete (and a one-shot start) takes `payments` and `rounding_adjustment`.
    pub payments: bool,
}
