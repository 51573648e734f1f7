//! Reading a collection through a `layout` (SPEC 2.6).
//!
//! CSV files and spreadsheets are first cut into a [`Grid`] of cells with
//! their places (byte ranges, or sheet cells); a [`Layout`] then says which
//! row is the header, which column or cell holds each part of a return,
//! and where the values are. The result is the same spanned [`Return`]
//! model as every other reader's.
//!
//! Decisions where the specification is silent:
//!
//! - rows are counted as a spreadsheet counts them: in a CSV file, row N is
//!   its Nth record (a blank line is a row), and `cell "B2"` is the second
//!   cell of the second record;
//! - a header name is matched after [`normalise`]; when two header cells
//!   share a name, the first is read;
//! - a data row whose measure cell is empty is skipped (a section or
//!   continuation row), and so is one whose measure cell repeats the
//!   measure column's header name (a header repeated mid-sheet);
//! - a measure cell that names no declared measure is `unknown_measure` at
//!   that cell, and the row is skipped;
//! - `organisation` and `period` constants have no place in the file: their
//!   diagnostics point at the file;
//! - a period is read from inside its text and shown in canonical form
//!   (`Reporting Period : Quarter 4 2011/12` is `2011/12 Q4`), still
//!   pointing at its cell; text with no period is kept as it is, for
//!   `missing_header` to report;
//! - in a long table, a return's earlier sub-periods come from the rows of
//!   the same organisation, measure and financial year in the same file; a
//!   row's other fields (status, commentary, …) belong to its own period's
//!   return only;
//! - `ratio`: a plain number (digits, a sign, a point) in a percent
//!   measure is written as the percentage it is (`0.98` → `98%`), as a
//!   percent-formatted spreadsheet cell is; in any other measure it is
//!   left as typed.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Entry, KnownField, Pos, Problems, Return, Text, invalid};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::RuleSet;
use crate::layout::{FieldTarget, Layout, MatchedBy, Source, Values, normalise};
use crate::period::{Period, SubPeriod};
use crate::value::Unit;

/// One cell: its column, its text and where that text stands (for a cell
/// inside a merged range, the range's first cell).
#[derive(Clone, Debug)]
pub(crate) struct GridCell<'a> {
    pub col: u32,
    pub text: Cow<'a, str>,
    pub pos: Pos,
}

/// One row: its 0-based number, its place, its cells in column order.
#[derive(Clone, Debug)]
pub(crate) struct GridRow<'a> {
    pub index: u32,
    pub pos: Pos,
    pub cells: Vec<GridCell<'a>>,
}

impl<'a> GridRow<'a> {
    fn cell(&self, col: u32) -> Option<&GridCell<'a>> {
        self.cells
            .binary_search_by_key(&col, |c| c.col)
            .ok()
            .and_then(|i| self.cells.get(i))
    }
}

/// A CSV file or a sheet as rows of cells. Rows without a cell may be
/// absent (a spreadsheet's empty rows).
#[derive(Clone, Debug, Default)]
pub(crate) struct Grid<'a> {
    pub rows: Vec<GridRow<'a>>,
    /// `true` for a spreadsheet (which has no end but its last cell).
    pub sheet: bool,
}

impl<'a> Grid<'a> {
    fn row(&self, index: u32) -> Option<&GridRow<'a>> {
        self.rows
            .binary_search_by_key(&index, |r| r.index)
            .ok()
            .and_then(|i| self.rows.get(i))
    }

    /// The last row and column that hold anything.
    fn extent(&self) -> (u32, u32) {
        let last_row = self.rows.last().map_or(0, |r| r.index);
        let last_col = self
            .rows
            .iter()
            .filter_map(|r| r.cells.last().map(|c| c.col))
            .max()
            .unwrap_or(0);
        (last_row, last_col)
    }
}

