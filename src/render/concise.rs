//! `--format concise`: one line per diagnostic, as ruff's
//! `--output-format concise` and compilers write them, for a terminal that
//! wants a list, `grep`, or an editor's quickfix list:
//!
//! ```text
//! docs/examples/my-return.yaml:13:11: error[percent_range] a percentage must lie between 0% and 100%, found 945
//! samples/q3.xlsx:Scorecard!E7: warning[sudden_jump] appraisals: 945 is more than five times …
//! ```
//!
//! A spreadsheet cell takes the place of line and column. A waived
//! diagnostic ends in `(waived)`. The summary line closes the list, as in
//! human output (not with `--quiet`). Each line is whole however narrow the
//! terminal: it is never wrapped.

use std::io;

use super::{Counted, Finished, RenderOptions, Renderer, summary_line, unread_note};
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::{FileReport, Summary};

/// `--format concise`.
pub struct Concise {
    opts: RenderOptions,
}

impl Concise {
    pub fn new(opts: &RenderOptions) -> Concise {
        Concise { opts: opts.clone() }
    }
}

impl Renderer for Concise {
    type Part = Counted;
    type Document = Summary;

    fn start(&self) -> Summary {
        Summary::default()
    }

    fn part(&self, file: FileReport) -> io::Result<Self::Part> {
        let mut text = Vec::new();
        for d in file.all_diagnostics() {
            line(d, &file.path, self.opts.color, &mut text)?;
        }
        Ok(Counted::new(&file, text))
    }

    fn take(&self, doc: &mut Summary, part: Counted, out: &mut dyn io::Write) -> io::Result<()> {
        part.take(doc, out)
    }

    fn finish(&self, doc: Summary, out: &mut dyn io::Write) -> io::Result<Finished> {
        if !self.opts.quiet {
            writeln!(out, "{}{}", summary_line(&doc), unread_note(&self.opts))?;
        }
        Ok(Finished::default())
    }
}

/// One diagnostic on one line; `path` is its file's, for a diagnostic that
/// has no location of its own.
pub fn line(d: &Diagnostic, path: &str, color: bool, out: &mut dyn io::Write) -> io::Result<()> {
    let place = match &d.location {
        Some(l) => match &l.cell {
            Some(cell) => format!("{}:{cell}", l.file),
            None => l.to_string(),
        },
        None => path.to_string(),
    };
    let severity = match (color, d.severity) {
        (false, s) => s.to_string(),
        (true, Severity::Error) => format!("\x1b[1;31m{}\x1b[0m", d.severity),
        (true, Severity::Warning) => format!("\x1b[1;33m{}\x1b[0m", d.severity),
        (true, Severity::Info) => format!("\x1b[1;34m{}\x1b[0m", d.severity),
    };
    let waived = if d.is_waived() { " (waived)" } else { "" };
    writeln!(
        out,
        "{}: {severity}[{}] {}{waived}",
        one_line(&place),
        d.code,
        one_line(&d.message)
    )
}

/// Text on one line: line breaks and other control characters become
/// spaces, so that one diagnostic is always one line, and nothing from a
/// return can move the terminal's cursor.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
