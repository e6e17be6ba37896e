//! State: the core decides, stores apply (DESIGN section 8).
//!
//! Everything stateful is a set of integer **counters** addressed by string keys that the core
//! derives from the definition and the input ([`keys`]). A store reads a [`Snapshot`] of the
//! keys an evaluation needs ([`crate::compile::Program::state_keys`]); the core decides on it
//! and returns the outcome with the [`Delta`]s it implies, each carrying its own bounds, so a
//! store applies them atomically without knowing any rule (and refuses them all when a bound
//! no longer holds, after which the caller reads again and decides again). [`memory`] is the
//! in-memory state that applies the same deltas (the simulation's state, and the model the
//! stores are tested against).
//!
//! A later kind of state (code pools, point lots, gift-card balances) adds its keys to
//! [`keys`], its decisions next to [`limits`], and reuses [`Delta`]: a balance is a counter
//! with `min: Some(0)`.

pub mod key_list;
pub mod keys;
pub mod limits;
pub mod members;
pub mod memory;
pub mod pools;

pub use limits::{compile, Block, Limits, Meter, Usage};
pub use members::Members;

/// The hasher of the state's string-keyed maps (counter keys, member and family keys):
/// foldhash, hashbrown's default, seeded per process. A simulation hashes about 70 keys an
/// order, and std's SipHash-1-3 spent 16% of a replay on them; foldhash is several times
/// cheaper on short strings and still randomly seeded against keys chosen to collide.
pub type Hasher = hashbrown::DefaultHashBuilder;

/// A `HashMap` with the state's [`Hasher`].
pub type HashMap<K, V> = std::collections::HashMap<K, V, Hasher>;

/// Counter values read from a store: what is committed plus what live reservations hold.
/// A key that is absent reads as 0.
///
/// Most counters sit in `counters`. The simulation also *lends* whole families (the keys
/// `family#member` of one customer's loyalty programme, one gift card...) as its state holds
/// them ([`Members`]), and takes them back once the order is decided ([`Snapshot::lend`],
/// [`Snapshot::take_lent`]): copying a frequent customer's family key by key into
/// `counters` on every order was a third of a long replay. A key lives in one place: in its
/// family's members when that family is lent, otherwise in `counters`.
///
/// The simulation lends its usage-limit counters whole too ([`Snapshot::lend_limits`]):
/// they are read by key alone ([`Snapshot::get`]), never as family members (a limit key has
/// no `#`), and are left out of [`Snapshot::to_map`] and [`Snapshot::len`], which would
/// otherwise walk every customer's counters on every order.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub counters: HashMap<String, i64>,
    /// Lent families: `(family, its members)`, a handful at most.
    lent: Vec<(String, Members)>,
    /// Lent limit counters (empty unless lent).
    limits: HashMap<String, i64>,
}

impl Snapshot {
    pub fn get(&self, key: &str) -> i64 {
        self.find(key).unwrap_or(0)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    fn find(&self, key: &str) -> Option<i64> {
        if !self.lent.is_empty() {
            let (family, member) = members::split(key);
            if let Some(m) = self.lent_family(family) {
                return m.get(member);
            }
        }
        let found = if self.counters.is_empty() {
            None
        } else {
            self.counters.get(key).copied()
        };
        if found.is_none() && !self.limits.is_empty() {
            return self.limits.get(key).copied();
        }
        found
    }

    /// Lends limit counters whole (the simulation's, read for every order), read after
    /// `counters` and the lent families; [`Snapshot::take_limits`] takes them back.
    pub fn lend_limits(&mut self, limits: HashMap<String, i64>) {
        debug_assert!(self.limits.is_empty(), "limits are lent once at a time");
        self.limits = limits;
    }

    /// Takes back what [`Snapshot::lend_limits`] lent (empty when nothing was).
    pub fn take_limits(&mut self) -> HashMap<String, i64> {
        std::mem::take(&mut self.limits)
    }

    fn lent_family(&self, family: &str) -> Option<&Members> {
        self.lent.iter().find(|(f, _)| f == family).map(|(_, m)| m)
    }

    /// The members of `family` (what follows `family#` in their keys) with their values, in
    /// no particular order: a lent family's without scanning the other counters.
    pub fn members<'a>(&'a self, family: &'a str) -> impl Iterator<Item = (&'a str, i64)> {
        let lent = self.lent_family(family).into_iter().flat_map(Members::iter);
        let read = self
            .counters
            .iter()
            .filter_map(move |(k, v)| match members::split(k) {
                (f, m) if f == family && k.len() > f.len() => Some((m, *v)),
                _ => None,
            });
        lent.chain(read)
    }

