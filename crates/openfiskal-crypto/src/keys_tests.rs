//! Key tests: the point and SPKI layouts of de-tse.md §2.2–§2.3, PKCS#8 round trips, redaction.

use super::*;

const BP384_SPKI_PREFIX: &str = "307a301406072a8648ce3d020106092b240303020801010b036200";
const P256_SPKI_PREFIX: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

#[test]
fn ec_keys_have_the_spec_point_and_spki_layout() {
    for (kind, len, prefix) in [(KeyKind::Bp384, 97, BP384_SPKI_PREFIX), (KeyKind::P256, 65, P256_SPKI_PREFIX)] {
        let key = SoftwareKey::generate(kind).unwrap();
        let point = key.public_key_raw();
        assert_eq!(point.len(), len);
        assert_eq!(point[0], 0x04);
        // de-tse.md §2.3: SPKI = fixed prefix ‖ point.
        assert_eq!(hex::encode(key.spki_der()), format!("{prefix}{}", hex::encode(&point)));
        assert_eq!(ec_spki_from_point(kind, &point).unwrap(), key.spki_der());
    }
}

#[test]
fn pkcs8_round_trip_keeps_kind_and_public_key() {
    for kind in [KeyKind::Bp384, KeyKind::P256, KeyKind::Rsa2048] {
        let key = SoftwareKey::generate(kind).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let back = SoftwareKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.kind(), kind);
        assert_eq!(back.public_key_raw(), key.public_key_raw());
        assert_eq!(*back.to_pkcs8_der().unwrap(), *der);
    }
}

#[test]
fn rsa_public_key_is_spki_of_2048_bits() {
    let key = SoftwareKey::generate(KeyKind::Rsa2048).unwrap();
    assert_eq!(key.public_key_raw(), key.spki_der());
    // 2048-bit modulus SPKI: 294 bytes.
    assert_eq!(key.spki_der().len(), 294);
}

#[test]
fn debug_is_redacted() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    assert_eq!(format!("{key:?}"), "SoftwareKey(P256, [redacted])");
}

#[test]
fn garbage_and_wrong_points_are_refused() {
    assert!(matches!(SoftwareKey::from_pkcs8_der(b"nonsense"), Err(KeyError::Pkcs8)));
    let p = SoftwareKey::generate(KeyKind::P256).unwrap().public_key_raw();
    assert!(ec_spki_from_point(KeyKind::Bp384, &p).is_err(), "P-256 point is not brainpool");
    let mut off_curve = p.clone();
    off_curve[64] ^= 1;
    assert!(ec_spki_from_point(KeyKind::P256, &off_curve).is_err());
    assert!(ec_spki_from_point(KeyKind::Rsa2048, &p).is_err());
}
