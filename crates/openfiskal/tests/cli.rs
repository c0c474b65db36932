//! The binary as a user runs it: first start prints the setup token, the token buys a key over a
//! real socket, `openapi` prints the committed document, `admin setup-token` prints one line.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod common;

use std::process::Command;

use common::{BIN, start, start_with};

#[test]
fn first_start_prints_one_setup_token_that_buys_a_platform_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let (status, body) = server.request("GET", "/readyz", &[], "");
    assert_eq!(status, 200, "{body}");
    let (status, _) = server.request("GET", "/v1/no-such-thing", &[("X-Request-Id", "pos-42")], "");
    assert_eq!(status, 404);
    let (out, log) = server.stop_with_log();
    // Plain text into a pipe: no ANSI colour codes.
    assert!(log.iter().all(|l| !l.contains('\u{1b}')), "colour codes in a non-terminal log: {log:?}");
    // One access line per request: method, route, status, duration and request id.
    let access: Vec<&String> = log.iter().filter(|l| l.contains("openfiskal::access")).collect();
    assert_eq!(access.len(), 2, "{log:?}");
    for (line, route, status) in [(access[0], "/readyz", "200"), (access[1], "unmatched", "404")] {
        for field in
            ["method=GET", &format!("route={route}"), &format!("status={status}"), "duration_ms=", "request_id=req_"]
        {
            assert!(line.contains(field), "{field} missing in {line}");
        }
    }
    assert_eq!(out.len(), 1, "exactly one line on stdout: {out:?}");
    let token = out[0].strip_prefix("OPENFISKAL_SETUP_TOKEN=").expect("the token line").to_owned();
    assert!(token.starts_with("ofk_setup_"));
    assert!(dir.path().join("data/openfiskal.db").exists(), "embedded SQLite under ./data/");
    assert!(dir.path().join("data/kek.key").exists(), "sandbox key-encryption key beside it");

    // Second start: the database is not empty, no new token; the first one still works.
    let server = start(dir.path());
    let body = format!("{{\"setup_token\":\"{token}\"}}");
    let (status, resp) = server.request("POST", "/v1/auth/bootstrap", &[("Content-Type", "application/json")], &body);
    assert_eq!(status, 201, "{resp}");
    let key: serde_json::Value = serde_json::from_str(&resp).unwrap();
    let auth = format!("Bearer {}", key["api_key"].as_str().unwrap());
    let (status, _) = server.request("GET", "/v1/auth/api-keys", &[("Authorization", &auth)], "");
    assert_eq!(status, 200);
    assert!(server.stop().is_empty(), "no token on a second start");

    // The admin command issues a fresh one, one line.
    let out = Command::new(BIN).args(["admin", "setup-token"]).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with("OPENFISKAL_SETUP_TOKEN=ofk_setup_"));
}

#[test]
fn openapi_subcommand_prints_the_committed_document() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json")).unwrap();
    assert!(out.stdout == committed, "openapi/openapi.json is stale: regenerate with `openfiskal openapi`");
}

#[test]
fn bad_configuration_stops_startup_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).args(["serve", "--mode", "staging"]).current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("staging"));
    let out = Command::new(BIN).args(["serve", "--probe-interval-secs", "0"]).current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--probe-interval-secs"));
    let out =
        Command::new(BIN).args(["serve", "--database-url", "mysql://x"]).current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("OPENFISKAL_DATABASE_URL"));
    let out = Command::new(BIN)
        .args(["serve", "--mode", "production", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "production without a key-encryption key must not start");
    assert!(String::from_utf8_lossy(&out.stderr).contains("key-encryption key"));
}

#[test]
fn no_setup_token_is_printed_when_the_address_cannot_be_bound() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--listen", &addr])
        .current_dir(dir.path())
        .env_remove("OPENFISKAL_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a taken address stops startup");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("binding {addr}")));
    assert!(out.stdout.is_empty(), "no token for a server nobody can reach: {}", String::from_utf8_lossy(&out.stdout));
    // The next start that binds prints it.
    drop(taken);
    let server = start(dir.path());
    let out = server.stop();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].starts_with("OPENFISKAL_SETUP_TOKEN=ofk_setup_"));
}

#[test]
fn a_bad_tse_curve_stops_startup_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |flag: Option<&str>, env: Option<&str>| {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).current_dir(dir.path()).env_remove("OPENFISKAL_TSE_CURVE");
        if let Some(v) = flag {
            cmd.args(["--tse-curve", v]);
        }
        if let Some(v) = env {
            cmd.env("OPENFISKAL_TSE_CURVE", v);
        }
        cmd.output().unwrap()
    };
    for (flag, env, bad) in [(Some("secp256k1"), None, "secp256k1"), (None, Some("p256"), "p256")] {
        let out = serve(flag, env);
        assert!(!out.status.success(), "{bad} must not start");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(bad) && err.contains("--tse-curve"), "{err}");
        assert!(err.contains("brainpoolP384r1") && err.contains("P-256"), "names the accepted values: {err}");
        assert!(out.stdout.is_empty(), "no setup token");
    }
    assert!(!dir.path().join("data").exists(), "nothing was created");
    // A valid value starts and is logged.
    let server = start_with(dir.path(), &["--tse-curve", "P-256"]);
    let log = server.log.lock().unwrap().join("\n");
    assert!(log.contains("tse_curve=P-256"), "{log}");
    server.stop();
}

/// `bench --json` on a tiny run: one JSON object with exactly the documented keys and types. The
/// figures are never asserted (a test is no benchmark).
#[test]
fn bench_json_prints_one_object_with_every_key() {
    let out = Command::new(BIN)
        .args(["bench", "--json", "--curve", "P-256", "--units", "2", "--operations", "4", "--concurrency", "2"])
        .args(["--rate", "4", "--seconds", "1"])
        .env("OPENFISKAL_LOG", "warn")
        .env_remove("OPENFISKAL_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "exactly one line: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let o = v.as_object().expect("one JSON object");
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = vec![
        "backend",
        "curve",
        "sign_per_s_core",
        "commits_per_s",
        "limit_ops_per_s",
        "many_units_ops_per_s",
        "one_unit_ops_per_s",
        "one_unit_limit_ops_per_s",
        "ratio_many",
        "ratio_one",
        "complete_p50_ms",
        "complete_p99_ms",
        "complete_max_ms",
        "rate",
    ];
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(
        (o["backend"].as_str(), o["curve"].as_str(), o["rate"].as_u64()),
        (Some("sqlite"), Some("P-256"), Some(4))
    );
    for (k, value) in o {
        if !["backend", "curve", "rate"].contains(&k.as_str()) {
            assert!(value.as_f64().is_some_and(|x| x.is_finite() && x >= 0.0), "{k}: {value}");
        }
    }
}
