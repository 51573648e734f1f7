//! The result of a run, as plain data for the renderers.

use std::sync::Arc;

use compact_str::CompactString;
use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rag::Rag;
use crate::span::Chunks;
use crate::value::Unit;

/// Everything a `check` run found, files in path order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
}

/// One input file: a YAML/JSON file holds one return, a CSV or spreadsheet
/// file may hold many.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub path: Arc<str>,
    /// The file's text, kept for snippet rendering when asked for (human
    /// and HTML output); `None` otherwise or for spreadsheets. For a piece
    /// of a CSV file read back from the file, only the stretches of text
    /// around its diagnostics' places that a snippet shows
    /// ([`snippet_region`]).
    pub source: Option<Arc<Chunks>>,
    /// Problems of the file as a whole (`invalid_return` when it cannot be
    /// read), sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    pub returns: Vec<ReturnReport>,
    /// A rule file's problems found over the run (`expired_waiver`,
    /// `unused_waiver`), reported after every input: not an input, so not
    /// counted in [`Summary::files`].
    pub rule_file: bool,
    /// Which piece of its file this report is: a CSV collection's report
    /// is handed on in pieces of a few thousand rows' returns, so that its
    /// returns are never all held at once.
    pub piece: Piece,
}

/// A piece of a file's report ([`FileReport::piece`]). A file's pieces
/// come one after another, in order; the first holds the file's own
/// diagnostics, and every piece some of its returns. Renderers treat
/// consecutive pieces of a file as that one file: the output is the same
/// as for the whole report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Piece {
    /// This report continues the file of the report before it.
    pub continued: bool,
    /// More pieces of the file follow.
    pub more: bool,
    /// The index, in the whole file, of this piece's first return.
    pub first_return: usize,
}

/// One return's results.
#[derive(Clone, Debug, Default)]
pub struct ReturnReport {
    pub organisation: Option<String>,
    pub period: Option<String>,
    pub measures: Vec<MeasureReport>,
    /// Sorted by position, then code.
    pub diagnostics: Vec<Diagnostic>,
    /// Every check evaluated on this return, in catalogue order, with how
    /// many diagnostics it raised (for JUnit).
    pub checks: Vec<CheckRun>,
    /// `when` conditions that could not be decided because a value was
    /// missing (SPEC 3.3).
    pub not_evaluated: u64,
    /// What the rule set's waivers met in this return, by waiver.
    pub waivers: Vec<Hit>,
}

/// One measure's row in the RAG table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureReport {
    pub id: CompactString,
    pub title: Option<CompactString>,
    /// Declared status, when it is a known status.
    pub status: Option<Rag>,
    /// Declared status as typed (may be unknown, like `Gren`).
    pub status_text: Option<CompactString>,
    /// Computed status from the bands.
    pub rag: Option<Rag>,
    /// The value for the return's own quarter, as typed.
    pub value: Option<CompactString>,
    /// Every sub-period's value, the target and the bands, for the HTML
    /// report's RAG table and chart: made only when
    /// [`CheckOptions::keep_values`](crate::engine::CheckOptions::keep_values)
    /// asks.
    pub detail: Option<Box<MeasureDetail>>,
}

/// What a measure's row of the HTML report shows beyond its status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureDetail {
    /// Every sub-period of the return's frequency, in order.
    pub values: Vec<SubValue>,
    /// Which of `values` is the return's own sub-period, when known.
    pub own: Option<usize>,
    /// The target as typed in the return, else as the rules give it.
    pub target: Option<CompactString>,
    /// The unit numbers are in.
    pub unit: Option<Unit>,
    /// The values the bands compare the value with at the return's own
    /// period, ascending; empty when the bands read anything else.
    pub thresholds: Vec<Decimal>,
    /// The status the bands give each stretch of the value axis: below the
    /// first threshold, between each two, above the last (one more than
    /// `thresholds`); `None` where no band applies.
    pub regions: Vec<Option<Rag>>,
}

/// One sub-period's value of a measure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubValue {
    /// The sub-period's name: `q1`, `m7`, `year`.
    pub name: CompactString,
    /// The value as typed; `None` when it is not given.
    pub text: Option<CompactString>,
    /// The number it reads as, in the measure's unit.
    pub number: Option<Decimal>,
    /// What the value is expected to be: the trajectory's, else the target.
    pub expected: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// Shared with the rule set: one allocation per check, not per return.
    pub id: std::sync::Arc<str>,
    /// Times the check was evaluated (per return, measure or value).
    pub evaluated: u64,
}

/// A check as the catalogue lists it (for SARIF rules, JUnit, `explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    pub id: String,
    /// One-line description.
    pub about: String,
    /// Longer documentation (built-ins: what, why, example).
    pub docs: String,
    pub severity: Severity,
    /// Where a user check is written; `None` for built-ins.
    pub rule: Option<crate::diagnostic::RuleRef>,
}

/// Counts for the summary line and JSON `summary`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub returns: usize,
    pub measures: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Waived diagnostics, of any severity: not counted in `errors`,
    /// `warnings` or `infos`.
    pub waived: usize,
    pub green: usize,
    pub amber: usize,
    pub red: usize,
    /// Measures with no computed status.
    pub none: usize,
    pub not_evaluated: u64,
}

impl FileReport {
    /// Add the next piece of the same file ([`Piece`]) to this report.
    pub fn absorb(&mut self, piece: FileReport) {
        self.diagnostics.extend(piece.diagnostics);
        self.returns.extend(piece.returns);
        match (&mut self.source, piece.source) {
            (None, source) => self.source = source,
            (Some(mine), Some(theirs)) if !Arc::ptr_eq(mine, &theirs) => {
                Arc::make_mut(mine).absorb(&theirs);
            }
            _ => {}
        }
        self.piece.more = piece.piece.more;
    }

