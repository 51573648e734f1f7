//! Spreadsheets (`.xlsx`, `.ods`) through calamine: the first sheet, read as
//! a table with the same columns as CSV (SPEC 2.3), or the sheet a layout
//! names, read through it (SPEC 2.6).
//!
//! Every cell becomes the text a person sees in it:
//!
//! - strings as they are; numbers as their shortest decimal text (`945`,
//!   `8.63`), never in exponent form;
//! - a number in a cell formatted as a percentage is a ratio, written as
//!   the percentage it shows (`0.945` → `94.5%`), by exact decimal shifting;
//! - a formula cell gives its last computed (cached) value;
//! - an error cell gives its error text (`#REF!`), which the value parser
//!   then finds invalid; booleans give `TRUE` / `FALSE`.
//!
//! - a date-formatted cell gives the date it shows (`2012-03-31`), never
//!   its day count (`40999`), so that a date in a value column is an
//!   invalid value saying it is a date, not a silent £40,999;
//! - a merged range's text belongs to every cell it covers, each pointing
//!   at the range's first cell: a placeholder merged across `Q1`..`Q3` is
//!   the value of each of those quarters (`.xlsx` only).
//!
//! Limitations, from what calamine exposes:
//!
//! - number formats are read for `.xlsx` only: in an `.ods` file a
//!   percentage cell gives its ratio (`0.94`);
//! - merged ranges are read for `.xlsx` only: in an `.ods` file the text
//!   stays in the range's first cell.
//!
//! Safety: a spreadsheet is a zip archive, and a small one can unpack to
//! gigabytes. The archive's declared sizes are checked against
//! [`MAX_UNPACKED_BYTES`] before calamine sees it (the zip reader holds
//! every entry to its declared size), `.xlsx` sheets are streamed cell by
//! cell, at most [`MAX_CELLS`] cells are kept, an `.ods` file's repeated
//! cells and text are counted before calamine writes them out (`bounds.rs`), and a
//! panic inside calamine becomes a finding.

use std::borrow::Cow;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use calamine::{Data, DataRef, Ods, Reader, Style, Xlsx};

use super::table::{Cell, Table};
use super::{Format, LoadedFile, Pos, Problems, invalid};
use crate::diagnostic::Diagnostic;
use crate::span::SourceFile;

/// The most a spreadsheet may unpack to, in bytes (256 MiB).
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

use super::bounds;
pub use super::bounds::{MAX_CELL_BYTES, MAX_CELLS, MAX_SHEET_BYTES};

/// One non-empty cell of the sheet, as text.
#[derive(Clone, Debug, PartialEq)]
struct SheetCell {
    row: u32,
    col: u32,
    text: Arc<str>,
    /// Where the text stands: the cell itself, or the first cell of the
    /// merged range it lies in.
    origin: (u32, u32),
}

impl SheetCell {
    fn new(row: u32, col: u32, text: Arc<str>) -> SheetCell {
        SheetCell {
            row,
            col,
            text,
            origin: (row, col),
        }
    }
}

/// One sheet of a workbook.
struct Sheet {
    name: String,
    cells: Vec<SheetCell>,
}

/// Read a spreadsheet's bytes (`format` is [`Format::Xlsx`] or
/// [`Format::Ods`]).
pub fn load(path: &str, bytes: &[u8], format: Format) -> LoadedFile {
    let mut file = LoadedFile {
        source: SourceFile::new(path, ""),
        sheet: None,
        returns: Vec::new(),
        problems: Vec::new(),
        chunks: None,
    };
    let sheet = match read_sheet(bytes, format, None) {
        Ok(sheet) => sheet,
        Err(finding) => {
            file.problems.push(*finding);
            return file;
        }
    };
    let (returns, problems) = table(sheet.cells);
    file.sheet = Some(sheet.name);
    file.returns = returns;
    file.problems = problems;
    file
}

/// Read a spreadsheet through a layout (SPEC 2.6): its `sheet`, or the
/// first.
pub(crate) fn load_with_layout(
    path: &str,
    bytes: &[u8],
    format: Format,
    layout: &crate::layout::Layout,
    rules: &crate::ir::RuleSet,
) -> LoadedFile {
    let mut file = LoadedFile {
        source: SourceFile::new(path, ""),
        sheet: None,
        returns: Vec::new(),
        problems: Vec::new(),
        chunks: None,
    };
    let mut sheet = match read_sheet(bytes, format, layout.sheet.as_deref()) {
        Ok(sheet) => sheet,
        Err(finding) => {
            file.problems.push(*finding);
            return file;
        }
    };
    sheet.cells.sort_by_key(|c| (c.row, c.col));
    let mut grid = super::layout::Grid {
        rows: Vec::new(),
        sheet: true,
    };
    for row in sheet.cells.chunk_by(|a, b| a.row == b.row) {
        let index = row.first().map_or(0, |c| c.row);
        grid.rows.push(super::layout::GridRow {
            index,
            pos: Pos::Cell {
                row: index,
                col: row.first().map_or(0, |c| c.col),
            },
            cells: row
                .iter()
                .map(|c| super::layout::GridCell {
                    col: c.col,
                    text: Cow::Borrowed(&c.text),
                    pos: Pos::Cell {
                        row: c.origin.0,
                        col: c.origin.1,
                    },
                })
                .collect(),
        });
    }
    let mut problems = Problems::default();
    file.returns = super::layout::read(layout, rules, &grid, &mut problems);
    file.problems = problems.into_vec();
    file.sheet = Some(sheet.name);
    file
}

