//! IR -> [`Program`]: validates a definition, resolves and type-checks every expression, folds
//! constants, and precomputes what evaluation needs. Reports every error found, each with the
//! location of the offending node.

pub mod expr;
pub mod node;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono_tz::Tz;

pub use expr::{build_regex, Scope};
use expr::{check_limits, tz_hint, Env, Ty};
use node::{Node, Rule};

use crate::ir::{self, Allocation, EngineDef, Expr, Limits, Target};
use crate::money;
use crate::num::RoundMode;
use crate::time;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    Key(String),
    Index(usize),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(k) => f.write_str(k),
            Self::Index(i) => write!(f, "{i}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub loc: Vec<Loc>,
    pub msg: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.loc.is_empty() {
            return f.write_str(&self.msg);
        }
        let path: Vec<String> = self.loc.iter().map(ToString::to_string).collect();
        write!(f, "{}: {}", path.join("."), self.msg)
    }
}

/// All errors found in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileErrors(pub Vec<CompileError>);

impl fmt::Display for CompileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the definition",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileErrors {}

/// Which units of the selected lines an `items(...)` target keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Cheapest(u32),
    MostExpensive(u32),
}

/// A compiled target.
#[derive(Debug, Clone)]
pub enum CTarget {
    Order,
    Shipping,
    Items {
        /// Item predicate (slot 0 is `item`); `None`: every line.
        pred: Option<Node>,
        pick: Option<Pick>,
        max_quantity: Option<u32>,
    },
}

/// A compiled effect.
#[derive(Debug, Clone)]
pub enum CEffect {
    PercentOff {
        percent: Node,
        cap: Option<Node>,
        on: CTarget,
    },
    AmountOff {
        amount: Node,
        on: CTarget,
        each: bool,
    },
    FixedPrice {
        price: Node,
        on: CTarget,
    },
    ShippingOff {
        amount: Node,
        percent: bool,
    },
    BuyXGetY {
        buy: Option<Node>,
        buy_quantity: Node,
        /// `None`: the same set as `buy`.
        get: Option<Node>,
        get_quantity: Node,
        percent: Node,
        max_applications: Option<Node>,
    },
    Gift {
        sku: String,
        quantity: u32,
        price: Node,
    },
}

#[derive(Debug, Clone)]
pub enum Body {
    Effect(Box<CEffect>),
    Tiers(Vec<(Option<Rule>, CEffect)>),
}

#[derive(Debug, Clone)]
pub struct CSchedule {
    /// `None`: every day.
    pub weekdays: Option<Vec<u8>>,
    pub hours: Option<(u8, u8)>,
    pub tz: Tz,
}

#[derive(Debug, Clone)]
pub struct CCampaign {
    pub id: String,
    pub automatic: bool,
    pub active: bool,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub schedule: Option<CSchedule>,
    pub rules: Option<Rule>,
    pub body: Body,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub def: EngineDef,
    pub exponent: u32,
    pub mode: RoundMode,
    pub campaigns: Vec<CCampaign>,
    /// Campaign indices in evaluation order: priority descending, then position.
    pub order: Vec<usize>,
    /// Normalised code -> (campaign index, the campaign's spelling).
    pub codes: HashMap<String, (usize, String)>,
    /// `Stacking.max_discount`, parsed (a percent; clamped to [0, 100] when used).
    pub max_discount: Option<rust_decimal::Decimal>,
    /// Distinct rule leaves (by text): the size of the per-evaluation memo.
    pub leaves: usize,
    /// Usage limits and budgets of each campaign (`crate::state`).
    pub usage_limits: crate::state::Limits,
    /// Whether a campaign accepts the codes of its pool (`crate::state::pools`): only then do
    /// given codes that no campaign defines need a store lookup.
    pub pooled: bool,
    /// Loyalty programmes and what they issue (`crate::programs`).
    pub programs: crate::programs::Programs,
}

