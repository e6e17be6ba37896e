//! Usage limits and budgets: compiled once per program, then decided per evaluation by a
//! [`Meter`] over a snapshot (DESIGN section 8, "Limits and budgets").
//!
//! The order of the checks, which both evaluators follow:
//!
//! 1. When a candidate has passed its rules ([`Meter::prefilter`]), each limit is read on the
//!    snapshot alone, in the campaign's list order, and the first that blocks rejects it: a
//!    per-customer limit without a customer id (`limit_reached`, detail `customer required`),
//!    a count with `used + 1 > max` (`limit_reached`), a budget with nothing left
//!    (`budget_exhausted`). So an exhausted campaign never wins an exclusive contest nor enters
//!    a best-deal search.
//! 2. When stacking is about to apply it ([`Meter::admit`], after `stopped`, `max_applied`,
//!    `group_conflict` and `no_effect`), the same walk runs again with what this evaluation
//!    has already counted (campaigns sharing a `key` see each other's applications), and a
//!    budget that does not fit is either refused whole (`partial=False`) or shrinks the
//!    discount to the smallest amount left (re-split by largest remainder, shipping last;
//!    `limited_by="budget"`).
//! 3. The deltas ([`Meter::deltas`]) are worked out from the campaigns finally applied (after
//!    `max_discount`), one per counter, with the bound that keeps every application's own check
//!    true: for applications `j` adding `a_j` to a counter read as `v`, each needs
//!    `v + a_1 + ... + a_j <= max_j`, which is `v + total <= min_j(max_j - cum_j) + total`.

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::key_list::KeyList;
use super::keys::{self, Counted, KeyParts};
use super::{Delta, Snapshot};
use crate::alloc::largest_remainder;
use crate::error::{Error, ErrorKind, Loc};
use crate::eval::effects::Discount;
use crate::input::Input;
use crate::ir::{EngineDef, Every, Per, UsageLimit};
use crate::money::from_minor;
use crate::outcome::{Reason, Reported};
use crate::time;

/// One compiled limit or budget.
#[derive(Debug, Clone)]
pub struct CLimit {
    pub counted: Counted,
    /// Redemptions, or minor units of the engine's currency.
    pub max: i64,
    /// Budgets: a discount larger than what is left shrinks to it.
    pub partial: bool,
    pub per: Option<Per>,
    pub every: Option<(Every, Tz, String)>,
    /// `(true, key)` for a shared key, `(false, campaign id)`.
    pub scope: (bool, String),
    /// `Rejected.detail` when it blocks.
    pub detail: String,
}

/// The limits of every campaign, by campaign index.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    pub campaigns: Vec<Vec<CLimit>>,
    /// Whether each campaign is automatic (has no code).
    pub automatic: Vec<bool>,
    /// Whether any campaign has a limit: without, evaluation needs no snapshot.
    pub any: bool,
    /// `EngineDef::codes_case_sensitive`: per-code counters key codes as the engine matches them.
    pub case_sensitive: bool,
}

fn detail(per: Option<Per>, every: bool) -> &'static str {
    match (per, every) {
        (None, false) => "total",
        (Some(Per::Customer), false) => "per_customer",
        (Some(Per::Code), false) => "per_code",
        (None, true) => "per_period",
        (Some(Per::Customer), true) => "per_customer_period",
        (Some(Per::Code), true) => "per_code_period",
    }
}

/// A budget amount in minor units: a non-negative decimal with at most `exponent` places.
fn budget_minor(amount: &str, exponent: u32) -> Result<i64, ErrorKind> {
    let d: Decimal = crate::compile::literal::parse_num_literal(amount.trim())?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(ErrorKind::TooSmall {
            min: "0".to_owned(),
        });
    }
    let d = d.normalize();
    if d.scale() > exponent {
        return Err(ErrorKind::InvalidLiteral {
            what: "budget".to_owned(),
            value: amount.to_owned(),
            reason: Some(format!(
                "more decimal places than the engine's currency ({exponent})"
            )),
        });
    }
    let minor = d.mantissa() * 10i128.pow(exponent - d.scale());
    i64::try_from(minor).map_err(|_| ErrorKind::TooLarge {
        max: i64::MAX.to_string(),
    })
}

