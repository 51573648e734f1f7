//! Spreadsheets (`.xlsx`, `.ods`) through calamine: the first sheet, read as
//! a table with the same columns as CSV (SPEC 2.3).
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
//! Limitations, both from what calamine exposes:
//!
//! - number formats are read for `.xlsx` only: in an `.ods` file a
//!   percentage cell gives its ratio (`0.94`);
//! - a date or time cell gives its serial number (`40999`).
//!
//! Safety: a spreadsheet is a zip archive, and a small one can unpack to
//! gigabytes. The archive's declared sizes are checked against
//! [`MAX_UNPACKED_BYTES`] before calamine sees it (the zip reader holds
//! every entry to its declared size), `.xlsx` sheets are streamed cell by
//! cell, at most [`MAX_CELLS`] cells are kept, and a panic inside calamine
//! becomes a finding.

use std::borrow::Cow;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Ods, Reader, Style, Xlsx};

use super::table::{Cell, Table};
use super::{Format, LoadedFile, Pos, invalid};
use crate::diagnostic::Finding;
use crate::span::SourceFile;

/// The most a spreadsheet may unpack to, in bytes (256 MiB).
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// The most non-empty cells read from a sheet.
pub const MAX_CELLS: usize = 4_000_000;

/// One non-empty cell of the sheet, as text.
#[derive(Clone, Debug, PartialEq)]
struct SheetCell {
    row: u32,
    col: u32,
    text: String,
}

/// The first sheet of a workbook.
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
    };
    let kind = if format == Format::Ods { "ODS" } else { "XLSX" };
    if let Err(finding) = check_archive(bytes, kind) {
        file.problems.push(*finding);
        return file;
    }
    let read = catch_unwind(AssertUnwindSafe(|| match format {
        Format::Ods => read_ods(bytes),
        _ => read_xlsx(bytes),
    }));
    let sheet = match read {
        Ok(Ok(sheet)) => sheet,
        Ok(Err(finding)) => {
            file.problems.push(*finding);
            return file;
        }
        Err(_) => {
            file.problems.push(invalid(
                format!("this {kind} spreadsheet could not be read: its reader failed on it"),
                Pos::File,
            ));
            return file;
        }
    };
    let (returns, problems) = table(sheet.cells);
    file.sheet = Some(sheet.name);
    file.returns = returns;
    file.problems = problems;
    file
}

/// Refuse what is not a zip archive, and an archive that unpacks to more
/// than [`MAX_UNPACKED_BYTES`].
fn check_archive(bytes: &[u8], kind: &str) -> Result<(), Box<Finding>> {
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
        return Err(Box::new(invalid(
            format!(
                "this spreadsheet unpacks to {} MiB; ragcheck reads spreadsheets of at most {} MiB unpacked",
                total.div_ceil(1024 * 1024),
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ),
            Pos::File,
        )));
    }
    Ok(())
}

fn too_many_cells() -> Box<Finding> {
    Box::new(
        invalid(
            format!("the sheet holds more than {MAX_CELLS} cells; it is not read"),
            Pos::File,
        )
        .help("split the collection into several files"),
    )
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, Box<Finding>> {
    let unreadable = |error: calamine::XlsxError| {
        Box::new(invalid(
            format!("this XLSX file cannot be read: {error}"),
            Pos::File,
        ))
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = first_sheet(&workbook.sheet_names())?;
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
    let percent: Vec<bool> = reader.styles().iter().map(is_percent_style).collect();
    let mut cells = Vec::new();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let pct = percent.get(style).copied().unwrap_or(false);
        let text = ref_text(cell.get_value(), pct);
        if text.is_empty() {
            continue;
        }
        if cells.len() >= MAX_CELLS {
            return Err(too_many_cells());
        }
        cells.push(SheetCell {
            row,
            col,
            text: text.into_owned(),
        });
    }
    Ok(Sheet { name, cells })
}

fn read_ods(bytes: &[u8]) -> Result<Sheet, Box<Finding>> {
    let unreadable = |error: calamine::OdsError| {
        Box::new(invalid(
            format!("this ODS file cannot be read: {error}"),
            Pos::File,
        ))
    };
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = first_sheet(&workbook.sheet_names())?;
    let range = workbook.worksheet_range(&name).map_err(unreadable)?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut cells = Vec::new();
    for (row, col, value) in range.used_cells() {
        let text = data_text(value);
        if text.is_empty() {
            continue;
        }
        if cells.len() >= MAX_CELLS {
            return Err(too_many_cells());
        }
        cells.push(SheetCell {
            row: row0.saturating_add(u32::try_from(row).unwrap_or(u32::MAX)),
            col: col0.saturating_add(u32::try_from(col).unwrap_or(u32::MAX)),
            text: text.into_owned(),
        });
    }
    Ok(Sheet { name, cells })
}

fn first_sheet(names: &[String]) -> Result<String, Box<Finding>> {
    names
        .first()
        .cloned()
        .ok_or_else(|| Box::new(invalid("this spreadsheet has no sheet", Pos::File)))
}

/// The sheet's cells → returns: the first non-empty row is the header, its
/// columns from the first to the last it names; cells outside them are
/// ignored.
fn table(mut cells: Vec<SheetCell>) -> (Vec<super::Return>, Vec<Finding>) {
    let mut findings = Vec::new();
    cells.sort_by_key(|c| (c.row, c.col));
    let mut rows = cells.chunk_by(|a, b| a.row == b.row);
    let Some(header) = rows.next() else {
        findings.push(
            invalid("the first sheet is empty", Pos::File)
                .help("the first row names the columns: organisation, period, measure, …"),
        );
        return (Vec::new(), findings);
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
        return (Vec::new(), findings);
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
    (table.finish(), findings)
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
        DataRef::DateTime(d) => Cow::Owned(d.to_string()),
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
        Data::DateTime(d) => Cow::Owned(d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        Data::Error(e) => Cow::Owned(e.to_string()),
        Data::Empty => Cow::Borrowed(""),
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
