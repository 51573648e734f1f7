//! `layout` blocks → [`crate::layout::Layout`] (SPEC 2.6).
//!
//! The grammar reads every layout statement in one general shape
//! (`WORD [KEY] [column|cell|row] ARG, ... [ratio]`); this module gives each
//! its meaning, so that a misspelt statement is `unknown_layout_statement`
//! with a did-you-mean, and a statement in the wrong form says which form
//! it takes.

use std::collections::HashMap;

use super::Compiler;
use crate::ast::{LayoutArg, LayoutDecl, LayoutStmt};
use crate::field::KnownField;
use crate::layout::{FieldTarget, Layout, Pattern, Source, SubColumn, Values, parse_cell};
use crate::span::Span;
use crate::suggest::did_you_mean;

/// Every statement a layout may hold, with the form it takes.
const STATEMENTS: &[(&str, &str)] = &[
    ("files", "files \"*benchmark*.csv\", \"*.xlsx\""),
    ("sheet", "sheet \"Scorecard\""),
    (
        "header",
        "header row 2, or header KEY column \"NAME\", or header KEY cell \"B1\"",
    ),
    (
        "organisation",
        "organisation column \"NAME\", organisation cell \"B1\" or organisation \"Leeds City Council\"",
    ),
    (
        "period",
        "period column \"NAME\", period cell \"H1\" or period \"2011/12 Q4\"",
    ),
    ("measure", "measure column \"NAME\""),
    ("value", "value column \"NAME\" [ratio]"),
    ("field", "field KEY column \"NAME\""),
    ("status", "status column \"NAME\""),
    ("commentary", "commentary column \"NAME\""),
    ("officer", "officer column \"NAME\""),
    ("title", "title column \"NAME\""),
    ("section", "section column \"NAME\""),
    ("unit", "unit column \"NAME\""),
    ("target", "target column \"NAME\""),
];

/// The sub-period names a wide layout may give columns for, with their
/// frequency.
fn sub_period(word: &str) -> Option<&'static str> {
    let quarterly = ["q1", "q2", "q3", "q4"];
    if quarterly.contains(&word) {
        return Some("quarterly");
    }
    if word == "year" {
        return Some("annual");
    }
    let month = word.strip_prefix('m')?.parse::<u8>().ok()?;
    ((1..=12).contains(&month) && word == format!("m{month}")).then_some("monthly")
}

