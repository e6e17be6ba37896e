//! The kinds of problem: one variant and one stable `snake_case` type each, and the kind read
//! back from its type and context values (how Python-side checks word their errors). The
//! wording is in `message.rs`.

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
