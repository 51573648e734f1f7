//! `--format html`: one self-contained page a performance officer can
//! open, print and forward (SPEC 4.3).
//!
//! - Self-contained: the style sheet, the script and every chart are
//!   inline, and a Content-Security-Policy of `default-src 'none'` (the
//!   style and the script allowed by their hashes) means the page cannot
//!   make a network request, nor run a script that text from a return
//!   might smuggle in. Every text from a return or a rule is escaped.
//! - Readable with JavaScript off: sections are `<details>`, the overview
//!   a plain table. The script only adds sorting, a filter, buttons to open
//!   or close every section, and opens every section before printing.
//! - RAG is never colour alone: each status is a word or letter, and a
//!   shape (a circle for green, a triangle for amber, a diamond for red).
//! - Order: a summary (counts by severity, the RAG distribution); for a
//!   collection, an overview table of returns × measures; the returns with
//!   problems, each with its RAG table, a chart per measure and every
//!   diagnostic; then the clean returns.
//! - Scale: a run of more than [`SMALL`] returns keeps every section
//!   closed and lists its clean returns as one row each (their statuses
//!   are in the overview), so the page stays proportionate.
//!
//! Streaming: each file's sections are rendered on its worker, its
//! overview rows as it is taken in (a row's cells follow the columns known
//! so far); all wait in spools until the summary and the overview's
//! columns, which head the page, are known. Memory stays flat: what is
//! held is the list of columns and, for each return, how many cells its
//! row was written with (a later column is added to it as it is copied
//! out).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};

use compact_str::CompactString;

use super::spool::Spool;
use super::{Finished, Renderer, count, return_title, summary_line};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::rag::Rag;
use crate::report::{FileReport, MeasureReport, ReturnReport, Summary};
use crate::span::Chunks;

mod chart;

/// The page's style sheet and script, inline.
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The Content-Security-Policy hashes of [`STYLE`] and [`SCRIPT`] (checked
/// by a test): only they may style the page and run in it.
const STYLE_HASH: &str = "sha256-Q+OiOm0LHqOWA5IGlH80K4gGSDIbGeXb5NX9PllobSc=";
const SCRIPT_HASH: &str = "sha256-HlqD8Kayf6pYSN4fJxvLDTmqklXixoLcCB3djgC7T4o=";

/// A run of at most this many returns is small: every return gets its
/// full section, and the sections with problems start open.
pub const SMALL: usize = 50;

/// Rows of a page of the overview: a larger collection's overview is cut
/// into pages that open and close, the first open.
pub const PAGE_ROWS: usize = 100;

/// Sections of a page of a large run's returns with problems, which are
/// paged as the overview is.
pub const PAGE_SECTIONS: usize = 100;

/// The longest stretch of a source line shown on each side of a value.
const CONTEXT_CHARS: usize = 80;
/// The most of a value shown in its line.
const MARK_CHARS: usize = 200;

/// How a section starts, on a line of its own, so the page can open it
/// (`<details class="ret" open>`) once it is known to be small.
const SECTION_START: &str = "<details class=\"ret\">\n";

/// `--format html`.
#[derive(Debug, Default)]
pub struct Html {
    /// Returns rendered so far: a clean return's full section is made only
    /// while the run could still be small.
    seen: AtomicUsize,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }
}

/// One file's part of the page. A return's section is made in full only
/// while the run could still be small (see `Html::seen`); the compact
/// form, for a large run, is always made.
pub struct Part {
    summary: Summary,
    /// Full sections of file-level problems and of returns with problems.
    full: String,
    /// Full sections of clean returns.
    full_clean: String,
    /// Sections of file-level problems and of returns with problems, as a
    /// large run shows them: only the measures with problems in the RAG
    /// table.
    compact: String,
    /// Sections with problems, and clean returns.
    problem_sections: usize,
    clean: usize,
    rows: Vec<Row>,
}

/// A return's row of the overview, its cells by measure id.
pub struct Row {
    anchor: String,
    title: String,
    problems: usize,
    cells: Vec<(CompactString, Cell)>,
}

/// An overview cell.
#[derive(Clone)]
struct Cell {
    rag: Option<Rag>,
    /// The declared status as typed, when it is not the computed one.
    declared: Option<CompactString>,
    /// Problems found in the measure.
    problems: usize,
}

