//! The API's German TSE output judged by Debian tools (de-tse.md §13.2, §13.4), on units of both
//! curves (brainpoolP384r1 and P-256): the `qr_data` of a completed cash movement survives
//! `qrencode` → PNG → `zbarimg` byte for byte, and every log DER in the unit's journal (provisioning,
//! operations, a daily closing) passes `dumpasn1 -z` and `openssl asn1parse`. Ignored in a plain `cargo test` (the tools are not Rust);
//! `cargo test -- --ignored tool_` runs it and a missing tool then fails it. `.ci/run` installs the
//! Debian packages `qrencode`, `zbar-tools` and `dumpasn1` and runs it. The vectors of
//! `testdata/de/` go through the same tools in `openfiskal-de-tse/tests/qr_and_asn1_tools.rs`.

use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine;

use crate::operations::{cash, de};
use crate::*;

/// Runs `program args` with `stdin`; returns (success, stdout bytes, stderr).
fn run(program: &str, args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed for this test (apt-get install it, see .ci/run): {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `payload` → `qrencode -8 -l M` (one 8-bit segment, from stdin byte for byte) → PNG →
/// `zbarimg --raw -q -Sbinary` (no charset guessing, no newline added). Returns zbarimg's stdout;
/// its stderr (D-Bus notes) is ignored.
fn qr_round_trip(dir: &Path, payload: &[u8]) -> Vec<u8> {
    let png = dir.join("qr.png");
    let png = png.to_str().unwrap();
    let (ok, _, err) = run("qrencode", &["-8", "-l", "M", "-o", png], payload);
    assert!(ok, "qrencode failed: {err}");
    let (ok, out, err) = run("zbarimg", &["-Sbinary", "--raw", "-q", png], b"");
    assert!(ok, "zbarimg found no QR code: {err}");
    out
}

/// `dumpasn1 -z` on `der`: exit 0, no `Error` or `Warning` line (trailing data is only a warning), the
/// summary `0 warnings, 0 errors.` (`-z`: the empty `[2]`/`[3]` of a Start log are legal, de-tse.md
/// §13.2), and one outer SEQUENCE spanning the whole message. Returns stdout.
fn dumpasn1(dir: &Path, der: &[u8]) -> Result<String, String> {
    let file = dir.join("msg.log");
    std::fs::write(&file, der).unwrap();
    // `-e`: the signature and serial are opaque bytes; without it dumpasn1 guesses that an OCTET
    // STRING whose first bytes look like a tag and a length encapsulates ASN.1, and a random
    // signature that happens to start so (about 1 in 200 keys) fails the check for nothing.
    let (ok, out, err) = run("dumpasn1", &["-z", "-e", file.to_str().unwrap()], b"");
    let out = String::from_utf8(out).unwrap();
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

#[tokio::test]
#[ignore = "needs qrencode, zbarimg, dumpasn1 and openssl (Debian qrencode, zbar-tools, dumpasn1, openssl): cargo test -- --ignored tool_"]
async fn tool_de_receipt_qr_and_journal_ders_pass_qrencode_zbarimg_and_dumpasn1() {
    for curve in openfiskal_de_tse::TseCurve::ALL {
        receipt_and_journal_pass_the_tools(curve).await;
    }
}

/// The checks above on a unit of `curve` (the installation setting of de-tse.md §2.1).
async fn receipt_and_journal_pass_the_tools(curve: openfiskal_de_tse::TseCurve) {
    let app = TestApp::builder(TestBackend::Sqlite).config(|c| c.tse_curve = curve).build().await;
    let d = de(&app).await;
    let a = bearer(&d.w.org_key);
    let h = [("authorization", a.as_str())];
    let path = format!("/v1/registers/{}/cash-movements", d.reg);
    let op = app.send("POST", &path, &h, Some(&cash("in", 5000))).await.expect(201, None);
    let id = op["id"].as_str().unwrap();
    app.clock.advance_secs(30);
    let c = app.send("POST", &format!("/v1/cash-movements/{id}/complete"), &h, None).await.expect(200, None);
    let qr = c["fiscal"]["verification"]["qr_data"].as_str().unwrap().to_owned();
    openfiskal_de_tse::verify_qr(&qr).expect("our own verifier accepts the QR");
    // A cancelled movement adds an AVBelegabbruch Finish to the journal.
    let op = app.send("POST", &path, &h, Some(&cash("out", 100))).await.expect(201, None);
    let id = op["id"].as_str().unwrap();
    app.send("POST", &format!("/v1/cash-movements/{id}/cancel"), &h, None).await.expect(200, None);
    // A daily closing adds its Kassenabschluss Start/Finish.
    app.send("POST", &format!("/v1/registers/{}/closings", d.reg), &h, Some(&json!({"type": "daily"})))
        .await
        .expect(201, None);
    let dir = tempfile::tempdir().unwrap();

    {
        let decoded = qr_round_trip(dir.path(), qr.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&decoded),
            qr,
            "zbarimg must return the API's qr_data unchanged (no added newline)"
        );
        assert_eq!(decoded, qr.as_bytes());
        // Negative control: the decoded text against the original with one byte changed (the Finish
        // counter, field 6) is unequal, so the comparison above can fail.
        let changed = qr.replacen(";1;4;", ";1;5;", 1);
        assert_eq!(changed.len(), qr.len());
        assert_ne!(changed, qr);
        assert_ne!(decoded, changed.as_bytes());
    }

    {
        let j = app.send("GET", &format!("/v1/fiscal-units/{}/journal", d.fu), &h, None).await.expect(200, None);
        let entries = j["data"].as_array().unwrap();
        let counters: Vec<i64> = entries.iter().map(|e| e["counter"].as_i64().unwrap()).collect();
        assert_eq!(counters, [1, 2, 3, 4, 5, 6, 7, 8], "two system logs, Start/Finish twice, the closing's pair");
        assert_eq!(j["has_more"], false);
        for e in entries {
            let der = base64::engine::general_purpose::STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
            openfiskal_de_tse::verify_log_message(&der, &d.point).unwrap();
            let out =
                dumpasn1(dir.path(), &der).unwrap_or_else(|err| panic!("journal counter {}: {err}", e["counter"]));
            let algorithm = match curve {
                openfiskal_de_tse::TseCurve::BrainpoolP384r1 => "bsiEcdsaWithSHA384",
                openfiskal_de_tse::TseCurve::P256 => "bsiEcdsaWithSHA256",
            };
            assert!(out.contains(algorithm), "counter {}: the unit signs on {curve}\n{out}", e["counter"]);
            let (ok, _, err) = run("openssl", &["asn1parse", "-inform", "DER"], &der);
            assert!(ok, "counter {}: openssl asn1parse rejects the stored log: {err}", e["counter"]);
        }
        // Negative control: the last message cut by one byte is refused.
        let last = base64::engine::general_purpose::STANDARD.decode(entries[5]["record"].as_str().unwrap()).unwrap();
        assert!(dumpasn1(dir.path(), &last[..last.len() - 1]).is_err(), "a truncated DER must fail dumpasn1");
    }
}
