//! Expressions: resolve names to slots and check types and units.

use rust_decimal::Decimal;

use super::Compiler;
use crate::ast::{self, Arg, BinOp, ExprKind, UnOp};
use crate::collection::Past;
use crate::functions::{self, Param, Returns, Signature};
use crate::ir::{
    self, ArithOp, CmpOp, Const, Field, Func, IsKind, MissingKindName, RuleSet, Slot, Subject,
};
use crate::period::{Frequency, SubPeriod};
use crate::rag::Rag;
use crate::span::SourceFile;
use crate::suggest::did_you_mean;
use crate::value::Unit;

/// What kind of place an expression is evaluated in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// A band of a measure.
    Measure,
    /// `for each measure`, or `for a, b`.
    EachMeasure,
    /// `for each value`.
    EachValue,
    /// No `for`: once per return.
    Return,
}

/// The compile-time environment of an expression.
#[derive(Clone, Debug)]
pub struct Env {
    pub kind: ScopeKind,
    /// The declared measure, in a measure block.
    pub measure: Option<usize>,
    /// The unit of `value` when known (declared, or narrowed by
    /// `where unit == percent`).
    pub unit: Option<Unit>,
}

impl Env {
    pub fn measure(measure: Option<usize>, unit: Option<Unit>) -> Env {
        Env {
            kind: ScopeKind::Measure,
            measure,
            unit,
        }
    }
    pub fn each_measure() -> Env {
        Env {
            kind: ScopeKind::EachMeasure,
            measure: None,
            unit: None,
        }
    }
    pub fn each_value() -> Env {
        Env {
            kind: ScopeKind::EachValue,
            measure: None,
            unit: None,
        }
    }
    pub fn return_scope() -> Env {
        Env {
            kind: ScopeKind::Return,
            measure: None,
            unit: None,
        }
    }
}

/// The dimension of a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Plain,
    Unit(Unit),
    /// Not known until a return is read.
    Any,
}

/// Static type of an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Num(Dim),
    Bool,
    Text,
    Status,
    UnitName,
    /// `return.frequency`, or `annual`, `quarterly`, `monthly`.
    Frequency,
    List(Box<Ty>),
    Any,
}

impl Ty {
    pub fn describe(&self) -> String {
        match self {
            Ty::Num(Dim::Plain) => "a plain number".into(),
            Ty::Num(Dim::Unit(u)) => format!("a number in {u}"),
            Ty::Num(Dim::Any) => "a number".into(),
            Ty::Bool => "a condition (true or false)".into(),
            Ty::Text => "a text".into(),
            Ty::Status => "a status".into(),
            Ty::UnitName => "a unit name".into(),
            Ty::Frequency => "a frequency".into(),
            Ty::List(_) => "a list".into(),
            Ty::Any => "a value".into(),
        }
    }
}

const FIELDS: &[(&str, Field)] = &[
    ("id", Field::Id),
    ("title", Field::Title),
    ("section", Field::Section),
    ("officer", Field::Officer),
    ("status", Field::Status),
    ("commentary", Field::Commentary),
    ("unit", Field::Unit),
    ("target", Field::Target),
    ("expected", Field::Expected),
    ("value", Field::Value),
    ("q1", Field::Sub(quarter(0))),
    ("q2", Field::Sub(quarter(1))),
    ("q3", Field::Sub(quarter(2))),
    ("q4", Field::Sub(quarter(3))),
    ("quarter", Field::Quarter),
    ("rag", Field::Rag),
    // v1's names of periods come last, and are not offered as
    // suggestions for unknown names (see [`SUGGESTED_FIELDS`]): a field
    // named `team` is no slip for `year`.
    ("m1", Field::Sub(month(0))),
    ("m2", Field::Sub(month(1))),
    ("m3", Field::Sub(month(2))),
    ("m4", Field::Sub(month(3))),
    ("m5", Field::Sub(month(4))),
    ("m6", Field::Sub(month(5))),
    ("m7", Field::Sub(month(6))),
    ("m8", Field::Sub(month(7))),
    ("m9", Field::Sub(month(8))),
    ("m10", Field::Sub(month(9))),
    ("m11", Field::Sub(month(10))),
    ("m12", Field::Sub(month(11))),
    ("year", Field::Sub(SubPeriod::YEAR)),
    ("month", Field::Month),
];

const fn quarter(index: u8) -> SubPeriod {
    SubPeriod {
        frequency: Frequency::Quarterly,
        index,
    }
}

const fn month(index: u8) -> SubPeriod {
    SubPeriod {
        frequency: Frequency::Monthly,
        index,
    }
}

/// How many of [`FIELDS`] an unknown name may be a slip for.
const SUGGESTED_FIELDS: usize = 16;

const RETURN_FIELDS: &[(&str, Field)] = &[
    ("organisation", Field::Organisation),
    ("period", Field::Period),
    ("year", Field::Year),
    ("quarter", Field::ReturnQuarter),
    ("month", Field::ReturnMonth),
    ("frequency", Field::Frequency),
];

