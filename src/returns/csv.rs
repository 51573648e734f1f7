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
use std::sync::Arc;

use super::table::{Cell, Table, header_differs};
use super::{Pos, Problems, Return, Text, invalid};
use crate::diagnostic::Diagnostic;
use crate::span::{Chunks, LineIndex, Location};
use crate::value::trim;

/// Read every return of a CSV text (`path` names it in diagnostics).
pub fn load(path: &str, text: &str) -> (Vec<Return>, Vec<Diagnostic>) {
    let path: Arc<str> = Arc::from(path);
    let Ok((mut index, findings)) = Index::new(&path, Origin::Text(text)) else {
        // Never so: text is text.
        return (Vec::new(), Vec::new());
    };
    let mut returns = Vec::with_capacity(index.len());
    while !index.is_done() {
        returns.extend(index.next_batch(text, usize::MAX, usize::MAX));
    }
    (returns, findings)
}

/// Where a CSV file's text comes from: the file, open, whose rows are read
/// again by offset when its returns are built ([`Index::read_batch`]), or
/// a text held whole (standard input).
#[derive(Clone, Copy)]
pub enum Origin<'a> {
    File(&'a Held),
    Text(&'a str),
}

/// A CSV file held open, and what it was when it was opened: a file that
/// changes between the index pass and the reading of a piece is noticed,
/// not misread.
#[derive(Debug)]
pub struct Held {
    file: std::fs::File,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

/// Why a CSV file is not read in pieces: it is not UTF-8 text without NUL
/// bytes, or could not be read. The whole-file reader says why.
#[derive(Debug)]
pub struct NotStreamed;

/// The file changed (or could no longer be read) after it was indexed.
#[derive(Debug)]
pub struct Changed;

impl Held {
    /// Hold an open file of at most `limit` bytes.
    pub fn new(file: std::fs::File) -> std::io::Result<Held> {
        let meta = file.metadata()?;
        Ok(Held {
            len: meta.len(),
            modified: meta.modified().ok(),
            file,
        })
    }

    /// The file's length when it was opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the file is still as it was when opened (its length and
    /// modification time).
    fn unchanged(&self) -> bool {
        self.file
            .metadata()
            .is_ok_and(|m| m.len() == self.len && m.modified().ok() == self.modified)
    }

    /// Append up to `want` bytes from byte `at` to `buf` (fewer at the end
    /// of the file as it was opened); how many. The file is read from
    /// `at` on (a held file is read by one worker at a time).
    fn read_into(&self, at: usize, want: usize, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        use std::io::{Read, Seek, SeekFrom};
        let want = want.min((self.len as usize).saturating_sub(at));
        let mut file = &self.file;
        file.seek(SeekFrom::Start(at as u64))?;
        buf.reserve(want);
        file.take(want as u64).read_to_end(buf)
    }

    /// The text of bytes `start..end`, read again: [`Changed`] when the
    /// file is no longer as it was, or those bytes are not whole text.
    pub fn read(&self, start: usize, end: usize) -> Result<String, Changed> {
        if !self.unchanged() {
            return Err(Changed);
        }
        let mut buf = Vec::with_capacity(end.saturating_sub(start));
        match self.read_into(start, end.saturating_sub(start), &mut buf) {
            Ok(n) if n == end - start => String::from_utf8(buf).map_err(|_| Changed),
            _ => Err(Changed),
        }
    }
}

impl Held {
    /// The text of bytes `start..end`, read again, its ends moved in to
    /// whole characters: where it starts, and the text.
    pub fn read_aligned(&self, start: usize, end: usize) -> Result<(usize, String), Changed> {
        if !self.unchanged() {
            return Err(Changed);
        }
        let mut buf = Vec::with_capacity(end.saturating_sub(start));
        let got = self
            .read_into(start, end.saturating_sub(start), &mut buf)
            .map_err(|_| Changed)?;
        if got != end.saturating_sub(start) {
            return Err(Changed);
        }
        let skip = buf
            .iter()
            .take(3)
            .take_while(|&&b| b & 0xc0 == 0x80)
            .count();
        buf.drain(..skip);
        if let Err(e) = std::str::from_utf8(&buf)
            && e.error_len().is_none()
        {
            buf.truncate(e.valid_up_to());
        }
        String::from_utf8(buf)
            .map(|text| (start + skip, text))
            .map_err(|_| Changed)
    }
}

impl Origin<'_> {
    /// The text of bytes `start..end`.
    fn read(&self, start: usize, end: usize) -> Result<Cow<'_, str>, Changed> {
        match self {
            Origin::File(held) => held.read(start, end).map(Cow::Owned),
            Origin::Text(text) => text.get(start..end).map(Cow::Borrowed).ok_or(Changed),
        }
    }

    /// The whole length.
    fn len(&self) -> usize {
        match self {
            Origin::File(held) => held.len as usize,
            Origin::Text(text) => text.len(),
        }
    }
}

/// How many bytes the index pass reads at a time (more when one row is
/// longer).
const BLOCK: usize = 1 << 20;

/// The index pass's window on the text: the whole text, or the file read a
/// block at a time, checked as UTF-8 without NUL bytes as it comes (as
/// [`super::decode_text`] checks a whole file).
struct Stream<'a> {
    origin: Origin<'a>,
    /// The text held, checked as it was read.
    text: String,
    /// The bytes of a character cut at the end of the last block.
    cut: Vec<u8>,
    /// The file offset of `text`.
    base: usize,
    /// Whether the end of the file has been read.
    eof: bool,
    /// How much is read at a time, at least ([`BLOCK`]).
    block: usize,
}

