//! Provisioning an RT unit (api.md §6.2 `rt`, §6.3; it-rt.md §2.3): the matricola, the unit kind
//! and the registration.

use openfiskal_core::regime::{ProvisionContext, Provisioned, RegimeError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// OpenFiskal's own software unit, or a certified device OpenFiskal drives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// OpenFiskal's software unit.
    #[default]
    Software,
    /// A certified RT printer or server.
    Device,
}

/// `configuration` for `rt`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// Always `rt`.
    #[serde(default)]
    pub regime: Option<String>,
    /// The 11-character matricola.
    #[serde(default)]
    pub rt_serial: Option<String>,
    /// Software (default) or device.
    #[serde(default)]
    pub unit_kind: UnitKind,
    /// `{model, address}` of a device unit.
    #[serde(default)]
    pub device: Option<Value>,
    /// POS terminals associated with this RT at AdE (≤ 50).
    #[serde(default)]
    pub linked_payment_terminals: Vec<String>,
    /// Local time `HH:MM` of the automatic closure of a forgotten day.
    #[serde(default)]
    pub safety_close_at: Option<String>,
}

/// Key facts of the new unit.
#[derive(Debug, Clone)]
pub struct RtKeyInfo {
    /// The device certificate's serial, lower-case hex.
    pub certificate_serial: String,
    /// Its notAfter.
    pub certificate_not_after: openfiskal_core::Timestamp,
}

/// `^[0-9A-Z]{2}[A-Z][0-9A-Z]{2}[0-9]{6}$`
pub fn valid_rt_serial(s: &str) -> bool {
    let b = s.as_bytes();
    let up = |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    b.len() == 11
        && b[..2].iter().all(up)
        && b[2].is_ascii_uppercase()
        && b[3..5].iter().all(up)
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// Resolves the configuration; `sequence` numbers generated sandbox matricole (`OFXSB` + 6 digits).
pub fn configure(input: Option<&Value>, ctx: &ProvisionContext, sequence: u32) -> Result<Configuration, RegimeError> {
    let mut c: Configuration = RegimeError::parse(input)?;
    if ctx.tax_id.is_none() {
        return Err(RegimeError::new(
            "organization.tax_id",
            None,
            "An Italian unit needs the organization's partita IVA (tax_id).",
        ));
    }
    if c.unit_kind == UnitKind::Software && ctx.production {
        return Err(RegimeError::new(
            "configuration.unit_kind",
            Some("rt_software_unit_not_approved"),
            "No approved software solution is configured for production.",
        ));
    }
    let serial = c.rt_serial.take().unwrap_or_else(|| format!("OFXSB{:06}", sequence % 1_000_000));
    if !valid_rt_serial(&serial) {
        return Err(RegimeError::new(
            "configuration.rt_serial",
            None,
            "rt_serial must match ^[0-9A-Z]{2}[A-Z][0-9A-Z]{2}[0-9]{6}$",
        ));
    }
    if c.linked_payment_terminals.len() > 50 {
        return Err(RegimeError::new(
            "configuration.linked_payment_terminals",
            None,
            "At most 50 linked payment terminals.",
        ));
    }
    let close = c.safety_close_at.take().unwrap_or_else(|| "05:00".to_owned());
    let valid_close = close.len() == 5
        && close.as_bytes()[2] == b':'
        && close[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && close[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if !valid_close {
        return Err(RegimeError::new("configuration.safety_close_at", None, "safety_close_at must be HH:MM."));
    }
    Ok(Configuration { regime: Some("rt".into()), rt_serial: Some(serial), safety_close_at: Some(close), ..c })
}

/// Builds the provisioning outcome for a software unit whose configuration is resolved
/// ([`configure`]) and whose key and certificate exist.
pub fn provision(config: Configuration, ctx: &ProvisionContext, key: &RtKeyInfo) -> Provisioned {
    let registration = json!({
        "regime": "rt",
        "rt_serial": config.rt_serial,
        "unit_kind": config.unit_kind,
        "environment": if ctx.production { "production" } else { "sandbox" },
        "device_model": null,
        "software_solution_id": null,
        "certificate_serial": key.certificate_serial,
        "certificate_not_after": key.certificate_not_after,
        "z_counter": 0,
        "transmission_counter": 0,
        "linked_payment_terminals": config.linked_payment_terminals,
        "registered_at": ctx.now,
    });
    let configuration = serde_json::to_value(&config).unwrap_or(Value::Null);
    Provisioned { registration, configuration, start_records: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openfiskal_core::Timestamp;

    fn ctx() -> ProvisionContext {
        ProvisionContext {
            register_id: "reg_1".into(),
            unit_id: "fu_1".into(),
            register_label: "Cassa 1".into(),
            register_serial: None,
            legal_name: "Rossi Srl".into(),
            tax_id: Some("01234567890".into()),
            tax_number: None,
            production: false,
            now: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn matricola_rules_and_default() {
        assert!(valid_rt_serial("OFXSB000001"));
        assert!(valid_rt_serial("7CIMG990005"));
        assert!(!valid_rt_serial("OF1SB000001"), "third character must be a letter");
        assert!(!valid_rt_serial("OFXSB00000A"));
        let key = RtKeyInfo { certificate_serial: "01".into(), certificate_not_after: Timestamp::from_micros(0) };
        let p = provision(configure(None, &ctx(), 7).unwrap(), &ctx(), &key);
        assert_eq!(p.registration["rt_serial"], "OFXSB000007");
        assert_eq!(p.registration["environment"], "sandbox");
        assert_eq!(p.configuration["safety_close_at"], "05:00");
    }

    #[test]
    fn production_software_unit_needs_approval() {
        let mut c = ctx();
        c.production = true;
        assert_eq!(configure(None, &c, 1).unwrap_err().fiscal_code, Some("rt_software_unit_not_approved"));
        assert_eq!(
            configure(Some(&json!({"safety_close_at": "25:00"})), &ctx(), 1).unwrap_err().param,
            "configuration.safety_close_at"
        );
    }
}
