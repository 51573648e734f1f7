//! CSV collections: one file, many returns (SPEC 2.2).
//!
//! A small hand scanner rather than the `csv` crate, because every cell
//! needs its exact byte range for diagnostics, and the crate reports only
//! where a record starts. The dialect is RFC 4180 as spreadsheets write it:
//!
//! - cells are separated by `,`, rows end with `\n`, `\r\n` or `\r`;
//! - a cell that starts with `"` is quoted: it runs to the next lone `"`,
//!   may hold commas and line breaks, and `""` inside it is one `"`; its
//!   range is the text between the quotes;
//! - anything after a closing quote up to the next separator is kept as
//!   text (as the `csv` crate does), and a `"` inside an unquoted cell is an
//!   ordinary character;
//! - a quoted cell left open at the end of the file is an error at its
//!   opening quote; the rows before it are kept.
//!
//! Columns and grouping are the table reader's ([`super::table`]). Only the
//! cells read into the model are allocated; a borrowed slice is all the
//! scanner makes for the rest.

use std::borrow::Cow;

use super::table::{Cell, Table};
use super::{Pos, Return, invalid};
use crate::diagnostic::Finding;

/// Read every return of a CSV text.
pub fn load(text: &str) -> (Vec<Return>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut scanner = Scanner::new(text);
    let mut cells = Vec::new();
    let mut table = None;
    loop {
        let row = match scanner.row(&mut cells) {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(finding) => {
                findings.push(*finding);
                break;
            }
        };
        match &mut table {
            Some(table) => Table::row(table, &cells, row, &mut findings),
            None => {
                // Leading blank lines are not the header.
                if cells.iter().all(|c| c.text.trim().is_empty()) {
                    continue;
                }
                match Table::new(&cells, row, &mut findings) {
                    Some(t) => table = Some(t),
                    None => return (Vec::new(), findings),
                }
            }
        }
    }
    match table {
        Some(table) => (table.finish(), findings),
        None => {
            if findings.is_empty() {
                findings.push(
                    invalid("this CSV file is empty", Pos::File)
                        .help("the first row names the columns: organisation, period, measure, …"),
                );
            }
            (Vec::new(), findings)
        }
    }
}

/// Cuts a CSV text into rows of cells with their byte ranges.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        // A byte order mark is not part of the first header name.
        let at = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Scanner { text, at }
    }

    /// Read the next row into `cells`; its place (the row without its line
    /// break), or `None` at the end of the text.
    pub fn row(&mut self, cells: &mut Vec<Cell<'a>>) -> Result<Option<Pos>, Box<Finding>> {
        cells.clear();
        let bytes = self.text.as_bytes();
        if self.at >= bytes.len() {
            return Ok(None);
        }
        let start = self.at;
        loop {
            cells.push(self.cell()?);
            match bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'\r') => {
                    let end = self.at;
                    self.at += 1;
                    if bytes.get(self.at) == Some(&b'\n') {
                        self.at += 1;
                    }
                    return Ok(Some(Pos::bytes(start, end)));
                }
                Some(b'\n') => {
                    let end = self.at;
                    self.at += 1;
                    return Ok(Some(Pos::bytes(start, end)));
                }
                _ => return Ok(Some(Pos::bytes(start, self.at))),
            }
        }
    }

    /// One cell, leaving `at` on the separator or line break after it.
    fn cell(&mut self) -> Result<Cell<'a>, Box<Finding>> {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.at;
        if bytes.get(start) != Some(&b'"') {
            let end = find_separator(bytes, start);
            self.at = end;
            return Ok(Cell {
                text: Cow::Borrowed(text.get(start..end).unwrap_or("")),
                pos: Pos::bytes(start, end),
            });
        }
        // A quoted cell.
        let open = start + 1;
        let mut at = open;
        let mut escaped = false;
        let close =
            loop {
                match bytes
                    .get(at..)
                    .and_then(|rest| rest.iter().position(|&b| b == b'"'))
                {
                    None => {
                        return Err(Box::new(invalid(
                        "a quoted cell is never closed: its quote runs to the end of the file",
                        Pos::bytes(start, open),
                    )
                    .label("opened here")
                    .help("close the cell with `\"`, and write a quote inside a cell as `\"\"`")));
                    }
                    Some(offset) => {
                        let quote = at + offset;
                        if bytes.get(quote + 1) == Some(&b'"') {
                            escaped = true;
                            at = quote + 2;
                        } else {
                            break quote;
                        }
                    }
                }
            };
        let inner = text.get(open..close).unwrap_or("");
        let mut value = if escaped {
            Cow::Owned(inner.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(inner)
        };
        // Text after the closing quote, up to the separator, is kept.
        let after = close + 1;
        let end = find_separator(bytes, after);
        self.at = end;
        let mut range_end = close;
        if end > after {
            value.to_mut().push_str(text.get(after..end).unwrap_or(""));
            range_end = end;
        }
        Ok(Cell {
            text: value,
            pos: Pos::bytes(open, range_end),
        })
    }
}

/// The first `,`, `\n` or `\r` at or after `from`, or the end.
fn find_separator(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| {
            rest.iter()
                .position(|&b| b == b',' || b == b'\n' || b == b'\r')
        })
        .map_or(bytes.len(), |offset| from + offset)
}
