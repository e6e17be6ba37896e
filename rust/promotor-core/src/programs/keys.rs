//! Keys of programme state: families and their members.
//!
//! ```text
//! loyalty|program=points|customer=c1#lot=2026-12-11/2027-12-11   points of one lot
//! loyalty|program=points|customer=c1#lot=2026-11-27/-             a lot that never expires
//! loyalty|program=points|customer=c1#earned=2026-12-11            points earned, by the day
//!                                                                  they became available (tiers)
//! loyalty|program=points|customer=c1#debt                         points owed (after a rollback)
//! loyalty|program=points|customer=c1#tier                         the tier last announced (index + 1)
//! loyalty|program=points|customer=c1#notice=2026-12-11/2027-12-11 1 once points_expiring was written
//! gift_card|code=gc-7k2m#balance                                  minor units
//! gift_card|code=gc-7k2m#status                                   1 active, 2 inactive (0: no card)
//! gift_card|code=gc-7k2m#expires                                  microseconds (0: never)
//! gift_card|code=gc-7k2m#currency=USD                             1
//! code|code=rw-9x2c#campaign=points:five-off|customer=c1          1: issued to c1
//! code|code=rw-9x2c#used                                          1 once redeemed
//! code|code=ref-7k2m#referral=friends|advocate=c1                  1: an advocate's code
//! code|code=ref-7k2m#email=ana@gmail.com                           1: the advocate's canonical email
//! referral|program=friends|advocate=c1#code                        1 once the advocate has a code
//! referral|program=friends|advocate=c1#friend=f1                   1 pending, 2 converted, 3 rewarded
//! referral|program=friends|advocate=c1#referred                    friends who used the code
//! referral|program=friends|advocate=c1#converted                   conversions
//! referral|program=friends|advocate=c1#rewarded                    conversions counted toward tiers
//! referral|program=friends|advocate=c1#tier                        the highest tier rewarded (its referrals)
//! referral|program=friends|advocate=c1#period=month:2026-11        rewarded in that period (limits)
//! referral|program=friends|friend=f1#by=c1                         1 referred by c1, 2 converted
//! referral|program=friends|email=f@x.com#referred                  1 once a friend with that email is referred
//! ```
//!
//! A lot is named by the local dates (in the programme's timezone) at whose 00:00 it becomes
//! available and expires. Values are escaped as in [`crate::state::keys`], and `#` as `%23`,
//! so the first `#` of a key separates its family from its member. A store may read a whole
//! family (every key that starts with `family#`), which is how the core learns every lot of
//! a customer.

use chrono::NaiveDate;

/// Appends `value` with `%`, `|` and `#` escaped.
pub fn escape_into(out: &mut String, value: &str) {
    crate::state::keys::escape_bytes(out, value, true);
}

fn family(kind: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(48);
    out.push_str(kind);
    for (name, value) in parts {
        out.push('|');
        out.push_str(name);
        out.push('=');
        escape_into(&mut out, value);
    }
    out
}

/// The family of one customer in one loyalty programme.
pub fn loyalty(program: &str, customer: &str) -> String {
    family("loyalty", &[("program", program), ("customer", customer)])
}

/// The family of one gift card (by its normalised code).
pub fn gift_card(code: &str) -> String {
    family("gift_card", &[("code", code)])
}

/// The family of one issued code (by its normalised code).
pub fn issued_code(code: &str) -> String {
    family("code", &[("code", code)])
}

/// The family of one advocate, friend or (canonical) friend email of a referral programme:
/// `who` is `advocate`, `friend` or `email`.
pub fn referral(program: &str, who: &str, id: &str) -> String {
    family("referral", &[("program", program), (who, id)])
}

/// A member `name=value` with the value escaped.
pub fn named(name: &str, value: &str) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 1);
    out.push_str(name);
    out.push('=');
    escape_into(&mut out, value);
    out
}

