//! How each [`ErrorKind`] is worded (worded once, for every source of the problem) and the
//! context values it carries (`ctx` in Python).

use super::{CtxValue, ErrorKind};

impl ErrorKind {
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