/// What the page keeps until every file is in: the overview's rows and the
/// sections in spools, and the overview's columns.
pub struct Document {
    summary: Summary,
    full: Spool,
    full_clean: Spool,
    compact: Spool,
    problem_sections: usize,
    clean: usize,
    /// The overview's rows, one a line, each with a cell for every column
    /// known when it was written (a later column leaves it short).
    overview: Spool,
    /// The overview's measure columns, in the order first seen.
    columns: Vec<CompactString>,
    column: HashMap<CompactString, usize>,
    /// How many measure cells each row was written with.
    widths: Vec<u32>,
}

impl Renderer for Html {
    type Part = Part;
    type Document = Document;

    fn wants_sources(&self) -> bool {
        true
    }

    fn wants_values(&self) -> bool {
        true
    }

    fn start(&self) -> Document {
        self.seen.store(0, Ordering::Relaxed);
        Document {
            summary: Summary::default(),
            full: Spool::new("html"),
            full_clean: Spool::new("html"),
            compact: Spool::new("html"),
            problem_sections: 0,
            clean: 0,
            overview: Spool::new("html"),
            columns: Vec::new(),
            column: HashMap::new(),
            widths: Vec::new(),
        }
    }

    fn part(&self, file: FileReport) -> io::Result<Part> {
        let mut part = Part {
            summary: file.summary(),
            full: String::new(),
            full_clean: String::new(),
            compact: String::new(),
            problem_sections: 0,
            clean: 0,
            rows: Vec::with_capacity(file.returns.len()),
        };
        let source = file.source.as_deref();
        if !file.diagnostics.is_empty() {
            let anchor = anchor(&file.path, usize::MAX);
            let mut section = String::from(SECTION_START);
            let _ = write!(section, r#"<summary id="{anchor}"><h3>"#);
            escape(&mut section, &file.path);
            section.push_str("</h3>");
            badges(&mut section, &file.diagnostics);
            section.push_str("</summary>\n<div class=\"body\">\n");
            diagnostics(
                &mut section,
                &anchor,
                &file,
                &file.diagnostics,
                source,
                None,
            );
            section.push_str("</div>\n</details>\n");
            part.full.push_str(&section);
            part.compact.push_str(&section);
            part.problem_sections += 1;
        }
        for (i, r) in file.returns.iter().enumerate() {
            let anchor = anchor(&file.path, file.piece.first_return + i);
            let title = return_title(r.organisation.as_deref(), r.period.as_deref());
            part.rows.push(row(r, &anchor, &title));
            let small = self.seen.fetch_add(1, Ordering::Relaxed) < SMALL;
            if r.diagnostics.is_empty() {
                part.clean += 1;
                if small {
                    return_section(&mut part.full_clean, &file, r, &anchor, &title, false);
                }
            } else {
                part.problem_sections += 1;
                if small {
                    return_section(&mut part.full, &file, r, &anchor, &title, false);
                }
                return_section(&mut part.compact, &file, r, &anchor, &title, true);
            }
        }
        Ok(part)
    }

    fn take(&self, doc: &mut Document, part: Part, _out: &mut dyn io::Write) -> io::Result<()> {
        doc.summary.add(&part.summary);
        doc.full.write_all(part.full.as_bytes())?;
        doc.full_clean.write_all(part.full_clean.as_bytes())?;
        doc.compact.write_all(part.compact.as_bytes())?;
        doc.problem_sections += part.problem_sections;
        doc.clean += part.clean;
        let mut line: Vec<Option<&Cell>> = Vec::new();
        let mut text = String::new();
        for row in &part.rows {
            line.clear();
            for (id, cell) in &row.cells {
                let next = doc.columns.len();
                let column = *doc.column.entry(id.clone()).or_insert(next);
                if column == next {
                    doc.columns.push(id.clone());
                }
                if line.len() <= column {
                    line.resize(column + 1, None);
                }
                line[column] = Some(cell);
            }
            overview_row(&mut text, row, &line);
            doc.widths.push(line.len() as u32);
        }
        doc.overview.write_all(text.as_bytes())
    }

    fn finish(&self, mut doc: Document, out: &mut dyn io::Write) -> io::Result<Finished> {
        // Every return of a small run had its full section made.
        let small = doc.summary.returns <= SMALL;
        let mut head = String::with_capacity(64 * 1024);
        page_head(&mut head, &doc.summary);
        summary(&mut head, &doc.summary);
        out.write_all(head.as_bytes())?;
        if doc.summary.returns > 1 {
            overview(out, &mut doc)?;
        }
        if doc.problem_sections > 0 {
            write!(
                out,
                "<section id=\"problems\" aria-labelledby=\"problems-h\">\n<h2 id=\"problems-h\">Returns with problems</h2>\n"
            )?;
            toggles(out)?;
            if small {
                let open = |line: &[u8]| {
                    (line == SECTION_START.as_bytes())
                        .then(|| b"<details class=\"ret\" open>\n".to_vec())
                };
                doc.full.copy_lines_to(out, &mut |line| open(line))?;
            } else {
                out.write_all(b"<p>A large run: each return's table shows only the measures with problems; every measure's status is in the overview.</p>\n")?;
                paged(out, &mut doc.compact, doc.problem_sections)?;
            }
            out.write_all(b"</section>\n")?;
        }
        if doc.clean > 0 {
            write!(
                out,
                "<section id=\"clean\" aria-labelledby=\"clean-h\">\n<h2 id=\"clean-h\">Returns with no problems ({})</h2>\n",
                doc.clean
            )?;
            if small {
                doc.full_clean.copy_to(out)?;
            } else {
                out.write_all(b"<p>Their statuses are in the overview above.</p>\n")?;
            }
            out.write_all(b"</section>\n")?;
        }
        if doc.summary.returns == 0 && doc.problem_sections == 0 {
            out.write_all(b"<p>No returns were checked.</p>\n")?;
        }
        let mut tail = String::new();
        page_tail(&mut tail);
        out.write_all(tail.as_bytes())?;
        Ok(Finished::default())
    }
}

/// Escape text for HTML, in an element or a double-quoted attribute.
pub(crate) fn escape(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            // Line breaks too: the page's spools are edited line by line.
            b'\n' => "&#10;",
            b'\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        out.push_str(with);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

/// A return's id in the page, from its file and place in it: the same on
/// every run, and unique (a file's own problems have `index` `usize::MAX`).
fn anchor(path: &str, index: usize) -> String {
    let hash = super::sarif::fingerprint(&[path, &index.to_string()]);
    format!("r{hash:016x}")
}

fn rag_class(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Green) => "g",
        Some(Rag::Amber) => "a",
        Some(Rag::Red) => "r",
        None => "n",
    }
}

