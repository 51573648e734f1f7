//! How big a spreadsheet's sheets get once expanded, counted before the
//! spreadsheet reader holds them.
//!
//! An `.ods` file says much in few bytes: `table:number-columns-repeated`
//! and `table:number-rows-repeated` repeat a cell (and its text) thousands
//! of times, and `<text:s text:c="N"/>` stands for N spaces. calamine
//! writes all of that out when it opens the file, so a few hundred bytes
//! can ask for gigabytes. [`scan_ods`] reads `content.xml` with a real XML
//! reader (quick-xml, the one calamine uses: attribute spacing, quotes and
//! a `>` inside a value are read as calamine reads them) and counts what
//! calamine would hold — cells, and the text of every cell times its
//! repeats — without holding any of it.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

/// The most non-empty cells read from a sheet (the whole workbook, for
/// `.ods`, which calamine reads at once).
pub const MAX_CELLS: u64 = 4_000_000;

/// The most text one cell may hold once expanded (1 MiB).
pub const MAX_CELL_BYTES: u64 = 1024 * 1024;

/// The most text the cells of a workbook may hold once expanded, a
/// repeated or shared text counted once per cell it fills (64 MiB, the
/// size of the largest text return).
pub const MAX_SHEET_BYTES: u64 = super::MAX_FILE_BYTES as u64;

/// What a workbook expands to past the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooBig {
    /// More than [`MAX_CELLS`] cells.
    Cells(u64),
    /// One cell with more than [`MAX_CELL_BYTES`] of text: its sheet, row
    /// and column (0-based) and size.
    Cell {
        sheet: String,
        row: u64,
        col: u64,
        bytes: u64,
    },
    /// More than [`MAX_SHEET_BYTES`] of text in all.
    Text(u64),
    /// A part of the archive with a stretch of more than [`MAX_XML_RUN`]
    /// bytes without a tag: a text (or a tag) longer than a cell may hold.
    Run(String),
    /// More than [`MAX_CELLS`] shared strings (`.xlsx`).
    SharedStrings,
    /// A cell reference (`r="…"`, `ref="…"`) in a sheet part past the
    /// last cell a sheet can have (`XFD1048576`): the spreadsheet reader's
    /// arithmetic on it overflows.
    Reference { part: String, reference: String },
    /// A part that is not well-formed XML (an end tag that does not match
    /// its start, an element never closed, text after the document's end,
    /// or elements nested more than [`MAX_XML_DEPTH`] deep): what is wrong,
    /// and at which byte of the part.
    Malformed { part: String, what: String, at: u64 },
}

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::read::bytes_text;
        match self {
            TooBig::Cells(n) => write!(
                f,
                "this spreadsheet expands to {n} cells; ragcheck reads at most {MAX_CELLS}"
            ),
            TooBig::Cell {
                sheet,
                row,
                col,
                bytes,
            } => write!(
                f,
                "cell {}!{}{} expands to {} of text; a cell may hold at most {}",
                crate::display::quote(sheet),
                super::column_letters(u32::try_from(*col).unwrap_or(u32::MAX)),
                row.saturating_add(1),
                bytes_text(*bytes),
                bytes_text(MAX_CELL_BYTES)
            ),
            TooBig::Text(n) => write!(
                f,
                "this spreadsheet's cells expand to more than {} of text (at least {}); \
                 ragcheck reads at most {}",
                bytes_text(MAX_SHEET_BYTES),
                bytes_text(*n),
                bytes_text(MAX_SHEET_BYTES)
            ),
            TooBig::Run(part) => write!(
                f,
                "the part `{}` of this spreadsheet holds a text of more than {}; \
                 a cell may hold at most {}",
                crate::display::quote(part),
                bytes_text(MAX_XML_RUN),
                bytes_text(MAX_CELL_BYTES)
            ),
            TooBig::SharedStrings => write!(
                f,
                "this spreadsheet holds more than {MAX_CELLS} shared strings; \
                 ragcheck reads at most {MAX_CELLS}"
            ),
            TooBig::Reference { part, reference } => write!(
                f,
                "this spreadsheet cannot be read: its part `{}` names the cell `{}`, \
                 past the last a sheet can have (`XFD1048576`)",
                crate::display::quote(part),
                crate::display::quote(reference),
            ),
            TooBig::Malformed { part, what, at } => write!(
                f,
                "this ODS file cannot be read: its part `{}` is not well-formed XML \
                 ({}, at byte {at})",
                crate::display::quote(part),
                crate::display::quote(what),
            ),
        }
    }
}

