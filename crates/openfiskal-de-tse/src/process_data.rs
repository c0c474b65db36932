//! processData of `Kassenbeleg-V1` (de-tse.md §6.2): `vorgangstyp ^ five gross amounts ^ payments`,
//! written and parsed exactly (two decimals, `.`, no `+`, no grouping, never `-0.00`; the parser
//! accepts all nine Vorgangstypen and foreign-currency codes).

use std::fmt;
use std::str::FromStr;

use crate::TseError;
use crate::gross::Gross;
use crate::process_type::{ALL_VORGANGSTYPEN, Vorgangstyp};

/// Cash or every non-cash kind (§6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaymentKind {
    /// `Bar`: cash.
    Bar,
    /// `Unbar`: card, wallet, online, gift card, voucher, other.
    Unbar,
}

/// One payment of the processData: `amount:Bar[:CUR]` or `amount:Unbar[:CUR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zahlung {
    /// Signed amount in cents (of `currency`).
    pub amount_cents: i64,
    /// `Bar` or `Unbar`.
    pub kind: PaymentKind,
    /// ISO 4217 code, only for a foreign currency; `None` for the base currency (EUR).
    pub currency: Option<String>,
}

/// A `Kassenbeleg-V1` processData value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessData {
    /// The Vorgangstyp.
    pub vorgangstyp: Vorgangstyp,
    /// The five gross amounts in cents, by VAT position.
    pub gross: Gross,
    /// The payments, in the order written.
    pub zahlungen: Vec<Zahlung>,
}

impl ProcessData {
    /// The cancel of an open operation: `AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^` (§6.4).
    pub fn cancel() -> Self {
        Self { vorgangstyp: Vorgangstyp::AVBelegabbruch, gross: Gross::default(), zahlungen: Vec::new() }
    }
}

impl fmt::Display for ProcessData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gross: Vec<String> = self.gross.amounts().iter().map(|c| format_cents(*c)).collect();
        write!(f, "{}^{}^", self.vorgangstyp.as_str(), gross.join("_"))?;
        for (i, z) in self.zahlungen.iter().enumerate() {
            let kind = if z.kind == PaymentKind::Bar { "Bar" } else { "Unbar" };
            write!(f, "{}{}:{kind}", if i == 0 { "" } else { "_" }, format_cents(z.amount_cents))?;
            if let Some(c) = &z.currency {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for ProcessData {
    type Err = TseError;

    /// Parses the grammar of §6.2 strictly; refuses `-0.00`, leading zeros and spaces.
    fn from_str(s: &str) -> Result<Self, TseError> {
        let bad = || TseError::Malformed("processData");
        let mut parts = s.split('^');
        let (Some(kind), Some(gross), Some(pay), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let vorgangstyp = ALL_VORGANGSTYPEN.into_iter().find(|v| v.as_str() == kind).ok_or_else(bad)?;
        let amounts: Vec<i64> = gross.split('_').map(parse_cents).collect::<Result<_, _>>()?;
        let gross = Gross::from_amounts(amounts.try_into().map_err(|_| bad())?);
        let zahlungen =
            if pay.is_empty() { Vec::new() } else { pay.split('_').map(parse_zahlung).collect::<Result<_, _>>()? };
        Ok(Self { vorgangstyp, gross, zahlungen })
    }
}

fn parse_zahlung(s: &str) -> Result<Zahlung, TseError> {
    let mut parts = s.split(':');
    let (Some(amount), Some(kind), currency, None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TseError::Malformed("processData payment"));
    };
    let kind = match kind {
        "Bar" => PaymentKind::Bar,
        "Unbar" => PaymentKind::Unbar,
        _ => return Err(TseError::Malformed("processData payment kind")),
    };
    if currency.is_some_and(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(TseError::Malformed("processData currency code"));
    }
    Ok(Zahlung { amount_cents: parse_cents(amount)?, kind, currency: currency.map(str::to_owned) })
}

/// Cents as processData text (§6.3): 4250 → `42.50`, −1200 → `-12.00`, 5 → `0.05`, 0 → `0.00`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The inverse of [`format_cents`], strict: `-?(0|[1-9][0-9]*)\.[0-9]{2}`, not `-0.00`.
fn parse_cents(s: &str) -> Result<i64, TseError> {
    let bad = || TseError::Malformed("processData amount");
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').ok_or_else(bad)?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) || frac.len() != 2 || !digits(frac) {
        return Err(bad());
    }
    let value = int.parse::<i64>().ok().and_then(|i| i.checked_mul(100)?.checked_add(frac.parse::<i64>().ok()?));
    let value = value.ok_or_else(bad)?;
    match (negative, value) {
        (true, 0) => Err(bad()),
        (true, v) => Ok(-v),
        (false, v) => Ok(v),
    }
}
