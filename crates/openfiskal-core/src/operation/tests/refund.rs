//! The refund amount rule (api.md §7.4).

use super::*;

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

fn orig(gross: i64, qty: &str) -> OriginalLine {
    OriginalLine { total_gross: Money::new(gross).unwrap(), quantity: q(qty) }
}

/// Refunds `parts` in order; returns the amounts.
fn refunds(o: OriginalLine, parts: &[&str]) -> Vec<i64> {
    let mut before = Returned::default();
    parts
        .iter()
        .map(|p| {
            let a = refund_amount(o, before, q(p)).unwrap();
            before = before.add(q(p), a).unwrap();
            a.minor()
        })
        .collect()
}

#[test]
fn partial_refunds_are_proportional_and_the_last_takes_the_remainder() {
    // The §7.2 T-Shirt: 2 pieces, 3000 after discounts.
    assert_eq!(refunds(orig(3000, "2"), &["1", "1"]), [1500, 1500]);
    assert_eq!(refunds(orig(1000, "3"), &["1", "1", "1"]), [333, 333, 334]);
    assert_eq!(refunds(orig(1001, "2"), &["1", "1"]), [501, 500]);
    assert_eq!(refunds(orig(1000, "3"), &["3"]), [1000]);
    assert_eq!(refunds(orig(999, "1.5"), &["0.5", "1"]), [333, 666]);
}

#[test]
fn a_partial_refund_never_takes_more_than_is_left() {
    assert_eq!(refunds(orig(2, "4"), &["1", "1", "1", "1"]), [1, 1, 0, 0]);
}

#[test]
fn more_than_is_left_is_refund_quantity_exceeded() {
    let o = orig(1000, "3");
    let before = Returned::default().add(q("2"), Money::new(667).unwrap()).unwrap();
    let e = refund_amount(o, before, q("1.001")).unwrap_err();
    assert_eq!(e, RefundError::QuantityExceeded { remaining_thousandths: 1000 });
    assert_eq!(crate::operation::refund::remaining(o, before), 1000);
    let de = e.at("line_items[0].quantity");
    assert_eq!((de.code(), de.fiscal_code()), ("validation_error", Some("refund_quantity_exceeded")));
    let too_much = Returned { thousandths: 1000, amount: Money::new(1001).unwrap() };
    assert_eq!(refund_amount(o, too_much, q("1")), Err(RefundError::Inconsistent));
}
