//! Shared by the outside-checker tests (de-tse.md §13): running a tool, and one unit's whole life
//! of signed log messages with the QR code of its sale.

use std::io::Write as _;
use std::process::{Command, Stdio};

use openfiskal_crypto::{Signer, SoftwareKey};
use openfiskal_de_tse::*;

/// Runs `program args` with `stdin`; returns (success, stdout, stderr).
pub fn run(program: &str, args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let (ok, out, err) = run_bytes(program, args, stdin);
    (ok, String::from_utf8_lossy(&out).into_owned(), err)
}

/// As `run`, with stdout as the exact bytes.
pub fn run_bytes(program: &str, args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed for this test (it is the outside checker): {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every kind of log message OpenFiskal signs (§3.3, §3.4, §5.2, §6.4, §6.5), in counter order,
/// and the QR code of the sale.
pub fn unit_lifetime(key: &SoftwareKey) -> (Vec<SignedLog>, String) {
    let serial = serial_number_of(key);
    let t0 = 1_767_261_600; // 2026-01-01T10:00:00Z
    let mut logs = initialisation_logs(key, "fu_01JN3Q8W6ZK4T5V7X9Y2B3C4D6", "Kasse 2", t0).unwrap();
    let mut sign = |counter: u64, t: i64, log: TransactionLog| {
        let signed = sign_log(key, &serial, counter, t, &LogContent::Transaction(log)).unwrap();
        logs.push(signed.clone());
        signed
    };
    let sale =
        TransactionLog::finish("Kasse 2", 1, PROCESS_TYPE_KASSENBELEG, "Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar");
    let start = sign(3, t0 + 60, TransactionLog::start("Kasse 2", 1));
    sign(4, t0 + 61, TransactionLog::start("Kasse 2", 2));
    let finish = sign(5, t0 + 62, sale.clone());
    let cancel = ProcessData::cancel().to_string();
    sign(6, t0 + 63, TransactionLog::finish("Kasse 2", 2, PROCESS_TYPE_KASSENBELEG, &cancel));
    sign(7, t0 + 64, TransactionLog::start("Kasse 2", 3));
    sign(8, t0 + 64, TransactionLog::finish("Kasse 2", 3, PROCESS_TYPE_SONSTIGER_VORGANG, &closing_process_data(1)));
    logs.extend(decommission_logs(key, "Kasse 2", 9, t0 + 3600).unwrap());
    let alg = TseAlgorithm::of_signer(key.algorithm()).unwrap();
    let qr = QrCode::for_transaction(&sale, &finish, start.signed_at_unix, alg, &key.public_key_raw()).unwrap();
    (logs, qr.to_qr_data().unwrap())
}
