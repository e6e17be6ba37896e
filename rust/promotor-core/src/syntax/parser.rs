//! Recursive-descent parser with precedence climbing for the binary operators.
//!
//! Every function returns the expression with its depth (nodes on the longest root-to-leaf path),
//! so a too-deep result is rejected as soon as it would be built, also where no recursion happens
//! (`a + a + a + ...`, `x.f().f().f()...`). Recursion itself is bounded by `max_nesting`.

use super::lexer::{Tok, Token};
use super::{is_reserved, SyntaxError};
use crate::ir::{BinaryOp, Expr, MacroOp, UnaryOp};

type Parsed = Result<(Expr, u32), SyntaxError>;

/// Parses tokens into an expression and the byte offset of every node, in post-order (children
/// before their parent, in the order of [`Expr::for_each_child`]): a binary node at its
/// operator, a call or macro at its name, a conditional at its `?`, anything else at its
/// first token.
pub(super) fn parse_tokens(
    text: &str,
    tokens: Vec<Token<'_>>,
    max_depth: u32,
) -> Result<(Expr, Vec<usize>), SyntaxError> {
    let mut parser = Parser {
        text,
        toks: tokens,
        pos: 0,
        max_depth,
        max_nesting: max_depth * 2 + 1,
        nesting: 0,
        offsets: Vec::new(),
    };
    if parser.peek() == &Tok::Eof {
        return Err(parser.err_here("the rule is empty; expected an expression"));
    }
    let (expr, _) = parser.expr()?;
    match parser.peek() {
        Tok::Eof => Ok((expr, parser.offsets)),
        Tok::RParen => Err(parser.err_here("unmatched ')'")),
        Tok::RBracket => Err(parser.err_here("unmatched ']'")),
        tok => {
            let message = format!(
                "unexpected {} after a complete expression; expected an operator",
                tok.describe()
            );
            Err(parser.err_here(message))
        }
    }
}

struct Parser<'t, 'a> {
    text: &'t str,
    toks: Vec<Token<'a>>,
    pos: usize,
    max_depth: u32,
    max_nesting: u32,
    nesting: u32,
    /// Where each node built so far starts, in post-order.
    offsets: Vec<usize>,
}

/// Binding power of a binary operator: higher binds tighter.
fn binary_op(tok: &Tok<'_>) -> Option<(BinaryOp, u8)> {
    Some(match tok {
        Tok::OrOr => (BinaryOp::Or, 1),
        Tok::AndAnd => (BinaryOp::And, 2),
        Tok::EqEq => (BinaryOp::Eq, 3),
        Tok::Ne => (BinaryOp::Ne, 3),
        Tok::Lt => (BinaryOp::Lt, 3),
        Tok::Le => (BinaryOp::Le, 3),
        Tok::Gt => (BinaryOp::Gt, 3),
        Tok::Ge => (BinaryOp::Ge, 3),
        Tok::In => (BinaryOp::In, 3),
        Tok::Plus => (BinaryOp::Add, 4),
        Tok::Minus => (BinaryOp::Sub, 4),
        Tok::Star => (BinaryOp::Mul, 5),
        Tok::Slash => (BinaryOp::Div, 5),
        Tok::Percent => (BinaryOp::Mod, 5),
        _ => return None,
    })
}

fn macro_op(name: &str) -> Option<MacroOp> {
    Some(match name {
        "all" => MacroOp::All,
        "exists" => MacroOp::Exists,
        "exists_one" => MacroOp::ExistsOne,
        "filter" => MacroOp::Filter,
        "map" => MacroOp::Map,
        "count" => MacroOp::Count,
        "sum" => MacroOp::Sum,
        "min" => MacroOp::Min,
        "max" => MacroOp::Max,
        _ => return None,
    })
}

