//! Builders: one function per grammar rule, pest pairs → AST nodes.

use pest::iterators::{Pair, Pairs};
use rust_decimal::Decimal;

use super::{BuildError, Rule};
use crate::ast::*;
use crate::diagnostic::Severity;
use crate::span::{FileId, Span};
use crate::value::Unit;

type Result<T> = std::result::Result<T, BuildError>;

pub(crate) struct Builder {
    file: FileId,
    offset: usize,
    /// Parentheses and calls currently open, to bound recursion.
    pub(super) depth: std::cell::Cell<usize>,
}

/// Limits that keep deeply nested or enormous expressions from exhausting
/// the stack in later stages.
pub(super) const MAX_DEPTH: usize = 32;
pub(super) const MAX_TOKENS: usize = 512;

impl Builder {
    pub fn new(file: FileId, offset: usize) -> Builder {
        Builder {
            file,
            offset,
            depth: std::cell::Cell::new(0),
        }
    }

    pub(super) fn too_complex(&self, pair: &Pair<'_, Rule>, why: &str) -> BuildError {
        let mut e = self.error(
            pair,
            "too_complex",
            format!("this expression is too complex: {why}"),
        );
        e.label = "too complex".into();
        e.help = Some("split it into simpler conditions or several checks".into());
        e
    }

