//! Provisioning an RKSV unit (api.md §6.2 `rksv`, §6.3; at-rksv.md §2.2, §3.3, §10): Kassen-ID,
//! closed or open system, the key identifier of field 11, and the registration.

use openfiskal_core::regime::{ProvisionContext, Provisioned, RegimeError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Closed system (company key, `R1-AT0`) or open system (certificate, `R1-AT100` in sandbox).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SystemType {
    /// Key identified by `U:<UID>-K<n>`.
    #[default]
    Closed,
    /// Key identified by its certificate serial.
    Open,
}

/// `configuration` for `rksv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// Always `rksv`.
    #[serde(default)]
    pub regime: Option<String>,
    /// Kassen-ID.
    #[serde(default)]
    pub cash_register_id: Option<String>,
    /// Closed (default) or open.
    #[serde(default)]
    pub system_type: SystemType,
    /// `S:<9-digit tax no>` or `G:<13-digit GLN>` when the organization has no ATU UID.
    #[serde(default)]
    pub company_identifier: Option<String>,
    /// Name of a configured signature device (open systems).
    #[serde(default)]
    pub signer: Option<String>,
}

/// Key facts of the new unit.
#[derive(Debug, Clone)]
pub struct AtKeyInfo {
    /// `n` of `K<n>`: this key's number among the organization's keys (from 1).
    pub key_index: u32,
    /// The AES key's check value (`aes_key_checksum`).
    pub aes_key_checksum: String,
    /// The hex serial of the (sandbox, self-signed) certificate of an open system.
    pub open_certificate_serial: Option<String>,
}

