//! System logs (de-tse.md §3.4): the `registerClient` example bytes, `disableSecureElement`'s
//! INTEGER parameter, the `initialize` description, and the provisioning and decommission sets
//! signed with fresh keys and verified.

use openfiskal_crypto::{KeyKind, SoftwareKey};

use crate::log_tests::child_tags;
use crate::tlv::{children, read};
use crate::*;

#[test]
fn system_log_encodings() {
    // §3.4 example: registerClient for DEMO1256.
    let reg = SystemLog::RegisterClient { client_id: "DEMO1256".into() }.certified_data().unwrap();
    let mut expected = vec![0x80, 0x0E];
    expected.extend_from_slice(b"registerClient");
    expected.extend_from_slice(&[0x81, 0x0A, 0x81, 0x08]);
    expected.extend_from_slice(b"DEMO1256");
    assert_eq!(reg, expected);
    let off = SystemLog::DisableSecureElement { time_of_deactivation: 1_591_616_083 }.certified_data().unwrap();
    assert_eq!(off[off.len() - 8..], [0x81, 0x06, 0x81, 0x04, 0x5E, 0xDE, 0x22, 0x53]);
    let init = SystemLog::initialize_for_unit("fu_01JN3Q8W6ZK4T5V7X9Y2B3C4D6");
    assert_eq!(
        init,
        SystemLog::Initialize { description: "OpenFiskal software TSE 01JN3Q8W6ZK4T5V7X9Y2B3C4D6".into() }
    );
}

#[test]
fn initialisation_and_decommission_sets() {
    let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    let point = key.public_key_raw();
    let init = initialisation_logs(&key, "fu_01JN3Q8W6ZK4T5V7X9Y2B3C4D6", "Kasse 2", 1_700_000_000).unwrap();
    let off = decommission_logs(&key, "Kasse 2", 9, 1_700_000_500).unwrap();
    let counters: Vec<u64> = init.iter().chain(&off).map(|l| l.signature_counter).collect();
    assert_eq!(counters, [1, 2, 9, 10]);
    for (log, op) in
        init.iter().chain(&off).zip(["initialize", "registerClient", "deregisterClient", "disableSecureElement"])
    {
        assert_eq!(verify_log_message(&log.der, &point).unwrap().0.signature_counter, log.signature_counter);
        assert!(log.der.windows(op.len()).any(|w| w == op.as_bytes()), "{op}");
        assert_eq!(child_tags(&log.der), [0x02, 0x06, 0x80, 0x81, 0x04, 0x30, 0x02, 0x02, 0x04]);
        let (outer, _) = read(&log.der).unwrap();
        let system_type = [0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x07, 0x01, 0x02];
        assert_eq!(children(outer.content).unwrap()[1].raw, system_type, "certifiedDataType …7.1.2");
    }
}
