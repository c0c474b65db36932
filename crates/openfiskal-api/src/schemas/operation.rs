//! The operation as the API shows it (api.md §7.2; `routes::operations::render::operation_json`),
//! its type-specific `data` block (§7.4) and its `tse` fiscal document (§9.2,
//! `openfiskal_core::document::TseDocument`). Schema-only types.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, Ref, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::enums::{
    CashMovementDirection, CashMovementReason, FiscalState, OperationState, OperationType, TransmissionStatus,
};
use super::model::{Customer, Discount, LineItem, Payment, TaxBreakdownEntry, Totals};
use crate::routes::operations::{Cashier, OriginalDocument};

/// A signed TSE log (StartTransaction or FinishTransaction).
#[derive(ToSchema)]
pub struct TseEvent {
    /// The log time (whole seconds, UTC).
    #[schema(format = DateTime)]
    pub signed_at: String,
    /// The TSE signature counter of this log.
    pub transaction_counter: i64,
    /// Plain r‖s, Base64.
    pub signature: String,
    /// processType (empty at StartTransaction; `Kassenbeleg-V1` at finish).
    pub process_type: String,
    /// processData (empty at StartTransaction), e.g. `Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar`.
    pub process_data: String,
}

/// Why the TSE could not sign; the receipt prints "TSE ausgefallen".
#[derive(ToSchema)]
pub struct TseFailure {
    /// Prose, `TSE …`.
    pub reason: String,
    /// When it failed.
    #[schema(format = DateTime)]
    pub since: String,
}

/// What the receipt's QR code carries.
#[derive(ToSchema)]
pub struct Verification {
    /// The text to encode in the QR code as it is (DE: the DSFinV-K V0 string), once signed.
    #[schema(required = true)]
    pub qr_data: Option<String>,
    /// A verification URL (none in DE).
    #[schema(required = true)]
    pub url: Option<String>,
}

/// The German fiscal document, `regime` `tse` (api.md §9.2): present from the start, its fields
/// `null` until known.
#[derive(ToSchema)]
pub struct TseDocument {
    /// Always `tse`.
    #[schema(pattern = "^tse$")]
    pub regime: String,
    /// Mirrored by the operation's `fiscal_state`.
    pub state: FiscalState,
    /// The unit that signs.
    pub fiscal_unit_id: String,
    /// `YYYY-NNNNNN` (per register), once completed; `null` for cancelled operations.
    #[schema(required = true)]
    pub document_number: Option<String>,
    /// `Kassenbeleg` once completed.
    #[schema(required = true)]
    pub document_type: Option<String>,
    /// `transmitted` once both logs are stored by the TSE.
    pub transmission_status: TransmissionStatus,
    /// When it was recorded.
    #[schema(required = true, format = DateTime)]
    pub transmitted_at: Option<String>,
    /// A training operation (`AVTraining`).
    pub training: bool,
    /// The TSE's serial (hex of SHA-256 of its public key).
    #[schema(required = true)]
    pub tse_serial: Option<String>,
    /// The register's client id at the TSE.
    #[schema(required = true)]
    pub client_id: Option<String>,
    /// `ecdsa-plain-SHA384` or `ecdsa-plain-SHA256`.
    #[schema(required = true)]
    pub signature_algorithm: Option<String>,
    /// `unixTime`.
    #[schema(required = true)]
    pub time_format: Option<String>,
    /// The TSE transaction, shared by start and finish.
    #[schema(required = true)]
    pub transaction_number: Option<i64>,
    /// The TSE's public key, Base64.
    #[schema(required = true)]
    pub public_key: Option<String>,
    /// The StartTransaction log.
    #[schema(required = true)]
    pub start_event: Option<TseEvent>,
    /// The FinishTransaction log (complete or cancel).
    #[schema(required = true)]
    pub end_event: Option<TseEvent>,
    /// Set when the TSE failed for this operation; stays after a later fiscalize.
    #[schema(required = true)]
    pub tse_failure: Option<TseFailure>,
    /// The QR code.
    pub verification: Verification,
}

