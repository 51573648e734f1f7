//! Compiled rules: names resolved to slots, units checked, regexes compiled.
//!
//! Evaluating a return never looks a rule name up by string and never
//! recompiles anything: every name in a condition is a [`Slot`] and every
//! `matches` holds its compiled [`Regex`].

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::ast;

/// A compiled `matches` pattern (the automaton the `regex` crate builds,
/// used directly so that the memory it holds can be counted:
/// [`crate::compile::pattern`]).
pub type Regex = regex_automata::meta::Regex;

/// A `matches` pattern: as written, and compiled. Its `Debug` form is the
/// text alone, so two are the same condition when their text is
/// (`eval::Plan` shares conditions, and remembered matches, by it).
#[derive(Clone)]
pub struct Pattern {
    pub text: String,
    pub regex: Regex,
}

impl std::ops::Deref for Pattern {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        &self.regex
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.text).finish()
    }
}
use crate::diagnostic::{RuleRef, Severity, Waived};
use crate::field::KnownField;
use crate::period::{Frequency, SubPeriod};
use crate::rag::Rag;
use crate::span::{FileId, SourceFile, Span};
use crate::value::{MissingKind, Unit};

/// A compiled rule set: every `.rag` file under the rule paths.
#[derive(Debug)]
pub struct RuleSet {
    pub sources: Vec<SourceFile>,
    pub measures: Vec<Measure>,
    /// Measure id → index in `measures`, for resolving a return's entries
    /// (looked up for every entry of every return, so with a fast hash).
    pub measure_index: HashMap<String, usize, foldhash::fast::RandomState>,
    pub checks: Vec<Check>,
    /// Severity of each built-in check after `severity` settings
    /// (`None` = off), by built-in index.
    pub builtin_severity: Vec<Option<Severity>>,
    /// Names of non-standard entry fields that rules read.
    pub extra_fields: Vec<String>,
    /// `return.<key>` keys that rules read.
    pub return_keys: Vec<String>,
    /// The `test` blocks, with the file each is in.
    pub tests: Vec<(FileId, ast::TestDecl)>,
    /// The `layout` blocks, in rule-set order (SPEC 2.6).
    pub layouts: Vec<crate::layout::Layout>,
    /// Declared measures by id, code and title, for a layout's measure
    /// column.
    pub measure_lookup: crate::layout::MeasureLookup,
    /// Typed fields (`field numerator count`): the unit of each.
    pub field_units: HashMap<String, Unit>,
    /// The `waive`s of every file, in rule-set order (SPEC 3.8).
    pub waivers: Vec<Waiver>,
    /// What the rules read from the rest of the collection (SPEC 3.9).
    pub collection: Needs,
    /// What the compiled `matches` patterns hold, in bytes, against
    /// [`crate::compile::pattern::MAX_PATTERNS_BYTES`]; past it once a
    /// pattern did not fit (that pattern is the error, and later ones are
    /// not compiled).
    pub pattern_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug)]
pub struct Measure {
    pub id: String,
    pub title: Option<String>,
    /// `code "CORP 09", …`: the codes collections publish it under.
    pub codes: Vec<String>,
    pub about: Option<String>,
    pub unit: Option<Unit>,
    pub better: Option<Better>,
    /// In the measure's unit.
    pub target: Option<Decimal>,
    /// Expected value per sub-period (from `trajectory`).
    pub trajectory: Option<Trajectory>,
    pub required: bool,
    pub cumulative: bool,
    pub bands: Vec<Band>,
    pub span: Span,
    pub rule: RuleRef,
}

impl Measure {
    /// `expected` for a sub-period: the trajectory's value, else the
    /// target.
    pub fn expected(&self, sub: Option<SubPeriod>) -> Option<Decimal> {
        match (&self.trajectory, sub) {
            (Some(t), Some(s)) => t.at(s),
            (Some(_), None) => None,
            _ => self.target,
        }
    }
}

/// A measure's trajectory: the expected value at the end of each
/// sub-period of every frequency, worked out when the rules compile.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The frequency the trajectory was written in (`linear`: quarterly),
    /// over whose sub-periods the bands are analysed.
    pub written: Frequency,
    /// By frequency (annual, quarterly, monthly), by sub-period.
    by_frequency: [Vec<Option<Decimal>>; 3],
}

