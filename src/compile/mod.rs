//! AST → IR: resolve names, check units, analyse bands.
//!
//! Every problem in every file is collected; compiling never stops at the
//! first. Each problem is a [`Diagnostic`] with a stable code (listed in
//! `docs/language.md`), the span, a label and, where it helps, a help line.

mod bands;
mod expr;
mod fields;
mod layout;
pub mod pattern;
mod share;

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::ast::{self, CheckStmt, Item, MeasureStmt};
use crate::checks::BUILTINS;
use crate::diagnostic::{Diagnostic, RuleRef, Severity};
use crate::ir::{self, Better, RuleSet};
use crate::period::{Frequency, SubPeriod};
use crate::rag::Rag;
use crate::span::{FileId, SourceFile, Span};
use crate::suggest::did_you_mean;
use crate::value::Unit;

pub(crate) use bands::regions as band_regions;
pub use expr::{Env, ScopeKind, Ty};

/// Words of the language that cannot be measure or check ids (function
/// names are reserved too: [`is_reserved`]).
pub const RESERVED: &[&str] = &[
    "return",
    "value",
    "values",
    "expected",
    "target",
    "rag",
    "status",
    "id",
    "title",
    "section",
    "officer",
    "unit",
    "commentary",
    "quarter",
    "q1",
    "q2",
    "q3",
    "q4",
    "green",
    "amber",
    "red",
    "percent",
    "gbp",
    "usd",
    "eur",
    "days",
    "minutes",
    "hours",
    "count",
    "true",
    "false",
    "and",
    "or",
    "not",
    "in",
    "is",
    "matches",
    "missing",
    "each",
    "measure",
    "check",
    "when",
    "otherwise",
    "severity",
    "test",
    "peers",
    "previous",
    "last_year",
];

/// A name that cannot be a measure or check id: a word of the language
/// ([`RESERVED`]) or a function ([`crate::functions::FUNCTIONS`]).
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name) || crate::functions::is_function(name)
}

/// Built-in checks about the waivers themselves, which no waiver can cover.
const NOT_WAIVABLE: &[&str] = &["expired_waiver", "unused_waiver"];

/// The result of compiling: the rule set when there was no error, and every
/// diagnostic (errors and warnings) either way.
pub struct Compiled {
    pub rules: Option<RuleSet>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compile rule files (already read) into a [`RuleSet`].
pub fn compile(sources: Vec<SourceFile>) -> Compiled {
    let mut c = Compiler {
        sources: &sources,
        diagnostics: Vec::new(),
    };
    let mut files = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        match crate::syntax::parse_file(FileId(i as u32), source) {
            Ok(f) => files.push((FileId(i as u32), f)),
            Err(d) => c.diagnostics.push(*d),
        }
    }
    let rules = c.build(&files);
    let mut diagnostics = c.diagnostics;
    crate::diagnostic::sort(&mut diagnostics);
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Compiled {
        rules: if failed {
            None
        } else {
            rules.map(|mut r| {
                r.sources = sources;
                r
            })
        },
        diagnostics,
    }
}

