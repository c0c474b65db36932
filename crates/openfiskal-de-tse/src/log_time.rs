//! logTime as shown in QR fields 7 and 8 (de-tse.md §7.2): `YYYY-MM-DDThh:mm:ss.fffZ` in UTC with
//! three fraction digits, which are `.000` for `unixTime` (§3.6). Written from and read back to the
//! signed Unix seconds, exactly, with the proleptic Gregorian calendar (days ↔ civil date after
//! H. Hinnant's public-domain algorithms).

use crate::TseError;

const SECS_PER_DAY: i64 = 86_400;
/// 9999-12-31T23:59:59Z: the last time with a four-digit year.
const MAX_UNIX: i64 = 253_402_300_799;

/// `1591616082` → `2020-06-08T11:34:42.000Z`. Times before 1970 or after 9999 are refused.
pub fn format_log_time(unix: i64) -> Result<String, TseError> {
    if !(0..=MAX_UNIX).contains(&unix) {
        return Err(TseError::invalid("log_time", "outside 1970..9999"));
    }
    let (days, secs) = (unix.div_euclid(SECS_PER_DAY), unix.rem_euclid(SECS_PER_DAY));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    Ok(format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000Z"))
}

/// The inverse of [`format_log_time`]: exactly `YYYY-MM-DDThh:mm:ss.000Z`, a real calendar date,
/// no leap second, and the fraction `000` (a unixTime has whole seconds).
pub fn parse_log_time(s: &str) -> Result<i64, TseError> {
    let bad = || TseError::Malformed("log time (YYYY-MM-DDThh:mm:ss.000Z)");
    let b = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd.000Z";
    if b.len() != shape.len() || !b.iter().zip(shape).all(|(c, p)| if *p == b'd' { c.is_ascii_digit() } else { c == p })
    {
        return Err(bad());
    }
    let num = |from: usize, to: usize| s[from..to].parse::<i64>().map_err(|_| bad());
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || h > 23 || mi > 59 || sec > 59 {
        return Err(bad());
    }
    let unix = days_from_civil(y, m, d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec;
    if unix < 0 {
        return Err(bad());
    }
    Ok(unix)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        // de-tse.md §7.2 and §3.2.
        assert_eq!(format_log_time(1_591_616_082).unwrap(), "2020-06-08T11:34:42.000Z");
        assert_eq!(parse_log_time("2020-06-08T11:34:43.000Z").unwrap(), 1_591_616_083);
        assert_eq!(format_log_time(2_147_483_648).unwrap(), "2038-01-19T03:14:08.000Z");
        assert_eq!(format_log_time(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_log_time(MAX_UNIX).unwrap(), "9999-12-31T23:59:59.000Z");
        assert!(format_log_time(-1).is_err() && format_log_time(MAX_UNIX + 1).is_err());
    }

    #[test]
    fn agrees_with_jiff_and_round_trips() {
        // jiff (dev-dependency only) as an independent calendar.
        let mut t: i64 = 0;
        while t <= MAX_UNIX {
            let ours = format_log_time(t).unwrap();
            let theirs = jiff::Timestamp::from_second(t).unwrap().strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string();
            assert_eq!(ours, theirs);
            assert_eq!(parse_log_time(&ours).unwrap(), t);
            t += 86_399 * 37 + 12_345;
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "2020-06-08T11:34:42Z",
            "2020-06-08T11:34:42.001Z",
            "2020-06-08T11:34:42.000+00:00",
            "2020-06-08 11:34:42.000Z",
            "2020-06-08t11:34:42.000Z",
            "2020-02-30T11:34:42.000Z",
            "2021-02-29T00:00:00.000Z",
            "2020-13-01T00:00:00.000Z",
            "2020-06-08T24:00:00.000Z",
            "2016-12-31T23:59:60.000Z",
            "1969-12-31T23:59:59.000Z",
            "+020-06-08T11:34:42.000Z",
        ] {
            assert!(parse_log_time(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_log_time("2024-02-29T00:00:00.000Z").unwrap(), 1_709_164_800);
    }
}