fn rag_word(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Green) => "Green",
        Some(Rag::Amber) => "Amber",
        Some(Rag::Red) => "Red",
        None => "None",
    }
}

fn rag_letter(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Green) => "G",
        Some(Rag::Amber) => "A",
        Some(Rag::Red) => "R",
        None => "–",
    }
}

/// The declared status as typed, when it says something other than the
/// computed one.
fn declared_if_different(m: &MeasureReport) -> Option<CompactString> {
    let text = m.status_text.as_ref()?;
    match m.status {
        Some(declared) if Some(declared) == m.rag => None,
        _ => Some(text.clone()),
    }
}

fn row(r: &ReturnReport, anchor: &str, title: &str) -> Row {
    let cells = r
        .measures
        .iter()
        .map(|m| {
            let problems = r
                .diagnostics
                .iter()
                .filter(|d| d.measure.as_deref() == Some(&m.id))
                .count();
            let cell = Cell {
                rag: m.rag,
                declared: declared_if_different(m),
                problems,
            };
            (m.id.clone(), cell)
        })
        .collect();
    Row {
        anchor: anchor.to_string(),
        title: title.to_string(),
        problems: r.diagnostics.len(),
        cells,
    }
}

/// The page up to `<main>`.
fn page_head(out: &mut String, s: &Summary) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{STYLE_HASH}'; script-src '{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"ragcheck {}\">\n<title>ragcheck report: ",
        env!("CARGO_PKG_VERSION")
    );
    escape(out, &summary_line(s));
    let _ = write!(
        out,
        "</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#returns-start\">Skip to the returns</a>\n\
         <header>\n<h1>ragcheck report</h1>\n<p class=\"line\">"
    );
    escape(out, &summary_line(s));
    out.push_str("</p>\n</header>\n<main>\n");
}

