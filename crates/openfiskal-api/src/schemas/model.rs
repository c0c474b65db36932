//! The data model of operations (api.md §8) as OpenAPI schemas: what `openfiskal_core::operation`
//! computes and echoes (lines, discounts, tax, totals, payments, customer) and what the bodies send.
//! Schema-only types: the JSON is produced by the core's serde types; these describe it, and the
//! API tests validate every real answer against them. Amounts are integers in cents; quantities and
//! rates are decimal strings. Fields that are always present but may be `null` are `required`.

use utoipa::ToSchema;

use super::enums::{
    DiscountSource, DiscountType, EntryMode, LineFlag, NotCollectedKind, PaymentDirection, PaymentMethod, TaxCategory,
    VoucherKind,
};
use crate::validate::Address;

/// A line's resolved tax.
#[derive(ToSchema)]
pub struct LineTax {
    /// The rate as a decimal string, at least two decimals (`"0.19"`, `"0.049"`, `"0.00"`).
    #[schema(pattern = r"^[01]\.[0-9]{2,4}$")]
    pub rate: String,
    /// The category (derived from the rate if not sent).
    pub category: TaxCategory,
    /// IT: the natura code of a 0 % line; else `null`.
    #[schema(required = true)]
    pub natura: Option<String>,
}

/// A computed discount (`line_discounts[]`, `cart_discounts[]`).
#[derive(ToSchema)]
pub struct Discount {
    /// `ldsc_…` (line) or `cdsc_…` (cart).
    pub id: String,
    /// Where it comes from.
    pub source: DiscountSource,
    /// `percentage` or `fixed`.
    #[serde(rename = "type")]
    pub kind: DiscountType,
    /// The rate of a percentage discount, else `null`.
    #[schema(required = true)]
    pub rate: Option<String>,
    /// The computed amount in cents.
    pub amount: i64,
    /// The label.
    pub label: String,
    /// The code, if sent.
    #[schema(required = true)]
    pub code: Option<String>,
}

/// One cart discount's share of a line.
#[derive(ToSchema)]
pub struct CartDiscountAllocation {
    /// The cart discount's `cdsc_…`.
    pub discount_id: String,
    /// The share in cents, > 0.
    pub amount: i64,
    /// The cart discount's label.
    pub label: String,
}

/// A computed line (api.md §8.1): every intermediate value stored.
#[derive(ToSchema)]
pub struct LineItem {
    /// `li_…`; stable unless the list is replaced.
    pub id: String,
    /// 1-based position in the list.
    pub position: u32,
    /// As sent (returned lines: the original's).
    pub description: String,
    /// Canonical decimal string (`"2"`, `"0.25"`).
    pub quantity: String,
    /// As sent or `piece`.
    pub unit: String,
    /// Cents, tax included, before discounts.
    pub unit_price_gross: i64,
    /// SKU or GTIN, as sent.
    #[schema(required = true)]
    pub product_ref: Option<String>,
    /// The POS line id, as sent.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// As sent (`[]` if none).
    pub flags: Vec<LineFlag>,
    /// The original line of a returned line, else `null`.
    #[schema(required = true)]
    pub original_line_id: Option<String>,
    /// The resolved tax.
    pub tax: LineTax,
    /// round(quantity × unit_price_gross).
    pub subtotal_gross: i64,
    /// The line discounts, in order.
    pub line_discounts: Vec<Discount>,
    /// Σ line discounts.
    pub line_discount_amount: i64,
    /// `subtotal_gross − line_discount_amount`.
    pub subtotal_after_line_discounts: i64,
    /// This line's shares of the cart discounts.
    pub cart_discount_allocations: Vec<CartDiscountAllocation>,
    /// Σ allocations.
    pub cart_discount_amount: i64,
    /// `subtotal_after_line_discounts − cart_discount_amount`.
    pub total_gross: i64,
    /// round(total_gross / (1 + rate)).
    pub total_net: i64,
    /// `total_gross − total_net`.
    pub total_tax: i64,
}

/// One row of `totals.tax_breakdown`: the lines of one (rate, category, natura).
#[derive(ToSchema)]
pub struct TaxBreakdownEntry {
    /// The rate.
    #[schema(pattern = r"^[01]\.[0-9]{2,4}$")]
    pub rate: String,
    /// The category.
    pub category: TaxCategory,
    /// The natura code (IT) or `null`.
    #[schema(required = true)]
    pub natura: Option<String>,
    /// Σ line `total_net`.
    pub net: i64,
    /// Σ line `total_tax`.
    pub tax: i64,
    /// Σ line `total_gross`.
    pub gross: i64,
}

