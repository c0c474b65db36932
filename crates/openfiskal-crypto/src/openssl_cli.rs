//! Test support: the `openssl` command line tool as an outside checker. Tests that use it are named
//! `tool_openssl_…` and ignored in a plain `cargo test`; asked for (`-- --ignored tool_`), a missing
//! `openssl` fails them.

use std::path::PathBuf;
use std::process::Command;

use crate::signer::SignatureAlgorithm;

/// A temporary working directory for one test.
pub(crate) struct Workdir(tempfile::TempDir);

impl Workdir {
    pub(crate) fn new() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write temp file");
        p
    }
}

/// Runs `openssl args…`; panics when the binary cannot be started. Returns (success, stdout, stderr).
pub(crate) fn openssl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("openssl must be installed for this test (it is the outside checker): {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `openssl args…` and asserts success; returns stdout.
pub(crate) fn openssl_ok(args: &[&str]) -> String {
    let (ok, stdout, stderr) = openssl(args);
    assert!(ok, "openssl {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Verifies `sig` over `msg` with the DER SubjectPublicKeyInfo `spki`, the way de-tse.md §13.1
/// does: SPKI → PEM with `openssl pkey`, plain r‖s → DER `ECDSA-Sig-Value` with
/// `openssl asn1parse -genconf`, then `openssl dgst -verify`. True only for "Verified OK".
pub(crate) fn verify(dir: &Workdir, alg: SignatureAlgorithm, spki: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let spki_path = dir.write("spki.der", spki);
    let pem = dir.path("pub.pem");
    openssl_ok(&["pkey", "-pubin", "-inform", "DER", "-in", s(&spki_path), "-out", s(&pem)]);
    let msg_path = dir.write("msg.bin", msg);
    let (digest, sig_path) = match alg {
        SignatureAlgorithm::RsaPkcs1v15Sha256 => ("-sha256", dir.write("sig.bin", sig)),
        SignatureAlgorithm::EcdsaBp384Sha384 | SignatureAlgorithm::EcdsaP256Sha256 => {
            let half = alg.signature_len() / 2;
            assert_eq!(sig.len(), 2 * half, "plain signature length");
            let conf = format!(
                "asn1=SEQUENCE:s\n[s]\nr=INTEGER:0x{}\ns=INTEGER:0x{}\n",
                hex::encode(&sig[..half]),
                hex::encode(&sig[half..])
            );
            let conf_path = dir.write("s.cnf", conf.as_bytes());
            let der = dir.path("sig.der");
            openssl_ok(&["asn1parse", "-genconf", s(&conf_path), "-out", s(&der), "-noout"]);
            let digest = if alg == SignatureAlgorithm::EcdsaBp384Sha384 { "-sha384" } else { "-sha256" };
            (digest, der)
        }
    };
    let (ok, stdout, _) = openssl(&["dgst", digest, "-verify", s(&pem), "-signature", s(&sig_path), s(&msg_path)]);
    ok && stdout.contains("Verified OK")
}

/// Writes DER certificates as PEM files via `openssl x509` and returns the PEM path.
pub(crate) fn cert_to_pem(dir: &Workdir, name: &str, der: &[u8]) -> PathBuf {
    let der_path = dir.write(&format!("{name}.der"), der);
    let pem = dir.path(&format!("{name}.pem"));
    openssl_ok(&["x509", "-inform", "DER", "-in", s(&der_path), "-out", s(&pem)]);
    pem
}

/// `openssl x509 -text` of a DER certificate.
pub(crate) fn cert_text(dir: &Workdir, name: &str, der: &[u8]) -> String {
    let der_path = dir.write(&format!("{name}.der"), der);
    openssl_ok(&["x509", "-inform", "DER", "-in", s(&der_path), "-noout", "-text"])
}

/// `openssl verify -CAfile ca -attime t leaf`: (success, output).
pub(crate) fn verify_chain(ca_pem: &std::path::Path, leaf_pem: &std::path::Path, at_unix: i64) -> (bool, String) {
    let t = at_unix.to_string();
    let (ok, stdout, stderr) = openssl(&["verify", "-attime", &t, "-CAfile", s(ca_pem), s(leaf_pem)]);
    (ok, format!("{stdout}{stderr}"))
}

/// The DER SubjectPublicKeyInfo in a certificate, as openssl extracts it.
pub(crate) fn cert_spki(dir: &Workdir, pem: &std::path::Path) -> Vec<u8> {
    let pub_pem = dir.path("extracted.pub.pem");
    openssl_ok(&["x509", "-in", s(pem), "-pubkey", "-noout", "-out", s(&pub_pem)]);
    let der = dir.path("extracted.pub.der");
    openssl_ok(&["pkey", "-pubin", "-in", s(&pub_pem), "-outform", "DER", "-out", s(&der)]);
    std::fs::read(der).expect("read extracted key")
}