fn page_tail(out: &mut String) {
    let _ = write!(
        out,
        "</main>\n<footer>\n<p>Made by ragcheck {}. This page is self-contained: it makes no network request.</p>\n</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// Counts by severity and the RAG distribution.
fn summary(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"summary\" aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary</h2>\n<div class=\"cards\">\n");
    out.push_str("<table class=\"counts\">\n<caption>Problems found</caption>\n<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Count</th></tr></thead>\n<tbody>\n");
    for (class, word, n) in [
        ("error", "Errors", s.errors),
        ("warning", "Warnings", s.warnings),
        ("info", "Infos", s.infos),
    ] {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><span class=\"sev {class}\">{word}</span></th><td class=\"num\">{n}</td></tr>"
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let total = s.green + s.amber + s.red + s.none;
    out.push_str("<table class=\"dist\">\n<caption>Computed RAG of ");
    out.push_str(&count(s.measures, "measure", "measures"));
    out.push_str(" in ");
    out.push_str(&count(s.returns, "return", "returns"));
    out.push_str("</caption>\n<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Measures</th><th scope=\"col\">Share</th></tr></thead>\n<tbody>\n");
    for (rag, n) in [
        (Some(Rag::Green), s.green),
        (Some(Rag::Amber), s.amber),
        (Some(Rag::Red), s.red),
        (None, s.none),
    ] {
        let share = if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><span class=\"rag {}\">{}</span></th><td class=\"num\">{n}</td><td><svg width=\"120\" height=\"12\" role=\"img\" aria-label=\"{share:.0}%\"><rect class=\"bg\" x=\"0\" y=\"1\" width=\"120\" height=\"10\" fill=\"#f4f5f7\" stroke=\"#888\"/><rect x=\"0\" y=\"1\" width=\"{:.1}\" height=\"10\" fill=\"#333\"/></svg> {share:.0}%</td></tr>",
            rag_class(rag),
            rag_word(rag),
            share * 1.2
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    if s.not_evaluated > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} not evaluated (a value was missing).</p>",
            count(s.not_evaluated as usize, "condition", "conditions")
        );
    }
    out.push_str("</section>\n");
}

/// The table of returns × measures. A larger collection's is cut into
/// pages of [`PAGE_ROWS`] rows, each a table of its own that opens and
/// closes, the first open: a browser lays out only what is open, and a
/// table of ten thousand rows would take it a minute.
fn overview(out: &mut dyn io::Write, doc: &mut Document) -> io::Result<()> {
    let rows = doc.summary.returns;
    let mut head = String::new();
    head.push_str("<section id=\"overview\" aria-labelledby=\"overview-h\">\n<h2 id=\"overview-h\">Overview</h2>\n");
    head.push_str("<p class=\"muted\">Each cell is the computed status: <span class=\"rag g\">G</span> green, <span class=\"rag a\">A</span> amber, <span class=\"rag r\">R</span> red, <span class=\"rag n\">–</span> none; <small>≠Amber</small>: the status declared, where it differs; <b>!</b>: a problem was found in that measure. A return with problems links to its section.</p>\n");
    head.push_str("<div class=\"tools\" id=\"tools\" hidden><label>Filter <input type=\"search\" id=\"filter\" placeholder=\"organisation, period…\"></label><label><input type=\"checkbox\" id=\"only-problems\"> only returns with problems</label><span id=\"shown\" role=\"status\"></span></div>\n");
    out.write_all(head.as_bytes())?;
    let mut table = String::from(
        "<table class=\"overview\">\n<thead><tr><th scope=\"col\">Return</th><th scope=\"col\">Problems</th>",
    );
    for id in &doc.columns {
        table.push_str("<th scope=\"col\" class=\"m\">");
        escape(&mut table, id);
        table.push_str("</th>");
    }
    table.push_str("</tr></thead>\n<tbody>\n");
    const TABLE_END: &[u8] = b"</tbody>\n</table>\n</div>\n";
    let paged = rows > PAGE_ROWS;
    if !paged {
        out.write_all(
            b"<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Overview\">\n",
        )?;
        out.write_all(table.as_bytes())?;
    }
    let columns = doc.columns.len();
    let widths = std::mem::take(&mut doc.widths);
    let mut n = 0;
    // Each row is one line (an escaped text holds no line break).
    doc.overview.copy_lines_to(out, &mut |line| {
        let row = n;
        n += 1;
        // A row written before the last columns were known gets their
        // cells now, empty.
        let missing = columns.saturating_sub(widths.get(row).copied().unwrap_or(0) as usize);
        let page_start = paged && row % PAGE_ROWS == 0;
        if missing == 0 && !page_start {
            return None;
        }
        let mut edited = Vec::with_capacity(line.len() + 9 * missing + 256);
        if page_start {
            if row > 0 {
                edited.extend_from_slice(TABLE_END);
                if row > PAGE_ROWS {
                    edited.extend_from_slice(b"</noscript>");
                }
                edited.extend_from_slice(b"</details>\n");
            }
            let last = (row + PAGE_ROWS).min(rows);
            // Pages after the first keep their table in a `<noscript>`, as
            // a large run's pages of sections do (see `paged`).
            let (open, hold) = if row == 0 { (" open", "") } else { ("", "<noscript>") };
            let _ = write!(
                edited,
                "<details class=\"page\"{open}>\n<summary>Returns {}–{last} of {rows}</summary>\n{hold}<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Overview, returns {}–{last}\">\n",
                row + 1,
                row + 1
            );
            edited.extend_from_slice(table.as_bytes());
        }
        match line.strip_suffix(b"</tr>\n") {
            Some(cells) if missing > 0 => {
                edited.extend_from_slice(cells);
                (0..missing).for_each(|_| edited.extend_from_slice(b"<td></td>"));
                edited.extend_from_slice(b"</tr>\n");
            }
            _ => edited.extend_from_slice(line),
        }
        Some(edited)
    })?;
    out.write_all(TABLE_END)?;
    if paged {
        out.write_all(b"</noscript></details>\n")?;
    }
    out.write_all(b"</section>\n")
}

