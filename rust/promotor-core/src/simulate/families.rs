//! Counter families held in memory: what a store's range read of `family#` returns, for the
//! programme families of the replay ([`super::points`], [`super::issued`],
//! [`super::gift_cards`], [`super::referral`]). Each keeps the keys of one kind
//! ([`crate::programs::keys`]); a counter that comes back to 0 is dropped, as a store's read
//! leaves zeros out, so the snapshot the core decides on is the one `engine.redeem` reads.

use crate::state::HashMap;

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
    key.bytes()
        .position(|b| b == b'#')
        .map_or(key, |at| &key[..at])
}

/// The families of one kind: family -> its counters (full key, non-zero value).
#[derive(Debug, Clone, Default)]
pub struct FamilyMap {
    families: HashMap<String, Vec<(String, i64)>>,
}

impl FamilyMap {
    /// Sets a counter of the starting state.
    pub fn set(&mut self, key: String, value: i64) {
        if value == 0 {
            return;
        }
        let members = self.families.entry(family(&key).to_owned()).or_default();
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(m) => m.1 = value,
            None => members.push((key, value)),
        }
    }

    /// Copies every counter of `family` into `snapshot`.
    pub fn read_into(&self, family: &str, snapshot: &mut Snapshot) {
        if let Some(members) = self.families.get(family) {
            for (k, v) in members {
                snapshot.0.insert(k.clone(), *v);
            }
        }
    }

    pub fn get(&self, key: &str) -> i64 {
        self.families
            .get(family(key))
            .and_then(|m| m.iter().find(|(k, _)| k == key))
            .map_or(0, |m| m.1)
    }

    /// Applies one delta if it holds on the value it meets (one lookup of the family, one
    /// scan of its members).
    pub fn apply(&mut self, d: &Delta) -> Result<(), String> {
        let fam = family(&d.key);
        let members = match self.families.get_mut(fam) {
            Some(m) => m,
            None => self.families.entry(fam.to_owned()).or_default(),
        };
        let at = members.iter().position(|(k, _)| *k == d.key);
        let value = at.map_or(0, |i| members[i].1);
        if !d.holds(value) {
            if members.is_empty() {
                self.families.remove(fam);
            }
            return Err(format!("{} = {value} does not take {d:?}", d.key));
        }
        let after = value + d.add;
        match at {
            Some(i) if after == 0 => {
                members.swap_remove(i);
            }
            Some(i) => members[i].1 = after,
            None if after != 0 => members.push((d.key.clone(), after)),
            None => {}
        }
        if members.is_empty() {
            self.families.remove(fam);
        }
        Ok(())
    }

    /// Every family with its counters.
    pub fn families(&self) -> impl Iterator<Item = (&str, &[(String, i64)])> {
        self.families
            .iter()
            .map(|(f, m)| (f.as_str(), m.as_slice()))
    }

    /// Every counter.
    pub fn counters(&self) -> impl Iterator<Item = (&str, i64)> {
        self.families
            .values()
            .flatten()
            .map(|(k, v)| (k.as_str(), *v))
    }
}

/// The programme family of one kind of key: reads the families the checkout names that are
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

    pub fn owns(&self, key: &str) -> bool {
        kind(key) == self.kind
    }

    pub fn read(&self, families: &[String], snapshot: &mut Snapshot) {
        for f in families {
            if self.owns(f) {
                self.map.read_into(f, snapshot);
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
    fn a_family_reads_whole_and_drops_zeros() {
        let mut m = FamilyMap::default();
        m.set("loyalty|program=p|customer=c#lot=a/-".to_owned(), 5);
        let spend = Delta {
            key: "loyalty|program=p|customer=c#lot=a/-".to_owned(),
            add: -5,
            max: None,
            min: Some(0),
        };
        m.apply(&spend).unwrap();
        let mut snap = Snapshot::default();
        m.read_into("loyalty|program=p|customer=c", &mut snap);
        assert!(snap.0.is_empty());
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
