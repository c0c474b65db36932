//! Tax per line, the rate table, natura, and the breakdown (api.md §8.3, §8.4).

use jiff::civil::date;
use serde_json::json;

use super::*;

fn split(gross: i64, rate: &str) -> (i64, i64) {
    let s = split_gross(Money::new(gross).unwrap(), rate.parse().unwrap()).unwrap();
    (s.net.minor(), s.tax.minor())
}

fn taxed(rate: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut tax = json!({ "rate": rate });
    tax.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({ "line_items": [{ "description": "X", "quantity": "1", "unit_price_gross": 1000, "tax": tax }] })
}

#[test]
fn net_is_gross_over_one_plus_rate_rounded_half_away() {
    assert_eq!(split(3000, "0.19"), (2521, 479));
    assert_eq!(split(1250, "0.19"), (1050, 200));
    assert_eq!(split(107, "0.07"), (100, 7));
    assert_eq!(split(5, "1"), (3, 2)); // 2.5 rounds away from zero
    assert_eq!(split(-5, "1"), (-3, -2));
    assert_eq!(split(999, "0"), (999, 0));
    assert_eq!(split(0, "0.22"), (0, 0));
    assert_eq!(split(99_999_999_999, "0.049"), (95_328_884_651, 4_671_115_348));
}

#[test]
fn rates_must_be_allowed_in_the_jurisdiction_on_the_date() {
    let open = |j| ctx(j, Stage::Open);
    assert_err(
        run(taxed("0.20", json!({})), &open(Jurisdiction::De)),
        "tax_rate_not_allowed",
        "line_items[0].tax.rate",
        None,
    );
    assert!(run(taxed("0.2", json!({})), &open(Jurisdiction::At)).is_ok());
    assert_err(
        run(taxed("0.049", json!({})), &open(Jurisdiction::At)),
        "tax_rate_not_allowed",
        "line_items[0].tax.rate",
        None,
    );
    let july = Context::new(Jurisdiction::At, SaleKind::Sale, Stage::Open, date(2026, 7, 1));
    let d = run(taxed("0.049", json!({})), &july).unwrap();
    assert_eq!(d.line_items[0].tax.category, TaxCategory::SuperReduced);
}

#[test]
fn categories_are_derived_or_must_fit() {
    let open = ctx(Jurisdiction::De, Stage::Open);
    assert_eq!(run(taxed("0", json!({})), &open).unwrap().line_items[0].tax.category, TaxCategory::Zero);
    let d = run(taxed("0.00", json!({ "category": "exempt" })), &open).unwrap();
    assert_eq!(d.line_items[0].tax.category, TaxCategory::Exempt);
    let r = run(taxed("0.19", json!({ "category": "reduced" })), &open);
    assert_err(r, "validation_error", "line_items[0].tax.category", None);
}

#[test]
fn natura_rules() {
    let (it, de) = (ctx(Jurisdiction::It, Stage::Open), ctx(Jurisdiction::De, Stage::Open));
    let p = "line_items[0].tax.natura";
    assert_err(run(taxed("0", json!({ "natura": "N4" })), &de), "invalid_request", p, None);
    assert_err(run(taxed("0", json!({})), &it), "validation_error", p, Some("rt_natura_required"));
    assert_err(run(taxed("0", json!({ "natura": "N7" })), &it), "validation_error", p, Some("rt_unsupported_natura"));
    assert_err(run(taxed("0.22", json!({ "natura": "N4" })), &it), "validation_error", p, None);
    let n = |v| run(v, &it).unwrap().line_items[0].tax.natura.clone();
    assert_eq!(n(taxed("0", json!({ "category": "exempt" }))).as_deref(), Some("N4"));
    assert_eq!(n(taxed("0", json!({ "natura": "N3.1" }))).as_deref(), Some("N3.1"));
    assert_eq!(n(taxed("0.22", json!({}))), None);
}

#[test]
fn breakdown_groups_sums_and_orders_by_rate_descending() {
    let l = |rate: &str, price: i64, natura: Option<&str>| json!({ "description": "X", "quantity": "1", "unit_price_gross": price, "tax": { "rate": rate, "natura": natura } });
    let body = json!({ "line_items": [
        l("0.04", 104, None), l("0", 50, Some("N2.1")), l("0.22", 1220, None), l("0.22", 333, None), l("0", 20, Some("N1"))
    ] });
    let d = run(body, &ctx(Jurisdiction::It, Stage::Open)).unwrap();
    let rows: Vec<(String, Option<String>, i64, i64, i64)> = d
        .totals
        .tax_breakdown
        .iter()
        .map(|b| (b.rate.to_string(), b.natura.clone(), b.net.minor(), b.tax.minor(), b.gross.minor()))
        .collect();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        rows,
        [
            (s("0.22"), None, 1000 + 273, 220 + 60, 1553),
            (s("0.04"), None, 100, 4, 104),
            (s("0.00"), Some(s("N1")), 20, 0, 20),
            (s("0.00"), Some(s("N2.1")), 50, 0, 50),
        ]
    );
    assert_eq!((d.totals.total_net.minor(), d.totals.total_tax.minor()), (1443, 284));
    assert_eq!(d.totals.total_gross.minor(), 1727);
}
