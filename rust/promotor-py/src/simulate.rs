//! `simulate`: one pass over an Arrow C stream of orders through `promotor_core::simulate`,
//! one replay per engine (the baseline and each variant), with the GIL released per chunk.

use promotor_core::state::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

use promotor_core::arrow::lines::Lines;
use promotor_core::arrow::write::{arrow_error, MoneyOut};
use promotor_core::batch::CHUNK;
use promotor_core::error::{Error, ErrorKind, Errors, Loc};
use promotor_core::simulate::shared::{code_orders, reads_codes, shared_program, SharedReads};
use promotor_core::simulate::State;
use promotor_core::simulate::{Simulation, Tally};
use promotor_core::state::memory::MemoryState;
use promotor_core::state::pools::{PoolCode, PoolCodes};

use crate::batch::{export, import, read_all};
use crate::errors;
use crate::program::Program;

/// A pool row as Python gives it: `(key, campaign id, code, customer id)`.
type PoolRow = (String, String, String, Option<String>);

type Capsules<'py> = (Option<Bound<'py, PyCapsule>>, Option<Bound<'py, PyCapsule>>);

/// Replays `orders` (sorted by `created_at`) through each program, each from its own starting
/// counters (programme families included) and the store's pool rows `pools` (`(key,
/// campaign, code, customer)`); returns per program `(summary, detail, tally)` (capsules
/// `None` without `keep_orders`). `progress(n)` is called with the rows done after each chunk.
/// The tally holds every final counter (`"counters"`) only with `final_counters`.
#[pyfunction]
#[pyo3(signature = (programs, orders, lines, money, timezone, states, keep_orders, progress, pools=None, final_counters=false))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
pub fn simulate<'py>(
    py: Python<'py>,
    programs: Vec<PyRef<'py, Program>>,
    orders: &Bound<'py, PyAny>,
    lines: Option<&Bound<'py, PyAny>>,
    money: &str,
    timezone: &str,
    states: Vec<HashMap<String, i64>>,
    keep_orders: bool,
    progress: Option<Bound<'py, PyAny>>,
    pools: Option<Vec<PoolRow>>,
    final_counters: bool,
) -> PyResult<Vec<(Capsules<'py>, Bound<'py, PyDict>)>> {
    let pools: PoolCodes = pools
        .unwrap_or_default()
        .into_iter()
        .map(|(key, campaign, code, customer)| {
            (
                key,
                PoolCode {
                    campaign,
                    code,
                    customer,
                },
            )
        })
        .collect();
    let money = MoneyOut::parse(money).ok_or_else(|| {
        PyValueError::new_err(format!(
            "money must be 'decimal', 'minor' or 'float', got {money:?}"
        ))
    })?;
    let tz = promotor_core::time::parse_tz(timezone)
        .ok_or_else(|| PyValueError::new_err(format!("unknown timezone {timezone:?}")))?;
    if states.len() != programs.len() {
        return Err(PyValueError::new_err("one starting state per program"));
    }
    let orders = import(orders, "orders")?;
    let lines = lines_table(py, lines)?;
    let schema = orders.schema();
    let Ok(order_id) = schema.field_with_name("order_id") else {
        let e = Error::new(
            ErrorKind::Required,
            vec![Loc::key("orders"), Loc::key("order_id")],
        );
        return Err(errors::to_py(py, &Errors::input(vec![e])));
    };
    let order_id_type = order_id.data_type().clone();
    let cores: Vec<_> = programs.iter().map(|p| p.core().clone()).collect();
    let mut sims: Vec<Simulation<'_>> = cores
        .iter()
        .zip(states)
        .map(|(p, state)| {
            let memory = memory_from(state);
            Simulation::new(
                p,
                lines.clone(),
                money,
                &memory,
                pools.clone(),
                tz,
                keep_orders,
            )
        })
        .collect();
    let mut outs: Vec<(Vec<_>, Vec<_>)> = vec![(Vec::new(), Vec::new()); sims.len()];
    let mut start = 0;
    for batch in orders {
        let batch = batch
            .map_err(|e| errors::to_py(py, &Errors::input(vec![arrow_error("orders", &e)])))?;
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = CHUNK.min(batch.num_rows() - offset);
            let chunk = batch.slice(offset, len);
            for (sim, out) in sims.iter_mut().zip(&mut outs) {
                let got = py
                    .detach(|| sim.chunk(&chunk, start + offset))
                    .map_err(|e| errors::to_py(py, &e))?;
                if let Some(got) = got {
                    out.0.push(got.summary);
                    out.1.extend(got.detail);
                }
            }
            offset += len;
            py.check_signals()?;
            if let Some(p) = &progress {
                p.call1((len,))?;
            }
        }
        start += batch.num_rows();
    }
    let mut result = Vec::with_capacity(sims.len());
    for (sim, (summary, detail)) in sims.iter().zip(outs) {
        let capsules = if keep_orders {
            (
                Some(export(
                    py,
                    sim.batch().summary_schema(&order_id_type),
                    summary,
                )?),
                Some(export(
                    py,
                    sim.batch().detail_schema(&order_id_type),
                    detail,
                )?),
            )
        } else {
            (None, None)
        };
        let tally = tally_dict(py, sim.program(), sim.tally(), sim.state(), final_counters)?;
        result.push((capsules, tally));
    }
    Ok(result)
}

