//! The TSE curve as an installation setting (de-tse.md §2.1, §9.1; `ApiConfig::tse_curve`): a DE
//! unit provisioned under P-256 has a 65-byte key certified by the installation's P-256 CA, and its
//! registration, logs and QR codes carry `ecdsa-plain-SHA256`; a unit keeps its curve for life, so
//! a changed setting reaches only units provisioned (or replacements made) afterwards.

use base64::Engine;
use openfiskal_de_tse::{Curve, TseCurve};
use sha2::{Digest, Sha256};

use crate::operations::{De, de};
use crate::*;
use openfiskal_testkit::both_backends;

/// DER of the P-256 curve OID (1.2.840.10045.3.1.7) and of `ecdsa-with-SHA256` (1.2.840.10045.4.3.2).
const OID_PRIME256V1: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ECDSA_SHA256: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

fn p256(c: &mut openfiskal_api::ApiConfig) {
    c.tse_curve = TseCurve::P256;
}

fn auth(d: &De) -> String {
    bearer(&d.w.org_key)
}

/// A sale of two lines, started and then completed in cash; returns the completed operation.
async fn sale(app: &TestApp, d: &De) -> Value {
    let a = auth(d);
    let line = |desc: &str, price: i64, rate: &str| json!({"description": desc, "quantity": "1", "unit_price_gross": price, "tax": {"rate": rate}});
    let body = json!({"cashier": {"id": "c1"}, "line_items": [line("Hemd", 3000, "0.19"), line("Buch", 1500, "0.07")]});
    let path = format!("/v1/registers/{}/sales", d.reg);
    let op = app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(201, None);
    let pay = json!({"payments": [{"method": "cash", "direction": "inbound", "amount": 5000},
                                  {"method": "cash", "direction": "outbound", "amount": 500}]});
    let path = format!("/v1/sales/{}/complete", op["id"].as_str().unwrap());
    let done = app.send("POST", &path, &[("authorization", &a)], Some(&pay)).await.expect(200, None);
    assert_eq!((done["state"].as_str(), done["fiscal_state"].as_str()), (Some("completed"), Some("succeeded")));
    done
}

/// The sale's QR verifies with our verifier on `curve`, names its algorithm and the unit's key.
fn check_qr(op: &Value, d: &De, curve: TseCurve) {
    let f = &op["fiscal"];
    assert_eq!(f["signature_algorithm"], curve.algorithm().name());
    let qr = f["verification"]["qr_data"].as_str().unwrap();
    let fields: Vec<&str> = qr.split(';').collect();
    assert_eq!(fields.len(), 12, "{qr}");
    assert_eq!(fields[8], curve.algorithm().name(), "QR field 9: {qr}");
    let parsed = openfiskal_de_tse::verify_qr(qr).expect("our verifier accepts the QR");
    assert_eq!(parsed.algorithm, curve.algorithm());
    assert_eq!(parsed.public_key, d.point, "QR field 12 is the unit's key");
    let on = if curve == TseCurve::P256 { Curve::NistP256 } else { Curve::BrainpoolP384r1 };
    assert_eq!(parsed.verify().unwrap(), on);
}

/// Every journal log of the unit verifies with its key and names `curve`'s algorithm; returns the
/// number of logs.
async fn check_journal(app: &TestApp, d: &De, curve: TseCurve) -> usize {
    let path = format!("/v1/fiscal-units/{}/journal?limit=200", d.fu);
    let j = app.send("GET", &path, &[("authorization", &auth(d))], None).await.expect(200, None);
    let entries = j["data"].as_array().unwrap();
    for e in entries {
        let der = base64::engine::general_purpose::STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
        let (parts, _) = openfiskal_de_tse::verify_log_message(&der, &d.point)
            .unwrap_or_else(|err| panic!("journal entry {} does not verify: {err}", e["counter"]));
        assert_eq!(parts.algorithm, curve.algorithm(), "entry {}", e["counter"]);
        assert_eq!(parts.signature_counter, e["counter"].as_u64().unwrap());
    }
    entries.len()
}