/// Open a workbook and read one sheet (by name, or the first), refusing
/// archives that unpack too far and turning a panic of the reader into a
/// finding.
fn read_sheet(
    bytes: &[u8],
    format: Format,
    wanted: Option<&str>,
) -> Result<Sheet, Box<Diagnostic>> {
    let kind = if format == Format::Ods { "ODS" } else { "XLSX" };
    check_archive(bytes, kind)?;
    let read = catch_unwind(AssertUnwindSafe(|| match format {
        Format::Ods => read_ods(bytes, wanted),
        _ => read_xlsx(bytes, wanted),
    }));
    match read {
        Ok(result) => result,
        Err(_) => Err(Box::new(invalid(
            format!("this {kind} spreadsheet could not be read: its reader failed on it"),
            Pos::File,
        ))),
    }
}

/// Refuse what is not a zip archive, and an archive that unpacks to more
/// than [`MAX_UNPACKED_BYTES`].
fn check_archive(bytes: &[u8], kind: &str) -> Result<(), Box<Diagnostic>> {
    let not_a_sheet = |error: zip::result::ZipError| {
        Box::new(
            invalid(
                format!("this file is not an {kind} spreadsheet ({error})"),
                Pos::File,
            )
            .help("save the return as .xlsx, .ods, .csv or .yaml"),
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_sheet)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(not_a_sheet)?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(Box::new(too_big(total)));
    }
    check_parts(&mut archive)?;
    if kind == "ODS" {
        check_ods_cells(&mut archive)?;
    }
    Ok(())
}

fn too_big(total: u64) -> Diagnostic {
    invalid(
        format!(
            "this spreadsheet unpacks to {} MiB; ragcheck reads spreadsheets of at most {} MiB unpacked",
            total.div_ceil(1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ),
        Pos::File,
    )
}

/// Before calamine holds any part of the archive: no XML part may have a
/// text longer than a cell may hold ([`bounds::scan_part`]), and an
/// `.xlsx` file's shared strings, which calamine holds all at once, are
/// counted.
fn check_parts(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), Box<Diagnostic>> {
    use std::io::Read as _;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        let Ok(part) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        let name = part.to_ascii_lowercase();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let shared = name.ends_with("sharedstrings.xml");
        bounds::scan_part(&part, entry.take(MAX_UNPACKED_BYTES), shared)
            .map_err(|e| Box::new(expands(e)))?;
        if name.starts_with("xl/worksheets/") {
            // Its texts are bounded now (above): read it again, for its
            // cell references.
            let Ok(entry) = archive.by_index(i) else {
                continue;
            };
            let sheet = std::io::BufReader::new(entry.take(MAX_UNPACKED_BYTES));
            bounds::scan_references(&part, sheet).map_err(|e| Box::new(expands(e)))?;
        }
    }
    Ok(())
}

/// calamine reads every table of an ODS file at once and writes out
/// repeated cells and spaces one by one, so a small file can ask for
/// billions of cells or gigabytes of text: count them first, streaming
/// `content.xml` through an XML reader ([`bounds::scan_ods`]).
fn check_ods_cells(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), Box<Diagnostic>> {
    use std::io::Read as _;
    let Ok(entry) = archive.by_name("content.xml") else {
        // calamine reports the missing part.
        return Ok(());
    };
    let content = std::io::BufReader::new(entry.take(MAX_UNPACKED_BYTES));
    bounds::scan_ods(content).map_err(|too_big| Box::new(expands(too_big)))
}

/// The finding for a sheet that expands past a limit.
fn expands(too_big: bounds::TooBig) -> Diagnostic {
    let help = match too_big {
        bounds::TooBig::Cells(_) => {
            "repeated cells count one by one: clear the formatting of unused rows and columns"
        }
        bounds::TooBig::Malformed { .. } | bounds::TooBig::Reference { .. } => {
            "the file is damaged or was not written by a spreadsheet program: open it and save it again"
        }
        _ => "keep long text out of the return, or split the collection into several files",
    };
    invalid(too_big.to_string(), Pos::File).help(help)
}

