//! `--format github`: GitHub Actions workflow commands, one annotation per
//! diagnostic, and a Markdown summary for `$GITHUB_STEP_SUMMARY`.
//!
//! ```text
//! ::error file=samples/q4.yaml,line=14,col=11,endLine=14,endColumn=14,title=percent_range::a percentage …
//! ```
//!
//! Info becomes `::notice`, as does anything waived. The message carries the
//! help and the rule on further lines (escaped as `%0A`). A spreadsheet
//! cell has no line GitHub could show, so its annotation names the file and
//! puts the cell in the message.
//!
//! GitHub shows only the first ten annotations of each kind per step, which
//! is why the CLI also appends a [`StepSummary`] to the step summary: counts
//! and each return's RAG table and problems.
//!
//! Both stream ([`Github`]): [`file()`] writes one file's annotations as it
//! comes, and [`StepSummary`] keeps only the part of the summary that can
//! be shown.

use std::fmt::Write as _;
use std::io;

use super::{Finished, RenderOptions, Renderer, count, return_title, summary_line};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rag::Rag;
use crate::report::{FileReport, MeasureReport, ReturnReport, Summary};

/// `--format github`: each file's annotations written as they come and,
/// with [`RenderOptions::step_summary`], the step summary built as they
/// come and handed back at the end.
pub struct Github {
    step_summary: bool,
}

impl Github {
    pub fn new(opts: &RenderOptions) -> Github {
        Github {
            step_summary: opts.step_summary,
        }
    }
}

impl Renderer for Github {
    /// The file's counts, its annotations, and its sections of the step
    /// summary (none when there is no step summary to make).
    type Part = (Summary, Vec<u8>, Vec<String>);
    type Document = Option<StepSummary>;

    fn start(&self) -> Option<StepSummary> {
        self.step_summary.then(StepSummary::new)
    }

    fn part(&self, file: FileReport) -> io::Result<Self::Part> {
        let mut text = Vec::new();
        self::file(&file, &mut text)?;
        let sections = match self.step_summary {
            true => sections(&file),
            false => Vec::new(),
        };
        Ok((file.summary(), text, sections))
    }

    fn take(
        &self,
        doc: &mut Option<StepSummary>,
        (summary, text, sections): Self::Part,
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        if let Some(doc) = doc {
            doc.push(&summary, sections);
        }
        out.write_all(&text)
    }

    fn finish(&self, doc: Option<StepSummary>, _out: &mut dyn io::Write) -> io::Result<Finished> {
        Ok(Finished {
            step_summary: doc.map(StepSummary::finish),
        })
    }
}

/// Write the workflow commands of one file's diagnostics: its own, then
/// its returns'.
pub fn file(file: &FileReport, out: &mut dyn io::Write) -> io::Result<()> {
    for d in file.all_diagnostics() {
        writeln!(out, "{}", command(d, &file.path))?;
    }
    Ok(())
}

/// One diagnostic's workflow command; `path` is its file's, for a
/// diagnostic that has no location of its own.
pub fn command(d: &Diagnostic, path: &str) -> String {
    let kind = match (d.severity, d.is_waived()) {
        (_, true) | (Severity::Info, _) => "notice",
        (Severity::Warning, _) => "warning",
        (Severity::Error, _) => "error",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    let mut message = d.message.clone();
    match &d.location {
        Some(l) => {
            props.push(("file", l.file.to_string()));
            match &l.cell {
                Some(cell) => message.push_str(&format!(" [{cell}]")),
                None => {
                    props.push(("line", l.line.to_string()));
                    props.push(("col", l.column.to_string()));
                    props.push(("endLine", l.end_line.to_string()));
                    props.push(("endColumn", l.end_column.to_string()));
                }
            }
        }
        None => props.push(("file", path.to_string())),
    }
    let title = match d.is_waived() {
        true => format!("{} (waived)", d.code),
        false => d.code.clone(),
    };
    props.push(("title", title));
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(r) = &d.rule {
        message.push_str(&format!("\nrule: {r}"));
    }
    if let Some(w) = &d.waived {
        message.push_str(&format!(
            "\nwaived ({}) until {}: {} (approved by {}; {})",
            d.severity, w.until, w.reason, w.approved, w.rule
        ));
    }
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&v)))
        .collect();
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// Escape a command's message: `%`, `\r`, `\n`, and every other control
/// character shown visibly (`\u{1b}`), so nothing typed into a return
/// reaches the log's terminal as an escape sequence.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if crate::display::needs_escape(c) => {
                out.push_str(&crate::display::visible(c.encode_utf8(&mut [0; 4])))
            }
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value: as data, and `:` and `,` too.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub takes at most 1 MiB of summary per step; stay well under it.
const SUMMARY_LIMIT: usize = 900 * 1024;

