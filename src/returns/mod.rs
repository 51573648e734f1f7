//! Returns: YAML, JSON, CSV and spreadsheet files → one spanned model.
//!
//! Every loader produces the same [`Return`] model, in which every field is
//! the text the person typed together with its [`Pos`] in the file. Nothing
//! is typed here: value text goes to [`crate::value`] later, so `NO`, `0o12`
//! or `945` stay exactly as written. Problems met while loading (bad syntax,
//! duplicate keys, anchors) become [`Diagnostic`]s at raw positions; a bad file never stops the
//! run.
//!
//! [`load`] is the only entry point: it bounds the file's size, decodes text
//! formats (refusing binary files and bad UTF-8 with a clear finding) and
//! hands the text to the loader for its extension:
//!
//! | extension | loader | positions |
//! |---|---|---|
//! | `.yaml` `.yml` `.json`, anything else | [`yaml`] ([`fast_yaml`] for the plain subset of YAML, granit-parser's events for the rest and for JSON) | [`Pos::Bytes`] |
//! | `.csv` | [`csv`] (hand scanner for exact cell spans) | [`Pos::Bytes`] |
//! | `.xlsx` `.ods` | [`xlsx`] (calamine) | [`Pos::Cell`] |
//!
//! CSV and spreadsheets share one table reader (`table.rs`): same columns,
//! same grouping of rows into returns.

use std::sync::Arc;

use compact_str::CompactString;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::field::KnownField;
use crate::period::{Frequency, SubPeriod};
use crate::span::{Chunks, Pos, SourceFile};

mod bounds;
pub mod csv;
pub mod fast_yaml;
pub(crate) mod layout;
pub mod skim;
mod table;
pub mod xlsx;
pub mod yaml;

/// The largest return file read, in bytes (64 MiB). Larger files are refused
/// before any parsing, so a huge file cannot exhaust memory.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The built-in check every loading problem is reported under.
pub const INVALID_RETURN: &str = "invalid_return";

/// A piece of text as typed, with its place.
///
/// Most texts of a return are short (a value such as `63%`, an id, a
/// status, a name): a [`CompactString`] keeps up to 24 bytes inline, so
/// loading a return does not allocate for each of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub text: CompactString,
    pub pos: Pos,
}

impl Text {
    pub fn new(text: impl Into<CompactString>, pos: Pos) -> Text {
        Text {
            text: text.into(),
            pos,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One measure in a return.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    /// The measure id, at its key.
    pub id: Option<Text>,
    /// Title, section, officer, status, commentary, unit, target, by
    /// [`KnownField`] index.
    pub known: [Option<Text>; 7],
    /// Any other field, kept as text.
    pub extra: Vec<(Text, Text)>,
    /// The values by sub-period, as typed.
    pub values: Values,
}

/// A measure's values as typed, by sub-period (`q1`..`q4`, `m1`..`m12`,
/// `year`). The quarters, the v0 shape, are kept inline; the year and
/// months in a short list. Keys of any frequency are kept as given: which
/// of them belong to the return is decided with its period
/// ([`crate::eval::ReturnCtx`]), and the others are reported there.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Values {
    quarters: [Option<Text>; 4],
    others: Vec<(SubPeriod, Text)>,
}

impl Values {
    /// The value given for `sub`, if any.
    #[inline]
    pub fn get(&self, sub: SubPeriod) -> Option<&Text> {
        match sub.frequency {
            Frequency::Quarterly => self.quarters.get(sub.slot())?.as_ref(),
            _ => self.others.iter().find(|(s, _)| *s == sub).map(|(_, t)| t),
        }
    }

    /// Give (or, with `None`, take away) the value for `sub`.
    #[inline(always)]
    pub fn set(&mut self, sub: SubPeriod, text: Option<Text>) {
        match sub.frequency {
            Frequency::Quarterly => {
                if let Some(slot) = self.quarters.get_mut(sub.slot()) {
                    *slot = text;
                }
            }
            _ => {
                self.others.retain(|(s, _)| *s != sub);
                if let Some(text) = text {
                    self.others.push((sub, text));
                }
            }
        }
    }

