//! The regime blocks of fiscal units (api.md §6.2, §6.3): the `fiscal_registration` each regime
//! crate's `provision` writes, the `configuration` a provisioning body may carry, and the small
//! objects of the register status (§5.5). Schema-only types.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, Discriminator, OneOfBuilder, Ref, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::enums::{FinanzOnlineStatus, FiscalUnitState, OperationType, RksvSystemType, RtUnitKind};

/// `fiscal_registration` of a German unit, `regime` `tse`.
#[derive(ToSchema)]
pub struct TseRegistration {
    /// `tse`.
    #[schema(pattern = "^tse$")]
    pub regime: String,
    /// 64 lower-case hex characters: SHA-256 of the public key point.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub tse_serial: String,
    /// The register's client id at the TSE (DSFinV-K `KASSE_SERIENNR`).
    pub client_id: String,
    /// `ecdsa-plain-SHA384` (brainpoolP384r1) or `ecdsa-plain-SHA256` (P-256).
    pub signature_algorithm: String,
    /// `unixTime`.
    pub time_format: String,
    /// Base64 of the uncompressed public key point.
    pub public_key: String,
    /// The unit certificate's serial, lower-case hex.
    pub certificate_serial: String,
    /// The unit certificate's notAfter.
    #[schema(format = DateTime)]
    pub certificate_not_after: String,
    /// When the unit was provisioned.
    #[schema(format = DateTime)]
    pub registered_at: String,
}

/// `fiscal_registration` of an Austrian unit, `regime` `rksv`.
#[derive(ToSchema)]
pub struct RksvRegistration {
    /// `rksv`.
    #[schema(pattern = "^rksv$")]
    pub regime: String,
    /// The Kassen-ID.
    pub cash_register_id: String,
    /// `closed` (key `U:<UID>-K<n>`) or `open` (a certificate).
    #[schema(value_type = RksvSystemType)]
    pub system_type: String,
    /// `R1-AT0` (closed) or `R1-AT100` (open).
    pub rk_suite: String,
    /// Field 11 of the RKSV code.
    pub certificate_serial: String,
    /// `ES256`.
    pub signature_algorithm: String,
    /// The AES key's check value for FinanzOnline.
    pub aes_key_checksum: String,
    /// The journal entry of the Startbeleg.
    #[schema(required = true)]
    pub start_receipt_id: Option<String>,
    /// `not_configured` (no credentials), `pending`, `registered`, `failed`.
    #[schema(value_type = FinanzOnlineStatus)]
    pub finanzonline_status: String,
    /// When FinanzOnline registered the unit.
    #[schema(required = true, format = DateTime)]
    pub finanzonline_registered_at: Option<String>,
    /// Start of a signature-device outage.
    #[schema(required = true, format = DateTime)]
    pub outage_since: Option<String>,
    /// When the outage was reported.
    #[schema(required = true, format = DateTime)]
    pub outage_reported_at: Option<String>,
    /// When the unit was provisioned.
    #[schema(format = DateTime)]
    pub registered_at: String,
}

/// `fiscal_registration` of an Italian unit, `regime` `rt`.
#[derive(ToSchema)]
pub struct RtRegistration {
    /// `rt`.
    #[schema(pattern = "^rt$")]
    pub regime: String,
    /// The 11-character matricola.
    pub rt_serial: String,
    /// `software` or `device`.
    #[schema(value_type = RtUnitKind)]
    pub unit_kind: String,
    /// `sandbox` or `production`.
    pub environment: String,
    /// A device unit's model.
    #[schema(required = true)]
    pub device_model: Option<String>,
    /// The AdE approval reference of a software solution (`null` in sandbox).
    #[schema(required = true)]
    pub software_solution_id: Option<String>,
    /// The device certificate's serial.
    pub certificate_serial: String,
    /// Its notAfter.
    #[schema(format = DateTime)]
    pub certificate_not_after: String,
    /// The last Z number.
    pub z_counter: i64,
    /// Transmissions so far.
    pub transmission_counter: i64,
    /// POS terminals linked at AdE.
    pub linked_payment_terminals: Vec<String>,
    /// When the unit was provisioned.
    #[schema(format = DateTime)]
    pub registered_at: String,
}

/// A unit's registration data, by `regime`; `null` while provisioning.
pub struct FiscalRegistration;

