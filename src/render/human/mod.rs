//! Output for a person: each diagnostic as a miette snippet with the value
//! underlined, then each return's RAG table, then a summary line.
//!
//! This is the only module that knows miette. Our [`Diagnostic`] is adapted
//! into a small [`miette::Diagnostic`] (`Shown`) over a `Window` of the
//! file's text, and rendered to the width the CLI gives
//! ([`RenderOptions::width`], 100 columns by default). Text is wrapped
//! between words only: a word or a path longer than a line runs past the
//! edge rather than being cut (a path cut at a hyphen cannot be copied).

use std::fmt;
use std::io;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::{
    Counted, Finished, RenderOptions, Renderer, count, return_title, summary_line, unread_note,
};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::display::{quote, visible, visible_lines};
use crate::report::{FileReport, Summary};
use crate::span::{Chunk, Chunks};

mod snippet;
mod table;

use snippet::Window;

/// Width of the output, in columns, unless [`RenderOptions::width`] says
/// otherwise: what output to a file or a pipe (and every snapshot) has.
pub const WIDTH: usize = 100;

/// The narrowest output laid out: below this, snippets have no room.
pub const MIN_WIDTH: usize = 40;

/// Context lines around a snippet.
const CONTEXT: usize = crate::report::SNIPPET_CONTEXT;

/// `--format human`: every problem, each return's RAG table and the
/// summary line. With [`RenderOptions::quiet`], only the problems, under
/// the heading of the file or return they belong to. Each file is written
/// as it comes; the document keeps only the counts, for the summary.
pub struct Human {
    opts: RenderOptions,
}

impl Human {
    pub fn new(opts: &RenderOptions) -> Human {
        Human { opts: opts.clone() }
    }
}

impl Renderer for Human {
    type Part = Counted;
    type Document = Summary;

    fn wants_sources(&self) -> bool {
        true
    }

    fn start(&self) -> Summary {
        Summary::default()
    }

    fn part(&self, file: FileReport) -> io::Result<Self::Part> {
        let mut text = Vec::new();
        self::file(&file, &self.opts, &mut text)?;
        Ok(Counted::new(&file, text))
    }

    fn take(&self, doc: &mut Summary, part: Counted, out: &mut dyn io::Write) -> io::Result<()> {
        part.take(doc, out)
    }

    fn finish(&self, doc: Summary, out: &mut dyn io::Write) -> io::Result<Finished> {
        self::summary(&doc, &self.opts, out)?;
        Ok(Finished::default())
    }
}

/// One file's part of the output: its problems and RAG tables.
pub fn file(file: &FileReport, opts: &RenderOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let printer = Printer::new(opts);
    let source = |path: &str| {
        if path == &*file.path {
            file.source.clone()
        } else {
            None
        }
    };
    let source: &dyn Fn(&str) -> Option<Arc<Chunks>> = &source;
    if !file.diagnostics.is_empty() {
        printer.heading(&quote(&file.path), out)?;
        for d in &file.diagnostics {
            printer.diagnostic(d, source, true, out)?;
        }
    }
    for ret in &file.returns {
        if opts.quiet && ret.diagnostics.is_empty() {
            continue;
        }
        let title = return_title(ret.organisation.as_deref(), ret.period.as_deref());
        printer.heading(&format!("{} ({})", quote(&title), quote(&file.path)), out)?;
        for d in &ret.diagnostics {
            printer.diagnostic(d, source, true, out)?;
        }
        if !opts.quiet {
            table::write(ret, opts.color, out)?;
        }
    }
    Ok(())
}

/// The closing summary (nothing when quiet).
pub fn summary(s: &Summary, opts: &RenderOptions, out: &mut dyn io::Write) -> io::Result<()> {
    if opts.quiet {
        return Ok(());
    }
    Printer::new(opts).summary(s, &unread_note(opts), out)
}

/// Render diagnostics that belong to no return, such as rule-file compile
/// errors; `source` gives a file's text by path, for snippets. Ends with a
/// count line when there is anything to count.
pub fn diagnostics(
    diags: &[Diagnostic],
    source: &dyn Fn(&str) -> Option<Arc<str>>,
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let printer = Printer::new(opts);
    let source = |path: &str| source(path).map(|text| Arc::new(Chunks::whole(text)));
    for d in diags {
        printer.diagnostic(d, &source, false, out)?;
    }
    if diags.is_empty() {
        return Ok(());
    }
    let mut s = Summary::default();
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    writeln!(
        out,
        "{}",
        printer.bold(&format!(
            "{}, {}, {}",
            count(s.errors, "error", "errors"),
            count(s.warnings, "warning", "warnings"),
            count(s.infos, "info", "infos"),
        ))
    )
}