/// Compiles the limits of every campaign, with every error found.
pub fn compile(def: &EngineDef, exponent: u32) -> (Limits, Vec<Error>) {
    let mut errs = Vec::new();
    let mut out = Limits {
        case_sensitive: def.codes_case_sensitive,
        ..Limits::default()
    };
    for (ci, c) in def.campaigns.iter().enumerate() {
        let automatic =
            c.code.is_none() && c.codes.as_ref().is_none_or(Vec::is_empty) && !c.unique_codes;
        out.automatic.push(automatic);
        let mut list = Vec::with_capacity(c.limits.len());
        for (li, l) in c.limits.iter().enumerate() {
            let at = |field: &str, kind: ErrorKind| {
                let loc = vec![
                    Loc::key("campaigns"),
                    Loc::Index(ci),
                    Loc::key("limits"),
                    Loc::Index(li),
                    Loc::key(field),
                ];
                Error::new(kind, loc)
            };
            let (counted, max, partial, per, every, timezone, key) = match l {
                UsageLimit::Limit {
                    max,
                    per,
                    every,
                    timezone,
                    key,
                } => {
                    let Ok(max) = i64::try_from(*max) else {
                        errs.push(at(
                            "max",
                            ErrorKind::TooLarge {
                                max: i64::MAX.to_string(),
                            },
                        ));
                        continue;
                    };
                    (Counted::Count, max, false, *per, *every, timezone, key)
                }
                UsageLimit::Budget {
                    amount,
                    every,
                    timezone,
                    key,
                    partial,
                } => match budget_minor(amount, exponent) {
                    Ok(max) => (Counted::Budget, max, *partial, None, *every, timezone, key),
                    Err(m) => {
                        errs.push(at("amount", m));
                        continue;
                    }
                },
            };
            let Some(tz) = time::parse_tz(timezone) else {
                errs.push(at(
                    "timezone",
                    crate::compile::literal::unknown_timezone(timezone),
                ));
                continue;
            };
            if per == Some(Per::Code) && automatic {
                errs.push(at(
                    "per",
                    ErrorKind::Incompatible {
                        option: "per='code'".to_owned(),
                        other: "a campaign without codes (code, codes or unique_codes)".to_owned(),
                    },
                ));
                continue;
            }
            if key.as_ref().is_some_and(|k| k.trim().is_empty()) {
                errs.push(at("key", ErrorKind::Empty { hint: None }));
                continue;
            }
            let detail = match (key, counted) {
                (Some(k), _) => k.clone(),
                (None, Counted::Budget) => "budget".to_owned(),
                (None, Counted::Count) => detail(per, every.is_some()).to_owned(),
            };
            list.push(CLimit {
                counted,
                max,
                partial,
                per,
                every: every.map(|e| (e, tz, timezone.clone())),
                scope: key
                    .as_ref()
                    .map_or_else(|| (false, c.id.clone()), |k| (true, k.clone())),
                detail,
            });
        }
        out.any |= !list.is_empty();
        out.campaigns.push(list);
    }
    (out, errs)
}

/// Why a limit blocks a campaign: the fields of its `Rejected`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub reason: Reason,
    pub detail: String,
    pub actual: Option<Reported>,
    pub expected: Option<Reported>,
}

/// What this evaluation has counted so far, per counter of its [`Meter`].
#[derive(Debug, Clone, Default)]
pub struct Usage(Vec<i64>);

/// The limits of one evaluation: the counters its candidates need, read from a snapshot.
#[derive(Debug)]
pub struct Meter<'a> {
    limits: &'a Limits,
    exponent: u32,
    keys: Vec<String>,
    /// Snapshot value of each key.
    base: Vec<i64>,
    /// By campaign index, per limit: the key's index, or `None` for a per-customer limit
    /// without a customer id. Empty for campaigns that are not limited candidates.
    slots: Vec<Vec<Option<usize>>>,
}

impl<'a> Meter<'a> {
    /// The counters of the candidates (automatic campaigns, and those whose code is in
    /// `matched`, by campaign index), valued from `snapshot` (absent: all 0).
    pub fn new(
        limits: &'a Limits,
        input: &Input,
        matched: &[Option<&str>],
        snapshot: Option<&Snapshot>,
        exponent: u32,
    ) -> Self {
        Self::build(limits, input, matched, snapshot, exponent, true)
    }

    /// The counters of the campaigns whose code is in `matched` alone (no automatic ones):
    /// what a wallet reads for its codes.
    pub fn of_codes(
        limits: &'a Limits,
        input: &Input,
        matched: &[Option<&str>],
        snapshot: Option<&Snapshot>,
        exponent: u32,
    ) -> Self {
        Self::build(limits, input, matched, snapshot, exponent, false)
    }

