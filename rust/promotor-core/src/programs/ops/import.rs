//! `import`: loyalty rows decided in order, each with its own deltas (`add`, `replace` or
//! `retroactive`).

use crate::state::HashMap;

use serde_json::{json, Value as J};

use super::super::work::Work;
use super::super::{keys, Loyalty};
use super::{tuples, Decision, Row};
use crate::compile::Program;
use crate::state::Snapshot;

impl Program {
    /// Import rows, decided in order: each sees the rows before it.
    pub(super) fn import(
        l: &Loyalty,
        rows: &[Row],
        snapshot: &Snapshot,
        now: i64,
    ) -> Vec<Decision> {
        let mut state: HashMap<String, i64> = snapshot.to_map();
        let today = l.today(now);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let snap = Snapshot::from(std::mem::take(&mut state));
            let mut work = Work::new(&snap);
            let mut events = Vec::new();
            let family = keys::loyalty(&l.id, &row.customer);
            let mut answer = json!({"points": row.points});
            match row.mode.as_str() {
                "replace" => {
                    let before = l.balance(&work, &family, now).available;
                    for lot in l.lots(&work, &family) {
                        let live = lot.available <= today && lot.expires.is_none_or(|e| today < e);
                        if live && lot.points != 0 {
                            let k = keys::member(&family, &lot.member);
                            work.add(&k, -lot.points, Some(0), Some(0));
                        }
                    }
                    let debt = keys::member(&family, "debt");
                    let owed = work.get(&debt);
                    if owed != 0 {
                        work.add(&debt, -owed, Some(0), Some(0));
                    }
                    if row.points > 0 {
                        let lot = l.credit(&mut work, &family, row.points, today, true);
                        events.push(l.earned_event(
                            &row.customer,
                            row.points,
                            &lot,
                            "import",
                            json!({"replaced": before}),
                        ));
                    }
                    answer = json!({"points": row.points, "replaced": before});
                }
                mode => {
                    let retro = mode == "retroactive";
                    if row.points > 0 {
                        // An `add` row reads nothing (imports stream): a debt stays owed.
                        let lot =
                            l.credit_with(&mut work, &family, row.points, today, !retro, retro);
                        let source = if retro { "retroactive" } else { "import" };
                        events.push(l.earned_event(
                            &row.customer,
                            row.points,
                            &lot,
                            source,
                            J::Null,
                        ));
                    }
                    if retro {
                        l.announce(&mut work, &family, &row.customer, now, &mut events);
                    }
                }
            }
            let deltas = work.deltas();
            state = snap.counters;
            for d in &deltas {
                *state.entry(d.key.clone()).or_insert(0) += d.add;
            }
            out.push(Decision {
                deltas: tuples(deltas),
                events,
                answer,
            });
        }
        out
    }
}
