//! IR -> [`Program`]: the driver. Validates a definition, resolves and type-checks every
//! expression (`expr.rs`, `resolve.rs`), bounds its work (`bounds.rs`), folds constants
//! (`fold.rs`), and builds the compiled types (`types.rs`, and each effect's own type in
//! `eval/effects/`). Reports every error found, each located at its node.

pub mod bounds;
mod call;
pub mod expr;
mod fold;
pub mod literal;
pub mod node;
mod program;
mod resolve;
mod schedule;
mod settings;
mod tiers;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

pub use crate::error::Loc;
use crate::error::{Error, ErrorKind, Errors};
pub use expr::Scope;
use expr::{Env, Ty};
pub use literal::{build_regex, did_you_mean};
use node::{Node, Rule};
pub(crate) use program::Inner;
pub use program::Program;
use schedule::{compile_schedule, compile_time};
pub(crate) use schedule::{program_schedule, program_time};
use settings::{check_bounds, compile_stacking};
pub use types::{Body, CCampaign, CEffect, CSchedule, CTarget, Pick};

use crate::ir::{self, EngineDef, Expr, RuleBounds, Target};
use crate::money;
use crate::num::RoundMode;
use crate::value::Value;

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errs(Vec<Error>);

impl Errs {
    pub(crate) fn push(&mut self, loc: &[Loc], kind: ErrorKind) {
        self.0.push(Error::new(kind, loc.to_vec()));
    }
}

fn key(k: &str) -> Loc {
    Loc::key(k)
}

fn at(base: &[Loc], more: &[Loc]) -> Vec<Loc> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}

/// How much of a definition is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Everything: what an engine runs.
    Full,
    /// The structure and the literals, not the expressions: what a part of a definition is
    /// checked with when it is built (`pm.percent_off(150)`, `pm.Campaign(codes=[])`), before
    /// the engine's bounds are known. A number given as an expression compiles to `null`.
    Structure,
}

/// What compiling one part of a definition needs.
struct Cx<'c> {
    bounds: &'c RuleBounds,
    mode: RoundMode,
    depth: Depth,
    errs: &'c mut Errs,
    /// `EngineDef::codes_case_sensitive`: how campaign codes are keyed.
    case_sensitive: bool,
}

impl Cx<'_> {
    /// Compiles one expression in a scope, pushing errors at `loc`.
    fn expr(&mut self, e: &Expr, scope: Scope, loc: &[Loc]) -> Node {
        if self.depth == Depth::Structure {
            return match e {
                Expr::Num { value } => literal::parse_num_literal(value)
                    .map_or(Node::Const(Value::Null), |d| Node::Const(Value::Num(d))),
                _ => Node::Const(Value::Null),
            };
        }
        if let Err(k) = bounds::check_shape(e, self.bounds) {
            self.errs.push(loc, k);
            return Node::Const(Value::Null);
        }
        let mut env = Env::new(scope, self.mode);
        let t = env.expr(e, true);
        match scope {
            Scope::Number => {
                if !matches!(t.ty, Ty::Num | Ty::Dyn) {
                    env.type_err(e, "an effect amount", "a num", t.ty);
                }
            }
            Scope::Rules | Scope::Item | Scope::Method => {
                if !t.ty.boolish() {
                    env.type_err(e, "a condition", "a bool", t.ty);
                }
            }
        }
        self.finish(env, loc);
        t.node
    }

    fn rule(&mut self, e: &Expr, loc: &[Loc]) -> Option<Rule> {
        if self.depth == Depth::Structure {
            return None;
        }
        if let Err(k) = bounds::check_shape(e, self.bounds) {
            self.errs.push(loc, k);
            return None;
        }
        let mut env = Env::new(Scope::Rules, self.mode);
        let r = env.rule(e);
        self.finish(env, loc);
        Some(r)
    }

    /// Moves the expression's errors to `loc`, and checks its cost.
    fn finish(&mut self, env: Env, loc: &[Loc]) {
        let clean = env.errors.is_empty();
        for (path, kind) in env.errors {
            self.errs.push(&at(loc, &path), kind);
        }
        if clean && env.cost > self.bounds.max_cost {
            self.errs.push(
                loc,
                ErrorKind::TooComplex {
                    max: self.bounds.max_cost,
                },
            );
        }
    }

    fn target(&mut self, on: &Target, loc: &[Loc]) -> Option<CTarget> {
        match on {
            Target::Order => Some(CTarget::Order),
            Target::Shipping { pred, allocation } => {
                let pred = pred
                    .as_ref()
                    .map(|p| self.expr(p, Scope::Method, &at(loc, &[key("pred")])));
                Some(CTarget::Shipping {
                    pred,
                    each: *allocation == crate::ir::Allocation::Each,
                })
            }
            Target::Items {
                pred,
                cheapest,
                most_expensive,
                max_quantity,
                groups_of,
            } => {
                if *groups_of == Some(0) {
                    self.errs.push(
                        &at(loc, &[key("groups_of")]),
                        ErrorKind::TooSmall {
                            min: "1".to_owned(),
                        },
                    );
                    return None;
                }
                let pred = pred
                    .as_ref()
                    .map(|p| self.expr(p, Scope::Item, &at(loc, &[key("pred")])));
                let pick = match (cheapest, most_expensive) {
                    (Some(_), Some(_)) => {
                        self.errs.push(
                            &at(loc, &[key("most_expensive")]),
                            ErrorKind::Incompatible {
                                option: "most_expensive".to_owned(),
                                other: "cheapest".to_owned(),
                            },
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
                    groups_of: *groups_of,
                })
            }
        }
    }
}

