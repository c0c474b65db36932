//! The German vectors and our own TSE output judged by Debian tools (testdata/de/README.md): every
//! QR payload survives `qrencode` → PNG → `zbarimg` byte for byte, and every log message passes
//! `dumpasn1 -z`. The tests are ignored in a plain `cargo test` (the tools are not Rust);
//! `cargo test -- --ignored tool_` runs them and then a missing tool fails them. `.ci/run` installs
//! the tools (Debian `qrencode`, `zbar-tools`, `dumpasn1`) and runs them.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod common;

use std::path::{Path, PathBuf};

use common::{run, run_bytes, unit_lifetime};
use openfiskal_crypto::{KeyKind, SoftwareKey};

/// `testdata/de/<name>` (testdata/de/README.md), read whole; a missing file fails.
fn vector(name: &str) -> String {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/de")).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("test vector {} must exist: {e}", p.display()))
}

/// The value of `key=` in a `key=value` vector file.
fn kv(file: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    vector(file).lines().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned)).unwrap_or_else(|| panic!("{key}"))
}

/// `payload` → `qrencode -l M` (with `-8`: one 8-bit segment) → PNG → `zbarimg --raw -q` (with
/// `-Sbinary`: no charset guessing). Returns zbarimg's stdout exactly; its stderr (D-Bus notes) is
/// ignored.
fn qr_round_trip(dir: &Path, payload: &[u8], binary: bool) -> Vec<u8> {
    let png = dir.join("qr.png");
    let png = png.to_str().unwrap();
    let mut enc = vec!["-l", "M", "-o", png];
    let mut dec = vec!["--raw", "-q", png];
    if binary {
        enc.insert(0, "-8");
        dec.insert(0, "-Sbinary");
    }
    // qrencode reads the payload from stdin byte for byte (no newline added or removed).
    let (ok, _, err) = run("qrencode", &enc, payload);
    assert!(ok, "qrencode failed: {err}");
    let (ok, out, err) = run_bytes("zbarimg", &dec, b"");
    assert!(ok, "zbarimg found no QR code: {err}");
    out
}

/// `dumpasn1 -z` on `der` (from a file: dumpasn1 warns that some options misbehave on stdin).
/// Accepts only exit 0, no `Error`/`Warning` line (trailing data is only a warning), the
/// summary `0 warnings, 0 errors.`, and one outer SEQUENCE spanning the whole message. Returns stdout.
fn dumpasn1(dir: &Path, der: &[u8]) -> Result<String, String> {
    let file = dir.join("msg.log");
    std::fs::write(&file, der).unwrap();
    // `-e`: the signature and serial are opaque bytes; without it dumpasn1 guesses that an OCTET
    // STRING whose first bytes look like a tag and a length encapsulates ASN.1, and a random
    // signature that happens to start so (about 1 in 200 keys) fails the check for nothing.
    let (ok, out, err) = run("dumpasn1", &["-z", "-e", file.to_str().unwrap()], b"");
    let bad = out.lines().find(|l| l.contains("Error") || l.contains("Warning"));
    if !ok || bad.is_some() || !err.contains("0 warnings, 0 errors.") {
        return Err(format!("dumpasn1 -z refused the message ({bad:?}):\n{out}\n{err}"));
    }
    // First line: "    0 261: SEQUENCE {" (offset, content length); the header adds 2–5 bytes.
    let first = out.lines().next().unwrap_or_default();
    let len: usize = first.split(':').next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let header = match len {
        0..=127 => 2,
        128..=255 => 3,
        256..=65535 => 4,
        _ => 5,
    };
    if !first.ends_with("SEQUENCE {") || header + len != der.len() {
        return Err(format!("not one SEQUENCE over {} bytes: {first}", der.len()));
    }
    Ok(out)
}

