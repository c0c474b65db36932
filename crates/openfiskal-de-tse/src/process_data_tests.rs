//! processData from the spec's own examples (de-tse.md §6.2–§6.5): every row of the §6.4 table, the
//! public foreign-currency example of §6.2, and the strict grammar.

use crate::*;

fn gross(rows: &[(VatPosition, i64)]) -> Gross {
    let mut g = Gross::default();
    for (pos, cents) in rows {
        g.add(*pos, *cents).unwrap();
    }
    g
}

fn pay(kind: PaymentKind, cents: i64) -> Payment {
    Payment { kind, currency: None, amount_cents: cents }
}

fn beleg(rows: &[(VatPosition, i64)], payments: &[Payment]) -> String {
    receipt_process_data(Vorgangstyp::Beleg, gross(rows), payments).unwrap().to_string()
}

use PaymentKind::{Bar, Unbar};
use VatPosition::{General, Reduced};

#[test]
fn table_of_section_6_4() {
    // sale: cash 50.00 in, 7.50 change out (api.md §7.2).
    let sale = beleg(&[(General, 4250)], &[pay(Bar, 5000), pay(Bar, -750)]);
    assert_eq!(sale, "Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar");
    assert_eq!(beleg(&[(General, -1200)], &[pay(Bar, -1200)]), "Beleg^-12.00_0.00_0.00_0.00_0.00^-12.00:Bar");
    // exchange: returned 30.00 at 19 %, bought 25.00 at 19 % and 5.00 at 7 %, nothing paid.
    let exchange = beleg(&[(General, -3000), (General, 2500), (Reduced, 500)], &[]);
    assert_eq!(exchange, "Beleg^-5.00_5.00_0.00_0.00_0.00^");
    // void: the original negated.
    let void = sale.parse::<ProcessData>().unwrap().negated().unwrap().to_string();
    assert_eq!(void, "Beleg^-42.50_0.00_0.00_0.00_0.00^-42.50:Bar");
    assert_eq!(ProcessData::cash_movement(10_000).unwrap().to_string(), "Beleg^0.00_0.00_0.00_0.00_100.00^100.00:Bar");
    assert_eq!(
        ProcessData::cash_movement(-25_000).unwrap().to_string(),
        "Beleg^0.00_0.00_0.00_0.00_-250.00^-250.00:Bar"
    );
    assert_eq!(beleg(&[(General, 5000)], &[pay(Unbar, 5000)]), "Beleg^50.00_0.00_0.00_0.00_0.00^50.00:Unbar");
    // deposit capture: goods 119.00 at 19 % minus the 50.00 deposit.
    let capture = gross(&[(General, 11_900)]).minus(&gross(&[(General, 5000)])).unwrap();
    let capture = receipt_process_data(Vorgangstyp::Beleg, capture, &[pay(Bar, 6900)]).unwrap();
    assert_eq!(capture.to_string(), "Beleg^69.00_0.00_0.00_0.00_0.00^69.00:Bar");
    let training = receipt_process_data(Vorgangstyp::AVTraining, gross(&[(General, 1200)]), &[pay(Bar, 1200)]);
    assert_eq!(training.unwrap().to_string(), "AVTraining^12.00_0.00_0.00_0.00_0.00^12.00:Bar");
    assert_eq!(ProcessData::cancel().to_string(), "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^");
}

#[test]
fn payments_are_netted_and_ordered() {
    // §6.2 public example, payments given in another order; EUR cash has no code.
    let fx = |c: &str, cents| Payment { kind: Bar, currency: Some(c.into()), amount_cents: cents };
    let payments = [fx("USD", 500), pay(Unbar, 6430), fx("CHF", 500), fx("EUR", 1000)];
    let pd = beleg(&[(General, 7533), (Reduced, 799)], &payments);
    assert_eq!(pd, "Beleg^75.33_7.99_0.00_0.00_0.00^10.00:Bar_5.00:Bar:CHF_5.00:Bar:USD_64.30:Unbar");
    assert_eq!(pd.parse::<ProcessData>().unwrap().to_string(), pd);
    // fiskaltrust's multi-purpose voucher example (§6.3): voucher under Unbar, change out in cash.
    let mpv = beleg(&[(General, 700)], &[pay(Unbar, 15_000), pay(Bar, -14_300)]);
    assert_eq!(mpv, "Beleg^7.00_0.00_0.00_0.00_0.00^-143.00:Bar_150.00:Unbar");
    // A kind whose net is 0 is left out.
    assert_eq!(
        beleg(&[(General, 100)], &[pay(Bar, 500), pay(Bar, -500), pay(Unbar, 100)]),
        "Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Unbar"
    );
    let card_usd = Payment { kind: Unbar, currency: Some("USD".into()), amount_cents: 1 };
    assert!(net_payments(&[card_usd]).is_err(), "only cash may be foreign");
    assert!(net_payments(&[Payment { kind: Bar, currency: Some("usd".into()), amount_cents: 1 }]).is_err());
}