/// The Markdown step summary: counts, then per file and return its
/// problems and RAG table; sections past `SUMMARY_LIMIT` are counted, not
/// shown. It is built file by file. The counts come first in the Markdown but are known only at
/// the end, so the sections are kept as they come for as long as they
/// could still fit under the limit (the counts take at least nothing);
/// past that, they are only counted. [`StepSummary::finish`] then cuts
/// them where a summary made from the whole report would be cut.
pub struct StepSummary {
    counts: Summary,
    /// The sections kept, one after another.
    shown: String,
    /// Where each kept section ends in `shown`.
    ends: Vec<usize>,
    /// Sections seen, kept or not.
    sections: usize,
    /// Whether a section has been left out: every later one is, too.
    full: bool,
    limit: usize,
}

impl Default for StepSummary {
    fn default() -> Self {
        StepSummary::new()
    }
}

impl StepSummary {
    pub fn new() -> StepSummary {
        StepSummary::with_limit(SUMMARY_LIMIT)
    }

    fn with_limit(limit: usize) -> StepSummary {
        StepSummary {
            counts: Summary::default(),
            shown: String::new(),
            ends: Vec::new(),
            sections: 0,
            full: false,
            limit,
        }
    }

    /// Add one file's sections already rendered by [`sections`] (on
    /// another thread, say), with the file's counts.
    pub fn push(&mut self, counts: &Summary, sections: Vec<String>) {
        self.counts.add(counts);
        for section in sections {
            self.sections += 1;
            if self.full || self.shown.len() + section.len() > self.limit {
                self.full = true;
            } else {
                self.shown.push_str(&section);
                self.ends.push(self.shown.len());
            }
        }
    }

    /// The Markdown.
    pub fn finish(self) -> String {
        let mut md = counts_head(&self.counts);
        // The sections that fit after the counts: a section is shown when
        // it and all before it fit.
        let head = md.len();
        let shown = self
            .ends
            .iter()
            .take_while(|&&end| head + end <= self.limit)
            .count();
        let end = shown
            .checked_sub(1)
            .and_then(|last| self.ends.get(last))
            .map_or(0, |&end| end);
        md.push_str(self.shown.get(..end).unwrap_or_default());
        let left_out = self.sections - shown;
        if left_out > 0 {
            let _ = writeln!(
                md,
                "_{} more not shown here: see the job's full output._",
                count(left_out, "section", "sections")
            );
        }
        md
    }
}

/// The step summary's head: the counts and the RAG totals.
fn counts_head(s: &Summary) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "## ragcheck\n");
    let _ = writeln!(md, "**{}**  ", summary_line(s));
    let _ = write!(
        md,
        "RAG: {} green, {} amber, {} red, {} none",
        s.green, s.amber, s.red, s.none
    );
    if s.not_evaluated > 0 {
        let _ = write!(
            md,
            "; {} not evaluated (a value was missing)",
            count(s.not_evaluated as usize, "condition", "conditions")
        );
    }
    md.push_str("\n\n");
    md
}

/// A file's sections of the step summary: its file-level problems, then
/// each return.
pub fn sections(file: &FileReport) -> Vec<String> {
    let mut out = Vec::new();
    if !file.diagnostics.is_empty() {
        let mut md = format!("### {}\n\n", escape_md(&file.path));
        problems(&mut md, &file.diagnostics);
        out.push(md);
    }
    for r in &file.returns {
        out.push(return_section(file, r));
    }
    out
}

fn return_section(file: &FileReport, r: &ReturnReport) -> String {
    let mut md = format!(
        "### {} ({})\n\n",
        escape_md(&return_title(
            r.organisation.as_deref(),
            r.period.as_deref()
        )),
        escape_md(&file.path)
    );
    if !r.measures.is_empty() {
        md.push_str("| measure | value | declared | computed | |\n|---|---|---|---|---|\n");
        for m in &r.measures {
            md.push_str(&row(m));
        }
        md.push('\n');
    }
    problems(&mut md, &r.diagnostics);
    md
}