    /// Every value given, with its sub-period: quarters first, then the
    /// others in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (SubPeriod, &Text)> {
        Frequency::Quarterly
            .sub_periods()
            .zip(&self.quarters)
            .filter_map(|(s, t)| Some((s, t.as_ref()?)))
            .chain(self.others.iter().map(|(s, t)| (*s, t)))
    }

    /// Every value given, to change in place.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut Text> {
        self.quarters
            .iter_mut()
            .flatten()
            .chain(self.others.iter_mut().map(|(_, t)| t))
    }

    /// No values but quarters (the v0 shape) are given.
    #[inline]
    pub fn only_quarters(&self) -> bool {
        self.others.is_empty()
    }

    /// The frequency of the first value given, if any.
    pub fn first_frequency(&self) -> Option<Frequency> {
        self.iter().next().map(|(s, _)| s.frequency)
    }
}

impl Entry {
    pub fn id(&self) -> &str {
        self.id.as_ref().map(|t| t.as_str()).unwrap_or("")
    }

    pub fn known(&self, field: KnownField) -> Option<&Text> {
        self.known[field as usize].as_ref()
    }

    pub fn extra(&self, name: &str) -> Option<&Text> {
        self.extra
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }

    /// The place that best stands for the whole entry.
    pub fn pos(&self) -> Pos {
        self.id.as_ref().map(|t| t.pos).unwrap_or_default()
    }
}

/// One return: a header and its measures.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Return {
    pub organisation: Option<Text>,
    pub period: Option<Text>,
    /// Every other header key (`directorate`, …), as typed.
    pub header: Vec<(Text, Text)>,
    pub measures: Vec<Entry>,
    /// Where the return starts (`return:` key, or the first CSV row).
    pub pos: Pos,
}

impl Return {
    pub fn header(&self, key: &str) -> Option<&Text> {
        match key {
            "organisation" => self.organisation.as_ref(),
            "period" => self.period.as_ref(),
            _ => self
                .header
                .iter()
                .find(|(k, _)| k.as_str() == key)
                .map(|(_, v)| v),
        }
    }
}

/// Everything read from one file.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    /// The file's path and text (empty text for spreadsheets).
    pub source: SourceFile<String>,
    /// For spreadsheets, the name of the sheet that was read.
    pub sheet: Option<String>,
    pub returns: Vec<Return>,
    /// Problems met while loading (`invalid_return`, `duplicate_measure`, …).
    pub problems: Vec<Diagnostic>,
    /// For a piece of a CSV file read back from the file
    /// ([`csv::Index::next_batch`]): the text of its rows (and header), in
    /// which its positions are located; `source.text` is then empty.
    pub chunks: Option<Arc<Chunks>>,
}

impl LoadedFile {
    /// A file that could not be read at all.
    pub fn failed(path: impl Into<Arc<str>>, problem: Diagnostic) -> LoadedFile {
        LoadedFile {
            source: SourceFile::new(path, ""),
            sheet: None,
            returns: Vec::new(),
            problems: vec![problem],
            chunks: None,
        }
    }

    /// Resolve a position to a line/column (or cell) location.
    pub fn locate(&self, pos: Pos) -> Location {
        match pos {
            Pos::File => Location::whole_file(self.source.path.clone()),
            Pos::Bytes { start, end } => match &self.chunks {
                Some(chunks) => chunks.locate(&self.source.path, start as usize, end as usize),
                None => self.source.locate(start as usize, end as usize),
            },
            Pos::Cell { row, col } => {
                let mut loc = Location::whole_file(self.source.path.clone());
                loc.line = row + 1;
                loc.column = col + 1;
                loc.end_line = row + 1;
                loc.end_column = col + 2;
                let sheet = self.sheet.as_deref().unwrap_or("Sheet1");
                loc.cell = Some(format!("{sheet}!{}{}", column_letters(col), row + 1));
                loc
            }
        }
    }
}

/// `0 → A`, `25 → Z`, `26 → AA`.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The most problems kept for one file. A hostile file can hold millions
/// of slips (a ragged row per line); past this many, they are only counted,
/// and one last finding says how many were left out.
pub const MAX_PROBLEMS: usize = 1000;

/// The loading problems of one file, at most [`MAX_PROBLEMS`] of them.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<Diagnostic>,
    dropped: usize,
}

