//! The verifier's side of de-tse.md §4.1: split a stored log message (DER, or BER as real TSEs write
//! it, §3.2) into its children, concatenate the raw bytes of every child but the last (the DTBS),
//! and check the last child, the plain r‖s signatureValue, over them. Nothing is re-encoded.

use sha2::{Digest, Sha256};

use crate::tlv::{children, read};
use crate::verify::{Curve, verify_plain};
use crate::{TseAlgorithm, TseError};

/// What a verifier reads from a stored log message (transaction, system or audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogParts {
    /// The raw bytes of every child of the outer SEQUENCE except the last one.
    pub dtbs: Vec<u8>,
    /// The content of the last child (`signatureValue`).
    pub signature: Vec<u8>,
    /// From the `signatureAlgorithm` child.
    pub algorithm: TseAlgorithm,
    /// The content of the `serialNumber` child.
    pub serial_number: Vec<u8>,
    /// The content of the `signatureCounter` child.
    pub signature_counter: u64,
}

/// Splits a stored log message (§3.1) into DTBS and signature and reads the fields a verifier
/// needs. Accepts BER lengths inside; refuses trailing bytes and unknown algorithms.
pub fn split_log_message(message: &[u8]) -> Result<LogParts, TseError> {
    let (outer, rest) = read(message)?;
    if outer.tag != 0x30 || !rest.is_empty() {
        return Err(TseError::Malformed("log message: not one SEQUENCE"));
    }
    let kids = children(outer.content)?;
    let (last, signed) = kids.split_last().ok_or(TseError::Malformed("log message: empty"))?;
    if signed.first().map(|v| v.raw) != Some(&[0x02, 0x01, 0x02][..]) {
        return Err(TseError::Malformed("log message: version is not 2"));
    }
    if last.tag != 0x04 {
        return Err(TseError::Malformed("log message: last child is not an OCTET STRING"));
    }
    // signatureAlgorithm is the only SEQUENCE child; serialNumber comes right before it, the
    // counter is the first INTEGER after it (seAuditData of audit logs lies between, §3.1).
    let alg_at = signed.iter().position(|e| e.tag == 0x30).ok_or(TseError::Malformed("log message: no algorithm"))?;
    let algorithm = TseAlgorithm::from_algorithm_identifier(signed[alg_at].raw)
        .ok_or(TseError::Unsupported("signature algorithm"))?;
    let serial = alg_at.checked_sub(1).map(|i| signed[i]).filter(|e| e.tag == 0x04);
    let serial = serial.ok_or(TseError::Malformed("log message: no serial number"))?;
    let counter = signed[alg_at + 1..].iter().find(|e| e.tag == 0x02);
    let counter = counter.ok_or(TseError::Malformed("log message: no signature counter"))?;
    Ok(LogParts {
        dtbs: signed.iter().flat_map(|e| e.raw.iter().copied()).collect(),
        signature: last.content.to_vec(),
        algorithm,
        serial_number: serial.content.to_vec(),
        signature_counter: unsigned(counter.content)?,
    })
}

/// Verifies a stored log message with the TSE's uncompressed public point: the serial number must
/// be SHA-256 of the point (§2.2) and the signature must verify over the DTBS (§4.1).
pub fn verify_log_message(message: &[u8], point: &[u8]) -> Result<(LogParts, Curve), TseError> {
    let parts = split_log_message(message)?;
    if Sha256::digest(point).as_slice() != parts.serial_number {
        return Err(TseError::SerialMismatch);
    }
    let curve = verify_plain(parts.algorithm, point, &parts.dtbs, &parts.signature)?;
    Ok((parts, curve))
}

/// A non-negative INTEGER content that fits in u64.
fn unsigned(content: &[u8]) -> Result<u64, TseError> {
    let bad = TseError::Malformed("log message: signature counter");
    let trimmed = match content {
        [0x00, rest @ ..] if !rest.is_empty() => rest,
        [b, ..] if b & 0x80 != 0 => return Err(bad),
        [] => return Err(bad),
        c => c,
    };
    if trimmed.len() > 8 {
        return Err(bad);
    }
    Ok(trimmed.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}