/// What an effect's compile function (in `eval/effects/`) is handed: its location, and ways to
/// compile its numbers, predicates and target and to check its literals.
pub struct EffectCx<'x, 'c> {
    cx: &'x mut Cx<'c>,
    loc: Vec<Loc>,
}

impl EffectCx<'_, '_> {
    fn field_loc(&self, field: &str) -> Vec<Loc> {
        at(&self.loc, &[key(field)])
    }

    /// An effect number: evaluated against the original cart; a literal is checked to lie in
    /// `[min, max]` (and to be whole with `whole`), since a literal out of range can only be a
    /// mistake.
    pub fn number(
        &mut self,
        field: &str,
        e: &Expr,
        min: Option<Decimal>,
        max: Option<Decimal>,
        whole: bool,
    ) -> Node {
        let loc = self.field_loc(field);
        let n = self.cx.expr(e, Scope::Number, &loc);
        if let Node::Const(Value::Num(d)) = &n {
            if let Some(m) = min.filter(|m| d < m) {
                self.cx
                    .errs
                    .push(&loc, ErrorKind::TooSmall { min: m.to_string() });
            } else if let Some(m) = max.filter(|m| d > m) {
                self.cx
                    .errs
                    .push(&loc, ErrorKind::TooLarge { max: m.to_string() });
            } else if whole && !d.fract().is_zero() {
                self.cx.errs.push(&loc, ErrorKind::NotInteger);
            }
        }
        n
    }

    /// An item predicate (binds `item`).
    pub fn pred(&mut self, field: &str, e: &Expr) -> Node {
        let loc = self.field_loc(field);
        self.cx.expr(e, Scope::Item, &loc)
    }

    /// The effect's target (`on`).
    pub fn target(&mut self, on: &Target) -> Option<CTarget> {
        let loc = self.field_loc("on");
        self.cx.target(on, &loc)
    }

    /// An error at one of the effect's fields.
    pub fn error(&mut self, field: &str, kind: ErrorKind) {
        let loc = self.field_loc(field);
        self.cx.errs.push(&loc, kind);
    }
}

/// Checks one expression on its own.
pub fn check_expr(expr: &Expr, scope: Scope, bounds: &RuleBounds) -> Result<(), Errors> {
    let mut errs = Errs::default();
    let mut cx = Cx {
        bounds,
        mode: RoundMode::HalfEven,
        depth: Depth::Full,
        errs: &mut errs,
        case_sensitive: false,
    };
    if scope == Scope::Rules {
        cx.rule(expr, &[]);
    } else {
        cx.expr(expr, scope, &[]);
    }
    if errs.0.is_empty() {
        Ok(())
    } else {
        Err(Errors::rule(errs.0))
    }
}

fn compile_effect(e: &ir::Effect, cx: &mut Cx<'_>, loc: Vec<Loc>) -> Option<CEffect> {
    let mut ecx = EffectCx { cx, loc };
    crate::eval::effects::compile(e, &mut ecx)
}

