//! Code patterns as Voucherify and Talon.One read them: each `#` is one random character of the
//! charset, anything else is literal (`"BF-####-####"`). A prefix and a suffix are literal
//! throughout, `#` included.

use super::charset::Charset;
use super::normalize;
use crate::error::{Error, ErrorKind, Loc};

/// The character that stands for one random character.
pub const RANDOM: char = '#';

/// At most this many characters in a code (prefix, pattern and suffix together).
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Random,
}

/// A checked prefix + pattern + suffix.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
    random: usize,
    /// For an ASCII template: its bytes, `#` where a random character goes, and the byte
    /// offsets of those places; how the fast path writes a code (one copy, then the slots).
    ascii: Option<(Vec<u8>, Vec<usize>)>,
}

impl Template {
    /// Checks the three parts; errors are located at `("prefix",)`, `("pattern",)` or
    /// `("suffix",)`.
    pub fn new(prefix: &str, pattern: &str, suffix: &str) -> Result<Self, Vec<Error>> {
        let mut errors = Vec::new();
        for (name, text) in [("prefix", prefix), ("pattern", pattern), ("suffix", suffix)] {
            let loc = || vec![Loc::key(name)];
            if let Err(kind) = normalize::check(text) {
                errors.push(Error::new(kind, loc()));
            } else if let Some((position, c)) =
                text.chars().enumerate().find(|(_, c)| c.is_control())
            {
                errors.push(Error::new(
                    ErrorKind::Invalid {
                        message: format!(
                            "control character U+{:04X} at position {position}",
                            u32::from(c)
                        ),
                    },
                    loc(),
                ));
            }
        }
        if !pattern.contains(RANDOM) {
            errors.push(Error::new(
                ErrorKind::Invalid {
                    message: format!(
                        "a pattern needs at least one '{RANDOM}' (each is one random character)"
                    ),
                },
                vec![Loc::key("pattern")],
            ));
        }
        let chars = prefix.chars().count() + pattern.chars().count() + suffix.chars().count();
        if chars > MAX_CHARS {
            errors.push(Error::new(
                ErrorKind::TooLong { max: MAX_CHARS },
                vec![Loc::key("pattern")],
            ));
        }
        let whole = format!("{prefix}{pattern}{suffix}");
        if whole.trim() != whole {
            let name = if whole.starts_with(char::is_whitespace) {
                if prefix.is_empty() {
                    "pattern"
                } else {
                    "prefix"
                }
            } else if suffix.is_empty() {
                "pattern"
            } else {
                "suffix"
            };
            errors.push(Error::new(
                ErrorKind::Invalid {
                    message: "a code must not start or end with white space (it is trimmed \
                              when codes are read)"
                        .to_owned(),
                },
                vec![Loc::key(name)],
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, parts: &mut Vec<Part>| {
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(literal)));
            }
        };
        literal.push_str(prefix);
        for c in pattern.chars() {
            if c == RANDOM {
                flush(&mut literal, &mut parts);
                parts.push(Part::Random);
            } else {
                literal.push(c);
            }
        }
        literal.push_str(suffix);
        flush(&mut literal, &mut parts);
        let random = parts.iter().filter(|p| **p == Part::Random).count();
        let ascii = whole.is_ascii().then(|| {
            let mut bytes = Vec::with_capacity(whole.len());
            let mut slots = Vec::with_capacity(random);
            for part in &parts {
                match part {
                    Part::Literal(text) => bytes.extend_from_slice(text.as_bytes()),
                    Part::Random => {
                        slots.push(bytes.len());
                        bytes.push(RANDOM as u8);
                    }
                }
            }
            (bytes, slots)
        });
        Ok(Self {
            parts,
            random,
            ascii,
        })
    }

    /// The number of `#`.
    pub fn random(&self) -> usize {
        self.random
    }

    /// The ASCII form: the template's bytes and the offsets of its random characters.
    pub fn ascii(&self) -> Option<(&[u8], &[usize])> {
        self.ascii
            .as_ref()
            .map(|(b, s)| (b.as_slice(), s.as_slice()))
    }

