//! The rule AST: what a rule file says, every node spanned.
//!
//! Built by [`crate::syntax`] from pest's parse tree (which never leaves that
//! module), consumed by [`mod@crate::compile`]. Statements are kept in source
//! order so that the formatter can print them back.

use rust_decimal::Decimal;

use crate::diagnostic::Severity;
use crate::span::Span;
use crate::value::Unit;

/// A name as written, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: its value (escapes resolved) and its place, quotes
/// included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// One `.rag` file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RuleFile {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Measure(MeasureDecl),
    Check(CheckDecl),
    Severity(SeverityDecl),
    Waiver(WaiverDecl),
    Test(TestDecl),
    Layout(LayoutDecl),
    Field(FieldDecl),
}

/// `measure ID "title" { ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureDecl {
    pub id: Ident,
    pub title: Option<Str>,
    pub body: Vec<MeasureStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeasureStmt {
    Unit(Ident),
    Better(Ident),
    Target(Expr),
    Trajectory(Trajectory),
    Required(Span),
    Cumulative(Span),
    About(Str),
    /// `code "CORP 09", "CORP09"`
    Code(Vec<Str>),
    Band(Band),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trajectory {
    /// `trajectory linear`: target × quarter / 4.
    Linear(Span),
    /// `trajectory q1 25%, q2 50%, ...`
    Points(Vec<(Ident, Expr)>),
}

/// `green when COND` or `red otherwise`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    pub status: Ident,
    /// `None` for `otherwise`.
    pub condition: Option<Expr>,
    pub span: Span,
}

/// `check ID [for ...] { ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckDecl {
    pub id: Ident,
    pub scope: Scope,
    pub body: Vec<CheckStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// No `for`: once per return.
    Return,
    /// `for each measure [where COND]`
    EachMeasure(Option<Expr>),
    /// `for each value [where COND]`
    EachValue(Option<Expr>),
    /// `for a, b, c`
    Measures(Vec<Ident>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckStmt {
    About(Str),
    Rule(RuleStmt),
}

/// `SEVERITY when COND "message" [help "text"]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleStmt {
    pub severity: Severity,
    pub severity_span: Span,
    pub condition: Expr,
    pub message: Template,
    pub help: Option<Template>,
    pub span: Span,
}

/// A rule's message or help: a string literal read as literal text and
/// `{expression}` parts (SPEC 2.3). The spans of its parts are exact
/// places in the file, escapes in the string accounted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    /// The whole string literal, quotes included.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text, with `{{` and `}}` read as braces.
    Text(String),
    /// `{expression}`.
    Expr(Expr),
    /// A part that cannot be read (a `{` never closed, an expression that
    /// does not parse): the compiler reports it as `bad_message`, so the
    /// rest of the file is still compiled and checked.
    Bad(TemplateError),
}

/// Why a part of a template cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub span: Span,
}

/// `severity CHECK_ID error|warning|info|off`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityDecl {
    pub check: Ident,
    /// `None` for `off`.
    pub level: Option<Severity>,
    pub level_span: Span,
    pub span: Span,
}

/// `layout NAME "title" { ... }` (SPEC 2.6). Its statements are kept in
/// one general shape and given meaning by the compiler, so that an unknown
/// statement is a compile error with a did-you-mean rather than a syntax
/// error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub body: Vec<LayoutStmt>,
    pub span: Span,
}

/// `WORD [KEY] [column|cell|row] ARG, ... [ratio]`, such as
/// `organisation column "LocalAuthority"`, `header family cell "B2"`,
/// `header row 2`, `files "*.csv", "*.xlsx"` or `value column "Value" ratio`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutStmt {
    pub word: Ident,
    pub key: Option<Ident>,
    /// `column`, `cell` or `row`.
    pub place: Option<Ident>,
    pub args: Vec<LayoutArg>,
    pub ratio: Option<Span>,
    /// A comma follows the statement (`q1 column "Q1", q2 ...`): the
    /// formatter keeps such statements on one line.
    pub comma: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    Str(Str),
    /// A whole number, such as the `2` of `header row 2`.
    Number(u64, Span),
}

impl LayoutArg {
    pub fn span(&self) -> Span {
        match self {
            LayoutArg::Str(s) => s.span,
            LayoutArg::Number(_, span) => *span,
        }
    }
}

/// `field numerator count`: the field `numerator` of every entry is a value
/// in that unit (SPEC 3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    pub name: Ident,
    pub unit: Ident,
    pub span: Span,
}

