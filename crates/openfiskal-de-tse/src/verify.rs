//! Checking a plain r‖s signature (de-tse.md §4.3) with a raw public point when no certificate names
//! the curve (§2.1): a 97-byte point is tried on brainpoolP384r1 and then on NIST P-384, a 65-byte
//! point on P-256. The hash comes from the algorithm, never from the curve.

use ecdsa::signature::hazmat::PrehashVerifier;

use crate::{TseAlgorithm, TseError};

/// A curve a verifier may try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// brainpoolP384r1 (RFC 5639): OpenFiskal's default and common hardware TSEs.
    BrainpoolP384r1,
    /// NIST P-384 (secp384r1): some certified TSEs (third-party data only).
    NistP384,
    /// NIST P-256 (prime256v1): the P-256 option and the fiskaly cloud TSE.
    NistP256,
}

/// Verifies `signature` (plain r‖s, fixed-width halves) over `message` with the uncompressed
/// `point`, hashing with `algorithm`'s hash. Returns the curve on which it verified.
pub fn verify_plain(
    algorithm: TseAlgorithm,
    point: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<Curve, TseError> {
    let candidates: &[Curve] = match point.len() {
        97 => &[Curve::BrainpoolP384r1, Curve::NistP384],
        65 => &[Curve::NistP256],
        _ => return Err(TseError::PublicKey),
    };
    if point.first() != Some(&0x04) {
        return Err(TseError::PublicKey);
    }
    if signature.len() != point.len() - 1 {
        return Err(TseError::invalid("signature", "wrong length for the key's curve"));
    }
    let digest = algorithm.digest(message);
    let mut on_some_curve = false;
    for &curve in candidates {
        match verify_on(curve, point, &digest, signature) {
            Some(true) => return Ok(curve),
            Some(false) => on_some_curve = true,
            None => {}
        }
    }
    Err(if on_some_curve { TseError::BadSignature } else { TseError::PublicKey })
}

/// `None` if `point` is not on `curve`; else whether the signature verifies.
fn verify_on(curve: Curve, point: &[u8], digest: &[u8], signature: &[u8]) -> Option<bool> {
    macro_rules! check {
        ($c:ty) => {{
            let key = ecdsa::VerifyingKey::<$c>::from_sec1_bytes(point).ok()?;
            // r or s zero or not below the order: a malformed signature, which does not verify.
            let Ok(sig) = ecdsa::Signature::<$c>::from_slice(signature) else { return Some(false) };
            Some(key.verify_prehash(digest, &sig).is_ok())
        }};
    }
    match curve {
        Curve::BrainpoolP384r1 => check!(bp384::BrainpoolP384r1),
        Curve::NistP384 => check!(p384::NistP384),
        Curve::NistP256 => check!(p256::NistP256),
    }
}

#[cfg(test)]
mod tests {
    use openfiskal_crypto::{KeyKind, Signer, SoftwareKey};

    use super::*;

    #[test]
    fn own_keys_verify_on_their_curve_and_flips_fail() {
        for (kind, alg, curve) in [
            (KeyKind::Bp384, TseAlgorithm::EcdsaPlainSha384, Curve::BrainpoolP384r1),
            (KeyKind::P256, TseAlgorithm::EcdsaPlainSha256, Curve::NistP256),
        ] {
            let key = SoftwareKey::generate(kind).unwrap();
            let point = key.public_key_raw();
            let sig = Signer::sign(&key, b"dtbs").unwrap();
            assert_eq!(verify_plain(alg, &point, b"dtbs", &sig).unwrap(), curve);
            assert!(matches!(verify_plain(alg, &point, b"dtbx", &sig), Err(TseError::BadSignature)));
            let mut bad = sig.clone();
            bad[5] ^= 1;
            assert!(matches!(verify_plain(alg, &point, b"dtbs", &bad), Err(TseError::BadSignature)));
            assert!(verify_plain(alg, &point, b"dtbs", &sig[1..]).is_err(), "a trimmed r is refused (§4.3)");
        }
    }

    #[test]
    fn nist_p384_is_tried_after_brainpool() {
        use ecdsa::signature::hazmat::PrehashSigner;
        // A fixed P-384 scalar: third-party TSEs (D-Trust) sign `ecdsa-plain-SHA384` on P-384.
        let key = ecdsa::SigningKey::<p384::NistP384>::from_slice(&[0x3a; 48]).unwrap();
        let point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let digest = TseAlgorithm::EcdsaPlainSha384.digest(b"dtbs");
        let sig: ecdsa::Signature<p384::NistP384> = key.sign_prehash(&digest).unwrap();
        let got = verify_plain(TseAlgorithm::EcdsaPlainSha384, &point, b"dtbs", &sig.to_bytes()).unwrap();
        assert_eq!(got, Curve::NistP384);
    }

    #[test]
    fn bad_points_are_refused() {
        let alg = TseAlgorithm::EcdsaPlainSha384;
        assert!(matches!(verify_plain(alg, &[4; 96], b"m", &[1; 95]), Err(TseError::PublicKey)));
        assert!(matches!(verify_plain(alg, &[4; 97], b"m", &[1; 96]), Err(TseError::PublicKey)));
    }
}
