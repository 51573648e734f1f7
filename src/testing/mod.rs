//! `test` blocks (SPEC 3.6): fixtures, expectations, and running them.
//!
//! A test is prepared once, against the compiled [`RuleSet`]: its `given`
//! statements are resolved into settings on a fixture return (see
//! `given`) and its `expect` statements compiled (see `expect`). Any
//! problem there (an undeclared measure, an unknown check, a type error in
//! an expectation, an unreadable sample file) is a [`Diagnostic`] at its
//! span in the rule file, reported like a compile error: the tests do not
//! run. Prepared tests then run in parallel (rayon), each on its own
//! fixture, through the real engine ([`engine::check_loaded`]): built-in
//! checks and user checks alike, except `missing_measure`, since a fixture
//! is a partial return.
//!
//! Each test gives an [`Outcome`] whose failures are diagnostics with code
//! `test_failed`, located at the `expect` that failed, saying what happened
//! instead. The library never prints: the `ragcheck test` command renders
//! outcomes.

mod expect;
mod given;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::ast::{OtherReturn, TestDecl, TestStmt};
use crate::collection::{Builder, Collection, Part, Past};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{self, CheckOptions};
use crate::eval::Program;
use crate::eval::ReturnCtx;
use crate::ir::RuleSet;
use crate::period::Period;
use crate::returns::{self, LoadedFile, Return};
use crate::span::{SourceFile, Span};

pub use expect::TEST_FAILED;
pub use given::{ORGANISATION, PERIOD};

/// Tests ready to run: every name resolved, every expectation compiled.
#[derive(Debug, Default)]
pub struct Suite {
    cases: Vec<Case>,
}