    fn build(
        limits: &'a Limits,
        input: &Input,
        matched: &[Option<&str>],
        snapshot: Option<&Snapshot>,
        exponent: u32,
        automatic: bool,
    ) -> Self {
        let customer = input.customer.as_ref().and_then(|c| c.id.as_deref());
        let now = input.context.now;
        // One key per limit of each limited candidate, often shared.
        let mut keys = KeyList::default();
        let mut slots = Vec::with_capacity(limits.campaigns.len());
        for (ci, list) in limits.campaigns.iter().enumerate() {
            let code = matched.get(ci).copied().flatten();
            let candidate =
                (automatic && limits.automatic.get(ci).copied().unwrap_or(false)) || code.is_some();
            if list.is_empty() || !candidate {
                slots.push(Vec::new());
                continue;
            }
            // A matched code is a campaign's own, whose key compiled.
            let code = code.map(|c| {
                crate::codes::key_with(c, limits.case_sensitive).unwrap_or_else(|_| c.to_owned())
            });
            let mut mine = Vec::with_capacity(list.len());
            for l in list {
                let cust = if l.per == Some(Per::Customer) {
                    if customer.is_none() {
                        mine.push(None);
                        continue;
                    }
                    customer
                } else {
                    None
                };
                let period = l
                    .every
                    .as_ref()
                    .map(|(e, tz, _)| (*e, keys::period(*e, *tz, now).unwrap_or_default()));
                let k = keys::key(&KeyParts {
                    counted: l.counted,
                    scope: (l.scope.0, &l.scope.1),
                    customer: cust,
                    code: if l.per == Some(Per::Code) {
                        code.as_deref()
                    } else {
                        None
                    },
                    period: match (&l.every, &period) {
                        (Some((_, _, name)), Some((e, p))) => Some((*e, name.as_str(), p.as_str())),
                        _ => None,
                    },
                });
                mine.push(Some(keys.insert(k)));
            }
            slots.push(mine);
        }
        let keys = keys.into_vec();
        let base = keys
            .iter()
            .map(|k| snapshot.map_or(0, |s| s.get(k)))
            .collect();
        Self {
            limits,
            exponent,
            keys,
            base,
            slots,
        }
    }

    /// The counter keys this evaluation reads.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// A fresh tally for one pass of stacking.
    pub fn usage(&self) -> Usage {
        Usage(vec![0; self.keys.len()])
    }

    fn value(&self, used: i64, counted: Counted) -> Reported {
        Reported::Num(match counted {
            Counted::Count => Decimal::from(used),
            Counted::Budget => from_minor(i128::from(used), self.exponent),
        })
    }

    fn block(&self, l: &CLimit, used: Option<i64>) -> Block {
        let Some(used) = used else {
            return Block {
                reason: Reason::LimitReached,
                detail: "customer required".to_owned(),
                actual: None,
                expected: Some(self.value(l.max, l.counted)),
            };
        };
        Block {
            reason: match l.counted {
                Counted::Count => Reason::LimitReached,
                Counted::Budget => Reason::BudgetExhausted,
            },
            detail: l.detail.clone(),
            actual: Some(self.value(used, l.counted)),
            expected: Some(self.value(l.max, l.counted)),
        }
    }

    /// Check 1: the first limit of campaign `ci` that blocks on the snapshot alone.
    pub fn prefilter(&self, ci: usize) -> Option<Block> {
        let slots = self.slots.get(ci)?;
        for (l, slot) in self.limits.campaigns[ci].iter().zip(slots) {
            let Some(k) = *slot else {
                return Some(self.block(l, None));
            };
            let used = self.base[k];
            let blocks = match l.counted {
                Counted::Count => i128::from(used) + 1 > i128::from(l.max),
                Counted::Budget => used >= l.max,
            };
            if blocks {
                return Some(self.block(l, Some(used)));
            }
        }
        None
    }

    /// Whether a per-code count limit of campaign `ci` is reached on the snapshot: its code is
    /// used up (a wallet shows it as `used`).
    pub fn code_used(&self, ci: usize) -> bool {
        let Some(slots) = self.slots.get(ci) else {
            return false;
        };
        self.limits.campaigns[ci]
            .iter()
            .zip(slots)
            .any(|(l, slot)| match (l.per, l.counted, slot) {
                (Some(Per::Code), Counted::Count, Some(k)) => {
                    i128::from(self.base[*k]) + 1 > i128::from(l.max)
                }
                _ => false,
            })
    }

