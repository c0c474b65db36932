//! Ids of computed children (api.md §1.3, §8.1, §8.2): line items `li_…`, line discounts
//! `ldsc_…`, cart discounts `cdsc_…`. They come from the injected [`IdGen`] in production, or from
//! any closure (tests inject the exact ids of the §7.2 example).
//!
//! Order of requests, fixed so injected sequences are reproducible: for each line in list order its
//! `li_` id, then the `ldsc_` ids of its discounts in order; then the `cdsc_` ids in order.

use crate::clock::IdGen;

/// The kind of child object an id is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// A line item (`li_`).
    LineItem,
    /// A line discount (`ldsc_`).
    LineDiscount,
    /// A cart discount (`cdsc_`).
    CartDiscount,
}

impl ChildKind {
    /// The id prefix (api.md §1.3).
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::LineItem => "li_",
            Self::LineDiscount => "ldsc_",
            Self::CartDiscount => "cdsc_",
        }
    }
}

/// A source of child ids.
pub trait ChildIds {
    /// A fresh id for a child of `kind`, prefix included.
    fn next_id(&mut self, kind: ChildKind) -> String;
}

impl<F: FnMut(ChildKind) -> String> ChildIds for F {
    fn next_id(&mut self, kind: ChildKind) -> String {
        self(kind)
    }
}

/// Child ids from the injected [`IdGen`]: the prefix plus a fresh ULID.
pub struct FromIdGen<'a>(pub &'a dyn IdGen);

impl ChildIds for FromIdGen<'_> {
    fn next_id(&mut self, kind: ChildKind) -> String {
        format!("{}{}", kind.prefix(), self.0.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeqIdGen;

    #[test]
    fn prefixes_and_sources() {
        let g = SeqIdGen::default();
        let mut ids = FromIdGen(&g);
        let a = ids.next_id(ChildKind::LineItem);
        assert!(a.starts_with("li_") && a.len() == 29);
        assert!(ids.next_id(ChildKind::CartDiscount).starts_with("cdsc_"));
        let mut n = 0;
        let mut closure = |k: ChildKind| {
            n += 1;
            format!("{}{n}", k.prefix())
        };
        assert_eq!(closure.next_id(ChildKind::LineDiscount), "ldsc_1");
    }
}
