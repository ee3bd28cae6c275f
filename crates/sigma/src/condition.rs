//! The Sigma condition grammar: `condition: selection and not 1 of filter_*`.
//!
//! This is a small hand-written recursive-descent parser, kept free of any
//! YAML dependency so that the loader, the fuzzer and tests can call
//! [`parse_condition`] on a bare string.
//!
//! # Grammar
//!
//! ```text
//! condition  := or_expr EOF
//! or_expr    := and_expr ( "or" and_expr )*
//! and_expr   := not_expr ( "and" not_expr )*
//! not_expr   := "not" not_expr | primary
//! primary    := "(" or_expr ")"
//!             | QUANTIFIER "of" ( "them" | PATTERN )
//!             | IDENTIFIER
//! QUANTIFIER := "1" | "any" | "all"
//! ```
//!
//! Precedence follows the Sigma specification (v2, least to most binding):
//! `or`, `and`, `not`, `x of …`, parentheses. So `not a and b` is
//! `(not a) and b`, and `a or b and c` is `a or (b and c)`. `and` and `or`
//! are n-ary: `a and b and c` — and `a and (b and c)` — become one
//! [`ConditionExpr::And`] with three operands, which is the same boolean
//! function and gives consumers one canonical shape.
//!
//! Operator keywords (`and`, `or`, `not`, `of`, `them`, `any`, `all`) are
//! matched case-insensitively, as the legacy `sigmac` did, so that old
//! rules written with `AND` keep working. A quantifier word (`1`, `any`,
//! `all`) is only a quantifier when `of` follows it.
//!
//! Identifiers are made of Unicode letters and digits, `_`, `-` and `.`
//! (pySigma accepts `-` in identifiers; `.` costs nothing and appears in
//! hand-written rules). `*` is allowed only in patterns after `x of`.
//! Whitespace, including newlines (SigmaHQ has multi-line conditions), only
//! separates tokens.
//!
//! `2 of x` (an old draft syntax) and the deprecated pipe aggregation
//! (`selection | count() > 5`) are errors: the latter's message points to
//! correlation rules, which replaced it.
//!
//! # Depth
//!
//! Nesting of parentheses and `not` is bounded by [`MAX_DEPTH`]; deeper input
//! is rejected with an error instead of overflowing the stack (the fuzz
//! target `condition_parser` checks this).
//!
//! # Positions
//!
//! [`ConditionError::offset`] is a byte offset into the condition text.
//! The [`Spanned`] nodes of the tree (identifiers and quantifiers) carry a
//! [`Span`] *relative to the condition text*: line 1 is the text's first
//! line and the column counts characters from 1 (see [`position_in`]).
//! The loader stores the tree as parsed, together with the position of the
//! condition scalar in [`ast::Condition::span`]; whoever reports a problem
//! against the file maps the relative span with [`rebase`] (lowering does
//! this for undefined identifiers). Keeping the tree relative means it does
//! not depend on how the YAML scalar was quoted, and a condition built by
//! hand or by the fuzzer gets meaningful positions too.
//!
//! [`ast::Condition::span`]: crate::ast::Condition::span

use std::fmt;

use crate::ast::{ConditionExpr, Quantified, Spanned};
use crate::span::Span;

/// How deeply `(` and `not` may nest before the parser refuses the input.
pub const MAX_DEPTH: usize = 256;

/// A condition that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub message: String,
    /// Byte offset into the condition text where the problem is.
    pub offset: usize,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ConditionError {}

/// Parse one `condition:` string.
pub fn parse_condition(text: &str) -> Result<ConditionExpr, ConditionError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or_expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(tok) => Err(parser.error_at(
            tok,
            format!(
                "expected `and`, `or` or the end of the condition, found {}",
                describe(&tok)
            ),
        )),
    }
}

/// The position of byte `offset` in `text`, relative to the start of the
/// text: 1-based line and 1-based column counted in characters.
/// Offsets past the end (or inside a character) are clamped.
pub fn position_in(text: &str, offset: usize) -> Span {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    Span::new(saturate(line), saturate(col))
}

