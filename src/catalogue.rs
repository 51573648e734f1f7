//! What a compiled rule set defines, as plain data: `ragcheck rules
//! --format json` prints it, for editors, dashboards and scripts that need
//! the list of measures, checks, layouts and waivers without parsing rule
//! files.
//!
//! One section per kind of thing a rule set defines, each built by its own
//! function from the [`RuleSet`]; a new kind is one more field and one
//! more function, and the document's `version` stays 1 as
//! long as fields are only added.

use serde::Serialize;

use crate::diagnostic::{RuleRef, Severity};
use crate::ir::{Better, RuleSet, Scope};
use crate::layout::Values;

/// The catalogue of a rule set.
#[derive(Debug, Serialize)]
pub struct Catalogue {
    /// The document's version; fields may be added within a version.
    pub version: u32,
    /// The rule files read, in path order.
    pub files: Vec<String>,
    pub measures: Vec<MeasureEntry>,
    /// Every check: the built-in ones first, then the rule set's.
    pub checks: Vec<CheckEntry>,
    /// The `layout`s, in rule-set order (the first that reads a file wins).
    pub layouts: Vec<LayoutEntry>,
    /// The `waive`s, in rule-set order.
    pub waivers: Vec<WaiverEntry>,
}

#[derive(Debug, Serialize)]
pub struct LayoutEntry {
    pub name: String,
    pub title: Option<String>,
    /// The `files` patterns, as written.
    pub files: Vec<String>,
    /// `long` (a `value` column) or `wide` (a column per sub-period).
    pub shape: &'static str,
    /// Where the layout is written.
    pub rule: RuleRef,
}

#[derive(Debug, Serialize)]
pub struct WaiverEntry {
    /// The check it waives.
    pub check: String,
    /// `on MEASURE`; `null` for every measure.
    pub measure: Option<String>,
    /// `for "ORGANISATION"`; `null` for every organisation.
    pub organisation: Option<String>,
    /// The `until` period, canonical (`2012/13 Q2`).
    pub until: String,
    pub reason: String,
    pub approved: String,
    /// Where the waiver is written.
    pub rule: RuleRef,
}

#[derive(Debug, Serialize)]
pub struct MeasureEntry {
    pub id: String,
    pub title: Option<String>,
    pub about: Option<String>,
    /// `percent`, `money`, … ; `null` when not declared.
    pub unit: Option<String>,
    /// `higher` or `lower`; `null` when not declared.
    pub better: Option<&'static str>,
    /// The target, as ragcheck writes an amount (`95%`, `£1.5m`).
    pub target: Option<String>,
    pub required: bool,
    pub cumulative: bool,
    /// The bands, in order: their status and their rule as written.
    pub bands: Vec<BandEntry>,
    /// Where the measure is written.
    pub rule: RuleRef,
}

#[derive(Debug, Serialize)]
pub struct BandEntry {
    /// `green`, `amber` or `red`.
    pub status: &'static str,
    /// The band's rule as written, on one line.
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct CheckEntry {
    pub id: String,
    /// Whether ragcheck defines it (`true`) or the rule set does.
    pub builtin: bool,
    /// The severity it reports at (a built-in's, as the rule set sets it).
    pub severity: Severity,
    /// One line: what it checks.
    pub about: String,
    /// What it runs on: `return`, `each measure`, `each value`, or
    /// `measures` (a list); `null` for built-ins.
    pub scope: Option<&'static str>,
    /// Where a user check is written; `null` for built-ins.
    pub rule: Option<RuleRef>,
}

impl Catalogue {
    pub fn of(rules: &RuleSet) -> Catalogue {
        Catalogue {
            version: 1,
            files: rules.sources.iter().map(|s| s.path.to_string()).collect(),
            measures: measures(rules),
            checks: checks(rules),
            layouts: layouts(rules),
            waivers: waivers(rules),
        }
    }
}

fn measures(rules: &RuleSet) -> Vec<MeasureEntry> {
    rules
        .measures
        .iter()
        .map(|m| MeasureEntry {
            id: m.id.clone(),
            title: m.title.clone(),
            about: m.about.clone(),
            unit: m.unit.map(|u| u.name().to_string()),
            better: m.better.map(|b| match b {
                Better::Higher => "higher",
                Better::Lower => "lower",
            }),
            target: m.target.map(|t| crate::display::amount(t, m.unit)),
            required: m.required,
            cumulative: m.cumulative,
            bands: m
                .bands
                .iter()
                .map(|b| BandEntry {
                    status: b.status.name(),
                    text: one_line(rules.snippet(b.span)),
                })
                .collect(),
            rule: m.rule.clone(),
        })
        .collect()
}

fn checks(rules: &RuleSet) -> Vec<CheckEntry> {
    let scope = |id: &str| {
        let check = rules.checks.iter().find(|c| c.id == id)?;
        Some(match check.scope {
            Scope::Return => "return",
            Scope::EachMeasure(_) => "each measure",
            Scope::EachValue(_) => "each value",
            Scope::Measures(_) => "measures",
        })
    };
    rules
        .catalogue()
        .into_iter()
        .map(|info| CheckEntry {
            builtin: info.rule.is_none(),
            scope: info.rule.as_ref().and_then(|_| scope(&info.id)),
            id: info.id,
            severity: info.severity,
            about: info.about,
            rule: info.rule,
        })
        .collect()
}

fn layouts(rules: &RuleSet) -> Vec<LayoutEntry> {
    rules
        .layouts
        .iter()
        .map(|l| LayoutEntry {
            name: l.name.clone(),
            title: l.title.clone(),
            files: l.files.iter().map(|p| p.text.clone()).collect(),
            shape: match l.values {
                Values::Long { .. } => "long",
                Values::Wide(_) => "wide",
            },
            rule: l.rule.clone(),
        })
        .collect()
}

fn waivers(rules: &RuleSet) -> Vec<WaiverEntry> {
    rules
        .waivers
        .iter()
        .map(|w| WaiverEntry {
            check: w.check.clone(),
            measure: w.measure.clone(),
            organisation: w.organisation.clone(),
            until: w.info.until.clone(),
            reason: w.info.reason.clone(),
            approved: w.info.approved.clone(),
            rule: w.info.rule.clone(),
        })
        .collect()
}

/// Rule text on one line, its runs of white space made single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