impl Problems {
    pub fn push(&mut self, finding: Diagnostic) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(finding);
        } else {
            self.dropped += 1;
        }
    }

    /// How many were pushed, kept or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.dropped
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget the problems pushed after the first `len`.
    pub fn truncate(&mut self, len: usize) {
        if len <= self.list.len() {
            self.list.truncate(len);
            self.dropped = 0;
        } else {
            self.dropped = len - self.list.len();
        }
    }

    pub fn clear(&mut self) {
        self.truncate(0);
    }

    /// How many are kept.
    pub fn kept(&self) -> usize {
        self.list.len()
    }

    /// Apply `f` to those kept after the first `from` (to locate them).
    pub fn map_from(&mut self, from: usize, mut f: impl FnMut(Diagnostic) -> Diagnostic) {
        for d in self.list.iter_mut().skip(from) {
            *d = f(std::mem::replace(
                d,
                Diagnostic::new(Severity::Error, "", ""),
            ));
        }
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        let mut list = self.list;
        if self.dropped > 0 {
            list.push(
                invalid(
                    format!("{} more problems in this file are not shown", self.dropped),
                    Pos::File,
                )
                .help("fix the problems shown and check the file again"),
            );
        }
        list
    }
}

/// An `invalid_return` error at `pos`.
pub(crate) fn invalid(message: impl Into<String>, pos: Pos) -> Diagnostic {
    Diagnostic::new(Severity::Error, INVALID_RETURN, message).at_pos(pos)
}

/// Is `id` a measure id: `[A-Za-z_][A-Za-z0-9_]*`?
pub fn is_measure_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The finding for a key that is not a measure id.
pub(crate) fn bad_measure_id(id: &str, pos: Pos) -> Diagnostic {
    let message = if id.trim().is_empty() {
        "a measure has no id".to_string()
    } else {
        format!("`{id}` is not a valid measure id; the measure is skipped")
    };
    invalid(message, pos)
        .label("not a measure id")
        .help("a measure id starts with a letter or `_` and holds only letters, digits and `_`, such as `staff_appraisals`")
}

/// The file formats [`load`] tells apart, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Csv,
    Xlsx,
    Ods,
}

impl Format {
    /// Every file extension a return is read from, with its format: the
    /// one table that [`Format::of`] and folder walks
    /// ([`crate::discover`]) read.
    pub const EXTENSIONS: [(&'static str, Format); 6] = [
        ("yaml", Format::Yaml),
        ("yml", Format::Yaml),
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("xlsx", Format::Xlsx),
        ("ods", Format::Ods),
    ];

    /// The format an extension (without its dot, any case) names, if any.
    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::EXTENSIONS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(ext))
            .map(|&(_, format)| format)
    }

    /// The format for a path, by [`Format::EXTENSIONS`]; anything else is
    /// read as YAML.
    pub fn of(path: &str) -> Format {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        name.rsplit_once('.')
            .and_then(|(_, ext)| Format::from_extension(ext))
            .unwrap_or(Format::Yaml)
    }

    /// The format of standard input, which has no name: a zip archive is a
    /// spreadsheet, text opening with `{` is JSON, a first line naming the
    /// `organisation` and `measure` columns with commas and no colon is
    /// CSV, anything else YAML.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::Xlsx;
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = text
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(text.len());
        let text = &text[start..];
        if text.starts_with(b"{") {
            return Format::Json;
        }
        let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
        let line = String::from_utf8_lossy(&text[..line_end]).to_ascii_lowercase();
        if line.contains(',')
            && !line.contains(':')
            && line.contains("organisation")
            && line.contains("measure")
        {
            return Format::Csv;
        }
        Format::Yaml
    }
}

