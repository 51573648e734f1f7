//! `ragcheck fmt`: one canonical layout for rule files.
//!
//! The layout: four spaces of indent inside blocks, one statement per line,
//! `measure id "title" {`, single spaces around operators, a blank line
//! between top-level items (a run of `severity` lines, or of waivers, may
//! stay together), a waiver's `because … approved …` on a second line,
//! the author's own blank lines kept inside blocks and between comments
//! (at most one in a row), and a file that ends with one line break. A
//! `when` rule that does not fit in 100 columns puts its `help` on a line of
//! its own, indented once more, and if it still does not fit, its message
//! too. Literals are written
//! as the author wrote them (`1_000`, `£250k`), and so are the author's
//! parentheses.
//!
//! The parser drops comments, so they are found again in the text
//! (`trivia`) and placed by position: a comment on a line of its own goes
//! before the statement that follows it, at that statement's indent; a
//! comment at the end of a line stays at the end of that statement's last
//! line; a comment in the middle of a statement that spans lines moves to
//! just before it. Formatting is idempotent.
//!
//! Before anything is written, the output is parsed again and its AST
//! compared with the input's (spans erased, see [`erase_spans`]), and its
//! comments with the input's: a formatter bug can never change what a
//! rule file means.

mod erase;
mod expr;
mod trivia;

use crate::ast::*;
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{FileId, SourceFile};

pub use erase::erase_spans;
use expr::ExprPrinter;
use trivia::Trivia;

/// One level of indent.
const INDENT: &str = "    ";
/// The widest a `when` rule may be on one line.
pub const WIDTH: usize = 100;

/// Format a rule file. A syntax error (or, should it ever happen, output
/// that would not mean the same as the input) is returned as a diagnostic
/// and nothing is formatted.
///
/// The file keeps its line endings and its byte-order mark: a file whose
/// first line ends in CRLF (a Windows checkout, git's `core.autocrlf`) is
/// written with CRLF throughout, so `fmt --check` passes on a Windows
/// checkout of formatted files.
pub fn format_source(source: &SourceFile) -> Result<String, Box<Diagnostic>> {
    let file = crate::syntax::parse_file(FileId(0), source)?;
    let trivia = Trivia::new(&source.text);
    let out = Layout::new(&trivia).file(&file);
    verify(source, &file, &trivia, &out)?;
    Ok(keep_line_endings(&source.text, out))
}

/// `out` (LF line endings, no byte-order mark) with the line endings and
/// byte-order mark of `original`.
fn keep_line_endings(original: &str, out: String) -> String {
    const BOM: char = '\u{FEFF}';
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    let bom = original.starts_with(BOM) && !out.starts_with(BOM);
    if !crlf && !bom {
        return out;
    }
    let mut text = String::with_capacity(out.len() + out.len() / 16 + 3);
    if bom {
        text.push(BOM);
    }
    if crlf {
        let mut last = '\0';
        for c in out.chars() {
            if c == '\n' && last != '\r' {
                text.push('\r');
            }
            text.push(c);
            last = c;
        }
    } else {
        text.push_str(&out);
    }
    text
}

/// The output must parse to the same AST and hold the same comments.
fn verify(
    source: &SourceFile,
    before: &RuleFile,
    trivia: &Trivia<'_>,
    out: &str,
) -> Result<(), Box<Diagnostic>> {
    let formatted = SourceFile::new(source.path.clone(), out);
    let same_ast = crate::syntax::parse_file(FileId(0), &formatted)
        .is_ok_and(|after| erase_spans(&after) == erase_spans(before));
    let after = Trivia::new(out);
    let texts = |t: &Trivia<'_>| -> Vec<String> {
        t.comments
            .iter()
            .map(|c| t.comment_text(*c).to_string())
            .collect()
    };
    if same_ast && texts(&after) == texts(trivia) {
        return Ok(());
    }
    Err(Box::new(
        Diagnostic::new(
            Severity::Error,
            "fmt_failed",
            "this file could not be formatted without changing what it says, so it was left as it is",
        )
        .at(crate::diagnostic::Location::whole_file(source.path.clone()))
        .help("this is a bug in ragcheck fmt; please report it with the file"),
    ))
}

