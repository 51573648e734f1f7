//! The meaning of each construct of the rule language.
//!
//! The cases are data: each file of `tests/language/` (but
//! `measures.rag`, the measures they all read) holds checks and `test`
//! blocks, and is run with `ragcheck test tests/language/measures.rag
//! FILE`, as a user runs a rule file's tests; every test must pass. A new
//! case is a new `test` block, or a new file.
//!
//! What a `test` block cannot say is asserted here, through the library:
//! the words of a message, where a diagnostic points, how many conditions
//! were not evaluated, and `missing_measure` (which does not run in tests,
//! as a fixture is a partial return).

use ragcheck::engine::{CheckOptions, check_loaded};
use ragcheck::report::FileReport;
use ragcheck::span::SourceFile;

mod common;

/// The case files of `tests/language/`, in order.
fn cases() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir("tests/language")
        .unwrap_or_else(|e| panic!("cannot read tests/language: {e}"))
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".rag") && n != "measures.rag")
        .map(|n| format!("tests/language/{n}"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_language_case_passes() {
    let files = cases();
    assert!(!files.is_empty(), "no cases in tests/language");
    let mut failed = Vec::new();
    for file in &files {
        let r = common::ragcheck(&[
            "test",
            "tests/language/measures.rag",
            file,
            "--color",
            "never",
        ]);
        let summary = r.stdout.lines().last().unwrap_or("");
        let ran = summary
            .split_once(" passed, 0 failed")
            .is_some_and(|(n, rest)| rest.is_empty() && n.parse::<u32>().is_ok_and(|n| n > 0));
        if r.code != 0 || !ran {
            failed.push(format!("{file}:\n{}", r.transcript()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// `tests/language/measures.rag` plus `extra` rules, compiled, checking a
/// YAML return.
fn check(extra: &str, yaml: &str) -> FileReport {
    let measures = std::fs::read_to_string("tests/language/measures.rag")
        .unwrap_or_else(|e| panic!("cannot read the measures: {e}"));
    let compiled = ragcheck::compile(vec![
        SourceFile::new("measures.rag", measures),
        SourceFile::new("t.rag", extra),
    ]);
    let Some(rules) = compiled.rules else {
        panic!("rules did not compile: {:#?}", compiled.diagnostics);
    };
    let loaded = ragcheck::returns::load("t.yaml", yaml.as_bytes().to_vec());
    assert!(loaded.problems.is_empty(), "{:#?}", loaded.problems);
    check_loaded(&rules, &loaded, &CheckOptions::default())
}

/// A return of `period` with the given measures block (YAML, indented by 2).
fn ret(period: &str, measures: &str) -> String {
    format!("return:\n  organisation: Test\n  period: {period}\nmeasures:\n{measures}")
}

fn codes(r: &FileReport) -> Vec<String> {
    r.returns
        .iter()
        .flat_map(|x| &x.diagnostics)
        .map(|d| d.code.clone())
        .collect()
}

fn messages(r: &FileReport, code: &str) -> Vec<String> {
    r.returns
        .iter()
        .flat_map(|x| &x.diagnostics)
        .filter(|d| d.code == code)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn division_by_zero_is_unknown() {
    // SPEC 3.3: dividing by zero gives unknown, never an error: a `when`
    // that needs the quotient does not fire and is counted as not
    // evaluated, and Kleene logic still decides `unknown or true`.
    let rules = r#"
check by_zero {
    warning when budget.value / (budget.value - budget.value) > 1 "over"
    warning when not (budget.value / 0 > £1) "not over"
    warning when budget.value / 0 > £1 or budget.value < £1m "either"
}
"#;
    let r = check(
        rules,
        &ret("2011/12 Q4", "  budget:\n    values:\n      q4: £5k\n"),
    );
    assert_eq!(messages(&r, "by_zero"), vec!["either".to_string()]);
    assert_eq!(r.returns[0].not_evaluated, 2);
}

#[test]
fn cross_measure_and_return_fields() {
    let rules = "check budget_balanced {\n  warning when abs(budget.value) > £250k \"budget variance of {budget.value} at {return.period} ({return.year}, Q{return.quarter}) for {return.organisation} in {return.directorate}\"\n}\n";
    let yaml = "return:\n  organisation: Leeds City Council\n  directorate: Customer Access\n  period: 2011/12 Q4\nmeasures:\n  budget:\n    values:\n      q4: £617k underspend\n";
    let r = check(rules, yaml);
    assert_eq!(
        messages(&r, "budget_balanced"),
        vec![
            "budget variance of £617k underspend at 2011/12 Q4 (2011/12, Q4) for Leeds City Council in Customer Access"
        ]
    );
}

#[test]
fn for_each_value_points_at_the_value() {
    let rules = "check percent_range for each value where unit == percent {\n  error when value < 0% or value > 100% \"found {value}\" help \"a typing slip?\"\n}\n";
    let yaml = ret(
        "2011/12 Q4",
        "  appraisals:\n    values:\n      q1: 63%\n      q4: 945\n",
    );
    let r = check(rules, &yaml);
    let d = r.returns[0]
        .diagnostics
        .iter()
        .find(|d| d.code == "percent_range")
        .unwrap_or_else(|| panic!("no percent_range"));
    assert_eq!(d.message, "found 945");
    let loc = d.location.clone().unwrap_or_else(|| panic!("no location"));
    assert_eq!((loc.line, loc.column, loc.end_column), (8, 11, 14));
    assert_eq!(d.field.as_deref(), Some("q4"));
    assert_eq!(d.measure.as_deref(), Some("appraisals"));
    assert_eq!(d.help.as_deref(), Some("a typing slip?"));
    let rule = d.rule.clone().unwrap_or_else(|| panic!("no rule"));
    assert_eq!((rule.file.as_ref(), rule.line), ("t.rag", 2));
}

#[test]
fn a_required_measure_absent_is_reported_once() {
    let compiled = ragcheck::compile(vec![SourceFile::new(
        "r.rag",
        "measure appraisals {\n  unit percent\n  required\n}\n",
    )]);
    let rules = compiled.rules.unwrap_or_else(|| panic!("no rules"));
    let loaded = ragcheck::returns::load(
        "t.yaml",
        ret("2011/12 Q4", "  budget:\n    values:\n      q4: £0\n").into_bytes(),
    );
    let r = check_loaded(&rules, &loaded, &CheckOptions::default());
    let c = codes(&r);
    assert_eq!(
        c.iter().filter(|c| *c == "missing_measure").count(),
        1,
        "{c:?}"
    );
}
