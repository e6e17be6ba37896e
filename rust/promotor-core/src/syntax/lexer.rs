//! Tokenizer for rule text. One pass over the bytes, linear in the length of the text.

use super::SyntaxError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok<'a> {
    Ident(&'a str),
    /// `[0-9]+(\.[0-9]+)?`, verbatim.
    Num(&'a str),
    /// A string literal with its escapes resolved.
    Str(String),
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Question,
    Colon,
    Bang,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Eof,
}

impl Tok<'_> {
    /// How the token is named in an error message.
    pub(super) fn describe(&self) -> String {
        let fixed = match self {
            Tok::Ident(s) | Tok::Num(s) => return format!("'{s}'"),
            Tok::Str(_) => return "a string".to_owned(),
            Tok::Eof => return "the end of the rule".to_owned(),
            Tok::True => "true",
            Tok::False => "false",
            Tok::Null => "null",
            Tok::In => "in",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Question => "?",
            Tok::Colon => ":",
            Tok::Bang => "!",
            Tok::Minus => "-",
            Tok::Plus => "+",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
        };
        format!("'{fixed}'")
    }

    /// Whether a `.5` after this token should be reported as a number without a leading digit.
    fn expects_operand(prev: Option<&Self>) -> bool {
        !matches!(
            prev,
            Some(
                Tok::Ident(_)
                    | Tok::Num(_)
                    | Tok::Str(_)
                    | Tok::True
                    | Tok::False
                    | Tok::Null
                    | Tok::RParen
                    | Tok::RBracket
            )
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub tok: Tok<'a>,
    /// Byte offset of the token's first character.
    pub offset: usize,
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token<'_>>, SyntaxError> {
    Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Token<'a>>,
}

impl<'a> Lexer<'a> {
    fn err(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::at(self.text, offset, message)
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, tok: Tok<'a>, offset: usize) {
        self.out.push(Token { tok, offset });
    }

    fn run(mut self) -> Result<Vec<Token<'a>>, SyntaxError> {
        while let Some(b) = self.peek_byte(0) {
            let start = self.pos;
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'/' if self.peek_byte(1) == Some(b'/') => {
                    while self.peek_byte(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b'0'..=b'9' => self.number()?,
                b'.' if self.peek_byte(1).is_some_and(|c| c.is_ascii_digit())
                    && Tok::expects_operand(self.out.last().map(|t| &t.tok)) =>
                {
                    return Err(
                        self.err(start, "a number must start with a digit: write 0.5, not .5")
                    );
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(),
                b'"' | b'\'' => self.string()?,
                _ => self.punct()?,
            }
        }
        let end = self.pos;
        self.push(Tok::Eof, end);
        Ok(self.out)
    }

    fn punct(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let b = self.bytes[start];
        let next = self.peek_byte(1);
        let (tok, len) = match (b, next) {
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b'[', _) => (Tok::LBracket, 1),
            (b']', _) => (Tok::RBracket, 1),
            (b',', _) => (Tok::Comma, 1),
            (b'.', _) => (Tok::Dot, 1),
            (b'?', _) => (Tok::Question, 1),
            (b':', _) => (Tok::Colon, 1),
            (b'!', Some(b'=')) => (Tok::Ne, 2),
            (b'!', _) => (Tok::Bang, 1),
            (b'-', _) => (Tok::Minus, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'=', Some(b'=')) => (Tok::EqEq, 2),
            (b'<', Some(b'=')) => (Tok::Le, 2),
            (b'<', _) => (Tok::Lt, 1),
            (b'>', Some(b'=')) => (Tok::Ge, 2),
            (b'>', _) => (Tok::Gt, 1),
            (b'&', Some(b'&')) => (Tok::AndAnd, 2),
            (b'|', Some(b'|')) => (Tok::OrOr, 2),
            (b'=', _) => {
                return Err(self.err(start, "'=' is not an operator; write '==' to compare"))
            }
            (b'&', _) => {
                return Err(self.err(start, "'&' is not an operator; write '&&' for \"and\""))
            }
            (b'|', _) => {
                return Err(self.err(start, "'|' is not an operator; write '||' for \"or\""))
            }
            _ => {
                let c = self.text[start..].chars().next().unwrap_or('\u{fffd}');
                let shown = if c.is_control() {
                    format!("U+{:04X}", u32::from(c))
                } else {
                    format!("'{c}'")
                };
                return Err(self.err(start, format!("unexpected character {shown}")));
            }
        };
        self.pos += len;
        self.push(tok, start);
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek_byte(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.digits();
        if self.peek_byte(0) == Some(b'.') && self.peek_byte(1).is_some_and(|c| c.is_ascii_digit())
        {
            self.pos += 1;
            self.digits();
            if self.peek_byte(0) == Some(b'.')
                && self.peek_byte(1).is_some_and(|c| c.is_ascii_digit())
            {
                return Err(self.err(self.pos, "a number can have only one decimal point"));
            }
        }
        let end = self.pos;
        match self.peek_byte(0) {
            Some(b'e' | b'E')
                if self.peek_byte(1).is_some_and(|c| c.is_ascii_digit())
                    || (matches!(self.peek_byte(1), Some(b'+' | b'-'))
                        && self.peek_byte(2).is_some_and(|c| c.is_ascii_digit())) =>
            {
                return Err(self.err(start, "number has an exponent; write it out in full"));
            }
            Some(b'x' | b'X') if &self.text[start..end] == "0" => {
                return Err(self.err(
                    start,
                    "hexadecimal numbers are not supported; write it in decimal",
                ));
            }
            Some(c) if c.is_ascii_alphanumeric() || c == b'_' => {
                return Err(self.err(
                    end,
                    format!(
                        "unexpected '{}' right after the number {}",
                        char::from(c),
                        &self.text[start..end]
                    ),
                ));
            }
            _ => {}
        }
        self.push(Tok::Num(&self.text[start..end]), start);
        Ok(())
    }

    fn word(&mut self) {
        let start = self.pos;
        while self
            .peek_byte(0)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        let tok = match word {
            "true" => Tok::True,
            "false" => Tok::False,
            "null" => Tok::Null,
            "in" => Tok::In,
            _ => Tok::Ident(word),
        };
        self.push(tok, start);
    }

    fn string(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let quote = self.bytes[start];
        self.pos += 1;
        let mut value = String::new();
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.pos;
            while self
                .peek_byte(0)
                .is_some_and(|c| c != quote && c != b'\\' && c != b'\n' && c != b'\r')
            {
                self.pos += 1;
            }
            value.push_str(&self.text[run_start..self.pos]);
            match self.peek_byte(0) {
                None | Some(b'\n' | b'\r') => {
                    return Err(self.err(
                        start,
                        "unterminated string (a string must end on the line it starts; write \\n for a line break)",
                    ));
                }
                Some(b'\\') => self.escape(&mut value)?,
                Some(_) => {
                    self.pos += 1;
                    break;
                }
            }
        }
        self.push(Tok::Str(value), start);
        Ok(())
    }

    fn escape(&mut self, value: &mut String) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.text[self.pos..].chars().next() else {
            return Err(self.err(start, "unterminated string"));
        };
        self.pos += c.len_utf8();
        let simple = match c {
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            _ => None,
        };
        if let Some(s) = simple {
            value.push(s);
            return Ok(());
        }
        let width = match c {
            'u' => 4,
            'U' => 8,
            _ => {
                let shown = if c.is_control() {
                    format!("U+{:04X}", u32::from(c))
                } else {
                    c.to_string()
                };
                return Err(self.err(
                    start,
                    format!(
                        "invalid escape sequence '\\{shown}' (use \\\\ \\\" \\' \\n \\r \\t \\uXXXX or \\UXXXXXXXX)"
                    ),
                ));
            }
        };
        let hex = self
            .text
            .get(self.pos..self.pos + width)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(hex) = hex else {
            return Err(self.err(
                start,
                format!("'\\{c}' must be followed by exactly {width} hexadecimal digits"),
            ));
        };
        let code = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
        let Some(ch) = char::from_u32(code) else {
            return Err(self.err(
                start,
                format!("'\\{c}{hex}' is not a valid Unicode character"),
            ));
        };
        self.pos += width;
        value.push(ch);
        Ok(())
    }
}
