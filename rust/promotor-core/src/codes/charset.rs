//! The characters a `#` of a pattern is drawn from.

use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;

use super::normalize;
use crate::error::{Error, ErrorKind, Loc};

/// Upper-case letters and digits without the look-alikes `0 O 1 I`: 32 characters, 5 bits each.
pub const DEFAULT: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// At most this many characters in a charset.
pub const MAX_LEN: usize = 1024;

/// A checked charset: at least two characters, each one character once normalised, and no two
/// the same once normalised (so `"aA"` is refused: codes compare case-insensitively, and its
/// space would be half what it claims).
#[derive(Debug, Clone)]
pub struct Charset {
    chars: Vec<char>,
    /// For an ASCII charset: the index + 1 of each character by its lower-cased byte; 0 for
    /// bytes that are not in the charset. How a key is read back into an index.
    lower: Option<[u16; 128]>,
}

impl Charset {
    /// Checks `text`; errors are located at `("charset",)`.
    pub fn new(text: &str) -> Result<Self, Vec<Error>> {
        let loc = vec![Loc::key("charset")];
        let fail = |kind| Err(vec![Error::new(kind, loc.clone())]);
        let chars: Vec<char> = text.chars().collect();
        if chars.len() < 2 {
            return fail(ErrorKind::TooSmall {
                min: "2 characters".to_owned(),
            });
        }
        if chars.len() > MAX_LEN {
            return fail(ErrorKind::TooLong { max: MAX_LEN });
        }
        let mut errors = Vec::new();
        let mut seen: HashMap<String, char> = HashMap::with_capacity(chars.len());
        for (position, &c) in chars.iter().enumerate() {
            let bad = |why: String| {
                Error::new(
                    ErrorKind::Invalid {
                        message: format!("{why} (charset position {position})"),
                    },
                    loc.clone(),
                )
            };
            if let Err(kind) = normalize::check(c.encode_utf8(&mut [0; 4])) {
                if let ErrorKind::InvisibleCharacter {
                    character, name, ..
                } = kind
                {
                    errors.push(Error::new(
                        ErrorKind::InvisibleCharacter {
                            character,
                            name,
                            position,
                        },
                        loc.clone(),
                    ));
                }
                continue;
            }
            if c.is_whitespace() || c.is_control() {
                errors.push(bad(format!(
                    "U+{:04X} is white space or a control character, which a code must not \
                     hold",
                    u32::from(c)
                )));
                continue;
            }
            if is_combining_mark(c) {
                errors.push(bad(format!(
                    "U+{:04X} is a combining mark: it would merge with its neighbour",
                    u32::from(c)
                )));
                continue;
            }
            let key = normalize::key(c.encode_utf8(&mut [0; 4])).unwrap_or_default();
            if key.chars().count() != 1 {
                errors.push(bad(format!(
                    "'{c}' reads as '{key}' once normalised; each charset character must stay \
                     one character"
                )));
                continue;
            }
            match seen.get(&key) {
                Some(&first) if first == c => errors.push(Error::new(
                    ErrorKind::Duplicate {
                        value: c.to_string(),
                    },
                    loc.clone(),
                )),
                Some(&first) => errors.push(bad(format!(
                    "'{first}' and '{c}' are the same character once normalised (codes compare \
                     case-insensitively)"
                ))),
                None => {
                    seen.insert(key, c);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let lower = text.is_ascii().then(|| {
            let mut table = [0u16; 128];
            for (i, c) in chars.iter().enumerate() {
                table[c.to_ascii_lowercase() as usize] = i as u16 + 1;
            }
            table
        });
        Ok(Self { chars, lower })
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn is_ascii(&self) -> bool {
        self.lower.is_some()
    }

    /// The characters as bytes, for an ASCII charset.
    pub fn ascii_bytes(&self) -> Option<Vec<u8>> {
        self.is_ascii()
            .then(|| self.chars.iter().map(|&c| c as u8).collect())
    }

    pub fn char(&self, index: usize) -> char {
        self.chars[index]
    }

    /// The index of the character whose key is the ASCII byte `b` in either case.
    pub fn index_of_key_byte(&self, b: u8) -> Option<u32> {
        let table = self.lower.as_ref()?;
        match table.get(b.to_ascii_lowercase() as usize) {
            Some(&i) if i > 0 => Some(u32::from(i) - 1),
            _ => None,
        }
    }
}

impl Default for Charset {
    fn default() -> Self {
        Self::new(DEFAULT).expect("the default charset is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        Charset::new(text)
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_default_has_32_characters_without_look_alikes() {
        let c = Charset::default();
        assert_eq!(c.len(), 32);
        assert!(!DEFAULT.contains(['0', 'O', '1', 'I']));
        assert_eq!(c.index_of_key_byte(b'a'), Some(0));
        assert_eq!(c.index_of_key_byte(b'A'), Some(0));
        assert_eq!(c.index_of_key_byte(b'o'), None);
        assert_eq!(c.index_of_key_byte(b'9'), Some(31));
    }

    #[test]
    fn characters_that_are_one_once_normalised_are_refused() {
        assert_eq!(
            messages("aA"),
            vec![
                "charset: 'a' and 'A' are the same character once normalised (codes compare \
                 case-insensitively) (charset position 1)"
            ]
        );
        assert_eq!(messages("abca"), vec!["charset: duplicate 'a'"]);
        assert_eq!(messages("Kk\u{212a}").len(), 2); // the Kelvin sign is K
        assert!(messages("aß")[0].contains("reads as 'ss'"));
        assert!(messages("a b")[0].contains("white space"));
        assert!(messages("ae\u{301}")[0].contains("combining mark"));
        assert!(messages("ab\u{200d}")[0].contains("U+200D (zero width joiner) at position 2"));
        assert_eq!(
            messages("a"),
            vec!["charset: must be at least 2 characters"]
        );
    }

    #[test]
    fn non_ascii_charsets_are_accepted() {
        let c = Charset::new("ÄÖÜ").expect("valid");
        assert_eq!(c.len(), 3);
        assert!(!c.is_ascii());
    }
}