#[test]
fn positions_rates_and_methods() {
    let keys: Vec<Option<VatPosition>> = (0..=9).map(VatPosition::from_ust_schluessel).collect();
    use VatPosition::*;
    let z = Some(ZeroOrNotTaxable);
    assert_eq!(keys, [None, Some(General), Some(Reduced), Some(AverageNr3), Some(AverageNr1), z, z, z, z, None]);
    assert_eq!(VatPosition::from_de_rate("0.19"), Some(General));
    assert_eq!(VatPosition::from_de_rate("0.070"), Some(Reduced));
    assert_eq!(VatPosition::from_de_rate("0.00"), z);
    assert_eq!(VatPosition::from_de_rate("0.16"), None);
    assert_eq!(PaymentKind::of_method("cash"), Some(Bar));
    for m in ["card", "wallet", "online", "gift_card", "voucher", "other"] {
        assert_eq!(PaymentKind::of_method(m), Some(Unbar));
    }
    assert_eq!(PaymentKind::of_method("not_collected"), None);
}

#[test]
fn cents_and_closing_text() {
    let got: Vec<String> = [4250, -1200, 5, 0, -5, 100_000_000].into_iter().map(format_cents).collect();
    assert_eq!(got, ["42.50", "-12.00", "0.05", "0.00", "-0.05", "1000000.00"]);
    assert_eq!(closing_process_data(1), "Kassenabschluss Z_NR=1");
    assert_eq!(gross(&[(General, 4250), (Reduced, -50)]).total().unwrap(), 4200);
}

#[test]
fn grammar_is_strict() {
    for ok in [
        "Beleg^0.00_0.00_0.00_0.00_0.00^",
        "AVTransfer^1.00_0.00_0.00_0.00_0.00^1.00:Unbar",
        "AVBestellung^0.00_0.00_0.00_0.00_0.00^",
        "AVBelegstorno^-1.00_0.00_0.00_0.00_0.00^-1.00:Bar",
        "AVSachbezug^0.00_0.00_0.00_0.00_0.00^",
        "AVSonstige^0.00_0.00_0.00_0.00_0.00^",
        "AVRechnung^10.00_0.00_0.00_0.00_0.00^10.00:Unbar",
    ] {
        assert_eq!(ok.parse::<ProcessData>().unwrap().to_string(), ok);
    }
    for bad in [
        "Beleg^-0.00_0.00_0.00_0.00_0.00^",
        "Beleg^01.00_0.00_0.00_0.00_0.00^",
        "Beleg^1.0_0.00_0.00_0.00_0.00^",
        "Beleg^1,00_0.00_0.00_0.00_0.00^",
        "Beleg^+1.00_0.00_0.00_0.00_0.00^",
        "Beleg^ 1.00_0.00_0.00_0.00_0.00^",
        "Beleg^.50_0.00_0.00_0.00_0.00^",
        "Beleg^0.00_0.00_0.00_0.00^",
        "Beleg^0.00_0.00_0.00_0.00_0.00_0.00^",
        "Beleg^0.00_0.00_0.00_0.00_0.00",
        "Beleg^0.00_0.00_0.00_0.00_0.00^1.00:Cash",
        "Beleg^0.00_0.00_0.00_0.00_0.00^1.00:Bar:chf",
        "Beleg^0.00_0.00_0.00_0.00_0.00^1.00:Bar:",
        "Beleg^0.00_0.00_0.00_0.00_0.00^1.00:Bar_",
        "Beleg^0.00_0.00_0.00_0.00_0.00^^",
        "beleg^0.00_0.00_0.00_0.00_0.00^",
        "Kassenabschluss Z_NR=1",
    ] {
        assert!(bad.parse::<ProcessData>().is_err(), "{bad}");
    }
}
