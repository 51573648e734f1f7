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
//! Columns and grouping are the table reader's (`table.rs`). Only the
//! cells read into the model are allocated; a borrowed slice is all the
//! scanner makes for the rest.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher as _;

use super::table::{Cell, Table, header_differs};
use super::{Pos, Problems, Return, Text, invalid};
use crate::diagnostic::Diagnostic;
use crate::value::trim;

/// Read every return of a CSV text.
pub fn load(text: &str) -> (Vec<Return>, Vec<Diagnostic>) {
    let (mut index, findings) = Index::new(text);
    let mut returns = Vec::with_capacity(index.len());
    while !index.is_done() {
        returns.extend(index.next_batch(text, usize::MAX, usize::MAX));
    }
    (returns, findings)
}

/// A CSV text's rows, indexed by the return they belong to, so that its
/// returns can be built (and checked, and let go) a batch at a time
/// rather than all at once: a collection of 200,000 returns then takes
/// about the memory of its text.
///
/// [`Index::new`] reads the text once and finds every loading problem
/// (ragged rows, bad ids, a header field that differs within a return, an
/// unclosed quote), but keeps only each row's start, four bytes a row;
/// [`Index::next_batch`] reads the rows of the next returns again, in
/// order of first appearance, and builds them exactly as a whole-file
/// read would.
pub struct Index {
    table: Option<Table>,
    /// The start of every row read, grouped by return (in order of first
    /// appearance), each return's rows in file order.
    rows: Vec<u32>,
    /// Where each return's rows start in `rows`, and one past the last.
    bounds: Vec<u32>,
    /// The next return to build.
    next: usize,
}

impl Index {
    /// Index a CSV text: the index, and every loading problem of the file.
    pub fn new(text: &str) -> (Index, Vec<Diagnostic>) {
        let mut findings = Problems::default();
        let mut index = Index {
            table: None,
            rows: Vec::new(),
            bounds: vec![0],
            next: 0,
        };
        let mut scanner = Scanner::new(text);
        let mut cells = Vec::new();
        let mut first_cells = Vec::new();
        // Each row's start and return, in file order.
        let mut starts: Vec<u32> = Vec::new();
        let mut groups: Vec<u32> = Vec::new();
        // `organisation \u{1f} period` → return; the last key looked up.
        let mut by_key: HashMap<Box<str>, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut key = String::new();
        let mut last: Option<u32> = None;
        // Per return and header column: a hash of the first value given
        // (trimmed) and the start of its row (`u32::MAX`: none yet).
        let mut header_cols: Vec<(usize, Text)> = Vec::new();
        let mut firsts: Vec<(u64, u32)> = Vec::new();
        let hasher = foldhash::fast::FixedState::with_seed(0x5ca1ab1e);
        loop {
            let row = match scanner.row(&mut cells) {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(finding) => {
                    findings.push(*finding);
                    break;
                }
            };
            let Some(table) = &index.table else {
                // Leading blank lines are not the header.
                if cells.iter().all(|c| c.text.trim().is_empty()) {
                    continue;
                }
                match Table::new(&cells, row, &mut findings) {
                    Some(t) => {
                        header_cols = t
                            .header_columns()
                            .into_iter()
                            .map(|(i, k)| (i, k.clone()))
                            .collect();
                        index.table = Some(t);
                    }
                    None => return (index, findings.into_vec()),
                }
                continue;
            };
            if table.accept(&cells, row, &mut findings).is_none() {
                continue;
            }
            let Some((org, period)) = table.key_cells(&cells) else {
                continue;
            };
            let (org, period) = (trim(&org.text), trim(&period.text));
            let same = last.is_some()
                && key.len() == org.len() + 1 + period.len()
                && key.starts_with(org)
                && key.as_bytes().get(org.len()) == Some(&0x1f)
                && key.ends_with(period);
            if !same {
                key.clear();
                key.push_str(org);
                key.push('\u{1f}');
                key.push_str(period);
                let fresh = by_key.len() as u32;
                let group = *by_key.entry(key.as_str().into()).or_insert(fresh);
                if group == fresh {
                    firsts.resize(firsts.len() + header_cols.len(), (0, u32::MAX));
                }
                last = Some(group);
            }
            let group = last.unwrap_or(0);
            let start = row_start(row);
            starts.push(start);
            groups.push(group);
            // A header field must agree within a return: told here, as
            // the rows come, as a whole-file read tells it.
            for (h, (col, key)) in header_cols.iter().enumerate() {
                let Some(cell) = cells.get(*col).filter(|c| !c.is_blank()) else {
                    continue;
                };
                let value = cell.text.trim();
                let hash = hasher.hash_one(value);
                let Some(slot) = firsts.get_mut(group as usize * header_cols.len() + h) else {
                    continue;
                };
                if slot.1 == u32::MAX {
                    *slot = (hash, start);
                } else if slot.0 != hash {
                    let mut again = Scanner::at(text, slot.1 as usize);
                    if let Ok(Some(_)) = again.row(&mut first_cells)
                        && let Some(first) = first_cells.get(*col)
                    {
                        findings.push(header_differs(key, cell, first.text.trim(), first.pos));
                    }
                }
            }
        }
        drop(by_key);
        drop(firsts);
        // Rows by return, each return's in file order (a counting sort).
        let returns = index.table.as_ref().map_or(0, |_| {
            groups.iter().map(|&g| g as usize + 1).max().unwrap_or(0)
        });
        let mut bounds = vec![0u32; returns + 1];
        for &g in &groups {
            bounds[g as usize + 1] += 1;
        }
        for i in 1..bounds.len() {
            bounds[i] += bounds[i - 1];
        }
        let mut fill = bounds.clone();
        let mut rows = vec![0u32; starts.len()];
        for (&g, &start) in groups.iter().zip(&starts) {
            let at = &mut fill[g as usize];
            rows[*at as usize] = start;
            *at += 1;
        }
        index.rows = rows;
        index.bounds = bounds;
        if index.table.is_none() && findings.is_empty() {
            findings.push(
                invalid("this CSV file is empty", Pos::File)
                    .help("the first row names the columns: organisation, period, measure, …"),
            );
        }
        (index, findings.into_vec())
    }

