//! Provisioning a TSE (api.md §6.3, §6.4; de-tse.md §2, §9): the client id rule and the `tse`
//! registration. The initialisation system logs signed at provisioning are
//! [`initialisation_records`](crate::system_log::initialisation_records) (de-tse.md §3.4).

use openfiskal_core::Timestamp;
use openfiskal_core::regime::{ProvisionContext, Provisioned, RegimeError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::TseAlgorithm;

/// `configuration` for `tse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// Always `tse`.
    #[serde(default)]
    pub regime: Option<String>,
    /// The TSE client id (= DSFinV-K `KASSE_SERIENNR`).
    #[serde(default)]
    pub client_id: Option<String>,
}

/// The public facts of a freshly made TSE key and certificate.
#[derive(Debug, Clone)]
pub struct TseKeyInfo {
    /// `tse_serial`: 64 lower-case hex, SHA-256 of the uncompressed point.
    pub tse_serial: String,
    /// Base64 of the uncompressed point.
    pub public_key_base64: String,
    /// The unit certificate's serial, lower-case hex.
    pub certificate_serial: String,
    /// The unit certificate's notAfter.
    pub certificate_not_after: Timestamp,
    /// The algorithm of the key's curve (de-tse.md §2.1): `signature_algorithm` of the registration.
    pub algorithm: TseAlgorithm,
}

/// A valid client id: 1–30 characters of ASN.1 PrintableString without `_`, `;` and `/`
/// (`;` splits the QR code; `_` and `/` are forbidden in DSFinV-K `KASSE_SERIENNR`).
pub fn valid_client_id(s: &str) -> bool {
    let n = s.chars().count();
    (1..=30).contains(&n) && s.chars().all(|c| c.is_ascii_alphanumeric() || " '()+,-.:=?".contains(c))
}

/// Resolves the configuration: an explicit client id must be valid; the default is the register
/// label if valid, else its serial number if valid, else the register id without `reg_`.
pub fn configure(input: Option<&Value>, ctx: &ProvisionContext) -> Result<Configuration, RegimeError> {
    let mut c: Configuration = RegimeError::parse(input)?;
    if ctx.tax_id.is_none() && ctx.tax_number.is_none() {
        return Err(RegimeError::new(
            "organization.tax_id",
            None,
            "A German TSE needs the organization's tax_id or tax_number.",
        ));
    }
    let client_id = match c.client_id.take() {
        Some(id) if valid_client_id(&id) => id,
        Some(_) => {
            return Err(RegimeError::new(
                "configuration.client_id",
                Some("tse_client_id_invalid"),
                "client_id must be 1-30 characters of A-Z a-z 0-9 space ' ( ) + , - . : = ?",
            ));
        }
        None => [Some(ctx.register_label.clone()), ctx.register_serial.clone()]
            .into_iter()
            .flatten()
            .find(|s| valid_client_id(s))
            .unwrap_or_else(|| ctx.register_id.trim_start_matches("reg_").to_owned()),
    };
    Ok(Configuration { regime: Some("tse".into()), client_id: Some(client_id) })
}

/// Builds the provisioning outcome for a TSE whose configuration is resolved ([`configure`]) and
/// whose key and certificate exist.
pub fn provision(config: Configuration, ctx: &ProvisionContext, key: &TseKeyInfo) -> Provisioned {
    let registration = json!({
        "regime": "tse",
        "tse_serial": key.tse_serial,
        "client_id": config.client_id,
        "signature_algorithm": key.algorithm.name(),
        "time_format": "unixTime",
        "public_key": key.public_key_base64,
        "certificate_serial": key.certificate_serial,
        "certificate_not_after": key.certificate_not_after,
        "registered_at": ctx.now,
    });
    let configuration = serde_json::to_value(&config).unwrap_or(Value::Null);
    Provisioned { registration, configuration, start_records: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(label: &str, serial: Option<&str>) -> ProvisionContext {
        ProvisionContext {
            register_id: "reg_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".into(),
            unit_id: "fu_01JN3Q8W6ZK4T5V7X9Y2B3C4D6".into(),
            register_label: label.into(),
            register_serial: serial.map(str::to_owned),
            legal_name: "Muster GmbH".into(),
            tax_id: Some("DE123456789".into()),
            tax_number: None,
            production: false,
            now: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn client_id_rules() {
        assert!(valid_client_id("Kasse 2"));
        assert!(valid_client_id("POS-1.A:(x)=?+,'"));
        for bad in ["", "Kasse_2", "a;b", "a/b", "Käse", &"x".repeat(31)] {
            assert!(!valid_client_id(bad), "{bad}");
        }
    }

    #[test]
    fn default_client_id_falls_back_label_serial_id() {
        assert_eq!(configure(None, &ctx("Kasse 2", None)).unwrap().client_id.unwrap(), "Kasse 2");
        assert_eq!(configure(None, &ctx("Kasse_2", Some("SN-4711"))).unwrap().client_id.unwrap(), "SN-4711");
        assert_eq!(
            configure(None, &ctx("Kasse_2", Some("SN/4711"))).unwrap().client_id.unwrap(),
            "01JN3Q8W6ZK4T5V7X9Y2B3C4D5"
        );
    }

    #[test]
    fn explicit_invalid_client_id_is_a_fiscal_error() {
        let e = configure(Some(&json!({"regime": "tse", "client_id": "a;b"})), &ctx("K", None)).unwrap_err();
        assert_eq!(e.fiscal_code, Some("tse_client_id_invalid"));
        let e = configure(Some(&json!({"clientid": "x"})), &ctx("K", None)).unwrap_err();
        assert!(e.malformed);
        assert_eq!(e.param, "configuration.clientid");
    }

    #[test]
    fn needs_a_tax_identifier() {
        let mut c = ctx("K", None);
        c.tax_id = None;
        assert_eq!(configure(None, &c).unwrap_err().param, "organization.tax_id");
        c.tax_number = Some("21/815/08150".into());
        assert!(configure(None, &c).is_ok());
    }
}