fn row(m: &MeasureReport) -> String {
    let declared = match (&m.status_text, m.status) {
        (Some(text), Some(rag)) => format!("{} {}", dot(rag), escape_md(text)),
        (Some(text), None) => escape_md(text),
        (None, Some(rag)) => format!("{} {}", dot(rag), rag),
        (None, None) => "—".to_string(),
    };
    let computed = m
        .rag
        .map_or("—".to_string(), |rag| format!("{} {rag}", dot(rag)));
    let differs = matches!((m.status, m.rag), (Some(d), Some(c)) if d != c);
    format!(
        "| {} | {} | {declared} | {computed} | {} |\n",
        escape_md(&m.id),
        m.value.as_deref().map_or("—".to_string(), escape_md),
        if differs { "✗ differs" } else { "" }
    )
}

fn dot(rag: Rag) -> &'static str {
    match rag {
        Rag::Green => "🟢",
        Rag::Amber => "🟠",
        Rag::Red => "🔴",
    }
}

/// A collapsed list of problems, when there are any.
fn problems(md: &mut String, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let (mut e, mut w, mut i, mut waived) = (0, 0, 0, 0);
    for d in diagnostics {
        match d.severity {
            _ if d.is_waived() => waived += 1,
            Severity::Error => e += 1,
            Severity::Warning => w += 1,
            Severity::Info => i += 1,
        }
    }
    let waived = match waived {
        0 => String::new(),
        n => format!(", {n} waived"),
    };
    let _ = writeln!(
        md,
        "<details><summary>{}, {}, {}{waived}</summary>\n",
        count(e, "error", "errors"),
        count(w, "warning", "warnings"),
        count(i, "info", "infos")
    );
    for d in diagnostics {
        let place = match &d.location {
            Some(l) => match &l.cell {
                Some(cell) => format!(" {}", escape_md(cell)),
                None => format!(" line {}", l.line),
            },
            None => String::new(),
        };
        let waived = if d.is_waived() { " (waived)" } else { "" };
        let _ = write!(
            md,
            "- **{}**{waived} {}{place}: {}",
            d.severity,
            escape_md(&d.code),
            escape_md(&d.message)
        );
        if let Some(help) = &d.help {
            let _ = write!(md, " — {}", escape_md(help));
        }
        md.push('\n');
    }
    md.push_str("\n</details>\n\n");
}

