//! Literals checked once at compile time (numbers, regular expressions, timezones), and the
//! one did-you-mean every "unknown ..." error uses, in Rust and (through the binding) Python.

use rust_decimal::Decimal;

use crate::error::ErrorKind;
use crate::num;

/// The closest candidate to `name`, if any is close enough (Jaro-Winkler similarity of at
/// least 0.8, case-insensitive; ties to the first).
pub fn did_you_mean<'c, I: IntoIterator<Item = &'c str>>(
    name: &str,
    candidates: I,
) -> Option<&'c str> {
    let name = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name, &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Checks a literal number: `-?[0-9]+(\.[0-9]+)?`, at most 12 places, magnitude below 10^14.
pub fn parse_num_literal(s: &str) -> Result<Decimal, ErrorKind> {
    let bad = |reason: Option<&str>| ErrorKind::InvalidLiteral {
        what: "number".to_owned(),
        value: s.to_owned(),
        reason: reason.map(str::to_owned),
    };
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let ok = !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(bad(None));
    }
    if frac.is_some_and(|f| f.len() > 12) {
        return Err(bad(Some("more than 12 decimal places")));
    }
    let d: Decimal = s
        .parse()
        .map_err(|_| bad(Some("must be below 10^14 in magnitude")))?;
    num::from_input(d).ok_or_else(|| bad(Some("must be below 10^14 in magnitude")))
}

/// Size limit of a compiled regular expression (and of its lazy DFA): what bounds the work of
/// compiling one, which the cost bound counts for patterns read from the input.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A regular expression with the rule language's dialect and size limits: a literal one is
/// compiled once, at compile time; one read from the input (`s.matches(item.metadata.re)`)
/// once per distinct pattern and evaluation.
pub fn build_regex(p: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// The closest IANA timezone name to `tz`.
pub fn tz_suggestion(tz: &str) -> Option<String> {
    did_you_mean(tz, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name())).map(str::to_owned)
}

/// `unknown_timezone` for `tz`, with a did-you-mean.
pub fn unknown_timezone(tz: &str) -> ErrorKind {
    ErrorKind::UnknownTimezone {
        name: tz.to_owned(),
        suggestion: tz_suggestion(tz),
    }
}