/// Map a span relative to a condition text (as produced by
/// [`parse_condition`]) onto the rule file, given where the condition
/// scalar starts. Exact for plain single-line scalars; for quoted or
/// multi-line scalars the line is right and the column approximate.
/// Unknown positions on either side yield `condition_start`.
pub fn rebase(relative: Span, condition_start: Span) -> Span {
    if !relative.is_known() || !condition_start.is_known() {
        return condition_start;
    }
    if relative.line == 1 {
        Span::new(
            condition_start.line,
            condition_start
                .col
                .saturating_add(relative.col.saturating_sub(1)),
        )
    } else {
        Span::new(
            condition_start
                .line
                .saturating_add(relative.line.saturating_sub(1)),
            relative.col,
        )
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    LParen,
    RParen,
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    offset: usize,
    /// `position_in(text, offset)`, computed while lexing so that long
    /// conditions stay linear.
    span: Span,
}

impl Token<'_> {
    fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    /// `and`, `or` and `not` are reserved everywhere.
    fn is_operator(&self) -> bool {
        self.is_keyword("and") || self.is_keyword("or") || self.is_keyword("not")
    }
}

fn describe(tok: &Token<'_>) -> String {
    match tok.kind {
        Kind::LParen => "`(`".to_owned(),
        Kind::RParen => "`)`".to_owned(),
        Kind::Word => format!("`{}`", tok.text),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*')
}

fn lex(text: &str) -> Result<Vec<Token<'_>>, ConditionError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let (mut line, mut col) = (1usize, 1usize);
    while let Some((offset, c)) = chars.next() {
        let span = Span::new(saturate(line), saturate(col));
        col += 1;
        match c {
            '\n' => {
                line += 1;
                col = 1;
            }
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token {
                kind: Kind::LParen,
                text: "(",
                offset,
                span,
            }),
            ')' => tokens.push(Token {
                kind: Kind::RParen,
                text: ")",
                offset,
                span,
            }),
            '|' => {
                return Err(ConditionError {
                    message: "the pipe aggregation syntax (`selection | count() > 5`) was \
                              removed from Sigma; express aggregations as a correlation rule \
                              (event_count, value_count, temporal)"
                        .to_owned(),
                    offset,
                });
            }
            c if is_word_char(c) => {
                let mut end = offset + c.len_utf8();
                while let Some(&(i, c)) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    col += 1;
                    chars.next();
                }
                tokens.push(Token {
                    kind: Kind::Word,
                    text: &text[offset..end],
                    offset,
                    span,
                });
            }
            other => {
                return Err(ConditionError {
                    message: format!(
                        "unexpected character {other:?} in condition; search identifiers \
                         consist of letters, digits, `_`, `-` and `.`"
                    ),
                    offset,
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<Token<'a>> {
        let tok = self.peek();
        self.pos += 1;
        tok
    }

    fn error_at(&self, tok: Token<'_>, message: String) -> ConditionError {
        ConditionError {
            message,
            offset: tok.offset,
        }
    }

    fn error_at_end(&self, message: String) -> ConditionError {
        ConditionError {
            message,
            offset: self.text.len(),
        }
    }

    fn descend(&mut self, tok: Token<'_>) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                tok,
                format!("condition is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<ConditionExpr, ConditionError> {
        let mut operands = vec![self.and_expr()?];
        while self.peek().is_some_and(|t| t.is_keyword("or")) {
            self.bump();
            operands.push(self.and_expr()?);
        }
        Ok(join(operands, false))
    }

    fn and_expr(&mut self) -> Result<ConditionExpr, ConditionError> {
        let mut operands = vec![self.not_expr()?];
        while self.peek().is_some_and(|t| t.is_keyword("and")) {
            self.bump();
            operands.push(self.not_expr()?);
        }
        Ok(join(operands, true))
    }

    fn not_expr(&mut self) -> Result<ConditionExpr, ConditionError> {
        match self.peek() {
            Some(tok) if tok.is_keyword("not") => {
                self.bump();
                self.descend(tok)?;
                let inner = self.not_expr()?;
                self.depth -= 1;
                Ok(ConditionExpr::Not(Box::new(inner)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<ConditionExpr, ConditionError> {
        const EXPECTED: &str = "expected a search identifier, `not`, `(`, `1 of` or `all of`";
        let Some(tok) = self.bump() else {
            return Err(self.error_at_end(format!("{EXPECTED}, found the end of the condition")));
        };
        match tok.kind {
            Kind::LParen => {
                self.descend(tok)?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                match self.bump() {
                    Some(close) if close.kind == Kind::RParen => Ok(inner),
                    Some(other) => Err(self.error_at(
                        other,
                        format!(
                            "expected `)` to close the `(` at byte {}, found {}",
                            tok.offset,
                            describe(&other)
                        ),
                    )),
                    None => Err(self.error_at(tok, "this `(` is never closed".to_owned())),
                }
            }
            Kind::RParen => Err(self.error_at(tok, format!("{EXPECTED}, found `)`"))),
            Kind::Word if tok.is_operator() => {
                Err(self.error_at(tok, format!("{EXPECTED}, found {}", describe(&tok))))
            }
            Kind::Word if self.peek().is_some_and(|t| t.is_keyword("of")) => self.quantified(tok),
            Kind::Word if tok.text.contains('*') => Err(self.error_at(
                tok,
                format!(
                    "`{}` is a pattern; wildcards are only allowed after `1 of` or `all of`",
                    tok.text
                ),
            )),
            Kind::Word => Ok(ConditionExpr::Identifier(Spanned::new(
                tok.text.to_owned(),
                tok.span,
            ))),
        }
    }

    /// `quantifier of target`, with `quantifier` already consumed and `of` next.
    fn quantified(&mut self, quantifier: Token<'a>) -> Result<ConditionExpr, ConditionError> {
        let all = if quantifier.text == "1" || quantifier.is_keyword("any") {
            false
        } else if quantifier.is_keyword("all") {
            true
        } else {
            return Err(self.error_at(
                quantifier,
                format!(
                    "`{} of` is not a Sigma quantifier; use `1 of`, `any of` or `all of`",
                    quantifier.text
                ),
            ));
        };
        let of = self.bump();
        debug_assert!(of.is_some_and(|t| t.is_keyword("of")));
        let target = match self.peek() {
            Some(t) if t.kind == Kind::Word && !t.is_operator() && !t.is_keyword("of") => t,
            Some(t) => {
                return Err(self.error_at(
                    t,
                    format!(
                        "expected `them` or a search identifier pattern after `{} of`, found {}",
                        quantifier.text,
                        describe(&t)
                    ),
                ));
            }
            None => {
                return Err(self.error_at_end(format!(
                    "expected `them` or a search identifier pattern after `{} of`, found the \
                     end of the condition",
                    quantifier.text
                )));
            }
        };
        self.bump();
        let what = if target.is_keyword("them") {
            Quantified::Them
        } else {
            Quantified::Pattern(target.text.to_owned())
        };
        let node = Spanned::new(what, quantifier.span);
        Ok(if all {
            ConditionExpr::AllOf(node)
        } else {
            ConditionExpr::OneOf(node)
        })
    }
}

/// Build an n-ary And/Or, splicing in operands of the same operator.
fn join(operands: Vec<ConditionExpr>, and: bool) -> ConditionExpr {
    if operands.len() == 1 {
        return operands.into_iter().next().expect("one operand");
    }
    let mut flat = Vec::with_capacity(operands.len());
    for operand in operands {
        match (operand, and) {
            (ConditionExpr::And(inner), true) | (ConditionExpr::Or(inner), false) => {
                flat.extend(inner)
            }
            (other, _) => flat.push(other),
        }
    }
    if and {
        ConditionExpr::And(flat)
    } else {
        ConditionExpr::Or(flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_relative_lines_and_char_columns() {
        assert_eq!(position_in("a and b", 6), Span::new(1, 7));
        assert_eq!(position_in("a and\n  béta or c", 13), Span::new(2, 7));
        assert_eq!(position_in("é", 1), Span::new(1, 1));
        assert_eq!(position_in("ab", 99), Span::new(1, 3));
    }

    #[test]
    fn rebase_maps_onto_the_file() {
        assert_eq!(
            rebase(Span::new(1, 7), Span::new(12, 16)),
            Span::new(12, 22)
        );
        assert_eq!(rebase(Span::new(3, 5), Span::new(12, 16)), Span::new(14, 5));
        assert_eq!(rebase(Span::UNKNOWN, Span::new(12, 16)), Span::new(12, 16));
        assert_eq!(rebase(Span::new(1, 7), Span::UNKNOWN), Span::UNKNOWN);
    }
}