/// `family#member`.
pub fn member(family: &str, member: &str) -> String {
    let mut k = String::with_capacity(family.len() + member.len() + 1);
    k.push_str(family);
    k.push('#');
    k.push_str(member);
    k
}

/// `YYYY-MM-DD` (chrono's `%Y-%m-%d`). Every decision on a customer's lots writes and reads
/// these, so the common case skips the format machinery.
pub fn date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

/// Appends [`date`] to `out`: digits pushed by hand for years 0-9999 (`write!` costs a
/// few hundred instructions per field, and a lot key has two dates).
pub fn push_date(out: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let y = d.year();
    let Ok(y @ 0..=9999) = u32::try_from(y) else {
        out.push_str(&d.format("%Y-%m-%d").to_string());
        return;
    };
    let (m, day) = (d.month(), d.day());
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let text = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    out.reserve(text.len());
    for b in text {
        out.push(char::from(b));
    }
}

/// The date of a `YYYY-MM-DD` text (as chrono's `%Y-%m-%d` reads it).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
            return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `YYYYMMDD` as a number, for a valid date written as [`push_date`] writes one
/// (`YYYY-MM-DD`, years 0-9999), which [`parse_date`] reads as that date: such numbers order
/// as their dates do, so a reader of many dates compares them without parsing.
pub fn written_day(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let mut n = 0u32;
    for i in [0, 1, 2, 3, 5, 6, 8, 9] {
        let digit = b[i].wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u32::from(digit);
    }
    let (y, m, d) = (n / 10_000, n / 100 % 100, n % 100);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some(n)
}

/// [`written_day`] of a date (years 0-9999).
pub fn day_number(d: NaiveDate) -> Option<u32> {
    use chrono::Datelike;
    let y = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    Some(y * 10_000 + d.month() * 100 + d.day())
}

/// The member naming a lot: `lot=A/E` (`E` is `-` for a lot that never expires).
pub fn lot(available: NaiveDate, expires: Option<NaiveDate>) -> String {
    let mut out = String::with_capacity(25);
    out.push_str("lot=");
    push_span(&mut out, available, expires);
    out
}

/// `A/E` of [`lot`] appended to `out`.
fn push_span(out: &mut String, available: NaiveDate, expires: Option<NaiveDate>) {
    push_date(out, available);
    out.push('/');
    match expires {
        Some(e) => push_date(out, e),
        None => out.push('-'),
    }
}

/// The member marking that `points_expiring` was written for a lot.
pub fn notice(available: NaiveDate, expires: Option<NaiveDate>) -> String {
    let mut out = String::with_capacity(28);
    out.push_str("notice=");
    push_span(&mut out, available, expires);
    out
}

pub fn earned(day: NaiveDate) -> String {
    let mut out = String::with_capacity(17);
    push_earned(&mut out, day);
    out
}

/// Appends [`earned`] to `out`.
pub fn push_earned(out: &mut String, day: NaiveDate) {
    out.push_str("earned=");
    push_date(out, day);
}

/// `(available, expires)` of a `A/E` text.
pub fn parse_span(s: &str) -> Option<(NaiveDate, Option<NaiveDate>)> {
    // A plain byte loop: `split_once`'s searcher costs more to set up than this 21-byte
    // scan, and every decision on a customer reads each of their lots.
    let at = s.bytes().position(|b| b == b'/')?;
    let (a, e) = (&s[..at], &s[at + 1..]);
    let expires = if e == "-" { None } else { Some(parse_date(e)?) };
    Some((parse_date(a)?, expires))
}

/// The member part of `key` if it belongs to `family`.
pub fn member_of<'k>(family: &str, key: &'k str) -> Option<&'k str> {
    key.strip_prefix(family)?.strip_prefix('#')
}

/// The member naming an issued code's owner: `campaign=<id>|customer=<id>`.
pub fn owner(campaign: &str, customer: &str) -> String {
    let mut out = String::from("campaign=");
    escape_into(&mut out, campaign);
    out.push_str("|customer=");
    escape_into(&mut out, customer);
    out
}

