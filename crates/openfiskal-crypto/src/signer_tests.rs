//! Tests of the software signer: determinism, known answers, and OpenSSL as the outside verifier
//! (de-tse.md §13.1).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::*;
use crate::keys::{Inner, KeyKind, SoftwareKey};
use crate::openssl_cli::{Workdir, verify};

// vectors/de/dtbs-golden.txt: the real TSE key, the Finish DTBS and both real signatures.
const GOLDEN_POINT: &str = "0458670da3d1a14c4061492d914aa8695da5f935692dd4fbc0f4d11439197075c54bb599846b2f2a1fe54f78c46092cd2c3fec8d0560fc9ae86d553992e7bf93677db0aedd9d63dd320625af813815ff3388a725cecd6eec1b8e609e23448eb9ae";
const GOLDEN_START_DTBS: &str = "020102060904007f000703070101801053746172745472616e73616374696f6e810844454d4f313235368200830085012704206ffbac5786eefed18e15293280ca5377632bc98036d6641efc0c3741972c38db300c060a04007f000701010401040202036a02045ede2252";
const GOLDEN_START_SIG: &str = "AP2zvSjWKtnFhs/PTFPw8Bldw9C2wHofpjF6cnPZSy0qv33Ib/vnNyjUDAFjZa6rMq8Pslz2lYXDnYv+/S+VhlJmqU4dUUeMRSTtVqMqG5sxAWLLpJu1JLxB3rOzNvr1";
const GOLDEN_FINISH_DTBS: &str = "020102060904007f000703070101801146696e6973685472616e73616374696f6e810844454d4f31323536822942656c65675e31352e30305f302e30305f302e30305f302e30305f302e30305e31352e30303a426172830e4b617373656e62656c65672d563185012704206ffbac5786eefed18e15293280ca5377632bc98036d6641efc0c3741972c38db300c060a04007f000701010401040202036b02045ede2253";
const GOLDEN_FINISH_SIG: &str = "DdxmTYRiAIm3jQJYwb7dyRthzG0hErod7ZobdmIKpIVlVXESbSzTxZ0cVx08c4PgQ2S4oXedpUZV3vRXIU1q80IfrI2Xh4ZFMEq7515cfIcPIwsFQFEo7ZT58aDlBXlI";
const BP384_SPKI_PREFIX: &str = "307a301406072a8648ce3d020106092b240303020801010b036200";

fn bp384_from_scalar(hex_scalar: &str) -> SoftwareKey {
    let k = crate::keys::Bp384SigningKey::from_slice(&hex::decode(hex_scalar).unwrap()).unwrap();
    SoftwareKey::from_inner(Inner::Bp384(k)).unwrap()
}

fn p256_from_scalar(hex_scalar: &str) -> SoftwareKey {
    let k = crate::keys::P256SigningKey::from_slice(&hex::decode(hex_scalar).unwrap()).unwrap();
    SoftwareKey::from_inner(Inner::P256(k)).unwrap()
}

#[test]
fn ec_signatures_are_deterministic_and_fixed_width() {
    for (kind, alg) in
        [(KeyKind::Bp384, SignatureAlgorithm::EcdsaBp384Sha384), (KeyKind::P256, SignatureAlgorithm::EcdsaP256Sha256)]
    {
        let key = SoftwareKey::generate(kind).unwrap();
        assert_eq!(key.algorithm(), alg);
        let a = key.sign(b"dtbs").unwrap();
        assert_eq!(a.len(), alg.signature_len());
        assert_eq!(a, key.sign(b"dtbs").unwrap(), "RFC 6979: same key and message, same signature");
        assert_ne!(a, key.sign(b"dtbs2").unwrap());
    }
    let rsa = SoftwareKey::generate(KeyKind::Rsa2048).unwrap();
    assert_eq!(rsa.sign(b"x").unwrap(), rsa.sign(b"x").unwrap(), "PKCS#1 v1.5 is deterministic too");
}

