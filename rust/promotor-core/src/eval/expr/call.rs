//! Function calls of the rule language (docs/rules.md, "Functions"): `min`/`max`, text,
//! number, time and date functions, evaluated over [`Ctx`]; `null` on any failure.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::{b, distinct_key, equal, extreme, membership, num_or_null, places, Ctx};
use crate::compile::node::{Func, Node};
use crate::num::{self, RoundMode};
use crate::time;
use crate::value::{List, Value};

fn zone(v: Option<&Value<'_>>) -> Option<chrono_tz::Tz> {
    match v {
        None => Some(chrono_tz::UTC),
        Some(Value::Str(name)) => time::parse_tz(name),
        Some(_) => None,
    }
}

fn time_part(args: &[Value], f: fn(&time::Local) -> i64) -> Value<'static> {
    let Some(Value::Ts(t)) = args.first() else {
        return Value::Null;
    };
    let tz = match args.get(1) {
        None => chrono_tz::UTC,
        Some(Value::Str(name)) => match time::parse_tz(name) {
            Some(tz) => tz,
            None => return Value::Null,
        },
        Some(_) => return Value::Null,
    };
    time::local(*t, tz).map_or(Value::Null, |l| Value::Num(Decimal::from(f(&l))))
}

impl<'a> Ctx<'a> {
    pub(super) fn call(&mut self, f: Func, args: &'a [Node]) -> Value<'a> {
        if matches!(f, Func::Min | Func::Max) {
            return extreme(args.iter().map(|a| self.eval(a)), f == Func::Max);
        }
        let a0 = args.first().map_or(Value::Null, |a| self.eval(a));
        let a1 = args.get(1).map(|a| self.eval(a));
        match f {
            Func::Min | Func::Max => Value::Null,
            Func::Size => match &a0 {
                Value::Str(s) => Value::Num(Decimal::from(s.chars().count())),
                Value::List(l) => Value::Num(Decimal::from(l.len())),
                _ => Value::Null,
            },
            Func::Abs => match a0 {
                Value::Num(d) => Value::Num(d.abs()),
                _ => Value::Null,
            },
            Func::Round | Func::Floor | Func::Ceil => {
                let (Value::Num(d), Some(p)) = (&a0, places(a1.as_ref())) else {
                    return Value::Null;
                };
                let mode = match f {
                    Func::Floor => RoundMode::Floor,
                    Func::Ceil => RoundMode::Ceil,
                    _ => self.mode,
                };
                num_or_null(num::round_to(*d, p, mode))
            }
            Func::Has => b(!a0.is_null()),
            Func::Lower => match a0 {
                Value::Str(s) => Value::Str(Cow::Owned(s.to_lowercase())),
                _ => Value::Null,
            },
            Func::Upper => match a0 {
                Value::Str(s) => Value::Str(Cow::Owned(s.to_uppercase())),
                _ => Value::Null,
            },
            Func::StartsWith | Func::EndsWith => match (&a0, &a1) {
                (Value::Str(s), Some(Value::Str(t))) => b(if f == Func::StartsWith {
                    s.starts_with(t.as_ref())
                } else {
                    s.ends_with(t.as_ref())
                }),
                _ => Value::Null,
            },
            Func::Contains => match (&a0, &a1) {
                (Value::Str(s), Some(Value::Str(t))) => b(s.contains(t.as_ref())),
                (Value::List(_), Some(x)) => membership(&a0, x),
                _ => Value::Null,
            },
            Func::Matches => match (&a0, &a1) {
                (Value::Str(s), Some(Value::Str(p))) => self.matches_dynamic(s, p),
                _ => Value::Null,
            },
            Func::Timestamp => match &a0 {
                Value::Str(s) => time::parse_timestamp(s).map_or(Value::Null, Value::Ts),
                Value::Ts(t) => Value::Ts(*t),
                _ => Value::Null,
            },
            Func::Date => match (&a0, &a1) {
                (Value::Str(s), None) => crate::dates::parse_date(s).map_or(Value::Null, Value::Ts),
                (Value::Ts(t), tz) => zone(tz.as_ref())
                    .and_then(|tz| crate::dates::date(*t, tz))
                    .map_or(Value::Null, Value::Ts),
                _ => Value::Null,
            },
            Func::Anniversary => match (&a0, &a1) {
                (Value::Ts(t), Some(Value::Num(y))) => {
                    let year = crate::eval::effects::count(*y).and_then(|y| i64::try_from(y).ok());
                    year.and_then(|y| crate::dates::anniversary(*t, y))
                        .map_or(Value::Null, Value::Ts)
                }
                _ => Value::Null,
            },
            Func::DaysBetween => match (&a0, &a1) {
                (Value::Ts(a), Some(Value::Ts(b))) => {
                    Value::Num(Decimal::from(crate::dates::days_between(*a, *b)))
                }
                _ => Value::Null,
            },
            Func::NextAnniversary | Func::LastAnniversary => {
                let tz = args.get(2).map(|n| self.eval(n));
                match (&a0, &a1, zone(tz.as_ref())) {
                    (Value::Ts(t), Some(Value::Ts(now)), Some(tz)) => {
                        let found = if f == Func::NextAnniversary {
                            crate::dates::next_anniversary(*t, *now, tz)
                        } else {
                            crate::dates::last_anniversary(*t, *now, tz)
                        };
                        found.map_or(Value::Null, Value::Ts)
                    }
                    _ => Value::Null,
                }
            }
            Func::Duration => match &a0 {
                Value::Str(s) => time::parse_duration(s).map_or(Value::Null, Value::Dur),
                _ => Value::Null,
            },
            Func::AnyOf => match (&a0, &a1) {
                (Value::List(l), Some(Value::List(m))) => b((0..l.len()).any(|i| {
                    let x = l.get(i);
                    (0..m.len()).any(|j| equal(&x, &m.get(j)))
                })),
                _ => Value::Null,
            },
            Func::Distinct => match a0 {
                Value::List(l) => {
                    let mut seen = std::collections::HashSet::with_capacity(l.len());
                    let mut kept: Vec<Value<'a>> = Vec::with_capacity(l.len());
                    for i in 0..l.len() {
                        let x = l.get(i);
                        // Values `==` to nothing (lists, maps, items) are always kept.
                        if distinct_key(&x).is_none_or(|k| seen.insert(k)) {
                            kept.push(x);
                        }
                    }
                    Value::List(List::Owned(kept))
                }
                _ => Value::Null,
            },
            Func::Weekday | Func::Hour | Func::Day | Func::Month | Func::Year => {
                let mut all = vec![a0];
                all.extend(a1);
                let part: fn(&time::Local) -> i64 = match f {
                    Func::Weekday => |l| i64::from(l.weekday),
                    Func::Hour => |l| i64::from(l.hour),
                    Func::Day => |l| i64::from(l.day),
                    Func::Month => |l| i64::from(l.month),
                    _ => |l| i64::from(l.year),
                };
                time_part(&all, part)
            }
        }
    }
}
