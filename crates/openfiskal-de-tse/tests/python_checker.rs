//! Our own QR codes judged by the independent Python checker `tools/de/check_qr.py`, which rebuilds
//! the Finish DTBS with its own code. Ignored in a plain `cargo test`; `cargo test -- --ignored tool_`
//! runs it with `OPENFISKAL_PYTHON` naming a python with `tools/de/requirements.txt` installed
//! (`.ci/run` makes one), and fails when it is missing.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod common;

use std::path::PathBuf;

use common::{run, unit_lifetime};
use openfiskal_crypto::{KeyKind, SoftwareKey};
use openfiskal_de_tse::*;

#[test]
#[ignore = "needs OPENFISKAL_PYTHON (a python with tools/de/requirements.txt): cargo test -- --ignored tool_"]
fn tool_python_checker_accepts_our_qr_codes() {
    let python = std::env::var("OPENFISKAL_PYTHON")
        .expect("set OPENFISKAL_PYTHON to a python with `pip install -r tools/de/requirements.txt`");
    let (usable, _, err) = run(&python, &["-c", "import cryptography"], b"");
    assert!(usable, "OPENFISKAL_PYTHON={python} cannot import cryptography: {err}");
    let checker = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/de/check_qr.py");
    let checker = checker.to_str().unwrap();
    let mut good = Vec::new();
    for kind in [KeyKind::Bp384, KeyKind::P256] {
        let key = SoftwareKey::generate(kind).unwrap();
        let (_, qr) = unit_lifetime(&key);
        assert!(verify_qr(&qr).is_ok());
        good.push(qr);
    }
    let (ok, out, err) = run(&python, &[checker], format!("{}\n{}\n", good[0], good[1]).as_bytes());
    assert!(ok, "checker refused our QR codes:\n{out}\n{err}");
    assert!(out.lines().next().unwrap().ends_with("brainpoolP384r1"), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with("P-256"), "{out}");
    // Negative control: the Finish counter plus one.
    let tampered = good[0].replace(";1;5;", ";1;6;");
    assert_ne!(tampered, good[0]);
    let (ok, out, _) = run(&python, &[checker], format!("{tampered}\n").as_bytes());
    assert!(!ok && out.starts_with("FAIL 1: signature does not verify"), "{out}");
}
