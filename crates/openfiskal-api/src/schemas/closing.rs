//! A closing's `summary` (`openfiskal_core::closing::Summary`) and its DE `fiscal` block (the signed
//! Kassenabschluss, `routes::closings::sign_daily`), api.md §10. Schema-only types.

use utoipa::ToSchema;

use super::enums::TaxCategory;

/// `{count, total_gross}`.
#[derive(ToSchema)]
pub struct CountGross {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.total_gross` in cents (voids: the turnover removed).
    pub total_gross: i64,
}

/// `{count, net_payable}`.
#[derive(ToSchema)]
pub struct CountNetPayable {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.net_payable` in cents (either sign).
    pub net_payable: i64,
}

/// Deposit captures.
#[derive(ToSchema)]
pub struct CaptureSummary {
    /// Completed operations.
    pub count: i64,
    /// Σ `totals.total_gross` (the full goods).
    pub total_gross: i64,
    /// Σ `totals.deposit_applied`.
    pub deposit_applied: i64,
}

/// Cash movements.
#[derive(ToSchema)]
pub struct CashMovementSummary {
    /// Completed movements.
    pub count: i64,
    /// Σ amounts of `in` movements.
    pub cash_in_total: i64,
    /// Σ amounts of `out` movements (positive).
    pub cash_out_total: i64,
}

/// `{count}`.
#[derive(ToSchema)]
pub struct CountOnly {
    /// Operations.
    pub count: i64,
}

/// Counts and sums per operation type.
#[derive(ToSchema)]
pub struct ByOperationType {
    /// Sales.
    pub sales: CountGross,
    /// Refunds (what was refunded, positive).
    pub refunds: CountGross,
    /// Exchanges.
    pub exchanges: CountNetPayable,
    /// Voids (the turnover removed).
    pub voids: CountGross,
    /// Deposits.
    pub deposits: CountGross,
    /// Deposit captures.
    pub deposit_captures: CaptureSummary,
    /// Cash movements.
    pub cash_movements: CashMovementSummary,
    /// Training operations (never turnover).
    pub trainings: CountGross,
    /// Cancelled operations of any type.
    pub cancelled: CountOnly,
}

/// Inbound − outbound per payment method, in cents; a method appears once it was used.
#[derive(ToSchema)]
pub struct PaymentMethodTotals {
    /// Cash.
    pub cash: Option<i64>,
    /// Card.
    pub card: Option<i64>,
    /// Wallet.
    pub wallet: Option<i64>,
    /// Voucher.
    pub voucher: Option<i64>,
    /// Gift card.
    pub gift_card: Option<i64>,
    /// Online.
    pub online: Option<i64>,
    /// Other.
    pub other: Option<i64>,
    /// IT: not collected.
    pub not_collected: Option<i64>,
}

/// One turnover bucket of a closing.
#[derive(ToSchema)]
pub struct SummaryTaxEntry {
    /// The rate.
    #[schema(pattern = r"^[01]\.[0-9]{2,4}$")]
    pub rate: String,
    /// The category.
    pub category: TaxCategory,
    /// The natura code (IT) or `null`.
    #[schema(required = true)]
    pub natura: Option<String>,
    /// Net turnover, in cents.
    pub taxable_amount: i64,
    /// Tax, in cents.
    pub tax_amount: i64,
}

/// `closing.summary` (api.md §10, "Summary rules"); amounts in cents.
#[derive(ToSchema)]
pub struct ClosingSummary {
    /// Completed operations of every type.
    pub operation_count: i64,
    /// Turnover, gross.
    pub total_gross: i64,
    /// Turnover, net.
    pub total_net: i64,
    /// Turnover, tax.
    pub total_tax: i64,
    /// Net per payment method over the turnover operations.
    pub total_by_payment_method: PaymentMethodTotals,
    /// Counts and sums per type.
    pub by_operation_type: ByOperationType,
    /// Turnover per (rate, category, natura).
    pub tax_breakdown: Vec<SummaryTaxEntry>,
}

/// The `tse` block of a DE daily closing: the signed Kassenabschluss (`SonstigerVorgang`).
#[derive(ToSchema)]
pub struct TseClosingFiscal {
    /// Always `tse`.
    #[schema(pattern = "^tse$")]
    pub regime: String,
    /// The DSFinV-K `Z_NR`, gapless per register.
    pub z_number: i64,
    /// The TSE's serial.
    #[schema(required = true)]
    pub tse_serial: Option<String>,
    /// The TSE transaction.
    pub transaction_number: i64,
    /// The finish log's signature counter.
    pub transaction_counter: i64,
    /// The finish log's signature, Base64.
    pub signature: String,
    /// The finish log's time.
    #[schema(format = DateTime)]
    pub signed_at: String,
    /// `SonstigerVorgang`.
    pub process_type: String,
    /// `Kassenabschluss Z_NR=<n>`.
    pub process_data: String,
    /// The DSFinV-K export of this closing; `null` until exports exist.
    #[schema(required = true)]
    pub dsfinvk_export_id: Option<String>,
}