/// `data.totals` (api.md §8.4), in cents.
#[derive(ToSchema)]
pub struct Totals {
    /// Σ line `subtotal_gross`.
    pub subtotal_gross: i64,
    /// Σ line discount amounts.
    pub total_line_discounts: i64,
    /// `subtotal_gross − total_line_discounts`.
    pub subtotal_after_line_discounts: i64,
    /// Σ cart discount amounts.
    pub total_cart_discounts: i64,
    /// `subtotal_after_line_discounts − total_cart_discounts`.
    pub subtotal_after_all_discounts: i64,
    /// Cash rounding (IT only; never taxed).
    pub rounding_adjustment: i64,
    /// `subtotal_after_all_discounts + rounding_adjustment`.
    pub total_gross: i64,
    /// Σ breakdown net.
    pub total_net: i64,
    /// Σ breakdown tax.
    pub total_tax: i64,
    /// Per (rate, category, natura).
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    /// A deposit capture: the deposit's `total_gross`; else 0.
    pub deposit_applied: i64,
    /// What the payments settle (negative for refunds and voids of sales).
    pub net_payable: i64,
}

/// `cash` payment detail.
#[derive(ToSchema)]
pub struct CashDetail {
    /// What the customer handed over, in cents (≥ 0).
    pub amount_tendered: Option<i64>,
}

/// `card` payment detail.
#[derive(ToSchema)]
pub struct CardDetail {
    /// Card scheme (`visa`, `girocard`, …).
    pub scheme: Option<String>,
    /// Last four digits of the PAN.
    #[schema(pattern = "^[0-9]{4}$")]
    pub last4: Option<String>,
    /// Authorisation code.
    pub authorization_code: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
    /// EMV application id.
    pub application_id: Option<String>,
    /// How the card was read.
    pub entry_mode: Option<EntryMode>,
}

/// `wallet` payment detail.
#[derive(ToSchema)]
pub struct WalletDetail {
    /// Wallet provider.
    pub provider: Option<String>,
    /// Card scheme behind the wallet.
    pub scheme: Option<String>,
    /// Last four digits.
    #[schema(pattern = "^[0-9]{4}$")]
    pub last4: Option<String>,
    /// Authorisation code.
    pub authorization_code: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
}

/// `voucher` payment detail.
#[derive(ToSchema)]
pub struct VoucherDetail {
    /// Voucher code.
    pub code: Option<String>,
    /// Voucher kind.
    #[serde(rename = "type")]
    pub kind: Option<VoucherKind>,
    /// Number of vouchers (≥ 1, default 1).
    #[schema(minimum = 1)]
    pub quantity: Option<u32>,
}

/// `gift_card` payment detail.
#[derive(ToSchema)]
pub struct GiftCardDetail {
    /// The gift card's id.
    pub gift_card_id: Option<String>,
    /// Last four digits.
    #[schema(pattern = "^[0-9]{4}$")]
    pub last4: Option<String>,
}

/// `online` payment detail.
#[derive(ToSchema)]
pub struct OnlineDetail {
    /// Payment provider.
    pub provider: Option<String>,
    /// The provider's transaction reference.
    pub transaction_reference: Option<String>,
}

/// `not_collected` payment detail (IT only).
#[derive(ToSchema)]
pub struct NotCollectedDetail {
    /// What was not collected.
    pub kind: NotCollectedKind,
}

/// An echoed payment: its position, and the detail object of its own method under the method's
/// name (`null` if none was sent; a payment of method `other` has no detail key).
#[derive(ToSchema)]
pub struct Payment {
    /// 1-based position.
    pub position: u32,
    /// The method.
    pub method: PaymentMethod,
    /// The direction.
    pub direction: PaymentDirection,
    /// Cents, > 0.
    pub amount: i64,
    /// `EUR`.
    pub currency: String,
    /// As sent.
    #[schema(required = true)]
    pub reference: Option<String>,
    /// Method `cash`: its detail.
    pub cash: Option<CashDetail>,
    /// Method `card`: its detail.
    pub card: Option<CardDetail>,
    /// Method `wallet`: its detail.
    pub wallet: Option<WalletDetail>,
    /// Method `voucher`: its detail.
    pub voucher: Option<VoucherDetail>,
    /// Method `gift_card`: its detail.
    pub gift_card: Option<GiftCardDetail>,
    /// Method `online`: its detail.
    pub online: Option<OnlineDetail>,
    /// Method `not_collected`: its detail.
    pub not_collected: Option<NotCollectedDetail>,
}

