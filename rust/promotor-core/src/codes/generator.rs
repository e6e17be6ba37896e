//! Generation: random codes from a template, never repeated within a batch or against the codes
//! that already exist (a campaign's pool), refused when too guessable.
//!
//! The random source is ChaCha20 seeded from the operating system; a seed makes a batch
//! reproducible for tests and examples (and as guessable as the seed). Characters are drawn
//! with Lemire's unbiased method on 32-bit words, so the codes of a seed depend only on the
//! ChaCha20 stream, not on the version of a sampling library.
//!
//! Repeats are found by the code's index in `[0, charset^random)` when the template and charset
//! are ASCII (an index is its key: the template is fixed and no two charset characters share
//! a key), and by the normalised key otherwise.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

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

/// The seen-set's hash: the splitmix64 finaliser of a code's index. Indices are not chosen by
/// anyone who could aim at collisions (the random ones come from the CSPRNG; existing codes
/// are the caller's own pool), so a keyed hash would only cost time.
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 ^= (n as u64) ^ ((n >> 64) as u64).rotate_left(17);
    }
}

type IndexSet = HashSet<u128, BuildHasherDefault<Mix>>;

enum Seen {
    /// Indices of codes (ASCII template and charset, space within `u128`).
    Index(IndexSet),
    /// Normalised keys.
    Key(HashSet<String>),
}

/// A generation in progress: checked, with its seen-set and random source, producing codes in
/// chunks (so a binding can let Ctrl-C through between them).
pub struct Generator {
    template: Template,
    charset: Charset,
    rng: ChaCha20Rng,
    seen: Seen,
    remaining: usize,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
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

        let by_index = template.is_ascii() && charset.is_ascii() && space.is_some();
        let mut seen = if by_index {
            Seen::Index(IndexSet::with_capacity_and_hasher(
                spec.count,
                BuildHasherDefault::default(),
            ))
        } else {
            Seen::Key(HashSet::with_capacity(spec.count + existing.len()))
        };
        let mut bad = Vec::new();
        for (i, code) in existing.iter().enumerate() {
            match normalize::key(code.as_ref()) {
                Err(kind) => bad.push(Error::new(kind, vec![Loc::key("existing"), Loc::Index(i)])),
                Ok(key) => match &mut seen {
                    Seen::Index(set) => {
                        if let Some(index) = template.index_of_key(&charset, &key) {
                            set.insert(index);
                        }
                    }
                    Seen::Key(set) => {
                        set.insert(key);
                    }
                },
            }
        }
        if !bad.is_empty() {
            return Err(Errors::input(bad));
        }
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
            rng,
            seen,
            remaining: spec.count,
        })
    }

    /// Codes still to generate.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// Appends up to `n` new codes to `out`.
    pub fn fill(&mut self, n: usize, out: &mut Codes) {
        let n = n.min(self.remaining);
        if self.template.is_ascii() && self.charset.is_ascii() {
            out.text.reserve(n * self.template.ascii_len());
        }
        out.offsets.reserve(n);
        let k = self.charset.len() as u32;
        let mut made = 0;
        while made < n {
            let start = out.text.len();
            let rng = &mut self.rng;
            let index = self.template.write(&self.charset, &mut out.text, || below(rng, k));
            let new = match &mut self.seen {
                Seen::Index(set) => set.insert(index.expect("by index only within u128")),
                Seen::Key(set) => {
                    let key = normalize::key(&out.text[start..]).expect("checked template");
                    set.insert(key)
                }
            };
            if new {
                out.offsets.push(out.text.len());
                made += 1;
            } else {
                out.text.truncate(start);
            }
        }
        self.remaining -= n;
    }
}

/// Generates `spec.count` codes in one go (see [`Generator`]).
pub fn generate<S: AsRef<str>>(
    spec: &Spec<'_>,
    existing: &[S],
    seed: Option<u64>,
) -> Result<Codes, Errors> {
    let mut generator = Generator::new(spec, existing, seed)?;
    let mut codes = Codes::default();
    generator.fill(spec.count, &mut codes);
    Ok(codes)
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
            assert!(random.chars().all(|c| super::super::charset::DEFAULT.contains(c)));
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
        assert!(counts.iter().all(|&c| (9_400..10_600).contains(&c)), "{counts:?}");
    }
}
