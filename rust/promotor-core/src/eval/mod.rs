//! Program x input -> Outcome (docs/semantics.md, "Campaigns", "Stacking", "Results").

pub mod effects;
pub mod explain;
pub mod expr;
pub mod stacking;
pub mod taxes;
pub mod wallet;

use rust_decimal::Decimal;

use crate::compile::Program;
use crate::input::Input;
use crate::money::{self, from_minor};
use crate::num::{self, RoundMode};
use crate::outcome::{LineOutcome, MethodOutcome, Outcome, Reason, Rejected};
use crate::state::pools::{self, PoolCodes};
use crate::state::{Delta, Meter, Snapshot};
use expr::{Ctx, Facts};
pub use stacking::Trace;

pub(crate) fn rejected(id: Option<&str>, code: Option<&str>, reason: Reason) -> Rejected {
    Rejected {
        campaign_id: id.map(str::to_owned),
        code: code.map(str::to_owned),
        reason,
        condition: None,
        actual: None,
        expected: None,
        detail: None,
        by: None,
    }
}

impl Program {
    /// Prices a cart and explains every campaign that did not apply. A pure function of the
    /// program and the input; never panics.
    pub fn evaluate(&self, input: &Input) -> Outcome {
        self.run(input, true, None, None, None).0
    }

    /// Prices a cart without the rejections: the same totals, lines and applied campaigns as
    /// [`Program::evaluate`], with `rejected` empty. What callers that only need the price
    /// (batch evaluation, the single-cart fast path until `rejected` is asked for) use.
    pub fn price(&self, input: &Input) -> Outcome {
        self.run(input, false, None, None, None).0
    }

    /// [`Program::price`] with the campaigns `skip` names (by index) treated as if their rules
    /// were false: what batch evaluation calls for the campaigns columns ruled out
    /// (`batch::columnar`). Equal to `price` whenever every skipped campaign's rules are false
    /// or it would not be a candidate anyway; one that is `rules_on="discounted"` is never
    /// skipped.
    pub fn price_selected(&self, input: &Input, skip: &dyn Fn(usize) -> bool) -> Outcome {
        self.run_with(input, false, None, None, None, Some(skip)).0
    }

    /// The subtotal, discount, shipping discount and total [`Program::price`] gives a cart
    /// no campaign applies to, without evaluating any: what batch evaluation writes for the
    /// orders columns rule out for every campaign.
    pub fn price_plain(&self, input: &Input) -> [Decimal; 4] {
        let p = &*self.0;
        let exponent = match &input.cart.currency {
            Some(c) if c.as_str() != p.def.currency.as_str() => {
                money::currency_exponent(c).unwrap_or(p.exponent)
            }
            _ => p.exponent,
        };
        let subtotal = input.cart.items.iter().fold(0i128, |a, it| {
            a.saturating_add(
                money::line_minor(it.price, it.quantity, exponent, p.mode)
                    .unwrap_or(0)
                    .max(0),
            )
        });
        // Each shipping method rounded on its own, as when campaigns are evaluated.
        let shipping = crate::input::methods(&input.cart).fold(0i128, |a, m| {
            a.saturating_add(
                money::to_minor(m.price, exponent, p.mode)
                    .unwrap_or(0)
                    .max(0),
            )
        });
        let total = subtotal.saturating_add(shipping).max(0);
        [
            from_minor(subtotal, exponent),
            from_minor(0, exponent),
            from_minor(0, exponent),
            from_minor(total, exponent),
        ]
    }

    /// Whether any campaign has a usage limit or a budget: only then does evaluation read a
    /// snapshot ([`Program::state_keys`]).
    pub fn is_stateful(&self) -> bool {
        self.0.usage_limits.any || self.0.pooled || self.0.programs.reads_codes()
    }

    /// Whether a campaign accepts the codes of its pool (`unique_codes`): evaluation then
    /// looks up given codes in the store ([`Program::pool_lookups`]).
    pub fn is_pooled(&self) -> bool {
        self.0.pooled
    }

    /// The normalised codes a store looks up in its pools for this input (DESIGN section 9),
    /// before it reads the counters: see [`crate::state::pools`].
    pub fn pool_lookups(&self, input: &Input) -> Vec<String> {
        pools::lookups(&self.0, input)
    }

    /// The counter families a store must read for this input: those of issued codes
    /// (`crate::programs::issued`).
    pub fn state_families(&self, input: &Input) -> Vec<String> {
        let mut out = crate::programs::issued::families(&self.0, input);
        out.extend(crate::programs::referral::families(&self.0, input));
        out
    }

    /// The counters a store must read for this input (DESIGN section 8): those of the limited
    /// campaigns that are candidates, for this customer, codes and periods.
    pub fn state_keys(&self, input: &Input) -> Vec<String> {
        self.state_keys_with(input, &PoolCodes::default())
    }

