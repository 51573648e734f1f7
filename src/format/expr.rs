//! Expressions back to text: single spaces around operators, the user's
//! parentheses kept (one pair where they wrote several), and a pair added
//! wherever precedence needs one, so the text always parses back to the
//! same tree.

use crate::ast::{Arg, BinOp, Expr, ExprKind, UnOp};

use super::trivia::Trivia;

/// Binding strength, loosest first, as in `src/syntax/expr.rs`.
fn strength(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Or, ..) => 1,
        ExprKind::Binary(BinOp::And, ..) => 2,
        ExprKind::Unary(UnOp::Not, _) => 3,
        ExprKind::Binary(op, ..) if op.is_comparison() => 4,
        ExprKind::Is { .. } | ExprKind::In { .. } | ExprKind::Matches(..) => 4,
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => 5,
        ExprKind::Binary(..) => 6,
        ExprKind::Unary(UnOp::Neg, _) => 7,
        _ => 8,
    }
}

const NOT: u8 = 3;
const COMPARE: u8 = 4;
const NEG: u8 = 7;

pub(crate) struct ExprPrinter<'t, 'a> {
    pub trivia: &'t Trivia<'a>,
}

impl ExprPrinter<'_, '_> {
    /// An expression standing alone (a condition, a target).
    pub fn top(&self, e: &Expr) -> String {
        self.child(e, false, None)
    }

    /// The range an expression covers, its own parentheses excluded but
    /// its operands' included (the AST's spans leave them out).
    pub fn extent(&self, e: &Expr) -> (usize, usize) {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        match &e.kind {
            ExprKind::Binary(_, a, b) => (self.outer(a, None).0, self.outer(b, None).1),
            ExprKind::Unary(_, x) => (s, self.outer(x, None).1.max(t)),
            ExprKind::Is { operand, .. }
            | ExprKind::In { operand, .. }
            | ExprKind::Matches(operand, _) => (self.outer(operand, None).0.min(s), t),
            _ => (s, t),
        }
    }

    /// The range with the parentheses around it, and how many pairs.
    pub fn outer(&self, e: &Expr, barrier: Option<usize>) -> (usize, usize, usize) {
        let (s, t) = self.extent(e);
        self.trivia.parens_around(s, t, barrier)
    }

    fn child(&self, e: &Expr, needed: bool, barrier: Option<usize>) -> String {
        let (_, _, layers) = self.outer(e, barrier);
        let text = self.bare(e);
        if needed || layers > 0 {
            format!("({text})")
        } else {
            text
        }
    }

    fn source(&self, e: &Expr) -> &str {
        self.trivia
            .text
            .get(e.span.start as usize..e.span.end as usize)
            .unwrap_or("")
    }

    fn bare(&self, e: &Expr) -> String {
        match &e.kind {
            // Literals as written (`1_000`, `£250k`), spacing normalised.
            ExprKind::Number(_) | ExprKind::Quantity(..) => self
                .source(e)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            ExprKind::Str(_) => self.source(e).to_string(),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Path(parts) => parts
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            ExprKind::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.child(i, false, None))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Call(name, args) => {
                let open = self.trivia.next_significant(name.span.end as usize);
                let args: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        Arg::Expr(x) => self.child(x, false, open),
                        Arg::EachMeasure(None, _) => "each measure".to_string(),
                        Arg::EachMeasure(Some(w), _) => {
                            format!("each measure where {}", self.child(w, false, None))
                        }
                        Arg::Peers(None, _) => "peers".to_string(),
                        Arg::Peers(Some(by), _) => format!(
                            "peers by {}",
                            by.iter()
                                .map(|i| i.name.as_str())
                                .collect::<Vec<_>>()
                                .join(".")
                        ),
                    })
                    .collect();
                format!("{}({})", name.name, args.join(", "))
            }
            ExprKind::Unary(UnOp::Not, x) => {
                format!("not {}", self.child(x, strength(x) < NOT, None))
            }
            ExprKind::Unary(UnOp::Neg, x) => {
                format!("-{}", self.child(x, strength(x) < NEG, None))
            }
            ExprKind::Binary(op, a, b) => {
                let p = strength(e);
                format!(
                    "{} {} {}",
                    self.child(a, strength(a) < p, None),
                    op.symbol(),
                    self.child(b, strength(b) <= p, None)
                )
            }
            ExprKind::Is {
                operand,
                negated,
                kind,
            } => format!(
                "{} is {}{}",
                self.child(operand, strength(operand) < COMPARE, None),
                if *negated { "not " } else { "" },
                kind.name
            ),
            ExprKind::In {
                operand,
                negated,
                list,
            } => format!(
                "{} {}in {}",
                self.child(operand, strength(operand) < COMPARE, None),
                if *negated { "not " } else { "" },
                self.child(list, false, None)
            ),
            ExprKind::Matches(x, re) => format!(
                "{} matches {}",
                self.child(x, strength(x) < COMPARE, None),
                self.trivia
                    .text
                    .get(re.span.start as usize..re.span.end as usize)
                    .unwrap_or("\"\"")
            ),
        }
    }
}