/// A campaign's code as given: where, as written, and its key (`codes::key`).
type GivenCode<'d> = (Vec<Loc>, &'d String, String);

/// One campaign's compiled parts, with its given codes for the engine to match; `None` body when it does not compile.
fn compile_campaign<'d>(
    c: &'d ir::Campaign,
    loc: &[Loc],
    cx: &mut Cx<'_>,
) -> (Option<CCampaign>, Vec<GivenCode<'d>>) {
    if c.id.trim().is_empty() {
        cx.errs
            .push(&at(loc, &[key("id")]), ErrorKind::Empty { hint: None });
    }
    let mut given: Vec<(Vec<Loc>, &String)> = Vec::new();
    if let Some(code) = &c.code {
        given.push((at(loc, &[key("code")]), code));
    }
    if c.codes.as_ref().is_some_and(Vec::is_empty) {
        cx.errs.push(
            &at(loc, &[key("codes")]),
            ErrorKind::Empty {
                hint: Some("leave codes out for an automatic campaign".to_owned()),
            },
        );
    }
    for (j, code) in c.codes.iter().flatten().enumerate() {
        given.push((at(loc, &[key("codes"), Loc::Index(j)]), code));
    }
    // Each code's key (`codes::key`, the one normalisation); a code that has none is reported
    // here and left out of matching.
    let automatic = given.is_empty() && !c.unique_codes;
    let mut keyed = Vec::with_capacity(given.len());
    for (cl, code) in given {
        match crate::codes::key_with(code, cx.case_sensitive) {
            Ok(norm) if norm.is_empty() => cx.errs.push(&cl, ErrorKind::Empty { hint: None }),
            Ok(norm) => keyed.push((cl, code, norm)),
            Err(kind) => cx.errs.push(&cl, kind),
        }
    }
    let starts_at = compile_time(c.starts_at.as_ref(), "starts_at", loc, cx.errs);
    let ends_at = compile_time(c.ends_at.as_ref(), "ends_at", loc, cx.errs);
    if let (Some(s), Some(e)) = (starts_at, ends_at) {
        if s >= e {
            cx.errs.push(
                &at(loc, &[key("ends_at")]),
                ErrorKind::NotAfter {
                    field: "ends_at".to_owned(),
                    other: "starts_at".to_owned(),
                },
            );
        }
    }
    let schedule = c
        .schedule
        .as_ref()
        .and_then(|s| compile_schedule(s, &at(loc, &[key("schedule")]), cx.errs));
    let rules = c
        .rules
        .as_ref()
        .and_then(|r| cx.rule(r, &at(loc, &[key("rules")])));
    let body = match (&c.effect, &c.effects, &c.tiers) {
        (Some(_), None, None) | (None, Some(_), None) => {
            compile_effects(c.effect.as_ref(), c.effects.as_deref(), loc, cx).map(Body::Effect)
        }
        (None, None, Some(tiers)) => {
            if tiers.is_empty() {
                cx.errs
                    .push(&at(loc, &[key("tiers")]), ErrorKind::Empty { hint: None });
            }
            for (ti, kind) in tiers::dead_tiers(tiers) {
                cx.errs.push(
                    &at(loc, &[key("tiers"), Loc::Index(ti), key("rules")]),
                    kind,
                );
            }
            let mut out = Vec::with_capacity(tiers.len());
            for (ti, t) in tiers.iter().enumerate() {
                let tl = at(loc, &[key("tiers"), Loc::Index(ti)]);
                let (r, e) = compile_tier(t, &tl, cx);
                if let Some(e) = e {
                    out.push((r, e));
                }
            }
            Some(Body::Tiers(out))
        }
        _ => {
            // `effects` is named only to whom used it, so the common mistake reads as before.
            let fields = if c.effects.is_some() {
                "'effect', 'effects' and 'tiers'"
            } else {
                "'effect' and 'tiers'"
            };
            cx.errs.push(
                loc,
                ErrorKind::ExactlyOne {
                    fields: fields.to_owned(),
                },
            );
            None
        }
    };
    let deferred = c.rules_on == ir::RulesOn::Discounted;
    if deferred && c.exclusive {
        // An exclusive campaign applies alone: no earlier discount exists for its rules.
        cx.errs.push(
            &at(loc, &[key("rules_on")]),
            ErrorKind::Incompatible {
                option: "rules_on='discounted'".to_owned(),
                other: "exclusive=True".to_owned(),
            },
        );
    }
    let compiled = body.map(|body| CCampaign {
        id: c.id.clone(),
        automatic,
        active: c.active,
        starts_at,
        ends_at,
        schedule,
        rules,
        body,
        deferred,
    });
    (compiled, keyed)
}