/// `waive CHECK_ID [on MEASURE] [for "ORGANISATION"] until PERIOD
/// because "REASON" approved "NAME"` (SPEC 3.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaiverDecl {
    pub check: Ident,
    /// `on MEASURE`; without it the waiver covers every measure.
    pub measure: Option<Ident>,
    /// `for "ORGANISATION"`; without it, every organisation.
    pub organisation: Option<Str>,
    /// The period after `until`, as written (bare or quoted).
    pub until: Str,
    pub reason: Str,
    pub approved: Str,
    pub span: Span,
}

/// `test "name" { given ...; expect ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestDecl {
    pub name: Str,
    pub body: Vec<TestStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestStmt {
    GivenFile(Str),
    /// `given a.q4 = "94%", return.period = "2011/12 Q2"`
    Given(Vec<(Path, Str)>),
    /// `given peer "Other Council" a.q4 = "90%"`, `given previous a.q3 =
    /// "80%"`, `given last_year a.q4 = "85%"` (SPEC 3.6, 3.9): another
    /// return of the collection.
    GivenOther(OtherReturn, Vec<(Path, Str)>),
    Expect(Expectation),
}

/// Which other return a `given` sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OtherReturn {
    /// Another organisation's return for the same period.
    Peer(Str),
    /// The organisation's return for the period before.
    Previous,
    /// The organisation's return for the same sub-period a year earlier.
    LastYear,
}

/// A dotted name such as `appraisals.q4` or `return.period`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub parts: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect EXPR`
    True(Expr),
    /// `expect error CHECK [on MEASURE]`
    Diagnostic {
        severity: Severity,
        check: Ident,
        on: Option<Ident>,
        span: Span,
    },
    /// `expect no SEVERITY [CHECK]`
    No {
        severity: Severity,
        check: Option<Ident>,
        span: Span,
    },
    /// `expect no diagnostics`
    NoDiagnostics(Span),
}

/// An expression with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// A plain number: `95`, `1.05`, `1_000`.
    Number(Decimal),
    /// A number with a unit: `95%`, `£250k`, `8.37 days`.
    Quantity(Decimal, Unit),
    Str(String),
    Bool(bool),
    /// A name or dotted name: `value`, `green`, `percent`, `budget.q3`,
    /// `return.period`. What it means is decided when compiling.
    Path(Vec<Ident>),
    List(Vec<Expr>),
    Call(Ident, Vec<Arg>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `x is [not] missing|deferred|blank|not_applicable|not_available`
    Is {
        operand: Box<Expr>,
        negated: bool,
        kind: Ident,
    },
    /// `x [not] in [a, b]`
    In {
        operand: Box<Expr>,
        negated: bool,
        list: Box<Expr>,
    },
    /// `x matches "regex"`
    Matches(Box<Expr>, Str),
}

impl Expr {
    /// Visit every span in the expression, its own and those of the
    /// names, strings and arguments inside it.
    pub fn spans_mut(&mut self, f: &mut impl FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            ExprKind::Number(_) | ExprKind::Quantity(..) | ExprKind::Str(_) | ExprKind::Bool(_) => {
            }
            ExprKind::Path(parts) => parts.iter_mut().for_each(|i| f(&mut i.span)),
            ExprKind::List(items) => items.iter_mut().for_each(|x| x.spans_mut(f)),
            ExprKind::Call(name, args) => {
                f(&mut name.span);
                for a in args {
                    match a {
                        Arg::Expr(x) => x.spans_mut(f),
                        Arg::EachMeasure(w, span) => {
                            f(span);
                            if let Some(w) = w {
                                w.spans_mut(f);
                            }
                        }
                        Arg::Peers(by, span) => {
                            f(span);
                            by.iter_mut().flatten().for_each(|i| f(&mut i.span));
                        }
                    }
                }
            }
            ExprKind::Unary(_, x) => x.spans_mut(f),
            ExprKind::Binary(_, a, b) => {
                a.spans_mut(f);
                b.spans_mut(f);
            }
            ExprKind::Is { operand, kind, .. } => {
                operand.spans_mut(f);
                f(&mut kind.span);
            }
            ExprKind::In { operand, list, .. } => {
                operand.spans_mut(f);
                list.spans_mut(f);
            }
            ExprKind::Matches(x, s) => {
                x.spans_mut(f);
                f(&mut s.span);
            }
        }
    }
}

/// A function argument: an expression, or `each measure [where COND]` for
/// `count`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Expr(Expr),
    EachMeasure(Option<Expr>, Span),
    /// `peers`, or `peers by return.KEY` with the path after `by`
    /// (SPEC 3.9).
    Peers(Option<Vec<Ident>>, Span),
}
