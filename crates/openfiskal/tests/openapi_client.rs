//! A client generated from the committed `openapi/openapi.json` by a standard generator (PyPI
//! `openapi-python-client`) runs the README quick start against a real `openfiskal serve`:
//! `tools/openapi/quickstart_client.py` calls the API only through the generated typed functions
//! and checks every answer as the model the document promises.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]

mod common;

use std::path::Path;
use std::process::Command;

use common::start;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
#[ignore = "needs OPENFISKAL_PYTHON (a python with tools/openapi/requirements.txt): cargo test -- --ignored tool_"]
fn tool_openapi_generated_python_client_runs_the_readme_quick_start() {
    let python = std::env::var("OPENFISKAL_PYTHON")
        .expect("set OPENFISKAL_PYTHON to a python with `pip install -r tools/openapi/requirements.txt`");
    let work = tempfile::tempdir().unwrap();
    let package = work.path().join("openfiskal_client");

    // Generate the client; the generator must take the whole document without a warning.
    let out = Command::new(&python)
        .args(["-m", "openapi_python_client", "generate", "--meta", "none", "--overwrite"])
        .arg("--path")
        .arg(Path::new(REPO).join("openapi/openapi.json"))
        .arg("--config")
        .arg(Path::new(REPO).join("tools/openapi/client-config.yaml"))
        .arg("--output-path")
        .arg(&package)
        .output()
        .unwrap_or_else(|e| panic!("OPENFISKAL_PYTHON={python} does not run: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("No module named"), "OPENFISKAL_PYTHON={python} lacks openapi-python-client: {text}");
    assert!(out.status.success(), "openapi-python-client failed:\n{text}");
    assert!(!text.to_lowercase().contains("warning"), "openapi-python-client skipped parts of the document:\n{text}");
    assert!(package.join("models/operation.py").exists(), "no Operation model generated:\n{text}");

    // A real server on an empty database: its first line on stdout is the setup token.
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let line = server.stdout_line().expect("the setup token line");
    let token = line.strip_prefix("OPENFISKAL_SETUP_TOKEN=").expect("the token line").to_owned();
    let out = Command::new(&python)
        .arg(Path::new(REPO).join("tools/openapi/quickstart_client.py"))
        .arg(format!("http://{}", server.addr))
        .arg(&token)
        .env("PYTHONPATH", work.path())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    server.stop();
    assert!(out.status.success(), "the quick start through the generated client failed:\n{text}");
    assert!(text.contains("quick start: every step answered as the README says"), "{text}");
}
