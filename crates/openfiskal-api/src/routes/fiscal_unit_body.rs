//! The `fiscal_unit` and `register` objects (api.md §5.1, §6.1), built from stored rows.

use openfiskal_core::{FiscalUnitState, Jurisdiction, RegisterState, Timestamp};
use openfiskal_store::Db;
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::registers::RegisterRow;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;

fn json_or_null(s: Option<&str>) -> Result<Value, ApiError> {
    s.map_or(Ok(Value::Null), |t| serde_json::from_str(t).map_err(|e| ApiError::internal(&e)))
}

/// A fiscal unit: one fiscal device instance bound to a register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FiscalUnitBody {
    /// `fu_…`
    pub id: String,
    /// Always `fiscal_unit`.
    pub object: &'static str,
    /// The register.
    pub register_id: String,
    /// The organization.
    pub organization_id: String,
    /// `provisioning`, `active`, `error`, `decommissioned`.
    #[schema(value_type = crate::schemas::enums::FiscalUnitState)]
    pub state: FiscalUnitState,
    /// `IT`, `DE`, `AT`.
    #[schema(value_type = crate::schemas::enums::Jurisdiction)]
    pub jurisdiction: Jurisdiction,
    /// Discriminated by `regime` (`tse`, `rksv`, `rt`); null while provisioning.
    #[schema(value_type = Option<crate::schemas::fiscal_unit::FiscalRegistration>, required = true)]
    pub fiscal_registration: Value,
    /// Failure reason in `error`, retirement reason in `decommissioned`.
    pub reason: Option<String>,
    /// Machine code of `reason`.
    pub reason_code: Option<String>,
    /// The unit this one replaced.
    pub replaces: Option<String>,
    /// The unit that replaced this one.
    pub replaced_by: Option<String>,
    /// When it became active.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub provisioned_at: Option<Timestamp>,
    /// When it was retired.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decommissioned_at: Option<Timestamp>,
    /// Arbitrary key-value pairs.
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Last state change.
    #[schema(value_type = String, format = DateTime)]
    pub state_changed_at: Timestamp,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl FiscalUnitBody {
    /// From a stored row.
    pub fn from_row(u: &FiscalUnitRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: u.id.clone(),
            object: "fiscal_unit",
            register_id: u.register_id.clone(),
            organization_id: u.organization_id.clone(),
            state: u.state,
            jurisdiction: u.jurisdiction,
            fiscal_registration: json_or_null(u.fiscal_registration.as_deref())?,
            reason: u.reason.clone(),
            reason_code: u.reason_code.clone(),
            replaces: u.replaces.clone(),
            replaced_by: u.replaced_by.clone(),
            provisioned_at: u.provisioned_at.map(Timestamp::from_micros),
            decommissioned_at: u.decommissioned_at.map(Timestamp::from_micros),
            metadata: json_or_null(Some(&u.metadata))?,
            state_changed_at: Timestamp::from_micros(u.state_changed_at),
            created_at: Timestamp::from_micros(u.created_at),
        })
    }
}

/// A register: a POS device at a location.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterBody {
    /// `reg_…`
    pub id: String,
    /// Always `register`.
    pub object: &'static str,
    /// 1–100 characters.
    pub label: String,
    /// `IT`, `DE`, `AT`; immutable.
    #[schema(value_type = crate::schemas::enums::Jurisdiction)]
    pub jurisdiction: Jurisdiction,
    /// The POS device's serial (≤ 70).
    pub serial_number: Option<String>,
    /// Arbitrary key-value pairs.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// The location.
    pub location_id: String,
    /// The organization.
    pub organization_id: String,
    /// `active` or `archived`.
    #[schema(value_type = crate::schemas::enums::RegisterState)]
    pub state: openfiskal_core::RegisterState,
    /// The current unit when it is `active`, else null.
    pub active_fiscal_unit: Option<FiscalUnitBody>,
    /// The current (not decommissioned) unit in any state.
    pub current_fiscal_unit_id: Option<String>,
    /// Expected seconds between heartbeats (15–3600).
    pub heartbeat_interval_seconds: i64,
    /// POS hardware data `{manufacturer, model, acquired_on}`.
    #[schema(value_type = Option<crate::routes::registers::Device>, required = true)]
    pub device: Value,
    /// Deprecated: `pending`, `active`, `inactive`, `error`.
    #[schema(value_type = crate::schemas::enums::RegisterFiscalState)]
    pub fiscal_state: &'static str,
    /// Deprecated: the active unit's `fiscal_registration`.
    #[schema(value_type = Option<crate::schemas::fiscal_unit::FiscalRegistration>, required = true)]
    pub fiscal_registration: Value,
    /// When it was archived.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<Timestamp>,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last change.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// The deprecated `fiscal_state` (api.md §5.2).
pub fn fiscal_state(
    register_state: RegisterState,
    current: Option<&FiscalUnitRow>,
    ever_provisioned: bool,
) -> &'static str {
    match (register_state, current.map(|u| u.state)) {
        (RegisterState::Archived, _) => "inactive",
        (_, Some(FiscalUnitState::Active)) => "active",
        (_, Some(FiscalUnitState::Error)) => "error",
        (_, Some(_)) => "pending",
        (_, None) if ever_provisioned => "inactive",
        (_, None) => "pending",
    }
}

impl RegisterBody {
    /// Builds the body, reading the current unit.
    pub async fn load(db: &mut impl Db, r: &RegisterRow) -> Result<Self, ApiError> {
        let current = match &r.current_fiscal_unit_id {
            Some(id) => fiscal_units::get(db, &r.organization_id, id).await?,
            None => None,
        };
        let ever = current.is_some() || fiscal_units::register_ever_provisioned(db, &r.id).await?;
        Self::build(r, current.as_ref(), ever)
    }

    /// Builds the body from a row and its current unit.
    pub fn build(r: &RegisterRow, current: Option<&FiscalUnitRow>, ever_provisioned: bool) -> Result<Self, ApiError> {
        let active =
            current.filter(|u| u.state == FiscalUnitState::Active).map(FiscalUnitBody::from_row).transpose()?;
        let fiscal_registration = active.as_ref().map_or(Value::Null, |u| u.fiscal_registration.clone());
        Ok(Self {
            id: r.id.clone(),
            object: "register",
            label: r.label.clone(),
            jurisdiction: r.jurisdiction,
            serial_number: r.serial_number.clone(),
            metadata: serde_json::from_str(&r.metadata).map_err(|e| ApiError::internal(&e))?,
            location_id: r.location_id.clone(),
            organization_id: r.organization_id.clone(),
            state: r.state,
            active_fiscal_unit: active,
            current_fiscal_unit_id: r.current_fiscal_unit_id.clone(),
            heartbeat_interval_seconds: r.heartbeat_interval_seconds,
            device: json_or_null(r.device.as_deref())?,
            fiscal_state: fiscal_state(r.state, current, ever_provisioned),
            fiscal_registration,
            archived_at: r.archived_at.map(Timestamp::from_micros),
            created_at: Timestamp::from_micros(r.created_at),
            updated_at: Timestamp::from_micros(r.updated_at),
        })
    }
}