impl<'a> Stream<'a> {
    fn new(origin: Origin<'a>, block: usize) -> Stream<'a> {
        Stream {
            origin,
            text: String::new(),
            cut: Vec::new(),
            base: 0,
            eof: matches!(origin, Origin::Text(_)),
            block,
        }
    }

    /// The text held, and its file offset.
    fn text(&self) -> (&str, usize) {
        match self.origin {
            Origin::Text(text) => (text, 0),
            Origin::File(_) => (&self.text, self.base),
        }
    }

    /// Let go of the text before file offset `keep` and read more: a block,
    /// or as much as is held (so that a very long row is read in as many
    /// steps as its length doubles). The block is read after the text kept
    /// and checked in place, never copied.
    fn refill(&mut self, keep: usize) -> Result<(), NotStreamed> {
        let Origin::File(held) = self.origin else {
            self.eof = true;
            return Ok(());
        };
        let kept = self
            .text
            .as_bytes()
            .get(keep.saturating_sub(self.base)..)
            .unwrap_or(&[]);
        let want = self.block.max(kept.len());
        let mut bytes = Vec::with_capacity(kept.len() + self.cut.len() + want);
        bytes.extend_from_slice(kept);
        bytes.extend_from_slice(&self.cut);
        self.base = keep;
        let old = bytes.len();
        let got = held
            .read_into(self.base + old, want, &mut bytes)
            .map_err(|_| NotStreamed)?;
        if got < want {
            self.eof = true;
        }
        if memchr::memchr(0, &bytes[old..]).is_some() {
            return Err(NotStreamed);
        }
        self.cut.clear();
        self.text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // A character cut at the end of the block: the next block ends it.
            Err(e) if e.utf8_error().error_len().is_none() && !self.eof => {
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                self.cut = bytes.split_off(valid);
                String::from_utf8(bytes).map_err(|_| NotStreamed)?
            }
            Err(_) => return Err(NotStreamed),
        };
        Ok(())
    }
}

/// A CSV text's rows, indexed by the return they belong to, so that its
/// returns can be built (and checked, and let go) a batch at a time
/// rather than all at once: a collection of 200,000 returns then takes
/// about the memory of its index, twelve bytes a row, and not its text.
///
/// [`Index::new`] reads the text once, a block at a time, and finds (and
/// locates) every loading problem (ragged rows, bad ids, a header field
/// that differs within a return, an unclosed quote), but keeps only each
/// row's start and end and each line's start; [`Index::read_batch`] reads
/// the rows of the next returns again from the file, in order of first
/// appearance, and builds them exactly as a whole-file read would.
pub struct Index {
    table: Option<Table>,
    /// The start of every row read, grouped by return (in order of first
    /// appearance), each return's rows in file order.
    rows: Vec<u32>,
    /// The end of each row of `rows` (after its line break).
    ends: Vec<u32>,
    /// Where each return's rows start in `rows`, and one past the last.
    bounds: Vec<u32>,
    /// The start of every line of the text.
    lines: Vec<u32>,
    /// The text up to the end of the header row.
    head: Arc<str>,
    /// The next return to build.
    next: usize,
}

/// The index pass's table of returns by key, and of each return's header
/// fields.
struct Grouping {
    /// `organisation \u{1f} period` → return; the last key looked up.
    by_key: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    key: String,
    last: Option<u32>,
    /// The columns of the return's header fields, with their keys.
    header_cols: Vec<(usize, Text)>,
    /// Per return and header column: where the first value given starts
    /// (at its opening quote, if quoted) and where its text ends
    /// (`u32::MAX`: none yet).
    firsts: Vec<(u32, u32)>,
    /// The first value of each header field of the return `cached` (the
    /// last one a row was read for), trimmed: most rows are compared with
    /// these, without reading the first value again.
    firsts_of: Vec<Option<Box<str>>>,
    cached: u32,
    /// Each row's start and end, and its return, in file order.
    starts: Vec<u32>,
    ends: Vec<u32>,
    groups: Vec<u32>,
}

impl Index {
    /// Index a CSV text (file `path`): the index, and every loading
    /// problem of the file, located. [`NotStreamed`] when the file is not
    /// UTF-8 text (or cannot be read): read it whole for the reason.
    pub fn new(
        path: &Arc<str>,
        origin: Origin<'_>,
    ) -> Result<(Index, Vec<Diagnostic>), NotStreamed> {
        Index::with_block(path, origin, BLOCK)
    }

