//! The customer (api.md §8.6): `null` or `{name, tax_id, address, email, lottery_code}`, echoed as
//! sent with every field present. Lengths and patterns are `400`; the lottery's eligibility needs
//! the payments and is checked at completion ([`super::completion`]).
//!
//! Decision: `lottery_code` outside IT is a `400` (a field that does not apply, like `natura`).

use serde::{Deserialize, Serialize};

use super::context::{Context, Jurisdiction};
use super::error::{DataError, check_len, check_opt_len};

/// The customer of a sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// ≤ 200.
    #[serde(default)]
    pub name: Option<String>,
    /// ≤ 30; IT: codice fiscale (16) or partita IVA (11 digits).
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Address>,
    /// ≤ 254.
    #[serde(default)]
    pub email: Option<String>,
    /// IT only: 8 letters and digits.
    #[serde(default)]
    pub lottery_code: Option<String>,
}

/// A postal address (the shape of api.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number (1–100).
    pub line1: String,
    /// Second line (≤ 100).
    #[serde(default)]
    pub line2: Option<String>,
    /// City (1–100).
    pub city: String,
    /// State or region (≤ 100).
    #[serde(default)]
    pub state: Option<String>,
    /// Postal code (1–100).
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// Checks the customer's fields for the register's jurisdiction.
pub fn check_customer(c: &Customer, ctx: &Context) -> Result<(), DataError> {
    let it = ctx.jurisdiction == Jurisdiction::It;
    check_opt_len(|| "customer.name".into(), c.name.as_deref(), 200)?;
    check_opt_len(|| "customer.tax_id".into(), c.tax_id.as_deref(), 30)?;
    check_opt_len(|| "customer.email".into(), c.email.as_deref(), 254)?;
    if let Some(t) = c.tax_id.as_deref().filter(|_| it) {
        let alnum = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
        let codice_fiscale = t.len() == 16 && t.bytes().all(alnum);
        let partita_iva = t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit());
        if !codice_fiscale && !partita_iva {
            let msg = "tax_id must be a codice fiscale (16 letters and digits) or a partita IVA (11 digits)";
            return Err(DataError::malformed("customer.tax_id", msg));
        }
    }
    if let Some(code) = &c.lottery_code {
        if !it {
            return Err(DataError::malformed("customer.lottery_code", "lottery_code is accepted only in IT"));
        }
        if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DataError::malformed("customer.lottery_code", "lottery_code must be 8 letters and digits"));
        }
    }
    c.address.as_ref().map_or(Ok(()), check_address)
}

fn check_address(a: &Address) -> Result<(), DataError> {
    check_len(|| "customer.address.line1".into(), &a.line1, 1, 100)?;
    check_opt_len(|| "customer.address.line2".into(), a.line2.as_deref(), 100)?;
    check_len(|| "customer.address.city".into(), &a.city, 1, 100)?;
    check_opt_len(|| "customer.address.state".into(), a.state.as_deref(), 100)?;
    check_len(|| "customer.address.postal_code".into(), &a.postal_code, 1, 100)?;
    if !crate::org::is_country_code(&a.country) {
        return Err(DataError::malformed("customer.address.country", "country must be an ISO 3166-1 alpha-2 code"));
    }
    Ok(())
}