    /// Check 2: whether campaign `ci` may apply discount `d` given what this evaluation has
    /// counted; shrinks `d` to what is left of its budgets (returning `true` then) and counts
    /// the application in `usage`.
    pub fn admit(&self, ci: usize, d: &mut Discount, usage: &mut Usage) -> Result<bool, Block> {
        let Some(slots) = self.slots.get(ci).filter(|s| !s.is_empty()) else {
            return Ok(false);
        };
        let list = &self.limits.campaigns[ci];
        let amount = d.total();
        let mut left_min: Option<i128> = None;
        for (l, slot) in list.iter().zip(slots) {
            let Some(k) = *slot else {
                return Err(self.block(l, None));
            };
            let used = self.base[k].saturating_add(usage.0[k]);
            match l.counted {
                Counted::Count => {
                    if i128::from(used) + 1 > i128::from(l.max) {
                        return Err(self.block(l, Some(used)));
                    }
                }
                Counted::Budget => {
                    let left = i128::from(l.max) - i128::from(used);
                    if left <= 0 || (!l.partial && amount > left) {
                        return Err(self.block(l, Some(used)));
                    }
                    left_min = Some(left_min.map_or(left, |m| m.min(left)));
                }
            }
        }
        let limited = left_min.is_some_and(|left| amount > left);
        if let Some(left) = left_min.filter(|_| limited) {
            shrink(d, left);
        }
        let amount = i64::try_from(d.total()).unwrap_or(i64::MAX);
        for (i, (l, slot)) in list.iter().zip(slots).enumerate() {
            let Some(k) = *slot else { continue };
            if slots[..i].contains(&Some(k)) {
                continue;
            }
            let add = match l.counted {
                Counted::Count => 1,
                Counted::Budget => amount,
            };
            usage.0[k] = usage.0[k].saturating_add(add);
        }
        Ok(limited)
    }

    /// Check 3: the deltas of the campaigns applied, `(campaign index, final amount in minor
    /// units)` in the order they applied; one per counter that moves, in order of first use.
    pub fn deltas(&self, applied: impl IntoIterator<Item = (usize, i128)>) -> Vec<Delta> {
        // Per key: (total added, min over applications of max_j - cum_j).
        let mut acc: Vec<(usize, i128, i128)> = Vec::new();
        for (ci, amount) in applied {
            let Some(slots) = self.slots.get(ci).filter(|s| !s.is_empty()) else {
                continue;
            };
            let list = &self.limits.campaigns[ci];
            for (i, (l, slot)) in list.iter().zip(slots).enumerate() {
                let Some(k) = *slot else { continue };
                if slots[..i].contains(&Some(k)) {
                    continue;
                }
                // The tightest bound among this campaign's limits on the same counter.
                let max = list
                    .iter()
                    .zip(slots)
                    .filter(|(_, s)| **s == Some(k))
                    .map(|(l, _)| i128::from(l.max))
                    .min()
                    .unwrap_or(i128::from(l.max));
                let add = match l.counted {
                    Counted::Count => 1,
                    Counted::Budget => amount.max(0),
                };
                let p = acc
                    .iter()
                    .position(|(key, _, _)| *key == k)
                    .unwrap_or_else(|| {
                        acc.push((k, 0, i128::MAX));
                        acc.len() - 1
                    });
                let entry = &mut acc[p];
                entry.1 += add;
                entry.2 = entry.2.min(max - entry.1);
            }
        }
        acc.into_iter()
            .filter(|(_, total, _)| *total != 0)
            .map(|(k, total, slack)| Delta {
                key: self.keys[k].clone(),
                add: i64::try_from(total).unwrap_or(i64::MAX),
                max: Some(i64::try_from(slack + total).unwrap_or(i64::MAX)),
                min: None,
            })
            .collect()
    }
}

/// Reduces a discount to `to` minor units, re-split over its shares by largest remainder
/// (shipping weighs last), as `max_discount` does.
fn shrink(d: &mut Discount, to: i128) {
    let mut weights = d.lines.clone();
    weights.push(d.shipping);
    let mut shares = largest_remainder(to, &weights);
    d.shipping = shares.pop().unwrap_or(0);
    d.lines = shares;
    d.resplit_methods();
}