/// The longest stretch of an XML part read without a `<` (2 MiB, room
/// for a cell's most text written with entities): it bounds every text
/// and every tag (`<` cannot appear inside an attribute's value), so no
/// XML reader's buffer, calamine's included, grows past it.
pub const MAX_XML_RUN: u64 = 2 * MAX_CELL_BYTES;

/// Check that an XML part of the archive has no stretch of more than
/// [`MAX_XML_RUN`] bytes without a `<`, reading it in small pieces; in a
/// part of shared strings (`shared`), count the strings (`<si>`
/// elements) too: calamine holds them all, each in its own allocation.
pub fn scan_part(name: &str, mut part: impl std::io::Read, shared: bool) -> Result<(), TooBig> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut run: u64 = 0;
    let mut strings: u64 = 0;
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let mut after = None;
        for at in memchr::memchr_iter(b'<', chunk) {
            let stretch = match after {
                None => run + at as u64,
                Some(prev) => (at - prev) as u64,
            };
            if stretch > MAX_XML_RUN {
                return Err(TooBig::Run(name.to_string()));
            }
            after = Some(at + 1);
            // A tag cut by the end of a piece is not counted: the count
            // only has to bound what calamine holds, and misses at most
            // one string per 64 KiB.
            if shared
                && let Some(tag) = chunk.get(at + 1..at + 4)
                && tag.starts_with(b"si")
                && matches!(tag[2], b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')
            {
                strings += 1;
                if strings > MAX_CELLS {
                    return Err(TooBig::SharedStrings);
                }
            }
        }
        run = match after {
            Some(prev) => (n - prev) as u64,
            None => run + n as u64,
        };
        if run > MAX_XML_RUN {
            return Err(TooBig::Run(name.to_string()));
        }
    }
}

/// The columns and rows a sheet can have (`XFD1048576`), as in Excel.
pub const MAX_SHEET_COLUMNS: u64 = 16_384;
pub const MAX_SHEET_ROWS: u64 = 1_048_576;

/// Whether a cell reference (`B7`), a column (`B`) or a row (`7`) lies
/// within [`MAX_SHEET_COLUMNS`] and [`MAX_SHEET_ROWS`]: its leading
/// letters and the digits after them, which the spreadsheet reader turns
/// into numbers before it looks further (what follows them, if anything,
/// it refuses).
fn reference_fits(reference: &str) -> bool {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let (col, rest) = reference.split_at(letters);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let row = &rest[..digits];
    let col_fits = col.len() <= 3
        && col.bytes().fold(0u64, |n, b| {
            n * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1
        }) <= MAX_SHEET_COLUMNS;
    let row_fits = row.len() <= 7 && row.parse::<u64>().unwrap_or(0) <= MAX_SHEET_ROWS;
    col_fits && row_fits
}

/// Check every cell reference of a sheet part (`r="…"` on cells and rows,
/// `ref="…"` on the sheet's dimension and merged ranges) against the last
/// cell a sheet can have, before the spreadsheet reader turns them into
/// numbers (where a longer one overflows). Reads with quick-xml; an XML
/// error ends the check quietly, for the reader to report.
pub fn scan_references(name: &str, part: impl BufRead) -> Result<(), TooBig> {
    let mut reader = quick_xml::Reader::from_reader(part);
    // As the spreadsheet reader reads a sheet.
    reader.config_mut().check_end_names = false;
    reader.config_mut().check_comments = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let e = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => continue,
        };
        for (key, value) in raw_attributes(e.attributes_raw()) {
            let local = key.rsplit(':').next().unwrap_or(key);
            if !matches!(local, "r" | "ref") {
                continue;
            }
            if let Some(bad) = value.split(':').find(|r| !reference_fits(r)) {
                return Err(TooBig::Reference {
                    part: name.to_string(),
                    reference: bad.to_string(),
                });
            }
        }
    }
}

/// The attributes of a tag as the spreadsheet reader splits them: a name
/// up to `=`, then a quoted value (however broken what follows is), until
/// the first that is not of that form.
fn raw_attributes(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let quote = after.chars().next().filter(|&q| q == '"' || q == '\'')?;
        let after = &after[1..];
        let (value, tail) = after.split_once(quote).unwrap_or((after, ""));
        rest = tail;
        Some((key.trim(), value))
    })
}

