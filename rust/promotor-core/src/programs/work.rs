//! A decision in progress: counters read from a snapshot, changed step by step, and the
//! deltas that commit the changes, one per counter, each with the bounds that keep every
//! step's own check true when a store applies them to the latest values.

use crate::state::key_list::KeyList;
use crate::state::HashMap;

use crate::state::{Delta, Snapshot};

#[derive(Debug, Default)]
struct Change {
    /// Added so far.
    total: i64,
    /// Bounds on the final value, each step's bound moved by what later steps add.
    min: Option<i64>,
    max: Option<i64>,
}

/// Counters of one decision over a snapshot.
#[derive(Debug)]
pub struct Work<'s> {
    snapshot: &'s Snapshot,
    /// Changed keys in order of first change (a handful: [`KeyList`]), and beside each its
    /// change.
    keys: KeyList,
    changes: Vec<Change>,
}

impl<'s> Work<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        Self {
            snapshot,
            keys: KeyList::default(),
            changes: Vec::new(),
        }
    }

    /// Changed keys with their changes, in order of first change.
    fn changed(&self) -> impl Iterator<Item = (&String, &Change)> {
        self.keys.as_slice().iter().zip(&self.changes)
    }

    /// The value of `key` now: the snapshot's plus what this decision added.
    pub fn get(&self, key: &str) -> i64 {
        let added = self
            .keys
            .position(key)
            .map_or(0, |at| self.changes[at].total);
        self.snapshot.get(key) + added
    }

    /// `key += add`, to be applied only if afterwards `min <= value <= max`.
    pub fn add(&mut self, key: &str, add: i64, min: Option<i64>, max: Option<i64>) {
        if add == 0 && min.is_none() && max.is_none() {
            return;
        }
        let at = self.keys.insert(key);
        if at == self.changes.len() {
            self.changes.push(Change::default());
        }
        let c = &mut self.changes[at];
        // Earlier bounds are on the value before this step: move them by what it adds.
        c.min = c.min.map(|m| m.saturating_add(add));
        c.max = c.max.map(|m| m.saturating_add(add));
        c.total = c.total.saturating_add(add);
        if let Some(m) = min {
            c.min = Some(c.min.map_or(m, |x| x.max(m)));
        }
        if let Some(m) = max {
            c.max = Some(c.max.map_or(m, |x| x.min(m)));
        }
    }

    /// Every value now: the snapshot's with this decision's changes.
    pub fn values(&self) -> HashMap<String, i64> {
        let mut out = self.snapshot.to_map();
        for (k, _) in self.changed() {
            out.insert(k.clone(), self.get(k));
        }
        out
    }

    /// Every key of a family present in the snapshot or changed here, with its member name,
    /// by member name.
    pub fn members<'a>(&'a self, family: &'a str) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = self
            .each_member(family)
            .map(|(m, v)| (m.to_owned(), v))
            .collect();
        out.sort_unstable();
        out
    }

    /// [`Work::members`] borrowed and in no particular order: what a decision that reads a
    /// customer's lots on every order scans without copying them.
    pub fn each_member<'a>(&'a self, family: &'a str) -> impl Iterator<Item = (&'a str, i64)> {
        // What this decision changed in `family`, by member (a few at most), matched by
        // name as the snapshot's members stream past. A changed key the snapshot also holds
        // is listed with the snapshot's members; the others come after them.
        let changed: Vec<(&str, i64, bool)> = self
            .changed()
            .filter_map(|(k, c)| {
                let m = super::keys::member_of(family, k)?;
                Some((m, c.total, self.snapshot.contains_key(k)))
            })
            .collect();
        let fresh: Vec<(&str, i64)> = changed
            .iter()
            .filter(|c| !c.2)
            .map(|c| (c.0, c.1))
            .collect();
        let read = self.snapshot.members(family).map(move |(m, v)| {
            let add = changed.iter().find(|c| c.0 == m).map_or(0, |c| c.1);
            (m, v + add)
        });
        read.chain(fresh)
    }

    /// The deltas, in order of first change (a change that adds nothing and bounds nothing
    /// is left out).
    pub fn deltas(&self) -> Vec<Delta> {
        self.changed()
            .filter(|(_, c)| c.total != 0 || c.min.is_some() || c.max.is_some())
            .map(|(k, c)| Delta {
                key: k.clone(),
                add: c.total,
                max: c.max,
                min: c.min,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_move_with_later_steps() {
        let snap: Snapshot = [("a".to_owned(), 5)].into_iter().collect();
        let mut w = Work::new(&snap);
        w.add("a", -3, Some(0), None); // needs a >= 3 before
        w.add("a", 10, None, None);
        w.add("a", -4, Some(0), None);
        assert_eq!(w.get("a"), 8);
        let d = &w.deltas()[0];
        // Final = v + 3; step 1 needs v - 3 >= 0, i.e. final >= 6; step 3 needs final >= 0.
        assert_eq!((d.add, d.min, d.max), (3, Some(6), None));
        assert!(d.holds(3) && !d.holds(2));
    }

    #[test]
    fn many_changes_are_found_by_the_index_as_few_are_by_search() {
        let snap: Snapshot = [("k7".to_owned(), 100)].into_iter().collect();
        let mut w = Work::new(&snap);
        for round in 0..3 {
            for i in 0..40 {
                w.add(&format!("k{i}"), i + round + 1, None, None);
            }
        }
        assert_eq!(w.get("k7"), 100 + 3 * 7 + 6);
        assert_eq!(w.get("k39"), 3 * 39 + 6);
        assert_eq!(w.get("absent"), 0);
        let deltas = w.deltas();
        assert_eq!(
            deltas.len(),
            40,
            "one delta per key, in order of first change"
        );
        assert!(deltas
            .iter()
            .enumerate()
            .all(|(i, d)| d.key == format!("k{i}")));
    }
}
