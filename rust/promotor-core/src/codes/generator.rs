//! Generation: random codes from a template, never repeated within a batch or against the codes
//! that already exist (a campaign's pool), refused when too guessable.
//!
//! The random source is `ChaCha20` seeded from the operating system; a seed makes a batch
//! reproducible for tests and examples (and as guessable as the seed). Characters are drawn
//! with Lemire's unbiased method on 32-bit words, or as plain random bits when the charset has
//! a power-of-two size (the default's 32), so the codes of a seed depend only on the `ChaCha20`
//! stream, not on the version of a sampling library.
//!
//! When the template and the charset are ASCII (the usual case) a code is known by its index
//! in `[0, charset^random)`, which is its key too: the template is fixed and no two charset
//! characters share a key. Codes are drawn first and checked for repeats once, by sorting the
//! indices (sequential memory, several times faster than a hash set of millions of entries);
//! the rare repeat, or code already in the pool, is drawn again. Other templates are checked by
//! normalised key as they are drawn.

use std::collections::HashSet;
use std::hash::Hash;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::charset::Charset;
use super::normalize;
use super::pattern::{self, Template};
use crate::error::{Error, ErrorKind, Errors, Loc};

/// At most this many codes in one call.
pub const MAX_COUNT: usize = 10_000_000;

/// One random guess in `2^MIN_GUESS_BITS` at most may hit a live code (DESIGN section 9).
pub const MIN_GUESS_BITS: u32 = 20;

/// What to generate. `charset: None` is [`super::charset::DEFAULT`].
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub pattern: &'a str,
    pub charset: Option<&'a str>,
    pub prefix: &'a str,
    pub suffix: &'a str,
    pub count: usize,
    pub min_guess_bits: u32,
}

impl<'a> Spec<'a> {
    pub fn new(pattern: &'a str, count: usize) -> Self {
        Self {
            pattern,
            charset: None,
            prefix: "",
            suffix: "",
            count,
            min_guess_bits: MIN_GUESS_BITS,
        }
    }
}

/// Generated codes in one buffer (as Arrow keeps strings): code `i` is
/// `text[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone)]
pub struct Codes {
    pub text: String,
    pub offsets: Vec<usize>,
}

impl Default for Codes {
    fn default() -> Self {
        Self {
            text: String::new(),
            offsets: vec![0],
        }
    }
}

impl Codes {
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        &self.text[self.offsets[i]..self.offsets[i + 1]]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.offsets.windows(2).map(|w| &self.text[w[0]..w[1]])
    }
}

/// A code's index: `u64` when the space fits (nearly always), `u128` otherwise.
trait Index: Copy + Ord + Hash {
    const ZERO: Self;
    /// `bits` uniform random bits (`bits` at most the type's width).
    fn random_bits(rng: &mut ChaCha20Rng, bits: u32) -> Self;
    /// `(self >> shift) & mask`.
    fn digit(self, shift: u32, mask: u32) -> usize;
    /// `self * k + d`.
    fn push(self, k: u32, d: u32) -> Self;
}

fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

impl Index for u64 {
    const ZERO: Self = 0;
    fn random_bits(rng: &mut ChaCha20Rng, bits: u32) -> Self {
        rng.next_u64() & low_mask(bits)
    }
    fn digit(self, shift: u32, mask: u32) -> usize {
        ((self >> shift) as u32 & mask) as usize
    }
    fn push(self, k: u32, d: u32) -> Self {
        self * u64::from(k) + u64::from(d)
    }
}

impl Index for u128 {
    const ZERO: Self = 0;
    fn random_bits(rng: &mut ChaCha20Rng, bits: u32) -> Self {
        let low = u128::from(rng.next_u64() & low_mask(bits));
        if bits <= 64 {
            low
        } else {
            low | (u128::from(rng.next_u64() & low_mask(bits - 64)) << 64)
        }
    }
    fn digit(self, shift: u32, mask: u32) -> usize {
        ((self >> shift) as u32 & mask) as usize
    }
    fn push(self, k: u32, d: u32) -> Self {
        self * u128::from(k) + u128::from(d)
    }
}

