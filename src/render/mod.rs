//! Renderers: a [`Report`] (or a list of rule-file diagnostics) turned into
//! text for people and for machines.
//!
//! Each output format is a sibling module, and each is a pure function that
//! writes into a [`std::io::Write`]: nothing here prints to the terminal,
//! reads the environment or exits. The CLI picks the writer (stdout, a file,
//! `$GITHUB_STEP_SUMMARY`) and the options.
//!
//! | module | format | for |
//! |---|---|---|
//! | [`human`] | miette snippets, RAG tables, a summary line | a person at a terminal |
//! | [`json`] | SPEC 4.1, documented in `docs/json-output.md` | scripts |
//! | [`sarif`] | SARIF 2.1.0 | GitHub code scanning and other SARIF viewers |
//! | [`junit`] | JUnit XML | CI test reports |
//! | [`github`] | workflow commands and a Markdown step summary | GitHub Actions |
//!
//! miette lives in [`human`] only; the engine never sees it.
//!
//! [`report`] renders a whole [`Report`]. For runs too large to hold every
//! report, each format also streams, file by file, with output that is the
//! same byte for byte: human output ([`human::file`], then
//! [`human::summary`]) and GitHub annotations ([`github::file`]) are written
//! as each file comes; [`json::JsonStream`] and [`junit::JunitStream`]
//! spool their parts until the totals that head the document are known;
//! [`github::StepSummary`] keeps only what the step summary can show; and
//! [`sarif::SarifStream`] spools each result until the rule table that
//! heads the log is known.

use std::io;
use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::{CheckInfo, Report};

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
mod spool;

#[cfg(test)]
mod fixture;

/// Settings shared by the renderers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in human output. The CLI decides (`--color`, `NO_COLOR`,
    /// whether stdout is a terminal); renderers never look.
    pub color: bool,
    /// The least severity that fails the run (`--fail-on`); `None` is
    /// `never`. JUnit writes a `<failure>` only at or above it.
    pub fail_on: Option<Severity>,
    /// The repository root: SARIF URIs are made relative to it.
    pub base_dir: Option<PathBuf>,
    /// Human output shows only the problems (`--quiet`): no RAG tables, no
    /// summary, no heading for a return that has nothing to show. Machine
    /// formats ignore it.
    pub quiet: bool,
}

impl RenderOptions {
    /// Whether a diagnostic fails the run under these options. Waived
    /// diagnostics never do (SPEC 3.8).
    pub fn fails(&self, diagnostic: &Diagnostic) -> bool {
        !diagnostic.waived
            && self
                .fail_on
                .is_some_and(|least| diagnostic.severity >= least)
    }
}

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == text)
    }
}

/// Render a whole `check` report in one format. `catalogue` lists every
/// check of the rule set (built-in and user), for SARIF's rule table.
pub fn report(
    format: Format,
    report: &Report,
    catalogue: &[CheckInfo],
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::report(report, opts, out),
        Format::Json => json::report(report, out),
        Format::Sarif => sarif::report(report, catalogue, opts, out),
        Format::Junit => junit::report(report, opts, out),
        Format::Github => github::report(report, out),
    }
}

/// `1 error`, `2 errors`.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// `2 returns, 31 measures: 3 errors, 1 warning, 0 infos`.
pub(crate) fn summary_line(s: &crate::report::Summary) -> String {
    format!(
        "{}, {}: {}, {}, {}",
        count(s.returns, "return", "returns"),
        count(s.measures, "measure", "measures"),
        count(s.errors, "error", "errors"),
        count(s.warnings, "warning", "warnings"),
        count(s.infos, "info", "infos"),
    )
}

/// How a return is named in headings: `Leeds City Council 2011/12 Q4`,
/// or what is known of it.
pub(crate) fn return_title(organisation: Option<&str>, period: Option<&str>) -> String {
    match (organisation, period) {
        (Some(o), Some(p)) => format!("{o} {p}"),
        (Some(o), None) => format!("{o} (no period)"),
        (None, Some(p)) => format!("(no organisation) {p}"),
        (None, None) => "(no organisation, no period)".to_string(),
    }
}