/// Gives every campaign and tier leaf its memo slot, one per distinct text. Sound because a
/// leaf of a campaign or tier rule has no free variables: its value depends on the cart alone,
/// and two leaves that print the same are the same condition.
fn assign_leaf_slots(campaigns: &mut [CCampaign]) -> usize {
    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut assign = |l: &mut crate::compile::node::Leaf| {
        let next = slots.len();
        l.slot = *slots.entry(l.text.clone()).or_insert(next);
    };
    for c in campaigns {
        if let Some(r) = &mut c.rules {
            r.leaves_mut(&mut assign);
        }
        if let Body::Tiers(tiers) = &mut c.body {
            for r in tiers.iter_mut().filter_map(|(r, _)| r.as_mut()) {
                r.leaves_mut(&mut assign);
            }
        }
    }
    slots.len()
}

/// A compiled engine: immutable, `Send + Sync`, cheap to clone.
#[derive(Debug, Clone)]
pub struct Program(pub(crate) Arc<Inner>);

impl Program {
    pub fn def(&self) -> &EngineDef {
        &self.0.def
    }
}

struct Errs(Vec<CompileError>);

impl Errs {
    fn push(&mut self, loc: &[Loc], msg: impl Into<String>) {
        self.0.push(CompileError {
            loc: loc.to_vec(),
            msg: msg.into(),
        });
    }
}

fn key(k: &str) -> Loc {
    Loc::Key(k.to_owned())
}

fn at(base: &[Loc], more: &[Loc]) -> Vec<Loc> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}

/// Compiles one expression in a scope, pushing errors at `loc`.
fn compile_expr(
    e: &Expr,
    scope: Scope,
    limits: &Limits,
    mode: RoundMode,
    loc: &[Loc],
    errs: &mut Errs,
) -> Node {
    if let Err(m) = check_limits(e, limits) {
        errs.push(loc, m);
        return Node::Const(crate::value::Val::Null);
    }
    let mut env = Env::new(scope, mode);
    let (n, t) = env.expr(e, true);
    match scope {
        Scope::Number => {
            if !matches!(t, Ty::Num | Ty::Dyn) {
                env.errors.push(format!(
                    "in `{}`: an effect amount must be a num, got {t}",
                    crate::syntax::print(e)
                ));
            }
        }
        Scope::Rules | Scope::Item => {
            if !matches!(t, Ty::Bool | Ty::Dyn | Ty::Null) {
                env.errors.push(format!(
                    "in `{}`: a condition must be a bool, got {t}",
                    crate::syntax::print(e)
                ));
            }
        }
    }
    for m in env.errors {
        errs.push(loc, m);
    }
    n
}

fn compile_rule(
    e: &Expr,
    limits: &Limits,
    mode: RoundMode,
    loc: &[Loc],
    errs: &mut Errs,
) -> Option<Rule> {
    if let Err(m) = check_limits(e, limits) {
        errs.push(loc, m);
        return None;
    }
    let mut env = Env::new(Scope::Rules, mode);
    let r = env.rule(e);
    for m in env.errors {
        errs.push(loc, m);
    }
    Some(r)
}

/// Checks one expression on its own.
pub fn check_expr(expr: &Expr, scope: Scope, limits: &Limits) -> Result<(), CompileErrors> {
    let mut errs = Errs(Vec::new());
    if scope == Scope::Rules {
        compile_rule(expr, limits, RoundMode::HalfEven, &[], &mut errs);
    } else {
        compile_expr(expr, scope, limits, RoundMode::HalfEven, &[], &mut errs);
    }
    if errs.0.is_empty() {
        Ok(())
    } else {
        Err(CompileErrors(errs.0))
    }
}

fn compile_target(
    on: &Target,
    limits: &Limits,
    mode: RoundMode,
    loc: &[Loc],
    errs: &mut Errs,
) -> Option<CTarget> {
    match on {
        Target::Order => Some(CTarget::Order),
        Target::Shipping => Some(CTarget::Shipping),
        Target::Items {
            pred,
            cheapest,
            most_expensive,
            max_quantity,
        } => {
            let pred = pred.as_ref().map(|p| {
                compile_expr(p, Scope::Item, limits, mode, &at(loc, &[key("pred")]), errs)
            });
            let pick = match (cheapest, most_expensive) {
                (Some(_), Some(_)) => {
                    errs.push(
                        loc,
                        "a target takes either 'cheapest' or 'most_expensive', not both",
                    );
                    return None;
                }
                (Some(n), None) => Some(Pick::Cheapest(*n)),
                (None, Some(n)) => Some(Pick::MostExpensive(*n)),
                (None, None) => None,
            };
            Some(CTarget::Items {
                pred,
                pick,
                max_quantity: *max_quantity,
            })
        }
    }
}