/// Where the scan is in `content.xml`.
#[derive(Default)]
struct Scan {
    sheet: String,
    /// Row index in the current table, and the current row's repeats.
    row: u64,
    row_repeat: u64,
    /// Column index in the current row; cells up to the last with a value
    /// (calamine keeps empty cells before a value, not after the last).
    col: u64,
    row_cells: u64,
    /// The text of the current row's cells, each times its repeats.
    row_bytes: u64,
    /// In a cell: its column repeats, its text so far, whether it has a
    /// value.
    cell: Option<Cell>,
    cells: u64,
    bytes: u64,
}

struct Cell {
    repeat: u64,
    bytes: u64,
    valued: bool,
}

/// The deepest an XML part's elements may nest (a spreadsheet's nest
/// about a dozen deep): the well-formedness check keeps every open
/// element's name, so this bounds what it holds.
pub const MAX_XML_DEPTH: usize = 256;

/// The open elements of a part being read, to say which one is never
/// closed (each name cut to a few dozen bytes).
#[derive(Default)]
struct Open {
    names: Vec<String>,
    /// Whether the document's root element has been read to its end.
    ended: bool,
}

impl Open {
    fn start(&mut self, name: &str, empty: bool, at: u64) -> Result<(), TooBig> {
        if self.ended && self.names.is_empty() {
            return Err(malformed(
                format!(
                    "the element `<{}>` follows the end of the document",
                    cut_name(name)
                ),
                at,
            ));
        }
        if empty {
            self.ended |= self.names.is_empty();
            return Ok(());
        }
        if self.names.len() >= MAX_XML_DEPTH {
            return Err(malformed(
                format!("elements nest more than {MAX_XML_DEPTH} deep"),
                at,
            ));
        }
        self.names.push(cut_name(name));
        Ok(())
    }

    /// An end tag: quick-xml has checked that it matches its start.
    fn end(&mut self) {
        self.names.pop();
        self.ended |= self.names.is_empty();
    }

    fn text(&self, text: &str, at: u64) -> Result<(), TooBig> {
        if self.names.is_empty() && !text.chars().all(|c| c.is_ascii_whitespace()) {
            let place = if self.ended {
                "after the end of"
            } else {
                "before"
            };
            return Err(malformed(
                format!("text stands {place} the document's root element"),
                at,
            ));
        }
        Ok(())
    }

    fn eof(&self, at: u64) -> Result<(), TooBig> {
        match self.names.last() {
            Some(name) => Err(malformed(
                format!("the element `<{name}>` is never closed"),
                at,
            )),
            None if !self.ended => Err(malformed("the part has no root element".into(), at)),
            None => Ok(()),
        }
    }
}

fn cut_name(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_string(),
    }
}

fn malformed(what: String, at: u64) -> TooBig {
    TooBig::Malformed {
        part: "content.xml".into(),
        what,
        at,
    }
}

/// Count what calamine would hold for an ODS `content.xml`, and stop at the
/// first limit passed; and refuse a `content.xml` that is not well-formed
/// XML (an end tag that does not match its start, an element never
/// closed, text after the end): calamine reads such a file for ever,
/// waiting for an end tag that never comes.
pub fn scan_ods(content: impl BufRead) -> Result<(), TooBig> {
    let mut reader = quick_xml::Reader::from_reader(content);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut scan = Scan::default();
    let mut open = Open::default();
    loop {
        buf.clear();
        let at = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(error) => {
                let what = match error {
                    quick_xml::Error::Io(_) => "the part cannot be unpacked".to_string(),
                    quick_xml::Error::Syntax(e) => e.to_string(),
                    quick_xml::Error::IllFormed(e) => e.to_string(),
                    other => other.to_string(),
                };
                return Err(malformed(what, reader.error_position()));
            }
        };
        match event {
            Event::Eof => return open.eof(reader.buffer_position()),
            Event::Start(e) => {
                open.start(e.name().as_ref(), false, at)?;
                scan.open(&e, false)?;
            }
            Event::Empty(e) => {
                open.start(e.name().as_ref(), true, at)?;
                scan.open(&e, true)?;
            }
            Event::End(e) => {
                open.end();
                match e.name().as_ref() {
                    "table:table-cell" | "table:covered-table-cell" => scan.end_cell()?,
                    "table:table-row" => scan.end_row()?,
                    _ => {}
                }
            }
            Event::Text(t) => {
                open.text(t.as_ref(), at)?;
                scan.text(t.len() as u64)?;
            }
            Event::CData(t) => {
                open.text("x", at)?;
                scan.text(t.len() as u64)?;
            }
            // An entity (`&amp;`) is one character: at most four bytes.
            Event::GeneralRef(_) => {
                open.text("x", at)?;
                scan.text(4)?;
            }
            _ => {}
        }
    }
}

