//! Test support: reads the third-party vectors of `testdata/de/` in the repository (its README
//! describes them and their sources); a missing file fails the test.

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine as _;

/// `testdata/de/<name>` of the repository.
pub(crate) fn path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/de")).join(name)
}

fn read(name: &str) -> String {
    let p = path(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("test vector {} must exist: {e}", p.display()))
}

/// A `key=value` vector file (`#` comments; the value runs to the end of the line).
pub(crate) struct Kv(HashMap<String, String>);

impl Kv {
    pub(crate) fn load(name: &str) -> Self {
        let map = read(name)
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let (k, v) = l.split_once('=').expect("key=value");
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Self(map)
    }

    pub(crate) fn get(&self, key: &str) -> &str {
        self.0.get(key).unwrap_or_else(|| panic!("vector key {key}"))
    }

    pub(crate) fn num(&self, key: &str) -> u64 {
        self.get(key).parse().unwrap()
    }

    pub(crate) fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.get(key)).unwrap()
    }

    pub(crate) fn b64(&self, key: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD.decode(self.get(key)).unwrap()
    }
}

/// The lines of `qr-valid.txt`.
pub(crate) fn qr_lines() -> Vec<String> {
    let lines: Vec<String> = read("qr-valid.txt").lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "qr-valid.txt has five payloads");
    lines
}
