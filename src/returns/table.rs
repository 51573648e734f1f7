//! Tables of returns: CSV files and spreadsheets, one measure per row.
//!
//! Both readers hand rows of [`Cell`]s to a [`Table`], which maps columns to
//! fields by the header row and groups rows into returns by (organisation,
//! period), in order of first appearance.
//!
//! Decisions where the specification is silent:
//!
//! - header names are matched without regard to case or surrounding space;
//! - `directorate`, and any column named `return.<key>`, is a header field of
//!   the return (`return.<key>`); every other unknown column is a measure
//!   field, reachable as `<column name>`; unnamed columns are ignored;
//! - a later row of a return that gives a different header value than the
//!   first is reported (the first is kept);
//! - rows are grouped by organisation and period without surrounding space,
//!   and a measure id is read without surrounding space; every other cell is
//!   kept exactly as typed;
//! - an empty cell is an absent field, except in a value column (`q1`..`q4`,
//!   `m1`..`m12`, `year`), where it is a blank value (text `""`) at that
//!   cell; a blank cell in a column of another frequency than its return's
//!   period is passed over, a filled one is `invalid_return`;
//! - rows whose cells are all empty are skipped silently.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{
    Entry as Measure, KnownField, Pos, Problems, Return, Text, bad_measure_id, invalid,
    is_measure_id,
};
use crate::diagnostic::Diagnostic;
use crate::period::SubPeriod;
use crate::value::trim;

/// One cell as read: its text (quotes undone) and place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cell<'a> {
    pub text: Cow<'a, str>,
    pub pos: Pos,
}

impl Cell<'_> {
    pub fn is_blank(&self) -> bool {
        trim(&self.text).is_empty()
    }

    /// The cell's text without surrounding space, with its place narrowed
    /// to match when it is a byte range.
    fn trimmed(&self) -> Text {
        let text = trim(&self.text);
        let pos = match self.pos {
            // Quotes undone (`""` → `"`) make text and range differ in
            // length; narrow only when they agree.
            Pos::Bytes { start, end } if (end - start) as usize == self.text.len() => {
                let lead = text.as_ptr() as usize - self.text.as_ptr() as usize;
                Pos::bytes(start as usize + lead, start as usize + lead + text.len())
            }
            pos => pos,
        };
        Text::new(text, pos)
    }

    fn to_text(&self) -> Text {
        Text::new(self.text.as_ref(), self.pos)
    }
}

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Organisation,
    Period,
    Measure,
    Known(KnownField),
    Value(SubPeriod),
    /// A header field of the return (`directorate`, `return.<key>`).
    Header(Text),
    /// Any other field of the measure.
    Extra(Text),
    Ignored,
}

impl Role {
    fn of(name: &str, header: &Cell) -> Role {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "organisation" => Role::Organisation,
            "period" => Role::Period,
            "measure" => Role::Measure,
            "directorate" => Role::Header(Text::new("directorate", header.pos)),
            _ if let Some(sub) = SubPeriod::parse_key(&lower) => Role::Value(sub),
            _ => {
                if let Some(field) = KnownField::from_name(&lower) {
                    Role::Known(field)
                } else if let Some(key) = lower.strip_prefix("return.").and_then(|_| name.get(7..))
                {
                    Role::Header(Text::new(key.trim(), header.pos))
                } else {
                    Role::Extra(Text::new(name, header.pos))
                }
            }
        }
    }
}

/// Rows → returns.
pub(crate) struct Table {
    roles: Vec<Role>,
    organisation: usize,
    period: usize,
    measure: usize,
    returns: Vec<Return>,
    /// `organisation \u{1f} period` → index in `returns`.
    groups: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    /// The key last looked up in `groups`, and the group it found: the
    /// rows of a return usually come together, so most rows need no
    /// lookup.
    key: String,
    last: Option<usize>,
}