/// Load a file's bytes by its extension (`.yaml .yml .json .csv .xlsx .ods`).
/// Files named directly with another extension are read as YAML.
///
/// Never panics: every problem, from a file too large to bad syntax, is a
/// finding in the returned [`LoadedFile`].
pub fn load(path: &str, bytes: Vec<u8>) -> LoadedFile {
    if bytes.len() > MAX_FILE_BYTES {
        // Bytes in memory may have been cut at the limit (standard input
        // is read no further): say only that there are too many.
        return too_big(path, None);
    }
    let format = if path == "-" {
        Format::sniff(&bytes)
    } else {
        Format::of(path)
    };
    if let Format::Xlsx | Format::Ods = format {
        return xlsx::load(path, &bytes, format);
    }
    let source = match decode_text(path, bytes) {
        Ok(source) => source,
        Err(failed) => return *failed,
    };
    let (returns, problems) = match format {
        Format::Csv => self::csv::load(path, &source.text),
        Format::Json => yaml::load(&source.text, yaml::Flavour::Json),
        _ => yaml::load(&source.text, yaml::Flavour::Yaml),
    };
    LoadedFile {
        source,
        sheet: None,
        returns,
        problems,
        chunks: None,
    }
}

/// The layout a file is read with: `forced` (a `--layout` index into the
/// rule set's layouts) for every CSV file or spreadsheet (and standard
/// input, read as CSV unless it is a spreadsheet), else the first
/// layout whose `files` pattern matches its name; `None` for YAML and
/// JSON, and for a table no layout matches.
pub fn layout_for<'r>(
    path: &str,
    format: Format,
    rules: &'r crate::ir::RuleSet,
    forced: Option<usize>,
) -> Option<&'r crate::layout::Layout> {
    if !matches!(format, Format::Csv | Format::Xlsx | Format::Ods) {
        return None;
    }
    match forced {
        Some(i) => rules.layouts.get(i),
        None if path == "-" => None,
        None => rules.layouts.iter().find(|l| l.reads(path)),
    }
}

/// [`load`], reading a CSV file or spreadsheet through the layout that
/// [`layout_for`] picks (SPEC 2.6); every other file as [`load`] does.
pub fn load_with(
    path: &str,
    bytes: Vec<u8>,
    rules: &crate::ir::RuleSet,
    forced: Option<usize>,
) -> LoadedFile {
    if rules.layouts.is_empty() || bytes.len() > MAX_FILE_BYTES {
        return load(path, bytes);
    }
    let format = layout_format(path, &bytes, forced);
    let Some(layout) = layout_for(path, format, rules, forced) else {
        return load(path, bytes);
    };
    if let Format::Xlsx | Format::Ods = format {
        return xlsx::load_with_layout(path, &bytes, format, layout, rules);
    }
    let source = match decode_text(path, bytes) {
        Ok(source) => source,
        Err(failed) => return *failed,
    };
    let mut problems = Problems::default();
    let grid = layout::csv_grid(&source.text, &mut problems);
    let returns = layout::read(layout, rules, &grid, &mut problems);
    drop(grid);
    LoadedFile {
        source,
        sheet: None,
        returns,
        problems: problems.into_vec(),
        chunks: None,
    }
}

/// The format a file is read in when a layout may read it: its name's,
/// or for standard input what its bytes look like. `--layout` says
/// standard input is a table: a spreadsheet, else CSV (a published
/// collection's header names none of the columns the sniffer looks for).
fn layout_format(path: &str, bytes: &[u8], forced: Option<usize>) -> Format {
    match (path, forced) {
        ("-", Some(_)) => match Format::sniff(bytes) {
            Format::Xlsx => Format::Xlsx,
            _ => Format::Csv,
        },
        ("-", None) => Format::sniff(bytes),
        _ => Format::of(path),
    }
}

/// A file opened for checking ([`open`]): loaded whole, or a CSV file
/// indexed, whose returns are built a batch at a time.
pub enum Opened {
    Whole(LoadedFile),
    Csv(CsvFile),
}

/// A CSV file read without a layout, its rows indexed by return
/// ([`csv::Index`]): its returns are built a batch at a time, from the file
/// held open ([`csv::Index::read_batch`]) or from standard input's text
/// ([`csv::Index::next_batch`]), so that they are never all held.
pub struct CsvFile {
    pub path: Arc<str>,
    /// The file, held open; `None` for standard input, whose text is `text`.
    pub held: Option<csv::Held>,
    pub text: String,
    pub index: csv::Index,
    /// Every loading problem of the file, found (and located) while
    /// indexing.
    pub problems: Vec<Diagnostic>,
}