/// A return's row of the overview, its cells by column.
fn overview_row(out: &mut String, row: &Row, line: &[Option<&Cell>]) {
    let problems = row.problems;
    let _ = write!(out, "<tr data-problems=\"{problems}\"><th scope=\"row\">");
    if problems > 0 {
        let _ = write!(out, "<a href=\"#{}\">", row.anchor);
        escape(out, &row.title);
        out.push_str("</a>");
    } else {
        escape(out, &row.title);
    }
    let _ = write!(out, "</th><td class=\"num\">{problems}</td>");
    // Each cell as short as it can be: a large run has many.
    for cell in line {
        let Some(cell) = cell else {
            out.push_str("<td></td>");
            continue;
        };
        let _ = write!(
            out,
            "<td class=\"c {}\">{}",
            rag_class(cell.rag),
            rag_letter(cell.rag)
        );
        if let Some(declared) = &cell.declared {
            out.push_str("<small>≠");
            escape(out, declared);
            out.push_str("</small>");
        }
        if cell.problems > 0 {
            out.push_str("<b>!</b>");
        }
        out.push_str("</td>");
    }
    out.push_str("</tr>\n");
}

/// A large run's sections, in pages of [`PAGE_SECTIONS`] that open and
/// close, the first open. A page after the first keeps its sections in a
/// `<noscript>`: with JavaScript on, the browser reads them as one text
/// while the page loads, and the script makes them the page's content
/// when it is opened (or a link leads into it); with JavaScript off, they
/// are its content. Building every section of ten thousand returns (each
/// `<details>` is a small tree of its own) would keep a browser busy for
/// many seconds before it showed anything.
fn paged(out: &mut dyn io::Write, sections: &mut Spool, total: usize) -> io::Result<()> {
    let mut n = 0;
    sections.copy_lines_to(out, &mut |line| {
        if line != SECTION_START.as_bytes() {
            return None;
        }
        let first = n;
        n += 1;
        if first % PAGE_SECTIONS != 0 {
            return None;
        }
        let mut page = Vec::with_capacity(256);
        if first > 0 {
            page.extend_from_slice(if first > PAGE_SECTIONS {
                b"</noscript></details>\n"
            } else {
                b"</details>\n"
            });
        }
        let last = (first + PAGE_SECTIONS).min(total);
        let (open, hold) = if first == 0 {
            (" open", "")
        } else {
            ("", "<noscript>")
        };
        let _ = write!(
            page,
            "<details class=\"page\"{open}>\n<summary>Returns {}–{last} of {total}</summary>\n{hold}",
            first + 1
        );
        page.extend_from_slice(line);
        Some(page)
    })?;
    if total > 0 {
        out.write_all(if total > PAGE_SECTIONS {
            b"</noscript></details>\n"
        } else {
            b"</details>\n"
        })?;
    }
    Ok(())
}

