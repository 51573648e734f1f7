//! Compiled layouts: how to read a collection as it is published (SPEC 2.6).
//!
//! A `layout` block in a rule file is compiled (`compile/layout.rs`) into a
//! [`Layout`]: which files it reads ([`Pattern`]), where the header row is,
//! which column or cell holds each part of a return, and whether the values
//! stand in one column (a *long* table) or in a column per sub-period (a
//! *wide* table). The reader that applies it is `returns/layout.rs`.
//!
//! Measure cells are matched by [`MeasureLookup`]: a declared measure's id,
//! then its codes, then its title, each compared after [`normalise`]
//! (surrounding space trimmed, case ignored, runs of whitespace as one
//! space).

use std::collections::HashMap;

use crate::diagnostic::RuleRef;
use crate::field::KnownField;
use crate::span::Span;

/// One compiled `layout` block.
#[derive(Clone, Debug)]
pub struct Layout {
    pub name: String,
    pub title: Option<String>,
    /// `files` patterns; a file whose name matches any of them is read with
    /// this layout.
    pub files: Vec<Pattern>,
    /// `sheet "NAME"`: the sheet of a spreadsheet to read (default: the
    /// first).
    pub sheet: Option<String>,
    /// `header row N`, 1-based (default 1).
    pub header_row: u32,
    pub organisation: Source,
    pub period: Source,
    /// `header KEY column|cell "..."`: `return.KEY`.
    pub headers: Vec<(String, Source)>,
    /// `measure column "NAME"`.
    pub measure: String,
    pub values: Values,
    /// `status column "..."`, `field KEY column "..."`, …
    pub fields: Vec<(FieldTarget, String)>,
    pub span: Span,
    pub rule: RuleRef,
}

impl Layout {
    /// Does this layout read the file at `path`? Patterns are matched
    /// against the file name (the whole path when the pattern holds a `/`),
    /// ignoring case.
    pub fn reads(&self, path: &str) -> bool {
        let path = path.replace('\\', "/");
        let name = path.rsplit('/').next().unwrap_or(&path);
        self.files.iter().any(|p| {
            if p.text.contains('/') {
                p.matches(&path) || path.ends_with(&p.text)
            } else {
                p.matches(name)
            }
        })
    }

    /// Every column name the layout reads, with what it is for (for the
    /// "no such column" diagnostic).
    pub fn columns(&self) -> Vec<(&str, String)> {
        let mut out = Vec::new();
        for (what, source) in [
            ("organisation", &self.organisation),
            ("period", &self.period),
        ] {
            if let Source::Column(c) = source {
                out.push((c.as_str(), what.to_string()));
            }
        }
        for (key, source) in &self.headers {
            if let Source::Column(c) = source {
                out.push((c.as_str(), format!("header {key}")));
            }
        }
        out.push((self.measure.as_str(), "measure".to_string()));
        match &self.values {
            Values::Long { column, .. } => out.push((column.as_str(), "value".to_string())),
            Values::Wide(subs) => {
                for s in subs {
                    out.push((s.column.as_str(), s.sub.clone()));
                }
            }
        }
        for (field, column) in &self.fields {
            out.push((column.as_str(), field.describe()));
        }
        out
    }
}

/// Where a part of the return comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `column "NAME"`: the cell of each row in the column so named.
    Column(String),
    /// `cell "H1"`: one cell of the sheet (0-based row and column).
    Cell { row: u32, col: u32, name: String },
    /// A bare string: the same text for every row.
    Const(String),
}

/// Where the values are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Values {
    /// `value column "NAME" [ratio]`: one row per organisation, measure and
    /// period.
    Long { column: String, ratio: bool },
    /// `q1 column "Q1", …`: one row per measure, a column per sub-period.
    Wide(Vec<SubColumn>),
}

/// One sub-period column of a wide table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubColumn {
    /// `q1`..`q4`, `m1`..`m12` or `year`.
    pub sub: String,
    pub column: String,
    pub ratio: bool,
}

/// What a field column fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldTarget {
    Known(KnownField),
    /// `field KEY column "..."`.
    Extra(String),
}

impl FieldTarget {
    pub fn describe(&self) -> String {
        match self {
            FieldTarget::Known(k) => k.name().to_string(),
            FieldTarget::Extra(key) => format!("field {key}"),
        }
    }
}

