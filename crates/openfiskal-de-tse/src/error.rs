//! The one error type of the TSE core (de-tse.md §2–§7): a value that cannot be encoded, a signer
//! that fails, or data that does not parse or verify. It never carries key material.

use openfiskal_crypto::SignError;

/// Why a log message, processData string or QR code could not be built, parsed or verified.
#[derive(Debug, thiserror::Error)]
pub enum TseError {
    /// A value that the format does not allow (not a PrintableString, zero counter, `;` in a QR
    /// field, …). `field` names the value.
    #[error("invalid {field}: {reason}")]
    InvalidValue {
        /// The offending value's name (`client_id`, `process_data`, …).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Input that does not parse as the format says (DER/BER, QR string, processData).
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// An algorithm, time format or key kind that de-tse.md §2.1/§3.6 does not allow.
    #[error("unsupported {0}")]
    Unsupported(&'static str),
    /// The serial number given for signing is not SHA-256 of the signer's public point (§2.2).
    #[error("serial number does not belong to the signer's key")]
    SerialMismatch,
    /// The public key is not an uncompressed point on a curve the verifier tries (§2.1).
    #[error("public key is not an uncompressed point on a supported curve")]
    PublicKey,
    /// The signature does not verify over the rebuilt data (§4).
    #[error("signature does not verify")]
    BadSignature,
    /// The signer failed; nothing was signed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl TseError {
    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self::InvalidValue { field, reason }
    }
}