/// Undoes [`escape_into`].
pub fn unescape(value: &str) -> String {
    value
        .replace("%23", "#")
        .replace("%7C", "|")
        .replace("%25", "%")
}

/// `(campaign, customer)` of an owner member.
pub fn parse_owner(member: &str) -> Option<(String, String)> {
    let rest = member.strip_prefix("campaign=")?;
    let (c, cust) = rest.split_once("|customer=")?;
    Some((unescape(c), unescape(cust)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_copies_runs_and_round_trips_any_text() {
        for (raw, escaped, limit_key) in [
            ("", "", ""),
            ("plain", "plain", "plain"),
            ("%|#", "%25%7C%23", "%25%7C#"),
            ("é|€#ü%", "é%7C€%23ü%25", "é%7C€#ü%25"),
            ("a%25b", "a%2525b", "a%2525b"),
        ] {
            let mut out = String::from("x=");
            escape_into(&mut out, raw);
            assert_eq!(out, format!("x={escaped}"));
            assert_eq!(unescape(escaped), raw);
            let mut out = String::new();
            crate::state::keys::escape_into(&mut out, raw);
            assert_eq!(out, limit_key, "limit keys leave # as it is");
        }
    }

    #[test]
    fn written_dates_are_the_dates_parse_date_reads_and_order_as_text() {
        let mut written = Vec::new();
        for y in [0, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999] {
            for m in 0..=13 {
                for d in 0..=32 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    let parsed = parse_date(&s);
                    assert_eq!(written_day(&s), parsed.and_then(day_number), "{s}");
                    assert_eq!(written_day(&s).is_some(), parsed.is_some(), "{s}");
                    if let Some(p) = parsed {
                        assert_eq!(date(p), s);
                        written.push((written_day(&s), p));
                    }
                }
            }
        }
        assert!(written
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        for s in [
            "2024-1-05",
            "2024-01-5",
            "12024-01-05",
            "2024/01/05",
            "+024-01-05",
            "",
        ] {
            assert_eq!(written_day(s), None, "{s}");
        }
    }

    #[test]
    fn dates_read_and_write_as_chrono_does() {
        for text in ["2026-11-27", "0001-01-01", "9999-12-31", "2024-02-29"] {
            let d = parse_date(text).unwrap();
            assert_eq!(Some(d), NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
            assert_eq!(date(d), d.format("%Y-%m-%d").to_string());
        }
        for text in ["2026-02-30", "2026-1-27", "20261127", "2026-11-2x", ""] {
            assert_eq!(
                parse_date(text),
                NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
            );
        }
        for far in [
            NaiveDate::from_ymd_opt(12026, 1, 2).unwrap(),
            NaiveDate::from_ymd_opt(-3, 10, 31).unwrap(),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ] {
            assert_eq!(date(far), far.format("%Y-%m-%d").to_string());
        }
        let (a, e) = (
            parse_date("2026-01-09").unwrap(),
            parse_date("2027-10-30").unwrap(),
        );
        assert_eq!(lot(a, Some(e)), "lot=2026-01-09/2027-10-30");
        assert_eq!(notice(a, None), "notice=2026-01-09/-");
        assert_eq!(earned(e), "earned=2027-10-30");
    }

    #[test]
    fn families_and_members() {
        let f = loyalty("pts", "c#1|x");
        assert_eq!(f, "loyalty|program=pts|customer=c%231%7Cx");
        let d = NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        let k = member(&f, &lot(d, None));
        assert_eq!(k, "loyalty|program=pts|customer=c%231%7Cx#lot=2026-12-11/-");
        assert_eq!(member_of(&f, &k), Some("lot=2026-12-11/-"));
        assert_eq!(parse_span("2026-12-11/-"), Some((d, None)));
        assert_eq!(notice(d, Some(d)), "notice=2026-12-11/2026-12-11");
        let o = owner("p:r", "c|1");
        assert_eq!(parse_owner(&o), Some(("p:r".to_owned(), "c|1".to_owned())));
    }
}
