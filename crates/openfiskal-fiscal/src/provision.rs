//! Provisioning through the regime seam (api.md §6.3, §6.4; ARCHITECTURE.md §4, §9).
//!
//! Order of work, so that bad input never leaves anything behind and the single SQLite writer is
//! never held during slow crypto:
//! 1. [`prepare`] (no transaction): the installation CA is loaded or created, the unit's keys are
//!    generated on the blocking pool. A DE unit's key is on the installation's TSE curve
//!    (`ApiConfig::tse_curve`, de-tse.md §2.1), certified by that curve's CA; the unit keeps it for
//!    life, so a changed setting affects only units provisioned (or replacements made) afterwards.
//! 2. [`provision_in_tx`] (inside the caller's transaction): the regime validates the configuration
//!    and builds the registration; certificates are issued; the unit row, its wrapped keys and its
//!    start records are written. The caller commits them with the register change and the stored
//!    response, or drops everything.

use openfiskal_core::regime::{ProvisionContext, Provisioned};
use openfiskal_core::{FiscalUnitState, Jurisdiction, Timestamp};
use openfiskal_crypto::{KeyKind, RtSandboxCa, Signer, SoftwareKey, TseCa, wrap};
use openfiskal_de_tse::{TseAlgorithm, TseCurve};
use openfiskal_store::Tx;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow, InstallationKeyRow, UnitKeyRow};
use openfiskal_store::repo::orgs::OrgRow;
use openfiskal_store::repo::registers::RegisterRow;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use openfiskal_core::codes;

use crate::journal::ChainAfter;
use crate::{FiscalError, FiscalService, to_json};

/// Name in the subject of the installation's CAs.
const INSTALLATION_NAME: &str = "OpenFiskal";

/// Key material made before the transaction.
pub struct Prepared {
    key: SoftwareKey,
    turnover_key: Option<Zeroizing<[u8; 32]>>,
    tse_ca: Option<TseCa>,
    rt_ca: Option<RtSandboxCa>,
}

/// What the request asks for.
#[derive(Debug, Clone, Default)]
pub struct ProvisionInput {
    /// The regime's configuration (`null` = defaults).
    pub configuration: Option<Value>,
    /// Metadata of the unit.
    pub metadata: Map<String, Value>,
    /// The unit this one replaces.
    pub replaces: Option<String>,
}

/// The unit key's kind: DE on the installation's TSE curve (`ApiConfig::tse_curve`), AT P-256
/// (ES256), IT RSA-2048.
fn key_kind(jurisdiction: Jurisdiction, tse_curve: TseCurve) -> KeyKind {
    match jurisdiction {
        Jurisdiction::De => tse_curve.key_kind(),
        Jurisdiction::At => KeyKind::P256,
        Jurisdiction::It => KeyKind::Rsa2048,
    }
}

/// `installation_keys.purpose` of the TSE CA on `curve`: one CA per curve in use (de-tse.md §9.1).
/// The brainpool CA keeps the name it had before the P-256 option existed.
fn tse_ca_purpose(curve: TseCurve) -> &'static str {
    match curve {
        TseCurve::BrainpoolP384r1 => "tse_ca",
        TseCurve::P256 => "tse_ca_p256",
    }
}

/// Checks the configuration's `regime` against the jurisdiction (`422` otherwise).
pub fn check_regime(jurisdiction: Jurisdiction, configuration: Option<&Value>) -> Result<(), FiscalError> {
    let expected = jurisdiction.regime();
    match configuration {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(m)) => match m.get("regime").and_then(Value::as_str) {
            None => Ok(()),
            Some(r) if r == expected => Ok(()),
            Some(r) => Err(FiscalError::validation(
                "configuration.regime",
                format!("A {jurisdiction} register takes the `{expected}` regime, not `{r}`."),
            )),
        },
        Some(_) => Err(FiscalError::invalid("configuration", "configuration must be an object.")),
    }
}

async fn load_or_create_ca<T>(
    fs: &FiscalService,
    purpose: &'static str,
    make: impl FnOnce() -> Result<T, String> + Send + 'static,
    parts: impl Fn(&T) -> (&SoftwareKey, &[u8]),
    from_parts: impl Fn(SoftwareKey, Vec<u8>) -> Result<T, String>,
) -> Result<T, FiscalError>
where
    T: Send + 'static,
{
    let load = |row: InstallationKeyRow| -> Result<T, FiscalError> {
        let key = wrap::unwrap_key(&fs.kek, "installation", "-", purpose, &row.wrapped)
            .map_err(|e| FiscalError::internal(&e))?;
        from_parts(key, row.certificate).map_err(|e| FiscalError::internal(&e))
    };
    let mut db = fs.store.read().await?;
    if let Some(row) = fiscal_units::installation_key(&mut db, purpose).await? {
        return load(row);
    }
    drop(db);
    let ca = tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| FiscalError::internal(&e))?
        .map_err(|e| FiscalError::internal(&e))?;
    let (key, cert) = parts(&ca);
    let row = InstallationKeyRow {
        purpose: purpose.to_owned(),
        wrapped: wrap::wrap_key(&fs.kek, "installation", "-", purpose, key).map_err(|e| FiscalError::internal(&e))?,
        certificate: cert.to_vec(),
        created_at: fs.now_us(),
    };
    let mut tx = fs.store.begin().await?;
    match fiscal_units::insert_installation_key(&mut tx, &row).await {
        Ok(()) => {
            tx.commit().await?;
            tracing::info!(purpose, "installation CA created");
            Ok(ca)
        }
        // Another request created it first: use that one.
        Err(e) if e.unique_constraint() == Some("installation_keys_pkey") => {
            drop(tx);
            let mut db = fs.store.read().await?;
            let row = fiscal_units::installation_key(&mut db, purpose).await?.ok_or_else(FiscalError::not_found)?;
            load(row)
        }
        Err(e) => Err(e.into()),
    }
}

