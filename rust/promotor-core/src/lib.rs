//! promotor's core: the rule language, the compiler and the evaluator. No Python here; the
//! binding in `rust/promotor-py` only converts values and errors.
// Arithmetic and parsers read best with short names (a, b, l, r, n, d).
#![allow(clippy::many_single_char_names)]
pub mod alloc;
pub mod arrow;
pub mod batch;
pub mod codes;
pub mod compile;
pub mod dates;
pub mod error;
pub mod eval;
pub mod input;
pub mod ir;
pub mod money;
pub mod num;
pub mod outcome;
pub mod programs;
pub mod schema;
pub mod simulate;
pub mod state;
pub mod syntax;
pub mod time;
pub mod value;

#[cfg(test)]
mod tests;

pub use compile::{check_expr, check_part, compile, Program, Scope};
pub use error::{Error, ErrorKind, Errors, Loc};
pub use money::{currencies, currency_exponent};

/// Whether `pattern` matches anywhere in `text`, with the rule language's regex dialect and
/// size limits; `None` when the pattern is invalid.
pub fn regex_search(pattern: &str, text: &str) -> Option<bool> {
    compile::build_regex(pattern)
        .ok()
        .map(|re| re.is_match(text))
}