/// A number attribute (`table:number-columns-repeated`), 1 when absent;
/// a value calamine would refuse counts as 1, since it never gets that far.
fn number(e: &BytesStart<'_>, name: &str, default: u64) -> u64 {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => a.value.trim().parse().unwrap_or(default),
        _ => default,
    }
}

/// The attributes that give a cell a value (or a formula) in calamine.
const VALUE_ATTRIBUTES: &[&str] = &[
    "office:value",
    "office:value-type",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
    "table:formula",
];

impl Scan {
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), TooBig> {
        match e.name().as_ref() {
            "table:table" => {
                self.sheet = match e.try_get_attribute("table:name") {
                    Ok(Some(a)) => a.value.into_owned(),
                    _ => String::new(),
                };
                self.row = 0;
            }
            "table:table-row" => {
                self.row_repeat = number(e, "table:number-rows-repeated", 1);
                self.col = 0;
                self.row_cells = 0;
                self.row_bytes = 0;
                if empty {
                    self.end_row()?;
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let mut cell = Cell {
                    repeat: number(e, "table:number-columns-repeated", 1),
                    bytes: 0,
                    valued: false,
                };
                for attr in e.attributes().flatten() {
                    if VALUE_ATTRIBUTES.contains(&attr.key.as_ref()) {
                        cell.valued = true;
                        // Strings, dates and formulas are held as text.
                        cell.bytes = cell.bytes.saturating_add(attr.value.len() as u64);
                    }
                }
                self.cell = Some(cell);
                if empty {
                    self.end_cell()?;
                }
            }
            // `<text:s text:c="N"/>`: N spaces.
            "text:s" => self.text(number(e, "text:c", 1))?,
            // A tab, a line break, and the break between two paragraphs.
            "text:tab" | "text:line-break" | "text:p" => self.text(1)?,
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, bytes: u64) -> Result<(), TooBig> {
        let Some(cell) = &mut self.cell else {
            return Ok(());
        };
        cell.bytes = cell.bytes.saturating_add(bytes);
        if cell.bytes > MAX_CELL_BYTES {
            return Err(TooBig::Cell {
                sheet: std::mem::take(&mut self.sheet),
                row: self.row,
                col: self.col,
                bytes: cell.bytes,
            });
        }
        Ok(())
    }

    fn end_cell(&mut self) -> Result<(), TooBig> {
        let Some(cell) = self.cell.take() else {
            return Ok(());
        };
        self.col = self.col.saturating_add(cell.repeat);
        if cell.valued || cell.bytes > 0 {
            self.row_cells = self.col;
            self.row_bytes = self
                .row_bytes
                .saturating_add(cell.bytes.saturating_mul(cell.repeat));
        }
        // A row alone can pass the limits before it ends.
        let cells = self.cells.saturating_add(self.row_cells);
        if cells > MAX_CELLS {
            return Err(TooBig::Cells(cells));
        }
        let bytes = self.bytes.saturating_add(self.row_bytes);
        if bytes > MAX_SHEET_BYTES {
            return Err(TooBig::Text(bytes));
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), TooBig> {
        self.cells = self
            .cells
            .saturating_add(self.row_cells.saturating_mul(self.row_repeat));
        self.bytes = self
            .bytes
            .saturating_add(self.row_bytes.saturating_mul(self.row_repeat));
        self.row = self.row.saturating_add(self.row_repeat);
        self.row_repeat = 1;
        self.row_cells = 0;
        self.row_bytes = 0;
        if self.cells > MAX_CELLS {
            return Err(TooBig::Cells(self.cells));
        }
        if self.bytes > MAX_SHEET_BYTES {
            return Err(TooBig::Text(self.bytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(rows: &str) -> Result<(), TooBig> {
        let xml = format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="Data">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        scan_ods(xml.as_bytes())
    }

    #[test]
    fn repeats_are_counted_however_the_attributes_are_written() {
        // Spaces around `=`, single quotes, and a `>` inside an earlier
        // attribute's value: all read as calamine reads them.
        for cell in [
            r#"<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated = "16384"/>"#,
            r#"<table:table-cell office:value-type='float' office:value='1' table:number-columns-repeated='16384'/>"#,
            r#"<table:table-cell table:style-name="a>b" office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>"#,
        ] {
            let rows = format!(
                r#"<table:table-row table:number-rows-repeated="1000">{cell}</table:table-row>"#
            );
            assert_eq!(scan(&rows), Err(TooBig::Cells(16_384_000)), "{cell}");
        }
    }

    #[test]
    fn long_stretches_without_a_tag_are_found_across_pieces() {
        let ok = format!("<a>{}</a>", "x".repeat(MAX_XML_RUN as usize - 2));
        assert_eq!(scan_part("p", ok.as_bytes(), false), Ok(()));
        let long = format!("<a>{}</a>", "x".repeat(MAX_XML_RUN as usize + 1));
        assert_eq!(
            scan_part("p", long.as_bytes(), false),
            Err(TooBig::Run("p".into()))
        );
        let many = "<a>x</a>".repeat(100_000);
        assert_eq!(scan_part("p", many.as_bytes(), false), Ok(()));
        let strings = "<si><t>a</t></si><si/>".repeat(2_100_000);
        assert_eq!(
            scan_part("p", strings.as_bytes(), true),
            Err(TooBig::SharedStrings)
        );
    }

    #[test]
    fn empty_repeats_cost_nothing() {
        // As LibreOffice writes after the data.
        let tail = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1000"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row table:number-rows-repeated="2"/>"#;
        assert_eq!(scan(tail), Ok(()));
    }

    #[test]
    fn spaces_and_repeated_text_count_as_text() {
        let spaces = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row>"#;
        let found = scan(spaces);
        assert!(
            matches!(found, Err(TooBig::Cell { row: 0, col: 0, .. })),
            "{found:?}"
        );
        // 100 KiB of text, repeated into 1000 cells.
        let text = "x".repeat(100 * 1024);
        let repeated = format!(
            r#"<table:table-row table:number-rows-repeated="10"><table:table-cell office:value-type="string" table:number-columns-repeated="100"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
        );
        assert!(matches!(scan(&repeated), Err(TooBig::Text(_))));
    }

    fn what(found: Result<(), TooBig>) -> String {
        match found {
            Err(TooBig::Malformed { what, .. }) => what,
            other => panic!("not refused as malformed: {other:?}"),
        }
    }

    #[test]
    fn references_past_the_last_cell_are_refused() {
        let sheet = |r: &str| {
            format!(
                r#"<worksheet><dimension ref="A1:B2"/><sheetData><row r="1"><c r="{r}"><v>1</v></c></row></sheetData></worksheet>"#
            )
        };
        for ok in ["A1", "XFD1048576", "b7", "C", "12", "B2=", "7 x"] {
            assert_eq!(scan_references("s", sheet(ok).as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            "XFE1",
            "A1048577",
            "sultsurest=",
            "AAAAAAAAAAAAAAAAAAAAAAAA1",
            "A99999999999x",
        ] {
            assert_eq!(
                scan_references("s", sheet(bad).as_bytes()),
                Err(TooBig::Reference {
                    part: "s".into(),
                    reference: bad.into()
                }),
                "{bad}"
            );
        }
        let merged =
            r#"<worksheet><mergeCells><mergeCell ref="A1:ZZZZ9"/></mergeCells></worksheet>"#;
        assert!(scan_references("s", merged.as_bytes()).is_err());
    }

    #[test]
    fn xml_that_is_not_well_formed_is_refused() {
        // calamine waits for ever for `</table:table>`.
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell></table:table-row>"#;
        let xml = format!(
            r#"<office:document-content><table:table table:name="D">{rows}</tablE:table></office:document-content>"#
        );
        assert_eq!(
            what(scan_ods(xml.as_bytes())),
            "expected `</table:table>`, but `</tablE:table>` was found"
        );
        assert_eq!(
            what(scan_ods(&b"<a><b></b>"[..])),
            "the element `<a>` is never closed"
        );
        assert_eq!(
            what(scan_ods(&b"<a></a><b/>"[..])),
            "the element `<b>` follows the end of the document"
        );
        assert_eq!(
            what(scan_ods(&b"<a></a>junk"[..])),
            "text stands after the end of the document's root element"
        );
        assert_eq!(what(scan_ods(&b""[..])), "the part has no root element");
        let deep = "<a>".repeat(MAX_XML_DEPTH + 1);
        assert_eq!(
            what(scan_ods(deep.as_bytes())),
            format!("elements nest more than {MAX_XML_DEPTH} deep")
        );
        // Well-formed, with a declaration, comments and space around.
        assert_eq!(
            scan_ods(&b"<?xml version=\"1.0\"?>\n<!-- c --><a><b/>t</a>\n"[..]),
            Ok(())
        );
        assert_eq!(scan(rows), Ok(()));
    }
}
