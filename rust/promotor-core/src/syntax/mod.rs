//! Rule text: lexer, parser (text -> IR) and printer (IR -> text).
//!
//! The language is a subset of CEL with exact decimals; see docs/semantics.md and DESIGN.md §5.
//! The key property: for every well-formed [`Expr`] (see [`print`]), `parse(&print(&e)) == Ok(e)`.
use crate::error::{Error, ErrorKind, Loc, Span};
use crate::ir::{Expr, RuleBounds};

mod lexer;
mod parser;
mod printer;
#[cfg(test)]
mod tests;

/// The deepest nesting the parser accepts whatever `RuleBounds::max_depth` says, so that parsing (which
/// recurses, about 8 KB of stack per level of parentheses in a debug build, far less in release)
/// stays inside a 2 MB thread stack.
pub const MAX_SUPPORTED_DEPTH: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
pub struct SyntaxError {
    pub message: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// Byte offset into the text.
    pub offset: usize,
}

impl SyntaxError {
    /// An error at byte `offset` of `text` (clamped to the text and to a character boundary).
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = line_column(text, offset);
        Self {
            message: message.into(),
            line,
            column,
            offset,
        }
    }
}

/// 1-based line and character column of byte `offset` (a character boundary) in `text`.
fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Words that cannot be identifiers or dotted path segments (write `x["in"]` instead).
pub const RESERVED_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Whether `s` is a reserved word (see [`RESERVED_WORDS`]).
pub fn is_reserved(s: &str) -> bool {
    RESERVED_WORDS.contains(&s)
}

/// Whether `s` can be written as a bare name in rule text: `[A-Za-z_][A-Za-z0-9_]*` and not a
/// reserved word. Field roots, dotted path segments, function names and macro variables must be.
pub fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !is_reserved(s)
}

/// Parses rule text into an expression.
///
/// Rejects text longer than `limits.max_text_len` bytes and expressions nesting deeper than
/// `limits.max_depth` (capped at [`MAX_SUPPORTED_DEPTH`]); depth counts nodes on the longest
/// root-to-leaf path, so a lone literal has depth 1. Parentheses count towards the parser's own
/// recursion bound (twice the depth limit, plus one), never towards the depth of the result.
pub fn parse(text: &str, limits: &RuleBounds) -> Result<Expr, SyntaxError> {
    parse_spanned(text, limits).map(|(e, _)| e)
}

/// [`parse`], with the byte offset of every node in post-order (children first, in the order
/// of [`Expr::for_each_child`]).
fn parse_spanned(text: &str, limits: &RuleBounds) -> Result<(Expr, Vec<usize>), SyntaxError> {
    if text.len() > limits.max_text_len as usize {
        return Err(SyntaxError::at(
            text,
            limits.max_text_len as usize,
            format!(
                "the rule is longer than the limit of {} bytes",
                limits.max_text_len
            ),
        ));
    }
    let tokens = lexer::tokenize(text)?;
    parser::parse_tokens(text, tokens, limits.max_depth.min(MAX_SUPPORTED_DEPTH))
}

impl SyntaxError {
    /// As a located core [`Error`] (type `syntax_error`).
    pub fn to_error(&self, loc: Vec<Loc>) -> Error {
        Error::new(
            ErrorKind::SyntaxError {
                message: self.message.clone(),
            },
            loc,
        )
        .with_span(Span {
            line: self.line,
            column: self.column,
            offset: self.offset,
        })
    }
}

/// Where the node at `path` (steps from the root, as compile errors locate nodes) starts in
/// the rule text it was parsed from: the deepest node on the path that exists. `None` when
/// the text does not parse.
pub fn locate(text: &str, path: &[Loc]) -> Option<Span> {
    let (expr, offsets) = parse_spanned(text, &RuleBounds::PARSE).ok()?;
    let index = post_index(&expr, path);
    let offset = *offsets.get(index)?;
    let (line, column) = line_column(text, offset);
    Some(Span {
        line,
        column,
        offset,
    })
}

/// Nodes in the subtree of `e`.
fn size(e: &Expr) -> usize {
    let mut n = 1;
    e.for_each_child(|_, c| n += size(c));
    n
}

/// The post-order index, within `e`'s subtree, of the deepest node on `path`.
fn post_index(e: &Expr, path: &[Loc]) -> usize {
    let step = match path {
        [Loc::Key(k), Loc::Index(i), ..] => Some((k.as_str(), Some(*i), 2)),
        [Loc::Key(k), ..] => Some((k.as_str(), None, 1)),
        _ => None,
    };
    let mut before = 0;
    let mut found = None;
    if let Some((key, index, used)) = step {
        e.for_each_child(|(k, i), c| {
            if found.is_some() {
                return;
            }
            if k == key && i == index {
                found = Some(before + post_index(c, &path[used..]));
            } else {
                before += size(c);
            }
        });
    }
    found.unwrap_or_else(|| size(e) - 1)
}

/// Adds the line and column of errors inside rule text: `sources` are the locations of
/// expressions written as text, with their text.
pub fn locate_errors(errors: &mut [Error], sources: &[(Vec<Loc>, String)]) {
    for err in errors.iter_mut().filter(|e| e.span.is_none()) {
        let source = sources
            .iter()
            .filter(|(loc, _)| err.loc.starts_with(loc))
            .max_by_key(|(loc, _)| loc.len());
        if let Some((loc, text)) = source {
            err.span = locate(text, &err.loc[loc.len()..]);
        }
    }
}

/// Prints an expression as canonical rule text with the fewest parentheses.
///
/// Round-trips (`parse(&print(&e)) == Ok(e)`, within the limits) for every well-formed
/// expression: field roots, function names and macro variables are identifiers ([`is_identifier`]),
/// numbers match `-?[0-9]+(\.[0-9]+)?`, `all`/`exists`/`exists_one`/`filter`/`map` have a variable
/// and a body, and `count`/`sum`/`min`/`max` have both or neither. Anything else is still printed,
/// verbatim where it cannot be written faithfully (e.g. a field root `"my key"` prints as
/// `my key`), and will not parse back. Iterative: any depth prints without deep recursion.
pub fn print(expr: &Expr) -> String {
    printer::print(expr)
}
