//! Key custody (ARCHITECTURE.md §9): private keys exist only wrapped under the key-encryption key,
//! bound to their organization, unit and purpose; no private key bytes reach the database or logs.

use std::sync::{Arc, Mutex};

use openfiskal_crypto::{Kek, wrap};

use crate::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "current_thread")]
async fn private_keys_never_reach_the_database_or_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::sqlite().await;
    let mut units = Vec::new();
    for country in ["DE", "AT", "IT"] {
        let w = World::in_country(&app, country).await;
        let reg = app.create_register(&w.org_key, &w.location, country, "Kasse 1").await;
        let fu = app.provision(&w.org_key, &reg, None).await.expect(201, None)["fiscal_unit"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        units.push((w.org, fu));
    }
    // Read the wrapped keys, then unwrap them with the installation's key as the signer would.
    let kek = Kek::from_bytes([42; 32]);
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    // Public material (points, certificates) legitimately shares bytes with a PKCS#8 encoding.
    let mut public: Vec<u8> = Vec::new();
    for (org, fu) in &units {
        let mut db = app.store.read().await.unwrap();
        let keys = openfiskal_store::repo::fiscal_units::keys(&mut db, org, fu).await.unwrap();
        assert!(!keys.is_empty());
        for k in keys {
            let plain = wrap::unwrap_secret(&kek, org, fu, &k.purpose, &k.wrapped).expect("unwraps in its own context");
            secrets.push(plain.to_vec());
            public.extend(k.public_key.clone().unwrap_or_default());
            public.extend(k.certificate.clone().unwrap_or_default());
            // Moved to another unit or purpose, it does not open.
            let other_unit = &units.iter().find(|(_, u)| u != fu).unwrap().1;
            assert!(wrap::unwrap_secret(&kek, org, other_unit, &k.purpose, &k.wrapped).is_err(), "moved key opened");
            assert!(wrap::unwrap_secret(&kek, org, fu, "other", &k.wrapped).is_err());
            assert!(wrap::unwrap_secret(&Kek::from_bytes([7; 32]), org, fu, &k.purpose, &k.wrapped).is_err());
        }
    }
    assert_eq!(secrets.len(), 4, "DE signing, AT signing + turnover, IT signing");
    let logs = capture.0.lock().unwrap().clone();
    assert!(!logs.is_empty(), "the capture works");
    let path = app.store_path().unwrap();
    app.store.close().await;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path.parent().unwrap()).unwrap() {
        files.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let mut checked = 0;
    for s in &secrets {
        // Every 16-byte window of the PKCS#8 (or the raw AES key) that is not public material.
        for window in s.windows(16).filter(|w| !contains(&public, w)) {
            checked += 1;
            assert!(!contains(&files, window), "private key bytes in the database files");
            assert!(!contains(&logs, window), "private key bytes in the logs");
            assert!(!contains(&logs, hex::encode(window).as_bytes()), "hex private key bytes in the logs");
        }
    }
    assert!(checked > 100, "the private parts were scanned ({checked} windows)");
}