/// The cells of a sheet as they are read, held to [`MAX_CELLS`] cells,
/// [`MAX_CELL_BYTES`] a cell and [`MAX_SHEET_BYTES`] in all (counting a
/// shared text once per cell, as the returns made from it hold it).
#[derive(Default)]
struct Cells {
    cells: Vec<SheetCell>,
    bytes: u64,
    /// The last shared string taken, by address: a text that many cells
    /// share (an `.xlsx` shared string) is held once.
    shared: Option<(usize, Arc<str>)>,
}

impl Cells {
    fn push(
        &mut self,
        row: u32,
        col: u32,
        text: &str,
        shared: bool,
    ) -> Result<(), Box<Diagnostic>> {
        if text.is_empty() {
            return Ok(());
        }
        if self.cells.len() as u64 >= MAX_CELLS {
            return Err(Box::new(expands(bounds::TooBig::Cells(MAX_CELLS + 1))));
        }
        let len = text.len() as u64;
        if len > MAX_CELL_BYTES {
            return Err(Box::new(expands(bounds::TooBig::Cell {
                sheet: String::new(),
                row: row.into(),
                col: col.into(),
                bytes: len,
            })));
        }
        self.bytes += len;
        if self.bytes > MAX_SHEET_BYTES {
            return Err(Box::new(expands(bounds::TooBig::Text(self.bytes))));
        }
        let text = match &self.shared {
            Some((at, held))
                if shared && *at == text.as_ptr() as usize && held.len() == text.len() =>
            {
                held.clone()
            }
            _ => {
                let held: Arc<str> = Arc::from(text);
                if shared {
                    self.shared = Some((text.as_ptr() as usize, held.clone()));
                }
                held
            }
        };
        self.cells.push(SheetCell::new(row, col, text));
        Ok(())
    }
}

