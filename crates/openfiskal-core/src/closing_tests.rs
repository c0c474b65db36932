#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};

use super::*;

fn bucket(rate: &str, category: &str, net: i64, tax: i64) -> Value {
    json!({"rate": rate, "category": category, "natura": null, "net": net, "tax": tax, "gross": net + tax})
}

fn totals(buckets: &[Value], deposit_applied: i64, net_payable: i64) -> Value {
    let net: i64 = buckets.iter().map(|b| b["net"].as_i64().unwrap()).sum();
    let tax: i64 = buckets.iter().map(|b| b["tax"].as_i64().unwrap()).sum();
    json!({"subtotal_gross": net + tax, "total_line_discounts": 0, "subtotal_after_line_discounts": net + tax,
           "total_cart_discounts": 0, "subtotal_after_all_discounts": net + tax, "rounding_adjustment": 0,
           "total_gross": net + tax, "total_net": net, "total_tax": tax, "tax_breakdown": buckets,
           "deposit_applied": deposit_applied, "net_payable": net_payable})
}

fn pay(method: &str, direction: &str, amount: i64) -> Value {
    json!({"position": 1, "method": method, "direction": direction, "amount": amount, "currency": "EUR", "reference": null})
}

fn sale_data(buckets: &[Value], payments: &[Value]) -> Value {
    let t = totals(buckets, 0, 0);
    let mut t2 = t.clone();
    t2["net_payable"] = t["total_gross"].clone();
    json!({"currency": "EUR", "line_items": [], "cart_discounts": [], "totals": t2, "payments": payments, "customer": null})
}

fn op(id: &str, kind: &str, data: Value) -> ClosedOperation {
    ClosedOperation {
        id: id.into(),
        kind: kind.into(),
        state: "completed".into(),
        fiscal_state: "succeeded".into(),
        data,
        original_kind: None,
    }
}

/// A void's block: the original's, `net_payable` negated, payments flipped (api.md §7.4).
fn voided(original: &Value) -> Value {
    let mut v = original.clone();
    let np = v["totals"]["net_payable"].as_i64().unwrap();
    v["totals"]["net_payable"] = json!(-np);
    for p in v["payments"].as_array_mut().unwrap() {
        p["direction"] = json!(if p["direction"] == "inbound" { "outbound" } else { "inbound" });
    }
    v
}

fn refund_data() -> Value {
    let mut t = totals(&[bucket("0.19", "standard", 1000, 190)], 0, -1190);
    t["net_payable"] = json!(-1190);
    json!({"currency": "EUR", "line_items": [], "totals": t, "payments": [pay("cash", "outbound", 1190)],
           "customer": null, "full_refund": false})
}

fn exchange_data() -> Value {
    json!({"currency": "EUR", "returned_line_items": [], "line_items": [], "cart_discounts": [],
           "returned_totals": totals(&[bucket("0.19", "standard", 1000, 190)], 0, 0),
           "totals": totals(&[bucket("0.19", "standard", 2000, 380)], 0, 1190),
           "payments": [pay("card", "inbound", 1190)], "customer": null})
}

fn capture_data() -> Value {
    json!({"currency": "EUR", "line_items": [], "cart_discounts": [],
           "totals": totals(&[bucket("0.19", "standard", 2521, 479)], 1000, 2000),
           "payments": [pay("card", "inbound", 2000)], "customer": null,
           "deposit_application": {"deposit_operation_id": "op_D", "amount": 1000,
                                   "tax_breakdown": [bucket("0.19", "standard", 840, 160)]}})
}

