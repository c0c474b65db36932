//! Sign-then-verify of our own log messages (de-tse.md §3, §4, §7) with fresh keys on both curves,
//! BER and audit logs in the verifier, and the refusals of §3.2 and §2.2.

use openfiskal_crypto::{KeyKind, Signer, SoftwareKey};

use crate::log::log_message;
use crate::tlv::{children, read};
use crate::*;

pub(crate) fn child_tags(der: &[u8]) -> Vec<u8> {
    let (outer, _) = read(der).unwrap();
    children(outer.content).unwrap().iter().map(|e| e.tag).collect()
}

/// A whole transaction as the API would sign it: Start (counter 3), Finish (counter 5).
fn transaction(key: &SoftwareKey) -> (TransactionLog, SignedLog, SignedLog) {
    let serial = serial_number_of(key);
    let start = sign_log(key, &serial, 3, 1_700_000_000, &LogContent::Transaction(TransactionLog::start("Kasse 2", 1)));
    let finish =
        TransactionLog::finish("Kasse 2", 1, PROCESS_TYPE_KASSENBELEG, "Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar");
    let signed = sign_log(key, &serial, 5, 1_700_000_002, &LogContent::Transaction(finish.clone())).unwrap();
    (finish, start.unwrap(), signed)
}

#[test]
fn own_transaction_logs_verify_on_both_curves() {
    for (kind, alg) in
        [(KeyKind::Bp384, TseAlgorithm::EcdsaPlainSha384), (KeyKind::P256, TseAlgorithm::EcdsaPlainSha256)]
    {
        let key = SoftwareKey::generate(kind).unwrap();
        let (finish, start, signed) = transaction(&key);
        let point = key.public_key_raw();
        let (parts, _) = verify_log_message(&start.der, &point).unwrap();
        assert_eq!((parts.signature_counter, parts.algorithm, parts.signature), (3, alg, start.signature.clone()));
        assert_eq!(verify_log_message(&signed.der, &point).unwrap().0.signature_counter, 5);
        // §3.1/§3.3: children in order, no [4] and no [6]; Start carries `82 00 83 00`.
        let tags = [0x02, 0x06, 0x80, 0x81, 0x82, 0x83, 0x85, 0x04, 0x30, 0x02, 0x02, 0x04];
        assert_eq!(child_tags(&start.der), tags);
        assert_eq!(child_tags(&signed.der), tags);
        assert!(start.der.windows(4).any(|w| w == [0x82, 0x00, 0x83, 0x00]));
        // §7: the QR code of this transaction verifies.
        let qr = QrCode::for_transaction(&finish, &signed, start.signed_at_unix, alg, &point).unwrap();
        let data = qr.to_qr_data().unwrap();
        assert!(data.starts_with("V0;Kasse 2;Kassenbeleg-V1;Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar;1;5;"));
        assert_eq!(verify_qr(&data).unwrap(), qr);
    }
}

#[test]
fn signing_is_deterministic() {
    let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    assert_eq!(transaction(&key).2, transaction(&key).2, "RFC 6979: same inputs, same bytes");
}

#[test]
fn refusals() {
    let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    let serial = serial_number_of(&key);
    let start = |client: &str, tx| LogContent::Transaction(TransactionLog::start(client, tx));
    let err = |r: Result<SignedLog, TseError>| r.unwrap_err().to_string();
    assert!(err(sign_log(&key, &serial, 0, 1, &start("K", 1))).contains("signature_counter"));
    assert!(err(sign_log(&key, &serial, 1, 1, &start("K", 0))).contains("transaction_number"));
    assert!(err(sign_log(&key, &serial, 1, -1, &start("K", 1))).contains("log_time"));
    for bad in ["", "Kasse_2", "Käse", "a;b", "a\nb"] {
        assert!(err(sign_log(&key, &serial, 1, 1, &start(bad, 1))).contains("client_id"), "{bad:?}");
    }
    let mut busy_start = TransactionLog::start("K", 1);
    busy_start.process_type = " ".into();
    assert!(err(sign_log(&key, &serial, 1, 1, &LogContent::Transaction(busy_start))).contains("empty"));
    let other = serial_number_of(&SoftwareKey::generate(KeyKind::Bp384).unwrap());
    assert!(matches!(sign_log(&key, &other, 1, 1, &start("K", 1)), Err(TseError::SerialMismatch)));
    let rsa = SoftwareKey::generate(KeyKind::Rsa2048).unwrap();
    assert!(matches!(sign_log(&rsa, &serial, 1, 1, &start("K", 1)), Err(TseError::Unsupported(_))));
}

#[test]
fn ber_process_data_verifies_from_raw_bytes() {
    // §3.2: a D-Trust TSE writes `[2]` constructed with indefinite length and signs those bytes.
    let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    let content = LogContent::Transaction(TransactionLog::finish("K", 7, "Kassenbeleg-V1", "Beleg^1.00"));
    let der_dtbs = dtbs(&content, &serial_number_of(&key), TseAlgorithm::EcdsaPlainSha384, 9, 1).unwrap();
    let (der_elem, ber_elem) =
        ([&[0x82, 0x0A][..], b"Beleg^1.00"].concat(), [&[0xA2, 0x80, 0x04, 0x0A][..], b"Beleg^1.00", &[0, 0]].concat());
    let at = der_dtbs.windows(der_elem.len()).position(|w| w == der_elem).unwrap();
    let ber_dtbs = [&der_dtbs[..at], &ber_elem[..], &der_dtbs[at + der_elem.len()..]].concat();
    let message = log_message(&ber_dtbs, &Signer::sign(&key, &ber_dtbs).unwrap());
    let (parts, _) = verify_log_message(&message, &key.public_key_raw()).unwrap();
    assert_eq!(parts.dtbs, ber_dtbs, "the DTBS is the raw bytes, not a re-encoding");
}

#[test]
fn audit_logs_are_accepted_by_the_verifier() {
    // §3.5: no certifiedData, seAuditData between algorithm and counter.
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let mut d = vec![0x02, 0x01, 0x02, 0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x07, 0x01, 0x03, 0x04, 0x20];
    d.extend_from_slice(&serial_number_of(&key));
    d.extend_from_slice(TseAlgorithm::EcdsaPlainSha256.algorithm_identifier());
    d.extend_from_slice(&[0x04, 0x03, 1, 2, 3, 0x02, 0x01, 0x2A, 0x02, 0x01, 0x01]);
    let message = log_message(&d, &Signer::sign(&key, &d).unwrap());
    assert_eq!(verify_log_message(&message, &key.public_key_raw()).unwrap().0.signature_counter, 42);
}