#[test]
fn bp384_known_answers_rfc6979_unnormalised() {
    // Self-generated, computed outside this code base with Python `cryptography` 48 (OpenSSL 4.0,
    // `ECDSA(SHA384(), deterministic_signing=True)`, RFC 6979) for the scalar 3a7e5c1f × 12.
    let key = bp384_from_scalar(&"3a7e5c1f".repeat(12));
    let finish = hex::decode(GOLDEN_FINISH_DTBS).unwrap();
    assert_eq!(
        hex::encode(key.sign(&finish).unwrap()),
        "79a1e290f18ed1f9d71bab197735324c48534b9b40e5d30e8a5dc4ac8e5dc8028b301516b758a41b709a8653ca3fc15a0083fc12b872d1e1ed5f26be0341e56bba5168b9a5bd8f96cf817b7571b87c0f8baa7184f0ec3635b0ba588969764a7a"
    );
    // Here s > n/2: a signer that normalised s would differ.
    assert_eq!(
        hex::encode(key.sign(b"openfiskal-kat-1").unwrap()),
        "7d9d9b743739a96419ed0c774afc287df91f714ad1a564105ae69d5f197ac3183ce14b5f1c64d3746478c10b6c0fe83f8916d7fb95446af047d4c5ddfc14d4e08735a2085767537f72a3ddb4dae7cdd99a3868fa970f518553b7d0984d8afd58"
    );
}

#[test]
fn p256_reproduces_the_rksv_selfgen_jws_signature() {
    // vectors/at/selfgen-closed/input.json: device U:ATU12345678-K1, receipt 1 (Startbeleg). Its
    // s is above n/2, so this also proves that s is not normalised (at-rksv.md §3.2).
    let key = p256_from_scalar("6a98e19bceab6369ccd1ed2120ffb69e4b585eca118ce386e01f5e2c8d905329");
    let jws = "eyJhbGciOiJFUzI1NiJ9.X1IxLUFUMF9LQVNTRS0wMV8xXzIwMjYtMDYtMzBUMDg6MDA6MDBfMCwwMF8wLDAwXzAsMDBfMCwwMF8wLDAwXzJGUWJSK2JEamVNPV9VOkFUVTEyMzQ1Njc4LUsxX2ZrMXc0Q3MvV2I0PQ.UmZTmpC7TCr8mUfjZ4epjUxiLVTEIaAERzKafr5QT6Hts9RDusJN3fG6ZrZoq0rYdQShCh0sfN36E3Ay-LlV1g";
    let (input, sig_b64) = jws.rsplit_once('.').unwrap();
    let sig = key.sign(input.as_bytes()).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.encode(&sig), sig_b64);
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_golden_tse_signatures_pass_the_openssl_harness() {
    // Harness self-test on real third-party signatures before it judges ours (vectors/de/README.md).
    let dir = Workdir::new();
    let spki = hex::decode(format!("{BP384_SPKI_PREFIX}{GOLDEN_POINT}")).unwrap();
    for (dtbs, sig) in [(GOLDEN_START_DTBS, GOLDEN_START_SIG), (GOLDEN_FINISH_DTBS, GOLDEN_FINISH_SIG)] {
        let dtbs = hex::decode(dtbs).unwrap();
        let sig = STANDARD.decode(sig).unwrap();
        assert!(verify(&dir, SignatureAlgorithm::EcdsaBp384Sha384, &spki, &dtbs, &sig));
        let mut wrong = dtbs.clone();
        *wrong.last_mut().unwrap() ^= 1;
        assert!(!verify(&dir, SignatureAlgorithm::EcdsaBp384Sha384, &spki, &wrong, &sig), "negative control");
    }
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_openssl_verifies_every_software_signature() {
    let dir = Workdir::new();
    for kind in [KeyKind::Bp384, KeyKind::P256, KeyKind::Rsa2048] {
        let key = SoftwareKey::generate(kind).unwrap();
        let msg = hex::decode(GOLDEN_FINISH_DTBS).unwrap();
        let sig = key.sign(&msg).unwrap();
        assert!(verify(&dir, key.algorithm(), &key.spki_der(), &msg, &sig), "{kind:?} signature rejected by openssl");
        let mut wrong = msg.clone();
        wrong[40] ^= 1;
        assert!(!verify(&dir, key.algorithm(), &key.spki_der(), &wrong, &sig), "{kind:?}: tampered message accepted");
    }
}

#[test]
fn plain_to_der_matches_the_library_verifier() {
    use ecdsa::signature::Verifier as _;
    let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
    let plain = key.sign(b"m").unwrap();
    let der = plain_to_der(key.algorithm(), &plain).unwrap();
    let vk = ecdsa::VerifyingKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(&key.public_key_raw()).unwrap();
    let sig = ecdsa::der::Signature::<bp384::BrainpoolP384r1>::from_bytes(&der).unwrap();
    assert!(vk.verify(b"m", &sig).is_ok());
    assert!(plain_to_der(SignatureAlgorithm::RsaPkcs1v15Sha256, &plain).is_none());
}