/// An unbiased draw from `[0, k)` (Lemire, "Fast random integer generation in an interval").
#[inline]
fn below(rng: &mut ChaCha20Rng, k: u32) -> u32 {
    let mut m = u64::from(rng.next_u32()) * u64::from(k);
    if (m as u32) < k {
        let threshold = k.wrapping_neg() % k;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(k);
        }
    }
    (m >> 32) as u32
}

/// The fast path's template: ASCII bytes with the random characters' offsets.
struct Ascii {
    template: Vec<u8>,
    slots: Vec<usize>,
    chars: Vec<u8>,
    /// `log2(charset)` when the charset's size is a power of two: then a code is one draw of
    /// `bits * slots` random bits (the default charset: 5 bits a character).
    bits: Option<u32>,
}

impl Ascii {
    /// Draws one code into `code` (a copy of the template) and returns its index.
    #[inline]
    fn draw<T: Index>(&self, rng: &mut ChaCha20Rng, code: &mut [u8]) -> T {
        if let Some(bits) = self.bits {
            let index = T::random_bits(rng, bits * self.slots.len() as u32);
            let mask = (1u32 << bits) - 1;
            let mut shift = bits * self.slots.len() as u32;
            for &at in &self.slots {
                shift -= bits;
                code[at] = self.chars[index.digit(shift, mask)];
            }
            index
        } else {
            let k = self.chars.len() as u32;
            let mut index = T::ZERO;
            for &at in &self.slots {
                let d = below(rng, k);
                code[at] = self.chars[d as usize];
                index = index.push(k, d);
            }
            index
        }
    }
}

/// The fast path's codes: fixed-length ASCII codes back to back, with their indices.
struct Drawn<T> {
    text: Vec<u8>,
    indices: Vec<T>,
    /// Indices of the existing codes this template could have made, sorted.
    existing: Vec<T>,
}

impl<T: Index> Drawn<T> {
    fn fill(&mut self, a: &Ascii, rng: &mut ChaCha20Rng, n: usize) {
        let len = a.template.len();
        self.text.reserve(n * len);
        self.indices.reserve(n);
        for _ in 0..n {
            let start = self.text.len();
            self.text.extend_from_slice(&a.template);
            let index = a.draw(rng, &mut self.text[start..]);
            self.indices.push(index);
        }
    }

    /// Draws again every code that repeats an earlier one or an existing code.
    fn dedupe(&mut self, a: &Ascii, rng: &mut ChaCha20Rng) {
        let mut sorted = self.indices.clone();
        sorted.sort_unstable();
        // The values drawn twice or more, and those that exist already: usually none.
        let mut bad: HashSet<T> = sorted
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        let (mut i, mut j) = (0, 0);
        while i < sorted.len() && j < self.existing.len() {
            match sorted[i].cmp(&self.existing[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    bad.insert(sorted[i]);
                    i += 1;
                }
            }
        }
        if bad.is_empty() {
            return;
        }
        let len = a.template.len();
        let mut kept: HashSet<T> = HashSet::new();
        let mut again: HashSet<T> = HashSet::new();
        for pos in 0..self.indices.len() {
            let index = self.indices[pos];
            if !bad.contains(&index)
                || (self.existing.binary_search(&index).is_err() && kept.insert(index))
            {
                continue;
            }
            let code = &mut self.text[pos * len..(pos + 1) * len];
            loop {
                let fresh: T = a.draw(rng, code);
                if sorted.binary_search(&fresh).is_err()
                    && self.existing.binary_search(&fresh).is_err()
                    && again.insert(fresh)
                {
                    self.indices[pos] = fresh;
                    break;
                }
            }
        }
    }

    fn into_codes(self, len: usize) -> Codes {
        let n = self.indices.len();
        Codes {
            text: String::from_utf8(self.text).expect("an ASCII template and charset"),
            offsets: (0..=n).map(|i| i * len).collect(),
        }
    }
}

enum State {
    Small(Drawn<u64>),
    Large(Drawn<u128>),
    /// A template or charset that is not ASCII, or a space past `u128`: codes are checked by
    /// normalised key as they are drawn.
    Key {
        seen: HashSet<String>,
        codes: Codes,
    },
}

