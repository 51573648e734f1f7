//! Returns: YAML, JSON, CSV and spreadsheet files → one spanned model.
//!
//! Every loader produces the same [`Return`] model, in which every field is
//! the text the person typed together with its [`Pos`] in the file. Nothing
//! is typed here: value text goes to [`crate::value`] later, so `NO`, `0o12`
//! or `945` stay exactly as written. Problems met while loading (bad syntax,
//! duplicate keys, anchors) become [`Finding`]s; a bad file never stops the
//! run.

use std::sync::Arc;

use crate::diagnostic::{Finding, Location};
use crate::span::SourceFile;

/// Where a piece of text sits in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Pos {
    /// No better place than the file itself.
    #[default]
    File,
    /// A byte range of a text file (YAML, JSON, CSV).
    Bytes { start: u32, end: u32 },
    /// A spreadsheet cell, 0-based row and column on the file's sheet.
    Cell { row: u32, col: u32 },
}

impl Pos {
    pub fn bytes(start: usize, end: usize) -> Pos {
        Pos::Bytes {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// A piece of text as typed, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub text: Box<str>,
    pub pos: Pos,
}

impl Text {
    pub fn new(text: impl Into<Box<str>>, pos: Pos) -> Text {
        Text {
            text: text.into(),
            pos,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The fields of a measure entry that the language names directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KnownField {
    Title,
    Section,
    Officer,
    Status,
    Commentary,
    Unit,
    Target,
}

impl KnownField {
    pub const ALL: [KnownField; 7] = [
        KnownField::Title,
        KnownField::Section,
        KnownField::Officer,
        KnownField::Status,
        KnownField::Commentary,
        KnownField::Unit,
        KnownField::Target,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KnownField::Title => "title",
            KnownField::Section => "section",
            KnownField::Officer => "officer",
            KnownField::Status => "status",
            KnownField::Commentary => "commentary",
            KnownField::Unit => "unit",
            KnownField::Target => "target",
        }
    }

    pub fn from_name(name: &str) -> Option<KnownField> {
        KnownField::ALL.into_iter().find(|f| f.name() == name)
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
    /// Quarterly values q1..q4 as typed; `None` when not given at all.
    pub values: [Option<Text>; 4],
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
    pub source: SourceFile,
    /// For spreadsheets, the name of the sheet that was read.
    pub sheet: Option<String>,
    pub returns: Vec<Return>,
    /// Problems met while loading (`invalid_return`, `duplicate_measure`, …).
    pub problems: Vec<Finding>,
}

impl LoadedFile {
    /// A file that could not be read at all.
    pub fn failed(path: impl Into<Arc<str>>, problem: Finding) -> LoadedFile {
        LoadedFile {
            source: SourceFile::new(path, ""),
            sheet: None,
            returns: Vec::new(),
            problems: vec![problem],
        }
    }

    /// Resolve a position to a line/column (or cell) location.
    pub fn locate(&self, pos: Pos) -> Location {
        match pos {
            Pos::File => Location::whole_file(self.source.path.clone()),
            Pos::Bytes { start, end } => self.source.locate(start as usize, end as usize),
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

/// Load a file's bytes by its extension (`.yaml .yml .json .csv .xlsx .ods`).
/// Files named directly with another extension are read as YAML.
pub fn load(path: &str, bytes: Vec<u8>) -> LoadedFile {
    let _ = (path, bytes);
    todo!("loaders")
}