fn compile_effect(
    e: &ir::Effect,
    limits: &Limits,
    mode: RoundMode,
    loc: &[Loc],
    errs: &mut Errs,
) -> Option<CEffect> {
    let num = |x: &Expr, name: &str, errs: &mut Errs| {
        compile_expr(x, Scope::Number, limits, mode, &at(loc, &[key(name)]), errs)
    };
    let pred = |x: &Expr, name: &str, errs: &mut Errs| {
        compile_expr(x, Scope::Item, limits, mode, &at(loc, &[key(name)]), errs)
    };
    let target = |on: &Target, errs: &mut Errs| {
        compile_target(on, limits, mode, &at(loc, &[key("on")]), errs)
    };
    match e {
        ir::Effect::PercentOff { percent, on, cap } => {
            let on = target(on, errs);
            let percent = num(percent, "percent", errs);
            let cap = cap.as_ref().map(|c| num(c, "cap", errs));
            Some(CEffect::PercentOff {
                percent,
                cap,
                on: on?,
            })
        }
        ir::Effect::AmountOff {
            amount,
            on,
            allocation,
        } => {
            let each = *allocation == Allocation::Each;
            let bad = each && matches!(on, Target::Shipping);
            if bad {
                errs.push(
                    &at(loc, &[key("allocation")]),
                    "amount_off allocation 'each' needs item units; it cannot apply to the shipping target",
                );
            }
            let on = target(on, errs);
            let amount = num(amount, "amount", errs);
            (!bad).then_some(())?;
            Some(CEffect::AmountOff {
                amount,
                on: on?,
                each,
            })
        }
        ir::Effect::FixedPrice { price, on } => {
            let on = target(on, errs);
            let price = num(price, "price", errs);
            Some(CEffect::FixedPrice { price, on: on? })
        }
        ir::Effect::ShippingOff { amount, percent } => {
            let amount = num(amount, "amount", errs);
            Some(CEffect::ShippingOff {
                amount,
                percent: *percent,
            })
        }
        ir::Effect::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
            max_applications,
        } => {
            let buy = buy.as_ref().map(|b| pred(b, "buy", errs));
            let buy_quantity = num(buy_quantity, "buy_quantity", errs);
            let get = get.as_ref().map(|g| pred(g, "get", errs));
            let get_quantity = num(get_quantity, "get_quantity", errs);
            let percent = num(percent, "percent", errs);
            let max_applications = max_applications
                .as_ref()
                .map(|m| num(m, "max_applications", errs));
            Some(CEffect::BuyXGetY {
                buy,
                buy_quantity,
                get,
                get_quantity,
                percent,
                max_applications,
            })
        }
        ir::Effect::Gift {
            sku,
            quantity,
            price,
        } => {
            let price = num(price, "price", errs);
            Some(CEffect::Gift {
                sku: sku.clone(),
                quantity: *quantity,
                price,
            })
        }
    }
}

fn compile_time(s: Option<&String>, name: &str, loc: &[Loc], errs: &mut Errs) -> Option<i64> {
    let s = s?;
    let t = time::parse_timestamp(s);
    if t.is_none() {
        errs.push(&at(loc, &[key(name)]), format!("invalid timestamp \"{s}\": expected RFC 3339 with an offset, e.g. 2026-11-27T00:00:00Z"));
    }
    t
}

fn compile_schedule(s: &ir::Schedule, loc: &[Loc], errs: &mut Errs) -> Option<CSchedule> {
    let loc = at(loc, &[key("schedule")]);
    let mut ok = true;
    if let Some(days) = &s.weekdays {
        for (i, d) in days.iter().enumerate() {
            if !(1..=7).contains(d) {
                errs.push(
                    &at(&loc, &[key("weekdays"), Loc::Index(i)]),
                    format!("weekday {d} is not in 1..7 (1 = Monday)"),
                );
                ok = false;
            }
        }
    }
    if let Some((a, b)) = s.hours {
        if a > 24 || b > 24 {
            errs.push(
                &at(&loc, &[key("hours")]),
                format!("hours ({a}, {b}) must be in 0..24"),
            );
            ok = false;
        } else if a == b {
            errs.push(
                &at(&loc, &[key("hours")]),
                format!("hours ({a}, {b}) are empty; use (0, 24) for the whole day"),
            );
            ok = false;
        }
    }
    let tz = time::parse_tz(&s.timezone);
    if tz.is_none() {
        errs.push(
            &at(&loc, &[key("timezone")]),
            format!("unknown timezone '{}'{}", s.timezone, tz_hint(&s.timezone)),
        );
    }
    let weekdays = s.weekdays.clone().filter(|w| !w.is_empty());
    Some(CSchedule {
        weekdays,
        hours: s.hours,
        tz: tz?,
    })
    .filter(|_| ok)
}

