//! Payments and the settlement rule (api.md §8.5).

use serde_json::{Value, json};

use super::*;

fn cash(amount: i64) -> Value {
    json!({ "method": "cash", "direction": "inbound", "amount": amount })
}

fn sale(price: i64, payments: Value) -> Value {
    json!({ "line_items": [line("1", price)], "payments": payments })
}

fn done(j: Jurisdiction) -> Context {
    ctx(j, Stage::Complete)
}

#[test]
fn completion_needs_a_line_and_settled_payments() {
    assert_err(run(json!({}), &done(Jurisdiction::De)), "validation_error", "line_items", None);
    assert!(run(json!({}), &ctx(Jurisdiction::De, Stage::Open)).is_ok());
    let r = run(json!({ "line_items": [line("1", 100)] }), &done(Jurisdiction::De));
    assert_eq!(r.unwrap_err(), DataError::PaymentTotalMismatch { paid: 0, net_payable: 100 });
    assert!(run(json!({ "line_items": [line("1", 0)] }), &done(Jurisdiction::De)).is_ok());
    let change = json!([cash(2000), { "method": "cash", "direction": "outbound", "amount": 1000 }, { "method": "card", "direction": "inbound", "amount": 1 }]);
    assert_err(run(sale(1000, change), &done(Jurisdiction::De)), "payment_total_mismatch", "payments", None);
    let split = json!([cash(400), { "method": "card", "direction": "inbound", "amount": 600, "card": { "last4": "4242", "entry_mode": "chip" } }]);
    let d = run(sale(1000, split), &done(Jurisdiction::De)).unwrap();
    let v = serde_json::to_value(&d.payments[1]).unwrap();
    assert_eq!(v["position"], 2);
    assert_eq!(
        v["card"],
        json!({ "scheme": null, "last4": "4242", "authorization_code": null, "terminal_id": null, "application_id": null, "entry_mode": "chip" })
    );
    assert!(v.get("cash").is_none());
}

#[test]
fn payment_fields_are_checked() {
    let card = |extra: Value| {
        let mut p = json!({ "method": "card", "direction": "inbound", "amount": 100 });
        p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        sale(100, json!([p]))
    };
    let de = done(Jurisdiction::De);
    assert_err(run(sale(100, json!([cash(0)])), &de), "invalid_request", "payments[0].amount", None);
    assert_err(run(card(json!({ "cash": {} })), &de), "invalid_request", "payments[0].cash", None);
    assert_err(run(card(json!({ "currency": "CHF" })), &de), "validation_error", "payments[0].currency", None);
    assert_err(
        run(card(json!({ "reference": "x".repeat(101) })), &de),
        "invalid_request",
        "payments[0].reference",
        None,
    );
    assert_err(
        run(card(json!({ "card": { "last4": "42a2" } })), &de),
        "invalid_request",
        "payments[0].card.last4",
        None,
    );
    let other = json!([{ "method": "other", "direction": "inbound", "amount": 100 }]);
    assert!(run(sale(100, other.clone()), &de).is_ok());
    assert_err(run(sale(100, other), &done(Jurisdiction::It)), "validation_error", "payments[0].method", None);
    let nc = |detail: Value| {
        sale(
            100,
            json!([{ "method": "not_collected", "direction": "inbound", "amount": 100, "not_collected": detail }]),
        )
    };
    assert_err(run(nc(json!({ "kind": "ssn" })), &de), "validation_error", "payments[0].method", None);
    assert!(run(nc(json!({ "kind": "ssn" })), &done(Jurisdiction::It)).is_ok());
    assert_err(run(nc(Value::Null), &done(Jurisdiction::It)), "invalid_request", "payments[0].not_collected", None);
    let voucher = json!([{ "method": "voucher", "direction": "inbound", "amount": 100, "voucher": { "code": "V1" } }]);
    let d = run(sale(100, voucher), &de).unwrap();
    assert_eq!(serde_json::to_value(&d.payments[0]).unwrap()["voucher"]["quantity"], 1);
}