pub(crate) struct Compiler<'s> {
    pub sources: &'s [SourceFile],
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiler<'_> {
    /// An error at `span`, not yet reported: finish it with
    /// [`Diagnostic`]'s builders and hand it to [`Compiler::report`].
    pub fn error(&self, code: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(Severity::Error, code, span, message)
    }

    /// A diagnostic at `span`, not yet reported.
    pub fn diagnostic(
        &self,
        severity: Severity,
        code: &str,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = Diagnostic::new(severity, code, message);
        match self.locate(span) {
            Some(location) => d.at(location),
            None => d,
        }
    }

    /// Report a diagnostic.
    pub fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// A span's place as line and column.
    pub fn locate(&self, span: Span) -> Option<crate::diagnostic::Location> {
        self.sources
            .get(span.file.0 as usize)
            .map(|s| s.locate(span.start as usize, span.end as usize))
    }

    pub fn rule_ref(&self, span: Span) -> RuleRef {
        match self.sources.get(span.file.0 as usize) {
            Some(src) => {
                let (line, column) = src.lines.line_col(&src.text, span.start as usize);
                RuleRef {
                    file: src.path.clone(),
                    line,
                    column,
                }
            }
            None => RuleRef {
                file: "".into(),
                line: 1,
                column: 1,
            },
        }
    }

    fn build(&mut self, files: &[(FileId, ast::RuleFile)]) -> Option<RuleSet> {
        let mut rules = RuleSet {
            sources: Vec::new(),
            measures: Vec::new(),
            measure_index: HashMap::default(),
            checks: Vec::new(),
            builtin_severity: BUILTINS.iter().map(|b| Some(b.severity)).collect(),
            extra_fields: Vec::new(),
            return_keys: Vec::new(),
            tests: Vec::new(),
            shared: Vec::new(),
            shared_values: Vec::new(),
            plan: crate::eval::Plan::default(),
            layouts: Vec::new(),
            measure_lookup: crate::layout::MeasureLookup::default(),
            field_units: HashMap::new(),
            waivers: Vec::new(),
            collection: Default::default(),
            pattern_bytes: 0,
        };
        // Pass 1: declare every id, so references may come before
        // declarations and across files.
        let mut ids: HashMap<String, Span> = HashMap::new();
        let mut check_ids: Vec<(String, Span)> = Vec::new();
        for (_, file) in files {
            for item in &file.items {
                match item {
                    Item::Measure(m) if self.check_id(&m.id, &ids) => {
                        ids.insert(m.id.name.clone(), m.id.span);
                        rules
                            .measure_index
                            .insert(m.id.name.clone(), rules.measures.len());
                        let declared = self.declare_measure(m);
                        rules.measures.push(declared);
                    }
                    Item::Check(c) if self.check_id(&c.id, &ids) => {
                        ids.insert(c.id.name.clone(), c.id.span);
                        check_ids.push((c.id.name.clone(), c.id.span));
                    }
                    _ => {}
                }
            }
        }
        self.measure_codes(files, &mut rules);
        self.typed_fields(files, &mut rules);
        let layouts: Vec<&ast::LayoutDecl> = files
            .iter()
            .flat_map(|(_, f)| &f.items)
            .filter_map(|item| match item {
                Item::Layout(l) => Some(l),
                _ => None,
            })
            .collect();
        rules.layouts = self.layouts(&layouts);
        // Pass 2: measure targets, trajectories and bands.
        for (_, file) in files {
            for item in &file.items {
                if let Item::Measure(m) = item
                    && let Some(&idx) = rules.measure_index.get(&m.id.name)
                    && rules.measures[idx].span == m.span
                {
                    self.measure_body(&mut rules, idx, m);
                }
            }
        }
        // Pass 3: severity settings, then checks.
        let overrides = self.severities(files, &check_ids);
        for (i, b) in BUILTINS.iter().enumerate() {
            if let Some((level, _)) = overrides.get(b.id) {
                rules.builtin_severity[i] = *level;
            }
        }
        for (file_id, file) in files {
            for item in &file.items {
                match item {
                    Item::Check(c) if ids.get(&c.id.name) == Some(&c.id.span) => {
                        let check = self.check(&mut rules, c, &overrides);
                        rules.checks.push(check);
                    }
                    Item::Test(t) => rules.tests.push((*file_id, t.clone())),
                    _ => {}
                }
            }
        }
        // Pass 4: waivers, once every check and measure is known.
        for (_, file) in files {
            for item in &file.items {
                if let Item::Waiver(w) = item
                    && let Some(waiver) = self.waiver(&rules, w, &check_ids)
                {
                    rules.waivers.push(waiver);
                }
            }
        }
        rules.collection.restated = crate::checks::builtin_index("restated_value")
            .and_then(|i| rules.builtin_severity.get(i).copied().flatten())
            .is_some();
        share::share_conditions(&mut rules);
        rules.plan = crate::eval::Plan::build(&rules);
        Some(rules)
    }

    /// Report duplicate and reserved ids; `false` when the id is unusable.
    fn check_id(&mut self, id: &ast::Ident, ids: &HashMap<String, Span>) -> bool {
        if is_reserved(&id.name) || BUILTINS.iter().any(|b| b.id == id.name) {
            let what = if is_reserved(&id.name) {
                "is a reserved word of the rule language"
            } else {
                "is the id of a built-in check"
            };
            self.report(
                self.error(
                    "reserved_name",
                    id.span,
                    format!("`{}` {what} and cannot be used as an id", id.name),
                )
                .label("reserved")
                .help(format!("choose another id, such as `{}_measure`", id.name)),
            );
            return false;
        }
        if let Some(first) = ids.get(&id.name) {
            let first_loc = self.locate(*first);
            self.report(
                self.error("duplicate_id", id.span, format!("`{}` is declared twice", id.name))
                    .label("declared again here")
                    .help(
                        "measures and checks share one namespace across all rule files; rename one of them",
                    )
                    .related_at(first_loc, "first declared here"),
            );
            return false;
        }
        true
    }

    fn declare_measure(&mut self, m: &ast::MeasureDecl) -> ir::Measure {
        let mut unit = None;
        let mut better = None;
        let mut required = false;
        let mut cumulative = false;
        let mut about = None;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for stmt in &m.body {
            let (key, span) = match stmt {
                MeasureStmt::Unit(i) => ("unit", i.span),
                MeasureStmt::Better(i) => ("better", i.span),
                MeasureStmt::Target(e) => ("target", e.span),
                MeasureStmt::Trajectory(_) => ("trajectory", m.span),
                MeasureStmt::Required(s) => ("required", *s),
                MeasureStmt::Cumulative(s) => ("cumulative", *s),
                MeasureStmt::About(s) => ("about", s.span),
                MeasureStmt::Band(_) | MeasureStmt::Code(_) => continue,
            };
            if seen.insert(key, span).is_some() {
                self.report(
                    self.error(
                        "duplicate_statement",
                        span,
                        format!("measure `{}` says `{key}` twice", m.id.name),
                    )
                    .label("second time"),
                );
            }
            match stmt {
                MeasureStmt::Unit(i) => match Unit::from_name(&i.name) {
                    Some(u) => unit = Some(u),
                    None => {
                        let names: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
                        self.report(
                            self.error(
                                "unknown_unit",
                                i.span,
                                format!("`{}` is not a unit", i.name),
                            )
                            .label("unknown unit")
                            .help(
                                match did_you_mean(&i.name, names.iter().copied()) {
                                    Some(s) => {
                                        format!(
                                            "did you mean `{s}`? units are {}",
                                            names.join(", ")
                                        )
                                    }
                                    None => format!("units are {}", names.join(", ")),
                                },
                            ),
                        );
                    }
                },
                MeasureStmt::Better(i) => match i.name.as_str() {
                    "higher" => better = Some(Better::Higher),
                    "lower" => better = Some(Better::Lower),
                    _ => {
                        self.report(
                            self.error(
                                "bad_better",
                                i.span,
                                format!("`better` takes `higher` or `lower`, not `{}`", i.name),
                            )
                            .label("higher or lower"),
                        );
                    }
                },
                MeasureStmt::Required(_) => required = true,
                MeasureStmt::Cumulative(_) => cumulative = true,
                MeasureStmt::About(s) => about = Some(s.value.clone()),
                _ => {}
            }
        }
        ir::Measure {
            id: m.id.name.clone(),
            title: m.title.as_ref().map(|t| t.value.clone()),
            codes: m
                .body
                .iter()
                .filter_map(|s| match s {
                    MeasureStmt::Code(codes) => Some(codes.iter().map(|c| c.value.clone())),
                    _ => None,
                })
                .flatten()
                .collect(),
            about,
            unit,
            better,
            target: None,
            trajectory: None,
            required,
            cumulative,
            bands: Vec::new(),
            span: m.span,
            rule: self.rule_ref(m.id.span),
        }
    }

    fn measure_body(&mut self, rules: &mut RuleSet, idx: usize, m: &ast::MeasureDecl) {
        let unit = rules.measures[idx].unit;
        // Target and trajectory are constants in the measure's unit.
        for stmt in &m.body {
            match stmt {
                MeasureStmt::Target(e) => {
                    let t = self.constant_in_unit(rules, idx, e, unit, "target");
                    rules.measures[idx].target = t;
                }
                MeasureStmt::Trajectory(ast::Trajectory::Points(points)) => {
                    let mut traj: Vec<(SubPeriod, Option<Decimal>)> = Vec::new();
                    let mut written: Option<(Frequency, Span)> = None;
                    for (q, e) in points {
                        let sub = SubPeriod::parse_key(&q.name)
                            .filter(|s| s.frequency != Frequency::Annual && q.name == s.name());
                        let Some(sub) = sub else {
                            self.report(
                                self.error(
                                    "bad_trajectory",
                                    q.span,
                                    format!("`{}` is not a quarter or a month", q.name),
                                )
                                .label("expected q1..q4 or m1..m12"),
                            );
                            continue;
                        };
                        match written {
                            Some((f, first)) if f != sub.frequency => {
                                let first = self.locate(first);
                                self.report(
                                    self.error(
                                        "bad_trajectory",
                                        q.span,
                                        "a trajectory names either quarters or months, not both",
                                    )
                                    .label(format!("a {} point", sub.frequency))
                                    .related_at(first, format!("the first point is {f}")),
                                );
                                continue;
                            }
                            Some(_) => {}
                            None => written = Some((sub.frequency, q.span)),
                        }
                        let v = self.constant_in_unit(rules, idx, e, unit, "trajectory");
                        traj.retain(|(s, _)| *s != sub);
                        traj.push((sub, v));
                    }
                    let frequency = written.map_or(Frequency::Quarterly, |(f, _)| f);
                    rules.measures[idx].trajectory = Some(ir::Trajectory::points(frequency, &traj));
                }
                _ => {}
            }
        }
        for stmt in &m.body {
            if let MeasureStmt::Trajectory(ast::Trajectory::Linear(span)) = stmt {
                match rules.measures[idx].target {
                    Some(t) => {
                        rules.measures[idx].trajectory = Some(ir::Trajectory::linear(t));
                    }
                    None => {
                        self.report(
                            self.error(
                                "bad_trajectory",
                                *span,
                                "`trajectory linear` needs a `target`",
                            )
                            .label("no target to spread over the quarters")
                            .help("add a line such as `target 100%` to this measure"),
                        );
                    }
                }
            }
        }
        // Bands.
        let bands: Vec<&ast::Band> = m
            .body
            .iter()
            .filter_map(|s| match s {
                MeasureStmt::Band(b) => Some(b),
                _ => None,
            })
            .collect();
        let mut compiled = Vec::new();
        let mut otherwise_seen: Option<Span> = None;
        for band in &bands {
            let status = match Rag::parse(&band.status.name) {
                Some(r) if band.status.name == r.name() => r,
                _ => {
                    self.report(
                        self.error(
                            "unknown_status",
                            band.status.span,
                            format!("`{}` is not a status", band.status.name),
                        )
                        .label("expected green, amber or red")
                        .suggest(Rag::suggest(&band.status.name).map(Rag::name)),
                    );
                    continue;
                }
            };
            if let Some(o) = otherwise_seen {
                let loc = self.locate(o);
                self.report(
                    self.error(
                        "unreachable_band",
                        band.span,
                        "this band comes after `otherwise`, so it can never apply",
                    )
                    .label("never reached")
                    .help("`otherwise` must be the last band")
                    .related_at(loc, "`otherwise` is here"),
                );
                continue;
            }
            let condition = match &band.condition {
                Some(cond) => {
                    let env = Env::measure(Some(idx), unit);
                    match self.condition(rules, &env, cond) {
                        Some(e) => Some(e),
                        None => continue,
                    }
                }
                None => {
                    otherwise_seen = Some(band.span);
                    None
                }
            };
            compiled.push(ir::Band {
                status,
                condition,
                span: band.span,
            });
        }
        if !bands.is_empty() && otherwise_seen.is_none() {
            let last = bands.last().map(|b| b.span).unwrap_or(m.span);
            self.report(
                self.error(
                    "missing_otherwise",
                    last,
                    format!("the bands of `{}` have no `otherwise`", m.id.name),
                )
                .label("the last band must be `... otherwise`")
                .help("add a last band such as `red otherwise`, so every value gets a status"),
            );
        }
        bands::analyse(self, rules, idx, &bands, &compiled);
        rules.measures[idx].bands = compiled;
    }

    /// A constant such as `100%` or `target * 1.05`, in the measure's unit.
    fn constant_in_unit(
        &mut self,
        rules: &mut RuleSet,
        idx: usize,
        e: &ast::Expr,
        unit: Option<Unit>,
        what: &str,
    ) -> Option<Decimal> {
        let env = Env::measure(Some(idx), unit);
        let (compiled, ty) = self.expr(rules, &env, e)?;
        if let Ty::Num(dim) = &ty {
            if let (Some(u), expr::Dim::Plain) = (unit, dim)
                && u != Unit::Count
            {
                let hint = expr::with_unit_hint(e, u, self.sources);
                self.report(
                    self.error(
                        "unit_error",
                        e.span,
                        format!("the {what} of a {} measure needs a unit", u.name()),
                    )
                    .label(format!("a plain number, not {}", u.name()))
                    .help(format!("write {hint}")),
                );
                return None;
            }
            if let (Some(u), expr::Dim::Unit(v)) = (unit, dim)
                && u != *v
                && u != Unit::Count
            {
                self.report(
                    self.error(
                        "unit_error",
                        e.span,
                        format!("the {what} is in {v} but the measure is in {u}"),
                    )
                    .label(format!("{v}, not {u}")),
                );
                return None;
            }
        } else {
            self.report(
                self.error("type_error", e.span, format!("the {what} must be a number"))
                    .label(format!("this is {}", ty.describe())),
            );
            return None;
        }
        match expr::fold_constant(&compiled, &rules.measures[idx], None) {
            Some(v) => Some(v),
            None => {
                self.report(
                    self.error(
                        "not_constant",
                        e.span,
                        format!("the {what} must be a fixed value, such as `95%`"),
                    )
                    .label("depends on the return"),
                );
                None
            }
        }
    }

    fn severities(
        &mut self,
        files: &[(FileId, ast::RuleFile)],
        checks: &[(String, Span)],
    ) -> HashMap<String, (Option<Severity>, Span)> {
        let mut set: HashMap<String, (Option<Severity>, Span)> = HashMap::new();
        for (_, file) in files {
            for item in &file.items {
                let Item::Severity(s) = item else { continue };
                let known = BUILTINS.iter().any(|b| b.id == s.check.name)
                    || checks.iter().any(|(c, _)| *c == s.check.name);
                if !known {
                    let names = BUILTINS
                        .iter()
                        .map(|b| b.id)
                        .chain(checks.iter().map(|(c, _)| c.as_str()));
                    let suggestion = did_you_mean(&s.check.name, names);
                    self.report(
                        self.error(
                            "unknown_check",
                            s.check.span,
                            format!("there is no check `{}`", s.check.name),
                        )
                        .label("unknown check")
                        .suggest(suggestion),
                    );
                    continue;
                }
                if let Some((level, first)) = set.get(&s.check.name) {
                    if *level != s.level {
                        let loc = self.locate(*first);
                        self.report(
                            self.error(
                                "conflicting_severity",
                                s.span,
                                format!(
                                    "the severity of `{}` is set twice, differently",
                                    s.check.name
                                ),
                            )
                            .label("second setting")
                            .help("keep one `severity` line per check")
                            .related_at(loc, "first set here"),
                        );
                    }
                    continue;
                }
                set.insert(s.check.name.clone(), (s.level, s.span));
            }
        }
        set
    }

    /// A `waive` (SPEC 3.8): its check and measure must exist, its period
    /// must read as one, and its reason and approver may not be empty.
    fn waiver(
        &mut self,
        rules: &RuleSet,
        w: &ast::WaiverDecl,
        checks: &[(String, Span)],
    ) -> Option<crate::waiver::Waiver> {
        let mut ok = true;
        let name = w.check.name.as_str();
        if NOT_WAIVABLE.contains(&name) {
            self.report(
                self.error(
                    "unwaivable_check",
                    w.check.span,
                    format!("`{name}` is about the waivers themselves and cannot be waived"),
                )
                .label("cannot be waived")
                .help(format!("to silence it, write `severity {name} off`")),
            );
            ok = false;
        } else if !BUILTINS.iter().any(|b| b.id == name) && !checks.iter().any(|(c, _)| c == name) {
            let names = BUILTINS
                .iter()
                .map(|b| b.id)
                .filter(|id| !NOT_WAIVABLE.contains(id))
                .chain(checks.iter().map(|(c, _)| c.as_str()));
            let suggestion = did_you_mean(name, names);
            self.report(
                self.error(
                    "unknown_check",
                    w.check.span,
                    format!("there is no check `{name}`"),
                )
                .label("unknown check")
                .suggest(suggestion),
            );
            ok = false;
        }
        if let Some(m) = &w.measure
            && !rules.measure_index.contains_key(&m.name)
        {
            let suggestion = did_you_mean(&m.name, rules.measure_index.keys().map(String::as_str));
            self.report(
                self.error(
                    "unknown_name",
                    m.span,
                    format!("there is no measure `{}`", m.name),
                )
                .label("unknown measure")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "a waiver's `on` names a measure declared in the rule files".into(),
                }),
            );
            ok = false;
        }
        let until = match crate::period::Period::find_in(&w.until.value) {
            Ok(p) => Some((p.end_month(), p.to_string())),
            Err(e) => {
                self.report(
                    self.error(
                        "bad_period",
                        w.until.span,
                        format!("`{}` is not a period: {e}", w.until.value),
                    )
                    .label(e.label())
                    .help(format!(
                        "{}; the waiver covers returns whose period ends no later than this one",
                        e.help()
                    )),
                );
                None
            }
        };
        let texts = [
            (
                w.organisation.as_ref(),
                "organisation",
                "`for` names an organisation",
            ),
            (
                Some(&w.reason),
                "reason",
                "`because` says why the problem is accepted",
            ),
            (
                Some(&w.approved),
                "approver",
                "`approved` names who accepted it",
            ),
        ];
        for (text, what, help) in texts {
            if let Some(t) = text
                && t.value.trim().is_empty()
            {
                self.report(
                    self.error(
                        "empty_waiver_text",
                        t.span,
                        format!("a waiver's {what} may not be empty"),
                    )
                    .label(format!("empty {what}"))
                    .help(format!(
                        "{help}: a waiver is a reviewed decision, kept on record"
                    )),
                );
                ok = false;
            }
        }
        let (until_end, canonical) = until?;
        if !ok {
            return None;
        }
        let info = crate::waiver::Waived {
            reason: w.reason.value.clone(),
            approved: w.approved.value.clone(),
            until: canonical,
            rule: self.rule_ref(w.span),
        };
        Some(crate::waiver::Waiver::new(
            w.check.name.clone(),
            w.measure.as_ref().map(|m| m.name.clone()),
            w.organisation.as_ref().map(|o| o.value.clone()),
            until_end,
            info,
            (
                Span {
                    end: w.until.span.end,
                    ..w.span
                },
                w.until.span,
            ),
        ))
    }

    fn check(
        &mut self,
        rules: &mut RuleSet,
        c: &ast::CheckDecl,
        overrides: &HashMap<String, (Option<Severity>, Span)>,
    ) -> ir::Check {
        let (scope, env) = match &c.scope {
            ast::Scope::Return => (ir::Scope::Return, Env::return_scope()),
            ast::Scope::EachMeasure(w) | ast::Scope::EachValue(w) => {
                let each_value = matches!(c.scope, ast::Scope::EachValue(_));
                let mut env = if each_value {
                    Env::each_value()
                } else {
                    Env::each_measure()
                };
                let cond = w.as_ref().and_then(|w| {
                    env.unit = expr::narrowed_unit(w);
                    self.condition(rules, &env, w)
                });
                let scope = if each_value {
                    ir::Scope::EachValue(cond)
                } else {
                    ir::Scope::EachMeasure(cond)
                };
                (scope, env)
            }
            ast::Scope::Measures(ids) => {
                let mut idxs = Vec::new();
                let mut units = Vec::new();
                for id in ids {
                    match rules.measure_index.get(&id.name) {
                        Some(&i) => {
                            idxs.push(i);
                            units.push(rules.measures[i].unit);
                        }
                        None => {
                            let suggestion = did_you_mean(
                                &id.name,
                                rules.measure_index.keys().map(String::as_str),
                            );
                            self.report(
                                self.error(
                                    "unknown_name",
                                    id.span,
                                    format!("there is no measure `{}`", id.name),
                                )
                                .label("not declared")
                                .suggest(suggestion),
                            );
                        }
                    }
                }
                let mut env = Env::each_measure();
                units.dedup();
                if let [Some(u)] = units.as_slice() {
                    env.unit = Some(*u);
                }
                (ir::Scope::Measures(idxs), env)
            }
        };
        let mut about = None;
        let mut out = Vec::new();
        let level = overrides.get(&c.id.name).map(|(l, _)| *l);
        for stmt in &c.body {
            match stmt {
                CheckStmt::About(s) => about = Some(s.value.clone()),
                CheckStmt::Rule(r) => {
                    let Some(condition) = self.condition(rules, &env, &r.condition) else {
                        continue;
                    };
                    let message = self.template(rules, &env, &r.message);
                    let help = r.help.as_ref().map(|h| self.template(rules, &env, h));
                    let mut anchors = Vec::new();
                    expr::collect_slots(&condition, &mut anchors);
                    match &scope {
                        ir::Scope::EachMeasure(Some(w)) | ir::Scope::EachValue(Some(w)) => {
                            expr::collect_slots(w, &mut anchors)
                        }
                        _ => {}
                    }
                    // Point at the measure's own values first, then its
                    // other fields, other measures, and the header last.
                    anchors.sort_by_key(|s: &ir::Slot| match (s.subject, s.field) {
                        (ir::Subject::Current, ir::Field::Value | ir::Field::Sub(_)) => 0,
                        (
                            ir::Subject::Current,
                            ir::Field::Quarter
                            | ir::Field::Month
                            | ir::Field::ReturnQuarter
                            | ir::Field::ReturnMonth,
                        ) => 3,
                        (ir::Subject::Current, _) => 1,
                        (ir::Subject::Measure(_), _) => 2,
                        (ir::Subject::Return, _) => 3,
                        // In another return: never a place in this one.
                        (ir::Subject::Past(_), _) => 4,
                    });
                    out.push(ir::CheckRule {
                        severity: level.unwrap_or(Some(r.severity)),
                        condition,
                        message,
                        help,
                        rule: self.rule_ref(r.span),
                        anchors,
                    });
                }
            }
        }
        ir::Check {
            id: c.id.name.clone(),
            key: c.id.name.as_str().into(),
            about,
            scope,
            shared_where: None,
            shared_value_where: None,
            rules: out,
            span: c.span,
            rule: self.rule_ref(c.id.span),
        }
    }

    /// Compile `{expr}` parts of a message.
    fn template(&mut self, rules: &mut RuleSet, env: &Env, s: &ast::Str) -> ir::Template {
        let mut parts = Vec::new();
        let text = &s.value;
        let mut lit = String::new();
        let mut chars = text.char_indices().peekable();
        // The string's value is its body with escapes resolved; offsets are
        // approximate when escapes come before an interpolation.
        let body_start = s.span.start as usize + 1;
        while let Some((i, ch)) = chars.next() {
            match ch {
                '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let start = i + 1;
                    let mut end = None;
                    for (j, c) in chars.by_ref() {
                        if c == '}' {
                            end = Some(j);
                            break;
                        }
                    }
                    let Some(end) = end else {
                        let span = Span::new(s.span.file, body_start + i, body_start + i + 1);
                        self.report(
                            self.error("bad_message", span, "this `{` is never closed")
                                .label("unclosed")
                                .help("write `{{` for a literal brace"),
                        );
                        break;
                    };
                    if !lit.is_empty() {
                        parts.push(ir::Part::Text(std::mem::take(&mut lit)));
                    }
                    let inner = &text[start..end];
                    let Some(source) = self.sources.get(s.span.file.0 as usize) else {
                        continue;
                    };
                    match crate::syntax::parse_expr_at(
                        inner,
                        s.span.file,
                        body_start + start,
                        source,
                    ) {
                        Ok(e) => {
                            if let Some((c, _)) = self.expr(rules, env, &e) {
                                parts.push(ir::Part::Expr(c));
                            }
                        }
                        Err(mut d) => {
                            d.code = "bad_message".into();
                            d.message = format!("in `{{{inner}}}`: {}", d.message);
                            self.diagnostics.push(*d);
                        }
                    }
                }
                _ => lit.push(ch),
            }
        }
        if !lit.is_empty() {
            parts.push(ir::Part::Text(lit));
        }
        ir::Template { parts }
    }
}
