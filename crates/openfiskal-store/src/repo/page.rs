//! Keyset pagination (api.md §1.8): newest first by `(created_at, id)`, `from` inclusive and `to`
//! exclusive on `created_at`. The API layer turns the position into an opaque cursor.

/// One page request.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    /// Page size (1–200, checked at the edge).
    pub limit: u32,
    /// Continue after this `(created_at µs, id)`.
    pub after: Option<(i64, String)>,
    /// Only rows created at or after (µs).
    pub from: Option<i64>,
    /// Only rows created before (µs).
    pub to: Option<i64>,
}

impl PageQuery {
    /// `LIMIT` value: one more than the page to learn `has_more`.
    pub(crate) fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    pub(crate) fn after_time(&self) -> Option<i64> {
        self.after.as_ref().map(|a| a.0)
    }

    pub(crate) fn after_id(&self) -> Option<&str> {
        self.after.as_ref().map(|a| a.1.as_str())
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, newest first.
    pub items: Vec<T>,
    /// True when more rows follow.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Cuts the extra row fetched by [`PageQuery::fetch_limit`].
    pub(crate) fn from_rows(mut items: Vec<T>, q: &PageQuery) -> Self {
        let has_more = items.len() > q.limit as usize;
        items.truncate(q.limit as usize);
        Self { items, has_more }
    }
}

/// Appends the keyset condition shared by every list query to a `SELECT … WHERE <scope>` literal.
/// Parameters `$2`…`$6` are `from, to, after_time, after_id, limit` (`$1` is the list's own scope).
macro_rules! keyset {
    ($head:expr) => {
        concat!(
            $head,
            " AND ($2 IS NULL OR created_at >= $2) AND ($3 IS NULL OR created_at < $3)",
            " AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5))",
            " ORDER BY created_at DESC, id DESC LIMIT $6"
        )
    };
}
pub(crate) use keyset;