/// A generation in progress: checked, with its random source, producing codes in chunks (so a
/// binding can let Ctrl-C through between them) and checked for repeats by [`Generator::finish`].
pub struct Generator {
    template: Template,
    charset: Charset,
    ascii: Option<Ascii>,
    rng: ChaCha20Rng,
    state: State,
    remaining: usize,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

fn rule(errors: Vec<Error>) -> Errors {
    Errors::rule(errors)
}

impl Generator {
    /// Checks the spec (`RuleError`s, located at the argument) and the existing codes
    /// (`InputError`s at `("existing", i)`), then the guessability with the pool's size after
    /// the generation: `existing.len() + count` live codes.
    pub fn new<S: AsRef<str>>(
        spec: &Spec<'_>,
        existing: &[S],
        seed: Option<u64>,
    ) -> Result<Self, Errors> {
        let mut errors = Vec::new();
        let template = Template::new(spec.prefix, spec.pattern, spec.suffix);
        let charset = Charset::new(spec.charset.unwrap_or(super::charset::DEFAULT));
        if spec.count > MAX_COUNT {
            errors.push(Error::new(
                ErrorKind::TooLarge {
                    max: MAX_COUNT.to_string(),
                },
                vec![Loc::key("count")],
            ));
        }
        if spec.min_guess_bits > 64 {
            errors.push(Error::new(
                ErrorKind::TooLarge {
                    max: "64".to_owned(),
                },
                vec![Loc::key("min_guess_bits")],
            ));
        }
        let (template, charset) = match (template, charset) {
            (Ok(t), Ok(c)) if errors.is_empty() => (t, c),
            (t, c) => {
                errors.extend(t.err().into_iter().flatten());
                errors.extend(c.err().into_iter().flatten());
                return Err(rule(errors));
            }
        };
        let space = pattern::space(charset.len(), template.random());
        let live = existing.len() as u128 + spec.count as u128;
        let needed = live.checked_mul(1u128 << spec.min_guess_bits);
        if let (Some(space), Some(needed)) = (space, needed) {
            if space < needed {
                return Err(rule(vec![Error::new(
                    ErrorKind::PatternTooSmall {
                        random: template.random(),
                        charset: charset.len(),
                        space,
                        live,
                        min_bits: spec.min_guess_bits,
                        random_needed: pattern::random_needed(
                            charset.len(),
                            live,
                            spec.min_guess_bits,
                        ),
                    },
                    vec![Loc::key("pattern")],
                )]));
            }
        }

        let ascii = match (template.ascii(), charset.ascii_bytes(), space) {
            (Some((bytes, slots)), Some(chars), Some(_)) => Some(Ascii {
                template: bytes.to_vec(),
                slots: slots.to_vec(),
                bits: chars
                    .len()
                    .is_power_of_two()
                    .then(|| chars.len().trailing_zeros()),
                chars,
            }),
            _ => None,
        };
        // The fast path keeps the indices of the existing codes it could have made; an ASCII
        // code is read as it is (trimmed, either case), without building its key.
        let mut keys = Vec::new();
        let mut indices: Vec<u128> = Vec::new();
        let mut bad = Vec::new();
        for (i, code) in existing.iter().enumerate() {
            let code = code.as_ref();
            if ascii.is_some() && code.is_ascii() {
                indices.extend(template.index_of_key(&charset, code.trim()));
                continue;
            }
            match normalize::key(code) {
                Ok(key) if ascii.is_some() => indices.extend(template.index_of_key(&charset, &key)),
                Ok(key) => keys.push(key),
                Err(kind) => bad.push(Error::new(kind, vec![Loc::key("existing"), Loc::Index(i)])),
            }
        }
        if !bad.is_empty() {
            return Err(Errors::input(bad));
        }
        let state = match space {
            _ if ascii.is_none() => State::Key {
                seen: keys.into_iter().collect(),
                codes: Codes::default(),
            },
            Some(space) if space <= 1 << 64 => State::Small(Drawn {
                text: Vec::new(),
                indices: Vec::new(),
                existing: sorted(indices.into_iter().map(|i| i as u64).collect()),
            }),
            _ => State::Large(Drawn {
                text: Vec::new(),
                indices: Vec::new(),
                existing: sorted(indices),
            }),
        };
        let rng = match seed {
            Some(s) => ChaCha20Rng::seed_from_u64(s),
            None => ChaCha20Rng::try_from_os_rng().map_err(|e| {
                Errors::input(vec![Error::new(
                    ErrorKind::Invalid {
                        message: format!("the operating system's random source failed: {e}"),
                    },
                    Vec::new(),
                )])
            })?,
        };
        Ok(Self {
            template,
            charset,
            ascii,
            rng,
            state,
            remaining: spec.count,
        })
    }

