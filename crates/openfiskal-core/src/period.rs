//! The periods of closings (api.md §10), pure: half-open `[from, to)` in Unix µs, calendar periods
//! and business dates in the register's zone (the location's; `Europe/Vienna` for Austria).

use jiff::ToSpan as _;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::state::Jurisdiction;
use crate::time::Timestamp;

/// The zone of business dates and calendar periods: the location's, `Europe/Vienna` in AT (§10).
/// An unknown zone name falls back to UTC (locations are validated when stored).
pub fn zone(jurisdiction: Jurisdiction, location_tz: &str) -> TimeZone {
    let name = if jurisdiction == Jurisdiction::At { "Europe/Vienna" } else { location_tz };
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// A calendar period of a monthly or annual closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// A month.
    Month,
    /// A year.
    Year,
}

/// The last completed calendar month or year before `now` in `tz`, as `[from, to)` in µs.
pub fn last_completed(calendar: Calendar, now: i64, tz: &TimeZone) -> Result<(i64, i64), jiff::Error> {
    let today = Timestamp::from_micros(now).to_jiff().to_zoned(tz.clone()).date();
    let (from, to) = match calendar {
        Calendar::Year => {
            let to = today.first_of_year();
            (to.checked_sub(1.year())?, to)
        }
        Calendar::Month => {
            let to = today.first_of_month();
            (to.checked_sub(1.month())?, to)
        }
    };
    let start = |d: Date| -> Result<i64, jiff::Error> {
        Ok(Timestamp::from_jiff(d.to_zoned(tz.clone())?.timestamp()).as_micros())
    };
    Ok((start(from)?, start(to)?))
}

/// A daily or shift closing taken at `now` after a period that ended at `from`: `[from, now + 1 µs)`,
/// the first instant after the closing, so an operation that ended at the closing's very instant is
/// in it and periods stay half-open and chained (never shorter than empty).
pub fn running(from: i64, now: i64) -> (i64, i64) {
    (from, (now + 1).max(from))
}

/// The business date of `[from, to)`: the local date of its last instant (`to − 1 µs`), so a daily
/// closing carries the day it was taken and January's monthly closing the 31st.
pub fn business_date(from: i64, to: i64, tz: &TimeZone) -> String {
    let last = if to > from { to - 1 } else { to };
    Timestamp::from_micros(last).to_jiff().to_zoned(tz.clone()).date().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        Timestamp::parse_rfc3339(s).unwrap().as_micros()
    }

    #[test]
    fn months_and_years_are_local_calendar_periods() {
        let vienna = zone(Jurisdiction::At, "Europe/Berlin");
        assert_eq!(vienna, TimeZone::get("Europe/Vienna").unwrap(), "AT closes in Vienna time");
        // 2026-03-01 00:30 in Vienna is still February in UTC.
        let now = at("2026-02-28T23:30:00Z");
        assert_eq!(
            last_completed(Calendar::Month, now, &vienna).unwrap(),
            (at("2026-01-31T23:00:00Z"), at("2026-02-28T23:00:00Z"))
        );
        let (from, to) = last_completed(Calendar::Year, now, &vienna).unwrap();
        assert_eq!((from, to), (at("2024-12-31T23:00:00Z"), at("2025-12-31T23:00:00Z")));
        assert_eq!(business_date(from, to, &vienna), "2025-12-31");
        // March has a DST change: the period is 31 days less one hour long.
        let (from, to) = last_completed(Calendar::Month, at("2026-04-10T10:00:00Z"), &vienna).unwrap();
        assert_eq!(to - from, (31 * 24 - 1) * 3_600_000_000);
    }

    #[test]
    fn running_periods_chain_and_name_the_day_they_were_taken() {
        let berlin = zone(Jurisdiction::De, "Europe/Berlin");
        let (from, to) = running(at("2026-02-26T08:00:00Z"), at("2026-02-26T22:59:59Z"));
        assert_eq!(to, at("2026-02-26T22:59:59Z") + 1);
        assert_eq!(business_date(from, to, &berlin), "2026-02-26");
        assert_eq!(running(10, 5), (10, 10), "a clock behind the last closing gives an empty period");
        assert_eq!(business_date(10, 10, &berlin), "1970-01-01");
        assert_eq!(zone(Jurisdiction::It, "Mars/Olympus"), TimeZone::UTC);
    }
}
