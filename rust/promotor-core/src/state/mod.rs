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

pub mod keys;
pub mod limits;
pub mod memory;
pub mod pools;

pub use limits::{compile, Block, Limits, Meter, Usage};

/// The hasher of the state's string-keyed maps (counter keys, member and family keys):
/// foldhash, hashbrown's default, seeded per process. A simulation hashes about 70 keys an
/// order, and std's SipHash-1-3 spent 16% of a replay on them; foldhash is several times
/// cheaper on short strings and still randomly seeded against keys chosen to collide.
pub type Hasher = hashbrown::DefaultHashBuilder;

/// A `HashMap` with the state's [`Hasher`].
pub type HashMap<K, V> = std::collections::HashMap<K, V, Hasher>;

/// Counter values read from a store: what is committed plus what live reservations hold.
/// A key that is absent reads as 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(pub HashMap<String, i64>);

impl Snapshot {
    pub fn get(&self, key: &str) -> i64 {
        self.0.get(key).copied().unwrap_or(0)
    }
}

impl FromIterator<(String, i64)> for Snapshot {
    fn from_iter<I: IntoIterator<Item = (String, i64)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
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