    /// [`Program::state_keys`] once the pool rows of [`Program::pool_lookups`] are known (a pool
    /// code makes its campaign a candidate).
    pub fn state_keys_with(&self, input: &Input, pools: &PoolCodes) -> Vec<String> {
        let p = &*self.0;
        if !p.usage_limits.any {
            return Vec::new();
        }
        let (mut matched, mut unknown) = match_codes(p, input);
        pools::match_pool(p, input, pools, &mut matched, &mut unknown);
        Meter::new(&p.usage_limits, input, &matched, None, p.exponent)
            .keys()
            .to_vec()
    }

    /// Decides on a snapshot: the outcome (with rejections when `explain`) and the deltas a
    /// store applies to commit it. A pure function of program, input and snapshot.
    pub fn decide(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        explain: bool,
    ) -> (Outcome, Vec<Delta>) {
        self.run(input, explain, Some(snapshot), None, None)
    }

    /// [`Program::decide`] with the pool rows the store found for [`Program::pool_lookups`].
    pub fn decide_with(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pools: &PoolCodes,
        explain: bool,
    ) -> (Outcome, Vec<Delta>) {
        self.run(input, explain, Some(snapshot), Some(pools), None)
    }

    /// [`Program::decide`] without rejections, noting in `trace` (cleared first) which
    /// campaigns passed their rules and which of those a limit or budget refused: what the
    /// simulation counts, at the cost of pricing.
    pub fn decide_traced(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        trace: &mut Trace,
    ) -> (Outcome, Vec<Delta>) {
        self.decide_traced_with(input, snapshot, None, trace)
    }

    /// [`Program::decide_traced`] with the pool rows of [`Program::pool_lookups`], when the
    /// caller holds code pools (the simulation).
    pub fn decide_traced_with(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pools: Option<&PoolCodes>,
        trace: &mut Trace,
    ) -> (Outcome, Vec<Delta>) {
        trace.passed.clear();
        trace.refused.clear();
        self.run(input, false, Some(snapshot), pools, Some(trace))
    }

    fn run(
        &self,
        input: &Input,
        explain: bool,
        snapshot: Option<&Snapshot>,
        pools: Option<&PoolCodes>,
        trace: Option<&mut Trace>,
    ) -> (Outcome, Vec<Delta>) {
        self.run_with(input, explain, snapshot, pools, trace, None)
    }

    fn run_with(
        &self,
        input: &Input,
        explain: bool,
        snapshot: Option<&Snapshot>,
        pools: Option<&PoolCodes>,
        trace: Option<&mut Trace>,
        skip: Option<&dyn Fn(usize) -> bool>,
    ) -> (Outcome, Vec<Delta>) {
        let p = &*self.0;
        let engine_currency = p.def.currency.as_str();
        let currency = input
            .cart
            .currency
            .clone()
            .unwrap_or_else(|| engine_currency.to_owned());
        let mismatch = currency != engine_currency;
        let exponent = if mismatch {
            money::currency_exponent(&currency).unwrap_or(p.exponent)
        } else {
            p.exponent
        };
        let mode = p.mode;

        let items = &input.cart.items;
        let (facts, shipping) = derive(input, currency.clone(), exponent, mode);
        let lines = &facts.lines;
        let subtotal = lines.iter().fold(0i128, |a, b| a.saturating_add(*b));
        let mut ctx = Ctx::new(input, &facts, mode, p.leaves);

        let (mut matched, mut unknown) = match_codes(p, input);
        let pool_rejected = pools.map_or_else(Vec::new, |pools| {
            pools::match_pool(p, input, pools, &mut matched, &mut unknown)
        });
        let mut issued = std::collections::HashMap::new();
        let issued_rejected = crate::programs::issued::match_issued(
            p,
            input,
            snapshot,
            &mut matched,
            &mut unknown,
            &mut issued,
        );
        let (referral_rejected, _) =
            crate::programs::referral::match_codes(p, input, snapshot, &mut matched, &mut unknown);
        let meter = p
            .usage_limits
            .any
            .then(|| Meter::new(&p.usage_limits, input, &matched, snapshot, p.exponent));

        let listed = !input.cart.shipping_methods.is_empty();
        let cart = stacking::Cart {
            listed,
            lines,
            methods: &facts.methods,
            mismatch,
            exponent,
        };
        let result = stacking::stack(
            p,
            &mut ctx,
            &matched,
            &cart,
            meter.as_ref(),
            explain,
            trace,
            skip,
        );
        let mut rejected = result.rejected;
        if explain {
            rejected.extend(pool_rejected);
            rejected.extend(issued_rejected);
            rejected.extend(referral_rejected);
            rejected.extend(unknown.into_iter().map(rejected_unknown));
        }
        let mut deltas = result.deltas;
        if !issued.is_empty() {
            let applied: Vec<usize> = result
                .applied
                .iter()
                .filter_map(|a| p.campaigns.iter().position(|c| c.id == a.campaign_id))
                .collect();
            deltas.extend(crate::programs::issued::used_deltas(&issued, &applied));
        }

        let mut line_disc = vec![0i128; lines.len()];
        for a in &result.allocations {
            for (x, d) in line_disc.iter_mut().zip(a) {
                *x += *d;
            }
        }
        let shipping_discount: i128 = result.shipping_total;
        let lines_discount: i128 = line_disc.iter().sum();
        let discount = lines_discount + shipping_discount;
        let total = (subtotal.saturating_add(shipping) - discount).max(0);
        let line_out = items
            .iter()
            .enumerate()
            .map(|(i, it)| LineOutcome {
                index: i,
                quantity: it.quantity,
                unit_price: it.price,
                subtotal: from_minor(lines[i], exponent),
                discount: from_minor(line_disc[i], exponent),
                total: from_minor(lines[i] - line_disc[i], exponent),
            })
            .collect();
        let rated = items.iter().any(|it| it.tax_rate.is_some())
            || crate::input::methods(&input.cart).any(|m| m.tax_rate.is_some());
        let taxes = rated.then(|| {
            let given: Vec<taxes::Given> = items
                .iter()
                .enumerate()
                .map(|(i, it)| taxes::Given {
                    index: i,
                    rate: it.tax_rate,
                    subtotal: lines[i],
                    total: lines[i] - line_disc[i],
                })
                .collect();
            let methods: Vec<taxes::Given> = crate::input::methods(&input.cart)
                .zip(facts.methods.iter().zip(&result.method_totals))
                .enumerate()
                .map(|(j, (m, (amount, d)))| taxes::Given {
                    index: j,
                    rate: m.tax_rate,
                    subtotal: *amount,
                    total: amount - d,
                })
                .collect();
            taxes::taxes(&given, &methods, p.def.prices_include_tax, mode, exponent)
        });
        // No line or method has a tax rate: no taxes (what `taxes::taxes` says, unbuilt).
        let taxes = taxes.flatten();
        let outcome = Outcome {
            currency,
            subtotal: from_minor(subtotal, exponent),
            shipping: from_minor(shipping, exponent),
            discount: from_minor(discount, exponent),
            shipping_discount: from_minor(shipping_discount, exponent),
            total: from_minor(total, exponent),
            lines: line_out,
            applied: result.applied,
            rejected,
            // Per method only for carts that list their methods (the shorthand has one).
            shipping_methods: facts
                .methods
                .iter()
                .take(if listed { usize::MAX } else { 0 })
                .zip(&result.method_totals)
                .enumerate()
                .map(|(j, (m, d))| MethodOutcome {
                    index: j,
                    price: from_minor(*m, exponent),
                    discount: from_minor(*d, exponent),
                    total: from_minor(m - d, exponent),
                })
                .collect(),
            taxes,
        };
        (outcome, deltas)
    }
}

