//! The §7.2 example: its `data` block reproduced field for field, in the same key order.

use serde_json::{Value, json};

use super::*;

/// The `data` block of api.md §7.2, verbatim.
const EXAMPLE_DATA: &str = r#"{
    "currency": "EUR",
    "line_items": [
      { "id": "li_01HXYA", "position": 1, "description": "T-Shirt", "quantity": "2", "unit": "piece", "unit_price_gross": 1800,
        "product_ref": "4006381333931", "external_id": null, "flags": [], "original_line_id": null,
        "tax": { "rate": "0.19", "category": "standard", "natura": null },
        "subtotal_gross": 3600,
        "line_discounts": [ { "id": "ldsc_01HXYA", "source": "manual", "type": "percentage", "rate": "0.10", "amount": 360, "label": "Happy Hour", "code": null } ],
        "line_discount_amount": 360, "subtotal_after_line_discounts": 3240,
        "cart_discount_allocations": [ { "discount_id": "cdsc_01HXYA", "amount": 240, "label": "SAVE coupon" } ],
        "cart_discount_amount": 240, "total_gross": 3000, "total_net": 2521, "total_tax": 479 },
      { "id": "li_01HXYB", "position": 2, "description": "Socken", "quantity": "3", "unit": "piece", "unit_price_gross": 450,
        "product_ref": null, "external_id": null, "flags": [], "original_line_id": null,
        "tax": { "rate": "0.19", "category": "standard", "natura": null },
        "subtotal_gross": 1350, "line_discounts": [], "line_discount_amount": 0, "subtotal_after_line_discounts": 1350,
        "cart_discount_allocations": [ { "discount_id": "cdsc_01HXYA", "amount": 100, "label": "SAVE coupon" } ],
        "cart_discount_amount": 100, "total_gross": 1250, "total_net": 1050, "total_tax": 200 }
    ],
    "cart_discounts": [ { "id": "cdsc_01HXYA", "source": "promotion", "type": "fixed", "rate": null, "amount": 340, "label": "SAVE coupon", "code": "SAVE" } ],
    "totals": {
      "subtotal_gross": 4950, "total_line_discounts": 360, "subtotal_after_line_discounts": 4590,
      "total_cart_discounts": 340, "subtotal_after_all_discounts": 4250, "rounding_adjustment": 0,
      "total_gross": 4250, "total_net": 3571, "total_tax": 679,
      "tax_breakdown": [ { "rate": "0.19", "category": "standard", "natura": null, "net": 3571, "tax": 679, "gross": 4250 } ],
      "deposit_applied": 0, "net_payable": 4250 },
    "payments": [
      { "position": 1, "method": "cash", "direction": "inbound", "amount": 5000, "currency": "EUR", "reference": null, "cash": { "amount_tendered": 5000 } },
      { "position": 2, "method": "cash", "direction": "outbound", "amount": 750, "currency": "EUR", "reference": null, "cash": null }
    ],
    "customer": null
  }"#;

/// The complete body a POS would send for the example.
fn example_input() -> Value {
    json!({
        "line_items": [
            { "description": "T-Shirt", "quantity": "2", "unit_price_gross": 1800, "product_ref": "4006381333931",
              "tax": { "rate": "0.19" },
              "line_discounts": [ { "type": "percentage", "rate": "0.10", "label": "Happy Hour" } ] },
            { "description": "Socken", "quantity": "3", "unit_price_gross": 450, "tax": { "rate": "0.19" } }
        ],
        "cart_discounts": [ { "type": "fixed", "amount": 340, "label": "SAVE coupon", "source": "promotion", "code": "SAVE" } ],
        "payments": [
            { "method": "cash", "direction": "inbound", "amount": 5000, "cash": { "amount_tendered": 5000 } },
            { "method": "cash", "direction": "outbound", "amount": 750 }
        ],
        "customer": null
    })
}

/// The example's ids, in the order the computation asks for them (see `ids.rs`).
fn example_ids() -> impl FnMut(ChildKind) -> String {
    let mut queue = vec!["cdsc_01HXYA", "li_01HXYB", "ldsc_01HXYA", "li_01HXYA"];
    move |k: ChildKind| {
        let id = queue.pop().unwrap().to_owned();
        assert!(id.starts_with(k.prefix()), "{id} requested as {k:?}");
        id
    }
}

#[test]
fn reproduces_the_example_data_block_exactly() {
    let ctx = ctx(Jurisdiction::De, Stage::Complete);
    let data = compute(&input(example_input()), &ctx, &mut example_ids()).unwrap();
    let expected: Value = serde_json::from_str(EXAMPLE_DATA).unwrap();
    assert_eq!(serde_json::to_value(&data).unwrap(), expected);
    // Same keys in the same order (serde_json keeps insertion order in this workspace).
    assert_eq!(serde_json::to_string(&data).unwrap(), serde_json::to_string(&expected).unwrap());
}

#[test]
fn the_example_is_valid_while_open_without_payments() {
    let mut body = example_input();
    body.as_object_mut().unwrap().remove("payments");
    let data = compute(&input(body), &ctx(Jurisdiction::De, Stage::Open), &mut example_ids()).unwrap();
    assert!(data.payments.is_empty());
    assert_eq!(data.totals.net_payable.minor(), 4250);
}

#[test]
fn the_example_with_one_cent_missing_is_a_payment_mismatch() {
    let mut body = example_input();
    body["payments"][1]["amount"] = json!(751);
    let r = compute(&input(body), &ctx(Jurisdiction::De, Stage::Complete), &mut example_ids());
    assert_eq!(r.unwrap_err(), DataError::PaymentTotalMismatch { paid: 4249, net_payable: 4250 });
}