fn field_type(field: Field, dim: Dim) -> Ty {
    match field {
        Field::Status | Field::Rag => Ty::Status,
        Field::Unit => Ty::UnitName,
        Field::Frequency => Ty::Frequency,
        Field::Target | Field::Expected | Field::Value | Field::Sub(_) => Ty::Num(dim),
        Field::Quarter | Field::Month | Field::ReturnQuarter | Field::ReturnMonth => {
            Ty::Num(Dim::Plain)
        }
        _ => Ty::Text,
    }
}

/// Is `name` one of the fields the language names itself (`value`, `q1`,
/// `quarter`, …)?
pub(super) fn is_standard_field(name: &str) -> bool {
    FIELDS.iter().any(|(n, _)| *n == name)
}

/// The type of a non-standard field: a number in its unit when declared
/// with `field NAME UNIT`, else text.
fn extra_type(rules: &RuleSet, name: &str) -> Ty {
    match rules.field_units.get(name) {
        Some(u) => Ty::Num(dim_of(Some(*u))),
        None => Ty::Text,
    }
}

/// The dimension of `value` in this scope: the measure's unit where it is
/// known.
fn value_dim(rules: &RuleSet, env: &Env) -> Dim {
    match env.measure {
        Some(m) => dim_of(rules.measures.get(m).and_then(|m| m.unit)),
        None => dim_of(env.unit),
    }
}

fn dim_of(unit: Option<Unit>) -> Dim {
    match unit {
        // A count is a plain number.
        Some(Unit::Count) => Dim::Plain,
        Some(u) => Dim::Unit(u),
        None => Dim::Any,
    }
}

type Out = Option<(ir::Expr, Ty)>;