    /// How many returns the text holds.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Whether the text holds no returns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every return has been built.
    pub fn is_done(&self) -> bool {
        self.next >= self.len()
    }

    /// Build the next returns of `text` (the text indexed), in order of
    /// first appearance: at least one, and then as many as have at most
    /// `rows` rows in all, at most `returns` of them.
    pub fn next_batch(&mut self, text: &str, rows: usize, returns: usize) -> Vec<Return> {
        let Some(table) = &self.table else {
            self.next = self.len();
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut cells = Vec::new();
        // Problems were all found by `new`.
        let mut ignored = Problems::default();
        let mut taken = 0;
        while let (Some(&from), Some(&to)) =
            (self.bounds.get(self.next), self.bounds.get(self.next + 1))
        {
            let count = (to - from) as usize;
            if !out.is_empty() && (taken + count > rows || out.len() >= returns) {
                break;
            }
            taken += count;
            self.next += 1;
            let mut ret: Option<Return> = None;
            for &start in self.rows.get(from as usize..to as usize).unwrap_or(&[]) {
                let mut scanner = Scanner::at(text, start as usize);
                let Ok(Some(row)) = scanner.row(&mut cells) else {
                    continue;
                };
                let Some(id) = table.accept(&cells, row, &mut ignored) else {
                    continue;
                };
                let Some((org, period)) = table.key_cells(&cells) else {
                    continue;
                };
                let ret = ret.get_or_insert_with(|| Table::start(org, period, row, count));
                Table::fill(table.roles(), ret, id, &cells, &mut ignored);
                ignored.clear();
            }
            out.extend(ret);
        }
        out
    }
}

/// Where a row starts (rows are byte ranges in a CSV text).
fn row_start(row: Pos) -> u32 {
    match row {
        Pos::Bytes { start, .. } => start,
        _ => 0,
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

    /// A scanner that starts at byte `at`: the start of a row.
    pub fn at(text: &'a str, at: usize) -> Scanner<'a> {
        Scanner { text, at }
    }

    /// Read the next row into `cells`; its place (the row without its line
    /// break), or `None` at the end of the text.
    pub fn row(&mut self, cells: &mut Vec<Cell<'a>>) -> Result<Option<Pos>, Box<Diagnostic>> {
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
    fn cell(&mut self) -> Result<Cell<'a>, Box<Diagnostic>> {
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
                match find(bytes, at, [b'"'; 3]) {
                    None => {
                        return Err(Box::new(invalid(
                        "a quoted cell is never closed: its quote runs to the end of the file",
                        Pos::bytes(start, open),
                    )
                    .label("opened here")
                    .help("close the cell with `\"`, and write a quote inside a cell as `\"\"`")));
                    }
                    Some(quote) => {
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
    find(bytes, from, [b',', b'\n', b'\r']).unwrap_or(bytes.len())
}

/// The first of the bytes `wanted` at or after `from`.
///
/// Eight bytes are tested at once, as one `u64` (a byte equal to a wanted
/// one becomes zero after an xor, and a zero byte is found by the classic
/// "has a zero byte" bit trick; borrows can only mark bytes above a true
/// zero, so the lowest mark is exact): about a third of the instructions of
/// a byte loop.
fn find(bytes: &[u8], from: usize, wanted: [u8; 3]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let [a, b, c] = wanted.map(|w| ONES * u64::from(w));
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut skipped = 0;
    for word in words.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        let marks = zero_bytes(x ^ a) | zero_bytes(x ^ b) | zero_bytes(x ^ c);
        if marks != 0 {
            return Some(from + skipped + (marks.trailing_zeros() / 8) as usize);
        }
        skipped += 8;
    }
    let offset = rest
        .get(skipped..)?
        .iter()
        .position(|byte| wanted.contains(byte))?;
    Some(from + skipped + offset)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, describe, load_text, messages};
    use super::super::{KnownField, LoadedFile};
    use super::{Cell, Scanner};

    #[test]
    fn find_matches_a_byte_loop() {
        // Wanted bytes next to each other, alone, and near bytes that
        // differ from them by one bit or by a borrow (0x80, 0xff, 0x00).
        let text: Vec<u8> = (0..300u32)
            .map(|i| match (i % 37, i % 11) {
                (5, _) | (6, _) => b',',
                (_, 3) => b'\r',
                (_, 4) => 0x80,
                (_, 5) => 0xff,
                (_, 6) => 0,
                (_, 7) => b'-',
                _ => b'a',
            })
            .collect();
        for wanted in [[b',', b'\n', b'\r'], [b','; 3], [b'\n'; 3]] {
            for len in 0..text.len() {
                let bytes = &text[..len];
                for from in 0..=len + 1 {
                    let naive = bytes
                        .get(from..)
                        .and_then(|rest| rest.iter().position(|b| wanted.contains(b)))
                        .map(|offset| from + offset);
                    assert_eq!(super::find(bytes, from, wanted), naive, "{len} {from}");
                }
            }
        }
    }

    fn csv(text: &str) -> LoadedFile {
        load_text("c.csv", text)
    }

    const THREE: &str = "\
Organisation,Period,Measure,Directorate,Title,Status,Commentary,Q1,Q2,Q3,Q4,Data Quality
Leeds,2011/12 Q4,appraisals,CAP,\"Appraisals, all staff\",Amber,\"Recorded at 94%,
rest followed up\",63%,94%,99%,945,checked
Leeds,2011/12 Q4,sickness,CAP,Sickness,Green,\"He said \"\"fine\"\"\",2.1 days,,,,
York,2011/12 Q4,appraisals,,Appraisals,Red,,50%,N/A,,,
Leeds,2012/13 Q1, complaints ,CAP,Complaints,green,,432,,,,
York,2011/12 Q4,sickness,,Sickness,Amber,,\"£13,000\",,,,
";

    #[test]
    fn groups_rows_into_returns() {
        let file = csv(THREE);
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        insta::assert_snapshot!(describe(&file));
        let keys: Vec<_> = file
            .returns
            .iter()
            .map(|r| {
                let t = |t: &Option<super::super::Text>| t.as_ref().map(|t| t.as_str().to_owned());
                (t(&r.organisation), t(&r.period), r.measures.len())
            })
            .collect();
        assert_eq!(
            keys,
            [
                (Some("Leeds".into()), Some("2011/12 Q4".into()), 2),
                (Some("York".into()), Some("2011/12 Q4".into()), 2),
                (Some("Leeds".into()), Some("2012/13 Q1".into()), 1),
            ]
        );
    }

    #[test]
    fn cells_point_at_their_exact_place() {
        let file = csv(THREE);
        let leeds = &file.returns[0];
        let m = &leeds.measures[0];
        let place =
            |t: Option<&super::super::Text>| t.map(|t| (t.as_str().to_owned(), at(&file, t.pos)));
        // A quoted cell with a comma: the range is inside the quotes.
        assert_eq!(
            place(m.known(KnownField::Title)),
            Some(("Appraisals, all staff".into(), "2:34-2:55".into()))
        );
        // A quoted cell over two lines.
        assert_eq!(
            place(m.known(KnownField::Commentary)),
            Some((
                "Recorded at 94%,\nrest followed up".into(),
                "2:64-3:17".into()
            ))
        );
        // The cells after it are on the next line.
        assert_eq!(
            place(m.values.get(crate::returns::tests::q(4))),
            Some(("945".into(), "3:31-3:34".into()))
        );
        // `""` is one quote; the range covers what was typed.
        let sickness = &leeds.measures[1];
        assert_eq!(
            place(sickness.known(KnownField::Commentary)),
            Some(("He said \"fine\"".into(), "4:47-4:63".into()))
        );
        // An empty value cell is a blank value at that cell.
        assert_eq!(
            place(sickness.values.get(crate::returns::tests::q(2))),
            Some(("".into(), "4:74-4:74".into()))
        );
        // Ids without surrounding space, at the id itself.
        let complaints = &file.returns[2].measures[0];
        assert_eq!(
            place(complaints.id.as_ref()),
            Some(("complaints".into(), "6:19-6:29".into()))
        );
        // The return starts at its first row.
        assert_eq!(at(&file, file.returns[1].pos), "5:1-5:55");
    }

    #[test]
    fn returns_come_the_same_in_batches_of_any_size() {
        // Rows of a return scattered over the file, a header field that
        // differs in a later row, bad rows between.
        let text = "organisation,period,measure,directorate,q1\n\
             A,2011/12 Q4,m1,CAP,1\n\
             B,2011/12 Q4,m1,CAP,2\n\
             A,2011/12 Q4,bad id,CAP,3\n\
             C,2011/12 Q4,m1,,4\n\
             B,2011/12 Q4,m2,Other,5\n\
             A,2011/12 Q4,m2,CAP,6\n\
             short\n\
             C,2011/12 Q4,m2,Late,7\n\
             A, 2011/12 Q4 ,m3, CAP ,8\n";
        let (whole, findings) = super::load(text);
        assert_eq!(
            findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>(),
            [
                "`bad id` is not a valid measure id; the measure is skipped",
                "`directorate` differs within one return: `Other` here, `CAP` in its first row; the first is kept",
                "this row has 1 cells but the header row names 5 columns; the row is skipped",
            ]
        );
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0].measures.len(), 3);
        for (rows, returns) in [(0, 9), (1, 9), (2, 9), (3, 9), (5, 9), (9, 1), (9, 2)] {
            let (mut index, again) = super::Index::new(text);
            assert_eq!(again, findings);
            let mut batches = Vec::new();
            while !index.is_done() {
                let batch = index.next_batch(text, rows, returns);
                assert!(!batch.is_empty() && batch.len() <= returns);
                batches.extend(batch);
            }
            assert_eq!(batches, whole, "{rows} rows, {returns} returns a batch");
        }
    }

    #[test]
    fn ragged_rows_are_reported_and_skipped() {
        let file = csv("organisation,period,measure,q1\n\
             A,2011/12 Q4,m1,1\n\
             A,2011/12 Q4,m2\n\
             A,2011/12 Q4,m3,£13,000\n\
             A,2011/12 Q4,m4,4,,\n\
             \n\
             A,2011/12 Q4,m5,5\n");
        insta::assert_snapshot!(describe(&file));
        let ids: Vec<_> = file.returns[0]
            .measures
            .iter()
            .map(|m| m.id().to_owned())
            .collect();
        assert_eq!(ids, ["m1", "m4", "m5"]);
    }

    #[test]
    fn missing_columns_and_bad_rows() {
        let file = csv("organisation;period;measure\nA;B;C\n");
        assert_eq!(
            messages(&file),
            ["the header row has no `organisation`, `period`, `measure` columns"]
        );
        let file = csv("\n\norganisation,measure,q1,Q1\nA,m,1,2\n");
        insta::assert_snapshot!(describe(&file));
        assert_eq!(messages(&csv("")), ["this CSV file is empty"]);
        assert_eq!(messages(&csv("\n\n")), ["this CSV file is empty"]);
    }

    #[test]
    fn header_fields_must_agree_within_a_return() {
        let file = csv("organisation,period,measure,directorate,return.contact\n\
             A,2011/12 Q4,m1,CAP,\n\
             A,2011/12 Q4,m2,Other,jo@example.org\n\
             A,2011/12 Q4,bad id,CAP,\n");
        insta::assert_snapshot!(describe(&file));
    }

    #[test]
    fn line_endings_bom_and_open_quotes() {
        let file = csv(
            "\u{feff}organisation,period,measure,q1\r\nA,2011/12 Q4,m,\"1\r\n2\"\r\nB,2011/12 Q4,m,\"open\r\n",
        );
        insta::assert_snapshot!(describe(&file));
        assert_eq!(file.returns.len(), 1);
    }

    #[test]
    fn scanner_cells() {
        let text = "a,\"b,\"\"c\"\"\",d\"e,\"f\"g\r\n,\rh";
        let mut scanner = Scanner::new(text);
        let mut cells: Vec<Cell> = Vec::new();
        let mut rows = Vec::new();
        while let Ok(Some(_)) = scanner.row(&mut cells) {
            rows.push(
                cells
                    .iter()
                    .map(|c| (c.text.to_string(), c.pos))
                    .collect::<Vec<_>>(),
            );
        }
        let texts: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            [vec!["a", "b,\"c\"", "d\"e", "fg"], vec!["", ""], vec!["h"]]
        );
        use super::super::Pos;
        assert_eq!(rows[0][1].1, Pos::bytes(3, 10));
        assert_eq!(rows[0][3].1, Pos::bytes(17, 20));
    }

    #[test]
    fn wide_headers_stay_linear() {
        let mut text = String::from("organisation,period,measure");
        for i in 0..200_000 {
            text.push_str(&format!(",c{i}"));
        }
        text.push_str(&",".repeat(200_000));
        text.push_str(",C5\n");
        let file = csv(&text);
        assert_eq!(
            messages(&file),
            ["the column `C5` is given twice; the first is read"]
        );
    }

    #[test]
    fn problems_are_capped() {
        let text = format!("organisation,period,measure,q1\n{}", "x\n".repeat(5000));
        let file = csv(&text);
        assert_eq!(file.problems.len(), super::super::MAX_PROBLEMS + 1);
        assert_eq!(
            file.problems.last().map(|f| f.message.as_str()),
            Some("4000 more problems in this file are not shown")
        );
    }
}