/// `references`: set at start, immutable.
#[derive(ToSchema)]
pub struct OperationReferences {
    /// `op_…` of the original (refund, exchange, void, deposit capture).
    #[schema(required = true)]
    pub original_operation_id: Option<String>,
    /// Free text, ≤ 500.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// IT only: an original issued outside OpenFiskal.
    #[schema(required = true)]
    pub original_document: Option<OriginalDocument>,
    /// IT only: the original is unknown (printed `ND`).
    pub original_unknown: bool,
}

/// A non-blocking note on an operation.
#[derive(ToSchema)]
pub struct OperationWarning {
    /// Machine code, e.g. `tse_failure`.
    pub code: String,
    /// Prose.
    pub message: String,
}

/// `data` of a sale, training or deposit.
#[derive(ToSchema)]
pub struct SaleData {
    /// `EUR`.
    pub currency: String,
    /// The computed lines.
    pub line_items: Vec<LineItem>,
    /// The computed cart discounts.
    pub cart_discounts: Vec<Discount>,
    /// The totals.
    pub totals: Totals,
    /// The payments (`[]` before completion).
    pub payments: Vec<Payment>,
    /// The customer.
    #[schema(required = true)]
    pub customer: Option<Customer>,
}

/// What a deposit capture deducts: the deposit's gross per tax bucket.
#[derive(ToSchema)]
pub struct DepositApplication {
    /// The captured deposit.
    pub deposit_operation_id: String,
    /// Its `total_gross`, in cents.
    pub amount: i64,
    /// Its tax breakdown.
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
}

/// `data` of a deposit capture: the full goods, minus the deposit (`totals.deposit_applied`).
#[derive(ToSchema)]
pub struct DepositCaptureData {
    /// `EUR`.
    pub currency: String,
    /// The computed lines (the full goods).
    pub line_items: Vec<LineItem>,
    /// The computed cart discounts.
    pub cart_discounts: Vec<Discount>,
    /// The totals; `net_payable` = `total_gross − deposit_applied`.
    pub totals: Totals,
    /// The payments (`[]` before completion).
    pub payments: Vec<Payment>,
    /// The customer.
    #[schema(required = true)]
    pub customer: Option<Customer>,
    /// What the deposit covers.
    pub deposit_application: DepositApplication,
}

/// `data` of a refund: the returned lines; amounts positive, `totals.net_payable` negative.
#[derive(ToSchema)]
pub struct RefundData {
    /// `EUR`.
    pub currency: String,
    /// The returned lines (`original_line_id` set with an original operation).
    pub line_items: Vec<LineItem>,
    /// The totals of the returned lines.
    pub totals: Totals,
    /// The payments (`[]` before completion).
    pub payments: Vec<Payment>,
    /// The customer.
    #[schema(required = true)]
    pub customer: Option<Customer>,
    /// True when no lines were sent and everything still refundable was refunded.
    pub full_refund: bool,
}

/// `data` of an exchange: returned lines and new lines.
#[derive(ToSchema)]
pub struct ExchangeData {
    /// `EUR`.
    pub currency: String,
    /// The returned lines.
    pub returned_line_items: Vec<LineItem>,
    /// The new lines.
    pub line_items: Vec<LineItem>,
    /// Cart discounts (new lines only).
    pub cart_discounts: Vec<Discount>,
    /// Totals of the returned lines.
    pub returned_totals: Totals,
    /// Totals of the new lines; `net_payable` = `total_gross − returned_totals.total_gross`.
    pub totals: Totals,
    /// The payments (`[]` before completion).
    pub payments: Vec<Payment>,
    /// The customer.
    #[schema(required = true)]
    pub customer: Option<Customer>,
}

/// `data` of a cash movement.
#[derive(ToSchema)]
pub struct CashMovementData {
    /// In or out of the drawer.
    pub direction: CashMovementDirection,
    /// Cents, > 0.
    pub amount: i64,
    /// `EUR`.
    pub currency: String,
    /// Why.
    pub reason: CashMovementReason,
    /// ≤ 200 characters.
    #[schema(required = true)]
    pub description: Option<String>,
}

/// `data` of an operation, by its `type`: sale, training, deposit → [`SaleData`]; deposit capture
/// → [`DepositCaptureData`]; refund → [`RefundData`]; exchange → [`ExchangeData`]; cash movement →
/// [`CashMovementData`]; void → the original's block (`net_payable` negated, payments reversed).
/// The most specific shapes come first.
pub struct OperationData;