impl Compiler<'_> {
    /// Compile a condition: an expression that must be true or false.
    pub fn condition(&mut self, rules: &mut RuleSet, env: &Env, e: &ast::Expr) -> Option<ir::Expr> {
        let (c, ty) = self.expr(rules, env, e)?;
        match ty {
            Ty::Bool | Ty::Any => Some(c),
            other => {
                self.report(
                    self.error(
                        "type_error",
                        e.span,
                        format!(
                            "a condition must be true or false, but this is {}",
                            other.describe()
                        ),
                    )
                    .label("not a condition")
                    .help("compare it with something, such as `value >= 95%`"),
                );
                None
            }
        }
    }

    pub fn expr(&mut self, rules: &mut RuleSet, env: &Env, e: &ast::Expr) -> Out {
        match &e.kind {
            ExprKind::Number(n) => {
                Some((ir::Expr::Const(Const::Num(*n, None)), Ty::Num(Dim::Plain)))
            }
            ExprKind::Quantity(n, u) => Some((
                ir::Expr::Const(Const::Num(*n, Some(*u))),
                Ty::Num(dim_of(Some(*u))),
            )),
            ExprKind::Str(s) => Some((ir::Expr::Const(Const::Text(s.clone())), Ty::Text)),
            ExprKind::Bool(b) => Some((ir::Expr::Const(Const::Bool(*b)), Ty::Bool)),
            ExprKind::Path(parts) => self.path(rules, env, parts),
            ExprKind::List(_) => {
                self.type_error(
                    e,
                    "a list is only meaningful after `in`, as in `status in [amber, red]`",
                );
                None
            }
            ExprKind::Unary(UnOp::Not, x) => {
                let c = self.condition(rules, env, x)?;
                Some((ir::Expr::Not(Box::new(c)), Ty::Bool))
            }
            ExprKind::Unary(UnOp::Neg, x) => {
                let (c, ty) = self.expr(rules, env, x)?;
                match ty {
                    Ty::Num(_) | Ty::Any => Some((ir::Expr::Neg(Box::new(c)), ty)),
                    other => {
                        self.type_error(x, &format!("cannot negate {}", other.describe()));
                        None
                    }
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(rules, env, *op, a, b),
            ExprKind::Is {
                operand,
                negated,
                kind,
            } => {
                let (c, _) = self.expr(rules, env, operand)?;
                let k = if kind.name == "missing" {
                    IsKind::Missing
                } else {
                    match MissingKindName::ALL.iter().find(|(n, _)| *n == kind.name) {
                        Some((_, k)) => IsKind::Kind(*k),
                        None => {
                            let names = std::iter::once("missing")
                                .chain(MissingKindName::ALL.iter().map(|(n, _)| *n));
                            let suggestion = did_you_mean(&kind.name, names);
                            self.report(
                                self.error(
                                    "unknown_name",
                                    kind.span,
                                    format!("`is {}` is not a test this language knows", kind.name),
                                )
                                .label("unknown")
                                .help(match suggestion {
                                    Some(s) => format!("did you mean `is {s}`?"),
                                    None => "write `is missing`, `is deferred`, `is blank`, `is not_applicable`, `is not_available` or `is invalid`".into(),
                                }),
                            );
                            return None;
                        }
                    }
                };
                Some((
                    ir::Expr::Is {
                        operand: Box::new(c),
                        kind: k,
                        negated: *negated,
                    },
                    Ty::Bool,
                ))
            }
            ExprKind::In {
                operand,
                negated,
                list,
            } => {
                let (c, ty) = self.expr(rules, env, operand)?;
                let ExprKind::List(items) = &list.kind else {
                    self.type_error(list, "`in` needs a list such as `[amber, red]`");
                    return None;
                };
                let mut out = Vec::new();
                for item in items {
                    let (ic, ity) = self.expr(rules, env, item)?;
                    if !self.compatible(&ty, &ity, operand, item) {
                        return None;
                    }
                    out.push(ic);
                }
                Some((
                    ir::Expr::In {
                        operand: Box::new(c),
                        list: out,
                        negated: *negated,
                    },
                    Ty::Bool,
                ))
            }
            ExprKind::Matches(x, re) => {
                let (c, _) = self.expr(rules, env, x)?;
                if rules.pattern_bytes > super::pattern::MAX_PATTERNS_BYTES {
                    // An earlier pattern did not fit, and is the error:
                    // compiling more could only cost time.
                    return None;
                }
                match super::pattern::compile(&re.value, rules.pattern_bytes) {
                    Ok((r, bytes)) => {
                        rules.pattern_bytes += bytes;
                        let pattern = ir::Pattern {
                            text: re.value.clone(),
                            regex: r,
                        };
                        Some((ir::Expr::Matches(Box::new(c), Box::new(pattern)), Ty::Bool))
                    }
                    Err(err) => {
                        let syntax = matches!(err, super::pattern::PatternError::Syntax(_));
                        if let super::pattern::PatternError::OverBudget { .. } = err {
                            rules.pattern_bytes = super::pattern::MAX_PATTERNS_BYTES + 1;
                        }
                        let d = self.error("bad_regex", re.span, err.to_string());
                        self.report(if syntax {
                            d.label("bad pattern").help(
                                "patterns use Rust regex syntax; escape special characters such as `(` with a backslash",
                            )
                        } else {
                            d.label("too big").help(
                                "a counted repetition multiplies a pattern's size (`\\w{100}` is a hundred copies of `\\w`, each hundreds of Unicode ranges): use a smaller count, `+` or `*`, or `[a-z]` for `\\w`",
                            )
                        });
                        None
                    }
                }
            }
            ExprKind::Call(name, args) => self.call(rules, env, name, args, e),
        }
    }

    /// What `return.frequency` is compared with: a bare name there must be
    /// `annual`, `quarterly` or `monthly` (reported, with a suggestion,
    /// when it is not).
    fn frequency_word(&mut self, e: &ast::Expr) -> bool {
        let ExprKind::Path(parts) = &e.kind else {
            return true;
        };
        let [word] = parts.as_slice() else {
            return true;
        };
        if Frequency::from_name(&word.name).is_some() {
            return true;
        }
        let suggestion = did_you_mean(&word.name, Frequency::ALL.iter().map(|f| f.name()));
        self.report(
            self.error(
                "unknown_name",
                word.span,
                format!("`{}` is not a frequency", word.name),
            )
            .label("not a frequency")
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "a return's frequency is `annual`, `quarterly` or `monthly`".into(),
            }),
        );
        false
    }

    fn type_error(&mut self, e: &ast::Expr, message: &str) {
        self.report(
            self.error("type_error", e.span, message.to_string())
                .label("here"),
        );
    }

    fn path(&mut self, rules: &mut RuleSet, env: &Env, parts: &[ast::Ident]) -> Out {
        let first = parts.first()?;
        let span = first
            .span
            .to(parts.last().map(|p| p.span).unwrap_or(first.span));
        let past = match first.name.as_str() {
            "previous" => Some(Past::Previous),
            "last_year" => Some(Past::LastYear),
            _ => None,
        };
        if let Some(which) = past {
            return self.past_path(rules, env, which, parts, span);
        }
        if parts.len() == 1 {
            let name = first.name.as_str();
            if let Some(r) = Rag::ALL.iter().find(|r| r.name() == name) {
                return Some((ir::Expr::Const(Const::Status(*r)), Ty::Status));
            }
            if let Some(u) = Unit::from_name(name) {
                return Some((ir::Expr::Const(Const::Unit(u)), Ty::UnitName));
            }
            if let Some(f) = Frequency::from_name(name) {
                return Some((
                    ir::Expr::Const(Const::Text(f.name().to_string())),
                    Ty::Frequency,
                ));
            }
            if let Some((_, field)) = FIELDS.iter().find(|(n, _)| *n == name) {
                if env.kind == ScopeKind::Return {
                    self.needs_a_measure(
                        name,
                        span,
                        "which measure's?",
                        format!(
                            "write `<measure>.{name}` (such as `budget.{name}`), or check each measure with `for each measure`"
                        ),
                    );
                    return None;
                }
                let dim = value_dim(rules, env);
                let field = match (*field, env.kind) {
                    (Field::Quarter, ScopeKind::Measure | ScopeKind::EachMeasure) => {
                        Field::ReturnQuarter
                    }
                    (Field::Month, ScopeKind::Measure | ScopeKind::EachMeasure) => {
                        Field::ReturnMonth
                    }
                    (f, _) => f,
                };
                return Some((
                    ir::Expr::Slot(Slot {
                        subject: Subject::Current,
                        field,
                    }),
                    field_type(field, dim),
                ));
            }
            if rules.field_units.contains_key(name) && env.kind != ScopeKind::Return {
                let idx = intern(&mut rules.extra_fields, name);
                return Some((
                    ir::Expr::Slot(Slot {
                        subject: Subject::Current,
                        field: Field::Extra(idx),
                    }),
                    extra_type(rules, name),
                ));
            }
            if name == "return" {
                self.report(
                    self.error("unknown_name", span, "`return` needs a field")
                        .label("return what?")
                        .help(
                            "write `return.organisation`, `return.period`, `return.frequency`, `return.year`, `return.quarter`, `return.month` or `return.<key>`",
                        ),
                );
                return None;
            }
            if rules.measure_index.contains_key(name) {
                self.report(
                    self.error(
                        "unknown_name",
                        span,
                        format!("`{name}` is a measure; say which of its fields"),
                    )
                    .label("a measure, not a value")
                    .help(format!(
                        "write `{name}.value`, `{name}.q3` or `{name}.status`"
                    )),
                );
                return None;
            }
            // A field name alone means nothing once per return, so it is
            // no suggestion there.
            let fields = FIELDS[..SUGGESTED_FIELDS]
                .iter()
                .filter(|_| env.kind != ScopeKind::Return)
                .map(|(n, _)| *n);
            let candidates: Vec<&str> = fields
                .chain(Rag::ALL.iter().map(|r| r.name()))
                .chain(Unit::ALL.iter().map(|u| u.name()))
                .chain(rules.measure_index.keys().map(String::as_str))
                .chain(["return"])
                .collect();
            let suggestion = did_you_mean(name, candidates.iter().copied());
            if suggestion.is_some() || env.kind == ScopeKind::Return {
                self.report(
                    self.error("unknown_name", span, format!("unknown name `{name}`"))
                        .label("not known")
                        .help(match suggestion {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if env.kind == ScopeKind::Return => "this check runs once per return: write `return.<field>` or `<measure>.<field>`, such as `budget.value`".into(),
                            None => "names are measure fields (value, target, status, …), `return.<field>` or `<measure>.<field>`".into(),
                        }),
                );
                return None;
            }
            // Any other name is a field of the entry, kept as text.
            let idx = intern(&mut rules.extra_fields, name);
            return Some((
                ir::Expr::Slot(Slot {
                    subject: Subject::Current,
                    field: Field::Extra(idx),
                }),
                Ty::Text,
            ));
        }
        if parts.len() > 2 {
            self.report(
                self.error("unknown_name", span, "a name has at most two parts")
                    .label("too many dots")
                    .help("write `return.period` or `budget.q3`"),
            );
            return None;
        }
        let second = &parts[1];
        if first.name == "return" {
            if let Some((_, f)) = RETURN_FIELDS.iter().find(|(n, _)| *n == second.name) {
                return Some((
                    ir::Expr::Slot(Slot {
                        subject: Subject::Return,
                        field: *f,
                    }),
                    field_type(*f, Dim::Plain),
                ));
            }
            if let Some(s) = did_you_mean(&second.name, RETURN_FIELDS.iter().map(|(n, _)| *n)) {
                self.report(
                    self.error(
                        "unknown_name",
                        second.span,
                        format!("unknown return field `{}`", second.name),
                    )
                    .label("not known")
                    .help(format!("did you mean `return.{s}`?")),
                );
                return None;
            }
            let idx = intern(&mut rules.return_keys, &second.name);
            return Some((
                ir::Expr::Slot(Slot {
                    subject: Subject::Return,
                    field: Field::ReturnKey(idx),
                }),
                Ty::Text,
            ));
        }
        let Some(&m) = rules.measure_index.get(&first.name) else {
            let suggestion = did_you_mean(
                &first.name,
                rules
                    .measure_index
                    .keys()
                    .map(String::as_str)
                    .chain(["return"]),
            );
            let d = self
                .error(
                    "unknown_name",
                    first.span,
                    format!("there is no measure `{}`", first.name),
                )
                .label("not declared")
                .suggest(suggestion);
            self.report(d);
            return None;
        };
        let dim = dim_of(rules.measures.get(m).and_then(|x| x.unit));
        let field = match FIELDS.iter().find(|(n, _)| *n == second.name) {
            Some((_, Field::Quarter)) => Field::ReturnQuarter,
            Some((_, Field::Month)) => Field::ReturnMonth,
            Some((_, f)) => *f,
            None if rules.field_units.contains_key(&second.name) => {
                let idx = intern(&mut rules.extra_fields, &second.name);
                let ty = extra_type(rules, &second.name);
                return Some((
                    ir::Expr::Slot(Slot {
                        subject: Subject::Measure(m),
                        field: Field::Extra(idx),
                    }),
                    ty,
                ));
            }
            None => {
                if let Some(s) = did_you_mean(
                    &second.name,
                    FIELDS[..SUGGESTED_FIELDS].iter().map(|(n, _)| *n),
                ) {
                    self.report(
                        self.error(
                            "unknown_name",
                            second.span,
                            format!("unknown field `{}`", second.name),
                        )
                        .label("not known")
                        .help(format!("did you mean `{}.{s}`?", first.name)),
                    );
                    return None;
                }
                Field::Extra(intern(&mut rules.extra_fields, &second.name))
            }
        };
        Some((
            ir::Expr::Slot(Slot {
                subject: Subject::Measure(m),
                field,
            }),
            field_type(field, dim),
        ))
    }

    fn binary(
        &mut self,
        rules: &mut RuleSet,
        env: &Env,
        op: BinOp,
        a: &ast::Expr,
        b: &ast::Expr,
    ) -> Out {
        if matches!(op, BinOp::And | BinOp::Or) {
            let ca = self.condition(rules, env, a);
            let cb = self.condition(rules, env, b);
            let (ca, cb) = (Box::new(ca?), Box::new(cb?));
            return Some((
                if op == BinOp::And {
                    ir::Expr::And(ca, cb)
                } else {
                    ir::Expr::Or(ca, cb)
                },
                Ty::Bool,
            ));
        }
        if op.is_comparison() {
            for (x, y) in [(a, b), (b, a)] {
                if is_return_frequency(x) && !self.frequency_word(y) {
                    return None;
                }
            }
        }
        let left = self.expr(rules, env, a);
        let right = self.expr(rules, env, b);
        let ((ca, ta), (cb, tb)) = (left?, right?);
        if op.is_comparison() {
            if !self.compatible(&ta, &tb, a, b) {
                return None;
            }
            let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
            if ordered
                && matches!(
                    ta,
                    Ty::Text | Ty::UnitName | Ty::Frequency | Ty::Bool | Ty::List(_)
                )
            {
                self.type_error(
                    a,
                    &format!("`{}` cannot order {}", op.symbol(), ta.describe()),
                );
                return None;
            }
            let cmp = match op {
                BinOp::Eq => CmpOp::Eq,
                BinOp::Ne => CmpOp::Ne,
                BinOp::Lt => CmpOp::Lt,
                BinOp::Le => CmpOp::Le,
                BinOp::Gt => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            return Some((ir::Expr::Cmp(cmp, Box::new(ca), Box::new(cb)), Ty::Bool));
        }
        let da = self.number_dim(&ta, a, op)?;
        let db = self.number_dim(&tb, b, op)?;
        let arith = match op {
            BinOp::Add => ArithOp::Add,
            BinOp::Sub => ArithOp::Sub,
            BinOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        let dim = match arith {
            ArithOp::Add | ArithOp::Sub => match (da, db) {
                (Dim::Any, d) | (d, Dim::Any) => d,
                (x, y) if x == y => x,
                _ => {
                    self.unit_mismatch(a, b, da, db, op);
                    return None;
                }
            },
            ArithOp::Mul => match (da, db) {
                (Dim::Plain, d) | (d, Dim::Plain) => d,
                (Dim::Any, _) | (_, Dim::Any) => Dim::Any,
                (Dim::Unit(x), Dim::Unit(y)) => {
                    self.report(
                        self.error(
                            "unit_error",
                            a.span.to(b.span),
                            format!("cannot multiply {x} by {y}"),
                        )
                        .label(format!("{x} × {y}"))
                        .help("multiply a quantity by a plain number, such as `target * 1.05`"),
                    );
                    return None;
                }
            },
            ArithOp::Div => match (da, db) {
                (d, Dim::Plain) => d,
                (Dim::Any, _) | (_, Dim::Any) => Dim::Any,
                (Dim::Unit(x), Dim::Unit(y)) if x == y => Dim::Plain,
                _ => {
                    self.report(
                        self.error(
                            "unit_error",
                            a.span.to(b.span),
                            format!("cannot divide {} by {}", dim_name(da), dim_name(db)),
                        )
                        .label("units do not divide")
                        .help(
                            "divide a quantity by a plain number or by a quantity of the same unit",
                        ),
                    );
                    return None;
                }
            },
        };
        Some((
            ir::Expr::Arith(arith, Box::new(ca), Box::new(cb)),
            Ty::Num(dim),
        ))
    }

    fn number_dim(&mut self, ty: &Ty, e: &ast::Expr, op: BinOp) -> Option<Dim> {
        match ty {
            Ty::Num(d) => Some(*d),
            Ty::Any => Some(Dim::Any),
            other => {
                self.type_error(
                    e,
                    &format!(
                        "`{}` needs numbers, but this is {}",
                        op.symbol(),
                        other.describe()
                    ),
                );
                None
            }
        }
    }

    fn unit_mismatch(&mut self, a: &ast::Expr, b: &ast::Expr, da: Dim, db: Dim, op: BinOp) {
        let sources = self.sources;
        let (plain, unit) = match (da, db) {
            (Dim::Plain, Dim::Unit(u)) => (Some(a), Some(u)),
            (Dim::Unit(u), Dim::Plain) => (Some(b), Some(u)),
            _ => (None, None),
        };
        self.report(
            self.error(
                "unit_error",
                a.span.to(b.span),
                format!(
                    "`{}` mixes {} and {}",
                    op.symbol(),
                    dim_name(da),
                    dim_name(db)
                ),
            )
            .label("units differ")
            .help(match (plain, unit) {
                (Some(p), Some(u)) => format!("write {}", with_unit_hint(p, u, sources)),
                _ => "add and subtract quantities of one unit only".into(),
            }),
        );
    }

    /// Can values of these two types be compared?
    fn compatible(&mut self, ta: &Ty, tb: &Ty, a: &ast::Expr, b: &ast::Expr) -> bool {
        let ok = match (ta, tb) {
            (Ty::Any, _) | (_, Ty::Any) => true,
            (Ty::Num(x), Ty::Num(y)) => x == y || *x == Dim::Any || *y == Dim::Any,
            (x, y) => x == y,
        };
        if ok {
            return true;
        }
        let sources = self.sources;
        let help: Option<String> = match (ta, tb) {
            (Ty::Num(Dim::Unit(u)), Ty::Num(Dim::Plain)) => {
                Some(format!("write {}", with_unit_hint(b, *u, sources)))
            }
            (Ty::Num(Dim::Plain), Ty::Num(Dim::Unit(u))) => {
                Some(format!("write {}", with_unit_hint(a, *u, sources)))
            }
            (Ty::Status, Ty::Text) | (Ty::Text, Ty::Status) => {
                Some("write statuses without quotes: `amber`, not `\"Amber\"`".into())
            }
            (Ty::Frequency, _) | (_, Ty::Frequency) => Some(
                "compare `return.frequency` with the bare words `annual`, `quarterly` or `monthly`"
                    .into(),
            ),
            _ => None,
        };
        let d = self
            .error(
                if matches!((ta, tb), (Ty::Num(_), Ty::Num(_))) {
                    "unit_error"
                } else {
                    "type_error"
                },
                a.span.to(b.span),
                format!("cannot compare {} with {}", ta.describe(), tb.describe()),
            )
            .label("these do not compare");
        self.report(match help {
            Some(h) => d.help(h),
            None => d,
        });
        false
    }

    /// A call, resolved through the table of functions: the row whose
    /// argument kinds fit, then the arguments and the unit of the result.
    fn call(
        &mut self,
        rules: &mut RuleSet,
        env: &Env,
        name: &ast::Ident,
        args: &[Arg],
        e: &ast::Expr,
    ) -> Out {
        let rows: Vec<&Signature> = functions::named(&name.name).collect();
        if rows.is_empty() {
            let suggestion = did_you_mean(&name.name, functions::names());
            self.report(
                self.error(
                    "unknown_function",
                    name.span,
                    format!("there is no function `{}`", name.name),
                )
                .label("unknown function")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("functions are {}", functions::names_in_words()),
                }),
            );
            return None;
        }
        let Some(sig) = rows.iter().copied().find(|s| fits(s, args)) else {
            // A misplaced `each measure` is named as such.
            if let Some(Arg::EachMeasure(_, span)) = args
                .iter()
                .find(|a| matches!(a, Arg::EachMeasure(..)))
                .filter(|_| !rows.iter().any(|s| s.params.contains(&Param::EachMeasure)))
            {
                self.report(
                    self.error(
                        "type_error",
                        *span,
                        format!("`each measure` is only for `count`, not `{}`", name.name),
                    )
                    .label("here"),
                );
                return None;
            }
            let takes: Vec<&str> = rows.iter().map(|s| s.takes).collect();
            self.type_error(e, &format!("`{}` takes {}", name.name, takes.join(" or ")));
            return None;
        };
        let mut compiled = Vec::new();
        let mut types = Vec::new();
        // `Some` once a `peers` argument is read: its group, if any.
        let mut group: Option<Option<usize>> = None;
        for (i, a) in args.iter().enumerate() {
            let param = sig.params[i.min(sig.params.len() - 1)];
            match (a, param) {
                (Arg::EachMeasure(cond, _), Param::EachMeasure) => {
                    let inner_env = Env::each_measure();
                    let c = match cond {
                        Some(c) => Some(Box::new(self.condition(rules, &inner_env, c)?)),
                        None => None,
                    };
                    return Some((ir::Expr::Count(c), Ty::Num(Dim::Plain)));
                }
                (Arg::Peers(by, span), Param::Peers) => {
                    group = Some(self.peers_arg(rules, env, by.as_deref(), *span)?);
                }
                (Arg::Expr(x), _) => {
                    let (c, t) = self.expr(rules, env, x)?;
                    if param == Param::Plain
                        && sig.returns != Returns::Arguments
                        && !matches!(t, Ty::Num(Dim::Plain | Dim::Any) | Ty::Any)
                    {
                        self.type_error(
                            x,
                            &format!("the second argument of `{}` is a plain number", sig.name),
                        );
                        return None;
                    }
                    compiled.push(c);
                    types.push((t, x));
                }
                _ => return None,
            }
        }
        if let Some(group) = group {
            rules.collection.peer_order |= matches!(
                sig.func,
                Func::PeerMin | Func::PeerMax | Func::Quantile | Func::Rank
            );
            let ty = match sig.returns {
                Returns::MeasureUnit => self.measure_unit(rules, env),
                _ => Ty::Num(Dim::Plain),
            };
            let e = ir::Expr::Peers {
                func: sig.func,
                group,
                args: compiled,
            };
            return Some((e, ty));
        }
        let ty = match sig.returns {
            Returns::Plain => Ty::Num(Dim::Plain),
            Returns::Text => Ty::Text,
            Returns::MeasureUnit => self.measure_unit(rules, env),
            Returns::Arguments => {
                let (t0, x0) = &types[0];
                if !sig.repeats {
                    self.number_dim(t0, x0, BinOp::Add)?;
                }
                for (i, (t, x)) in types.iter().enumerate().skip(1) {
                    match sig.params[i.min(sig.params.len() - 1)] {
                        Param::Plain => {
                            if !matches!(t, Ty::Num(Dim::Plain | Dim::Any) | Ty::Any) {
                                self.type_error(
                                    x,
                                    &format!("the digits of `{}` are a plain number", sig.name),
                                );
                                return None;
                            }
                        }
                        _ => {
                            if !self.compatible(t0, t, x0, x) {
                                return None;
                            }
                        }
                    }
                }
                t0.clone()
            }
        };
        Some((ir::Expr::Call(sig.func, compiled), ty))
    }

    /// `previous`, `previous.FIELD`, `last_year.return.period` (SPEC 3.9):
    /// the current measure in another return of the same organisation.
    fn past_path(
        &mut self,
        rules: &mut RuleSet,
        env: &Env,
        which: Past,
        parts: &[ast::Ident],
        span: crate::span::Span,
    ) -> Out {
        let name = which.name();
        if env.kind == ScopeKind::Return {
            self.needs_a_measure(
                name,
                span,
                "which measure's?",
                format!(
                    "use `{name}` in a measure's bands or in `for each measure`, `for each value` or `for ID`"
                ),
            );
            return None;
        }
        rules.collection.past = true;
        let dim = value_dim(rules, env);
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        let (field, ty) = match names.as_slice() {
            [_] => (Field::Id, Ty::Text),
            [_, "value"] => (Field::Value, Ty::Num(dim)),
            [_, "status"] => (Field::Status, Ty::Status),
            [_, "rag"] => (Field::Rag, Ty::Status),
            [_, "commentary"] => {
                rules.collection.past_commentary = true;
                (Field::Commentary, Ty::Text)
            }
            [_, "return", "period"] => (Field::Period, Ty::Text),
            [_, key] if let Some(s) = SubPeriod::parse_key(key) => (Field::Sub(s), Ty::Num(dim)),
            _ => {
                let known = [
                    "value",
                    "status",
                    "rag",
                    "commentary",
                    "q1",
                    "q2",
                    "q3",
                    "q4",
                    "year",
                ];
                let last = parts.get(1).map_or("", |p| p.name.as_str());
                let suggestion = did_you_mean(last, known.iter().copied());
                self.report(
                    self.error(
                        "unknown_name",
                        span,
                        format!("`{}` is not something `{name}` has", names.join(".")),
                    )
                    .label("not known")
                    .help(match suggestion {
                        Some(s) => format!("did you mean `{name}.{s}`?"),
                        None => format!(
                            "write `{name}.value`, `{name}.status`, `{name}.rag`, `{name}.q2`, `{name}.commentary` or `{name}.return.period`"
                        ),
                    }),
                );
                return None;
            }
        };
        Some((
            ir::Expr::Slot(Slot {
                subject: Subject::Past(which),
                field,
            }),
            ty,
        ))
    }

    /// `peers` or `peers by return.KEY`: where a measure is in scope only;
    /// the group's index in [`crate::collection::Needs::peer_groups`].
    fn peers_arg(
        &mut self,
        rules: &mut RuleSet,
        env: &Env,
        by: Option<&[ast::Ident]>,
        span: crate::span::Span,
    ) -> Option<Option<usize>> {
        if env.kind == ScopeKind::Return {
            self.needs_a_measure(
                "peers",
                span,
                "which measure's peers?",
                "use `peers` in a measure's bands or in `for each measure`, `for each value` or `for ID`",
            );
            return None;
        }
        rules.collection.peers = true;
        let Some(by) = by else {
            return Some(None);
        };
        let key = match by {
            [r, key]
                if r.name == "return"
                    && !matches!(key.name.as_str(), "organisation" | "period") =>
            {
                key
            }
            _ => {
                let at = by
                    .first()
                    .map_or(span, |f| f.span.to(by[by.len() - 1].span));
                self.report(
                    self.error(
                        "unknown_name",
                        at,
                        "`peers by` takes a field of the return's header",
                    )
                    .label("not `return.KEY`")
                    .help("write `peers by return.region`, naming a header key of the returns"),
                );
                return None;
            }
        };
        let k = intern(&mut rules.return_keys, &key.name);
        let groups = &mut rules.collection.peer_groups;
        Some(Some(match groups.iter().position(|&g| g == k) {
            Some(i) => i,
            None => {
                groups.push(k);
                groups.len() - 1
            }
        }))
    }

    /// The type of `value` in this scope: the measure's unit where it is
    /// known.
    fn measure_unit(&self, rules: &RuleSet, env: &Env) -> Ty {
        Ty::Num(value_dim(rules, env))
    }

    /// `NAME` where no measure is in scope (a check that runs once per
    /// return): an error, labelled and with help.
    fn needs_a_measure(
        &mut self,
        name: &str,
        span: crate::span::Span,
        label: &str,
        help: impl Into<String>,
    ) {
        self.report(
            self.error(
                "unknown_name",
                span,
                format!("`{name}` needs a measure, but this check runs once per return"),
            )
            .label(label)
            .help(help),
        );
    }
}