fn compile_tier(t: &ir::Tier, loc: &[Loc], cx: &mut Cx<'_>) -> (Option<Rule>, Option<CEffect>) {
    let r = t
        .rules
        .as_ref()
        .and_then(|r| cx.rule(r, &at(loc, &[key("rules")])));
    let e = if t.effect.is_some() == t.effects.is_some() {
        cx.errs.push(
            loc,
            ErrorKind::ExactlyOne {
                fields: "'effect' and 'effects'".to_owned(),
            },
        );
        None
    } else {
        compile_effects(t.effect.as_ref(), t.effects.as_deref(), loc, cx)
    };
    (r, e)
}

/// A campaign's or tier's `effect`, or its `effects` (at least one) as one [`Several`]
/// effect; exactly one of the two is given.
///
/// [`Several`]: crate::eval::effects::several::Several
fn compile_effects(
    effect: Option<&ir::Effect>,
    effects: Option<&[ir::Effect]>,
    loc: &[Loc],
    cx: &mut Cx<'_>,
) -> Option<CEffect> {
    let Some(list) = effects else {
        return compile_effect(effect?, cx, at(loc, &[key("effect")]));
    };
    if list.is_empty() {
        cx.errs.push(
            &at(loc, &[key("effects")]),
            ErrorKind::Empty {
                hint: Some("give one effect as effect=".to_owned()),
            },
        );
        return None;
    }
    let mut parts = Vec::with_capacity(list.len());
    for (k, e) in list.iter().enumerate() {
        parts.push(compile_effect(
            e,
            cx,
            at(loc, &[key("effects"), Loc::Index(k)]),
        ));
    }
    let parts: Option<Vec<CEffect>> = parts.into_iter().collect();
    Some(Box::new(crate::eval::effects::several::Several {
        parts: parts?,
    }))
}