/// Step 1: loads the CAs the jurisdiction needs and generates the unit's keys.
pub async fn prepare(fs: &FiscalService, jurisdiction: Jurisdiction) -> Result<Prepared, FiscalError> {
    let now = fs.clock.now().as_secs();
    let curve = fs.config.tse_curve;
    let tse_ca = match jurisdiction {
        Jurisdiction::De => Some(
            load_or_create_ca(
                fs,
                tse_ca_purpose(curve),
                move || TseCa::generate_for(curve.key_kind(), INSTALLATION_NAME, now).map_err(|e| e.to_string()),
                |c: &TseCa| (c.key(), c.certificate_der()),
                |k, c| TseCa::from_parts(k, c).map_err(|e| e.to_string()),
            )
            .await?,
        ),
        _ => None,
    };
    let rt_ca = match jurisdiction {
        Jurisdiction::It => Some(
            load_or_create_ca(
                fs,
                "rt_sandbox_ca",
                move || RtSandboxCa::generate(now).map_err(|e| e.to_string()),
                |c: &RtSandboxCa| (c.key(), c.certificate_der()),
                |k, c| RtSandboxCa::from_parts(k, c).map_err(|e| e.to_string()),
            )
            .await?,
        ),
        _ => None,
    };
    let kind = key_kind(jurisdiction, curve);
    let key = tokio::task::spawn_blocking(move || SoftwareKey::generate(kind))
        .await
        .map_err(|e| FiscalError::internal(&e))?
        .map_err(|e| FiscalError::internal(&e))?;
    let turnover_key = if jurisdiction == Jurisdiction::At {
        Some(openfiskal_crypto::generate_turnover_key().map_err(|e| FiscalError::internal(&e))?)
    } else {
        None
    };
    Ok(Prepared { key, turnover_key, tse_ca, rt_ca })
}

fn context(
    org: &OrgRow,
    register: &RegisterRow,
    unit_id: &str,
    fs: &FiscalService,
    now: Timestamp,
) -> ProvisionContext {
    ProvisionContext {
        register_id: register.id.clone(),
        unit_id: unit_id.to_owned(),
        register_label: register.label.clone(),
        register_serial: register.serial_number.clone(),
        legal_name: org.legal_name.clone(),
        tax_id: org.tax_id.clone(),
        tax_number: org.tax_number.clone(),
        production: fs.config.production,
        now,
    }
}

fn cert_err(e: impl std::fmt::Display) -> FiscalError {
    FiscalError::internal(&e)
}