    /// Codes still to draw.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// Draws up to `n` more codes.
    pub fn fill(&mut self, n: usize) {
        let n = n.min(self.remaining);
        self.remaining -= n;
        let rng = &mut self.rng;
        match (&mut self.state, &self.ascii) {
            (State::Small(d), Some(a)) => d.fill(a, rng, n),
            (State::Large(d), Some(a)) => d.fill(a, rng, n),
            (State::Key { seen, codes }, _) => {
                let k = self.charset.len() as u32;
                let mut made = 0;
                while made < n {
                    let start = codes.text.len();
                    self.template
                        .write(&self.charset, &mut codes.text, || below(rng, k));
                    let key = normalize::key(&codes.text[start..]).expect("a checked template");
                    if seen.insert(key) {
                        codes.offsets.push(codes.text.len());
                        made += 1;
                    } else {
                        codes.text.truncate(start);
                    }
                }
            }
            _ => unreachable!("the fast path has its template"),
        }
    }

    /// Draws what is left, then every repeat again: the codes, distinct by key and from the
    /// existing ones.
    pub fn finish(mut self) -> Codes {
        self.fill(self.remaining);
        let rng = &mut self.rng;
        match (self.state, &self.ascii) {
            (State::Small(mut d), Some(a)) => {
                d.dedupe(a, rng);
                d.into_codes(a.template.len())
            }
            (State::Large(mut d), Some(a)) => {
                d.dedupe(a, rng);
                d.into_codes(a.template.len())
            }
            (State::Key { codes, .. }, _) => codes,
            _ => unreachable!("the fast path has its template"),
        }
    }
}

/// Generates `spec.count` codes in one go (see [`Generator`]).
pub fn generate<S: AsRef<str>>(
    spec: &Spec<'_>,
    existing: &[S],
    seed: Option<u64>,
) -> Result<Codes, Errors> {
    Ok(Generator::new(spec, existing, seed)?.finish())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::error::Category;

    const NONE: [&str; 0] = [];

    fn gen(spec: &Spec<'_>, seed: u64) -> Vec<String> {
        generate(spec, &NONE, Some(seed))
            .expect("valid spec")
            .iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn codes_follow_the_pattern_and_the_charset() {
        let codes = gen(&Spec::new("BF-####-####", 1000), 7);
        assert_eq!(codes.len(), 1000);
        for code in &codes {
            assert_eq!(code.len(), 12);
            assert!(code.starts_with("BF-") && code.as_bytes()[7] == b'-');
            let random: String = code[3..7].chars().chain(code[8..].chars()).collect();
            assert!(random
                .chars()
                .all(|c| super::super::charset::DEFAULT.contains(c)));
        }
        let distinct: HashSet<&String> = codes.iter().collect();
        assert_eq!(distinct.len(), 1000);
    }

    #[test]
    fn a_seed_repeats_its_codes_and_no_seed_does_not() {
        let spec = Spec {
            prefix: "X-",
            suffix: "-Y",
            charset: Some("abcdef"),
            ..Spec::new("############", 50)
        };
        assert_eq!(gen(&spec, 1), gen(&spec, 1));
        assert_ne!(gen(&spec, 1), gen(&spec, 2));
        let a: Vec<String> = generate(&spec, &NONE, None)
            .expect("valid")
            .iter()
            .map(str::to_owned)
            .collect();
        let b: Vec<String> = generate(&spec, &NONE, None)
            .expect("valid")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_ne!(a, b);
        assert!(a[0].starts_with("X-") && a[0].ends_with("-Y"));
    }

    #[test]
    fn a_whole_space_is_drawn_without_repeats_or_existing_codes() {
        // 2^6 = 64 codes, 4 of them existing (in other spellings), 60 asked: every other code.
        let spec = Spec {
            charset: Some("AB"),
            min_guess_bits: 0,
            ..Spec::new("######", 60)
        };
        let existing = ["aaaaaa", " BBBBBB ", "ａｂａｂａｂ", "abbbba", "not-a-code"];
        let codes = generate(&spec, &existing[..4], Some(3)).expect("valid");
        let got: HashSet<&str> = codes.iter().collect();
        assert_eq!(got.len(), 60);
        for e in ["AAAAAA", "BBBBBB", "ABABAB", "ABBBBA"] {
            assert!(!got.contains(e), "{e} exists already");
        }
    }

    #[test]
    fn a_charset_of_any_size_draws_its_whole_space() {
        // 3^4 = 81 codes (Lemire draws, not bits), 5 existing, 76 asked: every other code.
        let spec = Spec {
            charset: Some("XYZ"),
            prefix: "Q",
            min_guess_bits: 0,
            ..Spec::new("##-##", 76)
        };
        let existing = ["qxx-xx", "QZZ-ZZ", "QXY-ZX", "qyy-yy", "QZX-YZ"];
        let codes = generate(&spec, &existing, None).expect("valid");
        let mut got: Vec<String> = codes.iter().map(str::to_ascii_lowercase).collect();
        got.extend(existing.iter().map(|e| e.to_ascii_lowercase()));
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 81);
    }

    #[test]
    fn long_patterns_past_64_and_128_bits_work() {
        for n in [13, 26, 40] {
            let codes = generate(&Spec::new(&"#".repeat(n), 1000), &["X"], Some(1)).expect("ok");
            let distinct: HashSet<&str> = codes.iter().collect();
            assert_eq!(distinct.len(), 1000);
            assert!(codes.iter().all(|c| c.len() == n));
        }
    }

    #[test]
    fn non_ascii_codes_are_kept_apart_by_their_keys() {
        let spec = Spec {
            charset: Some("ÄÖÜ"),
            prefix: "Straße-",
            min_guess_bits: 0,
            ..Spec::new("####", 80)
        };
        let codes = generate(&spec, &["STRASSE-äääö"], Some(5)).expect("valid");
        let keys: HashSet<String> = codes
            .iter()
            .map(|c| normalize::key(c).expect("valid"))
            .collect();
        assert_eq!(keys.len(), 80);
        assert!(!keys.contains("strasse-äääö"));
    }

    #[test]
    fn a_pattern_too_small_is_refused_with_its_numbers() {
        let err = generate(&Spec::new("BF-####", 1000), &NONE, Some(1)).expect_err("too small");
        assert_eq!(err.category, Category::Rule);
        assert_eq!(err.errors[0].loc, vec![Loc::key("pattern")]);
        assert_eq!(
            err.errors[0].message(),
            "pattern too small: 4 random characters of 32 make 1,048,576 codes for 1,000 live \
             codes, so one random guess in 1,048 hits a live code (10.0 bits); at least 20 bits \
             are needed: use 6 or more random characters"
        );
        // The pool counts: 32^4 = 2^20 is enough for one live code, not for two.
        let spec = Spec::new("####", 1);
        assert!(generate(&spec, &NONE, Some(1)).is_ok());
        assert!(generate(&spec, &["X"], Some(1)).is_err());
    }

    #[test]
    fn bad_arguments_are_located() {
        let spec = Spec {
            charset: Some("aa"),
            count: MAX_COUNT + 1,
            ..Spec::new("BF", 0)
        };
        let err = generate(&spec, &NONE, None).expect_err("bad");
        let locs: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            locs,
            vec![
                "count: must be at most 10000000",
                "pattern: a pattern needs at least one '#' (each is one random character)",
                "charset: duplicate 'a'",
            ]
        );
        let err = generate(&Spec::new("######", 1), &["ok", "x\u{200b}"], None).expect_err("bad");
        assert_eq!(err.category, Category::Input);
        assert_eq!(err.errors[0].loc, vec![Loc::key("existing"), Loc::Index(1)]);
    }

    #[test]
    fn uniform_draws_cover_the_charset_evenly() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[below(&mut rng, 7) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_400..10_600).contains(&c)),
            "{counts:?}"
        );
    }
}
