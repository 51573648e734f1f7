//! Measure codes (`code "CORP 09"`) and typed fields (`field numerator
//! count`), SPEC 3.1.

use std::collections::HashMap;

use super::{Compiler, did_you_mean};
use crate::ast::{self, Item, MeasureStmt};
use crate::field::KnownField;
use crate::ir::RuleSet;
use crate::layout::{MatchedBy, normalise};
use crate::span::Span;
use crate::value::Unit;

impl Compiler<'_> {
    /// Check that no two measures share a code, and build the lookup a
    /// layout's measure column uses: ids, then codes, then titles.
    pub(super) fn measure_codes(
        &mut self,
        files: &[(crate::span::FileId, ast::RuleFile)],
        rules: &mut RuleSet,
    ) {
        let mut codes: HashMap<String, (Span, String)> = HashMap::new();
        for (_, file) in files {
            for item in &file.items {
                let Item::Measure(m) = item else { continue };
                let Some(&idx) = rules.measure_index.get(&m.id.name) else {
                    continue;
                };
                if rules.measures[idx].span != m.span {
                    continue;
                }
                for stmt in &m.body {
                    let MeasureStmt::Code(list) = stmt else {
                        continue;
                    };
                    for code in list {
                        let key = normalise(&code.value);
                        if key.is_empty() {
                            self.report(
                                self.error("bad_code", code.span, "a measure code cannot be empty")
                                    .label("empty"),
                            );
                            continue;
                        }
                        match codes.get(&key) {
                            Some((first, owner)) => {
                                let first_loc = self.locate(*first);
                                let owner = owner.clone();
                                self.report(
                                    self.error(
                                        "duplicate_code",
                                        code.span,
                                        format!(
                                            "the code `{}` is already the code of `{owner}`",
                                            code.value
                                        ),
                                    )
                                    .label("given again here")
                                    .help(
                                        "a code names one measure; codes are compared ignoring case and runs of spaces",
                                    )
                                    .related_at(first_loc, "first given here"),
                                );
                            }
                            None => {
                                codes.insert(key, (code.span, m.id.name.clone()));
                            }
                        }
                    }
                }
            }
        }
        let mut lookup = crate::layout::MeasureLookup::default();
        for (i, m) in rules.measures.iter().enumerate() {
            lookup.add(&m.id, i, MatchedBy::Id);
        }
        for (i, m) in rules.measures.iter().enumerate() {
            for c in &m.codes {
                lookup.add(c, i, MatchedBy::Code);
            }
        }
        for (i, m) in rules.measures.iter().enumerate() {
            if let Some(t) = &m.title {
                lookup.add(t, i, MatchedBy::Title);
            }
        }
        rules.measure_lookup = lookup;
    }

    /// `field NAME UNIT` declarations: the unit must be a unit, the name
    /// not one of the standard fields, and two declarations of one field
    /// must agree.
    pub(super) fn typed_fields(
        &mut self,
        files: &[(crate::span::FileId, ast::RuleFile)],
        rules: &mut RuleSet,
    ) {
        let mut first: HashMap<String, (Unit, Span)> = HashMap::new();
        for (_, file) in files {
            for item in &file.items {
                let Item::Field(f) = item else { continue };
                let name = f.name.name.as_str();
                if KnownField::from_name(name).is_some() || super::expr::is_standard_field(name) {
                    self.report(
                        self.error(
                            "reserved_name",
                            f.name.span,
                            format!("`{name}` is a standard field and cannot be declared with `field`"),
                        )
                        .label("standard field")
                        .help(
                            "`field` declares the unit of a field of your own, such as `field numerator count`",
                        ),
                    );
                    continue;
                }
                let Some(unit) = Unit::from_name(&f.unit.name) else {
                    let names: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
                    self.report(
                        self.error(
                            "unknown_unit",
                            f.unit.span,
                            format!("`{}` is not a unit", f.unit.name),
                        )
                        .label("unknown unit")
                        .help(
                            match did_you_mean(&f.unit.name, names.iter().copied()) {
                                Some(s) => {
                                    format!("did you mean `{s}`? units are {}", names.join(", "))
                                }
                                None => format!("units are {}", names.join(", ")),
                            },
                        ),
                    );
                    continue;
                };
                match first.get(name) {
                    Some((u, _)) if *u == unit => {}
                    Some((u, span)) => {
                        let (u, loc) = (*u, self.locate(*span));
                        self.report(
                            self.error(
                                "conflicting_field",
                                f.span,
                                format!(
                                    "the field `{name}` is declared as {} here, but as {} before",
                                    unit.name(),
                                    u.name()
                                ),
                            )
                            .label("another unit")
                            .help(
                                "a field has one unit in the whole rule set; keep one declaration",
                            )
                            .related_at(loc, "first declared here"),
                        );
                    }
                    None => {
                        first.insert(name.to_string(), (unit, f.span));
                        rules.field_units.insert(name.to_string(), unit);
                        super::expr::intern(&mut rules.extra_fields, name);
                    }
                }
            }
        }
    }
}
