//! Timestamps (i64 microseconds since the epoch, UTC) and durations (i64 microseconds), with the
//! exact grammar of docs/semantics.md, "Exact grammar of time literals".

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

/// 0001-01-01T00:00:00Z in microseconds.
pub const MIN_TS: i64 = -62_135_596_800_000_000;
/// 9999-12-31T23:59:59.999999Z in microseconds.
pub const MAX_TS: i64 = 253_402_300_799_999_999;
/// Largest duration magnitude, 10^17 microseconds.
pub const MAX_DUR: i64 = 100_000_000_000_000_000;

pub fn check_ts(t: i64) -> Option<i64> {
    (MIN_TS..=MAX_TS).contains(&t).then_some(t)
}

pub fn check_dur(d: i64) -> Option<i64> {
    (d.checked_abs()? <= MAX_DUR).then_some(d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
}

/// Parses `YYYY-MM-DD(T|t| )HH:MM:SS(.d{1,9})?(Z|z|(+|-)HH:MM)`.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(&b[0..4])?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if year == 0 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut micros: i64 = 0;
    if b[i] == b'.' {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let n = j - start;
        if !(1..=9).contains(&n) {
            return None;
        }
        for k in 0..6 {
            let dgt = if start + k < j {
                i64::from(b[start + k] - b'0')
            } else {
                0
            };
            micros = micros * 10 + dgt;
        }
        i = j;
    }
    let rest = &b[i..];
    let offset_secs: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2])?;
            let om = digits(&[*m1, *m2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let v = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let secs = date
        .and_hms_opt(hour, minute, second)?
        .and_utc()
        .timestamp()
        - offset_secs;
    check_ts(secs.checked_mul(1_000_000)?.checked_add(micros)?)
}

/// Adds `c x 0.frac` (fraction digits) to the fractional accumulator; returns the carry out.
fn add_frac(acc: &mut Vec<u8>, frac: &[u8], c: u64) -> u64 {
    if acc.len() < frac.len() {
        acc.resize(frac.len(), 0);
    }
    // Digits right of the fraction are unchanged (nothing is added there), so start at its end.
    let mut carry: u64 = 0;
    for k in (0..frac.len()).rev() {
        let f = u64::from(frac[k] - b'0');
        let v = u64::from(acc[k]) + f * c + carry;
        acc[k] = (v % 10) as u8;
        carry = v / 10;
    }
    carry
}

/// Parses `-?(<number><unit>)+`, units `d h m s ms us`, exactly; truncated to microseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (neg, mut i) = if b.first() == Some(&b'-') {
        (true, 1)
    } else {
        (false, 0)
    };
    if i >= b.len() {
        return None;
    }
    let mut whole: i128 = 0;
    let mut frac_acc: Vec<u8> = Vec::new();
    while i < b.len() {
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &b[int_start..i];
        if int_part.is_empty() {
            return None;
        }
        let mut frac: &[u8] = &[];
        if i < b.len() && b[i] == b'.' {
            let fs = i + 1;
            i = fs;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac = &b[fs..i];
            if frac.is_empty() {
                return None;
            }
        }
        // unit = c * 10^j microseconds
        let (c, j, len): (u64, usize, usize) = match &b[i..] {
            [b'm', b's', ..] => (1, 3, 2),
            [b'u', b's', ..] => (1, 0, 2),
            [b'd', ..] => (864, 8, 1),
            [b'h', ..] => (36, 8, 1),
            [b'm', ..] => (6, 7, 1),
            [b's', ..] => (1, 6, 1),
            _ => return None,
        };
        i += len;
        // integer digits of number * 10^j, and the fraction digits left after the shift
        let mut n: i128 = 0;
        for d in int_part.iter().chain(frac.iter().take(j)) {
            n = n.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
            if n > i128::from(MAX_DUR) * 10 {
                return None;
            }
        }
        for _ in frac.len().min(j)..j {
            n = n.checked_mul(10)?;
        }
        let rest = if frac.len() > j { &frac[j..] } else { &[][..] };
        let carry = add_frac(&mut frac_acc, rest, c);
        whole = whole
            .checked_add(n.checked_mul(i128::from(c))?)?
            .checked_add(i128::from(carry))?;
        if whole > i128::from(MAX_DUR) {
            return None;
        }
    }
    let v = i64::try_from(whole).ok()?;
    Some(if neg { -v } else { v })
}

pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// Local calendar parts of a timestamp in a timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    /// ISO weekday 1 = Monday .. 7 = Sunday.
    pub weekday: u32,
}

pub fn local(t: i64, tz: Tz) -> Option<Local> {
    let dt: DateTime<Utc> = DateTime::from_timestamp_micros(t)?;
    let l = dt.with_timezone(&tz);
    Some(Local {
        year: l.year(),
        month: l.month(),
        day: l.day(),
        hour: l.hour(),
        weekday: l.weekday().number_from_monday(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01t01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01.5z"), Some(1_500_000));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.1234569Z"),
            Some(123_456)
        );
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.1234567890Z"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:60Z"), None);
        assert_eq!(parse_timestamp("2025-02-29T00:00:00Z"), None);
        assert!(parse_timestamp("2024-02-29T00:00:00Z").is_some());
        assert_eq!(parse_timestamp("1970-01-01T00:00:00"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:00+24:00"), None);
        assert_eq!(parse_timestamp("0001-01-01T00:00:00+01:00"), None);
        assert_eq!(parse_timestamp("0000-01-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("9999-12-31T23:59:59.999999Z"), Some(MAX_TS));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000));
        assert_eq!(parse_duration("90s"), Some(90_000_000));
        assert_eq!(parse_duration("7d"), Some(604_800_000_000));
        assert_eq!(parse_duration("-1.5ms"), Some(-1500));
        assert_eq!(parse_duration("1.0000005us"), Some(1));
        assert_eq!(parse_duration("0.5us0.5us"), Some(1));
        assert_eq!(parse_duration("0.25d"), Some(21_600_000_000));
        assert_eq!(parse_duration("1ms1us"), Some(1001));
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("-"), None);
        assert_eq!(parse_duration("1"), None);
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration("1.h"), None);
        assert_eq!(parse_duration("100000000000000000us"), Some(MAX_DUR));
        assert_eq!(parse_duration("100000000000000001us"), None);
        assert_eq!(
            parse_duration("99999999999999999999999999999999999999999d"),
            None
        );
    }

    #[test]
    fn local_parts() {
        // 2026-11-27 is a Friday; 23:30 UTC is Saturday 00:30 in Warsaw.
        let t = parse_timestamp("2026-11-27T23:30:00Z").unwrap();
        let l = local(t, parse_tz("Europe/Warsaw").unwrap()).unwrap();
        assert_eq!(
            (l.weekday, l.hour, l.day, l.month, l.year),
            (6, 0, 28, 11, 2026)
        );
        let u = local(t, parse_tz("UTC").unwrap()).unwrap();
        assert_eq!((u.weekday, u.hour), (5, 23));
        assert!(parse_tz("Mars/Base").is_none());
    }
}
