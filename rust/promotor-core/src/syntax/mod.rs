//! Rule text: lexer, parser (text -> IR) and printer (IR -> text). PLACEHOLDER until the syntax
//! module lands; the signatures are the contract.
use crate::ir::{Expr, Limits};

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

pub fn parse(_text: &str, _limits: &Limits) -> Result<Expr, SyntaxError> {
    Err(SyntaxError {
        message: "rule text is not supported yet".into(),
        line: 1,
        column: 1,
        offset: 0,
    })
}

pub fn print(expr: &Expr) -> String {
    serde_json::to_string(expr).unwrap_or_default()
}
