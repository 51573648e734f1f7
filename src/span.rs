//! Spans and source files.
//!
//! A [`Span`] is small and `Copy`: a file id plus a byte range. Line and column
//! are computed only when a diagnostic is located, from a per-file
//! [`LineIndex`], never by rescanning the file.

use std::sync::Arc;

/// Index of a rule source file inside a [`crate::RuleSet`]'s source list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one rule source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Start offsets of every line of a text, for byte offset → line/column.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex { starts }
    }

    /// 1-based line and 1-based column (counted in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line as u32 + 1, col as u32 + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = line.saturating_sub(1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(0) as usize;
        let end = self
            .starts
            .get(i + 1)
            .map(|&e| e as usize)
            .unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// A named text with its line index: a rule file or a return file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or `-` for standard input).
    pub path: Arc<str>,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
        }
    }

    /// Resolve a byte range to a [`crate::diagnostic::Location`].
    pub fn locate(&self, start: usize, end: usize) -> crate::diagnostic::Location {
        let (line, column) = self.lines.line_col(&self.text, start);
        let (end_line, end_column) = self.lines.line_col(&self.text, end.max(start));
        crate::diagnostic::Location {
            file: self.path.clone(),
            start,
            end: end.max(start),
            line,
            column,
            end_line,
            end_column,
            cell: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a: £617k\nb: 2\n";
        let idx = LineIndex::new(text);
        let off = text.find('6').unwrap_or(0);
        assert_eq!(idx.line_col(text, off), (1, 5));
        assert_eq!(idx.line_col(text, text.find('2').unwrap_or(0)), (2, 4));
        assert_eq!(idx.line_text(text, 2), "b: 2");
    }
}
