//! The meaning of each construct of the rule language, tested end to end:
//! rule text is compiled, a small return is loaded, and what a user would
//! see (diagnostics, computed statuses, counts) is asserted.

use ragcheck::engine::{CheckOptions, check_loaded};
use ragcheck::rag::Rag;
use ragcheck::report::FileReport;
use ragcheck::span::SourceFile;

const MEASURES: &str = r#"
measure appraisals "Every year 100% of staff have an appraisal" {
    unit percent
    better higher
    target 100%
    trajectory q1 25%, q2 50%, q3 75%, q4 100%
    cumulative
    green when value >= expected
    amber when value >= expected - 10%
    red otherwise
}

measure sickness_absence "Working days lost to sickness per FTE" {
    unit days
    better lower
    target 8.37 days
    green when value <= target
    amber when value <= target * 1.05
    red otherwise
}

measure budget {
    unit gbp
}

measure flexible_working {
    unit count
    target 400
    trajectory linear
}
"#;

/// Compile `MEASURES` plus `extra` rules and check a YAML return.
fn check(extra: &str, yaml: &str) -> FileReport {
    let compiled = ragcheck::compile(vec![SourceFile::new(
        "t.rag",
        format!("{MEASURES}\n{extra}"),
    )]);
    let Some(rules) = compiled.rules else {
        panic!("rules did not compile: {:#?}", compiled.diagnostics);
    };
    let loaded = ragcheck::returns::load("t.yaml", yaml.as_bytes().to_vec());
    assert!(loaded.problems.is_empty(), "{:#?}", loaded.problems);
    check_loaded(&rules, &loaded, &CheckOptions::default())
}

/// A Q4 return with the given measures block (YAML, indented by 2).
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

fn rag(r: &FileReport, id: &str) -> Option<Rag> {
    r.returns[0]
        .measures
        .iter()
        .find(|m| m.id == id)
        .and_then(|m| m.rag)
}

