//! One error type for the whole core: a stable `snake_case` `type` per problem, a location (a path
//! into what the caller passed, plus a line and column inside rule text), and context values.
//!
//! The binding converts [`Errors`] to a Python exception at one point
//! (`rust/promotor-py/src/errors.rs`): `RuleError` for definitions, `InputError` for carts and
//! other call input, each with `.errors() -> [{"type", "loc", "msg", "ctx"}]`. Messages are
//! worded here once, so every source of the same problem (a Python dict, a JSON file, an Arrow
//! row, a pydantic model) reads the same. See pydantic-core's `src/errors/types.rs`.

use std::fmt;

/// One step of a location: a mapping key or a list index, as in `("campaigns", 3, "rules")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Loc {
    Key(String),
    Index(usize),
}

impl Loc {
    pub fn key(k: &str) -> Self {
        Self::Key(k.to_owned())
    }
}

impl From<&str> for Loc {
    fn from(k: &str) -> Self {
        Self::Key(k.to_owned())
    }
}

impl From<usize> for Loc {
    fn from(i: usize) -> Self {
        Self::Index(i)
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(k) => f.write_str(k),
            Self::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A position inside rule text: 1-based line and character column, and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

/// A context value of an error (`ctx` in Python): what was expected, the limit, a suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxValue {
    Str(String),
    Int(i128),
}

impl From<&str> for CtxValue {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for CtxValue {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<i128> for CtxValue {
    fn from(n: i128) -> Self {
        Self::Int(n)
    }
}

/// Which exception an error becomes: a bad definition or bad call input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `RuleError`: campaigns, rules, effects, engine settings.
    Rule,
    /// `InputError`: carts, customers, contexts, codes, times, tables.
    Input,
}

/// The kind of a problem. Each has a stable `snake_case` [`ErrorKind::type_name`] that callers,
/// editors and translations can key on, a message worded once, and its context values.
///
/// Add a variant for a new kind of problem rather than reusing [`ErrorKind::Invalid`] with a
/// new message: the type is the contract, the message is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Rule text that does not parse.
    SyntaxError { message: String },
    /// A name that is not a field, function or option; with a did-you-mean when one is close.
    UnknownField {
        name: String,
        suggestion: Option<String>,
    },
    /// A value of the wrong type.
    TypeMismatch { expected: String, got: String },
    /// A required field is missing (or null).
    Required,
    /// NaN or an infinity where a number is expected.
    NotFinite,
    /// Larger than allowed.
    TooLarge { max: String },
    /// Smaller than allowed.
    TooSmall { min: String },
    /// A text, list or table longer than allowed.
    TooLong { max: usize },
    /// An expression nested deeper than allowed.
    TooDeep { max: u64 },
    /// An expression whose bounded worst-case work exceeds the limit.
    TooComplex { max: u64 },
    /// The same value twice where values must be unique (an id, a code).
    Duplicate { value: String },
    /// A value that is well typed but not allowed here; the message says why.
    Invalid { message: String },
    /// A zero-width or bidi control character in a code, at a character `position` (0-based,
    /// as Python indexes a `str`): invisible, so two codes that look the same would differ.
    InvisibleCharacter {
        character: char,
        /// Its Unicode name, lower case (`zero width space`).
        name: &'static str,
        position: usize,
    },
    /// A code pattern whose space is too small for the codes that will be live: one random
    /// guess in fewer than `2^min_bits` would hit one (DESIGN section 9).
    PatternTooSmall {
        /// `#` positions in the pattern.
        random: usize,
        /// Characters in the charset.
        charset: usize,
        /// `charset ^ random`: the codes the pattern can make.
        space: u128,
        /// Codes live after the generation (the pool's size).
        live: u128,
        min_bits: u32,
        /// The fewest `#` that would do.
        random_needed: usize,
    },
}

impl ErrorKind {
    /// The stable `snake_case` type of this kind of problem.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::SyntaxError { .. } => "syntax_error",
            Self::UnknownField { .. } => "unknown_field",
            Self::TypeMismatch { .. } => "type_mismatch",
            Self::Required => "required",
            Self::NotFinite => "not_finite",
            Self::TooLarge { .. } => "too_large",
            Self::TooSmall { .. } => "too_small",
            Self::TooLong { .. } => "too_long",
            Self::TooDeep { .. } => "too_deep",
            Self::TooComplex { .. } => "too_complex",
            Self::Duplicate { .. } => "duplicate",
            Self::Invalid { .. } => "invalid",
            Self::InvisibleCharacter { .. } => "invisible_character",
            Self::PatternTooSmall { .. } => "pattern_too_small",
        }
    }

    /// The message, worded once for every source of the problem.
    pub fn message(&self) -> String {
        match self {
            Self::SyntaxError { message } | Self::Invalid { message } => message.clone(),
            Self::UnknownField { name, suggestion } => match suggestion {
                Some(s) => format!("unknown field '{name}'; did you mean '{s}'?"),
                None => format!("unknown field '{name}'"),
            },
            Self::TypeMismatch { expected, got } => format!("expected {expected}, got {got}"),
            Self::Required => "required".to_owned(),
            Self::NotFinite => "must be a finite number".to_owned(),
            Self::TooLarge { max } => format!("must be at most {max}"),
            Self::TooSmall { min } => format!("must be at least {min}"),
            Self::TooLong { max } => format!("too long: at most {max}"),
            Self::TooDeep { max } => format!("nested too deeply: at most {max} levels"),
            Self::TooComplex { max } => format!("too costly to evaluate: at most {max}"),
            Self::Duplicate { value } => format!("duplicate '{value}'"),
            Self::InvisibleCharacter {
                character,
                name,
                position,
            } => format!(
                "invisible character {} ({name}) at position {position}: codes must not \
                 contain zero-width or bidi control characters",
                codepoint(*character),
            ),
            Self::PatternTooSmall {
                random,
                charset,
                space,
                live,
                min_bits,
                random_needed,
            } => {
                format!(
                    "pattern too small: {random} random characters of {charset} make {} codes \
                     for {} live codes, so one random guess in {} hits a live code ({:.1} \
                     bits); at least {min_bits} bits are needed: use {random_needed} or more random \
                     characters",
                    thousands(*space),
                    thousands(*live),
                    thousands((*space / (*live).max(1)).max(1)),
                    guess_bits(*space, *live),
                )
            }
        }
    }

    /// Context values (`ctx` in Python), by name.
    pub fn context(&self) -> Vec<(&'static str, CtxValue)> {
        match self {
            Self::UnknownField { name, suggestion } => {
                let mut v = vec![("name", CtxValue::from(name.as_str()))];
                if let Some(s) = suggestion {
                    v.push(("suggestion", CtxValue::from(s.as_str())));
                }
                v
            }
            Self::TypeMismatch { expected, got } => vec![
                ("expected", CtxValue::from(expected.as_str())),
                ("got", CtxValue::from(got.as_str())),
            ],
            Self::TooLarge { max } => vec![("max", CtxValue::from(max.as_str()))],
            Self::TooSmall { min } => vec![("min", CtxValue::from(min.as_str()))],
            Self::TooLong { max } => vec![("max", CtxValue::Int(*max as i128))],
            Self::TooDeep { max } | Self::TooComplex { max } => {
                vec![("max", CtxValue::Int(i128::from(*max)))]
            }
            Self::Duplicate { value } => vec![("value", CtxValue::from(value.as_str()))],
            Self::InvisibleCharacter {
                character,
                position,
                ..
            } => vec![
                ("position", CtxValue::Int(*position as i128)),
                ("character", CtxValue::Str(codepoint(*character))),
            ],
            Self::PatternTooSmall {
                random,
                charset,
                space,
                live,
                min_bits,
                random_needed,
            } => vec![
                ("random", CtxValue::Int(*random as i128)),
                ("charset", CtxValue::Int(*charset as i128)),
                ("space", CtxValue::Int(*space as i128)),
                ("live", CtxValue::Int(*live as i128)),
                (
                    "bits",
                    CtxValue::Str(format!("{:.1}", guess_bits(*space, *live))),
                ),
                ("min_bits", CtxValue::Int(i128::from(*min_bits))),
                ("random_needed", CtxValue::Int(*random_needed as i128)),
            ],
            _ => Vec::new(),
        }
    }
}

