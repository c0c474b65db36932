//! Payment detail objects (api.md §8.5): one per method, echoed on the payment of that method
//! with every field present (`null` if not sent). Checked: `last4` is 4 digits, a voucher's
//! `quantity` ≥ 1 (default 1), `amount_tendered` ≥ 0. Decision: the spec gives no lengths for the
//! other detail strings, so none are enforced beyond the 1 MiB body limit.

use serde::{Deserialize, Serialize};

use super::money::Money;

/// `cash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashDetail {
    /// What the customer handed over.
    #[serde(default)]
    pub amount_tendered: Option<Money>,
}

/// `card`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardDetail {
    /// Card scheme (`visa`, `girocard`, …).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Last four digits of the PAN.
    #[serde(default)]
    pub last4: Option<String>,
    /// Authorisation code.
    #[serde(default)]
    pub authorization_code: Option<String>,
    /// Terminal id.
    #[serde(default)]
    pub terminal_id: Option<String>,
    /// EMV application id.
    #[serde(default)]
    pub application_id: Option<String>,
    /// How the card was read.
    #[serde(default)]
    pub entry_mode: Option<EntryMode>,
}

/// How a card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMode {
    /// Chip.
    Chip,
    /// Contactless.
    Contactless,
    /// Magnetic stripe.
    Swipe,
    /// Keyed in.
    Manual,
}

/// `wallet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletDetail {
    /// Wallet provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// Card scheme behind the wallet.
    #[serde(default)]
    pub scheme: Option<String>,
    /// Last four digits.
    #[serde(default)]
    pub last4: Option<String>,
    /// Authorisation code.
    #[serde(default)]
    pub authorization_code: Option<String>,
    /// Terminal id.
    #[serde(default)]
    pub terminal_id: Option<String>,
}

/// `voucher`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherDetail {
    /// Voucher code.
    #[serde(default)]
    pub code: Option<String>,
    /// Voucher kind.
    #[serde(default, rename = "type")]
    pub kind: Option<VoucherKind>,
    /// Number of vouchers (default 1).
    #[serde(default)]
    pub quantity: Option<u32>,
}

/// A voucher's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// Single-purpose voucher.
    SinglePurpose,
    /// Multi-purpose voucher.
    MultiPurpose,
    /// Promotional voucher.
    Promotional,
    /// Meal voucher.
    Meal,
}

/// `gift_card`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiftCardDetail {
    /// The gift card's id.
    #[serde(default)]
    pub gift_card_id: Option<String>,
    /// Last four digits.
    #[serde(default)]
    pub last4: Option<String>,
}

/// `online`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineDetail {
    /// Payment provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// The provider's transaction reference.
    #[serde(default)]
    pub transaction_reference: Option<String>,
}

/// `not_collected` (IT only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotCollectedDetail {
    /// What was not collected.
    pub kind: NotCollectedKind,
}

/// What an IT `not_collected` payment leaves unpaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCollectedKind {
    /// Goods delivered, payment later.
    Goods,
    /// Services rendered, payment later.
    Services,
    /// Invoiced.
    Invoice,
    /// Paid by the national health service.
    Ssn,
}

/// The detail object of one payment, echoed under its method's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PaymentDetail {
    /// `cash`.
    Cash(CashDetail),
    /// `card`.
    Card(CardDetail),
    /// `wallet`.
    Wallet(WalletDetail),
    /// `voucher`.
    Voucher(VoucherDetail),
    /// `gift_card`.
    GiftCard(GiftCardDetail),
    /// `online`.
    Online(OnlineDetail),
    /// `not_collected`.
    NotCollected(NotCollectedDetail),
}

impl PaymentDetail {
    /// The path suffix and value of a field that breaks a rule of the module doc, if any.
    pub(crate) fn violation(&self) -> Option<(&'static str, &'static str)> {
        let bad_last4 =
            |l: &Option<String>| l.as_ref().is_some_and(|l| l.len() != 4 || !l.bytes().all(|b| b.is_ascii_digit()));
        match self {
            Self::Cash(c) if c.amount_tendered.is_some_and(Money::is_negative) => {
                Some(("amount_tendered", "amount_tendered must be ≥ 0"))
            }
            Self::Card(CardDetail { last4, .. })
            | Self::Wallet(WalletDetail { last4, .. })
            | Self::GiftCard(GiftCardDetail { last4, .. })
                if bad_last4(last4) =>
            {
                Some(("last4", "last4 must be 4 digits"))
            }
            Self::Voucher(v) if v.quantity == Some(0) => Some(("quantity", "quantity must be ≥ 1")),
            _ => None,
        }
    }
}