fn read_xlsx(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, Box<Diagnostic>> {
    let unreadable = |error: calamine::XlsxError| Box::new(reader_error("XLSX", &error));
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = pick_sheet(&workbook.sheet_names(), wanted)?;
    // A sheet without merged cells, or whose merges cannot be read, is read
    // as it is.
    let merges = workbook
        .merge_cells_by_sheet_name(&name)
        .unwrap_or_default();
    let mut cells = read_xlsx_cells(&mut workbook, &name)?;
    spread_merges(&mut cells, merges.iter().map(|d| (d.start, d.end)))?;
    Ok(Sheet {
        name,
        cells: cells.cells,
    })
}

fn read_xlsx_cells(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<Cells, Box<Diagnostic>> {
    let unreadable = |error: calamine::XlsxError| Box::new(reader_error("XLSX", &error));
    let mut reader = workbook.worksheet_cells_reader(name).map_err(unreadable)?;
    let percent: Vec<bool> = reader.styles().iter().map(is_percent_style).collect();
    let mut cells = Cells::default();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let pct = percent.get(style).copied().unwrap_or(false);
        let shared = matches!(cell.get_value(), DataRef::SharedString(_));
        let text = ref_text(cell.get_value(), pct);
        cells
            .push(row, col, &text, shared)
            .map_err(|f| name_sheet(f, name))?;
    }
    Ok(cells)
}

/// A merged range's text belongs to every cell it covers (so a value
/// merged across `Q1`..`Q3` is the value of each of those quarters), each
/// pointing at the range's first cell, where the text stands. Ranges are
/// clipped to the cells in use, and the cells they add count towards
/// [`MAX_CELLS`] and, their text once each, [`MAX_SHEET_BYTES`] (the text
/// itself is shared).
fn spread_merges(
    held: &mut Cells,
    merges: impl Iterator<Item = ((u32, u32), (u32, u32))>,
) -> Result<(), Box<Diagnostic>> {
    let cells = &mut held.cells;
    let last_row = cells.iter().map(|c| c.row).max().unwrap_or(0);
    let last_col = cells.iter().map(|c| c.col).max().unwrap_or(0);
    let mut added = Vec::new();
    for (start, end) in merges {
        let Some(first) = cells.iter().find(|c| (c.row, c.col) == start) else {
            continue;
        };
        let text = first.text.clone();
        for row in start.0..=end.0.min(last_row) {
            for col in start.1..=end.1.min(last_col) {
                if (row, col) == start {
                    continue;
                }
                if (cells.len() + added.len()) as u64 >= MAX_CELLS {
                    return Err(Box::new(expands(bounds::TooBig::Cells(MAX_CELLS + 1))));
                }
                held.bytes += text.len() as u64;
                if held.bytes > MAX_SHEET_BYTES {
                    return Err(Box::new(expands(bounds::TooBig::Text(held.bytes))));
                }
                added.push(SheetCell {
                    row,
                    col,
                    text: text.clone(),
                    origin: start,
                });
            }
        }
    }
    if !added.is_empty() {
        // A covered cell holds nothing of its own in a well-formed file;
        // if it does, the merged text wins.
        let covered: std::collections::HashSet<(u32, u32)> =
            added.iter().map(|c| (c.row, c.col)).collect();
        cells.retain(|c| !covered.contains(&(c.row, c.col)));
        cells.extend(added);
    }
    Ok(())
}

fn read_ods(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, Box<Diagnostic>> {
    let unreadable = |error: calamine::OdsError| Box::new(reader_error("ODS", &error));
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = pick_sheet(&workbook.sheet_names(), wanted)?;
    let range = workbook.worksheet_range(&name).map_err(unreadable)?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut cells = Cells::default();
    for (row, col, value) in range.used_cells() {
        let text = data_text(value);
        let row = row0.saturating_add(u32::try_from(row).unwrap_or(u32::MAX));
        let col = col0.saturating_add(u32::try_from(col).unwrap_or(u32::MAX));
        cells
            .push(row, col, &text, false)
            .map_err(|f| name_sheet(f, &name))?;
    }
    Ok(Sheet {
        name,
        cells: cells.cells,
    })
}

/// The finding for a spreadsheet the reader gave up on. The reader's own
/// words for broken XML ("Xml error: … at 0..0") mean nothing to the
/// person who saved the file: say what it is and what to do.
fn reader_error(kind: &str, error: &dyn std::fmt::Display) -> Diagnostic {
    let said = error.to_string();
    let lower = said.to_ascii_lowercase();
    if lower.contains("xml") || lower.contains("syntax error") || lower.contains("unexpected") {
        return invalid(
            format!("this {kind} file cannot be read: a part of it is not well-formed XML"),
            Pos::File,
        )
        .help("the file is damaged or was not written by a spreadsheet program: open it and save it again");
    }
    invalid(
        format!(
            "this {kind} file cannot be read: {}",
            crate::display::quote(&said)
        ),
        Pos::File,
    )
}

/// A finding about one cell names its sheet once the sheet's name is known.
fn name_sheet(finding: Box<Diagnostic>, sheet: &str) -> Box<Diagnostic> {
    let mut finding = finding;
    if let Some(rest) = finding.message.strip_prefix("cell !") {
        finding.message = format!("cell {}!{rest}", crate::display::quote(sheet));
    }
    finding
}

/// The sheet named `wanted` (compared as a layout compares names), or the
/// first.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, Box<Diagnostic>> {
    let Some(wanted) = wanted else {
        return names
            .first()
            .cloned()
            .ok_or_else(|| Box::new(invalid("this spreadsheet has no sheet", Pos::File)));
    };
    let key = crate::layout::normalise(wanted);
    if let Some(name) = names.iter().find(|n| crate::layout::normalise(n) == key) {
        return Ok(name.clone());
    }
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match crate::suggest::did_you_mean(wanted, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`? its sheets are {list}"),
        None => format!("its sheets are {list}"),
    };
    Err(Box::new(
        invalid(
            format!("this spreadsheet has no sheet `{wanted}`; its returns are not read"),
            Pos::File,
        )
        .help(help),
    ))
}

/// The sheet's cells → returns: the first non-empty row is the header, its
/// columns from the first to the last it names; cells outside them are
/// ignored.
fn table(mut cells: Vec<SheetCell>) -> (Vec<super::Return>, Vec<Diagnostic>) {
    let mut findings = Problems::default();
    cells.sort_by_key(|c| (c.row, c.col));
    let mut rows = cells.chunk_by(|a, b| a.row == b.row);
    let Some(header) = rows.next() else {
        findings.push(
            invalid("the first sheet is empty", Pos::File)
                .help("the first row names the columns: organisation, period, measure, …"),
        );
        return (Vec::new(), findings.into_vec());
    };
    let header_row = header.first().map_or(0, |c| c.row);
    let first_col = header.first().map_or(0, |c| c.col);
    let last_col = header.last().map_or(0, |c| c.col);
    let header_cells = row_cells(header, header_row, first_col, last_col);
    let header_pos = Pos::Cell {
        row: header_row,
        col: first_col,
    };
    let Some(mut table) = Table::new(&header_cells, header_pos, &mut findings) else {
        return (Vec::new(), findings.into_vec());
    };
    for row in rows {
        let index = row.first().map_or(0, |c| c.row);
        let cells = row_cells(row, index, first_col, last_col);
        let pos = Pos::Cell {
            row: index,
            col: first_col,
        };
        table.row(&cells, pos, &mut findings);
    }
    (table.finish(), findings.into_vec())
}

/// The cells of one row between two columns, empty where none was given.
fn row_cells(row: &[SheetCell], index: u32, first: u32, last: u32) -> Vec<Cell<'_>> {
    let mut out: Vec<Cell<'_>> = (first..=last)
        .map(|col| Cell {
            text: Cow::Borrowed(""),
            pos: Pos::Cell { row: index, col },
        })
        .collect();
    for cell in row {
        if let Some(slot) = cell
            .col
            .checked_sub(first)
            .and_then(|i| out.get_mut(i as usize))
        {
            slot.text = Cow::Borrowed(&cell.text);
            slot.pos = Pos::Cell {
                row: cell.origin.0,
                col: cell.origin.1,
            };
        }
    }
    out
}

/// Does a cell style show numbers as percentages?
fn is_percent_style(style: &Style) -> bool {
    style
        .number_format
        .as_ref()
        .is_some_and(|f| matches!(f.format_id, Some(9 | 10)) || is_percent_format(&f.format_code))
}

/// Does a number format code (its first section) show a percentage: a `%`
/// outside quotes, escapes and brackets?
pub fn is_percent_format(code: &str) -> bool {
    let mut chars = code.chars();
    let mut quoted = false;
    let mut bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => bracket = true,
            ']' => bracket = false,
            _ if bracket => {}
            '\\' | '_' | '*' => {
                chars.next();
            }
            ';' => return false,
            '%' => return true,
            _ => {}
        }
    }
    false
}

/// The text of an `.xlsx` cell value.
fn ref_text<'a>(value: &'a DataRef<'_>, percent: bool) -> Cow<'a, str> {
    match value {
        DataRef::Int(i) => Cow::Owned(int_text(*i, percent)),
        DataRef::Float(f) => Cow::Owned(number_text(*f, percent)),
        DataRef::String(s) => Cow::Borrowed(s),
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(d) => Cow::Owned(date_text(d)),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s),
        DataRef::Error(e) => Cow::Owned(e.to_string()),
        DataRef::Empty => Cow::Borrowed(""),
    }
}

/// The text of an `.ods` cell value (no number formats: see the module docs).
fn data_text(value: &Data) -> Cow<'_, str> {
    match value {
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) => Cow::Owned(number_text(*f, false)),
        Data::String(s) => Cow::Borrowed(s),
        Data::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => Cow::Owned(date_text(d)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        Data::Error(e) => Cow::Owned(e.to_string()),
        Data::Empty => Cow::Borrowed(""),
    }
}

/// A date-formatted cell as the date it shows (`2012-03-31`, with the time
/// when it has one), never as its day count: the value parser then finds
/// it is a date, not a value. A duration keeps its number.
fn date_text(d: &calamine::ExcelDateTime) -> String {
    if !d.is_datetime() {
        return number_text(d.as_f64(), false);
    }
    let (year, month, day, hour, min, sec, _) = d.to_ymd_hms_milli();
    if (hour, min, sec) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{min:02}:{sec:02}")
    }
}

fn int_text(value: i64, percent: bool) -> String {
    let text = value.to_string();
    if percent {
        format!("{}%", times_hundred(&text))
    } else {
        text
    }
}

/// A number as its shortest decimal text (`0.1`, `945`, `1000000`), or as
/// the percentage a ratio shows (`0.945` → `94.5%`).
pub fn number_text(value: f64, percent: bool) -> String {
    if !value.is_finite() {
        return "#NUM!".into();
    }
    // `{}` on f64 is the shortest text that reads back the same number,
    // and never uses an exponent.
    let value = if value == 0.0 { 0.0 } else { value };
    let text = format!("{value}");
    if percent {
        format!("{}%", times_hundred(&text))
    } else {
        text
    }
}

/// Multiply a decimal text by 100 by moving its point: exact, no floating
/// point (`0.945` → `94.5`, `1` → `100`, `-0.0001` → `-0.01`).
pub fn times_hundred(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut int = int.to_string();
    let mut frac = frac.chars();
    for _ in 0..2 {
        int.push(frac.next().unwrap_or('0'));
    }
    let frac = frac.as_str().trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let sign = if int == "0" && frac.is_empty() {
        ""
    } else {
        sign
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::super::tests::{at, describe, messages};
    use super::super::{LoadedFile, Pos, load as load_file};
    use super::*;

    /// A zip archive of `(name, content)` entries, stored uncompressed.
    fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, content) in entries {
            out.start_file(*name, options)
                .unwrap_or_else(|e| panic!("{e}"));
            out.write_all(content.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        out.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
    }

    const NS: &str = "http://schemas.openxmlformats.org";

    /// A one-sheet workbook named `Returns` with the given `<sheetData>`
    /// rows. Style 1 is the built-in `0%`, style 2 a custom `0.0%`, style 3
    /// a currency format.
    fn xlsx(rows: &str) -> Vec<u8> {
        xlsx_with(rows, "")
    }

    /// [`xlsx`], with `after` (such as `<mergeCells>`) after the sheet's
    /// data. Style 4 is the built-in date format.
    fn xlsx_with(rows: &str, after: &str) -> Vec<u8> {
        let content_types = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#
        );
        let rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="Returns" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let workbook_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
        );
        let styles = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="&quot;£&quot;#,##0"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
        );
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>{after}</worksheet>"#
        );
        zip(&[
            ("[Content_Types].xml", &content_types),
            ("_rels/.rels", &rels),
            ("xl/workbook.xml", &workbook),
            ("xl/_rels/workbook.xml.rels", &workbook_rels),
            ("xl/styles.xml", &styles),
            ("xl/worksheets/sheet1.xml", &sheet),
        ])
    }

    fn s(cell: &str, text: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    fn header() -> String {
        let names = [
            "organisation",
            "period",
            "measure",
            "status",
            "q1",
            "q2",
            "q3",
            "q4",
            "target",
        ];
        let cells: String = names
            .iter()
            .zip('A'..)
            .map(|(name, col)| s(&format!("{col}1"), name))
            .collect();
        format!(r#"<row r="1">{cells}</row>"#)
    }

    #[test]
    fn reads_the_first_sheet_as_a_table() {
        let rows = format!(
            r#"{}<row r="2">{}{}{}{}<c r="E2" s="1"><v>0.63</v></c><c r="F2" s="2"><v>0.945</v></c><c r="G2"><f>F2*1000</f><v>945</v></c><c r="H2" t="e"><v>#REF!</v></c><c r="I2" s="3"><v>13000</v></c></row><row r="4">{}{}{}<c r="E4"><v>12.5</v></c><c r="F4" t="b"><v>1</v></c><c r="G4" s="1"><v>1</v></c><c r="H4" s="2"><v>-0.0001</v></c></row>"#,
            header(),
            s("A2", "Leeds"),
            s("B2", "2011/12 Q4"),
            s("C2", "appraisals"),
            s("D2", "Amber"),
            s("A4", "Leeds"),
            s("B4", "2011/12 Q4"),
            s("C4", "sickness"),
        );
        let file = load_file("returns.xlsx", xlsx(&rows));
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        assert_eq!(file.sheet.as_deref(), Some("Returns"));
        insta::assert_snapshot!(describe(&file));
        let q4 = file.returns[0].measures[0]
            .values
            .get(crate::returns::tests::q(4))
            .map(|t| at(&file, t.pos));
        assert_eq!(q4.as_deref(), Some("Returns!H2"));
    }

    #[test]
    fn missing_columns_name_the_header_row() {
        let rows = format!(
            r#"<row r="3">{}{}</row>"#,
            s("B3", "organisation"),
            s("C3", "measure")
        );
        let file = load_file("r.xlsx", xlsx(&rows));
        assert_eq!(messages(&file), ["the header row has no `period` column"]);
        assert_eq!(file.problems[0].pos, Some(Pos::Cell { row: 2, col: 1 }));
        assert_eq!(
            at(&file, file.problems[0].pos.unwrap_or_default()),
            "Returns!B3"
        );
    }

    #[test]
    fn an_empty_sheet_and_junk_are_findings() {
        let file = load_file("r.xlsx", xlsx(""));
        assert_eq!(messages(&file), ["the first sheet is empty"]);
        for path in ["r.xlsx", "r.ods"] {
            let file: LoadedFile = load_file(path, b"PK\x03\x04 not really a zip".to_vec());
            assert!(file.returns.is_empty());
            assert_eq!(file.problems.len(), 1);
            assert!(
                file.problems[0].message.starts_with("this file is not an"),
                "{:?}",
                messages(&file)
            );
            let file = load_file(path, zip(&[("hello.txt", "hi")]));
            assert_eq!(file.problems.len(), 1, "{path}");
        }
    }

    /// An ODS file with one table `Data` holding `rows`.
    fn ods(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Data">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            (
                "META-INF/manifest.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
            ),
            ("content.xml", &content),
        ])
    }

    #[test]
    fn ods_repeat_bombs_are_refused_before_reading() {
        let bomb = ods(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        let file = load_file("r.ods", bomb);
        assert_eq!(
            messages(&file),
            ["this spreadsheet expands to 16384000000 cells; ragcheck reads at most 4000000"]
        );
    }

    #[test]
    fn ods_space_bombs_are_refused_before_reading() {
        // A few hundred bytes that calamine would expand to 4 GB of spaces.
        let bomb = ods(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>x<text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#,
        );
        let file = load_file("r.ods", bomb);
        assert_eq!(
            messages(&file),
            ["cell Data!A1 expands to 3.8 GiB of text; a cell may hold at most 1 MiB"]
        );
    }

    #[test]
    fn xlsx_cells_are_bounded() {
        // One long shared string, named by many cells: refused for its
        // length, never copied into each.
        let long = "x".repeat(MAX_CELL_BYTES as usize + 1);
        let rows = format!(r#"{}<row r="2">{}</row>"#, header(), s("A2", &long));
        let file = load_file("r.xlsx", xlsx(&rows));
        assert_eq!(
            messages(&file),
            ["cell Returns!A2 expands to 1.1 MiB of text; a cell may hold at most 1 MiB"]
        );
    }

    /// An ODS text cell.
    fn cell(text: &str) -> String {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    }

    /// An ODS row of text cells.
    fn row(cells: &[&str]) -> String {
        format!(
            "<table:table-row>{}</table:table-row>",
            cells.iter().map(|c| cell(c)).collect::<String>()
        )
    }

    #[test]
    fn reads_ods() {
        let bytes = ods(&format!(
            r#"{}{}<table:table-row>{}{}{}<table:table-cell office:value-type="percentage" office:value="0.94"><text:p>94%</text:p></table:table-cell></table:table-row>"#,
            row(&["organisation", "period", "measure", "q1"]),
            row(&["York", "2011/12 Q4", "m1", "63%"]),
            cell("York"),
            cell("2011/12 Q4"),
            cell("m2"),
        ));
        let file = load_file("r.ods", bytes);
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        // The known limitation: calamine gives no number formats for ODS,
        // so a percentage cell reads as its ratio.
        let q1 = file.returns[0].measures[1]
            .values
            .get(crate::returns::tests::q(1))
            .map(|t| t.as_str());
        assert_eq!(q1, Some("0.94"));
        assert_eq!(file.sheet.as_deref(), Some("Data"));
        insta::assert_snapshot!(describe(&file));
    }

    #[test]
    fn a_layout_reads_ods_too() {
        let bytes = ods(&format!(
            "{}{}{}",
            row(&["", "Quarter 4 2011/12"]),
            row(&["Measure", "Status", "Q1", "Q2", "Q3", "Q4"]),
            row(&["BUD 1", "Green", "£1k", "£2k", "£3k", "£617, unders"]),
        ));
        let layout = WIDE.replace("\"returns\"", "\"data\"");
        let file = through_layout_as("scorecard.ods", bytes, &layout);
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        assert_eq!(file.sheet.as_deref(), Some("Data"));
        let q4 = file.returns[0].measures[0]
            .values
            .get(crate::period::SubPeriod::quarter(4).unwrap_or(crate::period::SubPeriod::YEAR))
            .map(|t| at(&file, t.pos));
        assert_eq!(q4.as_deref(), Some("Data!F3"));
        assert_eq!(
            file.returns[0].period.as_ref().map(|t| t.as_str()),
            Some("2011/12 Q4")
        );
    }

    #[test]
    fn numbers_as_text() {
        assert_eq!(number_text(945.0, false), "945");
        assert_eq!(number_text(0.1, false), "0.1");
        assert_eq!(number_text(-0.0, false), "0");
        assert_eq!(number_text(1e21, false), "1000000000000000000000");
        assert_eq!(number_text(1.5e-7, false), "0.00000015");
        assert_eq!(number_text(f64::NAN, false), "#NUM!");
        assert_eq!(number_text(0.94, true), "94%");
        assert_eq!(number_text(0.945, true), "94.5%");
        assert_eq!(number_text(1.0, true), "100%");
        assert_eq!(number_text(-0.05, true), "-5%");
        assert_eq!(number_text(0.0, true), "0%");
        assert_eq!(number_text(12.345678, true), "1234.5678%");
        assert_eq!(times_hundred("0.0001"), "0.01");
        assert_eq!(times_hundred("-0.001"), "-0.1");
        assert_eq!(times_hundred("7"), "700");
        assert_eq!(int_text(3, true), "300%");
    }

    #[test]
    fn percent_formats() {
        for yes in ["0%", "0.00%", "0.0%;[Red]-0.0%", "#,##0.0 %"] {
            assert!(is_percent_format(yes), "{yes}");
        }
        for no in [
            "General",
            "0.00",
            "\"%\"0",
            "0\\%",
            "0;0%",
            "[$%-809]0",
            "_%0",
        ] {
            assert!(!is_percent_format(no), "{no}");
        }
    }

    /// Rules with a wide layout of the sheet `Returns`, and the layout's
    /// reading of `bytes`.
    fn through_layout(bytes: Vec<u8>, layout: &str) -> LoadedFile {
        through_layout_as("scorecard.xlsx", bytes, layout)
    }

    fn through_layout_as(path: &str, bytes: Vec<u8>, layout: &str) -> LoadedFile {
        let rules = format!(
            r#"
measure appraisals "Every year 100% of staff have an appraisal" {{ unit percent }}
measure budget "No variation from agreed directorate budget in the year" {{ code "BUD 1" unit gbp }}
{layout}
"#
        );
        let compiled = crate::compile::compile(vec![crate::span::SourceFile::new("r.rag", rules)]);
        let Some(rules) = compiled.rules else {
            panic!("{:#?}", compiled.diagnostics)
        };
        super::super::load_with(path, bytes, &rules, None)
    }

    const WIDE: &str = r#"
layout wide {
    files "*.xlsx", "*.ods"
    sheet "returns"
    header row 2
    organisation "Leeds"
    period cell "B1"
    measure column "Measure"
    status column "Status"
    q1 column "Q1", q2 column "Q2", q3 column "Q3", q4 column "Q4"
}
"#;

    fn wide_header() -> String {
        let cells: String = ["Measure", "Status", "Q1", "Q2", "Q3", "Q4"]
            .iter()
            .zip('A'..)
            .map(|(name, col)| s(&format!("{col}2"), name))
            .collect();
        format!(
            r#"<row r="1">{}</row><row r="2">{cells}</row>"#,
            s("B1", "Reporting Period : Quarter 4 2011/12")
        )
    }

    #[test]
    fn a_layout_reads_its_sheet_dates_and_merged_cells_honestly() {
        // Row 3: a date typed in Q4 of a money measure (serial 40999 is
        // 2012-03-31); row 4: a placeholder merged across Q1..Q3, and a
        // percent-formatted Q4.
        let rows = format!(
            r#"{}<row r="3">{}{}<c r="F3" s="4"><v>40999</v></c></row><row r="4">{}{}{}<c r="F4" s="1"><v>0.945</v></c></row>"#,
            wide_header(),
            s("A3", "bud 1"),
            s("B3", "Green"),
            s("A4", "Every year 100% of staff  have an appraisal"),
            s("B4", "Amber"),
            s("C4", "To be reported in Quarter 4"),
        );
        let merges = r#"<mergeCells count="1"><mergeCell ref="C4:E4"/></mergeCells>"#;
        let file = through_layout(xlsx_with(&rows, merges), WIDE);
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        insta::assert_snapshot!(describe(&file));
        // The date is a value that says it is a date.
        let q4 = file.returns[0].measures[0]
            .values
            .get(crate::period::SubPeriod::quarter(4).unwrap_or(crate::period::SubPeriod::YEAR))
            .cloned();
        let q4 = q4.map(|t| crate::value::parse_value(t.as_str()));
        assert_eq!(
            q4,
            Some(crate::value::ValueText::Invalid {
                reason: "`2012-03-31` is a date, not a value".into()
            })
        );
    }

    #[test]
    fn a_layout_missing_a_column_points_at_the_header_row_cell() {
        let rows = format!(
            r#"<row r="1">{}</row><row r="2">{}{}{}</row>"#,
            s("B1", "Quarter 4 2011/12"),
            s("B2", "Measure"),
            s("C2", "Q1"),
            s("D2", "Q2"),
        );
        let file = through_layout(xlsx(&rows), WIDE);
        assert!(file.returns.is_empty());
        insta::assert_snapshot!(describe(&file));
        let file = through_layout(xlsx(&rows), &WIDE.replace("\"returns\"", "\"Scorecard\""));
        assert_eq!(
            messages(&file),
            ["this spreadsheet has no sheet `Scorecard`; its returns are not read"]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

        /// Odd sheet XML (cells out of order, huge references, bad values)
        /// is a finding or a table, never a panic.
        #[test]
        fn odd_sheets_never_panic(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "<row>", "</row>", "<row r=\"1048576\">", "<row r=\"0\">", "<c r=\"XFD1\">", "<c r=\"A1\">",
            "<c>", "</c>", "<c t=\"e\">", "<c t=\"s\">", "<c t=\"b\">", "<c s=\"1\">", "<c s=\"99\">",
            "<v>", "</v>", "0.5", "#REF!", "x", "-1e308", "NaN", "<is><t>organisation</t></is>",
            "<is><t>measure</t></is>", "<is><t>period</t></is>", "<f>A1</f>",
        ]), 0..60)) {
            let rows = format!("{}{}", header(), pieces.concat());
            let _ = load_file("r.xlsx", xlsx(&rows));
        }
    }
}