/// Whether a file of this name is read in pieces when it is checked: a CSV
/// file that no layout reads ([`open_csv`]).
pub fn streams(path: &str, rules: &crate::ir::RuleSet, forced: Option<usize>) -> bool {
    path != "-"
        && Format::of(path) == Format::Csv
        && layout_for(path, Format::Csv, rules, forced).is_none()
}

/// Index a CSV file held open ([`streams`]), reading it a block at a time:
/// `None` when it is not UTF-8 text, or cannot be read (read it whole, with
/// [`load_with`], for the reason).
pub fn open_csv(path: &str, file: std::fs::File) -> Option<CsvFile> {
    let held = csv::Held::new(file).ok()?;
    if held.len() > MAX_FILE_BYTES as u64 {
        return None;
    }
    let path: Arc<str> = Arc::from(path);
    let (index, problems) = csv::Index::new(&path, csv::Origin::File(&held)).ok()?;
    Some(CsvFile {
        path,
        held: Some(held),
        text: String::new(),
        index,
        problems,
    })
}

/// [`load_with`], except that a CSV file read without a layout is only
/// indexed ([`Opened::Csv`]); the same returns and problems, in the same
/// order, come out of it.
pub fn open(
    path: &str,
    bytes: Vec<u8>,
    rules: &crate::ir::RuleSet,
    forced: Option<usize>,
) -> Opened {
    let layout = (!rules.layouts.is_empty() && bytes.len() <= MAX_FILE_BYTES)
        .then(|| layout_for(path, layout_format(path, &bytes, forced), rules, forced))
        .flatten();
    let format = if path == "-" {
        Format::sniff(&bytes)
    } else {
        Format::of(path)
    };
    if layout.is_some() || format != Format::Csv || bytes.len() > MAX_FILE_BYTES {
        return Opened::Whole(load_with(path, bytes, rules, forced));
    }
    let source = match decode_text(path, bytes) {
        Ok(source) => source,
        Err(failed) => return Opened::Whole(*failed),
    };
    let Ok((index, problems)) = csv::Index::new(&source.path, csv::Origin::Text(&source.text))
    else {
        // Never so: decoded text is text.
        return Opened::Whole(load(path, source.text.into_bytes()));
    };
    Opened::Csv(CsvFile {
        path: source.path,
        held: None,
        text: source.text,
        index,
        problems,
    })
}

/// A return file refused for its size (`size` when known; a stream is only
/// known to go past the limit).
pub fn too_big(path: &str, size: Option<u64>) -> LoadedFile {
    let error = crate::read::ReadError::TooBig {
        size,
        limit: MAX_FILE_BYTES as u64,
    };
    let finding = invalid(format!("this return is not read: {error}"), Pos::File)
        .help("split the collection into several files");
    LoadedFile::failed(path, finding)
}