impl PartialSchema for FiscalRegistration {
    fn schema() -> RefOr<Schema> {
        let mut discriminator = Discriminator::new("regime");
        let mut one = OneOfBuilder::new().description(Some("The unit's registration data, by `regime`."));
        for (regime, name) in Self::variants() {
            discriminator.mapping.insert(regime.to_owned(), format!("#/components/schemas/{name}"));
            one = one.item(Ref::from_schema_name(name));
        }
        RefOr::T(Schema::OneOf(one.discriminator(Some(discriminator)).build()))
    }
}

impl FiscalRegistration {
    fn variants() -> [(&'static str, Cow<'static, str>); 3] {
        [("tse", TseRegistration::name()), ("rksv", RksvRegistration::name()), ("rt", RtRegistration::name())]
    }
}

impl ToSchema for FiscalRegistration {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((TseRegistration::name().into_owned(), TseRegistration::schema()));
        schemas.push((RksvRegistration::name().into_owned(), RksvRegistration::schema()));
        schemas.push((RtRegistration::name().into_owned(), RtRegistration::schema()));
        RksvRegistration::schemas(schemas);
        RtRegistration::schemas(schemas);
    }
}

/// `configuration` of a German unit.
#[derive(ToSchema)]
pub struct TseConfiguration {
    /// `tse` if sent.
    #[schema(pattern = "^tse$")]
    pub regime: Option<String>,
    /// The client id: 1–30 characters; default the register's label (or serial, or id).
    pub client_id: Option<String>,
}

/// `configuration` of an Austrian unit.
#[derive(ToSchema)]
pub struct RksvConfiguration {
    /// `rksv` if sent.
    #[schema(pattern = "^rksv$")]
    pub regime: Option<String>,
    /// The Kassen-ID: 1–50 of `A–Z a–z 0–9 - .`.
    pub cash_register_id: Option<String>,
    /// `closed` (default) or `open`.
    #[schema(value_type = Option<RksvSystemType>)]
    pub system_type: Option<String>,
    /// `S:<9-digit tax number>` or `G:<13-digit GLN>` when the organization has no ATU UID.
    pub company_identifier: Option<String>,
    /// A configured signature device (open systems).
    pub signer: Option<String>,
}

/// `configuration` of an Italian unit.
#[derive(ToSchema)]
pub struct RtConfiguration {
    /// `rt` if sent.
    #[schema(pattern = "^rt$")]
    pub regime: Option<String>,
    /// The 11-character matricola.
    pub rt_serial: Option<String>,
    /// `software` (default) or `device`.
    #[schema(value_type = Option<RtUnitKind>)]
    pub unit_kind: Option<String>,
    /// `{model, address}` of a device unit.
    #[schema(value_type = Option<Object>)]
    pub device: Option<serde_json::Value>,
    /// POS terminals to link at AdE (≤ 50).
    pub linked_payment_terminals: Option<Vec<String>>,
    /// Local time `HH:MM` of the automatic closure of a forgotten day.
    pub safety_close_at: Option<String>,
}

/// A provisioning body's `configuration`: the register's regime's shape (its `regime` optional).
pub struct UnitConfiguration;

impl PartialSchema for UnitConfiguration {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::AnyOf(
            AnyOfBuilder::new()
                .description(Some("The configuration of the register's regime (DE `tse`, AT `rksv`, IT `rt`)."))
                .item(Ref::from_schema_name(TseConfiguration::name()))
                .item(Ref::from_schema_name(RksvConfiguration::name()))
                .item(Ref::from_schema_name(RtConfiguration::name()))
                .build(),
        ))
    }
}

impl ToSchema for UnitConfiguration {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((TseConfiguration::name().into_owned(), TseConfiguration::schema()));
        schemas.push((RksvConfiguration::name().into_owned(), RksvConfiguration::schema()));
        schemas.push((RtConfiguration::name().into_owned(), RtConfiguration::schema()));
        RksvConfiguration::schemas(schemas);
        RtConfiguration::schemas(schemas);
    }
}

/// The register's current unit in its status.
#[derive(ToSchema)]
pub struct StatusFiscalUnit {
    /// `fu_…`
    pub id: String,
    /// Its state.
    pub state: FiscalUnitState,
    /// Why it is in `error` or `decommissioned`.
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// An open operation in a register's status.
#[derive(ToSchema)]
pub struct OpenOperationRef {
    /// `op_…`
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: OperationType,
    /// When it started.
    #[schema(format = DateTime)]
    pub started_at: String,
}

/// Registers of a location per derived status.
#[derive(ToSchema)]
pub struct RegisterStatusCounts {
    /// Heartbeats on time.
    pub operational: i64,
    /// Reported `degraded`.
    pub degraded: i64,
    /// Heartbeats late.
    pub offline: i64,
    /// No heartbeat for long.
    pub stale: i64,
}
