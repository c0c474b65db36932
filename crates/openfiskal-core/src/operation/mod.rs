//! The `data` block of an operation, computed purely (api.md §1.5, §7.2, §7.4, §8): money in
//! integer minor units with checked arithmetic, exact decimal rates, decimal-string quantities,
//! line and cart discounts, tax per line, the tax breakdown, totals, payments, the customer, and
//! the refund amount rule. No IO, no clock, no randomness: ids come from the caller.
//!
//! Inputs are parsed once into newtypes ([`Money`], [`Quantity`], [`TaxRate`], [`DiscountRate`]);
//! a malformed value fails deserialisation (`400 invalid_request`, the edge names the JSON path).
//! Every later error is a [`DataError`] carrying its JSON path (`line_items[2].tax.rate`) and one
//! catalog code.
//!
//! Rounding everywhere is half away from zero to the cent (§1.5), computed exactly on integers.
//! Choices the contract leaves open are written in the module docs where they apply:
//! [`quantity`] (canonical echo), [`rate`] (discount-rate pattern), [`allocation`] (zero shares),
//! [`tax`] (breakdown order, natura grouping), [`totals`] (free-of-charge lines, IT rounding),
//! [`payment_rules`], [`completion`], [`customer`], [`line_input`], [`discount`], [`refund`] (cap).

pub mod allocation;
pub mod completion;
pub mod compute;
pub mod context;
pub mod customer;
pub mod discount;
pub mod error;
mod expect;
pub mod ids;
pub mod line;
pub mod line_input;
pub mod money;
pub mod payment;
pub mod payment_detail;
pub mod payment_rules;
pub mod quantity;
pub mod rate;
pub mod refund;
pub mod returns;
pub mod tax;
pub mod tax_table;
pub mod totals;

#[cfg(test)]
mod tests;

pub use allocation::{CartDiscountAllocation, allocate};
pub use completion::check_completion;
pub use compute::{MAX_CART_DISCOUNTS, MAX_LINE_ITEMS, SaleData, SaleInput, compute};
pub use context::{Context, Jurisdiction, SaleKind, Stage};
pub use customer::{Address, Customer};
pub use discount::{CartDiscountInput, Discount, DiscountInput, DiscountSource, DiscountType, LineDiscountInput};
pub use error::DataError;
pub use ids::{ChildIds, ChildKind, FromIdGen};
pub use line::LineItem;
pub use line_input::{LineFlag, LineItemInput};
pub use money::{Money, MoneyError};
pub use payment::{Payment, PaymentDirection, PaymentInput, PaymentMethod};
pub use quantity::{Quantity, QuantityError};
pub use rate::{DiscountRate, RateError, TaxRate};
pub use refund::{OriginalLine, RefundError, Returned, refund_amount};
pub use returns::{ReturnLineInput, ReturnedSoFar, StoredLine, build_returned_lines, remaining_lines};
pub use tax::{LineTax, TaxBreakdownEntry, TaxInput, TaxSplit, split_gross};
pub use tax_table::{RateTable, TaxCategory};
pub use totals::Totals;
