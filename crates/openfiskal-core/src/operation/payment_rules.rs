//! The checks of one payment (api.md §8.5, §1.5): amount > 0, `reference` ≤ 100, currency `EUR`,
//! a detail object only for the payment's own method (`400` otherwise), the methods each
//! jurisdiction accepts.
//!
//! Decisions: `not_collected` outside IT is a `422 validation_error`, as is `other` in IT (§8.5);
//! a voucher's `quantity` is echoed as 1 when not sent.

use super::context::{Context, Jurisdiction};
use super::error::{DataError, check_opt_len};
use super::payment::{Payment, PaymentInput, PaymentMethod};
use super::payment_detail::{PaymentDetail, VoucherDetail};

/// Checks payment `index` and echoes it.
pub fn build_payment(index: usize, p: &PaymentInput, ctx: &Context) -> Result<Payment, DataError> {
    let path = format!("payments[{index}]");
    if !p.amount.is_positive() {
        return Err(DataError::malformed(format!("{path}.amount"), "amount must be greater than 0"));
    }
    check_opt_len(|| format!("{path}.reference"), p.reference.as_deref(), 100)?;
    let currency = p.currency.clone().unwrap_or_else(|| "EUR".to_owned());
    if currency != "EUR" {
        return Err(DataError::invalid(format!("{path}.currency"), "only EUR is accepted"));
    }
    let it = ctx.jurisdiction == Jurisdiction::It;
    match p.method {
        PaymentMethod::NotCollected if !it => {
            return Err(DataError::invalid(format!("{path}.method"), "not_collected is accepted only in IT"));
        }
        PaymentMethod::Other if it => {
            return Err(DataError::invalid(format!("{path}.method"), "method other is not accepted in IT"));
        }
        _ => {}
    }
    let detail = detail_of(p, &path)?;
    if let Some((field, msg)) = detail.as_ref().and_then(PaymentDetail::violation) {
        return Err(DataError::malformed(format!("{path}.{}.{field}", p.method.as_str()), msg));
    }
    let (position, method, direction, amount, reference) =
        (u32::try_from(index + 1).unwrap_or(u32::MAX), p.method, p.direction, p.amount, p.reference.clone());
    Ok(Payment { position, method, direction, amount, currency, reference, detail })
}

/// The detail object of the payment's own method; any other one is a `400`.
fn detail_of(p: &PaymentInput, path: &str) -> Result<Option<PaymentDetail>, DataError> {
    let sent = [
        p.cash.clone().map(PaymentDetail::Cash),
        p.card.clone().map(PaymentDetail::Card),
        p.wallet.clone().map(PaymentDetail::Wallet),
        p.voucher
            .clone()
            .map(|v| PaymentDetail::Voucher(VoucherDetail { quantity: Some(v.quantity.unwrap_or(1)), ..v })),
        p.gift_card.clone().map(PaymentDetail::GiftCard),
        p.online.clone().map(PaymentDetail::Online),
        p.not_collected.clone().map(PaymentDetail::NotCollected),
    ];
    let names = ["cash", "card", "wallet", "voucher", "gift_card", "online", "not_collected"];
    let mut own = None;
    for (name, d) in names.into_iter().zip(sent) {
        match d {
            Some(d) if name == p.method.as_str() => own = Some(d),
            Some(_) => {
                return Err(DataError::malformed(format!("{path}.{name}"), format!("{name} does not fit the method")));
            }
            None => {}
        }
    }
    if p.method == PaymentMethod::NotCollected && own.is_none() {
        return Err(DataError::malformed(format!("{path}.not_collected"), "not_collected is required for this method"));
    }
    Ok(own)
}
