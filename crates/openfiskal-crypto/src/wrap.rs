//! Wrapping private keys and secrets for storage (ARCHITECTURE.md §9): AES-256-GCM under a [`Kek`]
//! (the installation key, or a per-organization data key held in the same type), bound to the
//! associated data `openfiskal:v1:{org}:{unit}:{purpose}`, so a wrapped key copied to another
//! organization, unit or purpose does not open. Private keys are wrapped as PKCS#8 DER; raw secrets
//! (the AT AES-256 turnover-counter key, at-rksv.md §5) as their bytes.

use zeroize::Zeroizing;

use crate::kek::Kek;
use crate::keys::SoftwareKey;

/// Why a wrapped key or secret could not be recovered.
#[derive(Debug, thiserror::Error)]
pub enum UnwrapError {
    /// Wrong key-encryption key, wrong organization, unit or purpose, or tampered bytes.
    #[error("wrapped key does not open with this key-encryption key and context")]
    Open,
    /// It opened, but the content is not a supported PKCS#8 private key.
    #[error("unwrapped content is not a supported private key")]
    Malformed,
}

/// Why a key could not be wrapped.
#[derive(Debug, thiserror::Error)]
#[error("private key could not be encoded for wrapping")]
pub struct WrapError;

/// The associated data: `openfiskal:v1:{org}:{unit}:{purpose}`. Ids are server-made (`org_…`,
/// ULIDs) and purposes are constants, none containing `:`, so the string is unambiguous.
pub fn wrap_aad(org_id: &str, unit_id: &str, purpose: &str) -> String {
    debug_assert!(![org_id, unit_id, purpose].iter().any(|s| s.contains(':')), "':' in a key context");
    format!("openfiskal:v1:{org_id}:{unit_id}:{purpose}")
}

/// Wraps `key` (as PKCS#8 DER) for storage: `nonce ‖ ciphertext ‖ tag`, fresh nonce each time.
pub fn wrap_key(
    kek: &Kek,
    org_id: &str,
    unit_id: &str,
    purpose: &str,
    key: &SoftwareKey,
) -> Result<Vec<u8>, WrapError> {
    let pkcs8 = key.to_pkcs8_der().map_err(|_| WrapError)?;
    Ok(wrap_secret(kek, org_id, unit_id, purpose, &pkcs8))
}

/// Reverses [`wrap_key`] with the same key-encryption key and context.
pub fn unwrap_key(
    kek: &Kek,
    org_id: &str,
    unit_id: &str,
    purpose: &str,
    wrapped: &[u8],
) -> Result<SoftwareKey, UnwrapError> {
    let pkcs8 = unwrap_secret(kek, org_id, unit_id, purpose, wrapped)?;
    SoftwareKey::from_pkcs8_der(&pkcs8).map_err(|_| UnwrapError::Malformed)
}

/// Wraps raw secret bytes (e.g. the AT turnover-counter key) the same way.
pub fn wrap_secret(kek: &Kek, org_id: &str, unit_id: &str, purpose: &str, secret: &[u8]) -> Vec<u8> {
    kek.seal(wrap_aad(org_id, unit_id, purpose).as_bytes(), secret)
}

/// Reverses [`wrap_secret`]; the result is zeroised on drop.
pub fn unwrap_secret(
    kek: &Kek,
    org_id: &str,
    unit_id: &str,
    purpose: &str,
    wrapped: &[u8],
) -> Result<Zeroizing<Vec<u8>>, UnwrapError> {
    kek.open(wrap_aad(org_id, unit_id, purpose).as_bytes(), wrapped).map_err(|_| UnwrapError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyKind;

    const ORG: &str = "org_01HZY0000000000000000000AA";
    const UNIT: &str = "fu_01HZY0000000000000000000BB";

    #[test]
    fn aad_is_the_documented_string() {
        assert_eq!(wrap_aad("o", "u", "tse_signing"), "openfiskal:v1:o:u:tse_signing");
    }

    #[test]
    fn keys_round_trip_and_stay_bound_to_their_context() {
        let kek = Kek::from_bytes([9; 32]);
        for kind in [KeyKind::Bp384, KeyKind::P256, KeyKind::Rsa2048] {
            let key = SoftwareKey::generate(kind).unwrap();
            let wrapped = wrap_key(&kek, ORG, UNIT, "signing", &key).unwrap();
            let back = unwrap_key(&kek, ORG, UNIT, "signing", &wrapped).unwrap();
            assert_eq!(back.kind(), kind);
            assert_eq!(back.public_key_raw(), key.public_key_raw());

            let moved = [
                unwrap_key(&kek, ORG, "fu_other", "signing", &wrapped),
                unwrap_key(&kek, "org_other", UNIT, "signing", &wrapped),
                unwrap_key(&kek, ORG, UNIT, "ca", &wrapped),
                unwrap_key(&Kek::from_bytes([8; 32]), ORG, UNIT, "signing", &wrapped),
            ];
            assert!(moved.iter().all(|r| matches!(r, Err(UnwrapError::Open))), "{kind:?} opened out of context");
        }
    }

    #[test]
    fn wrapped_bytes_never_contain_the_pkcs8() {
        let kek = Kek::from_bytes([1; 32]);
        let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let wrapped = wrap_key(&kek, ORG, UNIT, "signing", &key).unwrap();
        // No 8-byte run of the plaintext survives (the fixed PKCS#8 header included).
        assert!(pkcs8.windows(8).all(|w| !wrapped.windows(8).any(|x| x == w)));
        assert_ne!(wrapped, wrap_key(&kek, ORG, UNIT, "signing", &key).unwrap(), "fresh nonce");
    }

    #[test]
    fn secrets_round_trip_and_garbage_is_malformed() {
        let kek = Kek::from_bytes([2; 32]);
        let secret = [0x5a; 32];
        let w = wrap_secret(&kek, ORG, UNIT, "turnover_counter", &secret);
        assert_eq!(unwrap_secret(&kek, ORG, UNIT, "turnover_counter", &w).unwrap().as_slice(), &secret);
        assert!(matches!(unwrap_secret(&kek, ORG, UNIT, "signing", &w), Err(UnwrapError::Open)));
        let not_a_key = wrap_secret(&kek, ORG, UNIT, "signing", b"not pkcs8");
        assert!(matches!(unwrap_key(&kek, ORG, UNIT, "signing", &not_a_key), Err(UnwrapError::Malformed)));
    }
}
