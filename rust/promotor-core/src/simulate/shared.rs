//! Which orders a counter shared across customers can decide: what the partitioned
//! simulation (`promotor.integrations.dask.simulate`) needs to split a history exactly.
//!
//! A limit or budget without `per: customer` counts on a key every customer shares (a
//! campaign's total budget, a global cap, a per-code or per-period limit). A campaign's limits
//! are read only once it has passed its rules ([`crate::eval::Trace::passed`]; the meter's
//! checks 1 and 2 run on passed candidates alone), and passing the rules does not depend on
//! any counter. So an order whose passed campaigns have only per-customer limits is decided by
//! its customer's counters alone, and writes no other: [`SharedReads::chunk`] finds, per
//! order, whether any campaign that passed has a shared limit.
//!
//! Whether a campaign passes depends on nothing but the order and the campaign itself (its
//! activity, code, rules and tiers: a code belongs to one campaign), so the reader decides on
//! [`shared_program`], the engine cut down to its campaigns with shared limits: a decision
//! over a few campaigns instead of the whole catalogue. Except for a campaign whose rules read
//! the discounted cart (`rules_on: discounted`): they read what the campaigns applied before
//! it took, which depends on those campaigns' own limits (a per-customer limit applying or
//! refusing) and on campaigns the cut-down engine leaves out. So the cut-down engine drops
//! such a campaign's rules and its tiers' rules: it passes whenever its code and activity
//! let it, which every order it can pass in the replay does.
//!
//! Programme state (DESIGN section 10) is one customer's when its key names the customer:
//! loyalty lots and tiers. Codes are not: a pool code, a code a programme issued or an
//! advocate's code is found by whoever types it, and a referral ties the friend to the
//! advocate; gift cards pay for anyone holding the code. So [`code_orders`] flags the orders
//! that give a code no campaign defines (when the engine reads such codes at all) and the
//! orders paying with gift cards: those are replayed in the ordered pass too.

use arrow_array::RecordBatch;

use crate::arrow::lines::Lines;
use crate::arrow::write::MoneyOut;
use crate::batch::Batch;
use crate::compile::Program;
use crate::error::Errors;
use crate::eval::Trace;
use crate::input::arrow::Extra;
use crate::input::Input;
use crate::ir::{Per, RulesOn};
use crate::state::Snapshot;

use super::pay::{PayColumns, GIFT_CARDS};
use crate::arrow::read::{Lists, StrCol};
use crate::programs::code_key;

/// Per campaign of `program`: whether one of its limits counts on a key shared across
/// customers (anything but `per: customer`).
pub fn shared_campaigns(program: &Program) -> Vec<bool> {
    program
        .0
        .usage_limits
        .campaigns
        .iter()
        .map(|list| list.iter().any(|l| l.per != Some(Per::Customer)))
        .collect()
}

/// `program` cut down to its campaigns with a shared limit (`None`: it has none), those
/// reading the discounted cart without their rules (see the module's text). When the
/// cut-down engine does not compile (a programme naming a campaign left out), the whole
/// program with those rules dropped, whose passed campaigns [`SharedReads`] filters itself.
pub fn shared_program(program: &Program) -> Option<Program> {
    let shared = shared_campaigns(program);
    if !shared.iter().any(|s| *s) {
        return None;
    }
    let mut whole = program.0.def.clone();
    for (c, s) in whole.campaigns.iter_mut().zip(&shared) {
        if *s && c.rules_on == RulesOn::Discounted {
            c.rules = None;
            for t in c.tiers.iter_mut().flatten() {
                t.rules = None;
            }
        }
    }
    let mut def = whole.clone();
    let mut keep = shared.iter();
    def.campaigns.retain(|_| *keep.next().unwrap_or(&false));
    let compiled = crate::compile::compile(&def).or_else(|_| crate::compile::compile(&whole));
    // Dropping rules leaves a definition that compiled as valid as it was.
    Some(compiled.unwrap_or_else(|_| program.clone()))
}

/// The reader of one program: [`SharedReads::chunk`] per chunk of orders, in any order.
pub struct SharedReads<'p> {
    program: &'p Program,
    batch: Batch<'p>,
    shared: Vec<bool>,
}

impl<'p> SharedReads<'p> {
    pub fn new(program: &'p Program, lines: Option<Lines>) -> Self {
        Self {
            program,
            // `now` for a null created_at: any instant; the simulation itself refuses nulls.
            batch: Batch::new(program, MoneyOut::Minor, false, lines, 0, Extra::Forbid),
            shared: shared_campaigns(program),
        }
    }

    /// Whether the program has a shared limit at all: without, no order reads one.
    pub fn any(&self) -> bool {
        self.shared.iter().any(|s| *s)
    }

    /// Sets `out[i]` for each order `i` of the chunk (global row `start + i`) that some
    /// campaign with a shared limit passed the rules of; leaves the others as they are.
    pub fn chunk(
        &mut self,
        orders: &RecordBatch,
        start: usize,
        out: &mut [bool],
    ) -> Result<(), Errors> {
        if !self.any() {
            return Ok(());
        }
        let program = self.program;
        let shared = &self.shared;
        let n = orders.num_rows();
        let (orders, _) = PayColumns::split(orders);
        self.batch.read(&orders, start, |fill| {
            let mut input = Input::default();
            let mut trace = Trace::default();
            // Passing the rules reads no counter: decided on an empty snapshot.
            let empty = Snapshot::default();
            let mut errors = Vec::new();
            for (i, flag) in out.iter_mut().enumerate().take(n) {
                if let Err(e) = fill(&mut input, i) {
                    errors.extend(e);
                    continue;
                }
                let _ = program.decide_traced(&input, &empty, &mut trace);
                if trace.passed.iter().any(|&ci| shared[ci]) {
                    *flag = true;
                }
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(Errors::input(errors))
            }
        })?
    }
}

