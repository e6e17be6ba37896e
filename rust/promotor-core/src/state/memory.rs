//! An in-memory state that applies deltas exactly as a store does: all of one decision or
//! none. The simulation replays history through it; the tests use it as the model of a store.

use crate::state::HashMap;

use super::{Delta, Snapshot};

/// A delta that did not hold: nothing of its decision was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    pub value: i64,
    pub delta: Delta,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryState {
    counters: HashMap<String, i64>,
}

impl MemoryState {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> i64 {
        self.counters.get(key).copied().unwrap_or(0)
    }

    /// The values of `keys`.
    pub fn snapshot<S: AsRef<str>>(&self, keys: &[S]) -> Snapshot {
        keys.iter()
            .map(|k| (k.as_ref().to_owned(), self.get(k.as_ref())))
            .collect()
    }

    /// Applies every delta if each holds on the value it meets (deltas on one key see the
    /// earlier ones); otherwise applies none.
    pub fn apply(&mut self, deltas: &[Delta]) -> Result<(), Conflict> {
        let mut next: HashMap<&str, i64> = HashMap::default();
        for d in deltas {
            let value = next
                .get(d.key.as_str())
                .copied()
                .unwrap_or_else(|| self.get(&d.key));
            if !d.holds(value) {
                return Err(Conflict {
                    key: d.key.clone(),
                    value,
                    delta: d.clone(),
                });
            }
            next.insert(&d.key, value + d.add);
        }
        for (k, v) in next {
            self.counters.insert(k.to_owned(), v);
        }
        Ok(())
    }

    /// Takes every counter out (the simulation lends them to an order's snapshot whole:
    /// [`Snapshot::lend_limits`]), leaving this state empty until
    /// [`MemoryState::give_back`].
    pub fn lend(&mut self) -> HashMap<String, i64> {
        std::mem::take(&mut self.counters)
    }

    /// Takes back what [`MemoryState::lend`] lent.
    pub fn give_back(&mut self, counters: HashMap<String, i64>) {
        debug_assert!(
            self.counters.is_empty(),
            "lent counters are not held meanwhile"
        );
        self.counters = counters;
    }

    /// Every counter, for comparison with a ledger.
    pub fn counters(&self) -> &HashMap<String, i64> {
        &self.counters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(key: &str, add: i64, max: Option<i64>) -> Delta {
        Delta {
            key: key.to_owned(),
            add,
            max,
            min: None,
        }
    }

    #[test]
    fn applies_all_or_nothing() {
        let mut s = MemoryState::new();
        s.apply(&[delta("a", 2, Some(3)), delta("b", 1, None)])
            .unwrap();
        let err = s
            .apply(&[delta("b", 1, None), delta("a", 2, Some(3))])
            .unwrap_err();
        assert_eq!((err.key.as_str(), err.value), ("a", 2));
        assert_eq!((s.get("a"), s.get("b")), (2, 1));
        s.apply(&[delta("a", 1, Some(3))]).unwrap();
        assert_eq!(s.snapshot(&["a", "zz"]).get("a"), 3);
        // A reversal has no bound.
        s.apply(&[delta("a", 1, Some(3)).reverse()]).unwrap();
        assert_eq!(s.get("a"), 2);
    }

    #[test]
    fn a_minimum_keeps_balances_from_going_negative() {
        let mut s = MemoryState::new();
        let spend = Delta {
            key: "points".to_owned(),
            add: -5,
            max: None,
            min: Some(0),
        };
        assert!(s.apply(std::slice::from_ref(&spend)).is_err());
        s.apply(&[delta("points", 7, None)]).unwrap();
        s.apply(std::slice::from_ref(&spend)).unwrap();
        assert_eq!(s.get("points"), 2);
    }
}