async fn p256_sale_and_daily_closing(app: TestApp) {
    let d = de(&app).await;
    let unit = app
        .send("GET", &format!("/v1/fiscal-units/{}", d.fu), &[("authorization", &auth(&d))], None)
        .await
        .expect(200, None);
    let tse = &unit["fiscal_registration"];
    assert_eq!(tse["signature_algorithm"], "ecdsa-plain-SHA256");
    assert_eq!((d.point.len(), d.point[0]), (65, 4), "uncompressed P-256 point");
    assert_eq!(tse["public_key"].as_str().unwrap().len(), 88);
    assert_eq!(tse["tse_serial"].as_str().unwrap(), hex::encode(Sha256::digest(&d.point)));

    // The unit certificate: the point on P-256, signed by the installation's P-256 CA, which is
    // the only TSE CA this installation made (one CA per curve in use, de-tse.md §9.1).
    let mut db = app.store.read().await.unwrap();
    let keys = openfiskal_store::repo::fiscal_units::keys(&mut db, &d.w.org, &d.fu).await.unwrap();
    let cert = keys.iter().find(|k| k.purpose == "signing").unwrap().certificate.clone().unwrap();
    let has = |needle: &[u8]| cert.windows(needle.len()).any(|w| w == needle);
    assert!(has(&d.point) && has(&OID_PRIME256V1) && has(&OID_ECDSA_SHA256), "a P-256 certificate");
    let ca = openfiskal_store::repo::fiscal_units::installation_key(&mut db, "tse_ca_p256").await.unwrap().unwrap();
    let ca_key = openfiskal_crypto::unwrap_key(
        &openfiskal_crypto::Kek::from_bytes([42; 32]),
        "installation",
        "-",
        "tse_ca_p256",
        &ca.wrapped,
    )
    .unwrap();
    assert_eq!(ca_key.kind(), openfiskal_crypto::KeyKind::P256);
    openfiskal_crypto::TseCa::from_parts(ca_key, ca.certificate).expect("the stored CA key matches its certificate");
    assert!(openfiskal_store::repo::fiscal_units::installation_key(&mut db, "tse_ca").await.unwrap().is_none());
    drop(db);

    app.clock.advance_secs(60);
    let done = sale(&app, &d).await;
    check_qr(&done, &d, TseCurve::P256);
    app.clock.advance_secs(60);
    let path = format!("/v1/registers/{}/closings", d.reg);
    let closing = app
        .send("POST", &path, &[("authorization", &auth(&d))], Some(&json!({"type": "daily"})))
        .await
        .expect(201, None);
    assert_eq!(closing["state"], "completed");
    // initialize + registerClient, the sale's Start and Finish, the closing's Start and Finish.
    assert_eq!(check_journal(&app, &d, TseCurve::P256).await, 6);
}

mod p256_unit_signs_a_sale_and_a_daily_closing {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        p256_sale_and_daily_closing(TestApp::builder(TestBackend::Sqlite).config(p256).build().await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: OPENFISKAL_TEST_POSTGRES_URL=postgres://… cargo test -- --ignored postgres"]
    async fn postgres() {
        p256_sale_and_daily_closing(TestApp::builder(TestBackend::Postgres).config(p256).build().await).await
    }
}

both_backends! {
    async fn a_unit_keeps_its_curve_when_the_setting_changes(app) {
        let mut app = app;
        let old = de(&app).await;
        assert_eq!(old.point.len(), 97, "brainpoolP384r1 by default");
        // Restart under P-256: the existing unit still signs on brainpool ...
        app.restart_with(p256);
        app.clock.advance_secs(60);
        check_qr(&sale(&app, &old).await, &old, TseCurve::BrainpoolP384r1);
        assert_eq!(check_journal(&app, &old, TseCurve::BrainpoolP384r1).await, 4);
        // ... a new unit gets P-256 ...
        let reg = app.create_register(&old.w.org_key, &old.w.location, "DE", "Kasse 2").await;
        let p = app.provision(&old.w.org_key, &reg, None).await.expect(201, None);
        let tse = &p["fiscal_unit"]["fiscal_registration"];
        assert_eq!(tse["signature_algorithm"], "ecdsa-plain-SHA256");
        // ... and so does the replacement of the old one (a new unit, made under today's setting).
        let path = format!("/v1/registers/{}/fiscal-units/replace", old.reg);
        let r = app
            .send("POST", &path, &[("authorization", &auth(&old))], Some(&json!({"reason": "new curve"})))
            .await
            .expect(200, None);
        let new = &r["new_binding"];
        assert_eq!(new["fiscal_registration"]["signature_algorithm"], "ecdsa-plain-SHA256");
        let point = base64::engine::general_purpose::STANDARD
            .decode(new["fiscal_registration"]["public_key"].as_str().unwrap())
            .unwrap();
        let replaced = De { w: old.w, reg: old.reg, fu: new["id"].as_str().unwrap().to_owned(), point };
        app.clock.advance_secs(60);
        check_qr(&sale(&app, &replaced).await, &replaced, TseCurve::P256);
        assert_eq!(check_journal(&app, &replaced, TseCurve::P256).await, 4);
        // Back to the default: P-256 units stay P-256.
        app.restart_with(|c| c.tse_curve = TseCurve::BrainpoolP384r1);
        app.clock.advance_secs(60);
        check_qr(&sale(&app, &replaced).await, &replaced, TseCurve::P256);
    }
}
