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
//! | [`concise`] | one line per diagnostic | a terminal list, `grep`, an editor |
//! | [`json`] | SPEC 4.1, documented in `docs/json-output.md` | scripts |
//! | [`sarif`] | SARIF 2.1.0 | GitHub code scanning and other SARIF viewers |
//! | [`junit`] | JUnit XML | CI test reports |
//! | [`github`] | workflow commands and a Markdown step summary | GitHub Actions |
//! | [`html`] | one self-contained page: summary, overview, RAG tables, charts, problems | people who act on the returns |
//!
//! miette lives in [`human`] only; the engine never sees it.
//!
//! Every format implements one trait, [`Renderer`], so that a run is
//! rendered the same way whatever the format: each file's part is rendered
//! on the worker that checked it ([`Renderer::part`]), the parts are taken
//! in input order ([`Renderer::take`]), and the document is finished at the
//! end ([`Renderer::finish`]). Human output and GitHub annotations are
//! written as each part comes; JSON entries, SARIF results and JUnit suites
//! wait in a spool until the totals that head their document are known.
//! The CLI picks a format once, with [`Format::renderer`], and never looks
//! at it again; [`report`] renders a whole [`Report`] through the same
//! trait. A new format is a new module and a variant of [`Format`].

use std::any::Any;
use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::{CheckInfo, FileReport, Report, Summary};

pub mod concise;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
mod spool;
pub mod statistics;

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
    /// Make a Markdown step summary too (`--format github`, when
    /// `$GITHUB_STEP_SUMMARY` is set); other formats ignore it.
    pub step_summary: bool,
    /// Columns to wrap human output to; `None` is [`human::WIDTH`]. The CLI
    /// decides (the terminal's width, `COLUMNS`); renderers never look.
    pub width: Option<usize>,
    /// Paths named for checking that could not be read (the CLI says which,
    /// one line each): the summary line of human, concise and statistics
    /// output counts them, so that it never says all is well without them.
    pub unreadable: usize,
}

