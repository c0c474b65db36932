//! Payments and the per-type rules of processData (de-tse.md §6.3, §6.4): payments netted per kind
//! (`Bar` before `Unbar`, zero nets left out, a currency code only for foreign cash), api.md payment
//! methods to kinds, the void (every amount negated) and the cash movement (position 5 and `Bar`).

use crate::TseError;
use crate::gross::{Gross, VatPosition, overflow};
use crate::process_data::{PaymentKind, ProcessData, Zahlung};
use crate::process_type::Vorgangstyp;

impl PaymentKind {
    /// The kind of an api.md payment `method` (§8.5): `cash` → `Bar`; `card`, `wallet`, `online`,
    /// `gift_card`, `voucher`, `other` → `Unbar`; anything else (IT `not_collected`) → `None`.
    pub fn of_method(method: &str) -> Option<Self> {
        match method {
            "cash" => Some(Self::Bar),
            "card" | "wallet" | "online" | "gift_card" | "voucher" | "other" => Some(Self::Unbar),
            _ => None,
        }
    }
}

/// One payment of an operation: signed cents (inbound +, outbound −) in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Cash or non-cash.
    pub kind: PaymentKind,
    /// ISO 4217 code; `None` or `EUR` for the base currency. Only cash may be foreign.
    pub currency: Option<String>,
    /// Signed cents: inbound positive, outbound (change, money back) negative.
    pub amount_cents: i64,
}

/// The payments part (§6.3): net per kind and currency; base-currency `Bar` first, then foreign
/// cash by currency code, then `Unbar`; nets of 0 are left out.
pub fn net_payments(payments: &[Payment]) -> Result<Vec<Zahlung>, TseError> {
    let mut nets: Vec<Zahlung> = Vec::new();
    for p in payments {
        let currency = p.currency.as_deref().filter(|c| *c != "EUR");
        if let Some(c) = currency {
            if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(TseError::invalid("payment currency", "not an ISO 4217 code"));
            }
            if p.kind == PaymentKind::Unbar {
                return Err(TseError::invalid("payment currency", "only cash may be in a foreign currency"));
            }
        }
        match nets.iter_mut().find(|z| z.kind == p.kind && z.currency.as_deref() == currency) {
            Some(z) => z.amount_cents = z.amount_cents.checked_add(p.amount_cents).ok_or(overflow())?,
            None => {
                nets.push(Zahlung { amount_cents: p.amount_cents, kind: p.kind, currency: currency.map(Into::into) })
            }
        }
    }
    nets.retain(|z| z.amount_cents != 0);
    nets.sort_by(|a, b| (a.kind, a.currency.is_some(), &a.currency).cmp(&(b.kind, b.currency.is_some(), &b.currency)));
    Ok(nets)
}

/// processData of a receipt-like operation (§6.4: sale, refund, exchange, deposit, deposit capture
/// as `Beleg`; training as `AVTraining`) from its gross amounts and payments.
pub fn receipt_process_data(
    vorgangstyp: Vorgangstyp,
    gross: Gross,
    payments: &[Payment],
) -> Result<ProcessData, TseError> {
    Ok(ProcessData { vorgangstyp, gross, zahlungen: net_payments(payments)? })
}

impl ProcessData {
    /// A void (§6.4): a `Beleg` with every amount and payment of the original negated.
    pub fn negated(&self) -> Result<Self, TseError> {
        let mut zahlungen = self.zahlungen.clone();
        for z in &mut zahlungen {
            z.amount_cents = z.amount_cents.checked_neg().ok_or(overflow())?;
        }
        Ok(Self { vorgangstyp: Vorgangstyp::Beleg, gross: self.gross.negated()?, zahlungen })
    }

    /// A cash movement (§6.4): the signed amount (in +, out −) in position 5 and as `Bar`.
    pub fn cash_movement(amount_cents: i64) -> Result<Self, TseError> {
        let mut gross = Gross::default();
        gross.add(VatPosition::ZeroOrNotTaxable, amount_cents)?;
        let cash = Payment { kind: PaymentKind::Bar, currency: None, amount_cents };
        receipt_process_data(Vorgangstyp::Beleg, gross, &[cash])
    }
}