/// Compiles an engine definition.
pub fn compile(def: &EngineDef) -> Result<Program, Errors> {
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
    let mut errs = Errs::default();
    if def.version != ir::IR_VERSION {
        errs.push(
            &[key("version")],
            ErrorKind::UnsupportedVersion {
                got: def.version.to_string(),
                supported: format!("{} to {}", ir::IR_VERSION_MIN, ir::IR_VERSION),
            },
        );
    }
    let exponent = money::currency_exponent(&def.currency);
    if exponent.is_none() {
        let codes: Vec<String> = money::currencies().into_iter().map(|(c, _)| c).collect();
        let suggestion =
            did_you_mean(&def.currency, codes.iter().map(String::as_str)).map(str::to_owned);
        errs.push(
            &[key("currency")],
            ErrorKind::UnknownCurrency {
                code: def.currency.clone(),
                suggestion,
            },
        );
    }
    let max_discount = compile_stacking(&def.stacking, &mut errs);
    check_bounds(&def.bounds, &mut errs);
    let mode = money::round_mode(def.rounding);
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut codes: HashMap<String, (usize, String)> = HashMap::new();
    let mut campaigns = Vec::with_capacity(def.campaigns.len());
    let mut cx = Cx {
        bounds: &def.bounds,
        mode,
        depth: Depth::Full,
        errs: &mut errs,
        case_sensitive: def.codes_case_sensitive,
    };
    for (ci, c) in def.campaigns.iter().enumerate() {
        let loc = vec![key("campaigns"), Loc::Index(ci)];
        if !c.id.trim().is_empty() {
            if let Some(prev) = ids.insert(&c.id, ci) {
                cx.errs.push(
                    &at(&loc, &[key("id")]),
                    ErrorKind::DuplicateOf {
                        value: c.id.clone(),
                        other: format!("at campaigns.{prev}"),
                    },
                );
            }
        }
        if c.rules_on == ir::RulesOn::Discounted && def.stacking.mode == ir::StackingMode::BestDeal
        {
            // Best deal bounds each campaign by its discount alone on the original cart, which
            // rules that read earlier discounts may exceed: no exact search is known.
            cx.errs.push(
                &at(&loc, &[key("rules_on")]),
                ErrorKind::Incompatible {
                    option: "rules_on='discounted'".to_owned(),
                    other: "Stacking(mode='best_deal')".to_owned(),
                },
            );
        }
        let (compiled, given) = compile_campaign(c, &loc, &mut cx);
        for (cl, code, norm) in given {
            if let Some((other, _)) = codes.get(&norm) {
                cx.errs.push(
                    &cl,
                    ErrorKind::DuplicateOf {
                        value: code.trim().to_owned(),
                        other: if def.codes_case_sensitive {
                            format!(
                                "in campaign '{}'; codes match once normalised: compatibility \
                                 forms alike",
                                def.campaigns[*other].id
                            )
                        } else {
                            format!(
                                "in campaign '{}'; codes match once normalised: \
                                 case-insensitively, compatibility forms alike",
                                def.campaigns[*other].id
                            )
                        },
                    },
                );
            } else {
                codes.insert(norm, (ci, (*code).clone()));
            }
        }
        if let Some(c) = compiled {
            campaigns.push(c);
        }
    }
    let (usage_limits, limit_errors) = crate::state::compile(def, exponent.unwrap_or(2));
    errs.0.extend(limit_errors);
    let programs = crate::programs::compile::compile(
        &def.programs,
        user_campaigns,
        &def.campaigns,
        exponent.unwrap_or(2),
        mode,
        &def.bounds,
        &mut errs.0,
    );
    if !errs.0.is_empty() {
        return Err(Errors::rule(errs.0));
    }
    let leaves = program::assign_leaf_slots(&mut campaigns);
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

/// Checks one part of a definition as it is built, before an engine exists: its structure
/// and literals, not its expressions (the engine's compile checks those, with its bounds).
/// `part` is `campaign`, `tier`, `effect`, `target`, `schedule`, `stacking` or `bounds`;
/// errors are located inside the part.
pub fn check_part(part: &str, text: &str) -> Result<(), Errors> {
    let mut errs = Errs::default();
    let bounds = RuleBounds::PARSE;
    let mut cx = Cx {
        bounds: &bounds,
        mode: RoundMode::HalfEven,
        depth: Depth::Structure,
        errs: &mut errs,
        case_sensitive: false,
    };
    match part {
        "campaign" => {
            let c: ir::Campaign = ir::read_json(text)?;
            compile_campaign(&c, &[], &mut cx);
        }
        "tier" => {
            let t: ir::Tier = ir::read_json(text)?;
            compile_tier(&t, &[], &mut cx);
        }
        "effect" => {
            let e: ir::Effect = ir::read_json(text)?;
            compile_effect(&e, &mut cx, Vec::new());
        }
        "target" => {
            let t: ir::Target = ir::read_json(text)?;
            cx.target(&t, &[]);
        }
        "schedule" => {
            let s: ir::Schedule = ir::read_json(text)?;
            compile_schedule(&s, &[], cx.errs);
        }
        "stacking" => {
            let s: ir::Stacking = ir::read_json(text)?;
            compile_stacking(&s, cx.errs);
            for e in &mut cx.errs.0 {
                e.loc.remove(0);
            }
        }
        "bounds" => {
            let b: RuleBounds = ir::read_json(text)?;
            check_bounds(&b, cx.errs);
            for e in &mut cx.errs.0 {
                e.loc.remove(0);
            }
        }
        other => {
            return Err(Errors::rule(vec![Error::new(
                ErrorKind::Invalid {
                    message: format!("no such part of a definition: {other}"),
                },
                Vec::new(),
            )]))
        }
    }
    if errs.0.is_empty() {
        Ok(())
    } else {
        Err(Errors::rule(errs.0))
    }
}

/// A rule of a programme (an earning rule), compiled as campaign rules are.
pub(crate) fn program_rule(
    e: &Expr,
    bounds: &RuleBounds,
    mode: RoundMode,
    loc: &[Loc],
    out: &mut Vec<Error>,
) -> Option<Rule> {
    let mut errs = Errs::default();
    let mut cx = Cx {
        bounds,
        mode,
        depth: Depth::Full,
        errs: &mut errs,
        case_sensitive: false,
    };
    let r = cx.rule(e, loc);
    out.extend(errs.0);
    r
}