    pub fn len(&self) -> usize {
        self.counters.len() + self.lent.iter().map(|(_, m)| m.len()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every counter in one map, by full key.
    pub fn to_map(&self) -> HashMap<String, i64> {
        let mut out = self.counters.clone();
        for (family, members) in &self.lent {
            out.extend(
                members
                    .iter()
                    .map(|(m, v)| (members::full_key(family, m), v)),
            );
        }
        out
    }

    /// Lends `family`'s counters (none of which is in `counters`) until
    /// [`Snapshot::take_lent`].
    pub fn lend(&mut self, family: String, members: Members) {
        debug_assert!(self.lent_family(&family).is_none());
        debug_assert!(!self.counters.keys().any(|k| members::split(k).0 == family));
        self.lent.push((family, members));
    }

    /// Gives the lent families back, leaving none.
    pub fn take_lent(&mut self) -> std::vec::Drain<'_, (String, Members)> {
        self.lent.drain(..)
    }
}

/// Equal when every key reads the same, however the counters are held.
impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        self.to_map() == other.to_map()
    }
}

impl Eq for Snapshot {}

impl From<HashMap<String, i64>> for Snapshot {
    fn from(counters: HashMap<String, i64>) -> Self {
        Self {
            counters,
            lent: Vec::new(),
            limits: HashMap::default(),
        }
    }
}

impl FromIterator<(String, i64)> for Snapshot {
    fn from_iter<I: IntoIterator<Item = (String, i64)>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<HashMap<_, _>>())
    }
}

/// One change a decision implies: `counter[key] += add`, applied only if afterwards
/// `min <= counter[key] <= max` (where given). A store applies all deltas of one decision or
/// none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub key: String,
    pub add: i64,
    pub max: Option<i64>,
    pub min: Option<i64>,
}

impl Delta {
    /// Whether the delta may be applied to a counter holding `value`.
    pub fn holds(&self, value: i64) -> bool {
        let Some(after) = value.checked_add(self.add) else {
            return false;
        };
        self.max.is_none_or(|m| after <= m) && self.min.is_none_or(|m| after >= m)
    }

    /// The delta that undoes this one, without bounds (a rollback or a release).
    #[must_use]
    pub fn reverse(&self) -> Self {
        Self {
            key: self.key.clone(),
            add: -self.add,
            max: None,
            min: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_limits_are_read_by_key_after_counters_and_taken_back_whole() {
        let mut snap: Snapshot = [("count|campaign=a".to_owned(), 1)].into_iter().collect();
        let limits: HashMap<String, i64> = [
            ("count|campaign=a".to_owned(), 9),
            ("budget|campaign=b".to_owned(), 250),
        ]
        .into_iter()
        .collect();
        snap.lend_limits(limits.clone());
        assert_eq!(snap.get("count|campaign=a"), 1, "what was read first wins");
        assert_eq!(snap.get("budget|campaign=b"), 250);
        assert_eq!(snap.get("count|campaign=zz"), 0);
        assert_eq!(snap.members("budget|campaign=b").count(), 0);
        assert_eq!(snap.len(), 1, "lent limits are not walked");
        assert_eq!(snap.take_limits(), limits);
        assert_eq!(snap.get("budget|campaign=b"), 0);
    }
}