/// Per order of `orders` (any order), whether a campaign with a limit shared across
/// customers passed its rules in any of `programs`: the orders the partitioned simulation
/// replays in one ordered pass (`promotor_core::simulate::shared`). A list of bools.
#[pyfunction]
#[pyo3(signature = (programs, orders, lines))]
#[allow(clippy::needless_pass_by_value)]
pub fn shared_orders<'py>(
    py: Python<'py>,
    programs: Vec<PyRef<'py, Program>>,
    orders: &Bound<'py, PyAny>,
    lines: Option<&Bound<'py, PyAny>>,
) -> PyResult<Vec<bool>> {
    let orders = import(orders, "orders")?;
    let lines = lines_table(py, lines)?;
    // Each engine cut down to its campaigns with shared limits; none: no order is shared.
    let cores: Vec<_> = programs
        .iter()
        .filter_map(|p| shared_program(p.core()))
        .collect();
    let mut readers: Vec<SharedReads<'_>> = cores
        .iter()
        .map(|p| SharedReads::new(p, lines.clone()))
        .collect();
    // Codes no campaign defines and gift cards reach state shared across customers.
    let coded: Vec<_> = programs
        .iter()
        .map(|p| (p.core().clone(), reads_codes(p.core())))
        .collect();
    let mut out = Vec::new();
    for batch in orders {
        let batch = batch
            .map_err(|e| errors::to_py(py, &Errors::input(vec![arrow_error("orders", &e)])))?;
        let start = out.len();
        out.resize(start + batch.num_rows(), false);
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = CHUNK.min(batch.num_rows() - offset);
            let chunk = batch.slice(offset, len);
            let flags = &mut out[start + offset..start + offset + len];
            for (p, codes) in &coded {
                code_orders(p, *codes, &chunk, flags);
            }
            for reader in &mut readers {
                py.detach(|| reader.chunk(&chunk, start + offset, flags))
                    .map_err(|e| errors::to_py(py, &e))?;
            }
            offset += len;
            py.check_signals()?;
        }
    }
    Ok(out)
}

/// The tally as plain Python data; money in minor units, times in microseconds.
fn tally_dict<'py>(
    py: Python<'py>,
    program: &promotor_core::compile::Program,
    t: &Tally,
    state: &State,
    final_counters: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let limits = state.counters.state();
    let d = PyDict::new(py);
    d.set_item("exponent", t.exponent)?;
    d.set_item("orders", t.orders)?;
    d.set_item("totals", t.totals.to_vec())?;
    d.set_item("first_at", t.first_at)?;
    d.set_item("last_at", t.last_at)?;
    let campaigns = PyList::empty(py);
    for (ci, (id, c)) in t.ids.iter().zip(&t.campaigns).enumerate() {
        let budget = t.budgets[ci].as_ref();
        campaigns.append((
            id,
            c.orders,
            c.redemptions,
            c.discount,
            c.limited,
            c.refused,
            c.exhausted_at,
            budget.map(|b| b.max),
            budget.map(|b| limits.get(&b.key)),
        ))?;
    }
    d.set_item("campaigns", campaigns)?;
    let days = PyList::empty(py);
    for ((day, ci), r) in &t.days {
        days.append((*day, &t.ids[*ci], r.redemptions, r.discount, r.budget_used))?;
    }
    d.set_item("days", days)?;
    let day_orders: Vec<(i32, u64)> = t.day_orders.iter().map(|(k, v)| (*k, *v)).collect();
    d.set_item("day_orders", day_orders)?;
    let segments = PyList::empty(py);
    for (s, rows) in &t.segments {
        for (ci, r) in rows {
            segments.append((
                s,
                ci.map(|ci| t.ids[ci].as_str()),
                r.orders,
                r.redemptions,
                r.discount,
            ))?;
        }
    }
    d.set_item("segments", segments)?;
    if final_counters {
        let counters: HashMap<String, i64> = state.counters().collect();
        d.set_item("counters", counters)?;
    }
    programmes(py, &d, program, t, state)?;
    Ok(d)
}