/// Do these arguments have the kinds (and the number) a row asks for?
fn fits(sig: &Signature, args: &[Arg]) -> bool {
    let n = sig.params.len();
    let count_ok = if sig.repeats {
        args.len() >= n
    } else {
        args.len() == n
    };
    count_ok
        && args.iter().enumerate().all(|(i, a)| {
            let param = sig.params[i.min(n - 1)];
            match a {
                Arg::EachMeasure(..) => param == Param::EachMeasure,
                Arg::Peers(..) => param == Param::Peers,
                Arg::Expr(_) => !matches!(param, Param::EachMeasure | Param::Peers),
            }
        })
}

fn dim_name(d: Dim) -> String {
    match d {
        Dim::Plain => "a plain number".into(),
        Dim::Unit(u) => u.name().into(),
        Dim::Any => "a number".into(),
    }
}

pub(super) fn intern(names: &mut Vec<String>, name: &str) -> usize {
    match names.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_string());
            names.len() - 1
        }
    }
}

/// `95` → "`95%` instead of `95`", for unit errors.
pub fn with_unit_hint(e: &ast::Expr, unit: Unit, sources: &[SourceFile]) -> String {
    let text = sources
        .get(e.span.file.0 as usize)
        .and_then(|s| s.text.get(e.span.start as usize..e.span.end as usize))
        .unwrap_or("")
        .to_string();
    if let ExprKind::Number(_) = e.kind {
        let fixed = match unit {
            Unit::Percent => format!("{text}%"),
            Unit::Gbp => format!("£{text}"),
            Unit::Usd => format!("${text}"),
            Unit::Eur => format!("€{text}"),
            Unit::Days => format!("{text} days"),
            Unit::Minutes => format!("{text} mins"),
            Unit::Hours => format!("{text} hours"),
            Unit::Count => text.clone(),
        };
        format!("`{fixed}` instead of `{text}`")
    } else {
        format!("a value in {unit}")
    }
}