/// `U+200B`.
fn codepoint(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `1,048,576`.
fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// log2(space / live): how many bits a guesser must beat.
#[allow(clippy::cast_precision_loss)] // a figure for people, one decimal
fn guess_bits(space: u128, live: u128) -> f64 {
    (space as f64 / live.max(1) as f64).log2()
}

/// One problem: what, where, and (inside rule text) the line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub loc: Vec<Loc>,
    pub span: Option<Span>,
}

impl Error {
    pub fn new(kind: ErrorKind, loc: Vec<Loc>) -> Self {
        Self {
            kind,
            loc,
            span: None,
        }
    }

    #[must_use]
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn message(&self) -> String {
        self.kind.message()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path: Vec<String> = self.loc.iter().map(ToString::to_string).collect();
        let mut wrote = false;
        if !path.is_empty() {
            f.write_str(&path.join("."))?;
            wrote = true;
        }
        if let Some(s) = self.span {
            if wrote {
                f.write_str(" ")?;
            }
            write!(f, "(line {}, column {})", s.line, s.column)?;
            wrote = true;
        }
        if wrote {
            f.write_str(": ")?;
        }
        f.write_str(&self.message())
    }
}

/// Every problem found in one definition or one input, in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors {
    pub category: Category,
    pub errors: Vec<Error>,
}

impl Errors {
    pub fn rule(errors: Vec<Error>) -> Self {
        Self {
            category: Category::Rule,
            errors,
        }
    }

    pub fn input(errors: Vec<Error>) -> Self {
        Self {
            category: Category::Input,
            errors,
        }
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let what = match self.category {
            Category::Rule => "definition",
            Category::Input => "input",
        };
        write!(
            f,
            "{n} error{} in the {what}",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_snake_case_and_messages_render_with_location() {
        let e = Error::new(
            ErrorKind::UnknownField {
                name: "subtotl".into(),
                suggestion: Some("subtotal".into()),
            },
            vec![Loc::key("campaigns"), Loc::Index(3), Loc::key("rules")],
        )
        .with_span(Span {
            line: 1,
            column: 6,
            offset: 5,
        });
        assert_eq!(e.kind.type_name(), "unknown_field");
        assert_eq!(
            e.to_string(),
            "campaigns.3.rules (line 1, column 6): unknown field 'subtotl'; did you mean 'subtotal'?"
        );
        assert_eq!(
            e.kind.context(),
            vec![
                ("name", CtxValue::from("subtotl")),
                ("suggestion", CtxValue::from("subtotal"))
            ]
        );
    }
}