/// The customer (api.md §8.6); echoed with every field present.
#[derive(ToSchema)]
pub struct Customer {
    /// ≤ 200 characters.
    pub name: Option<String>,
    /// ≤ 30; IT: codice fiscale (16) or partita IVA (11 digits).
    pub tax_id: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
    /// ≤ 254 characters.
    pub email: Option<String>,
    /// IT only: 8 letters and digits.
    pub lottery_code: Option<String>,
}

/// A line's `tax` as sent.
#[derive(ToSchema)]
pub struct TaxInput {
    /// The rate (`"0.19"`): `0` or `1`, then up to 4 decimals.
    #[schema(pattern = r"^(0|1)(\.[0-9]{1,4})?$")]
    pub rate: String,
    /// The category; derived from the rate when absent.
    pub category: Option<TaxCategory>,
    /// IT only: the natura code of a 0 % line (`N1`–`N6`, `N2.1`, …).
    pub natura: Option<String>,
}

/// A discount as sent: a line's `line_discounts[]` or the `cart_discounts[]`.
#[derive(ToSchema)]
pub struct DiscountInput {
    /// `percentage` (needs `rate`) or `fixed` (needs `amount`).
    #[serde(rename = "type")]
    pub kind: DiscountType,
    /// Percentage only: 0 < rate ≤ 1, a decimal string (`"0.10"`).
    #[schema(pattern = r"^(0|1)(\.[0-9]{1,4})?$")]
    pub rate: Option<String>,
    /// Fixed only: cents, > 0.
    pub amount: Option<i64>,
    /// 1–100 characters.
    pub label: String,
    /// Default `manual`.
    pub source: Option<DiscountSource>,
    /// ≤ 50 characters.
    pub code: Option<String>,
}

/// A line as sent (api.md §8.1).
#[derive(ToSchema)]
pub struct LineItemInput {
    /// 1–200 characters.
    pub description: String,
    /// A decimal string > 0 with up to 3 decimals (`"1"`, `"0.250"`).
    #[schema(pattern = r"^[0-9]{1,6}(\.[0-9]{1,3})?$")]
    pub quantity: String,
    /// Cents, ≥ 0, tax included, before discounts.
    pub unit_price_gross: i64,
    /// Rate, category, natura.
    pub tax: TaxInput,
    /// ≤ 20 characters, default `piece`.
    pub unit: Option<String>,
    /// ≤ 10 discounts, applied in order.
    pub line_discounts: Option<Vec<DiscountInput>>,
    /// SKU or GTIN, ≤ 100.
    pub product_ref: Option<String>,
    /// The POS line id, ≤ 100.
    pub external_id: Option<String>,
    /// Line flags, each at most once.
    pub flags: Option<Vec<LineFlag>>,
}

/// A returned line that references a line of the original operation (refund, exchange).
#[derive(ToSchema)]
pub struct ReturnLineInput {
    /// `li_…` of the original operation.
    pub original_line_id: String,
    /// How much of it comes back (a decimal string, at most what is left).
    #[schema(pattern = r"^[0-9]{1,6}(\.[0-9]{1,3})?$")]
    pub quantity: String,
}

/// A payment as sent (api.md §8.5). A detail object must match `method`.
#[derive(ToSchema)]
pub struct PaymentInput {
    /// The method.
    pub method: PaymentMethod,
    /// The direction.
    pub direction: PaymentDirection,
    /// Cents, > 0.
    pub amount: i64,
    /// `EUR`.
    pub currency: Option<String>,
    /// ≤ 100 characters.
    pub reference: Option<String>,
    /// Detail for `cash`.
    pub cash: Option<CashDetail>,
    /// Detail for `card`.
    pub card: Option<CardDetail>,
    /// Detail for `wallet`.
    pub wallet: Option<WalletDetail>,
    /// Detail for `voucher`.
    pub voucher: Option<VoucherDetail>,
    /// Detail for `gift_card`.
    pub gift_card: Option<GiftCardDetail>,
    /// Detail for `online`.
    pub online: Option<OnlineDetail>,
    /// Detail for `not_collected` (required there).
    pub not_collected: Option<NotCollectedDetail>,
}
