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

    // -- definitions: rules, effects, campaigns, engine settings ---------------------------
    /// A function the rule language does not have.
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    /// `item` outside a macro over items or an item predicate.
    NotInScope { name: String },
    /// A root (`cart`) used as a value instead of one of its fields.
    NotAValue { name: String },
    /// A function called with the wrong number of arguments.
    ArgumentCount {
        func: String,
        expected: String,
        got: usize,
    },
    /// A rule node whose operands have the wrong types (type `type_mismatch`): `what` (an
    /// operator, a function, "a rule") needs `expected` and got `got`, in the expression `expr`.
    OperandType {
        expr: String,
        what: String,
        expected: String,
        got: String,
    },
    /// Where a target is expected, something else (type `type_mismatch`), typically a condition
    /// that belongs inside `pm.items(...)`.
    NotATarget { got: String },
    /// A literal (number, timestamp, duration, regular expression) that does not read.
    InvalidLiteral {
        what: String,
        value: String,
        reason: Option<String>,
    },
    /// A fraction where a whole number is needed.
    NotInteger,
    /// An empty text or list where one is needed; with a hint what to write instead.
    Empty { hint: Option<String> },
    /// One of several choices (an effect type, a stacking mode, a rounding mode), and not one
    /// of them.
    UnknownChoice {
        got: String,
        expected: String,
        suggestion: Option<String>,
    },
    /// An IANA timezone name that is not in the compiled-in database.
    UnknownTimezone {
        name: String,
        suggestion: Option<String>,
    },
    /// An ISO 4217 currency code that is not known.
    UnknownCurrency {
        code: String,
        suggestion: Option<String>,
    },
    /// Exactly one of several fields must be given.
    ExactlyOne { fields: String },
    /// Two options that cannot be used together.
    Incompatible { option: String, other: String },
    /// A time that must come after another (`ends_at` after `starts_at`).
    NotAfter { field: String, other: String },
    /// A duplicate, naming where the other one is (type `duplicate`).
    DuplicateOf { value: String, other: String },
    /// More nodes in one expression than allowed.
    TooManyNodes { max: u64 },
    /// A datetime without a timezone.
    NaiveDatetime,
    /// An IR version this build does not read.
    UnsupportedVersion { got: String, supported: String },
    /// A number whose magnitude reaches the bound of every number (10^14).
    OutOfRange { limit: String },
    /// Text that is not valid Unicode (a Python `str` with a lone surrogate).
    InvalidUnicode,
    /// A cart whose subtotal reaches the bound of every number, so no rule could read it.
    SubtotalTooLarge { max: String },
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
            Self::TypeMismatch { .. } | Self::OperandType { .. } | Self::NotATarget { .. } => {
                "type_mismatch"
            }
            Self::Required => "required",
            Self::NotFinite => "not_finite",
            Self::TooLarge { .. } => "too_large",
            Self::TooSmall { .. } => "too_small",
            Self::TooLong { .. } => "too_long",
            Self::TooDeep { .. } => "too_deep",
            Self::TooComplex { .. } => "too_complex",
            Self::Duplicate { .. } | Self::DuplicateOf { .. } => "duplicate",
            Self::Invalid { .. } => "invalid",
            Self::UnknownFunction { .. } => "unknown_function",
            Self::NotInScope { .. } => "not_in_scope",
            Self::NotAValue { .. } => "not_a_value",
            Self::ArgumentCount { .. } => "argument_count",
            Self::InvalidLiteral { .. } => "invalid_literal",
            Self::NotInteger => "not_integer",
            Self::Empty { .. } => "empty",
            Self::UnknownChoice { .. } => "unknown_choice",
            Self::UnknownTimezone { .. } => "unknown_timezone",
            Self::UnknownCurrency { .. } => "unknown_currency",
            Self::ExactlyOne { .. } => "exactly_one",
            Self::Incompatible { .. } => "incompatible",
            Self::NotAfter { .. } => "out_of_order",
            Self::TooManyNodes { .. } => "too_many_nodes",
            Self::NaiveDatetime => "naive_datetime",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::OutOfRange { .. } => "out_of_range",
            Self::InvalidUnicode => "invalid_unicode",
            Self::SubtotalTooLarge { .. } => "subtotal_too_large",
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
            Self::UnknownFunction { name, suggestion } => {
                format!(
                    "unknown function '{name}'{}",
                    did_you_mean(suggestion.as_deref())
                )
            }
            Self::NotInScope { name } => format!(
                "`{name}` can only be used inside a macro over a list of items or an item predicate"
            ),
            Self::NotAValue { name } => {
                format!("'{name}' is not a value; use one of its fields, e.g. '{name}.metadata'")
            }
            Self::ArgumentCount {
                func,
                expected,
                got,
            } => format!("'{func}' takes {expected}, got {got}"),
            Self::OperandType {
                expr,
                what,
                expected,
                got,
            } => format!("in `{expr}`: {what} needs {expected}, got {got}"),
            Self::NotATarget { got } => format!(
                "expected a target (pm.ORDER, pm.SHIPPING or pm.items(...)), got {got}; \
                 to target the items a condition holds for, use pm.items(condition)"
            ),
            Self::InvalidLiteral {
                what,
                value,
                reason,
            } => match reason {
                Some(r) => format!("invalid {what} \"{value}\": {r}"),
                None => format!("invalid {what} \"{value}\""),
            },
            Self::NotInteger => "must be a whole number".to_owned(),
            Self::Empty { hint } => match hint {
                Some(h) => format!("must not be empty; {h}"),
                None => "must not be empty".to_owned(),
            },
            Self::UnknownChoice {
                got,
                expected,
                suggestion,
            } => format!(
                "'{got}' is not one of {expected}{}",
                did_you_mean(suggestion.as_deref())
            ),
            Self::UnknownTimezone { name, suggestion } => {
                format!(
                    "unknown timezone '{name}'{}",
                    did_you_mean(suggestion.as_deref())
                )
            }
            Self::UnknownCurrency { code, suggestion } => {
                format!(
                    "unknown currency '{code}'{}",
                    did_you_mean(suggestion.as_deref())
                )
            }
            Self::ExactlyOne { fields } => format!("give exactly one of {fields}"),
            Self::Incompatible { option, other } => {
                format!("{option} cannot be combined with {other}")
            }
            Self::NotAfter { field, other } => format!("{field} must be later than {other}"),
            Self::DuplicateOf { value, other } => format!("duplicate '{value}' (also {other})"),
            Self::TooManyNodes { max } => format!("more than {max} nodes"),
            Self::NaiveDatetime => {
                "a naive datetime is ambiguous: give it a timezone, e.g. tzinfo=timezone.utc"
                    .to_owned()
            }
            Self::UnsupportedVersion { got, supported } => {
                format!("unsupported IR version {got}; this build reads {supported}")
            }
            Self::OutOfRange { limit } => {
                format!("out of range: numbers must stay below {limit} in magnitude")
            }
            Self::InvalidUnicode => {
                "text is not valid Unicode (it has a lone surrogate)".to_owned()
            }
            Self::SubtotalTooLarge { max } => format!(
                "the cart's subtotal must stay below {max} (each line's price x quantity, \
                 rounded up to a whole unit, summed)"
            ),
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
            Self::TooLarge { max } | Self::SubtotalTooLarge { max } => {
                vec![("max", CtxValue::from(max.as_str()))]
            }
            Self::TooSmall { min } => vec![("min", CtxValue::from(min.as_str()))],
            Self::TooLong { max } => vec![("max", CtxValue::Int(*max as i128))],
            Self::TooDeep { max } | Self::TooComplex { max } => {
                vec![("max", CtxValue::Int(i128::from(*max)))]
            }
            Self::Duplicate { value } => vec![("value", CtxValue::from(value.as_str()))],
            Self::UnknownFunction { name, suggestion }
            | Self::UnknownTimezone { name, suggestion } => with_suggestion(
                vec![("name", CtxValue::from(name.as_str()))],
                suggestion.as_ref(),
            ),
            Self::UnknownCurrency { code, suggestion } => with_suggestion(
                vec![("code", CtxValue::from(code.as_str()))],
                suggestion.as_ref(),
            ),
            Self::NotInScope { name } | Self::NotAValue { name } => {
                vec![("name", CtxValue::from(name.as_str()))]
            }
            Self::ArgumentCount {
                func,
                expected,
                got,
            } => vec![
                ("func", CtxValue::from(func.as_str())),
                ("expected", CtxValue::from(expected.as_str())),
                ("got", CtxValue::Int(*got as i128)),
            ],
            Self::OperandType {
                expr,
                what,
                expected,
                got,
            } => vec![
                ("expr", CtxValue::from(expr.as_str())),
                ("what", CtxValue::from(what.as_str())),
                ("expected", CtxValue::from(expected.as_str())),
                ("got", CtxValue::from(got.as_str())),
            ],
            Self::NotATarget { got } => vec![
                ("expected", CtxValue::from("a target")),
                ("got", CtxValue::from(got.as_str())),
            ],
            Self::InvalidLiteral {
                what,
                value,
                reason,
            } => {
                let mut v = vec![
                    ("what", CtxValue::from(what.as_str())),
                    ("value", CtxValue::from(value.as_str())),
                ];
                if let Some(r) = reason {
                    v.push(("reason", CtxValue::from(r.as_str())));
                }
                v
            }
            Self::Empty { hint } => hint
                .iter()
                .map(|h| ("hint", CtxValue::from(h.as_str())))
                .collect(),
            Self::UnknownChoice {
                got,
                expected,
                suggestion,
            } => with_suggestion(
                vec![
                    ("got", CtxValue::from(got.as_str())),
                    ("expected", CtxValue::from(expected.as_str())),
                ],
                suggestion.as_ref(),
            ),
            Self::ExactlyOne { fields } => vec![("fields", CtxValue::from(fields.as_str()))],
            Self::Incompatible { option, other } => vec![
                ("option", CtxValue::from(option.as_str())),
                ("other", CtxValue::from(other.as_str())),
            ],
            Self::NotAfter { field, other } => vec![
                ("field", CtxValue::from(field.as_str())),
                ("other", CtxValue::from(other.as_str())),
            ],
            Self::DuplicateOf { value, other } => vec![
                ("value", CtxValue::from(value.as_str())),
                ("other", CtxValue::from(other.as_str())),
            ],
            Self::TooManyNodes { max } => vec![("max", CtxValue::Int(i128::from(*max)))],
            Self::UnsupportedVersion { got, supported } => vec![
                ("got", CtxValue::from(got.as_str())),
                ("supported", CtxValue::from(supported.as_str())),
            ],
            Self::OutOfRange { limit } => vec![("limit", CtxValue::from(limit.as_str()))],
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

    /// The kind named by its variant (`snake_case`) and context values: how Python-side checks
    /// word their errors through the same messages. `None` for an unknown name or missing
    /// context.
    pub fn from_parts(variant: &str, ctx: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        let s = |k: &str| ctx(k);
        let num = |k: &str| ctx(k).and_then(|v| v.parse::<u64>().ok());
        Some(match variant {
            "syntax_error" => Self::SyntaxError {
                message: s("message")?,
            },
            "unknown_field" => Self::UnknownField {
                name: s("name")?,
                suggestion: s("suggestion"),
            },
            "type_mismatch" => Self::TypeMismatch {
                expected: s("expected")?,
                got: s("got")?,
            },
            "required" => Self::Required,
            "not_finite" => Self::NotFinite,
            "too_large" => Self::TooLarge { max: s("max")? },
            "too_small" => Self::TooSmall { min: s("min")? },
            "too_long" => Self::TooLong {
                max: usize::try_from(num("max")?).ok()?,
            },
            "too_deep" => Self::TooDeep { max: num("max")? },
            "too_complex" => Self::TooComplex { max: num("max")? },
            "duplicate" => Self::Duplicate { value: s("value")? },
            "invalid" => Self::Invalid {
                message: s("message")?,
            },
            "not_a_target" => Self::NotATarget { got: s("got")? },
            "not_integer" => Self::NotInteger,
            "empty" => Self::Empty { hint: s("hint") },
            "unknown_choice" => Self::UnknownChoice {
                got: s("got")?,
                expected: s("expected")?,
                suggestion: s("suggestion"),
            },
            "exactly_one" => Self::ExactlyOne {
                fields: s("fields")?,
            },
            "incompatible" => Self::Incompatible {
                option: s("option")?,
                other: s("other")?,
            },
            "not_after" => Self::NotAfter {
                field: s("field")?,
                other: s("other")?,
            },
            "naive_datetime" => Self::NaiveDatetime,
            "unsupported_version" => Self::UnsupportedVersion {
                got: s("got")?,
                supported: s("supported")?,
            },
            _ => return None,
        })
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean '{s}'?"))
}

fn with_suggestion(
    mut v: Vec<(&'static str, CtxValue)>,
    suggestion: Option<&String>,
) -> Vec<(&'static str, CtxValue)> {
    if let Some(s) = suggestion {
        v.push(("suggestion", CtxValue::from(s.as_str())));
    }
    v
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