    /// [`Index::new`], reading `block` bytes at a time.
    fn with_block(
        path: &Arc<str>,
        origin: Origin<'_>,
        block: usize,
    ) -> Result<(Index, Vec<Diagnostic>), NotStreamed> {
        let mut findings = Problems::default();
        let mut index = Index {
            table: None,
            rows: Vec::new(),
            ends: Vec::new(),
            bounds: vec![0],
            lines: vec![0],
            head: Arc::from(""),
            next: 0,
        };
        let mut grouping = Grouping {
            by_key: HashMap::default(),
            key: String::new(),
            last: None,
            header_cols: Vec::new(),
            firsts: Vec::new(),
            firsts_of: Vec::new(),
            cached: u32::MAX,
            starts: Vec::new(),
            ends: Vec::new(),
            groups: Vec::new(),
        };
        let mut stream = Stream::new(origin, block);
        stream.refill(0)?;
        // A byte order mark is not part of the first header name.
        let mut at = if stream.text().0.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        let mut done = false;
        while !done {
            let mut more = false;
            {
                let (text, base) = stream.text();
                let located = Located::new(text, base);
                let mut scanner = Scanner::at_base(text, at - base, base);
                let mut cells = Vec::new();
                let mut quoted = Vec::new();
                let mut cells_count = 0;
                loop {
                    let row_at = base + scanner.at;
                    quoted.clear();
                    // A data row is skimmed: its first cells read, the
                    // others counted.
                    let mut result = match &index.table {
                        Some(table) => scanner.skim(table.key_width(), &mut cells, &mut quoted),
                        None => scanner
                            .row(&mut cells)
                            .map(|r| r.map(|row| (row, cells.len()))),
                    };
                    if let (Some(table), Ok(Some((_, count)))) = (&index.table, &result)
                        && (*count > table.width() || cells.iter().all(Cell::is_blank))
                    {
                        // Cells past the header's, or a row that may be
                        // blank: read whole, to tell.
                        scanner = Scanner::at_base(text, row_at - base, base);
                        quoted.clear();
                        result = scanner
                            .row(&mut cells)
                            .map(|r| r.map(|row| (row, cells.len())));
                    }
                    let result = result.map(|r| {
                        r.map(|(row, count)| {
                            cells_count = count;
                            row
                        })
                    });
                    if !stream.eof && !complete(&result, text, base, scanner.at) {
                        at = row_at;
                        more = true;
                        break;
                    }
                    let row = match result {
                        Ok(Some(row)) => row,
                        Ok(None) => {
                            done = true;
                            break;
                        }
                        Err(finding) => {
                            let from = findings.kept();
                            findings.push(*finding);
                            let lines = &index.lines;
                            findings.map_from(from, |d| located.locate(path, origin, lines, d));
                            done = true;
                            break;
                        }
                    };
                    let end = base + scanner.at;
                    // Lines start after the row's line break, and after any
                    // inside its quoted cells.
                    for cell in &cells {
                        if let Pos::Bytes { start, end } = cell.pos
                            && (start as usize)
                                .checked_sub(base + 1)
                                .and_then(|i| text.as_bytes().get(i))
                                == Some(&b'"')
                        {
                            add_lines(&mut index.lines, text, base, start as usize, end as usize);
                        }
                    }
                    for &(start, end) in &quoted {
                        add_lines(&mut index.lines, text, base, base + start, base + end);
                    }
                    if let Pos::Bytes { end: row_end, .. } = row
                        && (row_end as usize) < end
                    {
                        index.lines.push(end as u32);
                    }
                    let from = findings.kept();
                    index.row(
                        &mut grouping,
                        origin,
                        (text, base),
                        (&cells, cells_count),
                        row,
                        row_at,
                        end,
                        &mut findings,
                    );
                    if findings.kept() > from {
                        let lines = &index.lines;
                        findings.map_from(from, |d| located.locate(path, origin, lines, d));
                    }
                    at = end;
                    if index.table.is_none() && index.head.is_empty() && findings.kept() > from {
                        // The header row was refused: nothing more is read.
                        return Ok((index, findings.into_vec()));
                    }
                }
            }
            if more {
                stream.refill(at)?;
            }
        }
        drop(grouping.by_key);
        drop(grouping.firsts);
        // Rows by return, each return's in file order (a counting sort).
        let returns = index.table.as_ref().map_or(0, |_| {
            grouping
                .groups
                .iter()
                .map(|&g| g as usize + 1)
                .max()
                .unwrap_or(0)
        });
        let mut bounds = vec![0u32; returns + 1];
        for &g in &grouping.groups {
            bounds[g as usize + 1] += 1;
        }
        for i in 1..bounds.len() {
            bounds[i] += bounds[i - 1];
        }
        let mut fill = bounds.clone();
        let mut rows = vec![0u32; grouping.starts.len()];
        let mut ends = vec![0u32; grouping.starts.len()];
        for ((&g, &start), &end) in grouping
            .groups
            .iter()
            .zip(&grouping.starts)
            .zip(&grouping.ends)
        {
            let at = &mut fill[g as usize];
            rows[*at as usize] = start;
            ends[*at as usize] = end;
            *at += 1;
        }
        index.rows = rows;
        index.ends = ends;
        index.bounds = bounds;
        index.lines.shrink_to_fit();
        if index.table.is_none() && findings.is_empty() {
            findings.push(
                invalid("this CSV file is empty", Pos::File)
                    .help("the first row names the columns: organisation, period, measure, …"),
            );
        }
        Ok((index, findings.into_vec()))
    }

