//! One family's counters held together ([`Members`]): what the simulation keeps per customer,
//! gift card or code, and lends whole to the snapshot an order is decided on
//! ([`super::Snapshot::lend`]).
//!
//! Why not a map of full keys: a frequent customer's loyalty family has a few hundred
//! counters (a lot and an earning counter per day with points), and every order of theirs
//! reads all of them. Held as one `String` per key, each read was a cache miss per counter
//! (a third of a long replay's time went to touching those strings). Here the member names
//! (what follows `family#`) sit back to back in one buffer, with a sorted index beside it: a
//! read walks two contiguous blocks, a lookup is a binary search.

/// The counters of one family by member name (non-zero values only; setting 0 removes).
#[derive(Debug, Clone, Default)]
pub struct Members {
    /// Member names back to back, with the bytes of removed members until they are
    /// compacted away.
    names: String,
    /// One entry per member, sorted by name.
    entries: Vec<Entry>,
    /// Bytes of `names` that no entry points at.
    garbage: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    value: i64,
}

impl Members {
    fn name(&self, e: &Entry) -> &str {
        let start = e.start as usize;
        &self.names[start..start + e.len as usize]
    }

    fn search(&self, member: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| self.name(e).cmp(member))
    }

    pub fn get(&self, member: &str) -> Option<i64> {
        self.search(member).ok().map(|i| self.entries[i].value)
    }

    /// Sets `member` to `value`; 0 removes it.
    pub fn set(&mut self, member: &str, value: i64) {
        let set: Result<(), std::convert::Infallible> = self.update(member, |_| Ok(value));
        let Ok(()) = set;
    }

    /// Sets `member` to what `change` makes of its value (0 when absent; 0 removes it),
    /// with one search; an `Err` changes nothing.
    pub fn update<E>(
        &mut self,
        member: &str,
        change: impl FnOnce(i64) -> Result<i64, E>,
    ) -> Result<(), E> {
        let at = self.search(member);
        let value = change(at.map_or(0, |i| self.entries[i].value))?;
        match (at, value) {
            (Ok(i), 0) => {
                let e = self.entries.remove(i);
                self.garbage += e.len as usize;
                self.compact_if_wasteful();
            }
            (Ok(i), v) => self.entries[i].value = v,
            (Err(_), 0) => {}
            (Err(i), v) => {
                let start = u32::try_from(self.names.len()).expect("a family's names fit 4 GiB");
                let len = u32::try_from(member.len()).expect("a member name fits 4 GiB");
                self.names.push_str(member);
                self.entries.insert(
                    i,
                    Entry {
                        start,
                        len,
                        value: v,
                    },
                );
            }
        }
        Ok(())
    }

    /// Rewrites `names` without removed members once they are more than half of it.
    fn compact_if_wasteful(&mut self) {
        if self.garbage * 2 <= self.names.len() {
            return;
        }
        let mut names = String::with_capacity(self.names.len() - self.garbage);
        for e in &mut self.entries {
            let start = e.start as usize;
            let from = &self.names[start..start + e.len as usize];
            e.start = names.len() as u32;
            names.push_str(from);
        }
        self.names = names;
        self.garbage = 0;
    }

    /// Every member with its value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> {
        self.entries.iter().map(|e| (self.name(e), e.value))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Equal when they hold the same members with the same values.
impl PartialEq for Members {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Members {}

/// `(family, member)` of a key: around its first `#` (values escape `#`); a key without
/// one is a family of its own with the empty member.
pub fn split(key: &str) -> (&str, &str) {
    // `split_once` on one ASCII char searches with memchr: a simulation splits every key it
    // reads, and the `#` comes after a long family.
    key.split_once('#').unwrap_or((key, ""))
}

/// The key of `member` in `family`: [`split`] undone.
pub fn full_key(family: &str, member: &str) -> String {
    if member.is_empty() {
        return family.to_owned();
    }
    let mut k = String::with_capacity(family.len() + member.len() + 1);
    k.push_str(family);
    k.push('#');
    k.push_str(member);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_stay_sorted_and_zero_removes() {
        let mut m = Members::default();
        m.set("lot=2026-01-02/-", 5);
        m.set("earned=2026-01-02", 5);
        m.set("tier", 1);
        m.set("lot=2026-01-02/-", 7);
        assert_eq!(m.get("lot=2026-01-02/-"), Some(7));
        assert_eq!(m.get("lot"), None);
        let names: Vec<&str> = m.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["earned=2026-01-02", "lot=2026-01-02/-", "tier"]);
        for _ in 0..100 {
            m.set("tier", 0);
            m.set("tier", 2);
        }
        // Removed names are compacted away.
        assert!(m.names.len() < 100);
        m.set("earned=2026-01-02", 0);
        m.set("missing", 0);
        assert_eq!(m.len(), 2);
        assert_eq!((m.get("tier"), m.get("earned=2026-01-02")), (Some(2), None));
        assert_eq!(split("a|b#c#d"), ("a|b", "c#d"));
        assert_eq!(split("a|b"), ("a|b", ""));
    }
}