/// Compiles an engine definition.
pub fn compile(def: &EngineDef) -> Result<Program, CompileErrors> {
    // Rewards of programmes are campaigns selected by the codes a store issued for them.
    let expanded;
    let user_campaigns = def.campaigns.len();
    let def = if def.programs.is_empty() {
        def
    } else {
        let mut d = def.clone();
        d.campaigns
            .extend(crate::programs::reward_campaigns(&def.programs));
        expanded = d;
        &expanded
    };
    let mut errs = Errs(Vec::new());
    if def.version != ir::IR_VERSION {
        errs.push(
            &[key("version")],
            format!(
                "unsupported IR version {}; this build reads version {}",
                def.version,
                ir::IR_VERSION
            ),
        );
    }
    let exponent = money::currency_exponent(&def.currency);
    if exponent.is_none() {
        let codes: Vec<String> = money::currencies().into_iter().map(|(c, _)| c).collect();
        let hint = expr::did_you_mean(&def.currency, codes.iter().map(String::as_str))
            .map_or_else(String::new, |c| format!("; did you mean '{c}'?"));
        errs.push(
            &[key("currency")],
            format!("unknown currency '{}'{hint}", def.currency),
        );
    }
    if def.stacking.max_applied == Some(0) {
        errs.push(
            &[key("stacking"), key("max_applied")],
            "stacking max_applied must be at least 1 (or null for no limit)",
        );
    }
    let max_discount = def.stacking.max_discount.as_ref().and_then(|m| {
        expr::parse_num_literal(m.trim())
            .map_err(|e| {
                errs.push(
                    &[key("stacking"), key("max_discount")],
                    format!("stacking max_discount must be a decimal percent: {e}"),
                );
            })
            .ok()
    });
    let mode = money::round_mode(def.rounding);
    let limits = &def.limits;
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut codes: HashMap<String, (usize, String)> = HashMap::new();
    let mut campaigns = Vec::with_capacity(def.campaigns.len());
    for (ci, c) in def.campaigns.iter().enumerate() {
        let loc = vec![key("campaigns"), Loc::Index(ci)];
        if c.id.trim().is_empty() {
            errs.push(&at(&loc, &[key("id")]), "campaign id must not be empty");
        } else if let Some(prev) = ids.insert(&c.id, ci) {
            errs.push(
                &at(&loc, &[key("id")]),
                format!("duplicate campaign id '{}' (also campaigns[{prev}])", c.id),
            );
        }
        let mut given: Vec<(Vec<Loc>, &String)> = Vec::new();
        if let Some(code) = &c.code {
            given.push((at(&loc, &[key("code")]), code));
        }
        for (j, code) in c.codes.iter().flatten().enumerate() {
            given.push((at(&loc, &[key("codes"), Loc::Index(j)]), code));
        }
        for (cl, code) in &given {
            let norm = match crate::codes::key(code) {
                Ok(norm) => norm,
                Err(kind) => {
                    errs.push(cl, kind.message());
                    continue;
                }
            };
            if norm.is_empty() {
                errs.push(cl, "a code must not be empty");
            } else if let Some((other, _)) = codes.get(&norm) {
                errs.push(cl, format!("duplicate code '{}' (codes match once normalised: case-insensitively, compatibility forms alike; also in campaign '{}')", code.trim(), def.campaigns[*other].id));
            } else {
                codes.insert(norm, (ci, (*code).clone()));
            }
        }
        let starts_at = compile_time(c.starts_at.as_ref(), "starts_at", &loc, &mut errs);
        let ends_at = compile_time(c.ends_at.as_ref(), "ends_at", &loc, &mut errs);
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if s >= e {
                errs.push(
                    &at(&loc, &[key("ends_at")]),
                    "ends_at must be after starts_at",
                );
            }
        }
        let schedule = c
            .schedule
            .as_ref()
            .and_then(|s| compile_schedule(s, &loc, &mut errs));
        let rules = c
            .rules
            .as_ref()
            .and_then(|r| compile_rule(r, limits, mode, &at(&loc, &[key("rules")]), &mut errs));
        let body = match (&c.effect, &c.tiers) {
            (Some(e), None) => {
                compile_effect(e, limits, mode, &at(&loc, &[key("effect")]), &mut errs)
                    .map(|e| Body::Effect(Box::new(e)))
            }
            (None, Some(tiers)) => {
                if tiers.is_empty() {
                    errs.push(&at(&loc, &[key("tiers")]), "tiers must not be empty");
                }
                let mut out = Vec::with_capacity(tiers.len());
                for (ti, t) in tiers.iter().enumerate() {
                    let tl = at(&loc, &[key("tiers"), Loc::Index(ti)]);
                    let r = t.rules.as_ref().and_then(|r| {
                        compile_rule(r, limits, mode, &at(&tl, &[key("rules")]), &mut errs)
                    });
                    let e = compile_effect(
                        &t.effect,
                        limits,
                        mode,
                        &at(&tl, &[key("effect")]),
                        &mut errs,
                    );
                    if let Some(e) = e {
                        out.push((r, e));
                    }
                }
                Some(Body::Tiers(out))
            }
            (Some(_), Some(_)) => {
                errs.push(
                    &loc,
                    "a campaign takes either 'effect' or 'tiers', not both",
                );
                None
            }
            (None, None) => {
                errs.push(&loc, "a campaign needs an 'effect' or 'tiers'");
                None
            }
        };
        if let Some(body) = body {
            campaigns.push(CCampaign {
                id: c.id.clone(),
                automatic: given.is_empty() && !c.unique_codes,
                active: c.active,
                starts_at,
                ends_at,
                schedule,
                rules,
                body,
            });
        }
    }
    let (usage_limits, limit_errors) = crate::state::compile(def, exponent.unwrap_or(2));
    for (loc, msg) in limit_errors {
        errs.0.push(CompileError { loc, msg });
    }
    let programs = crate::programs::compile::compile(
        &def.programs,
        user_campaigns,
        &def.campaigns,
        exponent.unwrap_or(2),
        mode,
        limits,
        &mut errs.0,
    );
    if !errs.0.is_empty() {
        return Err(CompileErrors(errs.0));
    }
    let leaves = assign_leaf_slots(&mut campaigns);
    let mut order: Vec<usize> = (0..def.campaigns.len()).collect();
    order.sort_by(|a, b| {
        def.campaigns[*b]
            .priority
            .cmp(&def.campaigns[*a].priority)
            .then(a.cmp(b))
    });
    Ok(Program(Arc::new(Inner {
        def: def.clone(),
        exponent: exponent.unwrap_or(2),
        mode,
        campaigns,
        order,
        codes,
        max_discount,
        leaves,
        usage_limits,
        pooled: def.campaigns.iter().any(|c| c.unique_codes),
        programs,
    })))
}

/// A rule of a programme (an earning rule), compiled as campaign rules are.
pub(crate) fn program_rule(
    e: &Expr,
    limits: &Limits,
    mode: RoundMode,
    loc: &[Loc],
    out: &mut Vec<CompileError>,
) -> Option<Rule> {
    let mut errs = Errs(Vec::new());
    let r = compile_rule(e, limits, mode, loc, &mut errs);
    out.extend(errs.0);
    r
}

/// A schedule of a programme's rule, compiled as a campaign's is.
pub(crate) fn program_schedule(
    s: &ir::Schedule,
    loc: &[Loc],
    out: &mut Vec<CompileError>,
) -> Option<CSchedule> {
    let mut errs = Errs(Vec::new());
    let c = compile_schedule(s, loc, &mut errs);
    out.extend(errs.0);
    c
}

/// A timestamp of a programme's rule, compiled as a campaign's `starts_at` is.
pub(crate) fn program_time(
    s: Option<&String>,
    name: &str,
    loc: &[Loc],
    out: &mut Vec<CompileError>,
) -> Option<i64> {
    let mut errs = Errs(Vec::new());
    let t = compile_time(s, name, loc, &mut errs);
    out.extend(errs.0);
    t
}
