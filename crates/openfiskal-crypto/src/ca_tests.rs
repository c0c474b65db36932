//! DE CA tests: the profile of de-tse.md §9.1/§9.2, checked by `openssl x509` and `openssl verify`.

use super::*;
use crate::openssl_cli::{Workdir, cert_spki, cert_text, cert_to_pem, openssl_ok, verify_chain};
use crate::tse::tse_serial;

const CA_TIME: i64 = 1_772_355_600; // 2026-03-01T09:00:00Z
const PROVISIONED: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z
const PROVISIONED_PLUS_8Y: i64 = 2_024_820_000; // 2034-03-01T10:00:00Z

fn unit(kind: KeyKind) -> (Vec<u8>, String) {
    let point = SoftwareKey::generate(kind).unwrap().public_key_raw();
    let serial = tse_serial(&point);
    (point, serial)
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_brainpool_ca_and_unit_certificate_pass_openssl() {
    let ca = TseCa::generate("Muster GmbH, Filiale 1", CA_TIME).unwrap();
    let (point, serial) = unit(KeyKind::Bp384);
    let cert = ca.issue_unit_certificate(&point, &serial, PROVISIONED).unwrap();
    assert!(cert.der.len() < 1500, "{} bytes", cert.der.len());
    assert_eq!(cert.not_after_unix, PROVISIONED_PLUS_8Y);

    let dir = Workdir::new();
    let ca_text = cert_text(&dir, "ca", ca.certificate_der());
    for needle in [
        "Version: 3 (0x2)",
        "Signature Algorithm: ecdsa-with-SHA384",
        "Issuer: C = DE, O = \"Muster GmbH, Filiale 1\", CN = OpenFiskal TSE CA (not BSI-certified)",
        "Subject: C = DE, O = \"Muster GmbH, Filiale 1\", CN = OpenFiskal TSE CA (not BSI-certified)",
        "Not Before: Mar  1 09:00:00 2026 GMT",
        "Not After : Mar  1 09:00:00 2046 GMT",
        "ASN1 OID: brainpoolP384r1",
        "X509v3 Basic Constraints: critical\n                CA:TRUE",
        "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier",
    ] {
        assert!(ca_text.contains(needle), "CA lacks {needle:?}:\n{ca_text}");
    }
    assert!(!ca_text.contains("Authority Key Identifier"), "§9.1 lists three extensions only");

    let text = cert_text(&dir, "unit", &cert.der);
    for needle in [
        "Version: 3 (0x2)".to_owned(),
        "Signature Algorithm: ecdsa-with-SHA384".to_owned(),
        "Issuer: C = DE, O = \"Muster GmbH, Filiale 1\", CN = OpenFiskal TSE CA (not BSI-certified)".to_owned(),
        format!(
            "Subject: C = DE, O = \"Muster GmbH, Filiale 1\", OU = OpenFiskal software TSE - not BSI-certified, serialNumber = {serial}, CN = {serial}"
        ),
        "Not Before: Mar  1 10:00:00 2026 GMT".to_owned(),
        "Not After : Mar  1 10:00:00 2034 GMT".to_owned(),
        "ASN1 OID: brainpoolP384r1".to_owned(),
        "X509v3 Basic Constraints: critical\n                CA:FALSE".to_owned(),
        "X509v3 Key Usage: critical\n                Digital Signature\n".to_owned(),
        "X509v3 Subject Key Identifier".to_owned(),
        "X509v3 Authority Key Identifier".to_owned(),
    ] {
        assert!(text.contains(&needle), "unit cert lacks {needle:?}:\n{text}");
    }

    let ca_pem = cert_to_pem(&dir, "ca", ca.certificate_der());
    let unit_pem = cert_to_pem(&dir, "unit", &cert.der);
    let (ok, out) = verify_chain(&ca_pem, &unit_pem, PROVISIONED);
    assert!(ok && out.contains(": OK"), "{out}");
    let (ok, _) = verify_chain(&ca_pem, &unit_pem, PROVISIONED_PLUS_8Y + 1);
    assert!(!ok, "expired certificate accepted");

    // The certified key is the unit's point (de-tse.md §2.3 prefix ‖ point).
    let spki = cert_spki(&dir, &unit_pem);
    assert_eq!(
        hex::encode(spki),
        format!("307a301406072a8648ce3d020106092b240303020801010b036200{}", hex::encode(&point))
    );

    // serial: 16 random bytes, positive; shown in lower-case hex without leading zeros.
    let shown = openssl_ok(&["x509", "-in", unit_pem.to_str().unwrap(), "-noout", "-serial"]);
    let shown = shown.trim().trim_start_matches("serial=").trim_start_matches('0').to_ascii_lowercase();
    assert_eq!(cert.serial_hex, shown);
    assert!(!cert.serial_hex.starts_with('0') && cert.serial_hex.len() <= 32);
    assert_eq!(cert.serial_hex, cert.serial_hex.to_ascii_lowercase());
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_p256_option_uses_ecdsa_with_sha256_and_verifies() {
    let ca = TseCa::generate_for(KeyKind::P256, "Kiosk", CA_TIME).unwrap();
    let (point, serial) = unit(KeyKind::P256);
    let cert = ca.issue_unit_certificate(&point, &serial, PROVISIONED).unwrap();
    let dir = Workdir::new();
    assert!(cert_text(&dir, "unit", &cert.der).contains("Signature Algorithm: ecdsa-with-SHA256"));
    let (ok, out) = verify_chain(
        &cert_to_pem(&dir, "ca", ca.certificate_der()),
        &cert_to_pem(&dir, "unit", &cert.der),
        PROVISIONED,
    );
    assert!(ok, "{out}");
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_stored_ca_reloads_and_a_foreign_ca_does_not_verify() {
    let ca = TseCa::generate("Muster GmbH", CA_TIME).unwrap();
    let key = SoftwareKey::from_pkcs8_der(&ca.key().to_pkcs8_der().unwrap()).unwrap();
    let reloaded = TseCa::from_parts(key, ca.certificate_der().to_vec()).unwrap();
    let (point, serial) = unit(KeyKind::Bp384);
    let cert = reloaded.issue_unit_certificate(&point, &serial, PROVISIONED).unwrap();

    let dir = Workdir::new();
    let unit_pem = cert_to_pem(&dir, "unit", &cert.der);
    assert!(verify_chain(&cert_to_pem(&dir, "ca", ca.certificate_der()), &unit_pem, PROVISIONED).0);
    let other = TseCa::generate("Muster GmbH", CA_TIME).unwrap();
    assert!(!verify_chain(&cert_to_pem(&dir, "other", other.certificate_der()), &unit_pem, PROVISIONED).0);
}

#[test]
fn a_ca_reloads_only_with_its_own_key() {
    let ca = TseCa::generate("Muster GmbH", CA_TIME).unwrap();
    let key = SoftwareKey::from_pkcs8_der(&ca.key().to_pkcs8_der().unwrap()).unwrap();
    assert!(TseCa::from_parts(key, ca.certificate_der().to_vec()).is_ok());
    let (point, serial) = unit(KeyKind::Bp384);
    let cert = ca.issue_unit_certificate(&point, &serial, PROVISIONED).unwrap();
    let other = TseCa::generate("Muster GmbH", CA_TIME).unwrap();
    let wrong_key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    assert!(matches!(TseCa::from_parts(wrong_key, ca.certificate_der().to_vec()), Err(CertError::CaMismatch)));
    assert!(
        matches!(TseCa::from_parts(key_of(&other), cert.der.clone()), Err(CertError::CaMismatch)),
        "a leaf is no CA"
    );
}

fn key_of(ca: &TseCa) -> SoftwareKey {
    SoftwareKey::from_pkcs8_der(&ca.key().to_pkcs8_der().unwrap()).unwrap()
}

#[test]
fn wrong_inputs_are_refused() {
    let ca = TseCa::generate("Muster GmbH", CA_TIME).unwrap();
    let (point, serial) = unit(KeyKind::Bp384);
    let (p256_point, p256_serial) = unit(KeyKind::P256);
    assert!(matches!(ca.issue_unit_certificate(&point, &p256_serial, PROVISIONED), Err(CertError::SerialMismatch)));
    assert!(matches!(ca.issue_unit_certificate(&p256_point, &p256_serial, PROVISIONED), Err(CertError::SubjectKey)));
    assert!(matches!(TseCa::generate(&"x".repeat(65), CA_TIME), Err(CertError::Name(_))));
    assert!(matches!(TseCa::generate("", CA_TIME), Err(CertError::Name(_))));
    assert!(matches!(TseCa::generate_for(KeyKind::Rsa2048, "x", CA_TIME), Err(CertError::SubjectKey)));
    // 13 years on, an 8-year certificate would outlive the 20-year CA.
    let late = PROVISIONED + 13 * 366 * 86_400;
    assert!(matches!(ca.issue_unit_certificate(&point, &serial, late), Err(CertError::CaValidity)));
    assert!(matches!(ca.issue_unit_certificate(&point, &serial, CA_TIME - 1), Err(CertError::CaValidity)));
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_after_2049_times_are_generalized_and_still_verify() {
    let t2040 = 2_208_988_800; // 2040-01-01T00:00:00Z; the CA runs to 2060
    let ca = TseCa::generate("Muster GmbH", t2040).unwrap();
    let (point, serial) = unit(KeyKind::Bp384);
    let cert = ca.issue_unit_certificate(&point, &serial, t2040).unwrap();
    let dir = Workdir::new();
    assert!(cert_text(&dir, "ca", ca.certificate_der()).contains("Not After : Jan  1 00:00:00 2060 GMT"));
    let (ok, out) =
        verify_chain(&cert_to_pem(&dir, "ca", ca.certificate_der()), &cert_to_pem(&dir, "unit", &cert.der), t2040 + 60);
    assert!(ok, "{out}");
}