impl Suite {
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// One prepared test.
#[derive(Debug)]
struct Case {
    name: String,
    span: Span,
    /// The sample named by `given file`, if any.
    base: Option<Arc<LoadedFile>>,
    settings: Vec<given::Setting>,
    /// `given peer "…"`, `given previous`, `given last_year`: the other
    /// returns of the collection, each with its settings.
    others: Vec<(OtherReturn, Vec<given::Setting>)>,
    expects: Vec<expect::Expect>,
}

/// The result of preparing: the suite when nothing was wrong, and every
/// problem found either way.
#[derive(Debug)]
pub struct Prepared {
    pub suite: Option<Suite>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What became of one test.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The test's name, as written between the quotes.
    pub name: String,
    /// The rule file it is in.
    pub file: Arc<str>,
    /// Line of its `test` keyword (1-based).
    pub line: u32,
    /// One `test_failed` diagnostic per failed expectation, in order.
    pub failures: Vec<Diagnostic>,
    /// Every diagnostic the fixture raised (`missing_measure` aside).
    pub raised: Vec<Diagnostic>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Prepare every `test` block of a rule set. Resolving names may record
/// fields the expectations read in the rule set (as compiling a check
/// does), hence `&mut`. `given file` paths are read relative to
/// `base_dir`.
pub fn prepare(program: &mut Program, base_dir: &Path) -> Prepared {
    program.edit(|rules| prepare_rules(rules, base_dir))
}

fn prepare_rules(rules: &mut RuleSet, base_dir: &Path) -> Prepared {
    let mut problems = Vec::new();
    let mut samples = Samples::default();
    let tests = rules.tests.clone();
    let cases = tests
        .iter()
        .map(|(_, test)| prepare_case(rules, test, base_dir, &mut samples, &mut problems))
        .collect();
    crate::diagnostic::sort(&mut problems);
    let failed = problems.iter().any(|d| d.severity == Severity::Error);
    Prepared {
        suite: (!failed).then_some(Suite { cases }),
        diagnostics: problems,
    }
}

/// Sample files named by `given file`, each read once.
type Samples = HashMap<String, Result<Arc<LoadedFile>, String>>;

fn prepare_case(
    rules: &mut RuleSet,
    test: &TestDecl,
    base_dir: &Path,
    samples: &mut Samples,
    problems: &mut Vec<Diagnostic>,
) -> Case {
    let before = problems.len();
    let mut base = None;
    let mut settings = Vec::new();
    let mut others: Vec<(OtherReturn, Vec<given::Setting>)> = Vec::new();
    let mut expects = Vec::new();
    let mut seen_given = false;
    for stmt in &test.body {
        match stmt {
            TestStmt::GivenFile(path) if seen_given => problems.push(
                error_at(
                    rules,
                    path.span,
                    "bad_given",
                    "`given file` must be the first `given` of a test",
                )
                .label("too late")
                .help(
                    "a test starts from one sample file, then sets fields on it; move this line up",
                ),
            ),
            TestStmt::GivenFile(path) => {
                seen_given = true;
                let loaded = samples
                    .entry(path.value.clone())
                    .or_insert_with(|| {
                        read_sample(rules, base_dir, &roots(rules, base_dir), &path.value)
                            .map(Arc::new)
                    })
                    .clone();
                match loaded {
                    Ok(l) => base = Some(l),
                    Err(reason) => problems.push(
                        error_at(
                            rules,
                            path.span,
                            "unreadable_path",
                            format!(
                                "cannot read `{}`: {reason}",
                                crate::display::quote(&path.value)
                            ),
                        )
                        .label("this file")
                        .help("the path is relative to the folder `ragcheck test` runs in"),
                    ),
                }
            }
            TestStmt::Given(assigns) => {
                seen_given = true;
                for (path, text) in assigns {
                    match given::resolve(rules, path, text) {
                        Ok(s) => settings.push(s),
                        Err(d) => problems.push(*d),
                    }
                }
            }
            TestStmt::GivenOther(other, assigns) => {
                seen_given = true;
                let i = match others.iter().position(|(o, _)| same_return(o, other)) {
                    Some(i) => i,
                    None => {
                        others.push((other.clone(), Vec::new()));
                        others.len() - 1
                    }
                };
                for (path, text) in assigns {
                    match given::resolve(rules, path, text) {
                        Ok(s) => others[i].1.push(s),
                        Err(d) => problems.push(*d),
                    }
                }
            }
            TestStmt::Expect(e) => {
                if let Some(x) = expect::compile(rules, e, problems) {
                    expects.push(x);
                }
            }
        }
    }
    if expects.is_empty() && problems.len() == before {
        problems.push(
            Diagnostic::new(
                Severity::Warning,
                "empty_test",
                format!("test {:?} expects nothing", test.name.value),
            )
            .at(locate(rules, test.name.span))
            .label("no `expect`")
            .help(
                "add an expectation such as `expect appraisals.rag == amber` or `expect no error`",
            ),
        );
    }
    Case {
        name: test.name.value.clone(),
        span: test.span,
        base,
        settings,
        others,
        expects,
    }
}

/// Do two `given` statements set the same other return?
fn same_return(a: &OtherReturn, b: &OtherReturn) -> bool {
    match (a, b) {
        (OtherReturn::Peer(x), OtherReturn::Peer(y)) => x.value == y.value,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// The fixture's collection: the test's return and the others its
/// `given peer/previous/last_year` make (SPEC 3.9), gathered as a run
/// would gather them.
fn collection(rules: &Program, main: &Return, case: &Case) -> Option<Arc<Collection>> {
    if case.others.is_empty() && !rules.collection.names_used() {
        return None;
    }
    let period = main
        .period
        .as_ref()
        .and_then(|p| Period::find_in(p.as_str()).ok());
    let org = main
        .organisation
        .as_ref()
        .map_or(given::ORGANISATION.to_string(), |o| o.as_str().to_string());
    let mut others = Vec::new();
    for (other, settings) in &case.others {
        let mut ret = given::default_return();
        let (who, when) = match other {
            OtherReturn::Peer(name) => (name.value.clone(), period),
            OtherReturn::Previous => (org.clone(), period.and_then(|p| Past::Previous.of(p))),
            OtherReturn::LastYear => (org.clone(), period.and_then(|p| Past::LastYear.of(p))),
        };
        ret.organisation = Some(returns::Text::new(who, crate::span::Pos::File));
        if let Some(p) = when {
            ret.period = Some(returns::Text::new(p.to_string(), crate::span::Pos::File));
        }
        given::apply(&mut ret, settings);
        others.push(ret);
    }
    let mut builder = Builder::default();
    builder.add(0, None, Part::of_return(rules, main), true);
    for (i, ret) in others.iter().enumerate() {
        builder.add(i as u32 + 1, None, Part::of_return(rules, ret), true);
    }
    Some(Arc::new(builder.finish()))
}

/// Run every test of a suite in parallel; outcomes come back in the order
/// the tests are written (rule files in path order).
pub fn run(rules: &Program, suite: &Suite) -> Vec<Outcome> {
    suite
        .cases
        .par_iter()
        .map(|case| run_case(rules, case))
        .collect()
}

/// Prepare and run in one step; `Err` holds the preparation problems when
/// the tests could not run.
pub fn run_all(rules: &mut Program, base_dir: &Path) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let prepared = prepare(rules, base_dir);
    match prepared.suite {
        Some(suite) => Ok(run(rules, &suite)),
        None => Err(prepared.diagnostics),
    }
}

fn run_case(rules: &Program, case: &Case) -> Outcome {
    let location = locate(rules, case.span);
    let mut loaded = match &case.base {
        Some(file) => {
            let mut l = LoadedFile::clone(file);
            l.returns.truncate(1);
            if l.returns.is_empty() {
                l.returns.push(Return::default());
            }
            l
        }
        None => LoadedFile {
            source: SourceFile::new(
                format!("{}:{} (test fixture)", location.file, location.line),
                "",
            ),
            sheet: None,
            returns: vec![given::default_return()],
            problems: Vec::new(),
            chunks: None,
        },
    };
    given::apply(&mut loaded.returns[0], &case.settings);
    let collection = collection(rules, &loaded.returns[0], case);
    let report = engine::check_loaded(
        rules,
        &loaded,
        &CheckOptions {
            ignore_waivers: true,
            collection: collection.clone(),
            ..CheckOptions::default()
        },
    );
    let raised: Vec<Diagnostic> = report
        .diagnostics
        .into_iter()
        .chain(report.returns.into_iter().flat_map(|r| r.diagnostics))
        .filter(|d| d.code != "missing_measure")
        .collect();
    let ctx = ReturnCtx::with_collection(rules, &loaded.returns[0], collection.as_deref());
    let failures = case
        .expects
        .iter()
        .filter_map(|e| e.verify(rules, &ctx, &raised))
        .collect();
    Outcome {
        name: case.name.clone(),
        file: location.file.clone(),
        line: location.line,
        failures,
        raised,
    }
}

/// The folders a `given file` may read from: the folder the tests run in
/// and the folder of every rule file, with everything under them.
fn roots(rules: &RuleSet, base_dir: &Path) -> Vec<std::path::PathBuf> {
    let rule_dirs = rules.sources.iter().filter_map(|s| {
        let dir = Path::new(s.path.as_ref()).parent()?;
        Some(base_dir.join(dir))
    });
    std::iter::once(base_dir.to_path_buf())
        .chain(rule_dirs)
        .filter_map(|dir| dir.canonicalize().ok())
        .collect()
}

/// Read and load a sample return named by `given file` (through the
/// rules' layouts, as `check` reads it). Only a file inside
/// one of `roots` (after following links and `..`) is read: `ragcheck test`
/// runs on rule files from pull requests, and a test must not be able to
/// print any readable file into a CI log.
fn read_sample(
    rules: &RuleSet,
    base_dir: &Path,
    roots: &[std::path::PathBuf],
    path: &str,
) -> Result<LoadedFile, String> {
    let full = base_dir.join(path);
    let Ok(real) = full.canonicalize() else {
        return Err("no such file".into());
    };
    if !roots.iter().any(|root| real.starts_with(root)) {
        return Err(
            "it is outside the folder the tests run in and the rule files' folders; \
             a test reads sample files from the project only"
                .into(),
        );
    }
    if !real.is_file() {
        return Err(
            crate::read::refused_kind(&real).map_or("no such file".into(), |kind| {
                format!("it is {kind}, not a regular file")
            }),
        );
    }
    let bytes = match crate::read::file(&real, returns::MAX_FILE_BYTES as u64) {
        Ok(bytes) => bytes,
        Err(crate::read::ReadError::TooBig { size, .. }) => {
            return Ok(returns::too_big(path, size));
        }
        Err(e) => return Err(e.to_string()),
    };
    Ok(returns::load_with(path, bytes, rules, None))
}

/// A span of a rule file as a location.
fn locate(rules: &RuleSet, span: Span) -> crate::diagnostic::Location {
    match rules.sources.get(span.file.0 as usize) {
        Some(s) => s.locate(span.start as usize, span.end as usize),
        None => crate::diagnostic::Location::whole_file(Arc::from("")),
    }
}

/// An error at a span of a rule file.
fn error_at(rules: &RuleSet, span: Span, code: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Severity::Error, code, message).at(locate(rules, span))
}
