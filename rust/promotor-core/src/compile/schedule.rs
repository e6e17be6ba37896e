//! When a campaign runs: its `starts_at` and `ends_at` timestamps and its weekly schedule
//! (docs/semantics.md, "Campaigns"), for campaigns and for programmes' rules alike.

use super::{at, key, literal, Errs};
use crate::compile::CSchedule;
use crate::error::{Error, ErrorKind, Loc};
use crate::ir;
use crate::time;

pub(super) fn compile_time(
    s: Option<&String>,
    name: &str,
    loc: &[Loc],
    errs: &mut Errs,
) -> Option<i64> {
    let s = s?;
    let t = time::parse_timestamp(s);
    if t.is_none() {
        errs.push(
            &at(loc, &[key(name)]),
            ErrorKind::InvalidLiteral {
                what: "timestamp".to_owned(),
                value: s.clone(),
                reason: Some(
                    "expected RFC 3339 with an offset, e.g. 2026-11-27T00:00:00Z".to_owned(),
                ),
            },
        );
    }
    t
}

/// A schedule at `loc`.
pub(super) fn compile_schedule(
    s: &ir::Schedule,
    loc: &[Loc],
    errs: &mut Errs,
) -> Option<CSchedule> {
    let mut ok = true;
    let mut hours_ok = true;
    if let Some(days) = &s.weekdays {
        for (i, d) in days.iter().enumerate() {
            let l = at(loc, &[key("weekdays"), Loc::Index(i)]);
            if *d < 1 {
                errs.push(
                    &l,
                    ErrorKind::TooSmall {
                        min: "1".to_owned(),
                    },
                );
                ok = false;
            } else if *d > 7 {
                errs.push(
                    &l,
                    ErrorKind::TooLarge {
                        max: "7".to_owned(),
                    },
                );
                ok = false;
            }
        }
    }
    if let Some((a, b)) = s.hours {
        for (i, h) in [a, b].into_iter().enumerate() {
            let l = at(loc, &[key("hours"), Loc::Index(i)]);
            if h > 24 {
                errs.push(
                    &l,
                    ErrorKind::TooLarge {
                        max: "24".to_owned(),
                    },
                );
                hours_ok = false;
            } else if h < 0 {
                errs.push(
                    &l,
                    ErrorKind::TooSmall {
                        min: "0".to_owned(),
                    },
                );
                hours_ok = false;
            }
        }
        if hours_ok && a == b {
            errs.push(
                &at(loc, &[key("hours")]),
                ErrorKind::Empty {
                    hint: Some("use (0, 24) for the whole day".to_owned()),
                },
            );
            hours_ok = false;
        }
    }
    let ok = ok && hours_ok;
    let tz = time::parse_tz(&s.timezone);
    if tz.is_none() {
        errs.push(
            &at(loc, &[key("timezone")]),
            literal::unknown_timezone(&s.timezone),
        );
    }
    if !ok {
        return None;
    }
    let weekdays = s
        .weekdays
        .as_ref()
        .filter(|w| !w.is_empty())
        .map(|w| w.iter().map(|d| u8::try_from(*d).unwrap_or(0)).collect());
    Some(CSchedule {
        weekdays,
        hours: s
            .hours
            .map(|(a, b)| (u8::try_from(a).unwrap_or(0), u8::try_from(b).unwrap_or(0))),
        tz: tz?,
    })
}

/// A schedule of a programme's rule, compiled as a campaign's is.
pub(crate) fn program_schedule(
    s: &ir::Schedule,
    loc: &[Loc],
    out: &mut Vec<Error>,
) -> Option<CSchedule> {
    let mut errs = Errs::default();
    let c = compile_schedule(s, loc, &mut errs);
    out.extend(errs.0);
    c
}

/// A timestamp of a programme's rule, compiled as a campaign's `starts_at` is.
pub(crate) fn program_time(
    s: Option<&String>,
    name: &str,
    loc: &[Loc],
    out: &mut Vec<Error>,
) -> Option<i64> {
    let mut errs = Errs::default();
    let t = compile_time(s, name, loc, &mut errs);
    out.extend(errs.0);
    t
}