impl Trajectory {
    /// `trajectory linear`: the target times the elapsed part of the year
    /// (quarter/4, month/12, 1 for the year).
    pub fn linear(target: Decimal) -> Trajectory {
        let by_frequency = Frequency::ALL.map(|f| {
            f.sub_periods()
                .map(|s| {
                    let (n, d) = s.elapsed();
                    target
                        .checked_mul(Decimal::from(n))
                        .and_then(|x| x.checked_div(Decimal::from(d)))
                })
                .collect()
        });
        Trajectory {
            written: Frequency::Quarterly,
            by_frequency,
        }
    }

    /// Points written for the sub-periods of one frequency. A sub-period of
    /// another frequency that ends when a point's sub-period ends takes
    /// that point (`q1` is `m3`, `q4` and `m12` are the year); the others
    /// have none.
    pub fn points(written: Frequency, points: &[(SubPeriod, Option<Decimal>)]) -> Trajectory {
        let by_frequency = Frequency::ALL.map(|f| {
            f.sub_periods()
                .map(|s| {
                    points
                        .iter()
                        .find(|(p, _)| p.end_month_index() == s.end_month_index())
                        .and_then(|(_, v)| *v)
                })
                .collect()
        });
        Trajectory {
            written,
            by_frequency,
        }
    }

    /// The expected value at the end of `sub`.
    #[inline]
    pub fn at(&self, sub: SubPeriod) -> Option<Decimal> {
        self.by_frequency[sub.frequency as usize]
            .get(sub.slot())
            .copied()
            .flatten()
    }
}

#[derive(Debug)]
pub struct Band {
    pub status: Rag,
    /// `None` for `otherwise`.
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    /// The id again, shared by every return's [`crate::report::CheckRun`].
    pub key: std::sync::Arc<str>,
    pub about: Option<String>,
    pub scope: Scope,
    pub rules: Vec<CheckRule>,
    pub span: Span,
    pub rule: RuleRef,
}

#[derive(Debug)]
pub enum Scope {
    Return,
    EachMeasure(Option<Expr>),
    EachValue(Option<Expr>),
    /// Declared measure indexes.
    Measures(Vec<usize>),
}

#[derive(Debug)]
pub struct CheckRule {
    /// After `severity` settings; `None` when set `off`.
    pub severity: Option<Severity>,
    pub condition: Expr,
    pub message: Template,
    pub help: Option<Template>,
    /// Where the statement is written.
    pub rule: RuleRef,
    /// Fields the rule reads, in order: the first one present in the
    /// return is where its diagnostic points.
    pub anchors: Vec<Slot>,
}

