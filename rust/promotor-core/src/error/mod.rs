//! One error type for the whole core: a stable `snake_case` `type` per problem, a location (a path
//! into what the caller passed, plus a line and column inside rule text), and context values.
//!
//! The binding converts [`Errors`] to a Python exception at one point
//! (`rust/promotor-py/src/errors.rs`): `RuleError` for definitions, `InputError` for carts and
//! other call input, each with `.errors() -> [{"type", "loc", "msg", "ctx"}]`. Messages are
//! worded here once, so every source of the same problem (a Python dict, a JSON file, an Arrow
//! row, a pydantic model) reads the same. See pydantic-core's `src/errors/types.rs`.
//!
//! - this file: a location ([`Loc`], [`Span`]), one problem ([`Error`]) and every problem of
//!   one definition or input ([`Errors`]);
//! - `kind`: [`ErrorKind`], the stable types, and reading one back from its parts;
//! - `message`: the wording and the context values of each kind.

mod kind;
mod message;

use std::fmt;

pub use kind::ErrorKind;

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