/// `where unit == percent` (or a conjunct of it) tells the unit of `value`.
pub fn narrowed_unit(w: &ast::Expr) -> Option<Unit> {
    match &w.kind {
        ExprKind::Binary(BinOp::Eq, a, b) => {
            let name = |e: &ast::Expr| match &e.kind {
                ExprKind::Path(p) if p.len() == 1 => Some(p[0].name.clone()),
                _ => None,
            };
            match (name(a).as_deref(), name(b).as_deref()) {
                (Some("unit"), Some(u)) | (Some(u), Some("unit")) => Unit::from_name(u),
                _ => None,
            }
        }
        ExprKind::Binary(BinOp::And, a, b) => narrowed_unit(a).or_else(|| narrowed_unit(b)),
        _ => None,
    }
}

/// Every slot an expression reads, in order, without repeats.
pub fn collect_slots(e: &ir::Expr, out: &mut Vec<Slot>) {
    match e {
        ir::Expr::Slot(s) => {
            if !out.contains(s) {
                out.push(*s);
            }
        }
        ir::Expr::Const(_) | ir::Expr::Count(..) => {}
        ir::Expr::Peers { args, .. } => {
            for x in args {
                collect_slots(x, out);
            }
        }
        ir::Expr::Neg(x) | ir::Expr::Not(x) | ir::Expr::Matches(x, _) => collect_slots(x, out),
        ir::Expr::Arith(_, a, b)
        | ir::Expr::Cmp(_, a, b)
        | ir::Expr::And(a, b)
        | ir::Expr::Or(a, b) => {
            collect_slots(a, out);
            collect_slots(b, out);
        }
        ir::Expr::Is { operand, .. } => collect_slots(operand, out),
        ir::Expr::In { operand, list, .. } => {
            collect_slots(operand, out);
            for x in list {
                collect_slots(x, out);
            }
        }
        ir::Expr::Call(_, args) => {
            for x in args {
                collect_slots(x, out);
            }
        }
    }
}

