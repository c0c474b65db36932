//! The receipt QR code (de-tse.md §7): the 12-field DSFinV-K `V0` string, its strict parser, and the
//! verifier of §7.3, which rebuilds the FinishTransaction DTBS from fields 2–6, 8 and 9 (no `[4]`,
//! no `[6]`, serial = SHA-256 of field 12) and checks field 11 with the point in field 12.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::log::{LogContent, SignedLog, dtbs};
use crate::log_time::{format_log_time, parse_log_time};
use crate::transaction_log::{TransactionLog, TransactionOperation};
use crate::verify::{Curve, verify_plain};
use crate::{TseAlgorithm, TseError};

/// The values a `V0` QR code carries (§7.1). Field 1 is always `V0` and field 10 `unixTime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    /// Field 2: the client id.
    pub client_id: String,
    /// Field 3: processType of the Finish log.
    pub process_type: String,
    /// Field 4: processData of the Finish log, verbatim.
    pub process_data: String,
    /// Field 5: the transaction number.
    pub transaction_number: u64,
    /// Field 6: the signature counter of the Finish log.
    pub signature_counter: u64,
    /// Field 7: logTime of the Start log (Unix seconds).
    pub start_time: i64,
    /// Field 8: logTime of the Finish log (Unix seconds).
    pub log_time: i64,
    /// Field 9: the signature algorithm.
    pub algorithm: TseAlgorithm,
    /// Field 11: the Finish signatureValue (plain r‖s).
    pub signature: Vec<u8>,
    /// Field 12: the uncompressed public point.
    pub public_key: Vec<u8>,
}

impl QrCode {
    /// The QR values of a finished transaction: its Finish content and signed Finish log, the
    /// Start log's time, the unit's algorithm and public point.
    pub fn for_transaction(
        finish: &TransactionLog,
        signed_finish: &SignedLog,
        start_time: i64,
        algorithm: TseAlgorithm,
        public_key: &[u8],
    ) -> Result<Self, TseError> {
        if finish.operation != TransactionOperation::Finish {
            return Err(TseError::invalid("finish", "not a FinishTransaction"));
        }
        let fields = [&finish.client_id, &finish.process_type, &finish.process_data];
        if fields.iter().any(|v| v.contains([';', '\r', '\n'])) {
            return Err(TseError::invalid("finish", "a QR field contains ';' or a line break"));
        }
        Ok(Self {
            client_id: finish.client_id.clone(),
            process_type: finish.process_type.clone(),
            process_data: finish.process_data.clone(),
            transaction_number: finish.transaction_number,
            signature_counter: signed_finish.signature_counter,
            start_time,
            log_time: signed_finish.signed_at_unix,
            algorithm,
            signature: signed_finish.signature.clone(),
            public_key: public_key.to_vec(),
        })
    }

    /// The `V0` string (`verification.qr_data`): 12 fields joined by `;`, times per §7.2.
    pub fn to_qr_data(&self) -> Result<String, TseError> {
        Ok([
            "V0",
            &self.client_id,
            &self.process_type,
            &self.process_data,
            &self.transaction_number.to_string(),
            &self.signature_counter.to_string(),
            &format_log_time(self.start_time)?,
            &format_log_time(self.log_time)?,
            self.algorithm.name(),
            "unixTime",
            &STANDARD.encode(&self.signature),
            &STANDARD.encode(&self.public_key),
        ]
        .join(";"))
    }

    /// Parses a `V0` string strictly: split on `;` only, exactly 12 fields, canonical decimals and
    /// Base64, times per §7.2, field 10 `unixTime` (the only time format whose logTime can be
    /// rebuilt from the QR).
    pub fn parse(qr: &str) -> Result<Self, TseError> {
        let f: Vec<&str> = qr.split(';').collect();
        let [v0, client, ptype, pdata, tx, counter, start, end, alg, format, sig, key] = f[..] else {
            return Err(TseError::Malformed("QR code: not 12 fields"));
        };
        if v0 != "V0" {
            return Err(TseError::Malformed("QR code: field 1 is not V0"));
        }
        if format != "unixTime" {
            return Err(TseError::Unsupported("QR log time format"));
        }
        let b64 = |s: &str| STANDARD.decode(s).map_err(|_| TseError::Malformed("QR code: Base64"));
        Ok(Self {
            client_id: client.to_owned(),
            process_type: ptype.to_owned(),
            process_data: pdata.to_owned(),
            transaction_number: decimal(tx)?,
            signature_counter: decimal(counter)?,
            start_time: parse_log_time(start)?,
            log_time: parse_log_time(end)?,
            algorithm: TseAlgorithm::from_name(alg).ok_or(TseError::Unsupported("signature algorithm"))?,
            signature: b64(sig)?,
            public_key: b64(key)?,
        })
    }

    /// The FinishTransaction DTBS rebuilt from the QR values (§7.3).
    pub fn finish_dtbs(&self) -> Result<Vec<u8>, TseError> {
        let serial: [u8; 32] = Sha256::digest(&self.public_key).into();
        let finish =
            TransactionLog::finish(&self.client_id, self.transaction_number, &self.process_type, &self.process_data);
        dtbs(&LogContent::Transaction(finish), &serial, self.algorithm, self.signature_counter, self.log_time)
    }

    /// Checks that the Start is not after the Finish and that field 11 verifies over the rebuilt
    /// DTBS with the point of field 12 (curves per §2.1). Returns the curve.
    pub fn verify(&self) -> Result<Curve, TseError> {
        if self.start_time > self.log_time {
            return Err(TseError::Malformed("QR code: start time after log time"));
        }
        verify_plain(self.algorithm, &self.public_key, &self.finish_dtbs()?, &self.signature)
    }
}

/// Parses and verifies a `V0` string; the parsed values on success.
pub fn verify_qr(qr: &str) -> Result<QrCode, TseError> {
    let code = QrCode::parse(qr)?;
    code.verify()?;
    Ok(code)
}

/// A canonical positive decimal: digits only, no leading zero, fits in u64, at least 1.
fn decimal(s: &str) -> Result<u64, TseError> {
    let bad = TseError::Malformed("QR code: decimal number");
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    s.parse().map_err(|_| bad)
}
