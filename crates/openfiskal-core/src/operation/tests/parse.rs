//! Malformed input fails deserialisation with the JSON path the edge reports as `param`
//! (api.md §1.2: `line_items[2].tax.rate`; `400 invalid_request`).

use serde_json::{Value, json};

use super::*;

fn path_of(body: Value) -> String {
    let e = serde_path_to_error::deserialize::<_, SaleInput>(body).unwrap_err();
    e.path().to_string()
}

fn three_lines(field: &str, value: Value) -> Value {
    let mut lines = vec![line("1", 1), line("1", 1), line("1", 1)];
    lines[2][field] = value;
    json!({ "line_items": lines })
}

#[test]
fn errors_name_the_json_path() {
    let mut body = three_lines("quantity", json!("1"));
    body["line_items"][2]["tax"]["rate"] = json!("19%");
    assert_eq!(path_of(body), "line_items[2].tax.rate");
    assert_eq!(path_of(three_lines("quantity", json!(2))), "line_items[2].quantity");
    assert_eq!(path_of(three_lines("quantity", json!("1.2345"))), "line_items[2].quantity");
    assert_eq!(path_of(three_lines("quantity", json!("0"))), "line_items[2].quantity");
    assert_eq!(path_of(three_lines("unit_price_gross", json!(18.5))), "line_items[2].unit_price_gross");
    assert_eq!(path_of(three_lines("unit_price_gross", json!(100_000_000_000_i64))), "line_items[2].unit_price_gross");
    assert_eq!(path_of(three_lines("flags", json!(["bogus"]))), "line_items[2].flags[0]");
    let disc = json!([{ "type": "percentage", "rate": "1.5", "label": "x" }]);
    assert_eq!(path_of(three_lines("line_discounts", disc)), "line_items[2].line_discounts[0].rate");
    let pay = json!({ "payments": [{ "method": "cash", "direction": "sideways", "amount": 1 }] });
    assert_eq!(path_of(pay), "payments[0].direction");
}

#[test]
fn unknown_fields_are_refused() {
    let e = serde_path_to_error::deserialize::<_, SaleInput>(three_lines("colour", json!("red"))).unwrap_err();
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    assert!(e.path().to_string().starts_with("line_items[2]"));
    let e = serde_json::from_value::<SaleInput>(json!({ "totals": {} })).unwrap_err();
    assert!(e.to_string().contains("unknown field `totals`"));
    let tax = json!({ "line_items": [{ "description": "x", "quantity": "1", "unit_price_gross": 1, "tax": { "rate": "0.19", "vat": 1 } }] });
    assert!(serde_json::from_value::<SaleInput>(tax).is_err());
}

#[test]
fn null_means_absent() {
    let body = json!({ "line_items": [{ "description": "x", "quantity": "1", "unit_price_gross": 1,
        "tax": { "rate": "0.19", "category": null, "natura": null }, "unit": null, "line_discounts": null, "flags": null }],
        "cart_discounts": null, "payments": null, "customer": null, "currency": null, "rounding_adjustment": null });
    let d = compute(&input(body), &ctx(Jurisdiction::De, Stage::Open), &mut seq_ids()).unwrap();
    assert_eq!((d.line_items[0].unit.as_str(), d.line_items[0].flags.len()), ("piece", 0));
}