impl Table {
    /// Read the header row; `None` (with a finding) when a required column
    /// is missing.
    pub fn new(header: &[Cell], row: Pos, findings: &mut Problems) -> Option<Table> {
        let mut roles: Vec<Role> = Vec::with_capacity(header.len());
        // Canonical column name → its first column.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, cell) in header.iter().enumerate() {
            let name = cell.text.trim().trim_start_matches('\u{feff}').trim();
            if name.is_empty() {
                roles.push(Role::Ignored);
                continue;
            }
            let role = Role::of(name, cell);
            let canonical = match &role {
                Role::Header(key) => format!("return.{}", key.text.to_ascii_lowercase()),
                _ => name.to_ascii_lowercase(),
            };
            match seen.entry(canonical) {
                Entry::Occupied(first) => {
                    let first = header.get(*first.get()).map_or(Pos::File, |c| c.pos);
                    findings.push(
                        invalid(
                            format!("the column `{name}` is given twice; the first is read"),
                            cell.pos,
                        )
                        .label("given again here")
                        .related_pos(first, "first given here"),
                    );
                    roles.push(Role::Ignored);
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    roles.push(role);
                }
            }
        }
        let find = |wanted: Role| roles.iter().position(|r| *r == wanted);
        let organisation = find(Role::Organisation);
        let period = find(Role::Period);
        let measure = find(Role::Measure);
        let (Some(organisation), Some(period), Some(measure)) = (organisation, period, measure)
        else {
            let missing: Vec<&str> = [
                ("organisation", organisation),
                ("period", period),
                ("measure", measure),
            ]
            .into_iter()
            .filter(|(_, found)| found.is_none())
            .map(|(name, _)| name)
            .collect();
            findings.push(
                invalid(
                    format!(
                        "the header row has no {} column{}",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if missing.len() > 1 { "s" } else { "" }
                    ),
                    row,
                )
                .label("header row")
                .help("the first row names the columns: organisation, period, measure, then any of directorate, title, section, officer, unit, status, commentary, target, and the values: q1..q4, m1..m12 or year"),
            );
            return None;
        };
        Some(Table {
            roles,
            organisation,
            period,
            measure,
            returns: Vec::new(),
            groups: HashMap::default(),
            key: String::new(),
            last: None,
        })
    }

    /// How many cells a row should have.
    pub fn width(&self) -> usize {
        self.roles.len()
    }

    /// How many of a row's first cells hold everything that groups it
    /// into a return and checks it against the others (organisation,
    /// period, measure id and the return's header fields).
    pub fn key_width(&self) -> usize {
        let header = self
            .roles
            .iter()
            .rposition(|r| matches!(r, Role::Header(_)))
            .map_or(0, |i| i + 1);
        [self.organisation, self.period, self.measure]
            .into_iter()
            .map(|i| i + 1)
            .chain([header])
            .max()
            .unwrap_or(0)
    }

    /// Add one data row at `row` (its place, for whole-row findings).
    pub fn row(&mut self, cells: &[Cell], row: Pos, findings: &mut Problems) {
        let Some(id) = self.accept(cells, row, findings) else {
            return;
        };
        let (Some(org), Some(period)) = (cells.get(self.organisation), cells.get(self.period))
        else {
            return;
        };
        let index = self.group(org, period, row);
        let Some(ret) = self.returns.get_mut(index) else {
            return;
        };
        Self::fill(&self.roles, ret, id, cells, findings);
    }

    /// Whether a data row is read, and its measure id if so: a blank row
    /// is passed over silently, a ragged row or one whose id is not a
    /// measure id is reported and skipped.
    pub fn accept(&self, cells: &[Cell], row: Pos, findings: &mut Problems) -> Option<Text> {
        self.accept_counted(cells, cells.len(), row, findings)
    }

    /// [`Table::accept`] for a row of `count` cells of which `cells` holds
    /// the first (at least [`Table::key_width`] of them, or all): a row
    /// with cells past the header's, or whose first cells are blank, must
    /// be given whole.
    pub fn accept_counted(
        &self,
        cells: &[Cell],
        count: usize,
        row: Pos,
        findings: &mut Problems,
    ) -> Option<Text> {
        if cells.iter().all(Cell::is_blank) {
            return None;
        }
        let width = self.width();
        let ragged = count < width
            || cells
                .get(width..)
                .is_some_and(|rest| rest.iter().any(|c| !c.is_blank()));
        if ragged {
            findings.push(
                invalid(
                    format!(
                        "this row has {count} cells but the header row names {width} columns; the row is skipped"
                    ),
                    row,
                )
                .label("ragged row")
                .help("put a cell that holds a comma or a line break in double quotes"),
            );
            return None;
        }
        let id = cells.get(self.measure)?.trimmed();
        if !is_measure_id(&id.text) {
            findings.push(bad_measure_id(&id.text, id.pos));
            return None;
        }
        Some(id)
    }

    /// The measure id of a row [`Table::accept`] took before.
    pub fn measure_id(&self, cells: &[Cell]) -> Option<Text> {
        let id = cells.get(self.measure)?.trimmed();
        is_measure_id(&id.text).then_some(id)
    }

    /// The organisation and period cells of an accepted row.
    pub fn key_cells<'c, 'a>(&self, cells: &'c [Cell<'a>]) -> Option<(&'c Cell<'a>, &'c Cell<'a>)> {
        Some((cells.get(self.organisation)?, cells.get(self.period)?))
    }

    /// A new return, at the first row of it (`org` and `period` its
    /// cells), with room for `room` measures.
    pub fn start(org: &Cell, period: &Cell, row: Pos, room: usize) -> Return {
        Return {
            organisation: (!org.is_blank()).then(|| org.to_text()),
            period: (!period.is_blank()).then(|| period.to_text()),
            header: Vec::new(),
            measures: Vec::with_capacity(room),
            pos: row,
        }
    }

    /// Add an accepted row (measure `id`) to its return.
    pub fn fill(
        roles: &[Role],
        ret: &mut Return,
        id: Text,
        cells: &[Cell],
        findings: &mut Problems,
    ) {
        for (role, cell) in roles.iter().zip(cells) {
            if let Role::Header(key) = role
                && !cell.is_blank()
            {
                header_value(ret, key, cell, findings);
            }
        }
        // The entry is filled where it is kept, not moved there whole.
        ret.measures.push(Measure {
            id: Some(id),
            ..Measure::default()
        });
        let Some(entry) = ret.measures.last_mut() else {
            return;
        };
        for (role, cell) in roles.iter().zip(cells) {
            match role {
                Role::Known(field) if !cell.is_blank() => {
                    entry.known[*field as usize] = Some(cell.to_text());
                }
                Role::Value(sub) => entry.values.set(*sub, Some(cell.to_text())),
                Role::Extra(name) if !cell.is_blank() => {
                    entry.extra.push((name.clone(), cell.to_text()));
                }
                _ => {}
            }
        }
    }

    /// What each column holds.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// The columns that hold a header field of the return
    /// (`directorate`, `return.<key>`), with its key.
    pub fn header_columns(&self) -> Vec<(usize, &Text)> {
        self.roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                Role::Header(key) => Some((i, key)),
                _ => None,
            })
            .collect()
    }

    /// The return a row belongs to, created at its first row.
    fn group(&mut self, org: &Cell, period: &Cell, row: Pos) -> usize {
        let (org_key, period_key) = (trim(&org.text), trim(&period.text));
        if let Some(last) = self.last
            && self.key.len() == org_key.len() + 1 + period_key.len()
            && self.key.starts_with(org_key)
            && self.key.as_bytes().get(org_key.len()) == Some(&0x1f)
            && self.key.ends_with(period_key)
        {
            return last;
        }
        self.key.clear();
        self.key.push_str(org_key);
        self.key.push('\u{1f}');
        self.key.push_str(period_key);
        if let Some(&index) = self.groups.get(self.key.as_str()) {
            self.last = Some(index);
            return index;
        }
        let index = self.returns.len();
        self.last = Some(index);
        self.groups.insert(self.key.as_str().into(), index);
        // A collection's returns tend to have as many measures as each
        // other: room for as many as the last one had.
        let room = self.returns.last().map_or(0, |r| r.measures.len());
        self.returns.push(Table::start(org, period, row, room));
        index
    }

    pub fn finish(self) -> Vec<Return> {
        self.returns
    }
}

/// Set a header field from a row, or check that it agrees with the value an
/// earlier row gave.
fn header_value(ret: &mut Return, key: &Text, cell: &Cell, findings: &mut Problems) {
    match ret.header.iter().find(|(k, _)| k.text == key.text) {
        None => ret.header.push((key.clone(), cell.to_text())),
        Some((_, first)) if first.text.trim() != cell.text.trim() => {
            findings.push(header_differs(key, cell, first.text.trim(), first.pos));
        }
        Some(_) => {}
    }
}

/// The finding for a header field whose `cell` differs from the value
/// (`first`, at `first_pos`) of the return's first row that gave it.
pub(crate) fn header_differs(key: &Text, cell: &Cell, first: &str, first_pos: Pos) -> Diagnostic {
    invalid(
        format!(
            "`{}` differs within one return: `{}` here, `{}` in its first row; the first is kept",
            key.text,
            cell.text.trim(),
            first
        ),
        cell.pos,
    )
    .label("differs")
    .related_pos(first_pos, "first given here")
}
