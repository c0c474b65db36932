//! The synchronous `Signer` seam (ARCHITECTURE.md §9) and its software implementation:
//! DE brainpoolP384r1 ECDSA over SHA-384, RFC 6979 nonce, "plain" r‖s of 96 bytes with `s` not
//! normalised (de-tse.md §2.1, §4.3); P-256 ECDSA over SHA-256, r‖s of 64 bytes, RFC 6979 (AT ES256,
//! at-rksv.md §3.2; DE `ecdsa-plain-SHA256`); RSASSA-PKCS1-v1_5 with SHA-256 (IT, it-rt.md §9.1).

use ecdsa::signature::SignatureEncoding as _;
use ecdsa::signature::Signer as _;

use crate::keys::{Inner, SoftwareKey};

/// What a signer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ECDSA on brainpoolP384r1 over SHA-384, plain r‖s (96 bytes): DE `ecdsa-plain-SHA384`.
    EcdsaBp384Sha384,
    /// ECDSA on P-256 over SHA-256, plain r‖s (64 bytes): AT `ES256`, DE `ecdsa-plain-SHA256`.
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (256 bytes for RSA-2048): IT XMLDSig `rsa-sha256`.
    RsaPkcs1v15Sha256,
}

impl SignatureAlgorithm {
    /// Length of one signature in bytes.
    pub fn signature_len(self) -> usize {
        match self {
            Self::EcdsaBp384Sha384 => 96,
            Self::EcdsaP256Sha256 => 64,
            Self::RsaPkcs1v15Sha256 => 256,
        }
    }
}

/// A signature could not be made. Carries no key material.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The signature primitive failed (for RSA: the blinding RNG).
    #[error("signature computation failed")]
    Primitive,
    /// The signing device or key store could not be used (hardware signers).
    #[error("signing device unavailable: {0}")]
    Unavailable(String),
}

/// Signs messages with one key. Synchronous: hardware signers block, so async callers wrap calls in
/// `spawn_blocking`.
pub trait Signer: Send + Sync {
    /// The algorithm, fixed for the key's life.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key: uncompressed point for EC keys, DER SubjectPublicKeyInfo for RSA.
    fn public_key_raw(&self) -> Vec<u8>;
    /// Signs `message` (hashing it with the algorithm's hash) and returns the signature bytes.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        match &self.inner {
            Inner::Bp384(_) => SignatureAlgorithm::EcdsaBp384Sha384,
            Inner::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Inner::Rsa2048(_) => SignatureAlgorithm::RsaPkcs1v15Sha256,
        }
    }

    fn public_key_raw(&self) -> Vec<u8> {
        SoftwareKey::public_key_raw(self)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        // `to_bytes` of a fixed-size ECDSA signature is I2OSP(r, L) ‖ I2OSP(s, L): leading zero
        // bytes are kept (de-tse.md §4.3). bp384 and p256 set NORMALIZE_S = false.
        Ok(match &self.inner {
            Inner::Bp384(k) => {
                let sig: ecdsa::Signature<bp384::BrainpoolP384r1> =
                    k.try_sign(message).map_err(|_| SignError::Primitive)?;
                sig.to_bytes().to_vec()
            }
            Inner::P256(k) => {
                let sig: ecdsa::Signature<p256::NistP256> = k.try_sign(message).map_err(|_| SignError::Primitive)?;
                sig.to_bytes().to_vec()
            }
            Inner::Rsa2048(k) => k.try_sign(message).map_err(|_| SignError::Primitive)?.to_vec(),
        })
    }
}

/// Plain r‖s to a DER `ECDSA-Sig-Value`, for X.509 signatures (de-tse.md §9.1) and OpenSSL.
pub(crate) fn plain_to_der(algorithm: SignatureAlgorithm, plain: &[u8]) -> Option<Vec<u8>> {
    match algorithm {
        SignatureAlgorithm::EcdsaBp384Sha384 => {
            ecdsa::Signature::<bp384::BrainpoolP384r1>::from_slice(plain).ok().map(|s| s.to_der().to_vec())
        }
        SignatureAlgorithm::EcdsaP256Sha256 => {
            ecdsa::Signature::<p256::NistP256>::from_slice(plain).ok().map(|s| s.to_der().to_vec())
        }
        SignatureAlgorithm::RsaPkcs1v15Sha256 => None,
    }
}

#[cfg(test)]
#[path = "signer_tests.rs"]
mod tests;
