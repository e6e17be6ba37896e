//! Counter families held in memory: what a store's range read of `family#` returns, for the
//! programme families of the replay ([`super::points`], [`super::issued`],
//! [`super::gift_cards`], [`super::referral`]). Each keeps the keys of one kind
//! ([`crate::programs::keys`]); a counter that comes back to 0 is dropped, as a store's read
//! leaves zeros out, so the snapshot the core decides on is the one `engine.redeem` reads.

use crate::state::HashMap;

use crate::state::members::{self, Members};
use crate::state::{Delta, Snapshot};

/// The kind of a key: what comes before its first `|` (`loyalty`, `gift_card`, `code`,
/// `referral`; limits' `count` and `budget`).
pub fn kind(key: &str) -> &str {
    // Byte loops: every family asks this of every delta of every order, and a `split` on a
    // set of chars costs several times more to set up than the scan itself.
    key.bytes()
        .position(|b| b == b'|' || b == b'#')
        .map_or(key, |at| &key[..at])
}

/// The family of a key: what comes before its first `#` (values escape `#`).
pub fn family(key: &str) -> &str {
    crate::state::members::split(key).0
}

/// The families of one kind: family -> its counters ([`Members`]). A family read for an
/// order is lent to the order's snapshot whole ([`FamilyMap::lend`]) and given back before
/// the order's deltas apply ([`FamilyMap::give_back`]).
#[derive(Debug, Clone, Default)]
pub struct FamilyMap {
    families: HashMap<String, Members>,
}

impl FamilyMap {
    /// Sets a counter of the starting state.
    pub fn set(&mut self, key: &str, value: i64) {
        if value == 0 {
            return;
        }
        let (family, member) = members::split(key);
        let members = self.families.entry(family.to_owned()).or_default();
        members.set(member, value);
    }

    /// Lends every counter of `family` to `snapshot` (nothing when it has none, or is lent
    /// already): the state holds the family again only once [`FamilyMap::give_back`] has it.
    pub fn lend(&mut self, family: &str, snapshot: &mut Snapshot) {
        if let Some((family, members)) = self.families.remove_entry(family) {
            snapshot.lend(family, members);
        }
    }

    /// Takes back a family [`FamilyMap::lend`] lent.
    pub fn give_back(&mut self, family: String, members: Members) {
        let had = self.families.insert(family, members);
        debug_assert!(had.is_none(), "a lent family is not held meanwhile");
    }

    pub fn get(&self, key: &str) -> i64 {
        let (family, member) = members::split(key);
        self.families
            .get(family)
            .and_then(|m| m.get(member))
            .unwrap_or(0)
    }

    /// Applies one delta if it holds on the value it meets (one lookup of the family, one
    /// search of its members).
    pub fn apply(&mut self, d: &Delta) -> Result<(), String> {
        let (fam, member) = members::split(&d.key);
        let members = match self.families.get_mut(fam) {
            Some(m) => m,
            None => self.families.entry(fam.to_owned()).or_default(),
        };
        let applied = members.update(member, |value| {
            if d.holds(value) {
                Ok(value + d.add)
            } else {
                Err(format!("{} = {value} does not take {d:?}", d.key))
            }
        });
        if members.is_empty() {
            self.families.remove(fam);
        }
        applied
    }

    /// Every family with its counters.
    pub fn families(&self) -> impl Iterator<Item = (&str, &Members)> {
        self.families.iter().map(|(f, m)| (f.as_str(), m))
    }

    /// Every counter, by full key.
    pub fn counters(&self) -> impl Iterator<Item = (String, i64)> + '_ {
        self.families.iter().flat_map(|(f, members)| {
            members
                .iter()
                .map(move |(m, v)| (members::full_key(f, m), v))
        })
    }
}

/// The programme family of one kind of key: lends the families the checkout names that are
/// of its kind, applies the deltas of its kind. What [`super::points`] and its siblings share.
#[derive(Debug, Clone)]
pub struct Kind {
    pub kind: &'static str,
    pub map: FamilyMap,
}

impl Kind {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            map: FamilyMap::default(),
        }
    }

    /// Whether `key` is of this kind: `kind(key) == self.kind`, by a prefix test (every
    /// family asks it of every delta, and most keys differ in their first byte).
    pub fn owns(&self, key: &str) -> bool {
        key.starts_with(self.kind)
            && key
                .as_bytes()
                .get(self.kind.len())
                .is_none_or(|b| *b == b'|' || *b == b'#')
    }

    pub fn read(&mut self, families: &[String], snapshot: &mut Snapshot) {
        for f in families {
            if self.owns(f) {
                self.map.lend(f, snapshot);
            }
        }
    }

    pub fn apply(&mut self, deltas: &[Delta]) -> Result<(), String> {
        for d in deltas {
            if self.owns(&d.key) {
                self.map.apply(d)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_owns_the_keys_whose_kind_it_is() {
        let k = Kind::new("loyalty");
        for key in [
            "loyalty|program=p|customer=c#lot=a/-",
            "loyalty#x",
            "loyalty",
            "loyaltyx|a",
            "loyal",
            "gift_card|code=a#balance",
            "",
        ] {
            assert_eq!(k.owns(key), kind(key) == "loyalty", "{key:?}");
        }
    }

    #[test]
    fn a_family_reads_whole_and_drops_zeros() {
        let mut m = FamilyMap::default();
        m.set("loyalty|program=p|customer=c#lot=a/-", 5);
        let spend = Delta {
            key: "loyalty|program=p|customer=c#lot=a/-".to_owned(),
            add: -5,
            max: None,
            min: Some(0),
        };
        m.apply(&spend).unwrap();
        let mut snap = Snapshot::default();
        m.lend("loyalty|program=p|customer=c", &mut snap);
        assert!(snap.is_empty());
        assert!(m.apply(&spend).is_err());
        assert_eq!(kind("loyalty|program=p#x"), "loyalty");
        assert_eq!(family("gift_card|code=a#balance"), "gift_card|code=a");
        assert_eq!(
            (kind("budget"), kind("code#x|y"), kind("")),
            ("budget", "code", "")
        );
        assert_eq!((family("a|b"), family("#")), ("a|b", ""));
    }
}
