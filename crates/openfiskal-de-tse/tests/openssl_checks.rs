//! Our own log messages judged by OpenSSL (de-tse.md §13.1, §13.2): every generated log message
//! (system logs, Start, Finish, cancel, daily closing, on brainpoolP384r1 and P-256) parses with
//! `openssl asn1parse -inform DER` as one SEQUENCE of the §3.1 children, and its signature verifies
//! with `openssl dgst` over the DTBS. Ignored in a plain `cargo test`; `-- --ignored tool_` runs it
//! and a missing `openssl` then fails it.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod common;

use std::path::{Path, PathBuf};

use common::{run, unit_lifetime};
use openfiskal_crypto::{KeyKind, SoftwareKey};
use openfiskal_de_tse::*;

/// `openssl dgst -verify` over the DTBS with the raw point wrapped per §2.3 and r‖s as DER (§13.1).
fn openssl_verifies(dir: &Path, point: &[u8], log: &SignedLog) -> bool {
    let parts = split_log_message(&log.der).unwrap();
    let (prefix, digest) = match point.len() {
        97 => ("307a301406072a8648ce3d020106092b240303020801010b036200", "-sha384"),
        _ => ("3059301306072a8648ce3d020106082a8648ce3d030107034200", "-sha256"),
    };
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let spki = write("spki.der", &[hex::decode(prefix).unwrap(), point.to_vec()].concat());
    let pem = dir.join("pub.pem");
    assert!(run("openssl", &["pkey", "-pubin", "-inform", "DER", "-in", &s(&spki), "-out", &s(&pem)], b"").0);
    let half = parts.signature.len() / 2;
    let (r, sv) = (hex::encode(&parts.signature[..half]), hex::encode(&parts.signature[half..]));
    let conf = write("s.cnf", format!("asn1=SEQUENCE:s\n[s]\nr=INTEGER:0x{r}\ns=INTEGER:0x{sv}\n").as_bytes());
    let sig = dir.join("sig.der");
    assert!(run("openssl", &["asn1parse", "-genconf", &s(&conf), "-out", &s(&sig), "-noout"], b"").0);
    let dtbs = write("dtbs.bin", &parts.dtbs);
    let (ok, out, _) = run("openssl", &["dgst", digest, "-verify", &s(&pem), "-signature", &s(&sig), &s(&dtbs)], b"");
    ok && out.contains("Verified OK")
}

#[test]
#[ignore = "needs the openssl command: cargo test -- --ignored tool_"]
fn tool_openssl_every_generated_log_parses_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [KeyKind::Bp384, KeyKind::P256] {
        let key = SoftwareKey::generate(kind).unwrap();
        let (logs, _) = unit_lifetime(&key);
        assert_eq!(logs.iter().map(|l| l.signature_counter).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
        for log in &logs {
            let (ok, out, err) = run("openssl", &["asn1parse", "-inform", "DER"], &log.der);
            assert!(
                ok && !err.contains("rror"),
                "asn1parse failed on counter {}:\n{out}\n{err}",
                log.signature_counter
            );
            // First line: the outer SEQUENCE, whose header and length span the whole message.
            let first = out.lines().next().unwrap();
            let num = |key: &str| -> usize {
                let at = first.find(key).unwrap() + key.len();
                first[at..].trim_start().split(' ').next().unwrap().parse().unwrap()
            };
            assert!(first.contains("d=0") && first.contains("cons: SEQUENCE"), "{first}");
            assert_eq!(num("hl=") + num(" l="), log.der.len(), "{first}");
            let children = out.lines().filter(|l| l.contains("d=1")).count();
            assert!(children == 9 || children == 12, "§3.1 children: {children}\n{out}");
            assert!(openssl_verifies(dir.path(), &key.public_key_raw(), log), "counter {}", log.signature_counter);
        }
    }
}
