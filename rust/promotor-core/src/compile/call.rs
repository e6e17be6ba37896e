//! Function calls: each function's arity, the types of its arguments, its literals (regular
//! expressions, timestamps, durations, timezones, places) and the work it may do.

use rust_decimal::Decimal;

use super::bounds::{self, bytes, MAX_STRING_BYTES};
use super::expr::{Env, Ty, Typed};
use super::literal::{build_regex, unknown_timezone};
use super::node::{Func, Node};
use crate::error::ErrorKind;
use crate::ir::Expr;
use crate::time;
use crate::value::Value;

const FUNCS: &[(&str, Func)] = &[
    ("size", Func::Size),
    ("min", Func::Min),
    ("max", Func::Max),
    ("abs", Func::Abs),
    ("round", Func::Round),
    ("floor", Func::Floor),
    ("ceil", Func::Ceil),
    ("has", Func::Has),
    ("lower", Func::Lower),
    ("upper", Func::Upper),
    ("startsWith", Func::StartsWith),
    ("endsWith", Func::EndsWith),
    ("contains", Func::Contains),
    ("matches", Func::Matches),
    ("timestamp", Func::Timestamp),
    ("duration", Func::Duration),
    ("weekday", Func::Weekday),
    ("hour", Func::Hour),
    ("day", Func::Day),
    ("month", Func::Month),
    ("year", Func::Year),
    ("any_of", Func::AnyOf),
    ("distinct", Func::Distinct),
    ("date", Func::Date),
    ("anniversary", Func::Anniversary),
    ("next_anniversary", Func::NextAnniversary),
    ("last_anniversary", Func::LastAnniversary),
    ("days_between", Func::DaysBetween),
];

/// Names people write for `any_of` and `distinct`, answered with the form to use.
const WRONG_FORMS: &[(&str, &str)] = &[
    (
        "any",
        "any_of (a list overlap: customer.segments.any_of([\"vip\", \"gold\"]))",
    ),
    ("containsAny", "any_of"),
    ("contains_any", "any_of"),
    ("hasAny", "any_of"),
    ("has_any", "any_of"),
    ("intersects", "any_of"),
    ("overlaps", "any_of"),
    (
        "count_distinct",
        "distinct (cart.items.map(i, i.sku).distinct().size())",
    ),
    (
        "countDistinct",
        "distinct (cart.items.map(i, i.sku).distinct().size())",
    ),
    (
        "distinct_count",
        "distinct (cart.items.map(i, i.sku).distinct().size())",
    ),
    (
        "nunique",
        "distinct (cart.items.map(i, i.sku).distinct().size())",
    ),
    ("unique", "distinct"),
    ("uniq", "distinct"),
    (
        "days",
        "days_between (days_between(a, b): whole days from a to b)",
    ),
    (
        "days_since",
        "days_between (days_between(a, b): whole days from a to b)",
    ),
    (
        "date_diff",
        "days_between (days_between(a, b): whole days from a to b)",
    ),
    (
        "datediff",
        "days_between (days_between(a, b): whole days from a to b)",
    ),
    (
        "birthday",
        "last_anniversary or next_anniversary (last_anniversary(customer.birthday, context.now))",
    ),
    ("dateOf", "date"),
    ("to_date", "date"),
    ("todate", "date"),
];

/// The least and most arguments of a function.
const fn arity(f: Func) -> (usize, usize) {
    match f {
        Func::Min | Func::Max => (2, usize::MAX),
        Func::Size
        | Func::Abs
        | Func::Has
        | Func::Lower
        | Func::Upper
        | Func::Timestamp
        | Func::Duration
        | Func::Distinct => (1, 1),
        Func::Round
        | Func::Floor
        | Func::Ceil
        | Func::Weekday
        | Func::Hour
        | Func::Day
        | Func::Month
        | Func::Year
        | Func::Date => (1, 2),
        Func::StartsWith
        | Func::EndsWith
        | Func::Contains
        | Func::Matches
        | Func::AnyOf
        | Func::Anniversary
        | Func::DaysBetween => (2, 2),
        Func::NextAnniversary | Func::LastAnniversary => (2, 3),
    }
}