impl Compiler<'_> {
    /// Compile every layout, in rule-set order; two with one name is an
    /// error at the second.
    pub(super) fn layouts(&mut self, decls: &[&LayoutDecl]) -> Vec<Layout> {
        let mut names: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::new();
        for decl in decls {
            if let Some(first) = names.get(decl.name.name.as_str()) {
                let first = self.locate(*first);
                self.report(
                    self.error(
                        "duplicate_layout",
                        decl.name.span,
                        format!("the layout `{}` is declared twice", decl.name.name),
                    )
                    .label("declared again here")
                    .help("give each layout its own name")
                    .related_at(first, "first declared here"),
                );
                continue;
            }
            names.insert(&decl.name.name, decl.name.span);
            if let Some(layout) = self.layout(decl) {
                out.push(layout);
            }
        }
        out
    }

    fn layout(&mut self, decl: &LayoutDecl) -> Option<Layout> {
        let errors_before = self.error_count();
        let mut files = Vec::new();
        let mut sheet = None;
        let mut header_row = None;
        let mut organisation = None;
        let mut period = None;
        let mut headers: Vec<(String, Source)> = Vec::new();
        let mut measure = None;
        let mut long: Option<(String, bool, Span)> = None;
        let mut subs: Vec<(SubColumn, &'static str, Span)> = Vec::new();
        let mut fields: Vec<(FieldTarget, String)> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut unknown = false;
        for stmt in &decl.body {
            let word = stmt.word.name.as_str();
            // What the statement sets, for `duplicate_statement`.
            let what = match (
                word,
                &stmt.key,
                stmt.place.as_ref().map(|p| p.name.as_str()),
            ) {
                ("header", None, Some("row")) => "header row".to_string(),
                ("header" | "field", Some(k), _) => format!("{word} {}", k.name),
                _ => word.to_string(),
            };
            if let Some(first) = seen.get(&what) {
                let first = self.locate(*first);
                self.report(
                    self.error(
                        "duplicate_statement",
                        stmt.span,
                        format!("layout `{}` says `{what}` twice", decl.name.name),
                    )
                    .label("second time")
                    .related_at(first, "first here"),
                );
                continue;
            }
            seen.insert(what, stmt.span);
            if let Some(frequency) = sub_period(word) {
                if let Some(column) = self.column_only(stmt, true) {
                    subs.push((
                        SubColumn {
                            sub: word.to_string(),
                            column,
                            ratio: stmt.ratio.is_some(),
                        },
                        frequency,
                        stmt.span,
                    ));
                }
                continue;
            }
            match word {
                "files" => {
                    if !self.no_key_place_ratio(stmt) {
                        continue;
                    }
                    for arg in &stmt.args {
                        let Some(text) = self.string_arg(stmt, arg) else {
                            continue;
                        };
                        match Pattern::new(&text) {
                            Ok(p) => files.push(p),
                            Err(why) => {
                                self.report(
                                    self.error(
                                        "bad_pattern",
                                        arg.span(),
                                        format!("`{text}` is not a file pattern: {why}"),
                                    )
                                    .label("bad pattern")
                                    .help(
                                        "patterns use `*` (any text), `?` (one character) and `[abc]` or `[a-z]` (one of a set), such as `\"*benchmark*.csv\"`",
                                    ),
                                );
                            }
                        }
                    }
                }
                "sheet" => {
                    if self.no_key_place_ratio(stmt) {
                        sheet = self.one_string(stmt);
                    }
                }
                "header" if stmt.key.is_none() => {
                    let row = match (&stmt.place, stmt.args.as_slice(), stmt.ratio) {
                        (Some(p), [LayoutArg::Number(n, span)], None) if p.name == "row" => {
                            Some((*n, *span))
                        }
                        _ => None,
                    };
                    match row {
                        Some((n, span)) if (1..=1_048_576).contains(&n) => {
                            header_row = Some(n as u32);
                            let _ = span;
                        }
                        Some((n, span)) => {
                            self.report(
                                self.error(
                                    "bad_layout_statement",
                                    span,
                                    format!("there is no row {n}: rows count from 1"),
                                )
                                .label("no such row"),
                            );
                        }
                        None => self.bad_form(stmt, "header"),
                    }
                }
                "header" => {
                    let key = stmt
                        .key
                        .as_ref()
                        .map(|k| k.name.clone())
                        .unwrap_or_default();
                    if let Some(source) = self.source(stmt, false) {
                        if matches!(source, Source::Const(_)) {
                            self.bad_form(stmt, "header");
                        } else {
                            headers.push((key, source));
                        }
                    }
                }
                "organisation" | "period" => {
                    if stmt.key.is_some() {
                        self.bad_form(stmt, word);
                        continue;
                    }
                    let source = self.source(stmt, true);
                    if word == "organisation" {
                        organisation = source;
                    } else {
                        period = source;
                    }
                }
                "measure" => {
                    if stmt.key.is_some() {
                        self.bad_form(stmt, word);
                    } else {
                        measure = self.column_only(stmt, false);
                    }
                }
                "value" => {
                    if stmt.key.is_some() {
                        self.bad_form(stmt, word);
                    } else if let Some(column) = self.column_only(stmt, true) {
                        long = Some((column, stmt.ratio.is_some(), stmt.span));
                    }
                }
                "field" => match &stmt.key {
                    Some(key) => {
                        if KnownField::from_name(&key.name).is_some() {
                            self.report(
                                self.error(
                                    "bad_layout_statement",
                                    key.span,
                                    format!("`{}` is a field of its own", key.name),
                                )
                                .label("not a field key")
                                .help(format!(
                                    "write `{} column \"...\"` without `field`",
                                    key.name
                                )),
                            );
                        } else if let Some(column) = self.column_only(stmt, false) {
                            fields.push((FieldTarget::Extra(key.name.clone()), column));
                        }
                    }
                    None => self.bad_form(stmt, word),
                },
                _ => match KnownField::from_name(word) {
                    Some(field) if stmt.key.is_none() => {
                        if let Some(column) = self.column_only(stmt, false) {
                            fields.push((FieldTarget::Known(field), column));
                        }
                    }
                    Some(_) => self.bad_form(stmt, word),
                    None => {
                        unknown = true;
                        self.unknown_statement(stmt);
                    }
                },
            }
        }
        let missing: Vec<&str> = [
            ("organisation", organisation.is_none()),
            ("period", period.is_none()),
            ("measure", measure.is_none()),
        ]
        .into_iter()
        .filter(|(name, gone)| *gone && !seen.contains_key(*name))
        .map(|(name, _)| name)
        .collect();
        // A misspelt statement was probably the one missing: it is
        // reported once, as unknown.
        if !missing.is_empty() && !unknown {
            self.report(
                self.error(
                    "incomplete_layout",
                    decl.name.span,
                    format!(
                        "layout `{}` does not say where the {} {}",
                        decl.name.name,
                        missing.join(" and "),
                        if missing.len() > 1 { "are" } else { "is" }
                    ),
                )
                .label("incomplete")
                .help(format!(
                    "add {}",
                    missing
                        .iter()
                        .filter_map(|m| STATEMENTS.iter().find(|(w, _)| w == m))
                        .map(|(_, form)| format!("`{form}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        let values = match (long, subs.is_empty()) {
            (Some((_, _, span)), false) => {
                let sub_span = subs.first().map_or(span, |s| s.2);
                let loc = self.locate(span);
                self.report(
                    self.error(
                        "mixed_layout",
                        sub_span,
                        format!(
                            "layout `{}` has both a `value` column and sub-period columns",
                            decl.name.name
                        ),
                    )
                    .label("a sub-period column")
                    .help(
                        "a long table has one `value` column and a row per period; a wide table has a column per sub-period (`q1 column \"Q1\"`, …): keep one of them",
                    )
                    .related_at(loc, "the `value` column"),
                );
                None
            }
            (Some((column, ratio, _)), true) => Some(Values::Long { column, ratio }),
            (None, false) => {
                let frequency = subs[0].1;
                if let Some(odd) = subs.iter().find(|s| s.1 != frequency) {
                    self.report(
                        self.error(
                            "mixed_layout",
                            odd.2,
                            format!(
                                "`{}` is a {} sub-period, but `{}` is {frequency}",
                                odd.0.sub, odd.1, subs[0].0.sub
                            ),
                        )
                        .label("another frequency")
                        .help(
                            "a wide table has the columns of one frequency: q1..q4, m1..m12 or year",
                        ),
                    );
                    None
                } else {
                    Some(Values::Wide(subs.into_iter().map(|s| s.0).collect()))
                }
            }
            (None, true) => {
                self.report(
                    self.error(
                        "incomplete_layout",
                        decl.name.span,
                        format!(
                            "layout `{}` does not say where the values are",
                            decl.name.name
                        ),
                    )
                    .label("no values")
                    .help(
                        "add `value column \"NAME\"` for a long table (a row per period), or a column per sub-period for a wide table: `q1 column \"Q1\", q2 column \"Q2\", q3 column \"Q3\", q4 column \"Q4\"`",
                    ),
                );
                None
            }
        };
        if self.error_count() > errors_before {
            return None;
        }
        Some(Layout {
            name: decl.name.name.clone(),
            title: decl.title.as_ref().map(|t| t.value.clone()),
            files,
            sheet,
            header_row: header_row.unwrap_or(1),
            organisation: organisation?,
            period: period?,
            headers,
            measure: measure?,
            values: values?,
            fields,
            span: decl.span,
            rule: self.rule_ref(decl.name.span),
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .count()
    }

    fn unknown_statement(&mut self, stmt: &LayoutStmt) {
        let word = stmt.word.name.as_str();
        let mut words: Vec<&str> = STATEMENTS.iter().map(|(w, _)| *w).collect();
        words.extend(["q1", "q2", "q3", "q4", "year"]);
        self.report(
            self.error(
                "unknown_layout_statement",
                stmt.word.span,
                format!("`{word}` is not a layout statement"),
            )
            .label("unknown statement")
            .help(match did_you_mean(word, words.iter().copied()) {
                Some(s) => {
                    let form = STATEMENTS
                        .iter()
                        .find(|(w, _)| *w == s)
                        .map_or_else(|| format!("{s} column \"NAME\""), |(_, f)| f.to_string());
                    format!("did you mean `{s}`? it is written `{form}`")
                }
                None => format!(
                    "a layout says where things are with: {}, q1..q4, m1..m12 or year",
                    STATEMENTS
                        .iter()
                        .map(|(w, _)| *w)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        );
    }

    /// A statement not in its form: say which form it takes.
    fn bad_form(&mut self, stmt: &LayoutStmt, word: &str) {
        let form = STATEMENTS
            .iter()
            .find(|(w, _)| *w == word)
            .map_or_else(|| format!("{word} column \"NAME\""), |(_, f)| f.to_string());
        self.report(
            self.error(
                "bad_layout_statement",
                stmt.span,
                format!("`{word}` is not written this way"),
            )
            .label("not this form")
            .help(format!("write `{form}`")),
        );
    }

    fn no_key_place_ratio(&mut self, stmt: &LayoutStmt) -> bool {
        if stmt.key.is_some() || stmt.place.is_some() || stmt.ratio.is_some() {
            self.bad_form(stmt, &stmt.word.name.clone());
            return false;
        }
        true
    }

    fn string_arg(&mut self, stmt: &LayoutStmt, arg: &LayoutArg) -> Option<String> {
        match arg {
            LayoutArg::Str(s) => Some(s.value.clone()),
            LayoutArg::Number(..) => {
                self.bad_form(stmt, &stmt.word.name.clone());
                None
            }
        }
    }

    /// The one string a statement takes.
    fn one_string(&mut self, stmt: &LayoutStmt) -> Option<String> {
        match stmt.args.as_slice() {
            [LayoutArg::Str(s)] => Some(s.value.clone()),
            _ => {
                self.bad_form(stmt, &stmt.word.name.clone());
                None
            }
        }
    }

    /// `WORD column "NAME"`; `ratio` only where `ratio_ok`.
    fn column_only(&mut self, stmt: &LayoutStmt, ratio_ok: bool) -> Option<String> {
        let word = stmt.word.name.clone();
        if let Some(r) = stmt.ratio
            && !ratio_ok
        {
            self.report(
                self.error(
                    "bad_layout_statement",
                    r,
                    format!("`ratio` belongs to a value column, not to `{word}`"),
                )
                .label("not a value column")
                .help(
                    "`ratio` may follow `value column \"...\"` or a sub-period column such as `q1 column \"Q1\"`",
                ),
            );
            return None;
        }
        match (&stmt.place, stmt.args.as_slice()) {
            (Some(p), [LayoutArg::Str(s)]) if p.name == "column" => {
                if s.value.trim().is_empty() {
                    self.report(
                        self.error(
                            "bad_layout_statement",
                            s.span,
                            "a column name cannot be empty",
                        )
                        .label("empty"),
                    );
                    return None;
                }
                Some(s.value.clone())
            }
            _ => {
                self.bad_form(stmt, &word);
                None
            }
        }
    }

    /// `column "NAME"`, `cell "H1"`, or (where `constant_ok`) a bare
    /// string.
    fn source(&mut self, stmt: &LayoutStmt, constant_ok: bool) -> Option<Source> {
        let word = stmt.word.name.clone();
        if stmt.ratio.is_some() {
            self.bad_form(stmt, &word);
            return None;
        }
        let [LayoutArg::Str(s)] = stmt.args.as_slice() else {
            self.bad_form(stmt, &word);
            return None;
        };
        match stmt.place.as_ref().map(|p| p.name.as_str()) {
            Some("column") => Some(Source::Column(s.value.clone())),
            Some("cell") => match parse_cell(&s.value) {
                Some((row, col)) => Some(Source::Cell {
                    row,
                    col,
                    name: s.value.trim().to_ascii_uppercase(),
                }),
                None => {
                    self.report(
                        self.error(
                            "bad_layout_statement",
                            s.span,
                            format!("`{}` is not a cell such as `H1`", s.value),
                        )
                        .label("not a cell")
                        .help(
                            "a cell is its column letters and row number, such as `B2` or `AA10`",
                        ),
                    );
                    None
                }
            },
            None if constant_ok => Some(Source::Const(s.value.clone())),
            _ => {
                self.bad_form(stmt, &word);
                None
            }
        }
    }
}