/// Whether orders of `program` may read state shared across customers through codes: pool
/// codes, codes a programme issued, advocates' codes.
pub fn reads_codes(program: &Program) -> bool {
    program.0.pooled || program.0.programs.reads_codes()
}

/// Sets `out[i]` for each order `i` of the chunk that pays with a gift card, or (when
/// `codes`) gives a code that no campaign of `program` defines; leaves the others as they are.
pub fn code_orders(program: &Program, codes: bool, orders: &RecordBatch, out: &mut [bool]) {
    let lists = |name: &str| {
        orders
            .column_by_name(name)
            .and_then(|a| Lists::new(a.as_ref()).map(|l| (l, StrCol::new(l.values().as_ref()))))
    };
    if let Some((cards, _)) = lists(GIFT_CARDS) {
        for (i, flag) in out.iter_mut().enumerate().take(orders.num_rows()) {
            if cards.range(i).is_some_and(|r| !r.is_empty()) {
                *flag = true;
            }
        }
    }
    if !codes {
        return;
    }
    let Some((given, Some(values))) = lists("codes") else {
        return;
    };
    for (i, flag) in out.iter_mut().enumerate().take(orders.num_rows()) {
        if *flag {
            continue;
        }
        let Some(range) = given.range(i) else {
            continue;
        };
        *flag = range.into_iter().any(|j| {
            values.get(j).is_some_and(|raw| {
                let norm = code_key(raw);
                !norm.is_empty() && !program.0.codes.contains_key(&norm)
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compile::compile;
    use crate::ir::EngineDef;

    fn program(limits: &serde_json::Value) -> Program {
        let def: EngineDef = serde_json::from_value(json!({"version": 1, "campaigns": [{
            "id": "a",
            "effect": {"type": "percent_off", "percent": {"type": "num", "value": "10"}},
            "limits": limits,
        }]}))
        .unwrap();
        compile(&def).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn per_customer_limits_are_not_shared() {
        let p = program(&json!([{"type": "limit", "max": 1, "per": "customer"}]));
        assert_eq!(shared_campaigns(&p), vec![false]);
        assert!(shared_program(&p).is_none());
    }

    #[test]
    fn the_cut_down_program_keeps_the_shared_campaigns() {
        let def: EngineDef = serde_json::from_value(json!({"version": 1, "campaigns": [
            {"id": "mine", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "5"}},
             "limits": [{"type": "limit", "max": 1, "per": "customer"}]},
            {"id": "all", "effect": {"type": "percent_off", "percent": {"type": "num", "value": "5"}},
             "limits": [{"type": "budget", "amount": "10"}]},
        ]}))
        .unwrap();
        let p = compile(&def).unwrap();
        let cut = shared_program(&p).unwrap();
        let ids: Vec<_> = cut.0.campaigns.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["all"]);
    }

    #[test]
    fn a_shared_campaign_on_the_discounted_cart_passes_whatever_came_before() {
        // `small` passes on the discounted cart only once `first` (left out of the cut-down
        // engine, and refused in the replay once its customer used it) took 10.00 off a
        // 60.00 cart: the cut-down engine must flag the order whatever its rules say.
        let amount = |v: &str| json!({"type": "amount_off", "amount": {"type": "num", "value": v}});
        let def: EngineDef = serde_json::from_value(json!({"version": 1, "campaigns": [
            {"id": "first", "priority": 10, "effect": amount("10"),
             "limits": [{"type": "limit", "max": 1, "per": "customer"}]},
            {"id": "small", "rules_on": "discounted", "effect": amount("5"),
             "rules": {"type": "binary", "op": "lt",
                       "left": {"type": "field", "path": ["cart", "subtotal"]},
                       "right": {"type": "num", "value": "55"}},
             "limits": [{"type": "budget", "amount": "5"}]},
        ]}))
        .unwrap();
        let p = compile(&def).unwrap();
        let cut = shared_program(&p).unwrap();
        assert_eq!(cut.0.def.campaigns.len(), 1);
        assert!(cut.0.def.campaigns[0].rules.is_none());
        let input = crate::input::Input {
            cart: crate::input::Cart {
                items: vec![crate::input::Item {
                    price: "60".parse().unwrap(),
                    quantity: 1,
                    ..crate::input::Item::default()
                }],
                ..crate::input::Cart::default()
            },
            ..crate::input::Input::default()
        };
        let mut trace = Trace::default();
        let _ = cut.decide_traced(&input, &Snapshot::default(), &mut trace);
        assert_eq!(trace.passed, vec![0]);
    }

    #[test]
    fn totals_budgets_and_periods_are_shared() {
        for limits in [
            json!([{"type": "limit", "max": 5}]),
            json!([{"type": "budget", "amount": "100"}]),
            json!([{"type": "limit", "max": 1, "per": "customer"},
                   {"type": "limit", "max": 9, "every": "day"}]),
        ] {
            assert_eq!(shared_campaigns(&program(&limits)), vec![true], "{limits}");
        }
    }
}