/// 1–50 of `A–Z a–z 0–9 - .` (no `_`: it separates the fields of the machine-readable code).
pub fn valid_cash_register_id(s: &str) -> bool {
    (1..=50).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn company_identifier(c: &Configuration, ctx: &ProvisionContext) -> Result<String, RegimeError> {
    if let Some(ci) = &c.company_identifier {
        let ok = match ci.split_once(':') {
            Some(("S", d)) => d.len() == 9 && d.bytes().all(|b| b.is_ascii_digit()),
            Some(("G", d)) => d.len() == 13 && d.bytes().all(|b| b.is_ascii_digit()),
            Some(("U", d)) => d.starts_with("ATU") && d.len() == 11,
            _ => false,
        };
        return if ok {
            Ok(ci.clone())
        } else {
            Err(RegimeError::new(
                "configuration.company_identifier",
                None,
                "company_identifier must be S:<9-digit tax number> or G:<13-digit GLN>",
            ))
        };
    }
    match &ctx.tax_id {
        Some(t) if t.starts_with("ATU") => Ok(format!("U:{t}")),
        _ => Err(RegimeError::new(
            "configuration.company_identifier",
            Some("rksv_company_identifier_missing"),
            "A closed system needs the organization's ATU UID or a company_identifier.",
        )),
    }
}

/// Resolves the configuration with its defaults (Kassen-ID `OF-` + the unit id without `fu_`).
pub fn configure(input: Option<&Value>, ctx: &ProvisionContext) -> Result<Configuration, RegimeError> {
    let mut c: Configuration = RegimeError::parse(input)?;
    let id = c.cash_register_id.take().unwrap_or_else(|| format!("OF-{}", ctx.unit_id.trim_start_matches("fu_")));
    if !valid_cash_register_id(&id) {
        return Err(RegimeError::new(
            "configuration.cash_register_id",
            None,
            "cash_register_id must be 1-50 characters of A-Z a-z 0-9 - .",
        ));
    }
    match c.system_type {
        SystemType::Closed => {
            c.company_identifier = Some(company_identifier(&c, ctx)?);
        }
        SystemType::Open => {
            if c.signer.is_some() {
                return Err(RegimeError::new(
                    "configuration.signer",
                    Some("rksv_signature_device_failed"),
                    "No signature device is configured in this installation.",
                ));
            }
            if ctx.production {
                return Err(RegimeError::new(
                    "configuration.signer",
                    None,
                    "An open system in production needs a configured signature device.",
                ));
            }
        }
    }
    Ok(Configuration { regime: Some("rksv".into()), cash_register_id: Some(id), ..c })
}

/// Builds the provisioning outcome. The Startbeleg joins the start records when the receipt chain
/// exists; `finanzonline_status` is `not_configured` until FinanzOnline credentials are (never a
/// fake success).
pub fn provision(config: Configuration, ctx: &ProvisionContext, key: &AtKeyInfo) -> Provisioned {
    let (rk_suite, certificate_serial) = match config.system_type {
        SystemType::Closed => {
            ("R1-AT0", format!("{}-K{}", config.company_identifier.clone().unwrap_or_default(), key.key_index))
        }
        SystemType::Open => ("R1-AT100", key.open_certificate_serial.clone().unwrap_or_default()),
    };
    let registration = json!({
        "regime": "rksv",
        "cash_register_id": config.cash_register_id,
        "system_type": config.system_type,
        "rk_suite": rk_suite,
        "certificate_serial": certificate_serial,
        "signature_algorithm": "ES256",
        "aes_key_checksum": key.aes_key_checksum,
        "start_receipt_id": null,
        "finanzonline_status": "not_configured",
        "finanzonline_registered_at": null,
        "outage_since": null,
        "outage_reported_at": null,
        "registered_at": ctx.now,
    });
    let configuration = serde_json::to_value(&config).unwrap_or(Value::Null);
    Provisioned { registration, configuration, start_records: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openfiskal_core::Timestamp;

    fn ctx(tax_id: Option<&str>) -> ProvisionContext {
        ProvisionContext {
            register_id: "reg_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".into(),
            unit_id: "fu_01HXYZAT".into(),
            register_label: "Kassa 1".into(),
            register_serial: None,
            legal_name: "Muster GmbH".into(),
            tax_id: tax_id.map(str::to_owned),
            tax_number: None,
            production: false,
            now: Timestamp::from_micros(0),
        }
    }

    fn key() -> AtKeyInfo {
        AtKeyInfo { key_index: 1, aes_key_checksum: "omRR".into(), open_certificate_serial: Some("1a2b".into()) }
    }

    fn provision(input: Option<&Value>, ctx: &ProvisionContext, key: &AtKeyInfo) -> Result<Provisioned, RegimeError> {
        configure(input, ctx).map(|c| super::provision(c, ctx, key))
    }

    #[test]
    fn closed_system_defaults() {
        let p = provision(None, &ctx(Some("ATU12345678")), &key()).unwrap();
        assert_eq!(p.registration["cash_register_id"], "OF-01HXYZAT");
        assert_eq!(p.registration["rk_suite"], "R1-AT0");
        assert_eq!(p.registration["certificate_serial"], "U:ATU12345678-K1");
        assert_eq!(p.registration["system_type"], "closed");
    }

    #[test]
    fn closed_system_needs_a_company_identifier() {
        let e = provision(None, &ctx(Some("DE123456789")), &key()).unwrap_err();
        assert_eq!(e.fiscal_code, Some("rksv_company_identifier_missing"));
        let p = provision(Some(&json!({"company_identifier": "S:123456789"})), &ctx(None), &key()).unwrap();
        assert_eq!(p.registration["certificate_serial"], "S:123456789-K1");
    }

    #[test]
    fn open_sandbox_system_uses_the_certificate_serial() {
        let p = provision(Some(&json!({"regime": "rksv", "system_type": "open"})), &ctx(None), &key()).unwrap();
        assert_eq!(
            (p.registration["rk_suite"].as_str(), p.registration["certificate_serial"].as_str()),
            (Some("R1-AT100"), Some("1a2b"))
        );
        let mut prod = ctx(None);
        prod.production = true;
        assert!(provision(Some(&json!({"system_type": "open"})), &prod, &key()).is_err());
    }

    #[test]
    fn kassen_id_rules() {
        assert!(valid_cash_register_id("OF-01.A"));
        assert!(!valid_cash_register_id("OF_01"));
        assert!(!valid_cash_register_id(""));
        let e = provision(Some(&json!({"cash_register_id": "a_b"})), &ctx(Some("ATU12345678")), &key()).unwrap_err();
        assert_eq!(e.param, "configuration.cash_register_id");
    }
}