impl RenderOptions {
    /// Whether a diagnostic fails the run under these options. Waived
    /// diagnostics never do (SPEC 3.8).
    pub fn fails(&self, diagnostic: &Diagnostic) -> bool {
        !diagnostic.is_waived()
            && self
                .fail_on
                .is_some_and(|least| diagnostic.severity >= least)
    }
}

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Junit,
    Github,
    Html,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Html => "html",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == text)
    }

    /// The renderer of this format. `catalogue` lists every check of the
    /// rule set (built-in and user), for SARIF's rule table.
    pub fn renderer(self, catalogue: &[CheckInfo], opts: &RenderOptions) -> Box<dyn AnyRenderer> {
        match self {
            Format::Human => Box::new(human::Human::new(opts)),
            Format::Concise => Box::new(concise::Concise::new(opts)),
            Format::Json => Box::new(json::Json),
            Format::Sarif => Box::new(sarif::Sarif::new(catalogue, opts)),
            Format::Junit => Box::new(junit::Junit::new(opts)),
            Format::Github => Box::new(github::Github::new(opts)),
            Format::Html => Box::new(html::Html::new()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An output format, rendered file by file: each file's part on the worker
/// thread that checked it, for many files at once ([`Renderer::part`]);
/// then the parts taken in input order into the format's document
/// ([`Renderer::take`]), which writes out what it can as it comes and
/// keeps what must wait (totals that head the document) until
/// [`Renderer::finish`].
///
/// The renderer itself holds only settings and is shared by the workers;
/// what the run accumulates lives in its [`Renderer::Document`].
pub trait Renderer: Sync {
    /// One file's part of the output.
    type Part: Send + 'static;
    /// What the format keeps from part to part until the end.
    type Document: 'static;

    /// Whether parts need the text of each file ([`FileReport::source`]),
    /// to show a value in its line.
    fn wants_sources(&self) -> bool {
        false
    }

    /// Whether parts need every sub-period's value, the target and the
    /// bands of each measure ([`crate::report::MeasureDetail`]).
    fn wants_values(&self) -> bool {
        false
    }

    /// A new, empty document.
    fn start(&self) -> Self::Document;

    /// Render one file's part. Runs on a worker thread.
    fn part(&self, file: FileReport) -> io::Result<Self::Part>;

    /// Take in the next file's part, in input order; what can be written
    /// at once goes to `out`.
    fn take(
        &self,
        doc: &mut Self::Document,
        part: Self::Part,
        out: &mut dyn io::Write,
    ) -> io::Result<()>;

    /// Write what is left of the document to `out`.
    fn finish(&self, doc: Self::Document, out: &mut dyn io::Write) -> io::Result<Finished>;
}

/// What a finished document leaves besides its output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Finished {
    /// Markdown for `$GITHUB_STEP_SUMMARY`, when the format makes one and
    /// [`RenderOptions::step_summary`] asks for it.
    pub step_summary: Option<String>,
}

/// One file's part in some format, its type known only to its renderer.
pub struct Part(Box<dyn Any + Send>);

/// A document in some format, its type known only to its renderer.
pub struct Document(Box<dyn Any>);

/// A [`Renderer`] of any format, its part and document types hidden, so a
/// caller can hold one without knowing the format. Every `Renderer` is
/// one.
pub trait AnyRenderer: Sync {
    /// [`Renderer::wants_sources`].
    fn wants_sources(&self) -> bool;
    /// [`Renderer::wants_values`].
    fn wants_values(&self) -> bool;
    /// [`Renderer::start`].
    fn start(&self) -> Document;
    /// [`Renderer::part`].
    fn part(&self, file: FileReport) -> io::Result<Part>;
    /// [`Renderer::take`]; a part or document of another format is an
    /// error.
    fn take(&self, doc: &mut Document, part: Part, out: &mut dyn io::Write) -> io::Result<()>;
    /// [`Renderer::finish`].
    fn finish(&self, doc: Document, out: &mut dyn io::Write) -> io::Result<Finished>;
}

impl<R: Renderer> AnyRenderer for R {
    fn wants_sources(&self) -> bool {
        Renderer::wants_sources(self)
    }

    fn wants_values(&self) -> bool {
        Renderer::wants_values(self)
    }

    fn start(&self) -> Document {
        Document(Box::new(Renderer::start(self)))
    }

    fn part(&self, file: FileReport) -> io::Result<Part> {
        Ok(Part(Box::new(Renderer::part(self, file)?)))
    }

    fn take(&self, doc: &mut Document, part: Part, out: &mut dyn io::Write) -> io::Result<()> {
        match (doc.0.downcast_mut(), part.0.downcast()) {
            (Some(doc), Ok(part)) => Renderer::take(self, doc, *part, out),
            _ => Err(another_format()),
        }
    }

    fn finish(&self, doc: Document, out: &mut dyn io::Write) -> io::Result<Finished> {
        match doc.0.downcast() {
            Ok(doc) => Renderer::finish(self, *doc, out),
            Err(_) => Err(another_format()),
        }
    }
}

fn another_format() -> io::Error {
    io::Error::other("a part rendered in another format (a bug in ragcheck)")
}

/// Render a whole `check` report in one format, file by file as a run
/// streams it. `catalogue` lists every check of the rule set (built-in and
/// user), for SARIF's rule table.
pub fn report(
    format: Format,
    report: &Report,
    catalogue: &[CheckInfo],
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<Finished> {
    let renderer = format.renderer(catalogue, opts);
    let mut doc = renderer.start();
    for file in &report.files {
        let part = renderer.part(file.clone())?;
        renderer.take(&mut doc, part, out)?;
    }
    renderer.finish(doc, out)
}

/// One file's text and its counts: the part of a format that writes each
/// file as it comes and keeps only the counts, for the summary line at the
/// end (human and concise output).
pub struct Counted {
    summary: Summary,
    text: Vec<u8>,
}

impl Counted {
    /// `text`, rendered from `file`.
    pub(crate) fn new(file: &FileReport, text: Vec<u8>) -> Counted {
        Counted {
            summary: file.summary(),
            text,
        }
    }

    /// Count it into the document's totals and write it out.
    pub(crate) fn take(self, totals: &mut Summary, out: &mut dyn io::Write) -> io::Result<()> {
        totals.add(&self.summary);
        out.write_all(&self.text)
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

/// `; 1 path not read`, for a summary line, when paths could not be read.
pub(crate) fn unread_note(opts: &RenderOptions) -> String {
    match opts.unreadable {
        0 => String::new(),
        n => format!("; {} not read", count(n, "path", "paths")),
    }
}

/// `2 returns, 31 measures: 3 errors, 1 warning, 0 infos`.
/// Waived diagnostics are counted apart, after the others, when there are
/// any: `…, 0 infos, 2 waived`.
pub(crate) fn summary_line(s: &crate::report::Summary) -> String {
    let mut line = format!(
        "{}, {}: {}, {}, {}",
        count(s.returns, "return", "returns"),
        count(s.measures, "measure", "measures"),
        count(s.errors, "error", "errors"),
        count(s.warnings, "warning", "warnings"),
        count(s.infos, "info", "infos"),
    );
    if s.waived > 0 {
        line.push_str(&format!(", {} waived", s.waived));
    }
    line
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