/// Step 2: builds and stores the unit (state `active`) inside `tx`.
pub async fn provision_in_tx(
    fs: &FiscalService,
    tx: &mut Tx,
    org: &OrgRow,
    register: &RegisterRow,
    unit_id: &str,
    input: &ProvisionInput,
    prepared: Prepared,
) -> Result<FiscalUnitRow, FiscalError> {
    let j = register.jurisdiction;
    check_regime(j, input.configuration.as_ref())?;
    let now = fs.clock.now();
    let ctx = context(org, register, unit_id, fs, now);
    let cfg = input.configuration.as_ref();
    let point = prepared.key.public_key_raw();
    let mut keys =
        vec![("signing", wrap::wrap_key(&fs.kek, &org.id, unit_id, "signing", &prepared.key).map_err(cert_err)?, None)];
    let provisioned: Provisioned = match j {
        Jurisdiction::De => {
            let ca = prepared.tse_ca.as_ref().ok_or_else(|| FiscalError::internal(&"no TSE CA"))?;
            let config = openfiskal_de_tse::configure(cfg, &ctx).map_err(FiscalError::Regime)?;
            let serial = openfiskal_crypto::tse_serial(&point);
            let cert = ca.issue_unit_certificate(&point, &serial, now.as_secs()).map_err(cert_err)?;
            let info = openfiskal_de_tse::TseKeyInfo {
                tse_serial: serial,
                public_key_base64: openfiskal_crypto::public_key_base64(&point),
                certificate_serial: cert.serial_hex.clone(),
                certificate_not_after: Timestamp::from_micros(cert.not_after_unix * 1_000_000),
                // From the key itself, so the registration can never name another curve's algorithm.
                algorithm: TseAlgorithm::of_signer(Signer::algorithm(&prepared.key))
                    .ok_or_else(|| FiscalError::internal(&"a DE unit key must be an ECDSA key"))?,
            };
            keys[0].2 = Some(cert.der);
            let client_id = config.client_id.clone().unwrap_or_default();
            let mut p = openfiskal_de_tse::provision(config, &ctx, &info);
            // The TSE's first journal entries: initialise and registerClient (de-tse.md §3.4).
            p.start_records = openfiskal_de_tse::initialisation_records(&prepared.key, &client_id, &ctx)
                .map_err(|e| FiscalError::internal(&e))?;
            p
        }
        Jurisdiction::At => {
            let aes = prepared.turnover_key.as_ref().ok_or_else(|| FiscalError::internal(&"no AES key"))?;
            let config = openfiskal_at_rksv::configure(cfg, &ctx).map_err(FiscalError::Regime)?;
            let others = fiscal_units::configurations_of(tx, &org.id, Jurisdiction::At.as_str()).await?;
            let id = config.cash_register_id.clone().unwrap_or_default();
            // A replacement takes over its predecessor's Kassen-ID (api.md §6.5).
            let taken = others.iter().any(|(unit, c)| {
                Some(unit) != input.replaces.as_ref()
                    && c.get("cash_register_id").and_then(Value::as_str) == Some(id.as_str())
            });
            if taken {
                return Err(FiscalError::validation(
                    "configuration.cash_register_id",
                    format!("Kassen-ID `{id}` is already used in this organization."),
                )
                .fiscal(codes::fiscal::RKSV_CASH_REGISTER_ID_TAKEN, "Kassen-ID already used"));
            }
            let info = openfiskal_at_rksv::AtKeyInfo {
                key_index: u32::try_from(others.len() + 1).unwrap_or(u32::MAX),
                aes_key_checksum: openfiskal_crypto::aes_key_checksum(aes),
                // Open sandbox systems: the certificate serial is the key's fingerprint until the
                // self-signed certificate of at-rksv.md §3.3 is issued with the receipt chain.
                open_certificate_serial: Some(hex::encode(&Sha256::digest(&point)[..8])),
            };
            keys.push(("turnover", wrap::wrap_secret(&fs.kek, &org.id, unit_id, "turnover", aes.as_slice()), None));
            openfiskal_at_rksv::provision(config, &ctx, &info)
        }
        Jurisdiction::It => {
            let ca = prepared.rt_ca.as_ref().ok_or_else(|| FiscalError::internal(&"no RT CA"))?;
            let sequence = u32::try_from(fiscal_units::count_of_jurisdiction(tx, Jurisdiction::It.as_str()).await? + 1)
                .unwrap_or(u32::MAX);
            let config = openfiskal_it_rt::configure(cfg, &ctx, sequence).map_err(FiscalError::Regime)?;
            if config.unit_kind == openfiskal_it_rt::UnitKind::Device {
                return Err(FiscalError::Unavailable(
                    "No RT device adapter is reachable from this installation; the unit was not created.".into(),
                ));
            }
            let rt_serial = config.rt_serial.clone().unwrap_or_default();
            let cert = ca.issue_device_certificate(&point, &rt_serial, now.as_secs()).map_err(cert_err)?;
            let info = openfiskal_it_rt::RtKeyInfo {
                certificate_serial: cert.serial_hex.clone(),
                certificate_not_after: Timestamp::from_micros(cert.not_after_unix * 1_000_000),
            };
            keys[0].2 = Some(cert.der);
            openfiskal_it_rt::provision(config, &ctx, &info)
        }
    };
    let unit = FiscalUnitRow {
        id: unit_id.to_owned(),
        organization_id: org.id.clone(),
        register_id: register.id.clone(),
        jurisdiction: j,
        state: FiscalUnitState::Active,
        fiscal_registration: Some(to_json(&provisioned.registration)?),
        configuration: to_json(&provisioned.configuration)?,
        reason: None,
        reason_code: None,
        replaces: input.replaces.clone(),
        replaced_by: None,
        provisioned_at: Some(now.as_micros()),
        decommissioned_at: None,
        metadata: to_json(&input.metadata)?,
        signature_counter: 0,
        transaction_counter: 0,
        chain_state: None,
        state_changed_at: now.as_micros(),
        created_at: now.as_micros(),
    };
    fiscal_units::insert(tx, &unit).await?;
    for (purpose, wrapped, certificate) in keys {
        let row = UnitKeyRow {
            fiscal_unit_id: unit.id.clone(),
            purpose: purpose.to_owned(),
            organization_id: org.id.clone(),
            wrapped,
            public_key: (purpose == "signing").then(|| point.clone()),
            certificate,
            created_at: now.as_micros(),
        };
        fiscal_units::insert_key(tx, &row).await?;
    }
    let mut unit = unit;
    // Start records take counters 1..n on the new unit's row.
    let after = ChainAfter::unchanged(&unit);
    fs.append_journal(tx, &mut unit, &provisioned.start_records, now.as_micros(), None, after).await?;
    Ok(unit)
}
