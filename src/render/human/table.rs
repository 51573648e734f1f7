//! A return's RAG table: each measure's value as typed, its declared status
//! and the status its bands give, with the rows where they differ marked.

use std::io;

use crate::rag::Rag;
use crate::report::{MeasureReport, ReturnReport};

/// Longest value shown in full; longer ones are cut with `…`.
const MAX_CELL: usize = 32;

const HEADINGS: [&str; 4] = ["measure", "value", "declared", "computed"];

/// Shown for a missing value or status.
const NONE: &str = "—";

const MARK: &str = "✗ differs";

/// Write the table (a note when the return has no measures), then a blank
/// line.
pub(super) fn write(ret: &ReturnReport, color: bool, out: &mut dyn io::Write) -> io::Result<()> {
    if ret.measures.is_empty() {
        writeln!(out, "  (no measures)")?;
        return writeln!(out);
    }
    let rows: Vec<Row> = ret.measures.iter().map(Row::new).collect();
    let mut widths = HEADINGS.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.cells()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = String::from(" ");
    for (heading, w) in HEADINGS.iter().zip(widths) {
        line.push(' ');
        line.push_str(&pad(heading, w));
    }
    let line = line.trim_end();
    if color {
        writeln!(out, "\x1b[2m{line}\x1b[0m")?;
    } else {
        writeln!(out, "{line}")?;
    }
    for row in &rows {
        let cells = row.cells();
        let mut line = String::from(" ");
        let last = cells.len() - 1;
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            line.push(' ');
            // No padding after the last cell unless the marker follows.
            let padded = match i == last && !row.differs() {
                true => cell.to_string(),
                false => pad(cell, w),
            };
            let rag = match i {
                2 => row.declared,
                3 => row.computed,
                _ => None,
            };
            match (color, rag) {
                (true, Some(rag)) => line.push_str(&paint(&padded, rag)),
                _ => line.push_str(&padded),
            }
        }
        if row.differs() {
            line.push(' ');
            if color {
                line.push_str(&format!("\x1b[1;31m{MARK}\x1b[0m"));
            } else {
                line.push_str(MARK);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)
}

struct Row {
    id: String,
    value: String,
    declared_text: String,
    declared: Option<Rag>,
    computed: Option<Rag>,
}

impl Row {
    fn new(m: &MeasureReport) -> Row {
        Row {
            id: m.id.to_string(),
            value: m.value.as_deref().map_or(NONE.to_string(), cut),
            declared_text: match (&m.status_text, m.status) {
                (Some(text), _) => cut(text),
                (None, Some(rag)) => rag.name().to_string(),
                (None, None) => NONE.to_string(),
            },
            declared: m.status,
            computed: m.rag,
        }
    }

    fn cells(&self) -> [&str; 4] {
        [
            &self.id,
            &self.value,
            &self.declared_text,
            self.computed.map_or(NONE, Rag::name),
        ]
    }

    fn differs(&self) -> bool {
        matches!((self.declared, self.computed), (Some(d), Some(c)) if d != c)
    }
}

/// One line of text, at most [`MAX_CELL`] characters.
fn cut(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() <= MAX_CELL {
        text
    } else {
        let mut t: String = text.chars().take(MAX_CELL - 1).collect();
        t.push('…');
        t
    }
}

fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

fn paint(text: &str, rag: Rag) -> String {
    let code = match rag {
        Rag::Green => "32",
        Rag::Amber => "33",
        Rag::Red => "31",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