#[test]
fn bands_give_the_first_status_that_holds() {
    let yaml = ret(
        "2011/12 Q4",
        "  appraisals:\n    status: Amber\n    values:\n      q4: 94%\n  sickness_absence:\n    status: Amber\n    values:\n      q4: 8.63 days\n",
    );
    let r = check("", &yaml);
    assert_eq!(rag(&r, "appraisals"), Some(Rag::Amber));
    assert_eq!(rag(&r, "sickness_absence"), Some(Rag::Amber));
    assert!(
        !codes(&r).contains(&"status_mismatch".to_string()),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn band_boundaries_are_inclusive_as_written() {
    for (v, want) in [
        ("8.37 days", Rag::Green),
        ("8.38 days", Rag::Amber),
        ("8.7885 days", Rag::Amber),
        ("8.7886 days", Rag::Red),
    ] {
        let yaml = ret(
            "2007/08 Q3",
            &format!("  sickness_absence:\n    values:\n      q3: {v}\n"),
        );
        assert_eq!(
            rag(&check("", &yaml), "sickness_absence"),
            Some(want),
            "{v}"
        );
    }
}

#[test]
fn expected_follows_the_trajectory_of_the_returns_quarter() {
    // Q2 expects 50%: 45% is within 10 points (amber), 39% is red.
    let amber = ret("2011/12 Q2", "  appraisals:\n    values:\n      q2: 45%\n");
    assert_eq!(rag(&check("", &amber), "appraisals"), Some(Rag::Amber));
    let red = ret("2011/12 Q2", "  appraisals:\n    values:\n      q2: 39%\n");
    assert_eq!(rag(&check("", &red), "appraisals"), Some(Rag::Red));
    let green = ret("2011/12 Q1", "  appraisals:\n    values:\n      q1: 25%\n");
    assert_eq!(rag(&check("", &green), "appraisals"), Some(Rag::Green));
}

#[test]
fn linear_trajectory_spreads_the_target() {
    let r = check(
        "check on_track for flexible_working {\n  warning when value < expected \"behind: {value} < {expected}\"\n}\n",
        &ret(
            "2011/12 Q3",
            "  flexible_working:\n    values:\n      q3: 299\n",
        ),
    );
    assert_eq!(messages(&r, "on_track"), vec!["behind: 299 < 300"]);
}

#[test]
fn a_bare_number_takes_the_measures_unit() {
    // 945 in a percent measure is 945%, far above the target: green.
    let r = check(
        "",
        &ret(
            "2011/12 Q4",
            "  appraisals:\n    status: Amber\n    values:\n      q4: 945\n",
        ),
    );
    assert_eq!(rag(&r, "appraisals"), Some(Rag::Green));
    assert_eq!(messages(&r, "status_mismatch").len(), 1);
}

#[test]
fn a_missing_value_leaves_rag_undetermined() {
    let r = check(
        "",
        &ret(
            "2011/12 Q4",
            "  appraisals:\n    status: Green\n    values:\n      q4: N/A\n",
        ),
    );
    assert_eq!(rag(&r, "appraisals"), None);
    assert_eq!(codes(&r), vec!["rag_undetermined"]);
}

/// Each row: condition, whether it fires, whether it is counted as not
/// evaluated. `T` is true, `F` false, `U` unknown (q1 is missing).
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
fn missing_values_follow_kleene_logic() {
    const T: &str = "value > 0%";
    const F: &str = "value < 0%";
    const U: &str = "q1 > 0%";
    let cases = [
        (format!("{T} and {T}"), true, false),
        (format!("{T} and {F}"), false, false),
        (format!("{T} and {U}"), false, true),
        (format!("{F} and {T}"), false, false),
        (format!("{F} and {F}"), false, false),
        (format!("{F} and {U}"), false, false),
        (format!("{U} and {T}"), false, true),
        (format!("{U} and {F}"), false, false),
        (format!("{U} and {U}"), false, true),
        (format!("{T} or {T}"), true, false),
        (format!("{T} or {F}"), true, false),
        (format!("{T} or {U}"), true, false),
        (format!("{F} or {T}"), true, false),
        (format!("{F} or {F}"), false, false),
        (format!("{F} or {U}"), false, true),
        (format!("{U} or {T}"), true, false),
        (format!("{U} or {F}"), false, true),
        (format!("{U} or {U}"), false, true),
        (format!("not ({T})"), false, false),
        (format!("not ({F})"), true, false),
        (format!("not ({U})"), false, true),
        ("q1 + 5% > 0%".to_string(), false, true),
        ("q1 == q1".to_string(), false, true),
        ("q1 is missing".to_string(), true, false),
        ("q1 is not missing".to_string(), false, false),
        ("value is missing".to_string(), false, false),
    ];
    for (cond, fires, unknown) in cases {
        let rules = format!("check t for appraisals {{\n  error when {cond} \"fired\"\n}}\n");
        let r = check(
            &rules,
            &ret("2011/12 Q4", "  appraisals:\n    values:\n      q4: 50%\n"),
        );
        let fired = !messages(&r, "t").is_empty();
        assert_eq!(fired, fires, "`{cond}` fired: {fired}");
        assert_eq!(
            r.returns[0].not_evaluated,
            u64::from(unknown),
            "`{cond}` not evaluated"
        );
    }
}

#[test]
fn is_tests_the_kind_of_missing_value() {
    let rules = "check kinds for each value {\n  info when value is deferred \"deferred {quarter}\"\n  info when value is not_applicable \"na {quarter}\"\n  info when value is not_available \"nav {quarter}\"\n  info when value is invalid \"invalid {quarter}\"\n}\n";
    let yaml = ret(
        "2011/12 Q4",
        "  budget:\n    values:\n      q1: To be reported in Quarter 4\n      q2: N/A\n      q3: Indicator being developed\n      q4: N#\n",
    );
    let mut got = messages(&check(rules, &yaml), "kinds");
    got.sort();
    assert_eq!(got, vec!["deferred 1", "invalid 4", "na 2", "nav 3"]);
}

#[test]
fn arithmetic_is_exact_decimal() {
    let rules = "check exact for budget {\n  error when value + £0.2 == £0.3 \"exact\"\n}\n";
    let r = check(
        rules,
        &ret("2011/12 Q4", "  budget:\n    values:\n      q4: £0.1\n"),
    );
    assert_eq!(messages(&r, "exact"), vec!["exact"]);
}

#[test]
fn statuses_order_red_amber_green_and_in_lists_match() {
    let rules = "check worse for each measure where rag < green {\n  warning when status in [amber, red] \"{id} is {status}, computed {rag}\"\n}\n";
    let r = check(
        rules,
        &ret(
            "2011/12 Q4",
            "  appraisals:\n    status: Amber\n    values:\n      q4: 94%\n",
        ),
    );
    assert_eq!(
        messages(&r, "worse"),
        vec!["appraisals is Amber, computed amber"]
    );
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
fn matches_lower_len_and_count() {
    let rules = r#"
check remedial for each measure where status in [amber, red] {
    warning when not (commentary matches "(?i)action|plan") "{id}: no remedial action"
}
check shouty for each measure {
    info when lower(officer) == "jane smith" and len(officer) == 10 "officer {officer}"
}
check many_ambers {
    warning when count(each measure where status == amber) >= 2 "{count(each measure where status == amber)} amber measures"
}
"#;
    let yaml = ret(
        "2011/12 Q4",
        "  appraisals:\n    status: Amber\n    officer: JANE SMITH\n    commentary: An action plan is agreed.\n    values:\n      q4: 94%\n  sickness_absence:\n    status: Amber\n    commentary: Absence is up.\n    values:\n      q4: 8.63 days\n",
    );
    let r = check(rules, &yaml);
    assert_eq!(
        messages(&r, "remedial"),
        vec!["sickness_absence: no remedial action"]
    );
    assert_eq!(messages(&r, "shouty"), vec!["officer JANE SMITH"]);
    assert_eq!(messages(&r, "many_ambers"), vec!["2 amber measures"]);
}

#[test]
fn severity_settings_change_and_silence_checks() {
    let rules = "severity unknown_measure off\nseverity rag_undetermined warning\n";
    let yaml = ret(
        "2011/12 Q4",
        "  apraisals:\n    values:\n      q4: 94%\n  appraisals:\n    values:\n      q4: N/A\n",
    );
    let r = check(rules, &yaml);
    let diags: Vec<_> = r.returns[0]
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.severity.as_str()))
        .collect();
    assert_eq!(diags, vec![("rag_undetermined", "warning")]);
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
    assert_eq!((rule.file.as_ref(), rule.line), ("t.rag", 33));
}

#[test]
fn min_max_round_keep_units() {
    let rules = r#"
check spread for appraisals {
    info when max(q1, q2, q3) - min(q1, q2, q3) > 30% "spread {max(q1, q2, q3) - min(q1, q2, q3)}"
    info when round(q1 / 3, 1) == 21% "third {round(q1 / 3, 1)}"
}
"#;
    let r = check(
        rules,
        &ret(
            "2011/12 Q4",
            "  appraisals:\n    values:\n      q1: 63%\n      q2: 94%\n      q3: 99%\n      q4: 100%\n",
        ),
    );
    assert_eq!(messages(&r, "spread"), vec!["spread 36%", "third 21%"]);
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