/// Buttons to open or close every section (shown by the script).
fn toggles(out: &mut dyn io::Write) -> io::Result<()> {
    out.write_all(b"<p class=\"tools\" id=\"toggles\" hidden><button type=\"button\" id=\"open-all\">Open every section</button> <button type=\"button\" id=\"close-all\">Close every section</button></p>\n<span id=\"returns-start\"></span>\n")
}

/// Counts of a list of diagnostics by severity, as badges.
fn badges(out: &mut String, diags: &[Diagnostic]) {
    let mut n = [0usize; 3];
    for d in diags {
        n[d.severity as usize] += 1;
    }
    out.push_str("<span class=\"badges\">");
    for (severity, class, one, many) in [
        (Severity::Error, "error", "error", "errors"),
        (Severity::Warning, "warning", "warning", "warnings"),
        (Severity::Info, "info", "info", "infos"),
    ] {
        let k = n[severity as usize];
        if k > 0 {
            let _ = write!(
                out,
                " <span class=\"sev {class}\">{}</span>",
                count(k, one, many)
            );
        }
    }
    out.push_str("</span>");
}

/// A return's section: its RAG table, then its diagnostics. A `compact`
/// table has only the measures with problems.
fn return_section(
    out: &mut String,
    file: &FileReport,
    r: &ReturnReport,
    anchor: &str,
    title: &str,
    compact: bool,
) {
    out.push_str(SECTION_START);
    let _ = write!(out, "<summary id=\"{anchor}\"><h3>");
    escape(out, title);
    out.push_str("</h3> <span class=\"path\">");
    escape(out, &file.path);
    out.push_str("</span>");
    if r.diagnostics.is_empty() {
        out.push_str(" <span class=\"badges\">no problems</span>");
    } else {
        badges(out, &r.diagnostics);
    }
    out.push_str("</summary>\n<div class=\"body\">\n");
    rag_table(out, r, anchor, title, compact);
    if !r.diagnostics.is_empty() {
        diagnostics(
            out,
            anchor,
            file,
            &r.diagnostics,
            file.source.as_deref(),
            Some(r),
        );
    }
    out.push_str("</div>\n</details>\n");
}

/// The sub-periods a return's RAG table has a column for: those of its
/// measures' details, in order (every measure of a return has the same).
fn sub_periods(r: &ReturnReport) -> (Vec<CompactString>, Option<usize>) {
    for m in &r.measures {
        if let Some(d) = &m.detail {
            return (d.values.iter().map(|v| v.name.clone()).collect(), d.own);
        }
    }
    (Vec::new(), None)
}

