//! Payments (api.md §8.5): the input and the echoed payment with its `position` and the detail
//! object of its own method (`other` has none, so no key). Cash tendered and change are two lines.
//! The checks are in [`super::payment_rules`], the settlement rule in [`super::completion`].

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::payment_detail::{
    CardDetail, CashDetail, GiftCardDetail, NotCollectedDetail, OnlineDetail, PaymentDetail, VoucherDetail,
    WalletDetail,
};

/// Most payments per operation (api.md §1.11).
pub const MAX_PAYMENTS: usize = 50;

/// A payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash.
    Cash,
    /// Card.
    Card,
    /// Mobile wallet.
    Wallet,
    /// Voucher.
    Voucher,
    /// Gift card.
    GiftCard,
    /// Online payment.
    Online,
    /// Anything else (not in IT).
    Other,
    /// IT only: not collected.
    NotCollected,
}

impl PaymentMethod {
    /// The method's JSON name, also the key of its detail object.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Wallet => "wallet",
            Self::Voucher => "voucher",
            Self::GiftCard => "gift_card",
            Self::Online => "online",
            Self::Other => "other",
            Self::NotCollected => "not_collected",
        }
    }
}

/// Money to the merchant or back to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentDirection {
    /// To the merchant.
    Inbound,
    /// Change, money back.
    Outbound,
}

/// A payment as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// The method.
    pub method: PaymentMethod,
    /// The direction.
    pub direction: PaymentDirection,
    /// > 0.
    pub amount: Money,
    /// `EUR`.
    #[serde(default)]
    pub currency: Option<String>,
    /// ≤ 100.
    #[serde(default)]
    pub reference: Option<String>,
    /// Detail for `cash`.
    #[serde(default)]
    pub cash: Option<CashDetail>,
    /// Detail for `card`.
    #[serde(default)]
    pub card: Option<CardDetail>,
    /// Detail for `wallet`.
    #[serde(default)]
    pub wallet: Option<WalletDetail>,
    /// Detail for `voucher`.
    #[serde(default)]
    pub voucher: Option<VoucherDetail>,
    /// Detail for `gift_card`.
    #[serde(default)]
    pub gift_card: Option<GiftCardDetail>,
    /// Detail for `online`.
    #[serde(default)]
    pub online: Option<OnlineDetail>,
    /// Detail for `not_collected` (required there).
    #[serde(default)]
    pub not_collected: Option<NotCollectedDetail>,
}

/// An echoed payment: `{position, method, direction, amount, currency, reference, <method>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// 1-based list position.
    pub position: u32,
    /// The method.
    pub method: PaymentMethod,
    /// The direction.
    pub direction: PaymentDirection,
    /// > 0.
    pub amount: Money,
    /// `EUR`.
    pub currency: String,
    /// As sent.
    pub reference: Option<String>,
    /// The detail object of `method`, if sent (`other` never has one).
    pub detail: Option<PaymentDetail>,
}

impl Serialize for Payment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let other = self.method == PaymentMethod::Other;
        let mut m = s.serialize_map(Some(if other { 6 } else { 7 }))?;
        m.serialize_entry("position", &self.position)?;
        m.serialize_entry("method", &self.method)?;
        m.serialize_entry("direction", &self.direction)?;
        m.serialize_entry("amount", &self.amount)?;
        m.serialize_entry("currency", &self.currency)?;
        m.serialize_entry("reference", &self.reference)?;
        if !other {
            m.serialize_entry(self.method.as_str(), &self.detail)?;
        }
        m.end()
    }
}