/// Each campaign's matched code (its own spelling; by campaign index) and the given codes that
/// match none. Codes: by their key (`codes::key_with` the engine's case sensitivity), empty
/// ignored, repeats once.
pub(crate) fn match_codes<'a>(
    p: &'a crate::compile::Inner,
    input: &'a Input,
) -> (Vec<Option<&'a str>>, Vec<&'a str>) {
    let mut matched: Vec<Option<&str>> = vec![None; p.campaigns.len()];
    let mut unknown: Vec<&str> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    // Codes by their normalised key (codes::normalize), empty ignored, repeats once; a code the
    // input validator would refuse (an invisible character) matches nothing.
    for raw in &input.codes {
        let Ok(norm) = crate::codes::key_with(raw, p.def.codes_case_sensitive) else {
            unknown.push(raw);
            continue;
        };
        if norm.is_empty() || seen.contains(&norm) {
            continue;
        }
        match p.codes.get(&norm) {
            Some((ci, spelling)) => {
                if matched[*ci].is_none() {
                    matched[*ci] = Some(spelling.as_str());
                }
            }
            None => unknown.push(raw),
        }
        seen.push(norm);
    }
    (matched, unknown)
}

/// What rules see of a cart, and its line and shipping amounts in minor units.
pub(crate) fn derive(
    input: &Input,
    currency: String,
    exponent: u32,
    mode: RoundMode,
) -> (Facts, i128) {
    let items = &input.cart.items;
    let lines: Vec<i128> = items
        .iter()
        .map(|it| {
            money::line_minor(it.price, it.quantity, exponent, mode)
                .unwrap_or(0)
                .max(0)
        })
        .collect();
    let methods: Vec<i128> = crate::input::methods(&input.cart)
        .map(|m| money::to_minor(m.price, exponent, mode).unwrap_or(0).max(0))
        .collect();
    let shipping = methods.iter().fold(0i128, |a, b| a.saturating_add(*b));
    let subtotal = lines.iter().fold(0i128, |a, b| a.saturating_add(*b));
    let facts = Facts {
        subtotal: num::from_input(from_minor(subtotal, exponent)),
        quantity: num::from_input(Decimal::from(
            items.iter().map(|i| u64::from(i.quantity)).sum::<u64>(),
        )),
        shipping: num::from_input(from_minor(shipping, exponent)),
        lines,
        exponent,
        all: expr::all_lines(items.len()),
        currency,
        methods,
        maps: std::cell::OnceCell::new(),
    };
    (facts, shipping)
}

fn rejected_unknown(code: &str) -> Rejected {
    rejected(None, Some(code), Reason::UnknownCode)
}
