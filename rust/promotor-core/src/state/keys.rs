//! Counter keys: readable, unambiguous strings that every store keeps as opaque text.
//!
//! ```text
//! count|campaign=bf                                  redemptions of campaign bf
//! count|campaign=bf|customer=c1                      ... by customer c1
//! count|key=q4|code=blckfrdy|day@Europe/Warsaw=2026-11-27
//! budget|campaign=bf|month@UTC=2026-11               discount given (minor units) this month
//! ```
//!
//! Parts are separated by `|`; in values `%` and `|` are escaped as `%25` and `%7C`. A shared
//! `key=` replaces the campaign, so every campaign naming it counts on one counter. Codes are
//! normalised (trimmed, lower-cased) so the spellings of one code share a counter. Periods are
//! calendar periods in the limit's timezone: a day `YYYY-MM-DD`, an ISO week `YYYY-Www`
//! (weeks start on Monday), a month `YYYY-MM`. The pure-Python reference derives the same
//! strings (`promotor/testing/reference/state.py`), and the twin tests compare them.

use std::fmt::Write;

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

use crate::ir::Every;

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Redemptions (applications of a campaign).
    Count,
    /// Discount given, in minor units of the engine's currency.
    Budget,
}

/// Appends `value` with `%` and `|` escaped.
pub fn escape_into(out: &mut String, value: &str) {
    escape_bytes(out, value, false);
}

/// Appends `value` with `%` and `|` escaped, and `#` too when `hash`: the runs between
/// them are copied whole (keys are built on every order, and most values need no escape).
pub(crate) fn escape_bytes(out: &mut String, value: &str, hash: bool) {
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        let with = match b {
            b'%' => "%25",
            b'|' => "%7C",
            b'#' if hash => "%23",
            _ => continue,
        };
        // ASCII bytes are character boundaries.
        out.push_str(&value[start..i]);
        out.push_str(with);
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

/// The calendar period of `now` (microseconds, UTC) in `tz`: `2026-11-27`, `2026-W48`,
/// `2026-11`. `None` for an instant chrono cannot represent.
pub fn period(every: Every, tz: Tz, now: i64) -> Option<String> {
    let local = DateTime::from_timestamp_micros(now)?.with_timezone(&tz);
    Some(match every {
        Every::Day => format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        ),
        Every::Week => {
            let w = local.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
        Every::Month => format!("{:04}-{:02}", local.year(), local.month()),
    })
}

pub const fn every_name(every: Every) -> &'static str {
    match every {
        Every::Day => "day",
        Every::Week => "week",
        Every::Month => "month",
    }
}

/// The parts of one counter key.
pub struct KeyParts<'a> {
    pub counted: Counted,
    /// `(true, key)` for a shared key, `(false, campaign id)` otherwise.
    pub scope: (bool, &'a str),
    pub customer: Option<&'a str>,
    pub code: Option<&'a str>,
    /// `(every, timezone name, period)`.
    pub period: Option<(Every, &'a str, &'a str)>,
}

/// The key string of a counter.
pub fn key(p: &KeyParts<'_>) -> String {
    let mut out = String::with_capacity(48);
    out.push_str(match p.counted {
        Counted::Count => "count",
        Counted::Budget => "budget",
    });
    out.push_str(if p.scope.0 { "|key=" } else { "|campaign=" });
    escape_into(&mut out, p.scope.1);
    if let Some(c) = p.customer {
        out.push_str("|customer=");
        escape_into(&mut out, c);
    }
    if let Some(c) = p.code {
        out.push_str("|code=");
        escape_into(&mut out, c);
    }
    if let Some((every, tz, period)) = p.period {
        let _ = write!(out, "|{}@", every_name(every));
        escape_into(&mut out, tz);
        out.push('=');
        escape_into(&mut out, period);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_timestamp, parse_tz};

    #[test]
    fn periods_are_local_calendar_periods() {
        // Sunday 2026-11-29 23:30 UTC is Monday 00:30 in Warsaw: a new day and a new ISO week.
        let t = parse_timestamp("2026-11-29T23:30:00Z").unwrap();
        let utc = parse_tz("UTC").unwrap();
        let waw = parse_tz("Europe/Warsaw").unwrap();
        assert_eq!(period(Every::Day, utc, t).unwrap(), "2026-11-29");
        assert_eq!(period(Every::Day, waw, t).unwrap(), "2026-11-30");
        assert_eq!(period(Every::Week, utc, t).unwrap(), "2026-W48");
        assert_eq!(period(Every::Week, waw, t).unwrap(), "2026-W49");
        assert_eq!(period(Every::Month, waw, t).unwrap(), "2026-11");
        // ISO week-years: 2027-01-01 is a Friday of week 53 of 2026.
        let ny = parse_timestamp("2027-01-01T12:00:00Z").unwrap();
        assert_eq!(period(Every::Week, utc, ny).unwrap(), "2026-W53");
    }

    #[test]
    fn keys_escape_their_separators() {
        let k = key(&KeyParts {
            counted: Counted::Count,
            scope: (false, "a|b%c"),
            customer: Some("c=1"),
            code: Some("bf"),
            period: Some((Every::Day, "Europe/Warsaw", "2026-11-27")),
        });
        assert_eq!(
            k,
            "count|campaign=a%7Cb%25c|customer=c=1|code=bf|day@Europe/Warsaw=2026-11-27"
        );
        let shared = key(&KeyParts {
            counted: Counted::Budget,
            scope: (true, "q4"),
            customer: None,
            code: None,
            period: None,
        });
        assert_eq!(shared, "budget|key=q4");
    }
}