    /// Take one row of the index pass (`start..end`, `row` its place without
    /// the line break).
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        g: &mut Grouping,
        origin: Origin<'_>,
        (text, base): (&str, usize),
        (cells, count): (&[Cell<'_>], usize),
        row: Pos,
        start: usize,
        end: usize,
        findings: &mut Problems,
    ) {
        let Some(table) = &self.table else {
            // Leading blank lines are not the header.
            if cells.iter().all(|c| c.text.trim().is_empty()) {
                return;
            }
            if let Some(t) = Table::new(cells, row, findings) {
                g.header_cols = t
                    .header_columns()
                    .into_iter()
                    .map(|(i, k)| (i, k.clone()))
                    .collect();
                self.table = Some(t);
                self.head = match origin.read(0, end) {
                    Ok(head) => Arc::from(head.as_ref()),
                    Err(_) => Arc::from(""),
                };
            }
            return;
        };
        if table.accept_counted(cells, count, row, findings).is_none() {
            return;
        }
        let Some((org, period)) = table.key_cells(cells) else {
            return;
        };
        let (org, period) = (trim(&org.text), trim(&period.text));
        let same = g.last.is_some()
            && g.key.len() == org.len() + 1 + period.len()
            && g.key.starts_with(org)
            && g.key.as_bytes().get(org.len()) == Some(&0x1f)
            && g.key.ends_with(period);
        if !same {
            g.key.clear();
            g.key.push_str(org);
            g.key.push('\u{1f}');
            g.key.push_str(period);
            let fresh = g.by_key.len() as u32;
            let group = *g.by_key.entry(g.key.as_str().into()).or_insert(fresh);
            if group == fresh {
                g.firsts
                    .resize(g.firsts.len() + g.header_cols.len(), (u32::MAX, u32::MAX));
            }
            g.last = Some(group);
        }
        let group = g.last.unwrap_or(0);
        g.starts.push(start as u32);
        g.ends.push(end as u32);
        g.groups.push(group);
        // A header field must agree within a return: told here, as the
        // rows come, as a whole-file read tells it.
        let width = g.header_cols.len();
        if g.cached != group {
            g.cached = group;
            g.firsts_of.clear();
            g.firsts_of.resize(width, None);
        }
        for (h, (col, key)) in g.header_cols.iter().enumerate() {
            let Some(cell) = cells.get(*col).filter(|c| !c.is_blank()) else {
                continue;
            };
            let Some(slot) = g.firsts.get_mut(group as usize * width + h) else {
                continue;
            };
            let Pos::Bytes {
                start: from,
                end: to,
            } = cell.pos
            else {
                continue;
            };
            if slot.0 == u32::MAX {
                // Where the cell starts: at its opening quote, if quoted.
                let quoted = (from as usize)
                    .checked_sub(base + 1)
                    .and_then(|i| text.as_bytes().get(i))
                    == Some(&b'"');
                *slot = (from - u32::from(quoted), to);
                if let Some(first) = g.firsts_of.get_mut(h) {
                    *first = Some(cell.text.trim().into());
                }
                continue;
            }
            let seen = g.firsts_of.get(h).and_then(|f| f.as_deref());
            if seen.is_some_and(|first| first == cell.text.trim()) {
                continue;
            }
            let (first_at, first_to) = (slot.0 as usize, slot.1 as usize);
            // The first value's cell, from the text held or read again.
            let read = (first_at >= base)
                .then(|| text.get(first_at - base..))
                .flatten()
                .map(|rest| (Cow::Borrowed(rest), first_at))
                .or_else(|| {
                    let to = (first_to + 1).min(origin.len());
                    origin
                        .read(first_at, to)
                        .ok()
                        .map(|t| (Cow::Owned(t.into_owned()), first_at))
                });
            let Some((first_text, first_base)) = read else {
                continue;
            };
            let Ok(first) = Scanner::at_base(&first_text, 0, first_base).cell() else {
                continue;
            };
            let value = first.text.trim();
            if cell.text.trim() != value {
                findings.push(header_differs(key, cell, value, first.pos));
            } else if let Some(seen) = g.firsts_of.get_mut(h) {
                *seen = Some(value.into());
            }
        }
    }

    /// How many returns the text holds.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The 0-based line a byte offset of the text is on.
    pub fn line_of(&self, offset: usize) -> u32 {
        line_of(&self.lines, offset)
    }

    /// Whether the text holds no returns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every return has been built.
    pub fn is_done(&self) -> bool {
        self.next >= self.len()
    }

    /// The returns of the next batch: at least one, and then as many as
    /// have at most `rows` rows in all, at most `returns` of them.
    fn take(&mut self, rows: usize, returns: usize) -> std::ops::Range<usize> {
        let first = self.next;
        let mut taken = 0;
        while let (Some(&from), Some(&to)) =
            (self.bounds.get(self.next), self.bounds.get(self.next + 1))
        {
            let count = (to - from) as usize;
            let n = self.next - first;
            if n > 0 && (taken + count > rows || n >= returns) {
                break;
            }
            taken += count;
            self.next += 1;
        }
        first..self.next
    }

    /// Build the next returns of `text` (the text indexed, held whole), in
    /// order of first appearance: at least one, and then as many as have
    /// at most `rows` rows in all, at most `returns` of them.
    pub fn next_batch(&mut self, text: &str, rows: usize, returns: usize) -> Vec<Return> {
        let batch = self.take(rows, returns);
        self.build(batch, |_, _| Some((text, 0)))
    }

    /// [`Index::next_batch`] for a file held open: the rows of the batch
    /// are read again from it, and their text (with the header row's) is
    /// given with the returns, to locate their positions in.
    /// [`Changed`] when the file is no longer as it was indexed.
    pub fn read_batch(
        &mut self,
        held: &Held,
        rows: usize,
        returns: usize,
    ) -> Result<(Vec<Return>, Chunks), Changed> {
        let batch = self.take(rows, returns);
        let (Some(&from), Some(&to)) = (self.bounds.get(batch.start), self.bounds.get(batch.end))
        else {
            return Ok((Vec::new(), Chunks::empty(held.len as usize)));
        };
        let (from, to) = (from as usize, to as usize);
        let mut spans: Vec<(u32, u32)> = self
            .rows
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .zip(self.ends.get(from..to).unwrap_or(&[]))
            .map(|(&s, &e)| (s, e))
            .collect();
        spans.sort_unstable();
        let mut chunks = Chunks::empty(held.len as usize);
        if !self.head.is_empty() {
            chunks.push(0, 0, self.head.clone());
        }
        // Rows near each other are read together.
        const GAP: u32 = 4096;
        let mut i = 0;
        while let Some(&(start, mut end)) = spans.get(i) {
            i += 1;
            while let Some(&(s, e)) = spans.get(i)
                && s <= end.saturating_add(GAP)
            {
                end = end.max(e);
                i += 1;
            }
            let text = held.read(start as usize, end as usize)?;
            let line = match self.lines.binary_search(&start) {
                Ok(l) => l,
                Err(l) => l.saturating_sub(1),
            };
            chunks.push(start as usize, line as u32, text);
        }
        let mut changed = false;
        let returns = self.build(batch, |start, end| {
            let chunk = chunks.at(start, end);
            if chunk.is_none() {
                changed = true;
            }
            chunk.map(|c| (&*c.text, c.base))
        });
        if changed {
            return Err(Changed);
        }
        Ok((returns, chunks))
    }

    /// Build the returns `batch`, the text of each row (`start..end`) and
    /// its offset from `text_of`.
    fn build<'t>(
        &self,
        batch: std::ops::Range<usize>,
        mut text_of: impl FnMut(usize, usize) -> Option<(&'t str, usize)>,
    ) -> Vec<Return> {
        let Some(table) = &self.table else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(batch.len());
        let mut cells = Vec::new();
        // Problems were all found by `new`.
        let mut ignored = Problems::default();
        for g in batch {
            let (Some(&from), Some(&to)) = (self.bounds.get(g), self.bounds.get(g + 1)) else {
                continue;
            };
            let (from, to) = (from as usize, to as usize);
            let count = to - from;
            let mut ret: Option<Return> = None;
            let rows = self.rows.get(from..to).unwrap_or(&[]);
            let ends = self.ends.get(from..to).unwrap_or(&[]);
            for (&start, &end) in rows.iter().zip(ends) {
                let (start, end) = (start as usize, end as usize);
                let Some((text, base)) = text_of(start, end) else {
                    continue;
                };
                let mut scanner = Scanner::at_base(text, start - base, base);
                let Ok(Some(row)) = scanner.row(&mut cells) else {
                    continue;
                };
                // Every row indexed was accepted by the index pass: only
                // its id is taken here.
                let Some(id) = table.measure_id(&cells) else {
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

/// Whether a row the scanner read from a block of the file ended within
/// it: it ended at a line break with what follows the break in view (a
/// `\r` may be the first half of `\r\n`).
fn complete(
    result: &Result<Option<Pos>, Box<Diagnostic>>,
    text: &str,
    base: usize,
    at: usize,
) -> bool {
    match result {
        Ok(Some(Pos::Bytes { end, .. })) => match text.as_bytes().get(*end as usize - base) {
            None => false,
            Some(b'\r') => at < text.len(),
            Some(_) => true,
        },
        _ => false,
    }
}

/// Add the starts of the lines that begin in `start..end` of the file
/// (`text` is held from `base`) to `lines`: after each `\n`, `\r\n` and
/// lone `\r`, as [`crate::span::LineIndex`] counts them.
fn add_lines(lines: &mut Vec<u32>, text: &str, base: usize, start: usize, end: usize) {
    let bytes = text.as_bytes();
    let Some(row) = bytes.get(start - base..end - base) else {
        return;
    };
    for i in memchr::memchr2_iter(b'\n', b'\r', row) {
        let at = start - base + i;
        if bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n') {
            lines.push((base + at + 1) as u32);
        }
    }
}

/// Locates the index pass's problems as they are found: in the text held
/// (a block of the file, which starts a line), or, for a place before it
/// (the first row of a return, far above), in its line read again.
struct Located<'t> {
    text: &'t str,
    base: usize,
    /// Lines and columns in `text`.
    held: LineIndex,
    /// The last line read again: its start, text and index.
    again: std::cell::RefCell<Option<(usize, String, LineIndex)>>,
}

impl<'t> Located<'t> {
    fn new(text: &'t str, base: usize) -> Located<'t> {
        Located {
            text,
            base,
            held: LineIndex::deferred(),
            again: std::cell::RefCell::new(None),
        }
    }

    /// `d`, located (`lines`: the starts of the lines so far).
    fn locate(
        &self,
        path: &Arc<str>,
        origin: Origin<'_>,
        lines: &[u32],
        d: Diagnostic,
    ) -> Diagnostic {
        // A place in the whole file needs no text: it is located with the
        // others of its piece.
        if matches!(d.pos, Some(Pos::File) | None) && d.related_pos.is_empty() {
            return d;
        }
        d.locate(|pos| match pos {
            Pos::Bytes { start, end } => {
                let (start, end) = (start as usize, (end as usize).max(start as usize));
                Location::span(
                    path.clone(),
                    (start, end),
                    self.line_col(origin, lines, start),
                    self.line_col(origin, lines, end),
                )
            }
            _ => Location::whole_file(path.clone()),
        })
    }

    /// The 1-based line and column of a byte offset.
    fn line_col(&self, origin: Origin<'_>, lines: &[u32], offset: usize) -> (u32, u32) {
        if offset >= self.base && offset <= self.base + self.text.len() {
            let first = line_of(lines, self.base);
            let (line, column) = self.held.line_col(self.text, offset - self.base);
            return (first + line, column);
        }
        let line = line_of(lines, offset);
        let start = lines.get(line as usize).copied().unwrap_or(0) as usize;
        let end = lines
            .get(line as usize + 1)
            .map_or(origin.len(), |&e| e as usize);
        let mut again = self.again.borrow_mut();
        if again.as_ref().is_none_or(|(at, _, _)| *at != start) {
            let text = origin
                .read(start, end)
                .map(|t| t.into_owned())
                .unwrap_or_default();
            *again = Some((start, text, LineIndex::deferred()));
        }
        match &*again {
            Some((_, text, index)) => {
                let (_, column) = index.line_col(text, offset - start);
                (line + 1, column)
            }
            None => (line + 1, 1),
        }
    }
}

/// The 0-based line of a byte offset, by the starts of the lines.
fn line_of(lines: &[u32], offset: usize) -> u32 {
    match lines.binary_search(&(offset as u32)) {
        Ok(i) => i as u32,
        Err(i) => i.saturating_sub(1) as u32,
    }
}

/// Cuts a CSV text into rows of cells with their byte ranges.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    at: usize,
    /// The file offset of `text`: cells' places are the file's.
    base: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        // A byte order mark is not part of the first header name.
        let at = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Scanner { text, at, base: 0 }
    }

    /// A scanner over `text`, which is the file from byte `base` on, that
    /// starts at byte `at` of `text`: the start of a row.
    pub fn at_base(text: &'a str, at: usize, base: usize) -> Scanner<'a> {
        Scanner { text, at, base }
    }

    /// A place in the file, from offsets in the text.
    fn pos(&self, start: usize, end: usize) -> Pos {
        Pos::bytes(self.base + start, self.base + end)
    }

    /// Read the next row into `cells`; its place (the row without its line
    /// break), or `None` at the end of the text.
    pub fn row(&mut self, cells: &mut Vec<Cell<'a>>) -> Result<Option<Pos>, Box<Diagnostic>> {
        cells.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        if self.at >= bytes.len() {
            return Ok(None);
        }
        let start = self.at;
        loop {
            let end = self.next_cell(cells)?;
            match bytes.get(end) {
                Some(b',') => self.at = end + 1,
                _ => return Ok(Some(self.end_row(start, end))),
            }
        }
    }

    /// [`Scanner::row`], reading only the first `want` cells into `cells`
    /// and counting the others: the row's place and how many cells it has
    /// (the index pass needs a few of its cells, its end, and whether it is
    /// ragged). The places of the quoted cells past the first `want` (their
    /// text may hold line breaks) are added to `quoted`.
    pub fn skim(
        &mut self,
        want: usize,
        cells: &mut Vec<Cell<'a>>,
        quoted: &mut Vec<(usize, usize)>,
    ) -> Result<Option<(Pos, usize)>, Box<Diagnostic>> {
        cells.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        if self.at >= bytes.len() {
            return Ok(None);
        }
        let start = self.at;
        // The first cells, as `row` reads them.
        while cells.len() < want {
            let end = self.next_cell(cells)?;
            match bytes.get(end) {
                Some(b',') => self.at = end + 1,
                _ => return Ok(Some((self.end_row(start, end), cells.len()))),
            }
        }
        // The others, counted: a stretch of unquoted cells is as many cells
        // as it has commas (a quote matters only where a cell starts), up to
        // the next quoted cell or the line break.
        let mut count = want;
        loop {
            let from = self.at;
            if bytes.get(from) == Some(&b'"') {
                quoted.push(self.skip_quoted()?);
                count += 1;
                let end = self.at;
                match bytes.get(end) {
                    Some(b',') => {
                        self.at = end + 1;
                        continue;
                    }
                    _ => return Ok(Some((self.end_row(start, end), count))),
                }
            }
            let mut at = from;
            loop {
                let rest = bytes.get(at..).unwrap_or(&[]);
                let found = SEARCH.quote_or_break(rest).map(|i| at + i);
                let commas = |to: usize| count_commas(bytes.get(from..to).unwrap_or(&[]));
                match found {
                    // A quote inside an unquoted cell is text.
                    Some(q) if bytes[q] == b'"' && bytes.get(q - 1) != Some(&b',') => at = q + 1,
                    // A quoted cell starts after the commas before it.
                    Some(q) if bytes[q] == b'"' => {
                        count += commas(q);
                        self.at = q;
                        break;
                    }
                    // The row ends at a line break, or at the end.
                    _ => {
                        let end = found.unwrap_or(bytes.len());
                        count += commas(end) + 1;
                        return Ok(Some((self.end_row(start, end), count)));
                    }
                }
            }
        }
    }

    /// Pass over the quoted cell at `at`, as [`Scanner::cell`] reads it
    /// (and with its error), without making its text: `at` is left on the
    /// separator or line break after it; the range `cell` would give it.
    fn skip_quoted(&mut self) -> Result<(usize, usize), Box<Diagnostic>> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let open = start + 1;
        let mut at = open;
        let close = loop {
            match memchr::memchr(b'"', bytes.get(at..).unwrap_or(&[])) {
                None => return Err(Box::new(unclosed(self.pos(start, open)))),
                Some(i) if bytes.get(at + i + 1) == Some(&b'"') => at += i + 2,
                Some(i) => break at + i,
            }
        };
        let after = close + 1;
        let end = find_separator(bytes, after);
        self.at = end;
        Ok((open, if end > after { end } else { close }))
    }

    /// End the row from `start` at `end` (a line break, or the end of the
    /// text): `at` moves past the break; the row's place.
    fn end_row(&mut self, start: usize, end: usize) -> Pos {
        let bytes = self.text.as_bytes();
        self.at = end;
        match bytes.get(end) {
            Some(b'\r') => {
                self.at = end + 1;
                if bytes.get(self.at) == Some(&b'\n') {
                    self.at += 1;
                }
            }
            Some(b'\n') => self.at = end + 1,
            _ => {}
        }
        self.pos(start, end)
    }

    /// Read the cell at the scanner's place into `cells`, leaving the
    /// scanner at the byte after it (a separator, a line end or the end):
    /// that byte's offset.
    fn next_cell(&mut self, cells: &mut Vec<Cell<'a>>) -> Result<usize, Box<Diagnostic>> {
        let cell = self.at;
        if self.text.as_bytes().get(cell) == Some(&b'"') {
            cells.push(self.cell()?);
        } else {
            let end = find_separator(self.text.as_bytes(), cell);
            cells.push(Cell {
                text: Cow::Borrowed(self.text.get(cell..end).unwrap_or("")),
                pos: self.pos(cell, end),
            });
            self.at = end;
        }
        Ok(self.at)
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
                pos: self.pos(start, end),
            });
        }
        // A quoted cell.
        let open = start + 1;
        let mut at = open;
        let mut escaped = false;
        let close = loop {
            match memchr::memchr(b'"', bytes.get(at..).unwrap_or(&[])).map(|i| at + i) {
                None => return Err(Box::new(unclosed(self.pos(start, open)))),
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
            pos: self.pos(open, range_end),
        })
    }
}

