//! The receipt of a completed operation (api.md §11; `routes::receipts::receipt_json`): a
//! self-contained snapshot to print from. Schema-only types.

use utoipa::ToSchema;

use super::enums::OperationType;
use super::model::{Customer, Discount, LineItem, Payment, Totals};
use super::operation::{CashMovementData, DepositApplication, OperationReferences, TseDocument};
use crate::routes::operations::Cashier;
use crate::validate::Address;

/// The issuer, as it was when the operation completed.
#[derive(ToSchema)]
pub struct ReceiptIssuer {
    /// The organization.
    pub organization_id: String,
    /// Its legal name.
    pub legal_name: String,
    /// Its trade name.
    #[schema(required = true)]
    pub trade_name: Option<String>,
    /// VAT id.
    #[schema(required = true)]
    pub tax_id: Option<String>,
    /// Tax number.
    #[schema(required = true)]
    pub tax_number: Option<String>,
    /// The organization's address.
    pub address: Address,
    /// The location.
    pub location_id: String,
    /// Its name.
    pub location_name: String,
    /// Its address.
    pub location_address: Address,
    /// Its IANA time zone (the `…_local` times).
    pub timezone: String,
    /// The register.
    pub register_id: String,
    /// Its label.
    pub register_label: String,
}

/// The operation a receipt is for.
#[derive(ToSchema)]
pub struct ReceiptOperation {
    /// `op_…`
    pub id: String,
    /// POS reference.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub kind: OperationType,
    /// Gapless per register.
    pub sequence_number: i64,
    /// Start (UTC).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// Completion (UTC).
    #[schema(format = DateTime)]
    pub completed_at: String,
    /// Start, local wall-clock time `YYYY-MM-DDThh:mm:ss` in the issuer's time zone.
    pub started_at_local: String,
    /// Completion, local wall-clock time.
    pub completed_at_local: String,
    /// `EUR`.
    pub currency: String,
    /// The cashier.
    pub cashier: Cashier,
    /// True for `training`.
    pub training: bool,
}

/// Links of a receipt.
#[derive(ToSchema)]
pub struct ReceiptLinks {
    /// This receipt.
    #[serde(rename = "self")]
    pub this: String,
    /// The PDF; `null` until this installation renders receipt PDFs.
    #[schema(required = true)]
    pub pdf: Option<String>,
}

/// A receipt (api.md §11). Later organization or location changes do not alter it; a later
/// fiscalize does (its `fiscal` block is the operation's current one).
#[derive(ToSchema)]
pub struct Receipt {
    /// Always `receipt`.
    #[schema(pattern = "^receipt$")]
    pub object: String,
    /// `rcpt_…` (the operation's id with another prefix).
    pub id: String,
    /// `1.0`.
    pub version: String,
    /// The completion time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The issuer.
    pub issuer: ReceiptIssuer,
    /// The operation.
    pub operation: ReceiptOperation,
    /// The lines (`[]` for cash movements).
    pub line_items: Vec<LineItem>,
    /// An exchange's returned lines, else `[]`.
    pub returned_line_items: Vec<LineItem>,
    /// Cart discounts.
    pub cart_discounts: Vec<Discount>,
    /// The totals; `null` for cash movements.
    #[schema(required = true)]
    pub totals: Option<Totals>,
    /// The payments.
    pub payments: Vec<Payment>,
    /// The customer.
    #[schema(required = true)]
    pub customer: Option<Customer>,
    /// The fiscal document (DE: `tse`).
    pub fiscal: TseDocument,
    /// The original and reason.
    pub references: OperationReferences,
    /// Texts the receipt must print (`Trainingsbuchung`, `TSE ausgefallen`).
    pub notices: Vec<String>,
    /// Links.
    pub links: ReceiptLinks,
    /// A cash movement's receipt: the movement.
    pub cash_movement: Option<CashMovementData>,
    /// A deposit capture's receipt (and a void of one): what the deposit covered.
    pub deposit_application: Option<DepositApplication>,
}