fn rag_table(out: &mut String, r: &ReturnReport, anchor: &str, title: &str, compact: bool) {
    if r.measures.is_empty() {
        out.push_str("<p class=\"muted\">No measures were read from this return.</p>\n");
        return;
    }
    let (subs, own) = sub_periods(r);
    out.push_str("<table class=\"ragt\">\n<caption class=\"vh\">RAG table of ");
    escape(out, title);
    out.push_str("</caption>\n<thead><tr><th scope=\"col\">Measure</th>");
    if subs.is_empty() {
        out.push_str("<th scope=\"col\">Value</th>");
    }
    for (i, name) in subs.iter().enumerate() {
        let class = if own == Some(i) { " class=\"own\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>");
        match name.as_str() {
            "year" => out.push_str("Year"),
            name => escape(out, &name.to_uppercase()),
        }
        if own == Some(i) {
            out.push_str(" <span class=\"vh\">(this period)</span>");
        }
        out.push_str("</th>");
    }
    out.push_str("<th scope=\"col\">Target</th><th scope=\"col\">Declared</th><th scope=\"col\">Computed</th>");
    if !subs.is_empty() {
        out.push_str("<th scope=\"col\">Chart</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for m in &r.measures {
        let problems = r
            .diagnostics
            .iter()
            .filter(|d| d.measure.as_deref() == Some(&m.id))
            .count();
        if compact && problems == 0 {
            continue;
        }
        out.push_str(if problems > 0 {
            "<tr class=\"bad\"><th scope=\"row\">"
        } else {
            "<tr><th scope=\"row\">"
        });
        out.push_str("<span class=\"mid\">");
        escape(out, &m.id);
        if problems > 0 {
            let _ = write!(
                out,
                " <a class=\"flag\" href=\"#{anchor}-d\">{}</a>",
                count(problems, "problem", "problems")
            );
        }
        out.push_str("</span>");
        if let Some(t) = &m.title {
            out.push_str("<span class=\"title\">");
            escape(out, t);
            out.push_str("</span>");
        }
        out.push_str("</th>");
        match &m.detail {
            Some(d) => {
                for i in 0..subs.len() {
                    let text = d.values.get(i).and_then(|v| v.text.as_deref());
                    cell(out, text, own == Some(i));
                }
            }
            None if subs.is_empty() => cell(out, m.value.as_deref(), false),
            None => (0..subs.len()).for_each(|_| cell(out, None, false)),
        }
        let target = m.detail.as_ref().and_then(|d| d.target.as_deref());
        cell(out, target, false);
        match &m.status_text {
            Some(text) => {
                let _ = write!(out, "<td><span class=\"rag {}\">", rag_class(m.status));
                escape(out, text);
                out.push_str("</span></td>");
            }
            None => out.push_str("<td class=\"muted\">not given</td>"),
        }
        let _ = write!(
            out,
            "<td><span class=\"rag {}\">{}</span>",
            rag_class(m.rag),
            rag_word(m.rag)
        );
        if m.status_text.is_some() && declared_if_different(m).is_some() {
            out.push_str(" <span class=\"declared\">differs</span>");
        }
        out.push_str("</td>");
        if !subs.is_empty() {
            out.push_str("<td>");
            if let Some(d) = &m.detail {
                chart::write(out, &m.id, d);
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if compact {
        let without = r
            .measures
            .iter()
            .filter(|m| {
                !r.diagnostics
                    .iter()
                    .any(|d| d.measure.as_deref() == Some(&m.id))
            })
            .count();
        if without > 0 {
            let _ = writeln!(
                out,
                "<p class=\"muted\">{} without problems: their statuses are in the overview.</p>",
                count(without, "other measure", "other measures")
            );
        }
    }
}

/// A table cell with a text as typed, or a dash when there is none.
fn cell(out: &mut String, text: Option<&str>, own: bool) {
    match (text, own) {
        (Some(text), own) => {
            out.push_str(if own { "<td class=\"own\">" } else { "<td>" });
            escape(out, text);
        }
        (None, true) => out.push_str("<td class=\"own na\">–"),
        (None, false) => out.push_str("<td class=\"na\">–"),
    }
    out.push_str("</td>");
}

/// The list of a return's (or a file's) diagnostics.
fn diagnostics(
    out: &mut String,
    anchor: &str,
    file: &FileReport,
    diags: &[Diagnostic],
    source: Option<&Chunks>,
    r: Option<&ReturnReport>,
) {
    let _ = writeln!(
        out,
        "<h4 id=\"{anchor}-d\">Problems</h4>\n<ol class=\"diags\">"
    );
    for d in diags {
        diagnostic(out, file, d, source, r);
    }
    out.push_str("</ol>\n");
}

fn diagnostic(
    out: &mut String,
    file: &FileReport,
    d: &Diagnostic,
    source: Option<&Chunks>,
    r: Option<&ReturnReport>,
) {
    let (class, word) = match d.severity {
        Severity::Error => ("error", "Error"),
        Severity::Warning => ("warning", "Warning"),
        Severity::Info => ("info", "Info"),
    };
    let _ = write!(
        out,
        "<li class=\"sev-{class}\"><p class=\"dh\"><span class=\"sev\">{word}</span> <code class=\"code\">"
    );
    escape(out, &d.code);
    out.push_str("</code>");
    if d.waived.is_some() {
        out.push_str(" <span class=\"waived\">(waived)</span>");
    }
    if let Some(measure) = &d.measure {
        out.push_str(" <span class=\"muted\">in <code>");
        escape(out, measure);
        if let Some(field) = &d.field {
            out.push('.');
            escape(out, field);
        }
        out.push_str("</code></span>");
    }
    out.push_str("</p>\n<p class=\"msg\">");
    escape(out, &d.message);
    out.push_str("</p>\n");
    if let Some(l) = &d.location {
        place(out, file, d, l, source, r);
    }
    for (l, label) in &d.related {
        out.push_str("<p class=\"where\">See also ");
        location_name(out, l);
        out.push_str(": ");
        escape(out, label);
        out.push_str("</p>\n");
    }
    if let Some(w) = &d.waived {
        out.push_str("<p class=\"waived\">Waived until ");
        escape(out, &w.until);
        out.push_str(": ");
        escape(out, &w.reason);
        out.push_str(" (approved by ");
        escape(out, &w.approved);
        out.push_str("; <code>");
        escape(out, &w.rule.to_string());
        out.push_str("</code>)</p>\n");
    }
    if let Some(help) = &d.help {
        out.push_str("<p class=\"help\"><b>Help:</b> ");
        escape(out, help);
        out.push_str("</p>\n");
    }
    match &d.rule {
        Some(rule) => {
            out.push_str("<p class=\"rule\">Rule: <code>");
            escape(out, &rule.to_string());
            out.push_str("</code></p>\n");
        }
        None => out.push_str("<p class=\"rule\">Built-in check</p>\n"),
    }
    out.push_str("</li>\n");
}

/// `file:line:column`, or `file, cell Sheet1!E7`.
fn location_name(out: &mut String, l: &Location) {
    out.push_str("<code>");
    match &l.cell {
        Some(cell) => {
            escape(out, &l.file);
            out.push_str("</code>, cell <code>");
            escape(out, cell);
        }
        None => escape(out, &l.to_string()),
    }
    out.push_str("</code>");
}

/// Where a diagnostic is: its line with the value marked, or its cell with
/// the value as typed.
fn place(
    out: &mut String,
    file: &FileReport,
    d: &Diagnostic,
    l: &Location,
    source: Option<&Chunks>,
    r: Option<&ReturnReport>,
) {
    out.push_str("<p class=\"where\">At ");
    location_name(out, l);
    if l.cell.is_some() {
        if let Some(text) = cell_text(d, r) {
            out.push_str(": <mark>");
            escape(out, text);
            out.push_str("</mark>");
        }
        out.push_str("</p>\n");
        return;
    }
    out.push_str("</p>\n");
    // A location of the whole file has nothing to mark.
    if *l.file != *file.path || l.end == 0 {
        return;
    }
    if let Some(chunks) = source
        && let Some(chunk) = chunks.at(l.start.min(chunks.len), l.start.min(chunks.len))
    {
        // Offsets in the chunk's text (the whole file's, or the stretch
        // around this place a piece of a CSV file's report holds).
        let shifted = Location {
            start: l.start - chunk.base,
            end: l.end.saturating_sub(chunk.base),
            ..l.clone()
        };
        source_line(out, &chunk.text, &shifted);
    }
}

/// The value a spreadsheet diagnostic is about, as typed, from its
/// measure's row.
fn cell_text<'a>(d: &Diagnostic, r: Option<&'a ReturnReport>) -> Option<&'a str> {
    let m = r?
        .measures
        .iter()
        .find(|m| Some(m.id.as_str()) == d.measure.as_deref())?;
    let field = d.field.as_deref()?;
    m.detail
        .as_ref()?
        .values
        .iter()
        .find(|v| v.name == field)?
        .text
        .as_deref()
}

/// The line of `text` that holds the location, the located stretch marked
/// (cut short on a very long line).
fn source_line(out: &mut String, text: &str, l: &Location) {
    let (start, end) = (l.start.min(text.len()), l.end.min(text.len()));
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return;
    }
    let bytes = text.as_bytes();
    let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(text.len(), |i| start + i);
    let end = end.clamp(start, line_end);
    let before = tail_chars(&text[line_start..start], CONTEXT_CHARS);
    let marked = head_chars(&text[start..end], MARK_CHARS);
    let rest = text[end..line_end].trim_end_matches('\r');
    let after = head_chars(rest, CONTEXT_CHARS);
    let _ = write!(
        out,
        "<pre class=\"src\"><span class=\"ln\">{}</span>",
        l.line
    );
    if before.len() < start - line_start {
        out.push('…');
    }
    escape(out, before);
    out.push_str("<mark>");
    escape(out, marked);
    if marked.len() < end - start {
        out.push('…');
    }
    out.push_str("</mark>");
    escape(out, after);
    if after.len() < rest.len() {
        out.push('…');
    }
    out.push_str("</pre>\n");
}

/// The first `n` characters of `s`.
fn head_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// The last `n` characters of `s`.
fn tail_chars(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((at, _)) if n > 0 => &s[at..],
        _ if n == 0 => "",
        _ => s,
    }
}

#[cfg(test)]
mod tests;