/// Text as Markdown that shows it literally: on one line, with every
/// character that Markdown or HTML could read as markup inside a table cell
/// or a list item escaped (`!` and `#` can do nothing there once `[` is
/// escaped and nothing starts a line).
fn escape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    // A test fails by panicking: expect is how it says why.
    #![allow(clippy::expect_used, clippy::unwrap_used)]

    use super::*;
    use crate::render::{Format, fixture};
    use crate::report::Report;

    fn annotations(report: &Report) -> String {
        let mut out = Vec::new();
        let opts = RenderOptions::default();
        let finished = crate::render::report(Format::Github, report, &[], &opts, &mut out)
            .expect("writing to a Vec");
        assert_eq!(finished.step_summary, None, "none unless asked for");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn github_annotations() {
        insta::assert_snapshot!(annotations(&fixture::report()));
    }

    fn step_summary(report: &Report) -> String {
        let opts = RenderOptions {
            step_summary: true,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        let finished = crate::render::report(Format::Github, report, &[], &opts, &mut out)
            .expect("writing to a Vec");
        assert_eq!(String::from_utf8_lossy(&out), annotations(report));
        finished.step_summary.expect("asked for")
    }

    #[test]
    fn github_step_summary() {
        insta::assert_snapshot!(step_summary(&fixture::report()));
    }

    /// The step summary as it was made from a whole report, before it was
    /// built file by file: the reference [`StepSummary`] must match.
    fn whole_report_summary(report: &Report, limit: usize) -> String {
        let s = report.summary();
        let mut md = counts_head(&s);
        let mut left_out = 0;
        for file in &report.files {
            for section in sections(file) {
                if left_out > 0 || md.len() + section.len() > limit {
                    left_out += 1;
                } else {
                    md.push_str(&section);
                }
            }
        }
        if left_out > 0 {
            let _ = writeln!(
                md,
                "_{} more not shown here: see the job's full output._",
                count(left_out, "section", "sections")
            );
        }
        md
    }

    #[test]
    fn the_step_summary_built_file_by_file_is_cut_where_it_was() {
        let mut report = fixture::report();
        let files = report.files.clone();
        for _ in 0..3 {
            report.files.extend(files.iter().cloned());
        }
        let whole = whole_report_summary(&report, usize::MAX);
        // Every limit around each place a section could be cut, including
        // those where the counts alone decide.
        let mut limits = vec![0, 1, whole.len(), SUMMARY_LIMIT];
        for (at, _) in whole.match_indices("### ") {
            limits.extend(at.saturating_sub(3)..at + 3);
        }
        for limit in limits {
            let mut summary = StepSummary::with_limit(limit);
            for f in &report.files {
                summary.push(&f.summary(), sections(f));
            }
            assert_eq!(
                summary.finish(),
                whole_report_summary(&report, limit),
                "limit {limit}"
            );
        }
        assert_eq!(step_summary(&report), whole);
        assert_eq!(
            step_summary(&Report::default()),
            whole_report_summary(&Report::default(), SUMMARY_LIMIT)
        );
    }

    #[test]
    fn one_line_per_diagnostic() {
        let report = fixture::report();
        let text = annotations(&report);
        assert_eq!(text.lines().count(), report.diagnostics().count());
        assert!(text.lines().all(|l| l.starts_with("::")));
        assert!(text.contains(
            "::error file=samples/cap-2011-12-q4.yaml,line=14,col=11,endLine=14,endColumn=14,title=percent_range::\
             a percentage must lie between 0%25 and 100%25, found 945%0A\
             help: a typing slip? 945 may be meant as 94.5%25 or 94%25%0A\
             rule: rules/common.rag:3:5\n"
        ));
        assert!(text.contains("::notice file=samples/collection.csv,line=5,"));
        assert!(text.contains("::warning file=samples/cap-2011-12-q4.yaml,line=9,"));
        assert!(text.contains(
            "::error file=samples/bradford.xlsx,title=unparseable_value::`#REF!` is not a value [Sheet1!E7]%0A"
        ));
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        let mut d = fixture::awkward();
        d.waived = Some(fixture::waived());
        let line = command(&d, "unused");
        assert_eq!(
            line,
            "::notice file=odd dir/a%2Cb%3Ac%25.yaml,line=1,col=1,endLine=1,endColumn=2,\
             title=odd%3Acode%2C1 (waived)::\
             50%25 done: a, b <c> & \"d\"%0D%0Asecond line%0Athird%0Ahelp: use 100%25, not 100 %25%0A\
             waived (warning) until 2012/13 Q2: records \"reloaded\" after the SAP migration \
             (approved by Head of Performance; rules/waivers.rag:3:1)"
        );
        // The whole command is one line.
        assert!(!line.contains('\n') && !line.contains('\r'));
        assert_eq!(escape_data("%:,\r\n"), "%25:,%0D%0A");
        assert_eq!(escape_property("%:,\r\n"), "%25%3A%2C%0D%0A");
    }

    #[test]
    fn a_diagnostic_with_no_place_names_its_file() {
        let d = Diagnostic::new(Severity::Error, "invalid_return", "cannot read");
        assert_eq!(
            command(&d, "a,b.csv"),
            "::error file=a%2Cb.csv,title=invalid_return::cannot read"
        );
    }

    #[test]
    fn summary_text_is_escaped() {
        let mut report = fixture::report();
        let r = &mut report.files[0].returns[0];
        r.organisation = Some("A | B <script>".into());
        r.measures[0].value = Some("*1* | `2`\n3".into());
        let md = step_summary(&report);
        assert!(md.contains("### A \\| B \\<script\\> 2011/12 Q3"), "{md}");
        assert!(
            md.contains("| appraisals | \\*1\\* \\| \\`2\\` 3 |"),
            "{md}"
        );
    }

    #[test]
    fn a_huge_summary_is_cut_short() {
        let mut report = fixture::report();
        let csv = report.files[3].clone();
        for _ in 0..5000 {
            report.files.push(csv.clone());
        }
        let md = step_summary(&report);
        assert!(md.len() <= SUMMARY_LIMIT + 200, "{}", md.len());
        assert!(md.ends_with("not shown here: see the job's full output._\n"));
    }
}