/// A message with `{expression}` parts.
#[derive(Debug, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug)]
pub enum Part {
    Text(String),
    Expr(Expr),
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Const(Const),
    Slot(Slot),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Is {
        operand: Box<Expr>,
        kind: IsKind,
        negated: bool,
    },
    In {
        operand: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Matches(Box<Expr>, Box<Pattern>),
    Call(Func, Vec<Expr>),
    /// `count(each measure [where COND])`.
    Count(Option<Box<Expr>>),
    /// A function over `peers` (SPEC 3.9): `median(peers)`,
    /// `quantile(peers by return.region, 0.9)`. `group` is the index in
    /// [`RuleSet::return_keys`] of `peers by return.KEY`; `args` are the
    /// arguments after `peers`.
    Peers {
        func: Func,
        group: Option<usize>,
        args: Vec<Expr>,
    },
}

impl Expr {
    /// Does the expression read the quarter of its scope (`value`,
    /// `expected`, `quarter` of the current measure)? `count(…)` does not:
    /// its condition is evaluated in a scope of its own.
    pub fn reads_quarter(&self) -> bool {
        match self {
            Expr::Const(_) | Expr::Count(..) => false,
            Expr::Peers { args, .. } => args.iter().any(Expr::reads_quarter),
            Expr::Slot(slot) => {
                slot.subject == Subject::Current
                    && matches!(
                        slot.field,
                        Field::Value | Field::Expected | Field::Quarter | Field::Month
                    )
            }
            Expr::Neg(x) | Expr::Not(x) | Expr::Matches(x, _) => x.reads_quarter(),
            Expr::Arith(_, a, b) | Expr::Cmp(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.reads_quarter() || b.reads_quarter()
            }
            Expr::Is { operand, .. } => operand.reads_quarter(),
            Expr::In { operand, list, .. } => {
                operand.reads_quarter() || list.iter().any(Expr::reads_quarter)
            }
            Expr::Call(_, args) => args.iter().any(Expr::reads_quarter),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Const {
    Num(Decimal, Option<Unit>),
    Text(String),
    Bool(bool),
    Status(Rag),
    Unit(Unit),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsKind {
    Missing,
    Kind(MissingKindName),
}

/// The kinds of missing value that `is` can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingKindName {
    Blank,
    NotApplicable,
    Deferred,
    NotAvailable,
    Invalid,
}

impl MissingKindName {
    pub const ALL: [(&'static str, MissingKindName); 5] = [
        ("blank", MissingKindName::Blank),
        ("not_applicable", MissingKindName::NotApplicable),
        ("deferred", MissingKindName::Deferred),
        ("not_available", MissingKindName::NotAvailable),
        ("invalid", MissingKindName::Invalid),
    ];

    pub fn matches(self, kind: MissingKind) -> bool {
        matches!(
            (self, kind),
            (MissingKindName::Blank, MissingKind::Blank)
                | (MissingKindName::NotApplicable, MissingKind::NotApplicable)
                | (MissingKindName::Deferred, MissingKind::Deferred { .. })
                | (MissingKindName::NotAvailable, MissingKind::NotAvailable)
                | (MissingKindName::Invalid, MissingKind::Invalid)
        )
    }
}

/// A function of the language; its signature is its row in
/// [`crate::functions::FUNCTIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Abs,
    Min,
    Max,
    Round,
    Len,
    Lower,
    /// `count(each measure [where C])`, compiled to [`Expr::Count`].
    CountEach,
    /// The functions over `peers`, compiled to [`Expr::Peers`].
    PeerCount,
    Median,
    Mad,
    Mean,
    PeerMin,
    PeerMax,
    Quantile,
    Rank,
}

/// A resolved name: whose field, and which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub subject: Subject,
    pub field: Field,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The measure (or value) the check is looking at.
    Current,
    /// A declared measure, by index.
    Measure(usize),
    /// The return's header.
    Return,
    /// The current measure in the same organisation's `previous` or
    /// `last_year` return (SPEC 3.9).
    Past(crate::period::Past),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Id,
    Title,
    Section,
    Officer,
    Status,
    Commentary,
    Unit,
    Target,
    Expected,
    Value,
    /// A sub-period's value: `q1`..`q4`, `m1`..`m12`, `year`.
    Sub(SubPeriod),
    /// The quarter (1..4) of the scope's sub-period.
    Quarter,
    /// The month (1..12) of the scope's sub-period, monthly only.
    Month,
    Rag,
    /// A non-standard entry field, by index in [`RuleSet::extra_fields`].
    Extra(usize),
    Organisation,
    Period,
    Year,
    ReturnQuarter,
    ReturnMonth,
    /// `return.frequency`: `annual`, `quarterly` or `monthly`.
    Frequency,
    /// `return.<key>`, by index in [`RuleSet::return_keys`].
    ReturnKey(usize),
}

impl Field {
    /// The name a user writes, for JSON `field`.
    /// The return field this stands for, when it is one of the standard
    /// fields kept as typed ([`KnownField`]).
    pub fn known(self) -> Option<KnownField> {
        Some(match self {
            Field::Title => KnownField::Title,
            Field::Section => KnownField::Section,
            Field::Officer => KnownField::Officer,
            Field::Status => KnownField::Status,
            Field::Commentary => KnownField::Commentary,
            Field::Unit => KnownField::Unit,
            Field::Target => KnownField::Target,
            _ => return None,
        })
    }

    pub fn name(self, rules: &RuleSet) -> String {
        match self {
            Field::Id => "id".into(),
            Field::Title => "title".into(),
            Field::Section => "section".into(),
            Field::Officer => "officer".into(),
            Field::Status => "status".into(),
            Field::Commentary => "commentary".into(),
            Field::Unit => "unit".into(),
            Field::Target => "target".into(),
            Field::Expected => "expected".into(),
            Field::Value => "value".into(),
            Field::Sub(s) => s.name().into(),
            Field::Quarter => "quarter".into(),
            Field::Month => "month".into(),
            Field::Rag => "rag".into(),
            Field::Extra(i) => rules.extra_fields.get(i).cloned().unwrap_or_default(),
            Field::Organisation => "organisation".into(),
            Field::Period => "period".into(),
            Field::Year => "year".into(),
            Field::ReturnQuarter => "quarter".into(),
            Field::ReturnMonth => "month".into(),
            Field::Frequency => "frequency".into(),
            Field::ReturnKey(i) => rules.return_keys.get(i).cloned().unwrap_or_default(),
        }
    }
}

impl RuleSet {
    /// The source text of a span.
    pub fn snippet(&self, span: Span) -> &str {
        self.sources
            .get(span.file.0 as usize)
            .and_then(|s| s.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }
}

/// A compiled `waive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    pub check: String,
    /// `on MEASURE`: only that measure's diagnostics.
    pub measure: Option<String>,
    /// `for "ORGANISATION"`, as written.
    pub organisation: Option<String>,
    /// The organisation as compared: [`same_name`] form.
    pub organisation_key: Option<String>,
    /// The last month the `until` period covers
    /// ([`crate::waiver::period_end`]).
    pub until_end: u32,
    /// Shared by every diagnostic it waives.
    pub info: Arc<Waived>,
    /// `waive … until PERIOD`, where the diagnostics about the waiver
    /// point.
    pub span: Span,
    /// The period after `until`, where `expired_waiver` points.
    pub until_span: Span,
}

impl Waiver {
    pub fn new(
        check: String,
        measure: Option<String>,
        organisation: Option<String>,
        until_end: u32,
        info: Waived,
        (span, until_span): (Span, Span),
    ) -> Waiver {
        Waiver {
            check,
            measure,
            organisation_key: organisation.as_deref().map(same_name),
            organisation,
            until_end,
            info: Arc::new(info),
            span,
            until_span,
        }
    }

    /// `status_mismatch on appraisals for "Leeds City Council"`, for
    /// messages and listings.
    pub fn describe(&self) -> String {
        let mut s = format!("`{}`", self.check);
        if let Some(m) = &self.measure {
            s.push_str(&format!(" on `{m}`"));
        }
        if let Some(o) = &self.organisation {
            s.push_str(&format!(" for \"{o}\""));
        }
        s
    }
}

/// An organisation's name as waivers compare it: case, surrounding space
/// and runs of whitespace do not matter.
pub fn same_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a rule set reads from the rest of the collection, decided when it
/// compiles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// `peers` appears somewhere.
    pub peers: bool,
    /// `peers by return.KEY`: the keys, by [`crate::ir::RuleSet::return_keys`]
    /// index.
    pub peer_groups: Vec<usize>,
    /// A function that reads the peers in order (`min`, `max`, `quantile`,
    /// `rank`) appears: each set of peers keeps its values sorted. Without
    /// one, only the statistics worked out once are kept.
    pub peer_order: bool,
    /// `previous` or `last_year` appears somewhere.
    pub past: bool,
    /// `previous.commentary` (or `last_year`'s) is read.
    pub past_commentary: bool,
    /// `restated_value` is on: the value each return gives for its own
    /// sub-period, and where, are kept.
    pub restated: bool,
}

impl Needs {
    /// Does checking need a gathered collection at all (when no
    /// `--history` is given)? `restated_value` alone does not: see
    /// [`Needs::gather`].
    pub fn names_used(&self) -> bool {
        self.peers || self.past
    }

    /// Should a run gather first? When the rules read `peers`, `previous`
    /// or `last_year`, or when history is given. `restated_value` is on by
    /// default, but a run whose rules use no collection name and that has
    /// no `--history` stays one streaming pass, so that checking does not
    /// get slower for everyone; `restated_value` then compares only
    /// within such a gathered run.
    pub fn gather(&self, history_given: bool) -> bool {
        self.names_used() || history_given
    }
}