impl Env {
    pub(super) fn call(&mut self, e: &Expr, name: &str, args: &[Expr]) -> Typed {
        let Some((_, f)) = FUNCS.iter().find(|(n, _)| *n == name) else {
            let suggestion = WRONG_FORMS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| (*s).to_owned())
                .or_else(|| {
                    super::literal::did_you_mean(name, FUNCS.iter().map(|(n, _)| *n))
                        .map(str::to_owned)
                });
            return self.err(ErrorKind::UnknownFunction {
                name: name.to_owned(),
                suggestion,
            });
        };
        let f = *f;
        let (lo, hi) = arity(f);
        if args.len() < lo || args.len() > hi {
            let expected = if lo == hi {
                format!("{lo} argument{}", if lo == 1 { "" } else { "s" })
            } else if hi == usize::MAX {
                format!("at least {lo} arguments")
            } else {
                format!("{lo} or {hi} arguments")
            };
            return self.err(ErrorKind::ArgumentCount {
                func: name.to_owned(),
                expected,
                got: args.len(),
            });
        }
        let mut typed = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            typed.push(self.child(("args", Some(i)), a));
        }
        let tys: Vec<Ty> = typed.iter().map(|t| t.ty.clone()).collect();
        let lens: Vec<u64> = typed.iter().map(|t| t.len).collect();
        let count0 = typed[0].count;
        let typed_count1 = typed.get(1).map_or(0, |t| t.count);
        let got = || {
            tys.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let what = || format!("'{name}'");
        let is = |t: &Ty, want: &Ty| t.loose() || t == want;
        let t0 = tys[0].clone();
        let mut nodes: Vec<Node> = typed.into_iter().map(|t| t.node).collect();
        let mut len = 0;
        let ret = match f {
            Func::Min | Func::Max => {
                let known: Vec<&Ty> = tys.iter().filter(|t| !t.loose()).collect();
                let ordered = known
                    .iter()
                    .all(|t| matches!(t, Ty::Num | Ty::Str | Ty::Ts | Ty::Dur));
                if !ordered || known.windows(2).any(|w| w[0] != w[1]) {
                    return self.type_err(e, what(), "values of one ordered type", got());
                }
                if tys.iter().any(Ty::stringy) {
                    len = lens.iter().copied().max().unwrap_or(0);
                    self.work(bytes(lens.iter().sum()));
                }
                known.first().map_or(Ty::Dyn, |t| (*t).clone())
            }
            Func::Size => {
                if !(t0.loose() || t0 == Ty::Str || matches!(t0, Ty::List(_))) {
                    return self.type_err(e, what(), "a str or a list", got());
                }
                if t0.stringy() {
                    self.work(bytes(lens[0]));
                }
                Ty::Num
            }
            Func::Abs => {
                if !is(&t0, &Ty::Num) {
                    return self.type_err(e, what(), "a num", got());
                }
                Ty::Num
            }
            Func::Round | Func::Floor | Func::Ceil => {
                if !is(&t0, &Ty::Num) || tys.get(1).is_some_and(|t| !is(t, &Ty::Num)) {
                    return self.type_err(e, what(), "a num and optional places", got());
                }
                if let Some(Node::Const(Value::Num(p))) = nodes.get(1) {
                    if !(p.fract().is_zero() && *p >= Decimal::ZERO && *p <= Decimal::from(12)) {
                        let places = format!("'{name}' places");
                        return self.type_err(e, places, "an integer 0..12", p);
                    }
                }
                Ty::Num
            }
            Func::Has => Ty::Bool,
            Func::Lower | Func::Upper => {
                if !is(&t0, &Ty::Str) {
                    return self.type_err(e, what(), "a str", got());
                }
                self.work(bytes(lens[0]));
                // Case mapping may make a string up to three times longer.
                len = lens[0].saturating_mul(3);
                Ty::Str
            }
            Func::StartsWith | Func::EndsWith | Func::Matches => {
                if !is(&t0, &Ty::Str) || !is(&tys[1], &Ty::Str) {
                    return self.type_err(e, what(), "two strs", got());
                }
                if f == Func::Matches {
                    self.work(bounds::REGEX_SCAN_FACTOR.saturating_mul(bytes(lens[0])));
                    if let Some(Node::Const(Value::Str(p))) = nodes.get(1) {
                        let p = p.to_string();
                        return match build_regex(&p) {
                            Ok(re) => {
                                let p = nodes.pop().unwrap_or(Node::Const(Value::Null));
                                let s = nodes.pop().unwrap_or(Node::Const(Value::Null));
                                Typed::new(Node::MatchesLit(bx(s), re, bx(p)), Ty::Bool)
                            }
                            Err(err) => self.err(ErrorKind::InvalidLiteral {
                                what: "regular expression".to_owned(),
                                value: p,
                                reason: Some(err.to_string()),
                            }),
                        };
                    }
                    self.work(bounds::DYNAMIC_REGEX_COST.saturating_add(bytes(lens[1])));
                } else {
                    self.work(bytes(lens[0].min(lens[1])));
                }
                Ty::Bool
            }
            Func::Contains => {
                match &t0 {
                    Ty::Str => {
                        if !is(&tys[1], &Ty::Str) {
                            return self.type_err(e, what(), "a str argument", got());
                        }
                        self.work(bytes(lens[0].saturating_add(lens[1])));
                    }
                    Ty::List(et) => {
                        if !tys[1].eq_comparable(et) {
                            let mut want = format!("a value comparable with {et}");
                            if matches!(&tys[1], Ty::List(_)) {
                                // `segments.contains(["vip", "gold"])` means an overlap.
                                want.push_str("; to test whether two lists share an element, use any_of: a.any_of([...])");
                            }
                            return self.type_err(e, what(), want, got());
                        }
                        let per = if et.stringy() {
                            bytes(lens[0].min(lens[1]))
                        } else {
                            0
                        };
                        self.work(count0.saturating_mul(1 + per));
                    }
                    t if t.loose() => {
                        self.work(bounds::MAX_LIST.saturating_mul(1 + bytes(MAX_STRING_BYTES)));
                    }
                    _ => return self.type_err(e, what(), "a str or a list receiver", got()),
                }
                Ty::Bool
            }
            Func::Timestamp if t0 == Ty::Ts => Ty::Ts,
            Func::Timestamp | Func::Duration => {
                if !is(&t0, &Ty::Str) {
                    let want = if f == Func::Timestamp {
                        "a str or a timestamp"
                    } else {
                        "a str"
                    };
                    return self.type_err(e, what(), want, got());
                }
                if let Some(Node::Const(Value::Str(s))) = nodes.first() {
                    let ok = if f == Func::Timestamp {
                        time::parse_timestamp(s).is_some()
                    } else {
                        time::parse_duration(s).is_some()
                    };
                    if !ok {
                        return self.err(ErrorKind::InvalidLiteral {
                            what: name.to_owned(),
                            value: s.to_string(),
                            reason: None,
                        });
                    }
                } else {
                    self.work(bytes(lens[0]));
                }
                if f == Func::Timestamp {
                    Ty::Ts
                } else {
                    Ty::Dur
                }
            }
            Func::AnyOf => {
                let (Some(a), Some(b)) = (t0.elem(), tys[1].elem()) else {
                    return self.type_err(e, what(), "two lists", got());
                };
                if !a.eq_comparable(&b) {
                    return self.type_err(e, what(), "two lists of comparable elements", got());
                }
                let per = if a.stringy() && b.stringy() {
                    bytes(lens[0].min(lens[1]))
                } else {
                    0
                };
                self.work(count0.saturating_mul(typed_count1).saturating_mul(1 + per));
                Ty::Bool
            }
            Func::Distinct => {
                let Some(a) = t0.elem() else {
                    return self.type_err(e, what(), "a list", got());
                };
                // One hash of each element (`eval::expr` keys equal values alike).
                let per = if a.stringy() { bytes(lens[0]) } else { 0 };
                self.work(count0.saturating_mul(1 + per));
                return Typed::sized(Node::Call(f, nodes), t0, lens[0], count0);
            }
            Func::Date if t0 == Ty::Str => {
                if tys.len() > 1 {
                    return self.type_err(
                        e,
                        what(),
                        "a str, or a timestamp and an optional timezone",
                        got(),
                    );
                }
                if let Some(Node::Const(Value::Str(s))) = nodes.first() {
                    if crate::dates::parse_date(s).is_none() {
                        return self.err(ErrorKind::InvalidLiteral {
                            what: name.to_owned(),
                            value: s.to_string(),
                            reason: Some("write a date as YYYY-MM-DD".to_owned()),
                        });
                    }
                } else {
                    self.work(bytes(lens[0]));
                }
                Ty::Ts
            }
            Func::Anniversary => {
                if !is(&t0, &Ty::Ts) || !is(&tys[1], &Ty::Num) {
                    return self.type_err(e, what(), "a timestamp and a year", got());
                }
                Ty::Ts
            }
            Func::DaysBetween => {
                if !is(&t0, &Ty::Ts) || !is(&tys[1], &Ty::Ts) {
                    return self.type_err(e, what(), "two timestamps", got());
                }
                Ty::Num
            }
            Func::NextAnniversary | Func::LastAnniversary => {
                if !is(&t0, &Ty::Ts)
                    || !is(&tys[1], &Ty::Ts)
                    || tys.get(2).is_some_and(|t| !is(t, &Ty::Str))
                {
                    return self.type_err(
                        e,
                        what(),
                        "two timestamps and an optional timezone",
                        got(),
                    );
                }
                if let Some(Node::Const(Value::Str(tz))) = nodes.get(2) {
                    if time::parse_tz(tz).is_none() {
                        return self.err(unknown_timezone(tz));
                    }
                } else if let Some(l) = lens.get(2) {
                    self.work(bytes(*l));
                }
                Ty::Ts
            }
            Func::Date | Func::Weekday | Func::Hour | Func::Day | Func::Month | Func::Year => {
                if !is(&t0, &Ty::Ts) || tys.get(1).is_some_and(|t| !is(t, &Ty::Str)) {
                    return self.type_err(e, what(), "a timestamp and an optional timezone", got());
                }
                if let Some(Node::Const(Value::Str(tz))) = nodes.get(1) {
                    if time::parse_tz(tz).is_none() {
                        return self.err(unknown_timezone(tz));
                    }
                } else if let Some(l) = lens.get(1) {
                    self.work(bytes(*l));
                }
                if f == Func::Date {
                    Ty::Ts
                } else {
                    Ty::Num
                }
            }
        };
        Typed::sized(Node::Call(f, nodes), ret, len, 0)
    }
}

#[allow(clippy::unnecessary_box_returns)]
fn bx(n: Node) -> Box<Node> {
    Box::new(n)
}