fn mixed_day() -> Vec<ClosedOperation> {
    let sale2 = sale_data(&[bucket("0.07", "reduced", 1000, 70)], &[pay("card", "inbound", 1070)]);
    let mut void = op("op_V", "void", voided(&sale2));
    void.original_kind = Some("sale".into());
    let mut cancelled = op("op_X", "sale", sale_data(&[], &[]));
    cancelled.state = "cancelled".into();
    let mut open = op("op_O", "sale", sale_data(&[bucket("0.19", "standard", 100, 19)], &[]));
    open.state = "open".into();
    let mut pending = op("op_P", "sale", sale_data(&[bucket("0.19", "standard", 100, 19)], &[]));
    pending.fiscal_state = "pending".into();
    let mut failed =
        op("op_F", "deposit", sale_data(&[bucket("0.19", "standard", 840, 160)], &[pay("cash", "inbound", 1000)]));
    failed.fiscal_state = "failed".into();
    vec![
        op(
            "op_S1",
            "sale",
            sale_data(
                &[bucket("0.19", "standard", 3571, 679)],
                &[pay("cash", "inbound", 5000), pay("cash", "outbound", 750)],
            ),
        ),
        op("op_S2", "sale", sale2),
        op("op_R", "refund", refund_data()),
        op("op_E", "exchange", exchange_data()),
        void,
        failed,
        op("op_C", "deposit_capture", capture_data()),
        op("op_T", "training", sale_data(&[bucket("0.19", "standard", 420, 80)], &[pay("cash", "inbound", 500)])),
        op("op_M1", "cash_movement", json!({"direction": "in", "amount": 20000, "currency": "EUR", "reason": "float"})),
        op(
            "op_M2",
            "cash_movement",
            json!({"direction": "out", "amount": 15000, "currency": "EUR", "reason": "banking"}),
        ),
        cancelled,
        open,
        pending,
    ]
}

#[test]
fn a_mixed_day_nets_every_type() {
    let s = summarize(&mixed_day()).unwrap();
    let expected = json!({
        "operation_count": 10, "total_gross": 7250, "total_net": 6092, "total_tax": 1158,
        "total_by_payment_method": {"cash": 4060, "card": 3190},
        "by_operation_type": {
            "sales": {"count": 2, "total_gross": 5320}, "refunds": {"count": 1, "total_gross": 1190},
            "exchanges": {"count": 1, "net_payable": 1190}, "voids": {"count": 1, "total_gross": 1070},
            "deposits": {"count": 1, "total_gross": 1000},
            "deposit_captures": {"count": 1, "total_gross": 3000, "deposit_applied": 1000},
            "cash_movements": {"count": 2, "cash_in_total": 20000, "cash_out_total": 15000},
            "trainings": {"count": 1, "total_gross": 500}, "cancelled": {"count": 1}},
        "tax_breakdown": [
            {"rate": "0.19", "category": "standard", "natura": null, "taxable_amount": 6092, "tax_amount": 1158},
            {"rate": "0.07", "category": "reduced", "natura": null, "taxable_amount": 0, "tax_amount": 0}]
    });
    let got = serde_json::to_value(&s).unwrap();
    assert_eq!(got, expected);
    // Key order is the §10 example's.
    assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&expected).unwrap());
    // The identities of the module doc.
    let b = s.by_operation_type;
    assert_eq!(
        s.total_gross,
        b.sales.total_gross + b.deposits.total_gross + b.exchanges.net_payable + b.deposit_captures.total_gross
            - b.deposit_captures.deposit_applied
            - b.refunds.total_gross
            - b.voids.total_gross
    );
    assert_eq!(s.total_net + s.total_tax, s.total_gross);
    assert_eq!(s.total_by_payment_method.get(PaymentMethod::Cash), Some(4060));
    assert_eq!(s.total_by_payment_method.get(PaymentMethod::Wallet), None);
}

#[test]
fn nothing_to_close_is_all_zero_in_the_contract_shape() {
    let s = serde_json::to_string(&summarize(&[]).unwrap()).unwrap();
    assert_eq!(
        s,
        concat!(
            r#"{"operation_count":0,"total_gross":0,"total_net":0,"total_tax":0,"total_by_payment_method":{},"#,
            r#""by_operation_type":{"sales":{"count":0,"total_gross":0},"refunds":{"count":0,"total_gross":0},"#,
            r#""exchanges":{"count":0,"net_payable":0},"voids":{"count":0,"total_gross":0},"#,
            r#""deposits":{"count":0,"total_gross":0},"#,
            r#""deposit_captures":{"count":0,"total_gross":0,"deposit_applied":0},"#,
            r#""cash_movements":{"count":0,"cash_in_total":0,"cash_out_total":0},"#,
            r#""trainings":{"count":0,"total_gross":0},"cancelled":{"count":0}},"tax_breakdown":[]}"#
        )
    );
}