/// Is `e` the name `return.frequency`?
fn is_return_frequency(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Path(parts)
        if matches!(parts.as_slice(), [r, f] if r.name == "return" && f.name == "frequency"))
}

/// The value of an expression made of constants, `target` and `expected`
/// (for the given sub-period), or `None` if it depends on a return.
pub fn fold_constant(e: &ir::Expr, m: &ir::Measure, quarter: Option<SubPeriod>) -> Option<Decimal> {
    match e {
        ir::Expr::Const(Const::Num(n, _)) => Some(*n),
        ir::Expr::Slot(Slot {
            subject: Subject::Current,
            field: Field::Target,
        }) => m.target,
        ir::Expr::Slot(Slot {
            subject: Subject::Current,
            field: Field::Expected,
        }) => m.expected(quarter),
        ir::Expr::Neg(x) => fold_constant(x, m, quarter).map(|v| -v),
        ir::Expr::Arith(op, a, b) => {
            let (a, b) = (fold_constant(a, m, quarter)?, fold_constant(b, m, quarter)?);
            match op {
                ArithOp::Add => a.checked_add(b),
                ArithOp::Sub => a.checked_sub(b),
                ArithOp::Mul => a.checked_mul(b),
                ArithOp::Div => a.checked_div(b),
            }
        }
        ir::Expr::Call(Func::Abs, args) => {
            fold_constant(args.first()?, m, quarter).map(|v| v.abs())
        }
        ir::Expr::Call(Func::Min, args) => args
            .iter()
            .map(|a| fold_constant(a, m, quarter))
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .min(),
        ir::Expr::Call(Func::Max, args) => args
            .iter()
            .map(|a| fold_constant(a, m, quarter))
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max(),
        _ => None,
    }
}
