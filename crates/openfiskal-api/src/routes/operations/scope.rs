//! What a computation of `data` needs: the stored inputs, the register's jurisdiction, date and location, the original.

use super::*;

/// The stored merged inputs and the ids of the last computation.
pub(super) struct Stored {
    pub(super) inputs: Map<String, Value>,
    /// The child ids of the stored `data`, to replay (api.md §8.1).
    pub(super) ids: Vec<String>,
}

impl Stored {
    /// The stored inputs and the child ids of the stored `data` (returned lines, lines with their
    /// line discounts, cart discounts: the order the computation asks for them, per kind).
    pub(super) fn parse(inputs: &str, data: &str) -> Result<Self, ApiError> {
        let inputs = serde_json::from_str(inputs).map_err(|e| ApiError::internal(&e))?;
        let data: Value = serde_json::from_str(data).map_err(|e| ApiError::internal(&e))?;
        let mut ids = Vec::new();
        let items = |k: &str| data[k].as_array().cloned().unwrap_or_default();
        for line in items("returned_line_items").iter().chain(items("line_items").iter()) {
            ids.extend(line["id"].as_str().map(str::to_owned));
            let discounts = line["line_discounts"].as_array().into_iter().flatten();
            ids.extend(discounts.filter_map(|d| d["id"].as_str().map(str::to_owned)));
        }
        ids.extend(items("cart_discounts").iter().filter_map(|d| d["id"].as_str().map(str::to_owned)));
        Ok(Self { inputs, ids })
    }

    pub(super) fn to_json(&self) -> Result<String, ApiError> {
        to_json(&self.inputs)
    }

    /// Applies the inputs of a PATCH or complete: fields replace; a replaced list gets new ids
    /// (lines: `li_` and `ldsc_`; cart discounts: `cdsc_`).
    pub(super) fn apply(&mut self, inputs: Map<String, Value>) {
        if inputs.contains_key("line_items") || inputs.contains_key("returned_line_items") {
            self.ids.retain(|id| !id.starts_with("li_") && !id.starts_with("ldsc_"));
        }
        if inputs.contains_key("cart_discounts") {
            self.ids.retain(|id| !id.starts_with("cdsc_"));
        }
        self.inputs.extend(inputs);
    }
}

/// What a computation of `data` depends on besides the inputs.
pub(super) struct Scope {
    pub(super) kind: OpKind,
    pub(super) original: Option<Original>,
    pub(super) jurisdiction: Jurisdiction,
    /// Today's date in the register's location (rates valid from a date, api.md §8.3).
    pub(super) date: jiff::civil::Date,
    /// The register's location (its time zone; the receipt's issuer block).
    pub(super) location: LocationRow,
}

impl Scope {
    /// The register's jurisdiction, location and local date, and the checked original (if any).
    pub(super) async fn load(
        app: &AppState,
        tx: &mut impl Db,
        kind: OpKind,
        register: &RegisterRow,
        original_id: Option<&str>,
    ) -> Result<Self, ApiError> {
        let jurisdiction = jurisdiction(register)?;
        let location = locations::get(tx, &register.organization_id, &register.location_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let tz = jiff::tz::TimeZone::get(&location.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let date = Timestamp::from_micros(app.now_us()).to_jiff().to_zoned(tz).date();
        let original = load_original(tx, kind, register, original_id).await?;
        Ok(Self { kind, original, jurisdiction, date, location })
    }
}

/// Computes `data` from the stored inputs (ids replayed where lists are unchanged).
pub(super) fn compute(
    app: &AppState,
    stored: &Stored,
    settle: &Map<String, Value>,
    scope: &Scope,
    stage: Stage,
) -> Result<String, ApiError> {
    let mut fresh = FromIdGen(&*app.ids);
    let mut ids = StableIds::new(&stored.ids, &mut fresh);
    let input = Input {
        kind: scope.kind,
        inputs: &stored.inputs,
        settle,
        original: scope.original.as_ref(),
        jurisdiction: scope.jurisdiction,
        date: scope.date,
        stage,
    };
    to_json(&data::compute(&input, &mut ids)?)
}

/// The issuer block of the receipt, snapshotted at completion (api.md §11).
pub(super) async fn issuer_snapshot(
    tx: &mut impl Db,
    register: &RegisterRow,
    loc: &LocationRow,
) -> Result<String, ApiError> {
    let org = orgs::get(tx, &register.organization_id).await?.ok_or_else(ApiError::not_found)?;
    let parse = |s: &str| serde_json::from_str::<Value>(s).map_err(|e| ApiError::internal(&e));
    to_json(&json!({
        "organization_id": org.id, "legal_name": org.legal_name, "trade_name": org.trade_name, "tax_id": org.tax_id,
        "tax_number": org.tax_number, "address": parse(&org.address)?, "location_id": &loc.id,
        "location_name": &loc.name, "location_address": parse(&loc.address)?, "timezone": &loc.timezone,
        "register_id": register.id, "register_label": register.label,
    }))
}
