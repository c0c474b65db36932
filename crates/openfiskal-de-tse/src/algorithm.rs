//! The two signature algorithms of de-tse.md §2.1: `ecdsa-plain-SHA384` (0.4.0.127.0.7.1.1.4.1.4,
//! the default with brainpoolP384r1) and `ecdsa-plain-SHA256` (…4.1.3, with P-256). Their
//! `AlgorithmIdentifier` is exactly 14 DER bytes and never carries parameters.

use openfiskal_crypto::SignatureAlgorithm;
use sha2::{Digest, Sha256, Sha384};

/// A TSE signature algorithm (QR field 9, DSFinV-K `TSE_SIG_ALGO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TseAlgorithm {
    /// `ecdsa-plain-SHA384`: ECDSA over SHA-384, plain r‖s (brainpoolP384r1 or P-384).
    EcdsaPlainSha384,
    /// `ecdsa-plain-SHA256`: ECDSA over SHA-256, plain r‖s (P-256).
    EcdsaPlainSha256,
}

const ALG_ID_SHA384: [u8; 14] = [0x30, 0x0C, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x04];
const ALG_ID_SHA256: [u8; 14] = [0x30, 0x0C, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x03];

impl TseAlgorithm {
    /// The name written in QR field 9 and DSFinV-K (`ecdsa-plain-SHA384`).
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaPlainSha384 => "ecdsa-plain-SHA384",
            Self::EcdsaPlainSha256 => "ecdsa-plain-SHA256",
        }
    }

    /// The algorithm named `name` (exact, case-sensitive); other names are never accepted (§2.1).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::EcdsaPlainSha384, Self::EcdsaPlainSha256].into_iter().find(|a| a.name() == name)
    }

    /// The dotted OID (`0.4.0.127.0.7.1.1.4.1.4`).
    pub fn oid(self) -> &'static str {
        match self {
            Self::EcdsaPlainSha384 => "0.4.0.127.0.7.1.1.4.1.4",
            Self::EcdsaPlainSha256 => "0.4.0.127.0.7.1.1.4.1.3",
        }
    }

    /// The complete DER `AlgorithmIdentifier` TLV (`30 0C 06 0A 04 00 7F 00 07 01 01 04 01 04`).
    pub fn algorithm_identifier(self) -> &'static [u8; 14] {
        match self {
            Self::EcdsaPlainSha384 => &ALG_ID_SHA384,
            Self::EcdsaPlainSha256 => &ALG_ID_SHA256,
        }
    }

    /// The algorithm whose `AlgorithmIdentifier` TLV is exactly `tlv`.
    pub fn from_algorithm_identifier(tlv: &[u8]) -> Option<Self> {
        [Self::EcdsaPlainSha384, Self::EcdsaPlainSha256].into_iter().find(|a| a.algorithm_identifier() == tlv)
    }

    /// The TSE algorithm a signer produces; `None` for RSA.
    pub fn of_signer(algorithm: SignatureAlgorithm) -> Option<Self> {
        match algorithm {
            SignatureAlgorithm::EcdsaBp384Sha384 => Some(Self::EcdsaPlainSha384),
            SignatureAlgorithm::EcdsaP256Sha256 => Some(Self::EcdsaPlainSha256),
            SignatureAlgorithm::RsaPkcs1v15Sha256 => None,
        }
    }

    /// The algorithm's hash of `message` (SHA-384 or SHA-256).
    pub(crate) fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::EcdsaPlainSha384 => Sha384::digest(message).to_vec(),
            Self::EcdsaPlainSha256 => Sha256::digest(message).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_oids_and_identifiers_match_the_table() {
        let a = TseAlgorithm::EcdsaPlainSha384;
        assert_eq!(TseAlgorithm::from_name("ecdsa-plain-SHA384"), Some(a));
        assert_eq!(TseAlgorithm::from_name("ecdsa-plain-SHA256"), Some(TseAlgorithm::EcdsaPlainSha256));
        for other in ["ecdsa-plain-sha384", "ecdsa-plain-SHA512", "ecdsa-plain-SHA224", ""] {
            assert_eq!(TseAlgorithm::from_name(other), None);
        }
        assert_eq!(a.algorithm_identifier().len(), 14);
        assert_eq!(TseAlgorithm::from_algorithm_identifier(&ALG_ID_SHA256), Some(TseAlgorithm::EcdsaPlainSha256));
        let mut with_null = ALG_ID_SHA384.to_vec();
        with_null[1] = 0x0E;
        with_null.extend_from_slice(&[0x05, 0x00]);
        assert_eq!(TseAlgorithm::from_algorithm_identifier(&with_null), None, "no parameters, ever");
        assert_eq!(TseAlgorithm::of_signer(SignatureAlgorithm::RsaPkcs1v15Sha256), None);
    }

    #[test]
    fn oid_bytes_encode_the_dotted_oid() {
        // 0.4 → first byte 0*40+4; the remaining arcs are below 128.
        for a in [TseAlgorithm::EcdsaPlainSha384, TseAlgorithm::EcdsaPlainSha256] {
            let arcs: Vec<u8> = a.oid().split('.').map(|x| x.parse().unwrap()).collect();
            let mut body = vec![arcs[0] * 40 + arcs[1]];
            body.extend_from_slice(&arcs[2..]);
            assert_eq!(&a.algorithm_identifier()[4..], &body[..]);
        }
    }
}
