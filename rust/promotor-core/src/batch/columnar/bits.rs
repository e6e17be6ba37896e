//! A bitmap over the orders of a chunk: bit `i` set means "order `i` may".

/// One bit per order, 64 to a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    /// Every bit set.
    pub fn ones(len: usize) -> Self {
        let mut b = Self {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        b.clear_tail();
        b
    }

    /// No bit set.
    pub fn zeros(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Bit `i` is `f(i)`.
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> bool) -> Self {
        let mut words = vec![0u64; len.div_ceil(64)];
        for (w, word) in words.iter_mut().enumerate() {
            let base = w * 64;
            let mut x = 0u64;
            for k in 0..64.min(len - base) {
                x |= u64::from(f(base + k)) << k;
            }
            *word = x;
        }
        Self { words, len }
    }

    fn clear_tail(&mut self) {
        let r = self.len % 64;
        if r != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << r) - 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn and_with(&mut self, other: &Self) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn or_with(&mut self, other: &Self) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// How many bits are set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn all(&self) -> bool {
        self.count() == self.len
    }
}

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn ones_zeros_and_or_over_a_partial_last_word() {
        let n = 130;
        let ones = Bits::ones(n);
        assert_eq!(ones.count(), n);
        assert!(ones.all() && !ones.get(n) && ones.get(n - 1));
        let even = Bits::from_fn(n, |i| i % 2 == 0);
        let third = Bits::from_fn(n, |i| i % 3 == 0);
        let mut and = even.clone();
        and.and_with(&third);
        assert_eq!(and, Bits::from_fn(n, |i| i % 6 == 0));
        let mut or = even;
        or.or_with(&third);
        assert_eq!(or, Bits::from_fn(n, |i| i % 2 == 0 || i % 3 == 0));
        assert_eq!(Bits::zeros(n).count(), 0);
        assert!(Bits::zeros(0).all() && Bits::ones(0).is_empty());
    }
}