    /// The pair's span without the whitespace and comments pest's implicit
    /// trivia may leave at its end.
    pub fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = significant_len(pair.as_str());
        Span::new(
            self.file,
            s.start() + self.offset,
            s.start() + len + self.offset,
        )
    }

    fn error(&self, pair: &Pair<'_, Rule>, code: &'static str, message: String) -> BuildError {
        let s = pair.as_span();
        BuildError {
            code,
            message,
            label: "here".into(),
            help: None,
            start: s.start() + self.offset,
            end: s.end() + self.offset,
        }
    }

    pub fn file(&self, mut pairs: Pairs<'_, Rule>) -> Result<RuleFile> {
        let mut items = Vec::new();
        let Some(file) = pairs.next() else {
            return Ok(RuleFile::default());
        };
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::measure_decl => items.push(Item::Measure(self.measure(pair)?)),
                Rule::check_decl => items.push(Item::Check(self.check(pair)?)),
                Rule::severity_decl => items.push(Item::Severity(self.severity(pair)?)),
                Rule::waive_decl => items.push(Item::Waiver(self.waiver(pair)?)),
                Rule::test_decl => items.push(Item::Test(self.test(pair)?)),
                Rule::layout_decl => items.push(Item::Layout(self.layout(pair)?)),
                Rule::field_decl => items.push(Item::Field(self.field_decl(pair)?)),
                _ => {}
            }
        }
        Ok(RuleFile { items })
    }

    pub fn expr_only(&self, mut pairs: Pairs<'_, Rule>) -> Result<Expr> {
        let outer = pairs.next();
        let inner = outer.and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::expr));
        match inner {
            Some(e) => self.expr(e),
            None => Err(BuildError {
                code: "syntax_error",
                message: "expected an expression".into(),
                label: "here".into(),
                help: None,
                start: self.offset,
                end: self.offset,
            }),
        }
    }

    pub fn path_only(&self, mut pairs: Pairs<'_, Rule>) -> Option<Path> {
        let outer = pairs.next()?;
        let p = outer.into_inner().find(|p| p.as_rule() == Rule::path)?;
        Some(self.path(p))
    }

    pub fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    pub fn path(&self, pair: Pair<'_, Rule>) -> Path {
        let span = self.span(&pair);
        let start = span.start as usize;
        let mut parts = Vec::new();
        let mut pos = start;
        for part in pair.as_str().split('.') {
            parts.push(Ident {
                name: part.to_string(),
                span: Span::new(self.file, pos, pos + part.len()),
            });
            pos += part.len() + 1;
        }
        Path { parts, span }
    }

    /// A string read as a message template ([`super::template`]).
    pub fn template(&self, pair: Pair<'_, Rule>) -> Template {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        super::template::template(body, span.start as usize + 1, self.file, span)
    }

    pub fn string(&self, pair: Pair<'_, Rule>) -> Str {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        Str {
            value: unescape(body),
            span,
        }
    }

    fn measure(&self, pair: Pair<'_, Rule>) -> Result<MeasureDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_measure
        let id = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.missing(span, "a measure id")),
        };
        let mut title = None;
        let mut body = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::string => title = Some(self.string(p)),
                Rule::unit_stmt => body.push(MeasureStmt::Unit(self.second_ident(p)?)),
                Rule::better_stmt => body.push(MeasureStmt::Better(self.second_ident(p)?)),
                Rule::target_stmt => {
                    let e = self.last_expr(p)?;
                    body.push(MeasureStmt::Target(e));
                }
                Rule::trajectory_stmt => body.push(MeasureStmt::Trajectory(self.trajectory(p)?)),
                Rule::required_stmt => body.push(MeasureStmt::Required(self.span(&p))),
                Rule::cumulative_stmt => body.push(MeasureStmt::Cumulative(self.span(&p))),
                Rule::about_stmt => body.push(MeasureStmt::About(self.about(p))),
                Rule::code_stmt => body.push(MeasureStmt::Code(
                    p.into_inner()
                        .filter(|s| s.as_rule() == Rule::string)
                        .map(|s| self.string(s))
                        .collect(),
                )),
                Rule::band => body.push(MeasureStmt::Band(self.band(p)?)),
                _ => {}
            }
        }
        Ok(MeasureDecl {
            id,
            title,
            body,
            span,
        })
    }

    fn missing(&self, span: Span, what: &str) -> BuildError {
        BuildError {
            code: "syntax_error",
            message: format!("expected {what}"),
            label: "here".into(),
            help: None,
            start: span.start as usize,
            end: span.end as usize,
        }
    }

    fn second_ident(&self, pair: Pair<'_, Rule>) -> Result<Ident> {
        let span = self.span(&pair);
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .ok_or_else(|| self.missing(span, "a name"))
    }

    fn last_expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(e) => self.expr(e),
            None => Err(self.missing(span, "an expression")),
        }
    }

    fn layout(&self, pair: Pair<'_, Rule>) -> Result<LayoutDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut title = None;
        let mut body: Vec<LayoutStmt> = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => title = Some(self.string(p)),
                Rule::layout_stmt => body.push(self.layout_stmt(p)?),
                Rule::layout_comma => {
                    if let Some(last) = body.last_mut() {
                        last.comma = true;
                    }
                }
                _ => {}
            }
        }
        Ok(LayoutDecl {
            name: name.ok_or_else(|| self.missing(span, "a layout name"))?,
            title,
            body,
            span,
        })
    }

    fn layout_stmt(&self, pair: Pair<'_, Rule>) -> Result<LayoutStmt> {
        let span = self.span(&pair);
        let mut word = None;
        let mut key = None;
        let mut place = None;
        let mut args = Vec::new();
        let mut ratio = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => word = Some(self.ident(p)),
                Rule::layout_key => {
                    key = p
                        .into_inner()
                        .find(|i| i.as_rule() == Rule::ident)
                        .map(|i| self.ident(i))
                }
                Rule::layout_place => {
                    place = Some(Ident {
                        name: p.as_str().trim().to_string(),
                        span: self.span(&p),
                    })
                }
                Rule::string => args.push(LayoutArg::Str(self.string(p))),
                Rule::whole => {
                    let n = p.as_str().parse::<u64>().map_err(|_| {
                        let mut e = self.error(
                            &p,
                            "bad_number",
                            format!("`{}` is too large a number", p.as_str()),
                        );
                        e.label = "too large".into();
                        e
                    })?;
                    args.push(LayoutArg::Number(n, self.span(&p)));
                }
                Rule::kw_ratio => ratio = Some(self.span(&p)),
                _ => {}
            }
        }
        Ok(LayoutStmt {
            word: word.ok_or_else(|| self.missing(span, "a layout statement"))?,
            key,
            place,
            args,
            ratio,
            comma: false,
            span,
        })
    }

    fn field_decl(&self, pair: Pair<'_, Rule>) -> Result<FieldDecl> {
        let span = self.span(&pair);
        let mut idents = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p));
        let name = idents
            .next()
            .ok_or_else(|| self.missing(span, "a field name"))?;
        let unit = idents.next().ok_or_else(|| self.missing(span, "a unit"))?;
        Ok(FieldDecl { name, unit, span })
    }

    fn about(&self, pair: Pair<'_, Rule>) -> Str {
        let span = self.span(&pair);
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
            .unwrap_or(Str {
                value: String::new(),
                span,
            })
    }

    fn trajectory(&self, pair: Pair<'_, Rule>) -> Result<Trajectory> {
        let mut points = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_linear => return Ok(Trajectory::Linear(self.span(&p))),
                Rule::trajectory_point => {
                    let span = self.span(&p);
                    let mut inner = p.into_inner();
                    let q = inner
                        .next()
                        .map(|q| self.ident(q))
                        .ok_or_else(|| self.missing(span, "a quarter"))?;
                    let e = match inner.next() {
                        Some(e) => self.expr(e)?,
                        None => return Err(self.missing(span, "a value")),
                    };
                    points.push((q, e));
                }
                _ => {}
            }
        }
        Ok(Trajectory::Points(points))
    }

    fn band(&self, pair: Pair<'_, Rule>) -> Result<Band> {
        let span = self.span(&pair);
        let mut status = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => status = Some(self.ident(p)),
                Rule::expr => condition = Some(self.expr(p)?),
                _ => {}
            }
        }
        Ok(Band {
            status: status.ok_or_else(|| self.missing(span, "a status"))?,
            condition,
            span,
        })
    }

    fn check(&self, pair: Pair<'_, Rule>) -> Result<CheckDecl> {
        let span = self.span(&pair);
        let mut id = None;
        let mut scope = Scope::Return;
        let mut body = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => id = Some(self.ident(p)),
                Rule::scope => scope = self.scope(p)?,
                Rule::about_stmt => body.push(CheckStmt::About(self.about(p))),
                Rule::rule_stmt => body.push(CheckStmt::Rule(self.rule_stmt(p)?)),
                _ => {}
            }
        }
        Ok(CheckDecl {
            id: id.ok_or_else(|| self.missing(span, "a check id"))?,
            scope,
            body,
            span,
        })
    }

    fn scope(&self, pair: Pair<'_, Rule>) -> Result<Scope> {
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::each_measure => return Ok(Scope::EachMeasure(self.where_clause(p)?)),
                Rule::each_value => return Ok(Scope::EachValue(self.where_clause(p)?)),
                Rule::measure_list => {
                    return Ok(Scope::Measures(
                        p.into_inner().map(|i| self.ident(i)).collect(),
                    ));
                }
                _ => {}
            }
        }
        Ok(Scope::Return)
    }

    fn where_clause(&self, pair: Pair<'_, Rule>) -> Result<Option<Expr>> {
        for p in pair.into_inner() {
            if p.as_rule() == Rule::where_clause {
                return Ok(Some(self.last_expr(p)?));
            }
        }
        Ok(None)
    }

    fn rule_stmt(&self, pair: Pair<'_, Rule>) -> Result<RuleStmt> {
        let span = self.span(&pair);
        let mut severity = None;
        let mut condition = None;
        let mut message = None;
        let mut help = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::level => {
                    severity = Some((
                        Severity::parse(p.as_str()).unwrap_or(Severity::Error),
                        self.span(&p),
                    ))
                }
                Rule::expr => condition = Some(self.expr(p)?),
                Rule::string => message = Some(self.template(p)),
                Rule::help_clause => {
                    help = p
                        .into_inner()
                        .find(|s| s.as_rule() == Rule::string)
                        .map(|s| self.template(s))
                }
                _ => {}
            }
        }
        let (severity, severity_span) = severity.ok_or_else(|| self.missing(span, "a severity"))?;
        Ok(RuleStmt {
            severity,
            severity_span,
            condition: condition.ok_or_else(|| self.missing(span, "a condition"))?,
            message: message.ok_or_else(|| self.missing(span, "a message"))?,
            help,
            span,
        })
    }

    fn severity(&self, pair: Pair<'_, Rule>) -> Result<SeverityDecl> {
        let span = self.span(&pair);
        let mut check = None;
        let mut level = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => check = Some(self.ident(p)),
                Rule::level_off => level = Some((Severity::parse(p.as_str()), self.span(&p))),
                _ => {}
            }
        }
        let (level, level_span) = level.ok_or_else(|| self.missing(span, "a level"))?;
        Ok(SeverityDecl {
            check: check.ok_or_else(|| self.missing(span, "a check id"))?,
            level,
            level_span,
            span,
        })
    }

    fn waiver(&self, pair: Pair<'_, Rule>) -> Result<WaiverDecl> {
        let span = self.span(&pair);
        let mut check = None;
        let (mut measure, mut organisation, mut until) = (None, None, None);
        let (mut reason, mut approved) = (None, None);
        for p in pair.into_inner() {
            let rule = p.as_rule();
            if rule == Rule::ident {
                check = Some(self.ident(p));
                continue;
            }
            // The part after the clause's keyword.
            let Some(inner) = p.into_inner().nth(1) else {
                continue;
            };
            match rule {
                Rule::waive_on => measure = Some(self.ident(inner)),
                Rule::waive_for => organisation = Some(self.string(inner)),
                Rule::waive_until => {
                    until = Some(match inner.as_rule() {
                        Rule::string => self.string(inner),
                        // Runs of spaces mean one: `ragcheck fmt` writes one.
                        _ => Str {
                            value: inner
                                .as_str()
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" "),
                            span: self.span(&inner),
                        },
                    })
                }
                Rule::waive_because => reason = Some(self.string(inner)),
                Rule::waive_approved => approved = Some(self.string(inner)),
                _ => {}
            }
        }
        Ok(WaiverDecl {
            check: check.ok_or_else(|| self.missing(span, "a check id"))?,
            measure,
            organisation,
            until: until.ok_or_else(|| self.missing(span, "a period"))?,
            reason: reason.ok_or_else(|| self.missing(span, "a reason"))?,
            approved: approved.ok_or_else(|| self.missing(span, "an approver"))?,
            span,
        })
    }

    fn test(&self, pair: Pair<'_, Rule>) -> Result<TestDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut body = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => name = Some(self.string(p)),
                Rule::given_file => {
                    if let Some(s) = p.into_inner().find(|s| s.as_rule() == Rule::string) {
                        body.push(TestStmt::GivenFile(self.string(s)));
                    }
                }
                Rule::given_stmt => {
                    let mut assigns = Vec::new();
                    let mut other = None;
                    for w in p
                        .clone()
                        .into_inner()
                        .filter(|w| w.as_rule() == Rule::given_who)
                    {
                        other = w.into_inner().find_map(|x| match x.as_rule() {
                            Rule::string => Some(OtherReturn::Peer(self.string(x))),
                            Rule::kw_previous => Some(OtherReturn::Previous),
                            Rule::kw_last_year => Some(OtherReturn::LastYear),
                            _ => None,
                        });
                    }
                    for a in p.into_inner().filter(|a| a.as_rule() == Rule::given_assign) {
                        let mut path = None;
                        let mut text = None;
                        for x in a.into_inner() {
                            match x.as_rule() {
                                Rule::path => path = Some(self.path(x)),
                                Rule::string => text = Some(self.string(x)),
                                _ => {}
                            }
                        }
                        if let (Some(path), Some(text)) = (path, text) {
                            assigns.push((path, text));
                        }
                    }
                    body.push(match other {
                        Some(o) => TestStmt::GivenOther(o, assigns),
                        None => TestStmt::Given(assigns),
                    });
                }
                Rule::expect_stmt => body.push(TestStmt::Expect(self.expectation(p)?)),
                _ => {}
            }
        }
        Ok(TestDecl {
            name: name.ok_or_else(|| self.missing(span, "a test name"))?,
            body,
            span,
        })
    }

    fn expectation(&self, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let span = self.span(&pair);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expr => return Ok(Expectation::True(self.expr(p)?)),
                Rule::expect_no => {
                    let mut severity = None;
                    let mut check = None;
                    for x in p.into_inner() {
                        match x.as_rule() {
                            Rule::kw_diagnostics => return Ok(Expectation::NoDiagnostics(span)),
                            Rule::level => severity = Severity::parse(x.as_str()),
                            Rule::ident => check = Some(self.ident(x)),
                            _ => {}
                        }
                    }
                    return Ok(Expectation::No {
                        severity: severity.unwrap_or(Severity::Error),
                        check,
                        span,
                    });
                }
                Rule::expect_diag => {
                    let mut severity = Severity::Error;
                    let mut idents = Vec::new();
                    for x in p.into_inner() {
                        match x.as_rule() {
                            Rule::level => {
                                severity = Severity::parse(x.as_str()).unwrap_or(Severity::Error)
                            }
                            Rule::ident => idents.push(self.ident(x)),
                            _ => {}
                        }
                    }
                    let mut it = idents.into_iter();
                    let check = it.next().ok_or_else(|| self.missing(span, "a check id"))?;
                    return Ok(Expectation::Diagnostic {
                        severity,
                        check,
                        on: it.next(),
                        span,
                    });
                }
                _ => {}
            }
        }
        Err(self.missing(span, "an expectation"))
    }

    /// A number literal, underscores allowed between digits.
    pub fn number(&self, pair: &Pair<'_, Rule>) -> Result<Decimal> {
        let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        text.parse::<Decimal>().map_err(|_| {
            self.error(
                pair,
                "bad_number",
                format!("`{}` is too large or too precise a number", pair.as_str()),
            )
        })
    }

    pub fn quantity(&self, pair: Pair<'_, Rule>) -> Result<(Decimal, Unit)> {
        let rule = pair.as_rule();
        let whole = pair.clone();
        let mut amount = Decimal::ZERO;
        let mut unit = Unit::Count;
        let mut scale = Decimal::ONE;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::number => amount = self.number(&p)?,
                Rule::currency => {
                    unit = match p.as_str() {
                        "$" => Unit::Usd,
                        "€" => Unit::Eur,
                        _ => Unit::Gbp,
                    }
                }
                Rule::magnitude => {
                    scale = match p.as_str().to_ascii_lowercase().as_str() {
                        "k" => Decimal::from(1_000),
                        "m" => Decimal::from(1_000_000),
                        _ => Decimal::from(1_000_000_000),
                    }
                }
                Rule::dur_unit => {
                    let u = p.as_str().to_ascii_lowercase();
                    unit = if u.starts_with("day") {
                        Unit::Days
                    } else if u.starts_with("min") {
                        Unit::Minutes
                    } else {
                        Unit::Hours
                    };
                }
                _ => {}
            }
        }
        if rule == Rule::percent {
            unit = Unit::Percent;
        }
        let amount = amount.checked_mul(scale).ok_or_else(|| {
            self.error(
                &whole,
                "bad_number",
                format!("`{}` is too large", whole.as_str()),
            )
        })?;
        Ok((amount, unit))
    }
}

/// Length of `text` up to its last character that is neither whitespace
/// nor inside a `#` comment.
fn significant_len(text: &str) -> usize {
    let mut end = 0;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            end = i + c.len_utf8();
            continue;
        }
        match c {
            '#' => in_comment = true,
            '"' => {
                in_string = true;
                end = i + 1;
            }
            c if c.is_whitespace() => {}
            c => end = i + c.len_utf8(),
        }
    }
    end
}

/// Resolve `\"`, `\\`, `\n` and `\t`; any other backslash is kept as written,
/// so regexes such as `"\d+"` need no doubling.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
