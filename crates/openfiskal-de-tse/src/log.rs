//! TR-03151 log messages as OpenFiskal signs them (de-tse.md §3.1, §3.6, §4.1): the DTBS is
//! the concatenated TLVs of version, certifiedDataType, the certifiedData elements (inline),
//! serialNumber, signatureAlgorithm, signatureCounter and logTime (unixTime INTEGER); the stored
//! message is one DER SEQUENCE of those children plus the plain r‖s signatureValue.

use openfiskal_crypto::Signer;
use sha2::{Digest, Sha256};

use crate::system_log::SystemLog;
use crate::tlv::{int_content, tlv};
use crate::transaction_log::{TransactionLog, TransactionOperation};
use crate::{TseAlgorithm, TseError};

/// `certifiedDataType` of a transaction log: OID 0.4.0.127.0.7.3.7.1.1 (§3.1).
const TYPE_TRANSACTION: [u8; 11] = [0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x07, 0x01, 0x01];
/// `certifiedDataType` of a system log: OID 0.4.0.127.0.7.3.7.1.2 (§3.1).
const TYPE_SYSTEM: [u8; 11] = [0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x07, 0x01, 0x02];

/// What a log message records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogContent {
    /// A transaction log (§3.3).
    Transaction(TransactionLog),
    /// A system log (§3.4).
    System(SystemLog),
}

/// A signed log message, ready to be stored as the journal `record` (api.md §6.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLog {
    /// The complete DER log message (§3.1), never re-encoded afterwards.
    pub der: Vec<u8>,
    /// The plain r‖s signatureValue over the DTBS (§4).
    pub signature: Vec<u8>,
    /// logTime in Unix seconds.
    pub signed_at_unix: i64,
    /// The signature counter of this message.
    pub signature_counter: u64,
}

/// The data to be signed (§4.1) for `content` with the unit's serial number, algorithm, signature
/// counter (≥ 1) and logTime (Unix seconds, ≥ 0).
pub fn dtbs(
    content: &LogContent,
    serial_number: &[u8; 32],
    algorithm: TseAlgorithm,
    signature_counter: u64,
    log_time: i64,
) -> Result<Vec<u8>, TseError> {
    if log_time < 0 {
        return Err(TseError::invalid("log_time", "before 1970"));
    }
    let (data_type, certified) = match content {
        LogContent::Transaction(t) => (TYPE_TRANSACTION, t.certified_data()?),
        LogContent::System(s) => (TYPE_SYSTEM, s.certified_data()?),
    };
    let mut out = vec![0x02, 0x01, 0x02];
    out.extend_from_slice(&data_type);
    out.extend(certified);
    out.extend(tlv(0x04, serial_number));
    out.extend_from_slice(algorithm.algorithm_identifier());
    out.extend(tlv(0x02, &int_content(positive("signature_counter", signature_counter)?)));
    out.extend(tlv(0x02, &int_content(i128::from(log_time))));
    Ok(out)
}

/// Signs one log message: builds the DTBS (§4.1), signs it with `signer` (whose point must hash to
/// `serial_number`, §2.2) and wraps DTBS and signature into the stored DER message (§3.1).
pub fn sign_log(
    signer: &dyn Signer,
    serial_number: &[u8; 32],
    signature_counter: u64,
    log_time: i64,
    content: &LogContent,
) -> Result<SignedLog, TseError> {
    let algorithm = TseAlgorithm::of_signer(signer.algorithm()).ok_or(TseError::Unsupported("signature algorithm"))?;
    if &serial_number_of(signer) != serial_number {
        return Err(TseError::SerialMismatch);
    }
    if let LogContent::Transaction(t) = content
        && t.operation == TransactionOperation::Start
        && !(t.process_type.is_empty() && t.process_data.is_empty())
    {
        // Our encoder writes empty values at Start (§3.3); other devices' choices are only read.
        return Err(TseError::invalid("process_data", "must be empty at StartTransaction"));
    }
    let dtbs = dtbs(content, serial_number, algorithm, signature_counter, log_time)?;
    let signature = signer.sign(&dtbs)?;
    if signature.len() != signer.algorithm().signature_len() {
        return Err(TseError::invalid("signature", "not fixed-width r||s"));
    }
    Ok(SignedLog { der: log_message(&dtbs, &signature), signature, signed_at_unix: log_time, signature_counter })
}

/// The serial number of the TSE whose key `signer` holds: SHA-256 of the uncompressed point (§2.2).
pub fn serial_number_of(signer: &dyn Signer) -> [u8; 32] {
    Sha256::digest(signer.public_key_raw()).into()
}

/// The stored message: `SEQUENCE { DTBS children…, OCTET STRING signatureValue }` (§3.1).
pub(crate) fn log_message(dtbs: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut body = dtbs.to_vec();
    body.extend(tlv(0x04, signature));
    tlv(0x30, &body)
}

/// `value` if it uses only PrintableString characters (§3.2).
pub(crate) fn printable<'a>(field: &'static str, value: &'a str) -> Result<&'a [u8], TseError> {
    let ok = value.bytes().all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
    if ok { Ok(value.as_bytes()) } else { Err(TseError::invalid(field, "not a PrintableString")) }
}

pub(crate) fn positive(field: &'static str, value: u64) -> Result<i128, TseError> {
    if value == 0 { Err(TseError::invalid(field, "must be at least 1")) } else { Ok(i128::from(value)) }
}
