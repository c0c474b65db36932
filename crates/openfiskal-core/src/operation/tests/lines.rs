//! Line rules (api.md §8.1, §8.2, §1.11): subtotal rounding, line discounts, limits, text checks.

use serde_json::json;

use super::*;

fn de() -> Context {
    ctx(Jurisdiction::De, Stage::Open)
}

fn one(v: serde_json::Value) -> LineItem {
    run(json!({ "line_items": [v] }), &de()).unwrap().line_items.remove(0)
}

#[test]
fn subtotal_is_quantity_times_price_rounded_half_away() {
    assert_eq!(one(line("0.5", 3)).subtotal_gross.minor(), 2);
    assert_eq!(one(line("0.333", 100)).subtotal_gross.minor(), 33);
    assert_eq!(one(line("1.005", 100)).subtotal_gross.minor(), 101);
    assert_eq!(one(line("002.500", 1000)).quantity.to_string(), "2.5");
    assert_eq!(one(line("1", 0)).total_gross.minor(), 0);
}

#[test]
fn line_discounts_apply_in_order_to_what_is_left() {
    let mut l = line("1", 1000);
    l["line_discounts"] = json!([
        { "type": "percentage", "rate": "0.1", "label": "A" },
        { "type": "percentage", "rate": "0.10", "label": "B", "source": "loyalty" },
        { "type": "fixed", "amount": 810, "label": "C", "code": "ALL" }
    ]);
    let l = one(l);
    let amounts: Vec<i64> = l.line_discounts.iter().map(|d| d.amount.minor()).collect();
    assert_eq!(amounts, [100, 90, 810]);
    assert_eq!((l.line_discount_amount.minor(), l.subtotal_after_line_discounts.minor()), (1000, 0));
    assert_eq!((l.total_net.minor(), l.total_tax.minor()), (0, 0));
    assert_eq!(l.line_discounts[1].source, DiscountSource::Loyalty);
    assert_eq!(l.line_discounts[0].rate.unwrap().to_string(), "0.10");
}

#[test]
fn a_discount_larger_than_the_line_is_422() {
    let mut l = line("1", 1000);
    l["line_discounts"] = json!([
        { "type": "percentage", "rate": "0.5", "label": "A" },
        { "type": "fixed", "amount": 501, "label": "B" }
    ]);
    let r = run(json!({ "line_items": [line("1", 1), l] }), &de());
    assert_err(r, "validation_error", "line_items[1].line_discounts[1].amount", None);
}

#[test]
fn discount_fields_must_fit_the_type() {
    let cases = [
        (json!({ "type": "percentage", "rate": "0.1", "amount": 5, "label": "A" }), "amount"),
        (json!({ "type": "percentage", "label": "A" }), "rate"),
        (json!({ "type": "fixed", "label": "A" }), "amount"),
        (json!({ "type": "fixed", "amount": 5, "rate": "0.1", "label": "A" }), "rate"),
        (json!({ "type": "fixed", "amount": 0, "label": "A" }), "amount"),
        (json!({ "type": "fixed", "amount": 5, "label": "" }), "label"),
        (json!({ "type": "fixed", "amount": 5, "label": "A", "code": "x".repeat(51) }), "code"),
    ];
    for (d, field) in cases {
        let mut l = line("1", 1000);
        l["line_discounts"] = json!([d]);
        let r = run(json!({ "line_items": [l] }), &de());
        assert_err(r, "invalid_request", &format!("line_items[0].line_discounts[0].{field}"), None);
    }
}

#[test]
fn text_fields_and_flags_are_checked() {
    let cases = [
        ("description", json!("")),
        ("description", json!("x".repeat(201))),
        ("unit", json!("")),
        ("unit", json!("x".repeat(21))),
        ("product_ref", json!("x".repeat(101))),
        ("external_id", json!("x".repeat(101))),
        ("flags", json!(["tip", "tip"])),
        ("original_line_id", json!("li_01HXYA")),
        ("unit_price_gross", json!(-1)),
    ];
    for (field, value) in cases {
        let mut l = line("1", 100);
        l[field] = value;
        assert_err(
            run(json!({ "line_items": [l] }), &de()),
            "invalid_request",
            &format!("line_items[0].{field}"),
            None,
        );
    }
    let mut l = line("1", 100);
    l["unit"] = json!("kg");
    l["flags"] = json!(["service_charge"]);
    let l = one(l);
    assert_eq!((l.unit.as_str(), l.flags.as_slice()), ("kg", [LineFlag::ServiceCharge].as_slice()));
    assert_eq!(one(line("1", 1)).unit, "piece");
}

#[test]
fn limits_of_section_1_11() {
    let lines: Vec<_> = (0..=MAX_LINE_ITEMS).map(|_| line("1", 1)).collect();
    assert_err(run(json!({ "line_items": lines }), &de()), "validation_error", "line_items", None);
    let mut l = line("1", 100_000);
    l["line_discounts"] = json!(vec![json!({ "type": "fixed", "amount": 1, "label": "A" }); 11]);
    assert_err(run(json!({ "line_items": [l] }), &de()), "validation_error", "line_items[0].line_discounts", None);
    let cart = vec![json!({ "type": "fixed", "amount": 1, "label": "A" }); 21];
    let r = run(json!({ "line_items": [line("1", 100)], "cart_discounts": cart }), &de());
    assert_err(r, "validation_error", "cart_discounts", None);
    let pay = vec![json!({ "method": "cash", "direction": "inbound", "amount": 1 }); 51];
    assert_err(
        run(json!({ "line_items": [line("1", 51)], "payments": pay }), &de()),
        "validation_error",
        "payments",
        None,
    );
    let lines: Vec<_> = (0..MAX_LINE_ITEMS).map(|_| line("1", 1)).collect();
    assert_eq!(run(json!({ "line_items": lines }), &de()).unwrap().totals.total_gross.minor(), 1000);
}

#[test]
fn amounts_beyond_the_range_are_422_not_panics() {
    let r = run(json!({ "line_items": [line("999999.999", 99_999_999_999)] }), &de());
    assert_err(r, "validation_error", "line_items[0]", None);
    let r = run(json!({ "line_items": [line("1", 99_999_999_999), line("1", 1)] }), &de());
    assert_err(r, "validation_error", "line_items", None);
}

#[test]
fn only_eur_is_accepted() {
    assert_err(run(json!({ "currency": "USD" }), &de()), "validation_error", "currency", None);
    assert_eq!(run(json!({ "currency": "EUR" }), &de()).unwrap().currency, "EUR");
}