#[test]
fn a_void_reverses_what_its_original_added() {
    // Void of a refund: the refund's turnover comes back, and its payment nets out.
    let refund = refund_data();
    let mut void = op("op_V", "void", voided(&refund));
    void.original_kind = Some("refund".into());
    let s = summarize(&[op("op_R", "refund", refund), void]).unwrap();
    assert_eq!((s.total_gross, s.total_net, s.total_tax), (0, 0, 0));
    assert_eq!(s.by_operation_type.voids, CountGross { count: 1, total_gross: -1190 });
    assert_eq!(s.total_by_payment_method.get(PaymentMethod::Cash), Some(0));

    // Without the original's type the block's shape tells: exchange and capture.
    for (kind, data) in [("exchange", exchange_data()), ("deposit_capture", capture_data())] {
        let s = summarize(&[op("op_A", kind, data.clone()), op("op_V", "void", voided(&data))]).unwrap();
        assert_eq!((s.total_gross, s.total_net, s.total_tax), (0, 0, 0), "{kind}");
        assert!(s.tax_breakdown.iter().all(|b| b.taxable_amount == 0 && b.tax_amount == 0));
        assert_eq!(s.by_operation_type.voids.count, 1);
    }

    // A voided cash movement: counted as a void, no turnover, the movement's sums unchanged.
    let m = json!({"direction": "in", "amount": 500, "currency": "EUR", "reason": "float", "description": null});
    let s = summarize(&[op("op_M", "cash_movement", m.clone()), op("op_V", "void", m)]).unwrap();
    assert_eq!(s.by_operation_type.voids, CountGross { count: 1, total_gross: 0 });
    assert_eq!(s.by_operation_type.cash_movements.cash_in_total, 500);
    assert_eq!((s.operation_count, s.total_gross), (2, 0));
}

#[test]
fn natura_and_rounding_stay_apart() {
    // IT: a 0 % line with natura N4 and a cash rounding of +2 (never taxed).
    let mut data = sale_data(
        &[
            bucket("0.22", "standard", 1000, 220),
            json!({"rate": "0.00", "category": "exempt", "natura": "N4", "net": 500, "tax": 0, "gross": 500}),
        ],
        &[pay("cash", "inbound", 1722)],
    );
    data["totals"]["rounding_adjustment"] = json!(2);
    data["totals"]["total_gross"] = json!(1722);
    let s = summarize(&[op("op_S", "sale", data)]).unwrap();
    assert_eq!((s.total_gross, s.total_net, s.total_tax), (1722, 1500, 220));
    assert_eq!(s.tax_breakdown[1].natura.as_deref(), Some("N4"));
    assert_eq!(s.tax_breakdown[0].rate.to_string(), "0.22");
}

#[test]
fn unreadable_blocks_are_errors_not_zeros() {
    let e = summarize(&[op("op_B", "sale", json!({"totals": {"total_gross": 1}}))]).unwrap_err();
    assert_eq!(e.id, "op_B");
    assert!(e.message.contains("sale"), "{e}");
    assert!(summarize(&[op("op_U", "layaway", json!({}))]).is_err());
    assert!(summarize(&[op("op_M", "cash_movement", json!({"direction": "sideways", "amount": 1}))]).is_err());
    let mut exchange = exchange_data();
    exchange.as_object_mut().unwrap().remove("returned_totals");
    assert!(summarize(&[op("op_E", "exchange", exchange)]).is_err());
    assert!(summarize(&[op("op_V", "void", json!({"nothing": true}))]).is_err());
}