    /// Every diagnostic of the file: its own first, then its returns'.
    pub fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .chain(self.returns.iter().flat_map(|r| r.diagnostics.iter()))
    }

    /// This file's counts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: usize::from(!self.rule_file && !self.piece.continued),
            ..Summary::default()
        };
        for d in self.all_diagnostics() {
            if d.is_waived() {
                s.waived += 1;
                continue;
            }
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        for r in &self.returns {
            s.returns += 1;
            s.not_evaluated += r.not_evaluated;
            for m in &r.measures {
                s.measures += 1;
                match m.rag {
                    Some(Rag::Green) => s.green += 1,
                    Some(Rag::Amber) => s.amber += 1,
                    Some(Rag::Red) => s.red += 1,
                    None => s.none += 1,
                }
            }
        }
        s
    }
}

impl Summary {
    /// Add another part's counts (one file's, when streaming).
    pub fn add(&mut self, other: &Summary) {
        self.files += other.files;
        self.returns += other.returns;
        self.measures += other.measures;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
        self.waived += other.waived;
        self.green += other.green;
        self.amber += other.amber;
        self.red += other.red;
        self.none += other.none;
        self.not_evaluated += other.not_evaluated;
    }
}

impl Report {
    /// Every diagnostic, file-level ones first within each file.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(FileReport::all_diagnostics)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.files {
            s.add(&f.summary());
        }
        s
    }

    /// The most severe (unwaived) diagnostic, for the exit code.
    pub fn worst(&self) -> Option<Severity> {
        self.diagnostics()
            .filter(|d| !d.is_waived())
            .map(|d| d.severity)
            .max()
    }
}

/// What one waiver met in one return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index in [`crate::ir::RuleSet::waivers`].
    pub waiver: usize,
    /// Diagnostics it waived.
    pub waived: u32,
    /// Diagnostics it would have waived, but the return's period is after
    /// its `until`.
    pub expired: u32,
    /// The first of those, as `file:line:column (period)`.
    pub first_expired: Option<String>,
}

/// Lines of context a snippet of human output shows above and below a
/// place.
pub const SNIPPET_CONTEXT: usize = 1;

/// The most text a snippet of human output may show on each side of a
/// place; a place on a longer line is shown as `file:line:column`.
pub const SNIPPET_WINDOW: usize = 64 * 1024;

/// How far from a place human output looks for its line's ends (a line of
/// more than this many bytes is shown as an excerpt) and for control
/// characters, in bytes.
pub const SNIPPET_REACH: usize = 4 * 160 + 4;

/// The stretch of a file's text that the human and HTML renderers read to
/// show the place `start..end`: `Some((from, to))`, or `None` when `text`
/// (the file's bytes from `base`; the file is `len` bytes long) does not
/// reach far enough to tell, and more must be read around the place.
///
/// Human output looks up to [`SNIPPET_CONTEXT`] lines (counted by `\n`)
/// above and below, no further than [`SNIPPET_WINDOW`] bytes, and
/// [`SNIPPET_REACH`] bytes around for long lines and control characters
/// (twice that); HTML shows the whole line. A piece of a CSV file's report
/// holds the text of these stretches only, and renders exactly as with the
/// whole text.
pub fn snippet_region(
    text: &str,
    base: usize,
    len: usize,
    start: usize,
    end: usize,
) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (top, bottom) = (base, base + bytes.len());
    let s = start.min(len);
    let e = end.max(start).min(len);
    if s < top || e > bottom {
        return None;
    }
    let newlines = SNIPPET_CONTEXT + 3;
    let reach = 2 * SNIPPET_REACH;
    let at = |i: usize| bytes[i - base];
    // Above: the window's lines, the HTML line's start, the reach.
    let floor = s.saturating_sub(SNIPPET_WINDOW);
    let mut found = 0;
    let mut i = s;
    let mut window_from = None;
    while i > top.max(floor) {
        i -= 1;
        if at(i) == b'\n' {
            found += 1;
            if found == newlines {
                window_from = Some(i);
                break;
            }
        }
    }
    let window_from = match window_from {
        Some(w) => w,
        None if i == floor => floor,
        None if i == 0 => 0,
        None => return None,
    };
    let line_from = match memchr::memrchr(b'\n', &bytes[..s - base]) {
        Some(i) => base + i,
        None if top == 0 => 0,
        None => return None,
    };
    let wanted = s.saturating_sub(reach);
    if wanted < top {
        return None;
    }
    let from = wanted.min(window_from).min(line_from);
    // Below, likewise.
    let ceiling = e.saturating_add(SNIPPET_WINDOW).min(len);
    let mut found = 0;
    let mut i = e;
    let mut window_to = None;
    while i < bottom.min(ceiling) {
        if at(i) == b'\n' {
            found += 1;
            if found == newlines {
                window_to = Some(i + 1);
                break;
            }
        }
        i += 1;
    }
    let window_to = match window_to {
        Some(w) => w,
        None if i == ceiling => ceiling,
        None => return None,
    };
    let line_to = match memchr::memchr(b'\n', &bytes[s - base..]) {
        Some(i) => s + i + 1,
        None if bottom == len => len,
        None => return None,
    };
    let wanted = e.saturating_add(reach).min(len);
    if wanted > bottom {
        return None;
    }
    let to = wanted.max(window_to).max(line_to);
    Some((from.saturating_sub(4), to.saturating_add(4).min(len)))
}