impl PartialSchema for OperationData {
    fn schema() -> RefOr<Schema> {
        let mut any = AnyOfBuilder::new().description(Some(
            "The type's block (api.md §7.4): `sale`, `training`, `deposit`: SaleData; `deposit_capture`: \
             DepositCaptureData; `refund`: RefundData; `exchange`: ExchangeData; `cash_movement`: \
             CashMovementData; `void`: the original's block with `totals.net_payable` negated and the \
             payments' directions reversed.",
        ));
        for name in Self::shapes() {
            any = any.item(Ref::from_schema_name(name));
        }
        RefOr::T(Schema::AnyOf(any.build()))
    }
}

impl OperationData {
    /// The shapes, most specific first.
    fn shapes() -> [Cow<'static, str>; 5] {
        [
            ExchangeData::name(),
            DepositCaptureData::name(),
            RefundData::name(),
            SaleData::name(),
            CashMovementData::name(),
        ]
    }
}

impl ToSchema for OperationData {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in [
            (ExchangeData::name(), ExchangeData::schema()),
            (DepositCaptureData::name(), DepositCaptureData::schema()),
            (RefundData::name(), RefundData::schema()),
            (SaleData::name(), SaleData::schema()),
            (CashMovementData::name(), CashMovementData::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
        ExchangeData::schemas(schemas);
        DepositCaptureData::schemas(schemas);
        RefundData::schemas(schemas);
        SaleData::schemas(schemas);
        CashMovementData::schemas(schemas);
    }
}

/// An operation (api.md §7.2). Responses carry `ETag: "<resource_version>"`.
#[derive(ToSchema)]
pub struct Operation {
    /// `op_…`
    pub id: String,
    /// Always `operation`.
    #[schema(pattern = "^operation$")]
    pub object: String,
    /// The type.
    #[serde(rename = "type")]
    pub kind: OperationType,
    /// `open` → `completed` | `cancelled`.
    pub state: OperationState,
    /// Equal to `fiscal.state`; print fiscal data only when `succeeded`.
    pub fiscal_state: FiscalState,
    /// The organization.
    pub organization_id: String,
    /// The register's location.
    pub location_id: String,
    /// The register.
    pub register_id: String,
    /// The unit current at start.
    pub fiscal_unit_id: String,
    /// The start body's `id` (a client UUID).
    #[schema(required = true)]
    pub client_operation_id: Option<String>,
    /// POS reference, ≤ 255.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// Gapless per register, assigned at start.
    pub sequence_number: i64,
    /// True only for `training`.
    pub training: bool,
    /// The cashier.
    pub cashier: Cashier,
    /// The original and reason (refund, exchange, void, deposit capture).
    pub references: OperationReferences,
    /// The type's block.
    pub data: OperationData,
    /// The fiscal document (DE: `tse`).
    pub fiscal: TseDocument,
    /// Non-blocking notes.
    pub warnings: Vec<OperationWarning>,
    /// Arbitrary key-value pairs (api.md §1.13).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// The daily closing that covers it.
    #[schema(required = true)]
    pub closing_id: Option<String>,
    /// Bumped by every change; send it as `If-Match`.
    pub resource_version: i64,
    /// Device time sent at start.
    #[schema(required = true, format = DateTime)]
    pub occurred_at: Option<String>,
    /// Device time sent at complete.
    #[schema(required = true, format = DateTime)]
    pub completed_occurred_at: Option<String>,
    /// The fiscal start event (DE: `fiscal.start_event.signed_at` when signed at once).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it completed.
    #[schema(required = true, format = DateTime)]
    pub completed_at: Option<String>,
    /// When it was cancelled.
    #[schema(required = true, format = DateTime)]
    pub cancelled_at: Option<String>,
    /// The cancel body's `reason`.
    #[schema(required = true)]
    pub cancellation_reason: Option<String>,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A page of operations, newest first.
#[derive(ToSchema)]
pub struct OperationList {
    /// Always `list`.
    #[schema(pattern = "^list$")]
    pub object: String,
    /// The page.
    pub data: Vec<Operation>,
    /// True when another page follows.
    pub has_more: bool,
    /// Cursor of the next page; `null` on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// Same as `next_cursor`.
    #[schema(required = true)]
    pub cursor: Option<String>,
}