#[test]
#[ignore = "needs qrencode and zbarimg (Debian qrencode, zbar-tools): cargo test -- --ignored tool_"]
fn tool_qr_vectors_and_our_qr_codes_survive_qrencode_and_zbarimg() {
    let dir = tempfile::tempdir().unwrap();
    // vectors/de/qr-valid.txt (all five, README step 6) and dtbs-golden.txt `qr`.
    let mut payloads: Vec<String> = vector("qr-valid.txt").lines().map(str::to_owned).collect();
    assert_eq!(payloads.len(), 5, "qr-valid.txt has five payloads");
    payloads.push(kv("dtbs-golden.txt", "qr"));
    for kind in [KeyKind::Bp384, KeyKind::P256] {
        payloads.push(unit_lifetime(&SoftwareKey::generate(kind).unwrap()).1);
    }
    for p in &payloads {
        let b = p.as_bytes();
        assert_eq!(qr_round_trip(dir.path(), b, true), b, "8-bit mode, -Sbinary: byte for byte\n{p}");
        // The §13.4 command as written (no -8, no -Sbinary): zbarimg appends exactly one newline.
        assert_eq!(qr_round_trip(dir.path(), b, false), [b, b"\n"].concat(), "plain mode\n{p}");
    }
    // Negative controls: the comparison sees one changed byte, and the tools carry it through.
    let original = payloads[0].as_bytes();
    let mut changed = original.to_vec();
    let at = original.len() / 2;
    changed[at] ^= 1;
    let decoded = qr_round_trip(dir.path(), &changed, true);
    assert_eq!(decoded, changed);
    assert_ne!(decoded, original, "a one-byte change must not round-trip to the original");
    // Non-ASCII bytes survive too, but only with -Sbinary: without it zbarimg guesses a charset, and
    // zbar 0.23.92 returns the UTF-8 bytes of "ü" (c3 bc) as "羹" (c3 bc read as Big5), Latin-1 fc as c3 bc.
    let umlaut = "Kasse Müller".as_bytes();
    assert_eq!(qr_round_trip(dir.path(), umlaut, true), umlaut);
}

#[test]
#[ignore = "needs dumpasn1 (Debian dumpasn1): cargo test -- --ignored tool_"]
fn tool_vector_and_generated_log_messages_pass_dumpasn1() {
    let dir = tempfile::tempdir().unwrap();
    // vectors/de/dtbs-golden.txt (README step 3) and start-logs.txt `s2`: the real TSE's messages.
    let vectors = [
        ("dtbs-golden.txt", "start.log_message_hex"),
        ("dtbs-golden.txt", "finish.log_message_hex"),
        ("start-logs.txt", "s2.log_message_hex"),
    ];
    for (file, key) in vectors {
        let der = hex::decode(kv(file, key)).unwrap();
        let out = dumpasn1(dir.path(), &der).unwrap_or_else(|e| panic!("{file} {key}: {e}"));
        assert!(out.contains("bsiEcdsaWithSHA384"), "{file} {key}: dumpasn1 names the algorithm\n{out}");
    }
    // Every log kind we sign (system, Start, Finish, cancel, closing, decommission) on both curves.
    for (kind, alg) in [(KeyKind::Bp384, "bsiEcdsaWithSHA384"), (KeyKind::P256, "bsiEcdsaWithSHA256")] {
        let (logs, _) = unit_lifetime(&SoftwareKey::generate(kind).unwrap());
        assert_eq!(logs.len(), 10);
        for log in &logs {
            let out =
                dumpasn1(dir.path(), &log.der).unwrap_or_else(|e| panic!("counter {}: {e}", log.signature_counter));
            assert!(out.contains(alg), "counter {}: {alg}\n{out}", log.signature_counter);
        }
    }
    // Negative controls: a truncated message (exit 3) and trailing data (a warning) are refused.
    let der = hex::decode(kv("dtbs-golden.txt", "finish.log_message_hex")).unwrap();
    assert!(dumpasn1(dir.path(), &der[..der.len() - 1]).is_err(), "truncated");
    assert!(dumpasn1(dir.path(), &[der.as_slice(), der.as_slice()].concat()).is_err(), "trailing data");
    // A signature whose first bytes read as a reserved tag with a plausible length (0E 5E) is still
    // an opaque value: the message passes (this failed CI once without `-e`).
    let mut odd = der.clone();
    let at = odd.len() - 96;
    odd[at..at + 2].copy_from_slice(&[0x0E, 0x5E]);
    dumpasn1(dir.path(), &odd).unwrap_or_else(|e| panic!("an opaque signature that looks like a TLV: {e}"));
}