    /// Writes one code, taking each random character's index from `draw`.
    pub fn write(&self, charset: &Charset, out: &mut String, mut draw: impl FnMut() -> u32) {
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Random => out.push(charset.char(draw() as usize)),
            }
        }
    }

    /// The index of the code whose key is `key`, if this template (ASCII, with an ASCII
    /// charset) could have written it; how codes already in a pool are skipped. ASCII letters
    /// compare in either case, so a trimmed ASCII code may stand for its key. The index is
    /// the random characters' indices read as digits in base `charset.len()`, the first one
    /// the most significant.
    pub fn index_of_key(&self, charset: &Charset, key: &str) -> Option<u128> {
        let k = charset.len() as u128;
        let mut rest = key.as_bytes();
        let mut index: u128 = 0;
        for part in &self.parts {
            match part {
                Part::Literal(text) => {
                    let n = text.len();
                    if rest.len() < n || !rest[..n].eq_ignore_ascii_case(text.as_bytes()) {
                        return None;
                    }
                    rest = &rest[n..];
                }
                Part::Random => {
                    let (&b, tail) = rest.split_first()?;
                    let d = charset.index_of_key_byte(b)?;
                    index = index.checked_mul(k)?.checked_add(u128::from(d))?;
                    rest = tail;
                }
            }
        }
        rest.is_empty().then_some(index)
    }
}

/// `charset ^ random`, the number of codes a pattern can make; `None` past `u128`.
pub fn space(charset: usize, random: usize) -> Option<u128> {
    u32::try_from(random)
        .ok()
        .and_then(|r| (charset as u128).checked_pow(r))
}

/// The fewest random characters of a `charset`-character set for `live` codes to keep one
/// random guess in `2^min_bits` or fewer hitting a live code.
pub fn random_needed(charset: usize, live: u128, min_bits: u32) -> usize {
    let Some(target) = live.max(1).checked_mul(1u128 << min_bits.min(126)) else {
        return usize::MAX;
    };
    let mut n = 0;
    let mut size: u128 = 1;
    while size < target {
        size = size.saturating_mul(charset as u128);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_random_and_the_rest_literal() {
        let t = Template::new("BF-", "####-##", "#").expect("valid");
        assert_eq!(t.random(), 6);
        let mut out = String::new();
        let mut n = 0;
        let cs = Charset::default();
        t.write(&cs, &mut out, || {
            n += 1;
            n
        });
        assert_eq!(out, "BF-BCDE-FG#");
        // Digits 1..=6 in base 32.
        let index = (1..=6u128).fold(0, |i, d| i * 32 + d);
        assert_eq!(t.index_of_key(&cs, &out.to_ascii_lowercase()), Some(index));
        let (bytes, slots) = t.ascii().expect("ASCII");
        assert_eq!(
            (bytes, slots),
            (&b"BF-####-###"[..], &[3, 4, 5, 6, 8, 9][..])
        );
        assert_eq!(t.index_of_key(&cs, "bf-bcde-fg"), None);
        assert_eq!(t.index_of_key(&cs, "bf-bcde-fg##"), None);
        assert_eq!(t.index_of_key(&cs, "bf-bcde-f0#"), None); // 0 is not in the charset
    }

    #[test]
    fn a_pattern_needs_a_hash_and_no_white_space_at_its_ends() {
        let msgs = |p: &str, s: &str, x: &str| -> Vec<String> {
            Template::new(p, s, x)
                .expect_err("refused")
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            msgs("", "BLCKFRDY", ""),
            vec!["pattern: a pattern needs at least one '#' (each is one random character)"]
        );
        assert_eq!(
            msgs(" X", "##", ""),
            vec!["prefix: a code must not start or end with white space (it is trimmed when codes are read)"]
        );
        assert!(msgs("", "##\u{2066}", "")[0].starts_with("pattern: invisible character U+2066"));
        assert!(msgs("", "#\u{7}", "")[0].contains("control character U+0007 at position 1"));
        assert_eq!(
            msgs("", &"#".repeat(300), ""),
            vec!["pattern: too long: at most 256"]
        );
    }

    #[test]
    fn the_space_and_the_random_characters_needed() {
        assert_eq!(space(32, 4), Some(1 << 20));
        assert_eq!(space(32, 26), None);
        assert_eq!(random_needed(32, 1, 20), 4);
        assert_eq!(random_needed(32, 1000, 20), 6);
        assert_eq!(random_needed(32, 1_000_000, 20), 8);
        assert_eq!(random_needed(10, 1, 0), 0);
    }
}
