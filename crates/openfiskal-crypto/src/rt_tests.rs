//! IT sandbox CA tests: the profile of it-rt.md §9.5, checked by `openssl x509` and `openssl verify`
//! (it-rt.md §13.4).

use super::*;
use crate::openssl_cli::{Workdir, cert_spki, cert_text, cert_to_pem, verify, verify_chain};
use crate::signer::Signer as _;

const CA_TIME: i64 = 1_772_355_600; // 2026-03-01T09:00:00Z
const PROVISIONED: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z
const PROVISIONED_PLUS_3Y: i64 = 1_867_053_600; // 2029-03-01T10:00:00Z

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_sandbox_ca_and_device_certificate_pass_openssl() {
    let ca = RtSandboxCa::generate(CA_TIME).unwrap();
    let unit = SoftwareKey::generate(KeyKind::Rsa2048).unwrap();
    let cert = ca.issue_device_certificate(&unit.public_key_raw(), "OFXSB000001", PROVISIONED).unwrap();
    assert_eq!(cert.not_after_unix, PROVISIONED_PLUS_3Y);

    let dir = Workdir::new();
    let ca_text = cert_text(&dir, "ca", ca.certificate_der());
    for needle in [
        "Signature Algorithm: sha256WithRSAEncryption",
        "Issuer: C = IT, O = OpenFiskal Sandbox, CN = OpenFiskal Sandbox CA Corrispettivi",
        "Subject: C = IT, O = OpenFiskal Sandbox, CN = OpenFiskal Sandbox CA Corrispettivi",
        "Not After : Mar  1 09:00:00 2036 GMT",
        "Public-Key: (2048 bit)",
        "X509v3 Basic Constraints: critical\n                CA:TRUE",
        "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
    ] {
        assert!(ca_text.contains(needle), "CA lacks {needle:?}:\n{ca_text}");
    }

    let text = cert_text(&dir, "device", &cert.der);
    for needle in [
        "Version: 3 (0x2)",
        "Signature Algorithm: sha256WithRSAEncryption",
        "Issuer: C = IT, O = OpenFiskal Sandbox, CN = OpenFiskal Sandbox CA Corrispettivi",
        "Subject: C = IT, O = OpenFiskal Sandbox, OU = Corrispettivi RT Sandbox, CN = OFXSB000001",
        "Not Before: Mar  1 10:00:00 2026 GMT",
        "Not After : Mar  1 10:00:00 2029 GMT",
        "Public-Key: (2048 bit)",
        "Exponent: 65537 (0x10001)",
        "X509v3 Key Usage: critical\n                Non Repudiation\n",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
    ] {
        assert!(text.contains(needle), "device cert lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("Basic Constraints"), "§9.5: nothing but keyUsage, SKI and AKI");
    assert_eq!(text.matches("\n            X509v3 ").count(), 3, "exactly three extensions:\n{text}");
    assert!(!text.contains("Agenzia delle Entrate"));

    let ca_pem = cert_to_pem(&dir, "ca", ca.certificate_der());
    let device_pem = cert_to_pem(&dir, "device", &cert.der);
    let (ok, out) = verify_chain(&ca_pem, &device_pem, PROVISIONED);
    assert!(ok && out.contains(": OK"), "{out}");
    assert!(!verify_chain(&ca_pem, &device_pem, PROVISIONED_PLUS_3Y + 1).0, "expired certificate accepted");
    let foreign = RtSandboxCa::generate(CA_TIME).unwrap();
    assert!(!verify_chain(&cert_to_pem(&dir, "foreign", foreign.certificate_der()), &device_pem, PROVISIONED).0);

    // The certified key is the unit's key: a signature by the unit verifies with the certificate's key.
    let spki = cert_spki(&dir, &device_pem);
    assert_eq!(spki, unit.spki_der());
    let sig = unit.sign(b"<ds:SignedInfo/>").unwrap();
    assert!(verify(&dir, unit.algorithm(), &spki, b"<ds:SignedInfo/>", &sig));
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_stored_ca_reloads() {
    let ca = RtSandboxCa::generate(CA_TIME).unwrap();
    let key = SoftwareKey::from_pkcs8_der(&ca.key().to_pkcs8_der().unwrap()).unwrap();
    let reloaded = RtSandboxCa::from_parts(key, ca.certificate_der().to_vec()).unwrap();
    let unit = SoftwareKey::generate(KeyKind::Rsa2048).unwrap();
    let cert = reloaded.issue_device_certificate(&unit.public_key_raw(), "OFXSB000002", PROVISIONED).unwrap();
    let dir = Workdir::new();
    let (ok, out) =
        verify_chain(&cert_to_pem(&dir, "ca", ca.certificate_der()), &cert_to_pem(&dir, "d", &cert.der), PROVISIONED);
    assert!(ok, "{out}");
}

#[test]
fn a_sandbox_ca_reloads_only_with_its_own_key() {
    let ca = RtSandboxCa::generate(CA_TIME).unwrap();
    let key = SoftwareKey::from_pkcs8_der(&ca.key().to_pkcs8_der().unwrap()).unwrap();
    assert!(RtSandboxCa::from_parts(key, ca.certificate_der().to_vec()).is_ok());
    let ec = SoftwareKey::generate(KeyKind::P256).unwrap();
    assert!(matches!(RtSandboxCa::from_parts(ec, ca.certificate_der().to_vec()), Err(CertError::CaMismatch)));
}

#[test]
fn wrong_inputs_are_refused() {
    let ca = RtSandboxCa::generate(CA_TIME).unwrap();
    let unit = SoftwareKey::generate(KeyKind::Rsa2048).unwrap().public_key_raw();
    for bad in ["OFXSB00001", "ofxsb000001", "OF1SB000001", "OFXSB00000A", "ND"] {
        assert!(matches!(ca.issue_device_certificate(&unit, bad, PROVISIONED), Err(CertError::Name(_))), "{bad}");
    }
    for good in ["7CIMG990005", "72MAA000001", "88S25002806", "53SNS302850", "99SEA004010"] {
        assert!(is_own_matricola(good), "{good}");
    }
    let ec = SoftwareKey::generate(KeyKind::P256).unwrap().spki_der();
    assert!(matches!(ca.issue_device_certificate(&ec, "OFXSB000001", PROVISIONED), Err(CertError::SubjectKey)));
    let late = CA_TIME + 8 * 366 * 86_400; // 3 more years would outlive the 10-year CA
    assert!(matches!(ca.issue_device_certificate(&unit, "OFXSB000001", late), Err(CertError::CaValidity)));
}