struct Printer {
    width: usize,
    handler: GraphicalReportHandler,
    /// Without colours, for waived diagnostics: they are greyed as a whole.
    plain: GraphicalReportHandler,
    color: bool,
}

impl Printer {
    fn new(opts: &RenderOptions) -> Printer {
        let theme = if opts.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let width = opts.width.unwrap_or(WIDTH).max(MIN_WIDTH);
        let handler = |theme| {
            GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                // At spaces only: never inside a word, never at a hyphen
                // (`leeds-` / `cap.rag`) or a slash, so a path stays whole.
                .with_break_words(false)
                .with_word_separator(textwrap::WordSeparator::AsciiSpace)
                .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
                .with_links(false)
                .with_context_lines(CONTEXT)
                .with_show_related_as_nested(true)
        };
        Printer {
            width,
            handler: handler(theme),
            plain: handler(GraphicalTheme::unicode_nocolor()),
            color: opts.color,
        }
    }

    /// One diagnostic, then (for returns) the rule that raised it, then a
    /// blank line.
    fn diagnostic(
        &self,
        d: &Diagnostic,
        source: &dyn Fn(&str) -> Option<Arc<Chunks>>,
        name_rule: bool,
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        let texts = Texts::collect(d, source);
        let shown = Shown::new(d, &texts);
        let handler = match d.waived {
            Some(_) => &self.plain,
            None => &self.handler,
        };
        let mut text = String::new();
        if handler.render_report(&mut text, &shown).is_err() {
            // miette could not lay the snippet out: say it plainly.
            text = format!("{}: {}\n", shown.code, quote(&d.message));
        }
        let text = text.trim_end();
        match d.waived {
            // Greyed as a whole, line by line (a terminal may reset the
            // attribute at a line break).
            Some(_) if self.color => {
                for line in text.lines() {
                    writeln!(out, "{}", self.dim(line))?;
                }
            }
            _ => writeln!(out, "{text}")?,
        }
        if name_rule {
            let rule = match &d.rule {
                Some(r) => format!("rule: {}", visible(&r.to_string())),
                None => "built-in check".to_string(),
            };
            writeln!(out, "  {}", self.dim(&rule))?;
        }
        if let Some(w) = &d.waived {
            let waived = format!(
                "waived until {}: {} (approved by {}; {})",
                visible(&w.until.to_string()),
                visible(&w.reason),
                visible(&w.approved),
                visible(&w.rule.to_string()),
            );
            writeln!(out, "  {}", self.dim(&waived))?;
        }
        writeln!(out)
    }

    /// A file's or a return's heading, underlined.
    fn heading(&self, title: &str, out: &mut dyn io::Write) -> io::Result<()> {
        let rule = "═".repeat(title.chars().count().min(self.width));
        writeln!(out, "{}\n{}\n", self.bold(title), self.dim(&rule))
    }

    fn summary(&self, s: &Summary, note: &str, out: &mut dyn io::Write) -> io::Result<()> {
        writeln!(out, "{}", self.bold(&format!("{}{note}", summary_line(s))))?;
        let mut rag = format!(
            "RAG: {} green, {} amber, {} red, {} none",
            s.green, s.amber, s.red, s.none
        );
        if s.not_evaluated > 0 {
            rag.push_str(&format!(
                "; {} not evaluated (a value was missing)",
                count(s.not_evaluated as usize, "condition", "conditions")
            ));
        }
        writeln!(out, "{rag}")
    }

    fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn dim(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The text of every file a diagnostic names, fetched once.
struct Texts {
    files: Vec<(Arc<str>, Arc<Chunks>)>,
}

impl Texts {
    fn collect(d: &Diagnostic, source: &dyn Fn(&str) -> Option<Arc<Chunks>>) -> Texts {
        let mut files: Vec<(Arc<str>, Arc<Chunks>)> = Vec::new();
        let places = d.location.iter().chain(d.related.iter().map(|(l, _)| l));
        for l in places {
            if l.cell.is_none()
                && !files.iter().any(|(f, _)| f == &l.file)
                && let Some(text) = source(&l.file)
            {
                files.push((l.file.clone(), text));
            }
        }
        Texts { files }
    }
}

/// Lines longer than this (a CSV row, say) are not shown whole: the
/// diagnostic names the place and quotes the text around it.
const LONG_LINE: usize = 160;

/// For a location on a long line, the text around it with the located part
/// marked: `…,58%,»945«,97%,`. `None` for a line short enough to show,
/// unless `always`. Control characters are shown as escapes.
///
/// Only a bounded stretch of text around the location is looked at, so
/// that thousands of diagnostics on one line megabytes long (minified
/// JSON, a wide CSV header) cost no more than on short lines.
fn excerpt(l: &Location, chunk: &Chunk, len: usize, always: bool) -> Option<String> {
    const AROUND: usize = 40;
    // A line of more than this many bytes has more than LONG_LINE
    // characters.
    const REACH: usize = crate::report::SNIPPET_REACH;
    let breaks = |c: char| c == '\n' || c == '\r';
    // Offsets in the chunk's text.
    let (text, base) = (&*chunk.text, chunk.base);
    let (l_start, l_end) = (l.start.saturating_sub(base), l.end.saturating_sub(base));
    let start = floor_boundary(text, l_start.min(text.len()));
    let back = floor_boundary(text, start.saturating_sub(REACH));
    let ahead = floor_boundary(text, start.saturating_add(REACH).min(text.len()));
    let line_start = text[back..start].rfind(breaks).map(|i| back + i + 1);
    let line_start = line_start.or((base + back == 0).then_some(0));
    let line_end = text[start..ahead].find(breaks).map(|i| start + i);
    let line_end = line_end.or((base + ahead == len).then_some(ahead));
    if !always
        && let (Some(from), Some(to)) = (line_start, line_end)
        && text[from..to].chars().count() <= LONG_LINE
    {
        return None;
    }
    let end = floor_boundary(text, l_end.clamp(start, text.len()));
    let mut inside = String::new();
    let mut line_ends = false;
    for (n, c) in text[start..end].chars().enumerate() {
        if breaks(c) {
            line_ends = true;
            break;
        }
        if n == 2 * AROUND {
            inside.push('…');
            break;
        }
        inside.push(c);
    }
    let mut before: Vec<char> = text[..start]
        .chars()
        .rev()
        .take_while(|&c| !breaks(c))
        .take(AROUND + 1)
        .collect();
    let dots_before = if before.len() > AROUND {
        before.truncate(AROUND);
        "…"
    } else {
        ""
    };
    let head: String = before.into_iter().rev().collect();
    let mut tail: String = String::new();
    let mut dots_after = "";
    if !line_ends {
        for (n, c) in text[end..].chars().take_while(|&c| !breaks(c)).enumerate() {
            if n == AROUND {
                dots_after = "…";
                break;
            }
            tail.push(c);
        }
    }
    Some(visible(&format!("{dots_before}{head}»{inside}«{tail}{dots_after}")).into_owned())
}

/// Whether a snippet at `l` would show a control character of the text
/// (an escape sequence typed into a return) or of the file's name: miette
/// prints source lines as they are, so such a place is shown as an
/// excerpt, with the characters escaped. Looks only at the few lines a
/// snippet would show.
fn shows_controls(l: &Location, chunk: &Chunk) -> bool {
    const REACH: usize = crate::report::SNIPPET_REACH;
    let (text, base) = (&*chunk.text, chunk.base);
    let (l_start, l_end) = (l.start.saturating_sub(base), l.end.saturating_sub(base));
    let from = floor_boundary(text, l_start.min(text.len()).saturating_sub(2 * REACH));
    let to = floor_boundary(
        text,
        l_end
            .min(text.len())
            .saturating_add(2 * REACH)
            .min(text.len()),
    );
    let controls = |s: &str| {
        s.chars()
            .any(|c| !matches!(c, '\n' | '\r' | '\t') && crate::display::needs_escape(c))
    };
    controls(&text[from..to]) || controls(&l.file)
}

/// The largest character boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A place shown without a snippet: `file [Sheet1!E7]` or `file:line:column`.
fn place(l: &Location) -> String {
    visible(&l.to_string()).into_owned()
}

/// Our diagnostic, as miette wants to see it.
struct Shown<'a> {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    window: Option<Window<'a>>,
    labels: Vec<LabeledSpan>,
    /// Where it is, when there is no snippet to show it.
    at: Option<At>,
    /// Related places in other files, or not shown in the snippet.
    related: Vec<Shown<'a>>,
}

impl<'a> Shown<'a> {
    fn new(d: &'a Diagnostic, texts: &'a Texts) -> Shown<'a> {
        let mut code = format!("{}[{}]", d.severity, d.code);
        if d.is_waived() {
            code.push_str(" (waived)");
        }
        let mut shown = Shown {
            code,
            message: visible_lines(&d.message).into_owned(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            help: d.help.as_deref().map(|h| visible_lines(h).into_owned()),
            window: None,
            labels: Vec::new(),
            at: None,
            related: Vec::new(),
        };
        let Some(primary) = &d.location else {
            for (l, label) in &d.related {
                shown.related.push(Shown::note(l, label, texts));
            }
            return shown;
        };
        match snippet_window(primary, texts) {
            Some(mut window) => {
                let span = window.span(primary.start, primary.end);
                shown.labels.push(LabeledSpan::new_primary_with_span(
                    d.label.as_deref().map(|l| visible(l).into_owned()),
                    span,
                ));
                for (l, label) in &d.related {
                    if l.file == primary.file && l.cell.is_none() {
                        window.anchor(l.start, l.line);
                        let span = window.span(l.start, l.end);
                        if window.fits(span, CONTEXT) {
                            shown.labels.push(LabeledSpan::new_with_span(
                                Some(visible(label).into_owned()),
                                span,
                            ));
                            continue;
                        }
                    }
                    shown.related.push(Shown::note(l, label, texts));
                }
                shown.window = Some(window);
            }
            None => {
                let mut at = place(primary);
                if let Some(label) = &d.label {
                    at.push_str(&format!(": {}", visible(label)));
                }
                if let Some((_, chunks)) = texts.files.iter().find(|(f, _)| *f == primary.file)
                    && let Some(chunk) =
                        chunks.at(primary.start.min(chunks.len), primary.start.min(chunks.len))
                    && let Some(line) =
                        excerpt(primary, chunk, chunks.len, shows_controls(primary, chunk))
                {
                    at.push('\n');
                    at.push_str(&line);
                }
                shown.at = Some(At(at));
                for (l, label) in &d.related {
                    shown.related.push(Shown::note(l, label, texts));
                }
            }
        }
        shown
    }