/// The rows of a CSV text, each record a row.
pub(crate) fn csv_grid<'a>(text: &'a str, problems: &mut Problems) -> Grid<'a> {
    let mut scanner = super::csv::Scanner::new(text);
    let mut cells = Vec::new();
    let mut grid = Grid::default();
    let mut index: u32 = 0;
    loop {
        match scanner.row(&mut cells) {
            Ok(Some(pos)) => {
                let row = GridRow {
                    index,
                    pos,
                    cells: cells
                        .drain(..)
                        .enumerate()
                        .map(|(col, c)| GridCell {
                            col: col as u32,
                            text: c.text,
                            pos: c.pos,
                        })
                        .collect(),
                };
                grid.rows.push(row);
                index = index.saturating_add(1);
            }
            Ok(None) => break,
            Err(finding) => {
                problems.push(*finding);
                break;
            }
        }
    }
    grid
}

/// Where a layout's column was found in the header row.
struct Columns {
    by_name: HashMap<String, u32>,
}

impl Columns {
    fn get(&self, name: &str) -> Option<u32> {
        self.by_name.get(&normalise(name)).copied()
    }
}

/// One data row read through the layout.
struct RowRead {
    org: Option<Text>,
    period_text: Option<Text>,
    period: Option<Period>,
    entry: Entry,
    pos: Pos,
    headers: Vec<(Text, Text)>,
    /// A long table's value, for filling in later returns' earlier
    /// sub-periods.
    long_value: Option<Text>,
}

/// Read a grid through a layout: the returns, and the problems met.
pub(crate) fn read(
    layout: &Layout,
    rules: &RuleSet,
    grid: &Grid<'_>,
    problems: &mut Problems,
) -> Vec<Return> {
    let header_index = layout.header_row.saturating_sub(1);
    let header = match grid.row(header_index) {
        Some(h) => h,
        None => {
            problems.push(
                invalid(
                    format!(
                        "layout `{}` reads its header from row {}, but this file has no row {}",
                        layout.name, layout.header_row, layout.header_row
                    ),
                    Pos::File,
                )
                .help(format!(
                    "check `header row` in the layout `{}` ({}:{})",
                    layout.name, layout.rule.file, layout.rule.line
                )),
            );
            return Vec::new();
        }
    };
    let mut by_name: HashMap<String, u32> = HashMap::new();
    for cell in &header.cells {
        let name = normalise(cell.text.trim_start_matches('\u{feff}'));
        if !name.is_empty() {
            by_name.entry(name).or_insert(cell.col);
        }
    }
    let columns = Columns { by_name };
    if !header_complete(layout, grid, header, &columns, problems) {
        return Vec::new();
    }
    let fixed = |source: &Source| -> Option<Text> {
        match source {
            Source::Cell { row, col, .. } => grid
                .row(*row)
                .and_then(|r| r.cell(*col))
                .map(|c| Text::new(c.text.as_ref(), c.pos))
                .or(Some(Text::new(
                    "",
                    Pos::Cell {
                        row: *row,
                        col: *col,
                    },
                ))),
            Source::Const(text) => Some(Text::new(text.as_str(), Pos::File)),
            Source::Column(_) => None,
        }
    };
    let org_fixed = fixed(&layout.organisation);
    let period_fixed = fixed(&layout.period);
    let header_fixed: Vec<Option<Text>> = layout.headers.iter().map(|(_, s)| fixed(s)).collect();
    let measure_col = columns.get(&layout.measure).unwrap_or(0);
    let measure_header = normalise(&layout.measure);
    let column_of = |source: &Source| match source {
        Source::Column(name) => columns.get(name),
        _ => None,
    };
    let org_col = column_of(&layout.organisation);
    let period_col = column_of(&layout.period);
    let mut rows: Vec<RowRead> = Vec::new();
    for row in grid.rows.iter().filter(|r| r.index > header_index) {
        let Some(measure_cell) = row.cell(measure_col) else {
            continue;
        };
        let name = normalise(&measure_cell.text);
        if name.is_empty() || name == measure_header {
            continue;
        }
        let Some((decl, matched)) = rules.measure_lookup.find(&measure_cell.text) else {
            problems.push(unknown_measure(rules, measure_cell));
            continue;
        };
        let measure = &rules.measures[decl];
        let cell_text = |col: Option<u32>| -> Option<Text> {
            let c = row.cell(col?)?;
            Some(Text::new(c.text.as_ref(), c.pos))
        };
        let org = org_fixed.clone().or_else(|| cell_text(org_col));
        let period_text = period_fixed.clone().or_else(|| cell_text(period_col));
        let period = period_text
            .as_ref()
            .and_then(|t| Period::find_in(t.as_str()).ok());
        let mut entry = Entry {
            id: Some(Text::new(measure.id.as_str(), measure_cell.pos)),
            ..Entry::default()
        };
        if matched == MatchedBy::Title
            && !layout
                .fields
                .iter()
                .any(|(f, _)| *f == FieldTarget::Known(KnownField::Title))
        {
            entry.known[KnownField::Title as usize] =
                Some(Text::new(measure_cell.text.as_ref(), measure_cell.pos));
        }
        for (field, column) in &layout.fields {
            let Some(text) = cell_text(columns.get(column)) else {
                continue;
            };
            if crate::value::trim(text.as_str()).is_empty() {
                continue;
            }
            match field {
                FieldTarget::Known(k) => entry.known[*k as usize] = Some(text),
                FieldTarget::Extra(key) => {
                    entry.extra.push((Text::new(key.as_str(), text.pos), text))
                }
            }
        }
        let percent = measure.unit == Some(Unit::Percent);
        let mut long_value = None;
        match &layout.values {
            Values::Long { column, ratio } => {
                let text = cell_text(columns.get(column)).unwrap_or_else(|| {
                    Text::new(
                        "",
                        Pos::Cell {
                            row: row.index,
                            col: columns.get(column).unwrap_or(0),
                        },
                    )
                });
                let text = if *ratio && percent {
                    as_percentage(text)
                } else {
                    text
                };
                if let Some(slot) = period.map(Period::sub) {
                    entry.values.set(slot, Some(text.clone()));
                }
                long_value = Some(text);
            }
            Values::Wide(subs) => {
                for sub in subs {
                    let Some(slot) = SubPeriod::parse_key(&sub.sub) else {
                        continue;
                    };
                    let col = columns.get(&sub.column);
                    let text = cell_text(col).unwrap_or_else(|| {
                        Text::new(
                            "",
                            Pos::Cell {
                                row: row.index,
                                col: col.unwrap_or(0),
                            },
                        )
                    });
                    let text = if sub.ratio && percent {
                        as_percentage(text)
                    } else {
                        text
                    };
                    entry.values.set(slot, Some(text));
                }
            }
        }
        let headers = layout
            .headers
            .iter()
            .zip(&header_fixed)
            .filter_map(|((key, source), fixed)| {
                let text = fixed.clone().or_else(|| cell_text(column_of(source)))?;
                Some((Text::new(key.as_str(), text.pos), text))
            })
            .collect();
        rows.push(RowRead {
            org,
            period_text,
            period,
            entry,
            pos: row.pos,
            headers,
            long_value,
        });
    }
    group(layout, rows)
}

