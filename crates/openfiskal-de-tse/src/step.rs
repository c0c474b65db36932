//! The regime step of the German TSE: pure, IO-free and deterministic. Given the unit's chain state
//! (the counters and the last log time kept on the fiscal unit's row), the step, the time and a
//! signer, it returns the signed log and the next chain state. The caller stores both in one
//! transaction: the log as a journal entry, the chain state with one guarded update of the unit's
//! row. Nothing here reads a clock, a database or a key store.

use openfiskal_crypto::Signer;

use crate::error::TseError;
use crate::log::{LogContent, SignedLog, serial_number_of, sign_log};
use crate::transaction_log::TransactionLog;

/// A unit's TSE state between two steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TseChain {
    /// The signature counter of the last signed log (0 before the first).
    pub signature_counter: u64,
    /// The last transaction number handed out (0 before the first StartTransaction).
    pub transaction_number: u64,
    /// The logTime of the last signed log, Unix seconds (`i64::MIN` before the first).
    pub last_log_time: i64,
}

/// One signing step of a transaction (de-tse.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TseStep<'a> {
    /// StartTransaction: a new transaction number, empty processType and processData.
    Start,
    /// FinishTransaction of `transaction_number` with the given processType and processData.
    Finish {
        /// The transaction being finished.
        transaction_number: u64,
        /// processType (`Kassenbeleg-V1`, `SonstigerVorgang`).
        process_type: &'a str,
        /// processData (de-tse.md §6).
        process_data: &'a str,
    },
}

/// What a step produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TseRecorded {
    /// The signed log message.
    pub log: SignedLog,
    /// The transaction the log belongs to.
    pub transaction_number: u64,
    /// The chain state after this step, to store on the unit's row.
    pub chain: TseChain,
}

impl TseStep<'_> {
    /// The journal kind of the step's log (api.md §6.7).
    pub fn journal_kind(&self) -> &'static str {
        match self {
            Self::Start => "transaction_start",
            Self::Finish { .. } => "transaction_finish",
        }
    }
}

/// Signs `step` for the client `client_id` at `now` (Unix seconds) with `signer`: the next signature
/// counter, for a Start the next transaction number, and a logTime that never goes backwards within
/// the unit (de-tse.md §5.3).
pub fn record(
    step: TseStep<'_>,
    chain: &TseChain,
    client_id: &str,
    now: i64,
    signer: &dyn Signer,
) -> Result<TseRecorded, TseError> {
    let (transaction_number, log) = match step {
        TseStep::Start => {
            let n = chain.transaction_number + 1;
            (n, TransactionLog::start(client_id, n))
        }
        TseStep::Finish { transaction_number, process_type, process_data } => {
            if transaction_number == 0 || transaction_number > chain.transaction_number {
                return Err(TseError::invalid("transaction_number", "was never started on this unit"));
            }
            (transaction_number, TransactionLog::finish(client_id, transaction_number, process_type, process_data))
        }
    };
    let counter = chain.signature_counter + 1;
    let log_time = now.max(chain.last_log_time);
    let log = sign_log(signer, &serial_number_of(signer), counter, log_time, &LogContent::Transaction(log))?;
    let chain = TseChain {
        signature_counter: counter,
        transaction_number: chain.transaction_number.max(transaction_number),
        last_log_time: log_time,
    };
    Ok(TseRecorded { log, transaction_number, chain })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use openfiskal_crypto::{KeyKind, SoftwareKey};

    use super::*;
    use crate::verify_log_message;

    const T: i64 = 1_772_100_000;

    #[test]
    fn a_transaction_takes_the_next_counters_and_verifies() {
        let key = SoftwareKey::generate(KeyKind::Bp384).unwrap();
        let chain = TseChain { signature_counter: 2, transaction_number: 0, last_log_time: T - 5 };
        let start = record(TseStep::Start, &chain, "Kasse 1", T, &key).unwrap();
        assert_eq!(start.transaction_number, 1);
        assert_eq!(start.chain, TseChain { signature_counter: 3, transaction_number: 1, last_log_time: T });
        let (parts, _) = verify_log_message(&start.log.der, &key.public_key_raw()).unwrap();
        assert_eq!(parts.signature_counter, 3);
        let finish = TseStep::Finish {
            transaction_number: 1,
            process_type: "Kassenbeleg-V1",
            process_data: "Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar",
        };
        let done = record(finish, &start.chain, "Kasse 1", T + 30, &key).unwrap();
        assert_eq!(done.chain, TseChain { signature_counter: 4, transaction_number: 1, last_log_time: T + 30 });
        assert_eq!(verify_log_message(&done.log.der, &key.public_key_raw()).unwrap().0.signature_counter, 4);
        assert_eq!((TseStep::Start.journal_kind(), finish.journal_kind()), ("transaction_start", "transaction_finish"));
    }

    #[test]
    fn the_log_time_never_goes_backwards_and_signatures_are_deterministic() {
        let key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let chain = TseChain { signature_counter: 7, transaction_number: 3, last_log_time: T };
        let a = record(TseStep::Start, &chain, "K", T - 60, &key).unwrap();
        assert_eq!(a.log.signed_at_unix, T, "a clock that stepped back does not move logTime back");
        assert_eq!(a, record(TseStep::Start, &chain, "K", T - 60, &key).unwrap(), "RFC 6979: same input, same bytes");
    }

    #[test]
    fn a_finish_needs_a_started_transaction() {
        let key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let chain = TseChain { signature_counter: 4, transaction_number: 2, last_log_time: T };
        for n in [0, 3] {
            let step = TseStep::Finish { transaction_number: n, process_type: "Kassenbeleg-V1", process_data: "" };
            assert!(record(step, &chain, "K", T, &key).is_err(), "transaction {n}");
        }
    }
}
