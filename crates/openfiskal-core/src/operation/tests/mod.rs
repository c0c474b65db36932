//! Tests of the `data` computation (api.md §7.2, §7.4, §8): the §7.2 example reproduced exactly,
//! one test per rule and error, property tests of the invariants, and the refund rule.

mod cart;
mod completion;
mod golden;
mod lines;
mod parse;
mod payments;
mod props;
mod refund;
mod tax;

use jiff::civil::date;
use serde_json::{Value, json};

use super::*;

/// A context on the example's date. The IT table is configured to allow 19 % too, so one body
/// (lines at 19 %) serves every jurisdiction; the default tables are tested in `tax_table.rs`.
pub(super) fn ctx(j: Jurisdiction, stage: Stage) -> Context {
    let mut c = Context::new(j, SaleKind::Sale, stage, date(2026, 2, 25));
    if j == Jurisdiction::It {
        let rate = "0.19".parse().unwrap();
        c.rates.rules.push(tax_table::RateRule { rate, categories: vec![TaxCategory::Standard], valid_from: None });
    }
    c
}

/// Ids `li_1`, `ldsc_2`, … in request order.
pub(super) fn seq_ids() -> impl FnMut(ChildKind) -> String {
    let mut n = 0;
    move |k: ChildKind| {
        n += 1;
        format!("{}{n}", k.prefix())
    }
}

/// Parses a `SaleInput` from JSON.
pub(super) fn input(v: Value) -> SaleInput {
    serde_json::from_value(v).unwrap()
}

/// Computes with sequential ids.
pub(super) fn run(v: Value, ctx: &Context) -> Result<SaleData, DataError> {
    compute(&input(v), ctx, &mut seq_ids())
}

/// A line at 19 % with `qty` × `price`.
pub(super) fn line(qty: &str, price: i64) -> Value {
    json!({ "description": "Item", "quantity": qty, "unit_price_gross": price, "tax": { "rate": "0.19" } })
}

/// Asserts an error's code, param and fiscal code.
#[track_caller]
pub(super) fn assert_err(r: Result<SaleData, DataError>, code: &str, param: &str, fiscal: Option<&str>) {
    let e = r.expect_err("expected an error");
    assert_eq!((e.code(), e.param(), e.fiscal_code()), (code, param, fiscal), "{e}");
}
