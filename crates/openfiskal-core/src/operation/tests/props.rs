//! Property tests (STYLE.md): net + tax = gross per line and per breakdown row, cart allocations
//! sum exactly to each discount, totals equal the sums of the lines, refunds add up to the line,
//! and no input within the limits panics.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// Allowed in DE, then one that is not (the no-panic test draws from all four).
const RATES: [&str; 4] = ["0.19", "0.07", "0", "0.2"];
const FLAGS: [&str; 5] = ["deposit", "gift_card", "service_charge", "tip", "free_of_charge"];

fn discount(max_amount: i64) -> impl Strategy<Value = Value> {
    prop_oneof![
        (1u32..=10_000).prop_map(|r| json!({ "type": "percentage", "rate": format!("{}", rust_decimal::Decimal::new(i64::from(r), 4)), "label": "P" })),
        (1..=max_amount).prop_map(|a| json!({ "type": "fixed", "amount": a, "label": "F" })),
    ]
}

/// A line; `valid` keeps quantity ≥ 1, price ≥ 1000 and DE rates, so that mostly valid bodies come out.
fn a_line(valid: bool, max_qty: u32, max_price: i64) -> impl Strategy<Value = Value> {
    let (min_qty, min_price, rates) = if valid { (1000, 1000, 3) } else { (1, 0, RATES.len()) };
    (
        min_qty..=max_qty,
        min_price..=max_price,
        0..rates,
        prop::collection::vec(discount(500), 0..3),
        prop::option::of(0..FLAGS.len()),
    )
        .prop_map(|(q, price, r, discounts, flag)| {
            let qty = Quantity::from_thousandths(q).unwrap().to_string();
            let flags: Vec<&str> = flag.map(|f| FLAGS[f]).into_iter().collect();
            json!({ "description": "X", "quantity": qty, "unit_price_gross": price, "tax": { "rate": RATES[r] },
                    "line_discounts": discounts, "flags": flags })
        })
}

fn a_body(valid: bool, max_qty: u32, max_price: i64, lines: usize) -> impl Strategy<Value = Value> {
    (prop::collection::vec(a_line(valid, max_qty, max_price), 0..lines), prop::collection::vec(discount(2_000), 0..4))
        .prop_map(|(lines, cart)| json!({ "line_items": lines, "cart_discounts": cart }))
}

fn money(v: &[i64]) -> Vec<Money> {
    v.iter().map(|&x| Money::new(x).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn allocations_sum_exactly_and_never_exceed_a_weight(
        weights in prop::collection::vec(0i64..=1_000_000, 1..40), per_mille in 0i64..=1000,
    ) {
        let amount = weights.iter().sum::<i64>() * per_mille / 1000;
        let out = allocate(Money::new(amount).unwrap(), &money(&weights)).unwrap();
        prop_assert_eq!(out.iter().map(|m| m.minor()).sum::<i64>(), amount);
        for (a, w) in out.iter().zip(&weights) {
            prop_assert!(a.minor() >= 0 && a.minor() <= *w);
        }
    }

    #[test]
    fn the_computed_data_adds_up(body in a_body(true, 20_000, 100_000, 12)) {
        let d = run(body, &ctx(Jurisdiction::De, Stage::Open));
        // Too many rejected bodies fail the test, so this cannot pass vacuously.
        prop_assume!(d.is_ok());
        let d = d.unwrap();
        let sum = |f: fn(&LineItem) -> i64| d.line_items.iter().map(f).sum::<i64>();
        for l in &d.line_items {
            prop_assert_eq!(l.total_net.minor() + l.total_tax.minor(), l.total_gross.minor());
            prop_assert!(l.total_gross.minor() >= 0);
            prop_assert_eq!(l.line_discounts.iter().map(|x| x.amount.minor()).sum::<i64>(), l.line_discount_amount.minor());
            prop_assert_eq!(l.cart_discount_allocations.iter().map(|x| x.amount.minor()).sum::<i64>(), l.cart_discount_amount.minor());
        }
        for c in &d.cart_discounts {
            let allocated: i64 = d.line_items.iter().flat_map(|l| &l.cart_discount_allocations)
                .filter(|a| a.discount_id == c.id).map(|a| a.amount.minor()).sum();
            prop_assert_eq!(allocated, c.amount.minor());
        }
        for b in &d.totals.tax_breakdown {
            prop_assert_eq!(b.net.minor() + b.tax.minor(), b.gross.minor());
        }
        let t = &d.totals;
        prop_assert_eq!(t.subtotal_gross.minor(), sum(|l| l.subtotal_gross.minor()));
        prop_assert_eq!(t.total_line_discounts.minor(), sum(|l| l.line_discount_amount.minor()));
        prop_assert_eq!(t.total_cart_discounts.minor(), sum(|l| l.cart_discount_amount.minor()));
        prop_assert_eq!(t.subtotal_after_all_discounts.minor(), sum(|l| l.total_gross.minor()));
        prop_assert_eq!(t.total_net.minor(), sum(|l| l.total_net.minor()));
        prop_assert_eq!(t.total_tax.minor(), sum(|l| l.total_tax.minor()));
        prop_assert_eq!(t.total_net.minor() + t.total_tax.minor(), t.total_gross.minor());
    }

    #[test]
    fn no_input_within_the_limits_panics(
        body in prop_oneof![
            a_body(false, Quantity::MAX_THOUSANDTHS, 99_999_999_999, 30),
            a_body(true, 5_000_000, 99_999_999, 30),
            a_body(true, 20_000, 100_000, 30),
        ],
        payments in prop::collection::vec((0i64..=99_999_999_999, any::<bool>(), 0..3usize), 0..6),
        rounding in -99_999_999_999i64..=99_999_999_999, it in any::<bool>(),
    ) {
        let mut body = body;
        const METHODS: [&str; 3] = ["cash", "card", "voucher"];
        body["payments"] = payments.iter().map(|(a, inbound, m)| {
            let direction = if *inbound { "inbound" } else { "outbound" };
            json!({ "method": METHODS[*m], "direction": direction, "amount": a })
        }).collect();
        body["rounding_adjustment"] = json!(rounding);
        let j = if it { Jurisdiction::It } else { Jurisdiction::De };
        let _ = run(body, &ctx(j, Stage::Complete));
    }

    #[test]
    fn refunds_of_a_line_add_up_to_its_total(gross in 0i64..=99_999_999_999, parts in prop::collection::vec(1u32..=5_000, 1..8)) {
        let total: u32 = parts.iter().sum();
        let o = OriginalLine { total_gross: Money::new(gross).unwrap(), quantity: Quantity::from_thousandths(total).unwrap() };
        let mut before = Returned::default();
        for p in &parts {
            let qty = Quantity::from_thousandths(*p).unwrap();
            let a = refund_amount(o, before, qty).unwrap();
            prop_assert!(a.minor() >= 0);
            before = before.add(qty, a).unwrap();
        }
        prop_assert_eq!(before.amount.minor(), gross);
    }
}
