//! AST → IR: resolve names, check units, analyse bands.
//!
//! Every problem in every file is collected; compiling never stops at the
//! first. Each problem is a [`Diagnostic`] with a stable code (listed in
//! `docs/language.md`), the span, a label and, where it helps, a help line.
//!
//! [`compile`] declares every id first (so references may come before
//! declarations and across files), then compiles each item:
//!
//! | module | compiles |
//! |---|---|
//! | `measures` | a `measure`'s statements and bands (`bands` analyses them; `fields` its codes and typed fields) |
//! | `checks` | a `check`: scope, `where`, each rule's `when` and message |
//! | `settings` | `severity` settings and `waive` statements |
//! | `layout` | `layout` blocks |
//! | `expr` | expressions: names to slots, types and units (`pattern` for `matches`) |

mod bands;
mod checks;
mod expr;
mod fields;
mod layout;
mod measures;
pub mod pattern;
mod settings;

use std::collections::HashMap;

use crate::ast::{self, Item};
use crate::checks::BUILTINS;
use crate::diagnostic::{Diagnostic, RuleRef, Severity};
use crate::eval::Program;
use crate::ir::RuleSet;
use crate::span::{FileId, SourceFile, Span};
use crate::suggest::did_you_mean;

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

/// The result of compiling: the rules, ready to run, when there was no
/// error, and every diagnostic (errors and warnings) either way.
pub struct Compiled {
    pub rules: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compile rule files (already read) into a [`RuleSet`], and its
/// conditions into the [`Program`] that checks returns.
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
                Program::new(r)
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
}