/// Check that every column the layout names is in the header row and every
/// cell it names is in the file; report each one that is not.
fn header_complete(
    layout: &Layout,
    grid: &Grid<'_>,
    header: &GridRow<'_>,
    columns: &Columns,
    problems: &mut Problems,
) -> bool {
    let header_pos = header
        .cells
        .iter()
        .find(|c| !c.text.trim().is_empty())
        .map_or(header.pos, |c| c.pos);
    let header_pos = match header_pos {
        Pos::Cell { .. } => header_pos,
        _ => header.pos,
    };
    let names: Vec<&str> = header
        .cells
        .iter()
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let mut complete = true;
    let mut seen = Vec::new();
    for (name, what) in layout.columns() {
        if columns.get(name).is_some() || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        complete = false;
        let suggestion = crate::suggest::did_you_mean(name, names.iter().copied())
            .or_else(|| closest(name, names.iter().copied()));
        problems.push(
            invalid(
                format!(
                    "the header row has no column `{name}` (the {what} of layout `{}`); this file's returns are not read",
                    layout.name
                ),
                header_pos,
            )
            .label("header row")
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`? the header names {}", list(&names)),
                None => format!("the header names {}", list(&names)),
            }),
        );
    }
    let (last_row, last_col) = grid.extent();
    let mut cells: Vec<(&str, &Source)> = vec![
        ("organisation", &layout.organisation),
        ("period", &layout.period),
    ];
    cells.extend(layout.headers.iter().map(|(k, s)| (k.as_str(), s)));
    for (what, source) in cells {
        let Source::Cell { row, col, name } = source else {
            continue;
        };
        let inside = if grid.sheet {
            *row <= last_row && *col <= last_col
        } else {
            grid.row(*row)
                .is_some_and(|r| (*col as usize) < r.cells.len())
        };
        if inside {
            continue;
        }
        complete = false;
        let last = format!("{}{}", super::column_letters(last_col), last_row + 1);
        problems.push(
            invalid(
                format!(
                    "the cell `{name}` (the {what} of layout `{}`) is outside this file; its returns are not read",
                    layout.name
                ),
                header_pos,
            )
            .label("header row")
            .help(format!("this file's cells run from A1 to {last}: check the layout's `cell`")),
        );
    }
    complete
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "no columns".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most similar of `candidates` after [`normalise`], when it is
/// similar enough to be worth suggesting (long names differ by more than
/// a typing slip and still mean the same).
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = normalise(name);
    candidates
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(&name, &normalise(c)),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `unknown_measure` for a measure cell that names no declared measure.
fn unknown_measure(rules: &RuleSet, cell: &GridCell<'_>) -> Diagnostic {
    let text = cell.text.trim();
    let names = &rules.measure_lookup.names;
    // A published title is often a declared one with more words (or fewer):
    // the longest such is the best guess, else the most similar.
    let key = normalise(text);
    let overlapping = names
        .iter()
        .map(|(n, _, _)| (normalise(n), n.as_str()))
        .filter(|(n, _)| {
            n.len() >= 8
                && key.len() >= 8
                && (key.starts_with(n.as_str()) || n.starts_with(key.as_str()))
        })
        .max_by_key(|(n, _)| n.len())
        .map(|(_, n)| n);
    let suggestion = overlapping
        .or_else(|| closest(text, names.iter().map(|(n, _, _)| n.as_str())))
        .and_then(|s| {
            names
                .iter()
                .find(|(n, _, _)| n == s)
                .map(|(n, m, by)| (n.as_str(), *m, *by))
        });
    let help = match suggestion {
        Some((name, m, MatchedBy::Id)) => format!("did you mean `{name}`?{}", title_of(rules, m)),
        Some((name, m, MatchedBy::Code)) => format!(
            "did you mean the code `{name}` of `{}`?",
            rules.measures[m].id
        ),
        Some((name, m, MatchedBy::Title)) => {
            format!("did you mean `{}` (“{name}”)?", rules.measures[m].id)
        }
        None => {
            "declare the measure in a rule file, with this text as its title or a `code`".into()
        }
    };
    Diagnostic::new(
        Severity::Warning,
        "unknown_measure",
        format!("no rule declares a measure with the id, code or title `{text}`"),
    )
    .at_pos(cell.pos)
    .label("unknown measure")
    .help(help)
    .measure(text)
}

fn title_of(rules: &RuleSet, m: usize) -> String {
    match &rules.measures[m].title {
        Some(t) => format!(" (“{t}”)"),
        None => String::new(),
    }
}

/// A plain number in a ratio column of a percent measure, as the
/// percentage it stands for (`0.98` → `98%`).
fn as_percentage(text: Text) -> Text {
    let t = crate::value::trim(text.as_str());
    let digits = t.strip_prefix('-').unwrap_or(t);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !plain {
        return text;
    }
    let shifted = super::xlsx::times_hundred(t);
    Text::new(format!("{shifted}%"), text.pos)
}

/// Rows → returns, grouped by (organisation, period) in order of first
/// appearance; a long table's earlier sub-periods filled in.
fn group(layout: &Layout, rows: Vec<RowRead>) -> Vec<Return> {
    let key_of = |r: &RowRead| -> (String, String) {
        let org = r
            .org
            .as_ref()
            .map(|t| normalise(t.as_str()))
            .unwrap_or_default();
        let period = match (&r.period, &r.period_text) {
            (Some(p), _) => p.to_string(),
            (None, Some(t)) => normalise(t.as_str()),
            (None, None) => String::new(),
        };
        (org, period)
    };
    // (organisation, year, measure) → the long values by sub-period.
    let mut history: HashMap<(String, String, String), Vec<(SubPeriod, Text)>> = HashMap::new();
    if matches!(layout.values, Values::Long { .. }) {
        for r in &rows {
            let (Some(p), Some(v)) = (r.period, &r.long_value) else {
                continue;
            };
            let q = p.sub();
            let key = (key_of(r).0, p.year().to_string(), r.entry.id().to_string());
            let known = history.entry(key).or_default();
            if !known.iter().any(|(s, _)| *s == q) {
                known.push((q, v.clone()));
            }
        }
    }
    let mut returns: Vec<Return> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for mut r in rows {
        let key = key_of(&r);
        if let Some(p) = r.period
            && let q = p.sub()
            && let Some(earlier) = history.get(&(
                key.0.clone(),
                p.year().to_string(),
                r.entry.id().to_string(),
            ))
        {
            for (slot, value) in earlier {
                if slot.frequency == q.frequency && *slot < q && r.entry.values.get(*slot).is_none()
                {
                    r.entry.values.set(*slot, Some(value.clone()));
                }
            }
        }
        let i = *index.entry(key).or_insert_with(|| {
            let period = match (&r.period, &r.period_text) {
                (Some(p), Some(t)) => Some(Text::new(p.to_string(), t.pos)),
                (_, t) => t.clone(),
            };
            returns.push(Return {
                organisation: r.org.clone(),
                period,
                header: Vec::new(),
                measures: Vec::new(),
                pos: r.pos,
            });
            returns.len() - 1
        });
        let ret = &mut returns[i];
        for (k, v) in r.headers {
            if ret.header.iter().all(|(key, _)| key.text != k.text) {
                ret.header.push((k, v));
            }
        }
        ret.measures.push(r.entry);
    }
    returns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_become_percentages() {
        let t = |s: &str| as_percentage(Text::new(s, Pos::File)).text.to_string();
        assert_eq!(t("0.98"), "98%");
        assert_eq!(t(" 1 "), "100%");
        assert_eq!(t("-0.005"), "-0.5%");
        assert_eq!(t("98%"), "98%");
        assert_eq!(t("N/A"), "N/A");
        assert_eq!(t("1,000"), "1,000");
        assert_eq!(t("1."), "1.");
    }
}

#[cfg(test)]
mod reading {
    use super::super::tests::describe;
    use super::super::{LoadedFile, load_with};
    use crate::ir::RuleSet;
    use crate::span::SourceFile;

    const MEASURES: &str = r#"
measure appraisals "Every year 100% of staff have an appraisal" {
    code "CORP 09", "CORP09"
    unit percent
}
measure budget "No variation from agreed directorate budget in the year" {
    unit gbp
}
field numerator count
"#;

    fn rules(layouts: &str) -> RuleSet {
        let compiled = crate::compile::compile(vec![SourceFile::new(
            "r.rag",
            format!("{MEASURES}\n{layouts}"),
        )]);
        match compiled.rules {
            Some(r) => r.into_rules(),
            None => panic!("{:#?}", compiled.diagnostics),
        }
    }

    fn read(layouts: &str, path: &str, text: &str) -> LoadedFile {
        load_with(path, text.as_bytes().to_vec(), &rules(layouts), None)
    }

    const LONG: &str = r#"
layout long {
    files "*bench*.csv"
    organisation column "Local Authority"
    period column "Period"
    measure column "Code"
    value column "Value" ratio
    field numerator column "Numerator"
    header family column "Family"
}
"#;

    #[test]
    fn a_long_table_fills_in_earlier_quarters() {
        let csv = "\
Code,Local  authority ,Period,Value,Numerator,Family
corp09,Angus,2018-19;Q1,0.25,25,2
CORP 09,Angus,2018-19;Q2,0.5,50,2
appraisals,Angus,2018-19;Q3,N/A,,2
CORP 09,Fife,2018-19;Q2,0.98,98,1
,,,,,
budget,Fife,2018-19;Q2,£5k,,1
CORP 09,Angus,2017-18;Q4,0.7,70,2
";
        let file = read(LONG, "data/benchmark.csv", csv);
        insta::assert_snapshot!(describe(&file));
    }

    #[test]
    fn a_file_no_layout_matches_is_read_as_before() {
        let csv = "organisation,period,measure,q4\nLeeds,2011/12 Q4,appraisals,94%\n";
        let file = read(LONG, "returns.csv", csv);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(file.returns.len(), 1);
    }

    const WIDE: &str = r#"
layout scorecard {
    files "*scorecard*"
    header row 2
    organisation "Leeds City Council"
    period cell "H1"
    measure column "Supporting Measures"
    status column "Overall Progress"
    commentary column "Progress Summary"
    section column "Contribution to Cross Council Priorities"
    q1 column "Q1", q2 column "Q2", q3 column "Q3", q4 column "Q4"
}
"#;

    #[test]
    fn a_wide_table_skips_continuation_and_repeated_header_rows() {
        let csv = "\
2011/12 Customer Access and Performance Directorate Scorecard,,,,,,,Reporting Period : Quarter 4 2011/12
Contribution to Cross Council Priorities,Progress Summary,Overall Progress,Supporting Measures,Q1,Q2,Q3,Q4
,As of 31st March 2012 full appraisals were recorded at 94%.,,,,,,
Appraisals,The variance is due to under reporting.,Amber,Every year 100%  of staff have an appraisal,63%,94%,99%,945
Directorate Priorities,Progress Summary,Overall Progress,Supporting Measures,Q1,Q2,Q3,Q
Keep within budget,An underspend of £617k.,Green,No variation from agreed directorate budget,£13000 overspend,£0,,\"£617, unders\"
";
        let file = read(WIDE, "cap-scorecard.csv", csv);
        insta::assert_snapshot!(describe(&file));
        let help = file.problems.last().and_then(|f| f.help.clone());
        assert_eq!(
            help.as_deref(),
            Some(
                "did you mean `budget` (“No variation from agreed directorate budget in the year”)?"
            )
        );
    }

    #[test]
    fn a_missing_column_stops_the_file_at_its_header_row() {
        let csv = "\
title,,,,,,,Reporting Period : Quarter 4 2011/12
Contribution to Cross Council Priorities,Progress Summary,Overall,Supporting Measure,Q1,Q2,Q3,Q4
x,y,Amber,appraisals,1%,2%,3%,4%
";
        let file = read(WIDE, "cap-scorecard.csv", csv);
        assert!(file.returns.is_empty());
        insta::assert_snapshot!(describe(&file));
        let helps: Vec<_> = file
            .problems
            .iter()
            .filter_map(|f| f.help.clone())
            .collect();
        assert!(
            helps[0].starts_with("did you mean `Supporting Measure`? the header names"),
            "{helps:?}"
        );
    }

    #[test]
    fn a_cell_outside_the_file_stops_it() {
        let csv = "\
Contribution to Cross Council Priorities,Progress Summary,Overall Progress,Supporting Measures,Q1,Q2,Q3,Q4
";
        let layout = WIDE
            .replace("header row 2", "header row 1")
            .replace("cell \"H1\"", "cell \"H9\"");
        let file = read(&layout, "cap-scorecard.csv", csv);
        assert!(file.returns.is_empty());
        insta::assert_snapshot!(describe(&file));
        let file = read(WIDE, "cap-scorecard.csv", "");
        insta::assert_snapshot!("no_header_row", describe(&file));
    }

    #[test]
    fn layout_is_forced_by_index() {
        let csv = "Code,Local Authority,Period,Value,Numerator,Family\nCORP09,Fife,2018-19;Q2,0.98,98,1\n";
        let rules = rules(LONG);
        let file = load_with("anything.csv", csv.as_bytes().to_vec(), &rules, Some(0));
        assert_eq!(file.returns.len(), 1, "{:?}", file.problems);
        // YAML is never read through a layout.
        let yaml = "return:\n  organisation: A\n  period: 2011/12 Q4\nmeasures: {}\n";
        let file = load_with("r.yaml", yaml.as_bytes().to_vec(), &rules, Some(0));
        assert!(file.problems.is_empty(), "{:?}", file.problems);
    }
}