/// A file name pattern: `*` any run of characters, `?` one character,
/// `[abc]`, `[a-z]`, `[!abc]` one of (or none of) a set. Matched ignoring
/// case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub text: String,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    Star,
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Pattern {
    /// Compile a pattern, or say what is wrong with it.
    pub fn new(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("a file pattern cannot be empty".into());
        }
        let mut tokens = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '[' => {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if !ahead.any(|c| c == ']') {
                        return Err("a `[` is never closed by `]`".into());
                    }
                    let negated = matches!(chars.peek(), Some('!' | '^'));
                    if negated {
                        chars.next();
                    }
                    let mut ranges = Vec::new();
                    let mut closed = false;
                    let mut first = true;
                    while let Some(c) = chars.next() {
                        if c == ']' && !first {
                            closed = true;
                            break;
                        }
                        first = false;
                        let low = lower(c);
                        if chars.peek() == Some(&'-') {
                            let mut ahead = chars.clone();
                            ahead.next();
                            match ahead.peek() {
                                Some(&end) if end != ']' => {
                                    chars.next();
                                    chars.next();
                                    let high = lower(end);
                                    if high < low {
                                        return Err(format!(
                                            "the range `{c}-{end}` runs backwards"
                                        ));
                                    }
                                    ranges.push((low, high));
                                    continue;
                                }
                                _ => {}
                            }
                        }
                        ranges.push((low, low));
                    }
                    if !closed {
                        return Err("a `[` is never closed by `]`".into());
                    }
                    tokens.push(Token::Set { negated, ranges });
                }
                ']' => return Err("a `]` has no `[` before it".into()),
                c => tokens.push(Token::Char(lower(c))),
            }
        }
        Ok(Pattern {
            text: text.to_string(),
            tokens,
        })
    }

    /// Does the whole of `name` match?
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().map(lower).collect();
        // Classic wildcard matching with one backtrack point per star:
        // linear in practice, never exponential.
        let (mut t, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match self.tokens.get(t) {
                Some(Token::Star) => {
                    star = Some((t, n));
                    t += 1;
                    continue;
                }
                Some(token) if token.accepts(name[n]) => {
                    t += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((st, sn)) => {
                    t = st + 1;
                    n = sn + 1;
                    star = Some((st, sn + 1));
                }
                None => return false,
            }
        }
        self.tokens[t.min(self.tokens.len())..]
            .iter()
            .all(|tok| *tok == Token::Star)
    }
}

impl Token {
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Char(x) => *x == c,
            Token::Any => true,
            Token::Star => false,
            Token::Set { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Text as a layout compares it: trimmed, lower case, every run of
/// whitespace one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// How a measure cell was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    Id,
    Code,
    Title,
}

/// Declared measures by normalised id, code and title.
#[derive(Clone, Debug, Default)]
pub struct MeasureLookup {
    by_text: HashMap<String, (usize, MatchedBy)>,
    /// Every id, code and title as declared, with its measure: for
    /// suggestions.
    pub names: Vec<(String, usize, MatchedBy)>,
}

impl MeasureLookup {
    /// Add a measure's name; ids win over codes, codes over titles, and
    /// the first measure over later ones.
    pub fn add(&mut self, text: &str, measure: usize, by: MatchedBy) {
        let key = normalise(text);
        if key.is_empty() {
            return;
        }
        self.names.push((text.to_string(), measure, by));
        match self.by_text.get(&key) {
            Some((_, existing)) if rank(*existing) <= rank(by) => {}
            _ => {
                self.by_text.insert(key, (measure, by));
            }
        }
    }

    /// The measure a cell names.
    pub fn find(&self, cell: &str) -> Option<(usize, MatchedBy)> {
        self.by_text.get(&normalise(cell)).copied()
    }
}

fn rank(by: MatchedBy) -> u8 {
    match by {
        MatchedBy::Id => 0,
        MatchedBy::Code => 1,
        MatchedBy::Title => 2,
    }
}

/// `"H1"` → (row 0, column 7); `None` when it is not a cell reference.
pub fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (col, row) = text.split_at(letters);
    if letters == 0 || letters > 3 || row.is_empty() || !row.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut c: u32 = 0;
    for b in col.bytes() {
        c = c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let r: u32 = row.parse().ok()?;
    if r == 0 || r > 1_048_576 || c > 16_384 {
        return None;
    }
    Some((r - 1, c - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_file_names() {
        let cases = [
            ("*benchmark*.csv", "national-benchmark-2019.csv", true),
            ("*benchmark*.csv", "National-BENCHMARK.CSV", true),
            ("*benchmark*.csv", "benchmark.xlsx", false),
            ("q?.csv", "q4.csv", true),
            ("q?.csv", "q10.csv", false),
            ("[ab]*.ods", "a1.ods", true),
            ("[!ab]*.ods", "a1.ods", false),
            ("[a-c]x", "bx", true),
            ("[a-c]x", "dx", false),
            ("*", "", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
        ];
        for (pattern, name, expected) in cases {
            let p = Pattern::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(p.matches(name), expected, "{pattern} on {name}");
        }
    }

    #[test]
    fn bad_patterns_say_why() {
        assert_eq!(
            Pattern::new("[abc").err().as_deref(),
            Some("a `[` is never closed by `]`")
        );
        assert_eq!(
            Pattern::new("[z-a]").err().as_deref(),
            Some("the range `z-a` runs backwards")
        );
        assert!(Pattern::new("a]").is_err());
        assert!(Pattern::new("").is_err());
    }

    #[test]
    fn cells_and_normalising() {
        assert_eq!(parse_cell("H1"), Some((0, 7)));
        assert_eq!(parse_cell("aa10"), Some((9, 26)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("1A"), None);
        assert_eq!(parse_cell("Sheet!A1"), None);
        assert_eq!(
            normalise("  Supporting\t Measures \n"),
            "supporting measures"
        );
    }
}
