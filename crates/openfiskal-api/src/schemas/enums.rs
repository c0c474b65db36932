//! Named enum components of the OpenAPI document, each read from the enum that produces the JSON:
//! the core's text enums through their `ALL` lists, the others through their serde names, listed
//! in an exhaustive `match`, so a variant added to the producing enum does not compile until it is
//! documented here.

use std::borrow::Cow;

use openfiskal_core::document::TransmissionStatus as CoreTransmissionStatus;
use openfiskal_core::operation::payment_detail::{
    EntryMode as CoreEntryMode, NotCollectedKind as CoreNotCollectedKind, VoucherKind as CoreVoucherKind,
};
use openfiskal_core::operation::{
    DiscountSource as CoreDiscountSource, DiscountType as CoreDiscountType, LineFlag as CoreLineFlag,
    PaymentDirection as CorePaymentDirection, PaymentMethod as CorePaymentMethod, TaxCategory as CoreTaxCategory,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::routes::operations::kind::OpKind;

/// A string enum schema with `values`.
pub(crate) fn string_enum(description: &str, values: Vec<String>) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(values)).build(),
    ))
}

/// The serde name of a unit variant.
fn serde_name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A named component whose values come from `$values` (an expression yielding `Vec<String>`).
macro_rules! component {
    ($(#[$m:meta])* $schema:ident = $name:literal, $description:literal, $values:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $schema;

        impl $schema {
            /// Every value, in the order the document lists them.
            pub fn values() -> Vec<String> {
                $values
            }
        }

        impl utoipa::PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                string_enum($description, Self::values())
            }
        }

        impl utoipa::ToSchema for $schema {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

/// A component from an enum without a variant list: each variant named once, checked exhaustive.
macro_rules! serde_component {
    ($(#[$m:meta])* $schema:ident = $name:literal, $description:literal, $core:ident { $($variant:ident),+ $(,)? }) => {
        component!($(#[$m])* $schema = $name, $description, {
            // Exhaustive: a new variant of the producing enum fails to compile here until listed.
            let _exhaustive = |v: $core| match v {
                $($core::$variant)|+ => (),
            };
            vec![$(serde_name($core::$variant)),+]
        });
    };
}

component!(
    /// `state` of an operation (api.md §17).
    OperationState = "OperationState",
    "An operation's lifecycle: `open` → `completed` | `cancelled` (both final).",
    openfiskal_core::OperationState::ALL.iter().map(|s| s.as_str().to_owned()).collect()
);

component!(
    /// `fiscal_state` of an operation and `state` of its fiscal document.
    FiscalState = "FiscalState",
    "Whether the operation's latest fiscal step was recorded: `pending`, `succeeded` or `failed`.",
    openfiskal_core::FiscalState::ALL.iter().map(|s| s.as_str().to_owned()).collect()
);

component!(
    /// `state` of a register (api.md §5.3).
    RegisterState = "RegisterState",
    "A register's lifecycle: `active` → `archived` (final).",
    openfiskal_core::RegisterState::ALL.iter().map(|s| s.as_str().to_owned()).collect()
);

component!(
    /// `state` of a fiscal unit (api.md §17).
    FiscalUnitState = "FiscalUnitState",
    "A fiscal unit's lifecycle: `provisioning` → `active` ⇄ `error`; `active` | `error` → `decommissioned`.",
    openfiskal_core::FiscalUnitState::ALL.iter().map(|s| s.as_str().to_owned()).collect()
);

component!(
    /// `type` of an operation (api.md §7.1).
    OperationType = "OperationType",
    "The operation type; its path segment is the plural (`cash_movement` → `cash-movements`).",
    OpKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
);

component!(
    /// A jurisdiction.
    Jurisdiction = "Jurisdiction",
    "The country whose fiscal law applies.",
    openfiskal_core::Jurisdiction::ALL.iter().map(|j| j.as_str().to_owned()).collect()
);

serde_component!(
    /// `transmission_status` of a fiscal document (api.md §9.1).
    TransmissionStatus = "TransmissionStatus",
    "Whether the record reached the authority or its device (DE: stored by the TSE).",
    CoreTransmissionStatus { Pending, Transmitted, Failed }
);

serde_component!(
    /// A tax category (api.md §8.3).
    TaxCategory = "TaxCategory",
    "A tax category; derived from the rate when a line names none.",
    CoreTaxCategory { Standard, Reduced, SuperReduced, Parking, Zero, Exempt }
);

serde_component!(
    /// How a discount is given.
    DiscountType = "DiscountType",
    "`percentage` (with `rate`) or `fixed` (with `amount`).",
    CoreDiscountType { Percentage, Fixed }
);

serde_component!(
    /// Where a discount comes from.
    DiscountSource = "DiscountSource",
    "Where a discount comes from (default `manual`).",
    CoreDiscountSource { Manual, Promotion, Loyalty, Employee, Other }
);

serde_component!(
    /// A line flag (api.md §8.1).
    LineFlag = "LineFlag",
    "A line flag: `deposit` is a container deposit (Pfand), `free_of_charge` an IT omaggio.",
    CoreLineFlag { Deposit, GiftCard, ServiceCharge, Tip, FreeOfCharge }
);

serde_component!(
    /// A payment method (api.md §8.5).
    PaymentMethod = "PaymentMethod",
    "A payment method; `not_collected` is IT only, `other` is refused in IT.",
    CorePaymentMethod { Cash, Card, Wallet, Voucher, GiftCard, Online, Other, NotCollected }
);

serde_component!(
    /// A payment's direction.
    PaymentDirection = "PaymentDirection",
    "`inbound` to the merchant, `outbound` back to the customer (change, refunds).",
    CorePaymentDirection { Inbound, Outbound }
);

serde_component!(
    /// How a card was read.
    EntryMode = "EntryMode",
    "How a card was read.",
    CoreEntryMode { Chip, Contactless, Swipe, Manual }
);

serde_component!(
    /// A voucher's kind.
    VoucherKind = "VoucherKind",
    "A voucher's kind.",
    CoreVoucherKind { SinglePurpose, MultiPurpose, Promotional, Meal }
);

serde_component!(
    /// What an IT `not_collected` payment leaves unpaid.
    NotCollectedKind = "NotCollectedKind",
    "What an IT `not_collected` payment leaves unpaid.",
    CoreNotCollectedKind { Goods, Services, Invoice, Ssn }
);

component!(
    /// A cash movement's direction.
    CashMovementDirection = "CashMovementDirection",
    "Cash into (`in`) or out of (`out`) the drawer.",
    ["in", "out"].map(str::to_owned).to_vec()
);

component!(
    /// A cash movement's reason (api.md §7.4).
    CashMovementReason = "CashMovementReason",
    "Why cash moved; DE maps it to the DSFinV-K business case.",
    ["float", "safe_drop", "banking", "payout", "pay_in", "other"].map(str::to_owned).to_vec()
);

component!(
    /// `state` of a closing (api.md §10).
    ClosingState = "ClosingState",
    "`pending` (being built), `completed`, `transmitted` (accepted by the authority) or `failed`.",
    ["pending", "completed", "transmitted", "failed"].map(str::to_owned).to_vec()
);

component!(
    /// `trigger` of a closing (api.md §10).
    ClosingTrigger = "ClosingTrigger",
    "`manual` (requested over the API); OpenFiskal's own closings use the others.",
    ["manual", "scheduled", "safety", "counter_exhausted", "decommission"].map(str::to_owned).to_vec()
);

component!(
    /// `system_type` of an Austrian unit.
    RksvSystemType = "RksvSystemType",
    "`closed` (the key is named `U:<UID>-K<n>`) or `open` (a certificate).",
    ["closed", "open"].map(str::to_owned).to_vec()
);

component!(
    /// `finanzonline_status` of an Austrian unit.
    FinanzOnlineStatus = "FinanzOnlineStatus",
    "`not_configured` (no FinanzOnline credentials; never a fake success), `pending`, `registered`, `failed`.",
    ["not_configured", "pending", "registered", "failed"].map(str::to_owned).to_vec()
);

component!(
    /// `unit_kind` of an Italian unit.
    RtUnitKind = "RtUnitKind",
    "`software` (OpenFiskal's own unit) or `device` (a certified RT printer or server).",
    ["software", "device"].map(str::to_owned).to_vec()
);

component!(
    /// The derived status of a register (api.md §5.5).
    RegisterHealth = "RegisterHealth",
    "From the heartbeats: `operational`, `degraded` (self-reported), `offline` (late), `stale` (none for long).",
    ["operational", "degraded", "offline", "stale"].map(str::to_owned).to_vec()
);

component!(
    /// The deprecated `fiscal_state` of a register (api.md §5.2).
    RegisterFiscalState = "RegisterFiscalState",
    "Deprecated (use `active_fiscal_unit`): `pending`, `active`, `inactive`, `error`.",
    ["pending", "active", "inactive", "error"].map(str::to_owned).to_vec()
);
