//! processData of an operation from its stored `data` block (api.md §8, de-tse.md §6.2–§6.4): what
//! the German regime signs at completion, derived from the same JSON the API shows. Pure.

use serde_json::Value;

use crate::error::TseError;
use crate::gross::{Gross, VatPosition};
use crate::payments::{Payment, receipt_process_data};
use crate::process_data::{PaymentKind, ProcessData};
use crate::process_type::Vorgangstyp;

/// The five gross amounts of a `tax_breakdown` list (`[{rate, gross, …}]`), by DE rate.
fn gross_of_breakdown(breakdown: &Value, sign: i64) -> Result<Gross, TseError> {
    let mut gross = Gross::default();
    for b in breakdown.as_array().into_iter().flatten() {
        let rate = b["rate"].as_str().unwrap_or_default();
        let position =
            VatPosition::from_de_rate(rate).ok_or(TseError::Unsupported("a tax rate without a DE position"))?;
        gross.add(position, sign * b["gross"].as_i64().unwrap_or(0))?;
    }
    Ok(gross)
}

/// The gross amounts an operation of `kind` with `data` reports (de-tse.md §6.4): sales, trainings
/// and deposits their breakdown; refunds it negated; exchanges new minus returned; captures the
/// goods minus the deposit. (Cash movements have their own processData, see [`process_data`].)
fn gross_of(kind: &str, data: &Value) -> Result<Gross, TseError> {
    let breakdown = |v: &Value, sign| gross_of_breakdown(&v["tax_breakdown"], sign);
    let minus = |a: Gross, b: Gross| a.minus(&b);
    match kind {
        "refund" => breakdown(&data["totals"], -1),
        "exchange" => minus(breakdown(&data["totals"], 1)?, breakdown(&data["returned_totals"], 1)?),
        "deposit_capture" => minus(breakdown(&data["totals"], 1)?, breakdown(&data["deposit_application"], 1)?),
        _ => breakdown(&data["totals"], 1),
    }
}

fn signed_cash(data: &Value) -> i64 {
    let amount = data["amount"].as_i64().unwrap_or(0);
    if data["direction"] == "out" { -amount } else { amount }
}

/// processData of a completed operation (de-tse.md §6.2–§6.4, api.md §9.2). A void (`kind` =
/// `void`) reports the original's amounts (`original_kind`) negated; its stored payments are
/// already reversed.
pub fn process_data(kind: &str, data: &Value, original_kind: Option<&str>) -> Result<ProcessData, TseError> {
    let (gross_kind, sign) = match (kind, original_kind) {
        ("void", Some(orig)) => (orig, -1),
        _ => (kind, 1),
    };
    if gross_kind == "cash_movement" {
        let pd = ProcessData::cash_movement(signed_cash(data))?;
        return if sign < 0 { pd.negated() } else { Ok(pd) };
    }
    let mut gross = gross_of(gross_kind, data)?;
    if sign < 0 {
        gross = gross.negated()?;
    }
    let mut payments = Vec::new();
    for p in data["payments"].as_array().into_iter().flatten() {
        let method = p["method"].as_str().unwrap_or_default();
        let kind = PaymentKind::of_method(method).ok_or(TseError::Unsupported("a payment method without a DE kind"))?;
        let amount = p["amount"].as_i64().unwrap_or(0);
        let amount_cents = if p["direction"] == "outbound" { -amount } else { amount };
        payments.push(Payment { kind, currency: None, amount_cents });
    }
    let vorgangstyp = if kind == "training" { Vorgangstyp::AVTraining } else { Vorgangstyp::Beleg };
    receipt_process_data(vorgangstyp, gross, &payments)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use serde_json::json;

    use super::*;

    fn sale() -> Value {
        json!({"totals": {"tax_breakdown": [{"rate": "0.19", "gross": 1190}, {"rate": "0.07", "gross": 1070}]},
               "payments": [{"method": "cash", "direction": "inbound", "amount": 2000},
                            {"method": "card", "direction": "inbound", "amount": 260}]})
    }

    #[test]
    fn each_type_reports_its_amounts() {
        let pd = |kind, data: &Value, orig| process_data(kind, data, orig).unwrap().to_string();
        assert_eq!(pd("sale", &sale(), None), "Beleg^11.90_10.70_0.00_0.00_0.00^20.00:Bar_2.60:Unbar");
        assert_eq!(pd("training", &sale(), None), "AVTraining^11.90_10.70_0.00_0.00_0.00^20.00:Bar_2.60:Unbar");
        let mut voided = sale();
        voided["payments"] = json!([{"method": "cash", "direction": "outbound", "amount": 2000},
                                    {"method": "card", "direction": "outbound", "amount": 260}]);
        assert_eq!(pd("void", &voided, Some("sale")), "Beleg^-11.90_-10.70_0.00_0.00_0.00^-20.00:Bar_-2.60:Unbar");
        let cash = json!({"direction": "out", "amount": 2500});
        assert_eq!(pd("cash_movement", &cash, None), "Beleg^0.00_0.00_0.00_0.00_-25.00^-25.00:Bar");
        assert_eq!(pd("void", &cash, Some("cash_movement")), "Beleg^0.00_0.00_0.00_0.00_25.00^25.00:Bar");
        let exchange = json!({"totals": {"tax_breakdown": [{"rate": "0.19", "gross": 3500}]},
                              "returned_totals": {"tax_breakdown": [{"rate": "0.19", "gross": 3000}]},
                              "payments": [{"method": "card", "direction": "inbound", "amount": 500}]});
        assert_eq!(pd("exchange", &exchange, None), "Beleg^5.00_0.00_0.00_0.00_0.00^5.00:Unbar");
    }

    #[test]
    fn unknown_rates_and_methods_are_errors() {
        let mut bad_rate = sale();
        bad_rate["totals"]["tax_breakdown"][0]["rate"] = json!("0.2");
        assert!(process_data("sale", &bad_rate, None).is_err());
        let mut bad_method = sale();
        bad_method["payments"][0]["method"] = json!("barter");
        assert!(process_data("sale", &bad_method, None).is_err());
    }
}
