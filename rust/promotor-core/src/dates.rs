//! Calendar dates and anniversaries (docs/semantics.md, "Dates"). A date is a timestamp at
//! 00:00 UTC of that day, as the input reads `birthday` and `created_at` given as dates; an
//! anniversary keeps the month and day of a timestamp's UTC date.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::time;

const DAY: i64 = 86_400_000_000;

/// Midnight UTC of `(year, month, day)`; `None` outside the years 1..9999 or for no such day.
fn midnight(year: i32, month: u32, day: u32) -> Option<i64> {
    let d = NaiveDate::from_ymd_opt(year, month, day)?;
    let t = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    time::check_ts(t)
}

/// The date of `t` in `tz`, as a date (midnight UTC of that local day).
pub fn date(t: i64, tz: Tz) -> Option<i64> {
    let l = time::local(t, tz)?;
    midnight(l.year, l.month, l.day)
}

/// A date written `YYYY-MM-DD` (exactly ten characters).
pub fn parse_date(s: &str) -> Option<i64> {
    if s.len() != 10 {
        return None;
    }
    time::parse_timestamp(&format!("{s}T00:00:00Z"))
}

/// The occurrence of `t`'s month and day (of its UTC date) in `year`; February 29 falls on
/// February 28 in a common year.
pub fn anniversary(t: i64, year: i64) -> Option<i64> {
    let l = time::local(t, chrono_tz::UTC)?;
    let year = i32::try_from(year).ok()?;
    let (month, day) = (l.month, l.day);
    midnight(year, month, day).or_else(|| {
        (month == 2 && day == 29)
            .then(|| midnight(year, 2, 28))
            .flatten()
    })
}

/// The first anniversary of `t` on or after the date of `now` in `tz`.
pub fn next_anniversary(t: i64, now: i64, tz: Tz) -> Option<i64> {
    nearest_anniversary(t, now, tz, true)
}

/// The last anniversary of `t` on or before the date of `now` in `tz`.
pub fn last_anniversary(t: i64, now: i64, tz: Tz) -> Option<i64> {
    nearest_anniversary(t, now, tz, false)
}

/// The anniversary of `t` in the year of `now`'s date in `tz` when it falls on the `later`
/// side of that date (or on it), else the one a year further that way.
fn nearest_anniversary(t: i64, now: i64, tz: Tz, later: bool) -> Option<i64> {
    let today = date(now, tz)?;
    let year = i64::from(time::local(today, chrono_tz::UTC)?.year);
    let this = anniversary(t, year)?;
    if this == today || (this > today) == later {
        Some(this)
    } else {
        anniversary(t, if later { year + 1 } else { year - 1 })
    }
}

/// Whole days from `a` to `b` (`b − a`, truncated towards zero): exact calendar days between
/// two dates.
pub const fn days_between(a: i64, b: i64) -> i64 {
    (b - a) / DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> i64 {
        parse_date(s).unwrap()
    }

    #[test]
    fn anniversaries_cross_month_and_year_ends() {
        let birthday = d("1990-12-30");
        let now = time::parse_timestamp("2027-01-03T10:00:00Z").unwrap();
        assert_eq!(
            last_anniversary(birthday, now, chrono_tz::UTC),
            Some(d("2026-12-30"))
        );
        assert_eq!(
            next_anniversary(birthday, now, chrono_tz::UTC),
            Some(d("2027-12-30"))
        );
        let last = last_anniversary(birthday, now, chrono_tz::UTC).unwrap();
        assert_eq!(days_between(last, date(now, chrono_tz::UTC).unwrap()), 4);
    }

    #[test]
    fn february_29_falls_on_february_28_in_common_years() {
        let leap = d("2000-02-29");
        assert_eq!(anniversary(leap, 2027), Some(d("2027-02-28")));
        assert_eq!(anniversary(leap, 2028), Some(d("2028-02-29")));
        assert_eq!(anniversary(leap, 10_000), None);
    }

    #[test]
    fn a_local_date_depends_on_the_timezone() {
        let t = time::parse_timestamp("2026-11-27T23:30:00Z").unwrap();
        let warsaw = time::parse_tz("Europe/Warsaw").unwrap();
        assert_eq!(date(t, warsaw), Some(d("2026-11-28")));
        assert_eq!(date(t, chrono_tz::UTC), Some(d("2026-11-27")));
    }
}
