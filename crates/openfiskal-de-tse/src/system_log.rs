//! System logs (de-tse.md §3.4): `certifiedData` is `[0] operationType` (lowerCamelCase, as
//! certified TSEs write it) and a primitive `[1] systemOperationData` whose content is the
//! concatenated TLVs of the parameters. OpenFiskal signs `initialize` and `registerClient` at
//! provisioning (counters 1 and 2), and `deregisterClient` then `disableSecureElement` at
//! decommission. No audit logs are written (§3.5).

use openfiskal_core::regime::{ProvisionContext, StartRecord};
use openfiskal_crypto::Signer;

use crate::TseError;
use crate::log::{LogContent, SignedLog, printable, serial_number_of, sign_log};
use crate::tlv::{int_content, tlv};

/// A system log OpenFiskal signs (§3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemLog {
    /// `initialize` with a description (PrintableString).
    Initialize {
        /// `OpenFiskal software TSE <unit id without fu_>`.
        description: String,
    },
    /// `registerClient` for a client id.
    RegisterClient {
        /// The registered client id.
        client_id: String,
    },
    /// `deregisterClient` for a client id (decommission, replace).
    DeregisterClient {
        /// The deregistered client id.
        client_id: String,
    },
    /// `disableSecureElement` (decommission, replace), after `deregisterClient`.
    DisableSecureElement {
        /// Unix seconds; the same value as the message's logTime.
        time_of_deactivation: i64,
    },
}

impl SystemLog {
    /// The `initialize` log of fiscal unit `unit_id` (`fu_…`).
    pub fn initialize_for_unit(unit_id: &str) -> Self {
        let id = unit_id.strip_prefix("fu_").unwrap_or(unit_id);
        Self::Initialize { description: format!("OpenFiskal software TSE {id}") }
    }

    /// The operationType string, also used in TAR file names (`Log-Sys_registerClient`).
    pub fn operation_type(&self) -> &'static str {
        match self {
            Self::Initialize { .. } => "initialize",
            Self::RegisterClient { .. } => "registerClient",
            Self::DeregisterClient { .. } => "deregisterClient",
            Self::DisableSecureElement { .. } => "disableSecureElement",
        }
    }

    pub(crate) fn certified_data(&self) -> Result<Vec<u8>, TseError> {
        let parameters = match self {
            Self::Initialize { description } => tlv(0x81, printable("description", description)?),
            Self::RegisterClient { client_id } | Self::DeregisterClient { client_id } => {
                if client_id.is_empty() {
                    return Err(TseError::invalid("client_id", "empty"));
                }
                tlv(0x81, printable("client_id", client_id)?)
            }
            Self::DisableSecureElement { time_of_deactivation } => {
                tlv(0x81, &int_content(i128::from(*time_of_deactivation)))
            }
        };
        let mut out = tlv(0x80, self.operation_type().as_bytes());
        out.extend(tlv(0x81, &parameters));
        Ok(out)
    }
}

/// The initialisation set of a new unit: `initialize` (counter 1) and `registerClient` for
/// `client_id` (counter 2), both at `log_time` (§3.4, §5.2).
pub fn initialisation_logs(
    signer: &dyn Signer,
    unit_id: &str,
    client_id: &str,
    log_time: i64,
) -> Result<Vec<SignedLog>, TseError> {
    let serial = serial_number_of(signer);
    let contents = [SystemLog::initialize_for_unit(unit_id), SystemLog::RegisterClient { client_id: client_id.into() }];
    (1..).zip(contents).map(|(n, c)| sign_log(signer, &serial, n, log_time, &LogContent::System(c))).collect()
}

/// The decommission set: `deregisterClient` for `client_id` at `first_counter`, then
/// `disableSecureElement` at `first_counter + 1`, both at `log_time` (§3.4).
pub fn decommission_logs(
    signer: &dyn Signer,
    client_id: &str,
    first_counter: u64,
    log_time: i64,
) -> Result<Vec<SignedLog>, TseError> {
    let serial = serial_number_of(signer);
    let next = first_counter.checked_add(1).ok_or(TseError::invalid("signature_counter", "overflow"))?;
    let contents = [
        (first_counter, SystemLog::DeregisterClient { client_id: client_id.into() }),
        (next, SystemLog::DisableSecureElement { time_of_deactivation: log_time }),
    ];
    contents.into_iter().map(|(n, c)| sign_log(signer, &serial, n, log_time, &LogContent::System(c))).collect()
}

/// The provisioning start records (journal kind `system_log`, format `der_log_message`) for
/// [`Provisioned::start_records`](openfiskal_core::regime::Provisioned): the initialisation set of
/// [`initialisation_logs`] for `ctx.unit_id`, signed at `ctx.now` (whole seconds, floor).
pub fn initialisation_records(
    signer: &dyn Signer,
    client_id: &str,
    ctx: &ProvisionContext,
) -> Result<Vec<StartRecord>, TseError> {
    Ok(system_records(initialisation_logs(signer, &ctx.unit_id, client_id, ctx.now.as_secs())?))
}

/// Signed system logs as journal records (kind `system_log`, format `der_log_message`).
pub fn system_records(logs: Vec<SignedLog>) -> Vec<StartRecord> {
    logs.into_iter()
        .map(|l| StartRecord {
            kind: "system_log",
            record: l.der,
            record_format: "der_log_message",
            signature: Some(l.signature),
            fiscal: None,
        })
        .collect()
}