/// The finding for a quoted cell left open at the end of the file (its
/// opening quote at `at`).
fn unclosed(at: Pos) -> Diagnostic {
    invalid(
        "a quoted cell is never closed: its quote runs to the end of the file",
        at,
    )
    .label("opened here")
    .help("close the cell with `\"`, and write a quote inside a cell as `\"\"`")
}

/// How many commas `bytes` holds, counted eight bytes at a time (exactly:
/// a byte is a comma when its xor with one is zero, and a zero byte is the
/// one whose low seven bits do not carry into its high bit, nor is it set).
fn count_commas(bytes: &[u8]) -> usize {
    const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
    const COMMAS: u64 = u64::from_le_bytes([b','; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut count = 0;
    for word in words.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let t = u64::from_le_bytes(word) ^ COMMAS;
        count += (!(((t & LOWS) + LOWS) | t | LOWS)).count_ones() as usize;
    }
    count + words.remainder().iter().filter(|&&b| b == b',').count()
}

/// The first `,`, `\n` or `\r` at or after `from`, or the end.
fn find_separator(bytes: &[u8], from: usize) -> usize {
    SEARCH
        .separator(bytes.get(from..).unwrap_or(&[]))
        .map_or(bytes.len(), |i| from + i)
}

/// The searches the scanner makes, with AVX2 where the processor has it
/// (memchr's searchers, made once: its plain `memchr3` finds the
/// processor's best search again at each call, which costs as much as the
/// search itself between the short cells of a CSV row), else memchr's
/// portable ones.
struct Search {
    #[cfg(target_arch = "x86_64")]
    separators: Option<memchr::arch::x86_64::avx2::memchr::Three>,
    #[cfg(target_arch = "x86_64")]
    quotes: Option<memchr::arch::x86_64::avx2::memchr::Three>,
}

static SEARCH: std::sync::LazyLock<Search> = std::sync::LazyLock::new(|| Search {
    #[cfg(target_arch = "x86_64")]
    separators: memchr::arch::x86_64::avx2::memchr::Three::new(b',', b'\n', b'\r'),
    #[cfg(target_arch = "x86_64")]
    quotes: memchr::arch::x86_64::avx2::memchr::Three::new(b'"', b'\n', b'\r'),
});

impl Search {
    /// The first `,`, `\n` or `\r` of `hay`.
    #[inline]
    fn separator(&self, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(three) = &self.separators {
            return three.find(hay);
        }
        memchr::memchr3(b',', b'\n', b'\r', hay)
    }

    /// The first `"`, `\n` or `\r` of `hay`.
    #[inline]
    fn quote_or_break(&self, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(three) = &self.quotes {
            return three.find(hay);
        }
        memchr::memchr3(b'"', b'\n', b'\r', hay)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::tests::{at, describe, load_text, messages};
    use super::super::{KnownField, LoadedFile, Pos};
    use super::{Cell, Scanner};

    #[test]
    fn separators_are_found_as_a_byte_loop_finds_them() {
        // Wanted bytes next to each other, alone, and near bytes that
        // differ from them by one bit (0x80, 0xff, 0x00), at every offset
        // of texts shorter and longer than a vector.
        let text: Vec<u8> = (0..300u32)
            .map(|i| match (i % 37, i % 11) {
                (5, _) | (6, _) => b',',
                (_, 3) => b'\r',
                (_, 4) => 0x80,
                (_, 5) => 0xff,
                (_, 6) => 0,
                (_, 7) => b'"',
                (_, 8) => b'\n',
                _ => b'a',
            })
            .collect();
        for len in 0..text.len() {
            let bytes = &text[..len];
            for from in 0..=len + 1 {
                let naive = |wanted: [u8; 3]| {
                    bytes
                        .get(from..)
                        .and_then(|rest| rest.iter().position(|b| wanted.contains(b)))
                };
                let rest = bytes.get(from..).unwrap_or(&[]);
                assert_eq!(super::SEARCH.separator(rest), naive([b',', b'\n', b'\r']));
                assert_eq!(
                    super::SEARCH.quote_or_break(rest),
                    naive([b'"', b'\n', b'\r'])
                );
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
        let (whole, findings) = super::load("c.csv", text);
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
            let path: std::sync::Arc<str> = "c.csv".into();
            let Ok((mut index, again)) = super::Index::new(&path, super::Origin::Text(text)) else {
                panic!("not text");
            };
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
    fn commas_are_counted_exactly() {
        let bytes: Vec<u8> = (0..200u32)
            .map(|i| [b',', b'-', 0xac, 0x2c ^ 0x80, 0, b'a', 0xff][(i * 7 % 11) as usize % 7])
            .collect();
        for from in 0..bytes.len() {
            for to in from..bytes.len() {
                let slice = &bytes[from..to];
                let naive = slice.iter().filter(|&&b| b == b',').count();
                assert_eq!(super::count_commas(slice), naive, "{from}..{to}");
            }
        }
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

    /// Skimming a row gives what reading it whole gives: its place, its
    /// end, its first cells, how many cells it has, and its quoted cells'
    /// places; on rows of commas, quotes (where a cell starts and inside
    /// one), line breaks of every kind and other text.
    #[test]
    fn skimming_agrees_with_reading_whole() {
        let pieces = [
            "a", ",", "\"", "\"\"", "\n", "\r", "\r\n", " ", "é", "x\"y", ",\"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            for want in 0..4 {
                let (mut whole, mut skim) = (Scanner::new(&text), Scanner::new(&text));
                loop {
                    let mut cells = Vec::new();
                    let mut first = Vec::new();
                    let mut quoted = Vec::new();
                    let a = whole.row(&mut cells);
                    let b = skim.skim(want, &mut first, &mut quoted);
                    match (a, b) {
                        (Ok(Some(row)), Ok(Some((place, count)))) => {
                            assert_eq!((row, cells.len()), (place, count), "{text:?} {want}");
                            let n = want.min(cells.len());
                            assert_eq!(&cells[..n], &first[..], "{text:?} {want}");
                            let beyond: Vec<(usize, usize)> = cells[n..]
                                .iter()
                                .filter(|c| {
                                    matches!(c.pos, super::super::Pos::Bytes { start, .. }
                                        if (start as usize).checked_sub(1).and_then(|i| text.as_bytes().get(i)) == Some(&b'"'))
                                })
                                .map(|c| match c.pos {
                                    super::super::Pos::Bytes { start, end } => {
                                        (start as usize, end as usize)
                                    }
                                    _ => (0, 0),
                                })
                                .collect();
                            assert_eq!(beyond, quoted, "{text:?} {want}");
                            assert_eq!(whole.at, skim.at, "{text:?} {want}");
                        }
                        (Ok(None), Ok(None)) => break,
                        (Err(a), Err(b)) => {
                            assert_eq!(a, b, "{text:?} {want}");
                            break;
                        }
                        (a, b) => panic!("{text:?} {want}: {a:?} against {b:?}"),
                    }
                }
            }
        }
    }

    /// A file indexed a block at a time, whatever the block's size, and
    /// its returns read back by offset, give what its text read whole
    /// gives: the same problems, at the same places, and the same returns,
    /// located alike. Blocks of a few bytes cut rows, quoted cells, `\r\n`
    /// pairs and characters of two and three bytes at every place.
    #[test]
    fn blocks_of_any_size_read_as_the_whole_text() {
        let mut text =
            String::from("\u{feff}organisation,period,directorate,measure,q1,commentary\r\n");
        for i in 0..60 {
            let org = ["Leeds", "York", "Hull €", "Bradford"][i % 4];
            let dir = if i == 37 { "Other" } else { "CAP é" };
            let id = if i % 13 == 5 { "bad id" } else { "m" };
            let comment = match i % 5 {
                0 => "\"two\r\nlines, and \"\"quotes\"\"\"",
                1 => "plain",
                2 => "\"a\rlone CR\"",
                _ => "",
            };
            let end = if i % 3 == 0 { "\n" } else { "\r\n" };
            text.push_str(&format!(
                "{org},2011/12 Q{},{dir},{id}{i},{i}%,{comment}{end}",
                i % 4 + 1
            ));
            if i % 11 == 4 {
                text.push_str(&format!("ragged,row{end}"));
            }
        }
        text.push_str("York,2011/12 Q2,CAP é,last,1,\"open");
        let dir = std::env::temp_dir().join(format!("ragcheck-blocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("c.csv");
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let name: Arc<str> = "c.csv".into();
        let Ok((mut whole, problems)) = super::Index::new(&name, super::Origin::Text(&text)) else {
            panic!("not text");
        };
        let mut returns = Vec::new();
        while !whole.is_done() {
            returns.extend(whole.next_batch(&text, 7, 3));
        }
        assert!(problems.len() > 8, "{problems:?}");
        let loaded = load_text("c.csv", &text);
        for block in [1, 2, 3, 5, 8, 13, 64, 1000] {
            let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
            let held = super::Held::new(file).unwrap_or_else(|e| panic!("{e}"));
            let Ok((mut index, again)) =
                super::Index::with_block(&name, super::Origin::File(&held), block)
            else {
                panic!("not streamed");
            };
            assert_eq!(again, problems, "blocks of {block}");
            let mut read = Vec::new();
            while !index.is_done() {
                let Ok((batch, chunks)) = index.read_batch(&held, 7, 3) else {
                    panic!("changed");
                };
                for ret in &batch {
                    for m in &ret.measures {
                        for (_, v) in m.values.iter() {
                            let Pos::Bytes { start, end } = v.pos else {
                                continue;
                            };
                            assert_eq!(
                                chunks.locate(&name, start as usize, end as usize),
                                loaded.locate(v.pos),
                                "blocks of {block}"
                            );
                        }
                    }
                }
                read.extend(batch);
            }
            assert_eq!(read, returns, "blocks of {block}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A header field's value is compared with the return's first value
    /// exactly (no hash of it, whose collision could hide a difference),
    /// also when the first value is far behind, out of the block held: a
    /// long value that differs only in its last byte is told; the same
    /// value quoted, or with space around it, is not.
    #[test]
    fn header_fields_are_compared_exactly() {
        let long = "Resources ".repeat(30);
        let mut text = format!("organisation,period,measure,directorate\nA,p,m1,{long}a\n");
        for i in 0..50 {
            text.push_str(&format!("B{i},p,m1,{long}b\n"));
        }
        text.push_str(&format!(
            "A,p,m2,{long}b\nA,p,m3,\"{long}a\"\nA,p,m4, {long}a \nA,p,m5,{long}a\n"
        ));
        let dir = std::env::temp_dir().join(format!("ragcheck-exact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("c.csv");
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let name: Arc<str> = "c.csv".into();
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let held = super::Held::new(file).unwrap_or_else(|e| panic!("{e}"));
        for origin in [super::Origin::Text(&text), super::Origin::File(&held)] {
            let Ok((_, problems)) = super::Index::with_block(&name, origin, 64) else {
                panic!("not streamed");
            };
            let told: Vec<(u32, u32)> = problems
                .iter()
                .filter_map(|d| d.location.as_ref())
                .map(|l| (l.line, l.column))
                .collect();
            assert_eq!(told, [(53, 8)], "{problems:?}");
            assert_eq!(
                problems[0].related.first().map(|(l, _)| (l.line, l.column)),
                Some((2, 8))
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
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