/// Writes the output line by line, placing comments as it goes.
struct Layout<'t, 'a> {
    trivia: &'t Trivia<'a>,
    expr: ExprPrinter<'t, 'a>,
    out: String,
    /// Index of the first comment not yet written.
    next_comment: usize,
    /// End, in the source, of what was written last (`None` at the start).
    last_end: Option<usize>,
    /// The next line must follow a blank line (a new top-level item).
    force_blank: bool,
    /// The next line must not (just after `{`, or a `}`).
    no_blank: bool,
}

impl<'t, 'a> Layout<'t, 'a> {
    fn new(trivia: &'t Trivia<'a>) -> Self {
        Layout {
            trivia,
            expr: ExprPrinter { trivia },
            out: String::new(),
            next_comment: 0,
            last_end: None,
            force_blank: false,
            no_blank: false,
        }
    }

    fn text(&self, start: u32, end: u32) -> &'a str {
        self.trivia
            .text
            .get(start as usize..end as usize)
            .unwrap_or("")
    }

    fn file(mut self, file: &RuleFile) -> String {
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            if let Some(p) = previous {
                // A run of `severity` lines, of `field` lines, or of
                // waivers, may stay together.
                let run = matches!(
                    (p, item),
                    (Item::Severity(_), Item::Severity(_))
                        | (Item::Field(_), Item::Field(_))
                        | (Item::Waiver(_), Item::Waiver(_))
                );
                self.force_blank = !run;
            }
            self.item(item);
            previous = Some(item);
        }
        if previous.is_some() {
            self.force_blank = true;
        }
        self.comments_before(usize::MAX, 0);
        let trimmed = self.out.trim_end_matches('\n').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Measure(m) => {
                let mut head = format!("measure {}", m.id.name);
                if let Some(t) = &m.title {
                    head.push(' ');
                    head.push_str(self.text(t.span.start, t.span.end));
                }
                self.block(head, m.id.span.end, m.span.start, m.span.end, |l| {
                    for s in &m.body {
                        let (text, start, end) = l.measure_stmt(s);
                        l.element(1, text, start, end);
                    }
                });
            }
            Item::Check(c) => {
                let head = format!("check {}{}", c.id.name, self.scope(&c.scope));
                self.block(head, c.id.span.end, c.span.start, c.span.end, |l| {
                    for s in &c.body {
                        let (text, start, end) = l.check_stmt(s);
                        l.element(1, text, start, end);
                    }
                });
            }
            Item::Test(t) => {
                let head = format!("test {}", self.text(t.name.span.start, t.name.span.end));
                self.block(head, t.name.span.end, t.span.start, t.span.end, |l| {
                    for s in &t.body {
                        let (text, start, end) = l.test_stmt(s);
                        l.element(1, text, start, end);
                    }
                });
            }
            Item::Layout(layout) => {
                let mut head = format!("layout {}", layout.name.name);
                if let Some(t) = &layout.title {
                    head.push(' ');
                    head.push_str(self.text(t.span.start, t.span.end));
                }
                self.block(
                    head,
                    layout.name.span.end,
                    layout.span.start,
                    layout.span.end,
                    |l| {
                        // Statements joined by commas stay on one line.
                        let mut line: Vec<String> = Vec::new();
                        let mut start = 0;
                        for s in &layout.body {
                            if line.is_empty() {
                                start = s.span.start as usize;
                            }
                            line.push(l.layout_stmt(s));
                            if !s.comma {
                                let text = line.join(", ");
                                line.clear();
                                l.element(1, vec![text], start, s.span.end as usize);
                            }
                        }
                        if let Some(last) = layout.body.last()
                            && !line.is_empty()
                        {
                            let text = format!("{},", line.join(", "));
                            l.element(1, vec![text], start, last.span.end as usize);
                        }
                    },
                );
            }
            Item::Field(f) => {
                let text = format!("field {} {}", f.name.name, f.unit.name);
                self.element(0, vec![text], f.span.start as usize, f.span.end as usize);
            }
            Item::Severity(s) => {
                let level = s.level.map(|l| l.as_str()).unwrap_or("off");
                let text = format!("severity {} {level}", s.check.name);
                self.element(0, vec![text], s.span.start as usize, s.span.end as usize);
            }
            Item::Waiver(w) => {
                let lines = self.waiver(w);
                self.element(0, lines, w.span.start as usize, w.span.end as usize);
            }
        }
    }

    /// `waive ID [on M] [for "ORG"] until PERIOD`, then `because … approved
    /// …` on a line of its own, indented once.
    fn waiver(&self, w: &WaiverDecl) -> Vec<String> {
        let quoted = |s: &Str| self.text(s.span.start, s.span.end);
        let mut head = format!("waive {}", w.check.name);
        if let Some(m) = &w.measure {
            head.push_str(" on ");
            head.push_str(&m.name);
        }
        if let Some(o) = &w.organisation {
            head.push_str(" for ");
            head.push_str(quoted(o));
        }
        head.push_str(" until ");
        // A bare period is written with single spaces, as the AST holds it.
        match quoted(&w.until) {
            q if q.starts_with('"') => head.push_str(q),
            _ => head.push_str(&w.until.value),
        }
        vec![
            head,
            format!(
                "{INDENT}because {} approved {}",
                quoted(&w.reason),
                quoted(&w.approved)
            ),
        ]
    }

    /// `head {`, the body, `}`.
    fn block(
        &mut self,
        head: String,
        head_from: u32,
        start: u32,
        end: u32,
        body: impl FnOnce(&mut Self),
    ) {
        let brace = self
            .trivia
            .find_open_brace(head_from as usize)
            .unwrap_or(head_from as usize);
        self.element(0, vec![format!("{head} {{")], start as usize, brace + 1);
        self.no_blank = true;
        body(self);
        let close = (end as usize).saturating_sub(1);
        self.comments_before(close, 1);
        self.no_blank = true;
        self.element(0, vec!["}".into()], close, end as usize);
    }

    /// Write comments that start before `pos`, each on its own line.
    fn comments_before(&mut self, pos: usize, depth: usize) {
        while let Some(&c) = self.trivia.comments.get(self.next_comment) {
            if c.start >= pos {
                break;
            }
            self.next_comment += 1;
            let text = self.trivia.comment_text(c).to_string();
            self.put(depth, vec![text], c.start);
            self.last_end = Some(c.end);
        }
    }

    /// One element (a statement, a block's first or last line) covering
    /// `start..end` of the source: the comments before and inside it, its
    /// lines, and a comment that ends its last line.
    fn element(&mut self, depth: usize, mut lines: Vec<String>, start: usize, end: usize) {
        self.comments_before(end, depth);
        let mut last_end = end;
        if let Some(&c) = self.trivia.comments.get(self.next_comment) {
            let between = self.trivia.text.get(end..c.start).unwrap_or("\n");
            if between
                .chars()
                .all(|ch| ch == ' ' || ch == '\t' || ch == '\r')
            {
                if let Some(last) = lines.last_mut() {
                    last.push_str("  ");
                    last.push_str(self.trivia.comment_text(c));
                }
                self.next_comment += 1;
                last_end = c.end;
            }
        }
        self.put(depth, lines, start);
        self.last_end = Some(last_end);
    }

    /// Write lines at an indent, after a blank line when one is due.
    fn put(&mut self, depth: usize, lines: Vec<String>, start: usize) {
        let blank = match self.last_end {
            None => false,
            Some(_) if self.no_blank => false,
            Some(_) if self.force_blank => true,
            Some(last) => {
                start > last
                    && self
                        .trivia
                        .text
                        .get(last..start)
                        .is_some_and(has_blank_line)
            }
        };
        if blank {
            self.out.push('\n');
        }
        self.force_blank = false;
        self.no_blank = false;
        for line in lines {
            for _ in 0..depth {
                self.out.push_str(INDENT);
            }
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }

    fn scope(&self, scope: &Scope) -> String {
        let filter = |w: &Option<Expr>| match w {
            Some(w) => format!(" where {}", self.expr.top(w)),
            None => String::new(),
        };
        match scope {
            Scope::Return => String::new(),
            Scope::EachMeasure(w) => format!(" for each measure{}", filter(w)),
            Scope::EachValue(w) => format!(" for each value{}", filter(w)),
            Scope::Measures(ids) => format!(
                " for {}",
                ids.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Where an expression ends, its parentheses included.
    fn expr_end(&self, e: &Expr) -> usize {
        self.expr.outer(e, None).1
    }

    fn measure_stmt(&self, s: &MeasureStmt) -> (Vec<String>, usize, usize) {
        let one = |text: String, start: u32, end: usize| (vec![text], start as usize, end);
        match s {
            MeasureStmt::Unit(i) => one(
                format!("unit {}", i.name),
                i.span.start,
                i.span.end as usize,
            ),
            MeasureStmt::Better(i) => one(
                format!("better {}", i.name),
                i.span.start,
                i.span.end as usize,
            ),
            MeasureStmt::Target(e) => one(
                format!("target {}", self.expr.top(e)),
                e.span.start,
                self.expr_end(e),
            ),
            MeasureStmt::Trajectory(Trajectory::Linear(span)) => {
                one("trajectory linear".into(), span.start, span.end as usize)
            }
            MeasureStmt::Trajectory(Trajectory::Points(points)) => {
                let text = points
                    .iter()
                    .map(|(q, e)| format!("{} {}", q.name, self.expr.top(e)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let start = points.first().map(|(q, _)| q.span.start).unwrap_or(0);
                let end = points.last().map(|(_, e)| self.expr_end(e)).unwrap_or(0);
                one(format!("trajectory {text}"), start, end)
            }
            MeasureStmt::Required(span) => one("required".into(), span.start, span.end as usize),
            MeasureStmt::Cumulative(span) => {
                one("cumulative".into(), span.start, span.end as usize)
            }
            MeasureStmt::About(s) => one(
                format!("about {}", self.text(s.span.start, s.span.end)),
                s.span.start,
                s.span.end as usize,
            ),
            MeasureStmt::Code(codes) => {
                let text = codes
                    .iter()
                    .map(|c| self.text(c.span.start, c.span.end))
                    .collect::<Vec<_>>()
                    .join(", ");
                let start = codes.first().map_or(0, |c| c.span.start);
                let end = codes.last().map_or(0, |c| c.span.end as usize);
                one(format!("code {text}"), start, end)
            }
            MeasureStmt::Band(b) => {
                let text = match &b.condition {
                    Some(c) => format!("{} when {}", b.status.name, self.expr.top(c)),
                    None => format!("{} otherwise", b.status.name),
                };
                one(text, b.span.start, b.span.end as usize)
            }
        }
    }

    /// One layout statement, as `WORD [KEY] [PLACE] ARG, ... [ratio]`.
    fn layout_stmt(&self, s: &LayoutStmt) -> String {
        let mut out = s.word.name.clone();
        for word in [&s.key, &s.place].into_iter().flatten() {
            out.push(' ');
            out.push_str(&word.name);
        }
        let args: Vec<String> = s
            .args
            .iter()
            .map(|a| match a {
                LayoutArg::Str(t) => self.text(t.span.start, t.span.end).to_string(),
                LayoutArg::Number(n, _) => n.to_string(),
            })
            .collect();
        if !args.is_empty() {
            out.push(' ');
            out.push_str(&args.join(", "));
        }
        if s.ratio.is_some() {
            out.push_str(" ratio");
        }
        out
    }

    fn check_stmt(&self, s: &CheckStmt) -> (Vec<String>, usize, usize) {
        match s {
            CheckStmt::About(s) => (
                vec![format!("about {}", self.text(s.span.start, s.span.end))],
                s.span.start as usize,
                s.span.end as usize,
            ),
            CheckStmt::Rule(r) => {
                let head = format!("{} when {}", r.severity, self.expr.top(&r.condition));
                let message = self.text(r.message.span.start, r.message.span.end);
                let help = r
                    .help
                    .as_ref()
                    .map(|h| format!("help {}", self.text(h.span.start, h.span.end)));
                let fits = |line: &str| INDENT.len() + line.chars().count() <= WIDTH;
                let first = format!("{head} {message}");
                let lines = match help {
                    None if fits(&first) => vec![first],
                    Some(h) if fits(&format!("{first} {h}")) => vec![format!("{first} {h}")],
                    Some(h) if fits(&first) => vec![first, format!("{INDENT}{h}")],
                    help => {
                        let mut lines = vec![head, format!("{INDENT}{message}")];
                        lines.extend(help.map(|h| format!("{INDENT}{h}")));
                        lines
                    }
                };
                (lines, r.span.start as usize, r.span.end as usize)
            }
        }
    }

    /// `given a = "x", b = "y"`, after `lead` (`given`, `given previous`, …).
    fn given(
        &self,
        lead: &str,
        assigns: &[(crate::ast::Path, crate::ast::Str)],
    ) -> (Vec<String>, usize, usize) {
        let text = assigns
            .iter()
            .map(|(p, s)| {
                format!(
                    "{} = {}",
                    p.parts
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                    self.text(s.span.start, s.span.end)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let start = assigns.first().map(|(p, _)| p.span.start).unwrap_or(0);
        let end = assigns.last().map(|(_, s)| s.span.end).unwrap_or(0);
        (vec![format!("{lead} {text}")], start as usize, end as usize)
    }

    fn test_stmt(&self, s: &TestStmt) -> (Vec<String>, usize, usize) {
        match s {
            TestStmt::GivenFile(path) => (
                vec![format!(
                    "given file {}",
                    self.text(path.span.start, path.span.end)
                )],
                path.span.start as usize,
                path.span.end as usize,
            ),
            TestStmt::Given(assigns) => self.given("given", assigns),
            TestStmt::GivenOther(other, assigns) => {
                let who = match other {
                    crate::ast::OtherReturn::Peer(name) => {
                        format!("given peer {}", self.text(name.span.start, name.span.end))
                    }
                    crate::ast::OtherReturn::Previous => "given previous".to_string(),
                    crate::ast::OtherReturn::LastYear => "given last_year".to_string(),
                };
                let (lines, _, end) = self.given(&who, assigns);
                // The statement starts at its keyword, before the first path.
                let start = match other {
                    crate::ast::OtherReturn::Peer(name) => name.span.start as usize,
                    _ => assigns.first().map_or(0, |(p, _)| p.span.start as usize),
                };
                (lines, start, end)
            }
            TestStmt::Expect(e) => match e {
                Expectation::True(x) => (
                    vec![format!("expect {}", self.expr.top(x))],
                    x.span.start as usize,
                    self.expr_end(x),
                ),
                Expectation::Diagnostic {
                    severity,
                    check,
                    on,
                    span,
                } => {
                    let on = on
                        .as_ref()
                        .map(|m| format!(" on {}", m.name))
                        .unwrap_or_default();
                    (
                        vec![format!("expect {severity} {}{on}", check.name)],
                        span.start as usize,
                        span.end as usize,
                    )
                }
                Expectation::No {
                    severity,
                    check,
                    span,
                } => {
                    let check = check
                        .as_ref()
                        .map(|c| format!(" {}", c.name))
                        .unwrap_or_default();
                    (
                        vec![format!("expect no {severity}{check}")],
                        span.start as usize,
                        span.end as usize,
                    )
                }
                Expectation::NoDiagnostics(span) => (
                    vec!["expect no diagnostics".into()],
                    span.start as usize,
                    span.end as usize,
                ),
            },
        }
    }
}

/// Whether a stretch of text holds an empty line (one with only
/// whitespace), as the author's blank line between two things.
fn has_blank_line(text: &str) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    lines.len() > 2
        && lines[1..lines.len() - 1]
            .iter()
            .any(|l| l.trim().is_empty())
}

#[cfg(test)]
mod tests;
