//! Expressions through pest's Pratt parser.
//!
//! Loosest first: `or`; `and`; `not`; comparisons (`== != < <= > >=`, `in`,
//! `is`, `matches`); `+ -`; `* /`; unary `-`. Binary operators associate to
//! the left: `1 - 2 - 3` is `(1 - 2) - 3`.

use std::sync::OnceLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::build::Builder;
use super::{BuildError, Rule};
use crate::ast::*;

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::kw_or, Assoc::Left))
            .op(Op::infix(Rule::kw_and, Assoc::Left))
            .op(Op::prefix(Rule::kw_not))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left)
                | Op::postfix(Rule::is_op)
                | Op::postfix(Rule::in_op)
                | Op::postfix(Rule::matches_op))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg))
    })
}

impl Builder {
    pub fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr, BuildError> {
        if self.depth.get() >= super::build::MAX_DEPTH {
            return Err(self.too_complex(
                &pair,
                &format!(
                    "more than {} levels of parentheses",
                    super::build::MAX_DEPTH
                ),
            ));
        }
        if pair.clone().into_inner().count() > super::build::MAX_TOKENS {
            return Err(self.too_complex(
                &pair,
                &format!(
                    "more than {} operators and operands",
                    super::build::MAX_TOKENS
                ),
            ));
        }
        self.depth.set(self.depth.get() + 1);
        let result = self.expr_inner(pair);
        self.depth.set(self.depth.get() - 1);
        result
    }

    fn expr_inner(&self, pair: Pair<'_, Rule>) -> Result<Expr, BuildError> {
        // The Pratt parser's closures cannot return errors, so collect the
        // first one and report it after.
        let first_error: std::cell::RefCell<Option<BuildError>> = Default::default();
        let this = self;
        let placeholder = |span| Expr {
            kind: ExprKind::Bool(false),
            span,
        };
        let result = pratt()
            .map_primary(|p| {
                let b = this;
                let span = b.span(&p);
                match b.primary(p) {
                    Ok(e) => e,
                    Err(e) => {
                        first_error.borrow_mut().get_or_insert(e);
                        placeholder(span)
                    }
                }
            })
            .map_prefix(|op, rhs| {
                let b = this;
                let span = b.span(&op).to(rhs.span);
                let op = if op.as_rule() == Rule::kw_not {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                Expr {
                    kind: ExprKind::Unary(op, Box::new(rhs)),
                    span,
                }
            })
            .map_postfix(|lhs, op| {
                let b = this;
                let span = lhs.span.to(b.span(&op));
                match b.postfix(lhs, op) {
                    Ok(kind) => Expr { kind, span },
                    Err(e) => {
                        first_error.borrow_mut().get_or_insert(e);
                        placeholder(span)
                    }
                }
            })
            .map_infix(|lhs, op, rhs| {
                let span = lhs.span.to(rhs.span);
                let op = match op.as_rule() {
                    Rule::kw_or => BinOp::Or,
                    Rule::kw_and => BinOp::And,
                    Rule::eq => BinOp::Eq,
                    Rule::ne => BinOp::Ne,
                    Rule::lt => BinOp::Lt,
                    Rule::le => BinOp::Le,
                    Rule::gt => BinOp::Gt,
                    Rule::ge => BinOp::Ge,
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    _ => BinOp::Div,
                };
                Expr {
                    kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    span,
                }
            })
            .parse(pair.into_inner());
        match first_error.into_inner() {
            Some(e) => Err(e),
            None => Ok(result),
        }
    }

    fn postfix(&self, lhs: Expr, op: Pair<'_, Rule>) -> Result<ExprKind, BuildError> {
        let operand = Box::new(lhs);
        match op.as_rule() {
            Rule::is_op => {
                let mut negated = false;
                let mut kind = None;
                for p in op.into_inner() {
                    match p.as_rule() {
                        Rule::kw_not => negated = true,
                        Rule::ident => kind = Some(self.ident(p)),
                        _ => {}
                    }
                }
                let kind = kind.unwrap_or(Ident {
                    name: "missing".into(),
                    span: operand.span,
                });
                Ok(ExprKind::Is {
                    operand,
                    negated,
                    kind,
                })
            }
            Rule::in_op => {
                let mut negated = false;
                let mut list = None;
                for p in op.into_inner() {
                    match p.as_rule() {
                        Rule::kw_not => negated = true,
                        Rule::list => list = Some(self.primary(p)?),
                        _ => {}
                    }
                }
                let list = list.unwrap_or(Expr {
                    kind: ExprKind::List(Vec::new()),
                    span: operand.span,
                });
                Ok(ExprKind::In {
                    operand,
                    negated,
                    list: Box::new(list),
                })
            }
            _ => {
                let s = op
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p))
                    .unwrap_or(Str {
                        value: String::new(),
                        span: operand.span,
                    });
                Ok(ExprKind::Matches(operand, s))
            }
        }
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Expr, BuildError> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::expr => return self.expr(pair),
            Rule::number => ExprKind::Number(self.number(&pair)?),
            Rule::money | Rule::percent | Rule::duration => {
                let (amount, unit) = self.quantity(pair)?;
                ExprKind::Quantity(amount, unit)
            }
            Rule::string => ExprKind::Str(self.string(pair).value),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::path => ExprKind::Path(self.path(pair).parts),
            Rule::list => {
                let mut items = Vec::new();
                for p in pair.into_inner() {
                    items.push(self.expr(p)?);
                }
                ExprKind::List(items)
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = match inner.next() {
                    Some(p) => self.ident(p),
                    None => {
                        return Ok(Expr {
                            kind: ExprKind::Bool(false),
                            span,
                        });
                    }
                };
                let mut args = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::each_arg => {
                            let aspan = self.span(&p);
                            let mut cond = None;
                            for w in p.into_inner() {
                                if w.as_rule() == Rule::where_clause
                                    && let Some(e) =
                                        w.into_inner().find(|e| e.as_rule() == Rule::expr)
                                {
                                    cond = Some(self.expr(e)?);
                                }
                            }
                            args.push(Arg::EachMeasure(cond, aspan));
                        }
                        Rule::peers_arg => {
                            let aspan = self.span(&p);
                            let by = p
                                .into_inner()
                                .find(|x| x.as_rule() == Rule::path)
                                .map(|x| self.path(x).parts);
                            args.push(Arg::Peers(by, aspan));
                        }
                        _ => args.push(Arg::Expr(self.expr(p)?)),
                    }
                }
                ExprKind::Call(name, args)
            }
            _ => ExprKind::Bool(false),
        };
        Ok(Expr { kind, span })
    }
}
