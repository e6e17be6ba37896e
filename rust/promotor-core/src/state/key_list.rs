//! [`KeyList`]: distinct keys in order of first insertion, found by position. A decision's
//! changed counters ([`crate::programs::work::Work`]) and an order's limit keys
//! ([`super::Meter`]) are a handful of keys built on every evaluation: a search of a short
//! vector beats hashing and copying each key into an index, which is kept only once the
//! list grows past [`KeyList::SEARCHED`] (an import, a spend over many lots, a catalogue of
//! many limited campaigns), so no case turns quadratic.

use super::HashMap;

#[derive(Debug, Clone, Default)]
pub struct KeyList {
    keys: Vec<String>,
    /// Position of every key, once `keys` is longer than [`KeyList::SEARCHED`].
    index: HashMap<String, usize>,
}

impl KeyList {
    /// How many keys are searched in order before an index is kept.
    pub const SEARCHED: usize = 16;

    pub fn position(&self, key: &str) -> Option<usize> {
        if self.keys.len() > Self::SEARCHED {
            self.index.get(key).copied()
        } else {
            self.keys.iter().position(|k| k == key)
        }
    }

    /// The position of `key`, added at the end when it is new (copied only then).
    pub fn insert<K: AsRef<str> + Into<String>>(&mut self, key: K) -> usize {
        if let Some(at) = self.position(key.as_ref()) {
            return at;
        }
        let key = key.into();
        let at = self.keys.len();
        if at >= Self::SEARCHED {
            if self.index.is_empty() {
                self.index = (self.keys.iter().enumerate())
                    .map(|(i, k)| (k.clone(), i))
                    .collect();
            }
            self.index.insert(key.clone(), at);
        }
        self.keys.push(key);
        at
    }

    pub fn as_slice(&self) -> &[String] {
        &self.keys
    }

    pub fn into_vec(self) -> Vec<String> {
        self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_again_whether_searched_or_indexed() {
        let mut list = KeyList::default();
        for round in 0..2 {
            for i in 0..100 {
                assert_eq!(list.insert(format!("count|k{i}")), i);
                assert_eq!(list.position(&format!("count|k{i}")), Some(i));
            }
            assert_eq!(
                list.as_slice().len(),
                100,
                "round {round} adds no key twice"
            );
        }
        assert_eq!(list.position("absent"), None);
    }
}
