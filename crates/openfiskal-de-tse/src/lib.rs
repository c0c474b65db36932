//! The German regime (KassenSichV): OpenFiskal's software TSE, synchronous, IO-free and
//! deterministic. Provisioning data (api.md §6.2 `tse`, de-tse.md §2), TR-03151 log messages and the
//! rule of what is signed (de-tse.md §3, §4), processType and processData (§6), and the DSFinV-K
//! receipt QR code with its verifier (§7). Times come in as parameters; nothing reads a clock.

pub mod algorithm;
pub mod curve;
pub mod document;
pub mod dtbs;
pub mod error;
pub mod gross;
pub mod log;
pub mod log_time;
pub mod operation_data;
pub mod payments;
pub mod process_data;
pub mod process_type;
pub mod provision;
pub mod qr;
pub mod step;
pub mod system_log;
mod tlv;
pub mod transaction_log;
pub mod verify;

pub use algorithm::TseAlgorithm;
pub use curve::TseCurve;
pub use dtbs::{LogParts, split_log_message, verify_log_message};
pub use error::TseError;
pub use gross::{Gross, VatPosition};
pub use log::{LogContent, SignedLog, dtbs, serial_number_of, sign_log};
pub use log_time::{format_log_time, parse_log_time};
pub use payments::{Payment, net_payments, receipt_process_data};
pub use process_data::{PaymentKind, ProcessData, Zahlung, format_cents};
pub use process_type::{PROCESS_TYPE_KASSENBELEG, PROCESS_TYPE_SONSTIGER_VORGANG, Vorgangstyp, closing_process_data};
pub use provision::{Configuration, TseKeyInfo, configure, provision, valid_client_id};
pub use qr::{QrCode, verify_qr};
pub use step::{TseChain, TseRecorded, TseStep, record};
pub use system_log::{SystemLog, decommission_logs, initialisation_logs, initialisation_records, system_records};
pub use transaction_log::{TransactionLog, TransactionOperation};
pub use verify::{Curve, verify_plain};

#[cfg(test)]
mod log_tests;
#[cfg(test)]
mod process_data_tests;
#[cfg(test)]
mod qr_vector_tests;
#[cfg(test)]
mod system_log_tests;
#[cfg(test)]
mod test_vectors;
#[cfg(test)]
mod vector_tests;
