//! The `certifiedData` of a transaction log (de-tse.md §3.3): `[0]` operationType, `[1]` clientId,
//! `[2]` processData (present and empty at Start), `[3]` processType (present and empty at Start),
//! `[5]` transactionNumber. `[4]` and `[6]` are never written, so that third-party QR verifiers, which
//! rebuild the Finish log without them, accept our receipts. No UpdateTransaction is signed.

use crate::TseError;
use crate::log::{positive, printable};
use crate::tlv::{int_content, tlv};

/// The operation of a transaction log. OpenFiskal signs no UpdateTransaction (§3.3, §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionOperation {
    /// `StartTransaction`: empty processType and processData.
    Start,
    /// `FinishTransaction`: the Vorgang's processType and processData (§6).
    Finish,
}

/// The `certifiedData` of a transaction log (§3.3); `[4]` and `[6]` are never written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionLog {
    /// Start or Finish.
    pub operation: TransactionOperation,
    /// The unit's client id (PrintableString).
    pub client_id: String,
    /// processType (PrintableString; empty at Start).
    pub process_type: String,
    /// processData (UTF-8; empty at Start).
    pub process_data: String,
    /// The transaction number, shared by Start and Finish (≥ 1).
    pub transaction_number: u64,
}

impl TransactionLog {
    /// A StartTransaction: processType and processData present and empty (§3.3, §6.1).
    pub fn start(client_id: &str, transaction_number: u64) -> Self {
        Self::finish(client_id, transaction_number, "", "").with(TransactionOperation::Start)
    }

    /// A FinishTransaction with the given processType and processData (§6).
    pub fn finish(client_id: &str, transaction_number: u64, process_type: &str, process_data: &str) -> Self {
        Self {
            operation: TransactionOperation::Finish,
            client_id: client_id.to_owned(),
            process_type: process_type.to_owned(),
            process_data: process_data.to_owned(),
            transaction_number,
        }
    }

    fn with(mut self, operation: TransactionOperation) -> Self {
        self.operation = operation;
        self
    }

    pub(crate) fn certified_data(&self) -> Result<Vec<u8>, TseError> {
        let op = match self.operation {
            TransactionOperation::Start => "StartTransaction",
            TransactionOperation::Finish => "FinishTransaction",
        };
        if self.client_id.is_empty() {
            return Err(TseError::invalid("client_id", "empty"));
        }
        let mut out = tlv(0x80, op.as_bytes());
        out.extend(tlv(0x81, printable("client_id", &self.client_id)?));
        out.extend(tlv(0x82, self.process_data.as_bytes()));
        out.extend(tlv(0x83, printable("process_type", &self.process_type)?));
        out.extend(tlv(0x85, &int_content(positive("transaction_number", self.transaction_number)?)));
        Ok(out)
    }
}