/// The bytes of a text format as a [`SourceFile`], or the reason they are
/// not text: UTF-16, NUL bytes (a binary file) or bad UTF-8.
fn decode_text(path: &str, bytes: Vec<u8>) -> Result<SourceFile<String>, Box<LoadedFile>> {
    let refuse = |finding: Diagnostic| Box::new(LoadedFile::failed(path, finding));
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(refuse(
            invalid("this file is UTF-32 text; ragcheck reads UTF-8", Pos::File)
                .help("save the file as UTF-8"),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(refuse(
            invalid("this file is UTF-16 text; ragcheck reads UTF-8", Pos::File)
                .help("save the file as UTF-8"),
        ));
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(refuse(
            invalid(
                format!("this is not a text file (it holds a NUL byte at byte {at})"),
                Pos::File,
            )
            .help("give a return as .yaml, .json, .csv, .xlsx or .ods"),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            // Show the file with the bad bytes replaced, so the finding can
            // point at its line and column; offsets before `at` are unchanged.
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let finding = invalid(
                format!("this file is not valid UTF-8 at byte {at}"),
                Pos::bytes(at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
            )
            .label("not UTF-8")
            .help("save the file as UTF-8");
            let mut failed = LoadedFile::failed(path, finding);
            failed.source = SourceFile::new(path, text);
            Err(Box::new(failed))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Quarter `n` (1..4), as a `values` key.
    pub(crate) fn q(n: u8) -> SubPeriod {
        SubPeriod::quarter(n).unwrap_or(SubPeriod::YEAR)
    }

    /// Load a text as a file of that name.
    pub(crate) fn load_text(path: &str, text: &str) -> LoadedFile {
        load(path, text.as_bytes().to_vec())
    }

    /// `line:col-line:col`, or the cell.
    pub(crate) fn at(file: &LoadedFile, pos: Pos) -> String {
        let loc = file.locate(pos);
        match (&loc.cell, pos) {
            (Some(cell), _) => cell.clone(),
            (None, Pos::File) => "file".into(),
            (None, _) => format!(
                "{}:{}-{}:{}",
                loc.line, loc.column, loc.end_line, loc.end_column
            ),
        }
    }

    fn text(file: &LoadedFile, t: &Text) -> String {
        format!("{:?} @{}", t.as_str(), at(file, t.pos))
    }

    /// A compact, stable rendering of everything loaded, for snapshots.
    pub(crate) fn describe(file: &LoadedFile) -> String {
        let mut out = String::new();
        for ret in &file.returns {
            let _ = writeln!(out, "return @{}", at(file, ret.pos));
            for (name, value) in [("organisation", &ret.organisation), ("period", &ret.period)] {
                if let Some(v) = value {
                    let _ = writeln!(out, "  {name} = {}", text(file, v));
                }
            }
            for (k, v) in &ret.header {
                let _ = writeln!(out, "  header {} = {}", text(file, k), text(file, v));
            }
            for entry in &ret.measures {
                let id = entry.id.as_ref().map(|t| text(file, t)).unwrap_or_default();
                let _ = writeln!(out, "  measure {id}");
                for field in KnownField::ALL {
                    if let Some(v) = entry.known(field) {
                        let _ = writeln!(out, "    {} = {}", field.name(), text(file, v));
                    }
                }
                for (k, v) in &entry.extra {
                    let _ = writeln!(out, "    extra {} = {}", text(file, k), text(file, v));
                }
                for (sub, v) in entry.values.iter() {
                    let _ = writeln!(out, "    {sub} = {}", text(file, v));
                }
            }
        }
        // A CSV file's problems come located; the others' are located here.
        let place =
            |l: &Location| format!("{}:{}-{}:{}", l.line, l.column, l.end_line, l.end_column);
        for f in &file.problems {
            let where_ = match (&f.location, f.pos) {
                (Some(l), None) => place(l),
                (_, pos) => at(file, pos.unwrap_or_default()),
            };
            let _ = write!(out, "{} {} @{}: {}", f.severity, f.code, where_, f.message);
            if let Some(label) = &f.label {
                let _ = write!(out, " [{label}]");
            }
            for (pos, label) in &f.related_pos {
                let _ = write!(out, " (related @{}: {label})", at(file, *pos));
            }
            for (l, label) in &f.related {
                let _ = write!(out, " (related @{}: {label})", place(l));
            }
            out.push('\n');
        }
        out
    }

    /// The messages of a file's problems.
    pub(crate) fn messages(file: &LoadedFile) -> Vec<String> {
        file.problems.iter().map(|f| f.message.clone()).collect()
    }

    #[test]
    fn problems_count_what_they_drop() {
        let mut problems = Problems::default();
        for i in 0..MAX_PROBLEMS + 5 {
            problems.push(invalid(format!("p{i}"), Pos::File));
        }
        assert_eq!(problems.len(), MAX_PROBLEMS + 5);
        problems.truncate(MAX_PROBLEMS + 2);
        assert_eq!(problems.len(), MAX_PROBLEMS + 2);
        problems.truncate(3);
        assert_eq!(problems.len(), 3);
        problems.clear();
        assert!(problems.is_empty() && problems.into_vec().is_empty());
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of("a/b/r.yaml"), Format::Yaml);
        assert_eq!(Format::of("r.YML"), Format::Yaml);
        assert_eq!(Format::of("r.Json"), Format::Json);
        assert_eq!(Format::of("c.csv"), Format::Csv);
        assert_eq!(Format::of("c.xlsx"), Format::Xlsx);
        assert_eq!(Format::of("c.ods"), Format::Ods);
        assert_eq!(Format::of("-"), Format::Yaml);
        assert_eq!(Format::of("dir.csv/return"), Format::Yaml);
        assert_eq!(Format::of("r.txt"), Format::Yaml);
    }

    #[test]
    fn measure_ids() {
        for ok in ["a", "_", "appraisals", "NI_195a", "_x1"] {
            assert!(is_measure_id(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a b", "é", "a.b"] {
            assert!(!is_measure_id(bad), "{bad}");
        }
    }

    #[test]
    fn huge_files_are_refused_before_parsing() {
        for path in ["r.yaml", "c.csv", "s.xlsx"] {
            let file = load(path, vec![b' '; MAX_FILE_BYTES + 1]);
            assert!(file.returns.is_empty());
            assert_eq!(file.problems.len(), 1);
            assert_eq!(file.problems[0].code, INVALID_RETURN);
            assert!(
                file.problems[0].message
                    == "this return is not read: it holds more than 64 MiB; the most ragcheck reads is 64 MiB",
                "{:?}",
                messages(&file)
            );
        }
    }

    #[test]
    fn binary_files_are_refused() {
        for path in ["r.yaml", "r.json", "c.csv"] {
            let file = load(path, b"\x7fELF\x02\x01\x01\x00\x00\x00junk".to_vec());
            assert!(file.returns.is_empty());
            assert_eq!(
                messages(&file),
                ["this is not a text file (it holds a NUL byte at byte 7)"]
            );
            assert_eq!(file.problems[0].pos, Some(Pos::File));
        }
    }

    #[test]
    fn utf16_is_named() {
        let file = load("r.yaml", b"\xff\xfer\x00e\x00".to_vec());
        assert_eq!(
            messages(&file),
            ["this file is UTF-16 text; ragcheck reads UTF-8"]
        );
    }

    #[test]
    fn bad_utf8_points_at_its_byte() {
        let mut bytes = b"return:\n  organisation: Le".to_vec();
        bytes.push(0xE9); // Latin-1 é
        bytes.extend_from_slice(b"ds\n");
        for path in ["r.yaml", "c.csv"] {
            let file = load(path, bytes.clone());
            assert!(file.returns.is_empty());
            assert_eq!(messages(&file), ["this file is not valid UTF-8 at byte 26"]);
            assert_eq!(
                at(&file, file.problems[0].pos.unwrap_or_default()),
                "2:19-2:20"
            );
        }
    }
}

#[cfg(test)]
mod never_panics {
    use proptest::prelude::*;

    use super::*;

    /// Text made of the pieces that matter to YAML, JSON and CSV readers.
    fn tokens() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "return",
            "measures",
            "organisation",
            "period",
            "values",
            "q1",
            "q4",
            "m1",
            "1bad",
            ":",
            ": ",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "\"",
            "'",
            "\"\"",
            "&a ",
            "*a",
            "!!str ",
            "? ",
            "|",
            ">",
            "#",
            "~",
            "\n",
            "\r\n",
            "\r",
            "  ",
            "\t",
            "---\n",
            "...\n",
            "%YAML 1.2\n",
            "63%",
            "£617k",
            "é",
            "\u{feff}",
            "\\",
            "\\u00e9",
            "null",
            "945",
        ]);
        prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
    }

    fn check(path: &str, bytes: Vec<u8>) {
        let file = load(path, bytes);
        // Every position resolves.
        for f in &file.problems {
            let _ = f.pos.map(|pos| file.locate(pos));
            for (pos, _) in &f.related_pos {
                let _ = file.locate(*pos);
            }
        }
        for ret in &file.returns {
            let _ = file.locate(ret.pos);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            for path in ["r.yaml", "r.json", "c.csv", "s.xlsx", "s.ods", "noext"] {
                check(path, bytes.clone());
            }
        }

        #[test]
        fn on_token_soup(text in tokens()) {
            for path in ["r.yaml", "r.json", "c.csv"] {
                check(path, text.clone().into_bytes());
            }
        }

        #[test]
        fn on_token_soup_after_a_valid_start(text in tokens()) {
            let yaml = format!("return:\n  organisation: A\n  period: 2011/12 Q4\nmeasures:\n  m:\n    {text}");
            check("r.yaml", yaml.into_bytes());
            let csv = format!("organisation,period,measure,q1\nA,2011/12 Q4,m,{text}");
            check("c.csv", csv.into_bytes());
        }
    }
}