/// One parsed call argument.
struct Arg {
    expr: Expr,
    depth: u32,
    offset: usize,
    /// Index in `Parser::offsets` of the argument's first node.
    first: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> &Tok<'a> {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, ahead: usize) -> &Tok<'a> {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + ahead).min(last)].tok
    }

    fn offset(&self) -> usize {
        self.toks[self.pos].offset
    }

    /// Moves past the current token (never past the final `Eof`).
    fn bump(&mut self) {
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
    }

    fn err_at(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::at(self.text, offset, message)
    }

    fn err_here(&self, message: impl Into<String>) -> SyntaxError {
        self.err_at(self.offset(), message)
    }

    /// "line 1, column 5" for byte `offset`.
    fn where_is(&self, offset: usize) -> String {
        let e = self.err_at(offset, "");
        format!("line {}, column {}", e.line, e.column)
    }

    fn too_deep(&self, offset: usize) -> SyntaxError {
        self.err_at(
            offset,
            format!(
                "the expression nests too deeply (the limit is {} levels)",
                self.max_depth
            ),
        )
    }

    /// Checks that a node of depth `depth`, built at `offset`, is within the limit.
    fn node(&mut self, expr: Expr, depth: u32, offset: usize) -> Parsed {
        if depth > self.max_depth {
            return Err(self.too_deep(offset));
        }
        self.offsets.push(offset);
        Ok((expr, depth))
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.nesting += 1;
        if self.nesting > self.max_nesting {
            return Err(self.too_deep(self.offset()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Consumes `close` or fails with "expected ')' to close '(' opened at ...".
    fn close(
        &mut self,
        close: &Tok<'_>,
        open: &str,
        open_offset: usize,
    ) -> Result<(), SyntaxError> {
        if self.peek() == close {
            self.bump();
            return Ok(());
        }
        let message = format!(
            "expected {} to close '{open}' opened at {}, found {}",
            close.describe(),
            self.where_is(open_offset),
            self.peek().describe()
        );
        Err(self.err_here(message))
    }

    #[cold]
    #[inline(never)]
    fn expect_colon(&mut self, question: usize) -> Result<(), SyntaxError> {
        if self.peek() == &Tok::Colon {
            self.bump();
            return Ok(());
        }
        let message = format!(
            "expected ':' for the '?' at {}, found {}",
            self.where_is(question),
            self.peek().describe()
        );
        Err(self.err_here(message))
    }

    #[cold]
    #[inline(never)]
    fn unclosed(&self, close: &str, open: &str, open_offset: usize) -> SyntaxError {
        let message = format!(
            "expected ',' or {close} to close '{open}' opened at {}, found {}",
            self.where_is(open_offset),
            self.peek().describe()
        );
        self.err_here(message)
    }

    #[cold]
    #[inline(never)]
    fn reserved_name(&self, name: &str) -> SyntaxError {
        self.err_here(format!(
            "'{name}' is a reserved word and cannot be used as a name"
        ))
    }

    #[cold]
    #[inline(never)]
    fn not_an_expression(&self) -> SyntaxError {
        match self.peek() {
            Tok::Eof => self.err_here("unexpected end of the rule; expected an expression"),
            tok => self.err_here(format!(
                "unexpected {}; expected an expression",
                tok.describe()
            )),
        }
    }

    /// `expr := or ('?' expr ':' expr)?`
    fn expr(&mut self) -> Parsed {
        self.enter()?;
        let cond = self.binary(1)?;
        let result = if self.peek() == &Tok::Question {
            self.ternary(cond)?
        } else {
            cond
        };
        self.leave();
        Ok(result)
    }

    /// The rest of `cond ? then : otherwise`, at the `?`.
    #[inline(never)]
    fn ternary(&mut self, (cond, cond_depth): (Expr, u32)) -> Parsed {
        let q = self.offset();
        self.bump();
        let (then, then_depth) = self.expr()?;
        self.expect_colon(q)?;
        let (otherwise, else_depth) = self.expr()?;
        let depth = 1 + cond_depth.max(then_depth).max(else_depth);
        let expr = Expr::Cond {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        };
        self.node(expr, depth, q)
    }

    /// Precedence climbing over the left-associative binary operators binding at least `min`.
    fn binary(&mut self, min: u8) -> Parsed {
        let (mut left, mut left_depth) = self.unary()?;
        while let Some((op, power)) = binary_op(self.peek()) {
            if power < min {
                break;
            }
            let at = self.offset();
            self.bump();
            let (right, right_depth) = self.binary(power + 1)?;
            (left, left_depth) = self.node(
                Expr::binary(op, left, right),
                1 + left_depth.max(right_depth),
                at,
            )?;
        }
        Ok((left, left_depth))
    }

    /// `unary := ('!' | '-') unary | postfix`; `-` straight before a number literal folds into it.
    fn unary(&mut self) -> Parsed {
        let at = self.offset();
        let op = match self.peek() {
            Tok::Bang => UnaryOp::Not,
            Tok::Minus => {
                if let Some(num) = self.negative_number() {
                    self.offsets.push(at);
                    return Ok((num, 1));
                }
                UnaryOp::Neg
            }
            _ => return self.postfix(),
        };
        self.bump();
        self.enter()?;
        let (arg, depth) = self.unary()?;
        self.leave();
        self.node(
            Expr::Unary {
                op,
                arg: Box::new(arg),
            },
            depth + 1,
            at,
        )
    }

    /// `-` then a number literal that no postfix applies to: the negative number.
    #[inline(never)]
    fn negative_number(&mut self) -> Option<Expr> {
        let Tok::Num(n) = self.peek_at(1) else {
            return None;
        };
        if matches!(self.peek_at(2), Tok::Dot | Tok::LBracket) {
            return None;
        }
        let value = format!("-{n}");
        self.bump();
        self.bump();
        Some(Expr::Num { value })
    }

    /// `postfix := primary ('.' name | '.' name '(' args ')' | '[' string ']')*`
    ///
    /// On the recursion path: keeps its own frame small and leaves the rest to helpers.
    fn postfix(&mut self) -> Parsed {
        let (mut expr, mut depth) = self.primary()?;
        loop {
            match self.peek() {
                Tok::Dot => (expr, depth) = self.member(expr, depth)?,
                Tok::LBracket => self.index(&mut expr)?,
                _ => return Ok((expr, depth)),
            }
        }
    }

    /// `.name` or `.name(args)` after `expr`.
    #[inline(never)]
    fn member(&mut self, mut expr: Expr, depth: u32) -> Parsed {
        let dot = self.offset();
        self.bump();
        let name_at = self.offset();
        let name = self.member_name()?;
        if self.peek() == &Tok::LParen {
            let open = self.offset();
            self.bump();
            let args = self.args(open)?;
            return self.method(expr, depth, name, name_at, args);
        }
        self.select(&mut expr, name, dot)?;
        Ok((expr, depth))
    }

    /// The name after a `.`.
    #[inline(never)]
    fn member_name(&mut self) -> Result<&'a str, SyntaxError> {
        let name = match self.peek() {
            Tok::Ident(name) if !is_reserved(name) => *name,
            Tok::Ident(_) | Tok::True | Tok::False | Tok::Null | Tok::In => {
                let word = self.peek().describe();
                let word = word.trim_matches('\'');
                return Err(self.err_here(format!(
                    "'{word}' is a reserved word; write [\"{word}\"] to select a key with this name"
                )));
            }
            tok => {
                let message = format!("expected a name after '.', found {}", tok.describe());
                return Err(self.err_here(message));
            }
        };
        self.bump();
        Ok(name)
    }

    /// `.name` without a call: extends a field path.
    #[inline(never)]
    fn select(&self, expr: &mut Expr, name: &str, dot: usize) -> Result<(), SyntaxError> {
        if let Expr::Field { path } = expr {
            path.push(name.to_owned());
            Ok(())
        } else {
            Err(self.err_at(dot, "field selection on a computed value is not supported"))
        }
    }

    /// `["key"]` after a field.
    #[inline(never)]
    fn index(&mut self, expr: &mut Expr) -> Result<(), SyntaxError> {
        let open = self.offset();
        let Expr::Field { path } = expr else {
            return Err(self.err_here(
                "indexing is only supported on fields, with a string key (like metadata[\"key\"])",
            ));
        };
        self.bump();
        let key = match self.peek() {
            Tok::Str(key) => key.clone(),
            Tok::Num(_) => {
                return Err(self.err_here(
                    "list indexing is not supported; only string keys like [\"key\"] are",
                ));
            }
            tok => {
                let message = format!(
                    "expected a string key like [\"key\"] inside '[', found {}",
                    tok.describe()
                );
                return Err(self.err_here(message));
            }
        };
        self.bump();
        self.close(&Tok::RBracket, "[", open)?;
        path.push(key);
        Ok(())
    }

    /// Arguments after an opening `(` at `open`, up to and including the closing `)`.
    fn args(&mut self, open: usize) -> Result<Vec<Arg>, SyntaxError> {
        let mut args = Vec::new();
        if self.peek() == &Tok::RParen {
            self.bump();
            return Ok(args);
        }
        loop {
            let offset = self.offset();
            let first = self.offsets.len();
            let (expr, depth) = self.expr()?;
            args.push(Arg {
                expr,
                depth,
                offset,
                first,
            });
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(args);
                }
                _ => return Err(self.unclosed("')'", "(", open)),
            }
        }
    }

    /// `recv.name(args)`: a macro, or a call with the receiver as the first argument.
    fn method(
        &mut self,
        recv: Expr,
        recv_depth: u32,
        name: &str,
        at: usize,
        args: Vec<Arg>,
    ) -> Parsed {
        let Some(op) = macro_op(name) else {
            let depth = 1 + args.iter().map(|a| a.depth).fold(recv_depth, u32::max);
            let args = std::iter::once(recv)
                .chain(args.into_iter().map(|a| a.expr))
                .collect();
            return self.node(
                Expr::Call {
                    func: name.to_owned(),
                    args,
                },
                depth,
                at,
            );
        };
        let optional = matches!(
            op,
            MacroOp::Count | MacroOp::Sum | MacroOp::Min | MacroOp::Max
        );
        let what = if matches!(
            op,
            MacroOp::Map | MacroOp::Sum | MacroOp::Min | MacroOp::Max
        ) {
            "expression"
        } else {
            "predicate"
        };
        if optional && args.is_empty() {
            let expr = Expr::Macro {
                op,
                list: Box::new(recv),
                var: None,
                body: None,
            };
            return self.node(expr, recv_depth + 1, at);
        }
        let expects = if optional {
            format!("() or (variable, {what})")
        } else {
            format!("(variable, {what})")
        };
        let mut args = args.into_iter();
        let (Some(var), Some(body), None) = (args.next(), args.next(), args.next()) else {
            return Err(self.err_at(at, format!("{name} expects {expects}")));
        };
        let var_name = match var.expr {
            Expr::Field { mut path } if path.len() == 1 => {
                // The variable is a name, not a node of the result.
                self.offsets.remove(var.first);
                path.pop().unwrap_or_default()
            }
            _ => {
                let message = format!(
                    "the first argument of {name} must be a variable name, as in {name}{expects}"
                );
                return Err(self.err_at(var.offset, message));
            }
        };
        let depth = 1 + recv_depth.max(body.depth);
        let expr = Expr::Macro {
            op,
            list: Box::new(recv),
            var: Some(var_name),
            body: Some(Box::new(body.expr)),
        };
        self.node(expr, depth, at)
    }

    fn primary(&mut self) -> Parsed {
        match self.peek() {
            Tok::Ident(_) => self.name(),
            Tok::LParen => self.paren(),
            Tok::LBracket => self.list(),
            _ => self.literal(),
        }
    }

    #[inline(never)]
    fn literal(&mut self) -> Parsed {
        let expr = match self.peek() {
            Tok::True => Expr::Bool { value: true },
            Tok::False => Expr::Bool { value: false },
            Tok::Null => Expr::Null,
            Tok::Num(n) => Expr::Num {
                value: (*n).to_owned(),
            },
            Tok::Str(s) => Expr::Str { value: s.clone() },
            _ => return Err(self.not_an_expression()),
        };
        self.offsets.push(self.offset());
        self.bump();
        Ok((expr, 1))
    }

    /// `( expr )`
    #[inline(never)]
    fn paren(&mut self) -> Parsed {
        let at = self.offset();
        self.bump();
        let inner = self.expr()?;
        self.close(&Tok::RParen, "(", at)?;
        Ok(inner)
    }

    /// A field root, or a global call `f(args)`.
    #[inline(never)]
    fn name(&mut self) -> Parsed {
        let at = self.offset();
        let Tok::Ident(name) = self.peek() else {
            return Err(self.not_an_expression());
        };
        let name = *name;
        if is_reserved(name) {
            return Err(self.reserved_name(name));
        }
        self.bump();
        if self.peek() != &Tok::LParen {
            self.offsets.push(at);
            return Ok((
                Expr::Field {
                    path: vec![name.to_owned()],
                },
                1,
            ));
        }
        let open = self.offset();
        self.bump();
        let args = self.args(open)?;
        let depth = 1 + args.iter().map(|a| a.depth).max().unwrap_or(0);
        let args = args.into_iter().map(|a| a.expr).collect();
        self.node(
            Expr::Call {
                func: name.to_owned(),
                args,
            },
            depth,
            at,
        )
    }

    /// `[a, b, c]`, trailing comma allowed.
    fn list(&mut self) -> Parsed {
        let open = self.offset();
        self.bump();
        let mut items = Vec::new();
        let mut depth = 0;
        loop {
            if self.peek() == &Tok::RBracket {
                self.bump();
                break;
            }
            let (item, item_depth) = self.expr()?;
            items.push(item);
            depth = depth.max(item_depth);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBracket => {}
                _ => return Err(self.unclosed("']'", "[", open)),
            }
        }
        self.node(Expr::List { items }, depth + 1, open)
    }
}
