//! Cart discounts and largest-remainder allocation (api.md §8.2).

use serde_json::json;

use super::*;

fn m(v: &[i64]) -> Vec<Money> {
    v.iter().map(|&x| Money::new(x).unwrap()).collect()
}

fn alloc(a: i64, w: &[i64]) -> Option<Vec<i64>> {
    allocate(Money::new(a).unwrap(), &m(w)).map(|v| v.iter().map(|x| x.minor()).collect())
}

#[test]
fn largest_remainder_with_ties_to_the_lower_position() {
    assert_eq!(alloc(340, &[3240, 1350]), Some(vec![240, 100]));
    assert_eq!(alloc(2, &[1, 1, 1]), Some(vec![1, 1, 0]));
    assert_eq!(alloc(8, &[3, 3, 3]), Some(vec![3, 3, 2]));
    // Exact shares 0.5, 1, 3.5: remainders tie between positions 1 and 3; the lower wins.
    assert_eq!(alloc(5, &[1, 2, 7]), Some(vec![1, 1, 3]));
    // The largest remainder wins over the lower position: shares 0.6, 2.4.
    assert_eq!(alloc(3, &[1, 4]), Some(vec![1, 2]));
    assert_eq!(alloc(0, &[0, 5]), Some(vec![0, 0]));
    assert_eq!(alloc(9, &[3, 0, 6]), Some(vec![3, 0, 6]));
}

#[test]
fn allocation_refuses_what_it_cannot_place() {
    assert_eq!(alloc(10, &[3, 3, 3]), None);
    assert_eq!(alloc(1, &[]), None);
    assert_eq!(alloc(-1, &[3]), None);
    assert_eq!(alloc(1, &[3, -1]), None);
}

#[test]
fn excluded_lines_get_nothing_and_later_discounts_see_what_is_left() {
    let mut gift = line("1", 5000);
    gift["flags"] = json!(["gift_card"]);
    let mut tip = line("1", 200);
    tip["flags"] = json!(["tip"]);
    let body = json!({
        "line_items": [line("1", 1000), gift, line("1", 3000), tip],
        "cart_discounts": [
            { "type": "percentage", "rate": "0.1", "label": "Ten" },
            { "type": "fixed", "amount": 3600, "label": "Rest" }
        ]
    });
    let d = run(body, &ctx(Jurisdiction::De, Stage::Open)).unwrap();
    assert_eq!(d.cart_discounts[0].amount.minor(), 400);
    let shares =
        |i: usize| d.line_items[i].cart_discount_allocations.iter().map(|a| a.amount.minor()).collect::<Vec<_>>();
    assert_eq!(shares(0), [100, 900]);
    assert_eq!(shares(2), [300, 2700]);
    assert!(shares(1).is_empty() && shares(3).is_empty());
    assert_eq!(d.line_items[0].cart_discount_allocations[1].discount_id, "cdsc_6");
    assert_eq!(d.totals.total_gross.minor(), 5200);
}

#[test]
fn a_cart_discount_larger_than_the_eligible_lines_is_422() {
    let mut gift = line("1", 5000);
    gift["flags"] = json!(["deposit"]);
    let body = json!({
        "line_items": [line("1", 100), gift],
        "cart_discounts": [{ "type": "fixed", "amount": 101, "label": "Too much" }]
    });
    assert_err(run(body, &ctx(Jurisdiction::De, Stage::Open)), "validation_error", "cart_discounts[0].amount", None);
    let body = json!({ "cart_discounts": [{ "type": "fixed", "amount": 1, "label": "Nothing to take" }] });
    assert_err(run(body, &ctx(Jurisdiction::De, Stage::Open)), "validation_error", "cart_discounts[0].amount", None);
}

#[test]
fn zero_shares_are_not_stored() {
    let body = json!({
        "line_items": [line("1", 100), line("1", 100), line("1", 100)],
        "cart_discounts": [{ "type": "fixed", "amount": 1, "label": "Cent" }]
    });
    let d = run(body, &ctx(Jurisdiction::De, Stage::Open)).unwrap();
    let counts: Vec<usize> = d.line_items.iter().map(|l| l.cart_discount_allocations.len()).collect();
    assert_eq!(counts, [1, 0, 0]);
}
