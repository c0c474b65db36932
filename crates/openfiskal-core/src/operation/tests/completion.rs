//! Totals, cash rounding, free-of-charge lines and the customer (api.md §8.4, §8.6).

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
fn rounding_is_refused_outside_italy() {
    let mut body = sale(1002, json!([cash(1000)]));
    body["rounding_adjustment"] = json!(-2);
    let p = "rounding_adjustment";
    assert_err(run(body.clone(), &done(Jurisdiction::De)), "validation_error", p, Some("rounding_not_allowed"));
    assert_err(run(body.clone(), &done(Jurisdiction::At)), "validation_error", p, Some("rounding_not_allowed"));
    let d = run(body.clone(), &done(Jurisdiction::It)).unwrap();
    assert_eq!(
        (d.totals.total_gross.minor(), d.totals.net_payable.minor(), d.totals.total_tax.minor()),
        (1000, 1000, 160)
    );
    body["rounding_adjustment"] = json!(3);
    assert_err(run(body.clone(), &done(Jurisdiction::It)), "validation_error", p, Some("rt_invalid_cash_rounding"));
    let card = json!([{ "method": "card", "direction": "inbound", "amount": 1000 }]);
    let body = json!({ "line_items": [line("1", 1002)], "payments": card, "rounding_adjustment": -2 });
    assert_err(run(body, &done(Jurisdiction::It)), "validation_error", p, Some("rt_invalid_cash_rounding"));
    for (amount, target) in [(1001, 1000), (1003, 1005), (1006, 1005), (1008, 1010), (1005, 1005)] {
        assert_eq!(totals::round_to_five_cents(Money::new(amount).unwrap()).unwrap().minor(), target);
    }
}

#[test]
fn free_of_charge_lines_count_in_totals_but_not_in_net_payable() {
    let mut gift = line("1", 500);
    gift["flags"] = json!(["free_of_charge"]);
    let d = run(json!({ "line_items": [line("1", 1000), gift], "payments": [cash(1000)] }), &done(Jurisdiction::It))
        .unwrap();
    assert_eq!((d.totals.total_gross.minor(), d.totals.net_payable.minor()), (1500, 1000));
    assert_eq!(d.totals.tax_breakdown[0].gross.minor(), 1500);
}

#[test]
fn customer_rules() {
    let with = |c: Value, pay: Value| json!({ "line_items": [line("1", 1000)], "payments": pay, "customer": c });
    let card = json!([{ "method": "card", "direction": "inbound", "amount": 1000 }]);
    let (it, de) = (done(Jurisdiction::It), done(Jurisdiction::De));
    let p = "customer.lottery_code";
    assert!(run(with(json!({ "lottery_code": "ABCD1234" }), card.clone()), &it).is_ok());
    assert_err(
        run(with(json!({ "lottery_code": "ABCD1234" }), json!([cash(1000)])), &it),
        "validation_error",
        p,
        Some("rt_lottery_not_eligible"),
    );
    let c = json!({ "lottery_code": "ABCD1234", "tax_id": "01234567890" });
    assert_err(run(with(c, card.clone()), &it), "validation_error", p, Some("rt_lottery_not_eligible"));
    assert_err(run(with(json!({ "lottery_code": "ABCD123" }), card.clone()), &it), "invalid_request", p, None);
    assert_err(run(with(json!({ "lottery_code": "ABCD1234" }), card.clone()), &de), "invalid_request", p, None);
    assert_err(run(with(json!({ "tax_id": "DE123" }), card.clone()), &it), "invalid_request", "customer.tax_id", None);
    assert!(run(with(json!({ "tax_id": "RSSMRA80A01H501U" }), card.clone()), &it).is_ok());
    let addr = json!({ "address": { "line1": "Via Roma 1", "city": "Roma", "postal_code": "00100", "country": "it" } });
    assert_err(run(with(addr, card.clone()), &it), "invalid_request", "customer.address.country", None);
    let c = json!({ "name": "Anna", "email": "a@example.com" });
    let d = run(with(c, card), &de).unwrap();
    let v = serde_json::to_value(&d.customer).unwrap();
    assert_eq!(
        v,
        json!({ "name": "Anna", "tax_id": null, "address": null, "email": "a@example.com", "lottery_code": null })
    );
    let mut training = done(Jurisdiction::It);
    training.kind = SaleKind::Training;
    let card = json!([{ "method": "card", "direction": "inbound", "amount": 1000 }]);
    assert_err(
        run(with(json!({ "lottery_code": "ABCD1234" }), card), &training),
        "validation_error",
        p,
        Some("rt_lottery_not_eligible"),
    );
}