/// What a state of counters holds at `at`: per loyalty programme `(members, available,
/// pending, [(tier, members)])`, and gift cards `(cards, balance)`. The partitioned
/// simulation reads its merged counters with it.
#[pyfunction]
#[allow(clippy::needless_pass_by_value)]
pub fn standing<'py>(
    py: Python<'py>,
    program: PyRef<'py, Program>,
    counters: HashMap<String, i64>,
    at: i64,
) -> PyResult<(Bound<'py, PyList>, (u64, i64))> {
    let core = program.core();
    let memory = memory_from(counters);
    let state = State::new(core, &memory, PoolCodes::default());
    let out = PyList::empty(py);
    for s in state.points.standing(core, at) {
        out.append((s.members, s.available, s.pending, s.tiers))?;
    }
    Ok((out, state.gift_cards.outstanding()))
}

/// The programme tallies: per loyalty programme `(id, earned, earning orders, redeemed,
/// redeemed value, members, available, pending, [(tier, members)], [(day, tier, up,
/// down)])`, per referral programme `(id, referred, conversions, rewarded, {kind: n})`, gift
/// cards `(payments, redeemed, issued, issued value, cards, balance)` and codes `(campaign,
/// issued, redeemed)`. Standings are read at the last order's time.
fn programmes<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    program: &promotor_core::compile::Program,
    t: &Tally,
    state: &State,
) -> PyResult<()> {
    let at = t.last_at.unwrap_or(0);
    let standing = state.points.standing(program, at);
    let loyalty = PyList::empty(py);
    for (l, s) in t.loyalty.iter().zip(&standing) {
        let name = |i: usize| (i > 0).then(|| l.tiers[i - 1].clone());
        let tiers = s.tiers.clone();
        let changes: Vec<(i32, Option<String>, u64, u64)> = l
            .changes
            .iter()
            .map(|((day, to), (up, down))| (*day, name(*to), *up, *down))
            .collect();
        loyalty.append((
            &l.id,
            l.earned,
            l.earning_orders,
            l.redeemed,
            l.redeemed_value,
            s.members,
            s.available,
            s.pending,
            tiers,
            changes,
        ))?;
    }
    d.set_item("loyalty", loyalty)?;
    let referral = PyList::empty(py);
    for r in &t.referral {
        referral.append((
            &r.id,
            r.referred,
            r.conversions,
            r.rewarded,
            r.rewards.clone(),
        ))?;
    }
    d.set_item("referral", referral)?;
    let g = &t.gift_cards;
    let (cards, balance) = state.gift_cards.outstanding();
    d.set_item(
        "gift_cards",
        (
            g.payments,
            g.redeemed,
            g.issued,
            g.issued_value,
            cards,
            balance,
        ),
    )?;
    let codes: Vec<(&str, u64, u64)> = t
        .codes
        .iter()
        .map(|c| (t.ids[c.campaign].as_str(), c.issued, c.redeemed))
        .collect();
    d.set_item("codes", codes)?;
    Ok(())
}

/// An in-memory state holding `counters` (a store's snapshot, or a partition's starting
/// values) as its starting values.
fn memory_from(counters: impl IntoIterator<Item = (String, i64)>) -> MemoryState {
    let mut memory = MemoryState::new();
    let start: Vec<_> = counters
        .into_iter()
        .map(|(key, add)| promotor_core::state::Delta {
            key,
            add,
            max: None,
            min: None,
        })
        .collect();
    memory.apply(&start).expect("unbounded deltas always apply");
    memory
}

/// The lines table, indexed by order id (built without the GIL), when one is given.
fn lines_table(py: Python<'_>, lines: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Lines>> {
    let Some(l) = lines else {
        return Ok(None);
    };
    let batches = read_all(py, import(l, "lines")?, "lines")?;
    py.detach(|| Lines::new(batches).map_err(|e| Errors::input(vec![e])))
        .map(Some)
        .map_err(|e| errors::to_py(py, &e))
}
