//! AT key material (RKSV): the AES-256 turnover-counter key, 32 bytes from the OS RNG, one per chain
//! (at-rksv.md §5), and its check value ("Prüfwert") for manual entry in FinanzOnline
//! (at-rksv.md §12.10): `Base64(SHA-256(ASCII(44-character Base64 key))[0..3])` with every `=`
//! removed, 4 characters. Counter encryption itself belongs to the AT regime crate.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The OS random number generator failed.
#[derive(Debug, thiserror::Error)]
#[error("the OS random number generator failed")]
pub struct RngError;

/// A fresh AES-256 turnover-counter key from the OS RNG, zeroised on drop.
pub fn generate_turnover_key() -> Result<Zeroizing<[u8; 32]>, RngError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| RngError)?;
    Ok(key)
}

/// The key as standard Base64 with padding (44 characters): the form FinanzOnline
/// (`benutzerschluessel`) and the DEP7 crypto container (`base64AESKey`) take.
pub fn turnover_key_base64(key: &[u8; 32]) -> Zeroizing<String> {
    Zeroizing::new(STANDARD.encode(key))
}

/// The AES-key check value (`fiscal_registration.aes_key_checksum`, at-rksv.md §12.10).
pub fn aes_key_checksum(key: &[u8; 32]) -> String {
    let digest = Sha256::digest(turnover_key_base64(key).as_bytes());
    STANDARD.encode(&digest[..3]).replace('=', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_kat_key_gives_omrr() {
        // vectors/at/kat-closed/cryptographicMaterialContainer.json `base64AESKey` (official); the
        // check value `omRR` is from vectors/at/self-generated.txt (`pruefwert.value`) and
        // at-rksv.md §12.10 (self-computed there, not an official vector).
        let key: [u8; 32] =
            STANDARD.decode("WQRtiiya3hYh/Uz44Bv3x8ETl1nrH6nCdErn69g5/lU=").unwrap().try_into().unwrap();
        assert_eq!(turnover_key_base64(&key).as_str(), "WQRtiiya3hYh/Uz44Bv3x8ETl1nrH6nCdErn69g5/lU=");
        assert_eq!(aes_key_checksum(&key), "omRR");
    }

    #[test]
    fn selfgen_key_check_value() {
        // vectors/at/self-generated.txt `aes_key_hex` 00..1f = `aes_key_base64`. Check value computed
        // independently with Python: base64(sha256(b"AAECAwQF…Hh8=").digest()[:3]).
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        assert_eq!(turnover_key_base64(&key).as_str(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assert_eq!(aes_key_checksum(&key), SELFGEN_CHECK);
    }

    const SELFGEN_CHECK: &str = "kF8o";

    #[test]
    fn generated_keys_are_fresh_and_checked_in_four_characters() {
        let a = generate_turnover_key().unwrap();
        let b = generate_turnover_key().unwrap();
        assert_ne!(*a, *b);
        assert_eq!(turnover_key_base64(&a).len(), 44);
        let check = aes_key_checksum(&a);
        assert_eq!(check.len(), 4);
        assert!(!check.contains('='));
    }
}