    /// A related place, shown as a note of its own.
    fn note(l: &'a Location, label: &str, texts: &'a Texts) -> Shown<'a> {
        let mut note = Shown {
            code: String::new(),
            message: visible_lines(label).into_owned(),
            severity: miette::Severity::Advice,
            help: None,
            window: None,
            labels: Vec::new(),
            at: None,
            related: Vec::new(),
        };
        match snippet_window(l, texts) {
            Some(window) => {
                note.labels.push(LabeledSpan::new_primary_with_span(
                    None,
                    window.span(l.start, l.end),
                ));
                note.window = Some(window);
            }
            None => note.message = format!("{} ({})", visible(label), place(l)),
        }
        note
    }
}

/// A window on the text of the location's file, when it has text and the
/// snippet fits.
fn snippet_window<'a>(l: &Location, texts: &'a Texts) -> Option<Window<'a>> {
    if l.cell.is_some() {
        return None;
    }
    let (name, chunks) = texts
        .files
        .iter()
        .find(|(f, _)| *f == l.file)
        .map(|(f, t)| (&**f, &**t))?;
    let at = l.start.min(chunks.len);
    let chunk = chunks.at(at, at)?;
    if excerpt(l, chunk, chunks.len, false).is_some() || shows_controls(l, chunk) {
        return None;
    }
    let mut window = Window::new(name, chunks);
    window.anchor(l.start, l.line);
    window
        .fits(window.span(l.start, l.end), CONTEXT)
        .then_some(window)
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.at.as_ref().map(|at| at as _)
    }
}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.window.as_ref().map(|w| w as _)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as _)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as _)
    }
}

/// Where a diagnostic is, shown as its cause when there is no snippet.
#[derive(Debug)]
struct At(String);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}", self.0)
    }
}

impl std::error::Error for At {}

#[cfg(test)]
mod tests;
